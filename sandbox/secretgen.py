"""Synthetic, format-valid credentials built at run time from a seeded RNG, their disguises, and benign
look-alikes. No literal secret is ever stored in the repository: every token below is assembled here.

    gen = SecretGen(seed=7)
    sample = gen.sample("huggingface")      # Sample(kind, text, secret, prefix, form)
    text = disguise("percent_encoded", sample, gen.rng)
    benign = benign_messages(gen.rng, 100)  # or benign_samples(): (category, text)

Each kind comes in the forms people paste it in (`Sample.form`: a bare token, `os.environ[...] = ...`, an
XML element, a netrc block, ...); each disguise applies to every kind it makes sense for. The negatives are
grouped in categories (masked tokens, trace ids, pip hashes, SSH public keys, vendors' published examples,
...), each with many variants. Formats follow the public rules of gitleaks, TruffleHog and python-discord's
token filter.
"""
from __future__ import annotations

import base64
import json
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass

LETTERS = string.ascii_letters
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + string.digits
AWS_ID_CHARS = string.ascii_uppercase + "234567"
DISCORD_EPOCH_MS = 1_420_070_400_000


@dataclass(frozen=True)
class Sample:
    kind: str
    text: str  # what a person pastes (the token, or the token in its usual context)
    secret: str  # the credential itself: none of it beyond `prefix` may survive redaction
    prefix: str  # the public vendor prefix that stays visible
    form: str = "token"  # how it was pasted: the class of text it stands for


def _rand(rng: random.Random, chars: str, n: int) -> str:
    # A real key mixes character classes; re-draw the rare all-one-class string so tests stay deterministic.
    groups = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    wanted = min(2, sum(any(c in g for c in chars) for g in groups))
    while True:
        s = "".join(rng.choice(chars) for _ in range(n))
        if sum(any(c in group for c in s) for group in groups) >= wanted:
            return s


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class SecretGen:
    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self._wanted: str | None = None  # the form sample() was asked for
        self._offered: tuple[str, ...] = ()  # the forms the last builder offered

    def r(self, chars: str, n: int) -> str:
        return _rand(self.rng, chars, n)

    def pick_form(self, forms: dict[str, str]) -> tuple[str, str]:
        """One (form, text) of `forms`: the one asked for, else at random."""
        self._offered = tuple(sorted(forms))
        form = self._wanted if self._wanted in forms else self.rng.choice(self._offered)
        return form, forms[form]

    # ---- one builder per kind: returns (text, secret, prefix) or (text, secret, prefix, form)

    def _huggingface(self):
        p = "hf_"
        s = p + self.r(LETTERS, 34)
        return s, s, p

    def _huggingface_oauth(self):
        p = "hf_oauth_"
        s = p + self.r(ALNUM, 34)
        return s, s, p

    def _huggingface_org(self):
        p = "api_org_"
        s = p + self.r(LETTERS, 34)
        return s, s, p

    def discord_snowflake(self) -> int:
        ms = self.rng.randint(DISCORD_EPOCH_MS + 10**10, int(time.time() * 1000) - 10**6)
        return ((ms - DISCORD_EPOCH_MS) << 22) | self.rng.getrandbits(22)

    def _discord_bot(self):
        # a real snowflake, or (as scanners' test suites do) any 17-19 digit id
        snowflake = self.discord_snowflake() if self.rng.random() < 0.5 else self.rng.randint(10**16, 10**19 - 1)
        user = _b64url(str(snowflake).encode())
        ts = _b64url(self.rng.randint(1_600_000_000, int(time.time())).to_bytes(4, "big"))
        hmac = self.r(B64URL, self.rng.choice((27, 38)))
        s = f"{user}.{ts}.{hmac}"
        return s, s, ""

    def _discord_webhook(self):
        p = "https://discord.com/api/webhooks/"
        s = p + f"{self.discord_snowflake()}/{self.r(B64URL, 68)}"
        return s, s, p

    def _openai(self):
        variant = self.rng.choice(("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"))
        if variant == "sk-":
            body = self.r(ALNUM, 20) + "T3BlbkFJ" + self.r(ALNUM, 20)
        else:
            n = self.rng.choice((58, 74))
            body = self.r(B64URL, n) + "T3BlbkFJ" + self.r(B64URL, n)
        s = variant + body
        return s, s, variant

    def _anthropic(self):
        p = "sk-ant-api03-"
        s = p + self.r(B64URL, 93) + "AA"
        return s, s, p

    def _github(self):
        if self.rng.random() < 0.25:
            p = "github_pat_"
            s = p + self.r(ALNUM, 22) + "_" + self.r(ALNUM, 59)
        else:
            p = self.rng.choice(("ghp_", "gho_", "ghu_", "ghs_", "ghr_"))
            s = p + self.r(ALNUM, 36)
        return s, s, p

    def aws_key_id(self) -> str:
        return self.rng.choice(("AKIA", "ASIA")) + self.r(AWS_ID_CHARS, 16)

    def _aws_access_key(self):
        s = self.aws_key_id()
        return s, s, s[:4]

    def _aws_secret_key(self):
        secret = self.r(B64, 40)
        key_id = self.aws_key_id()
        form, text = self.pick_form({
            "ini": f"aws_access_key_id = {key_id}\naws_secret_access_key = {secret}",
            "env": f"AWS_SECRET_ACCESS_KEY={secret}",
            "json": f'"SecretAccessKey": "{secret}"',
            "prose": f"AWS secret key: {secret}",
            "export": f"export AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret}",
            "os.environ": f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{secret}"',
            "boto3 kwargs": f"boto3.client('s3', aws_access_key_id='{key_id}', aws_secret_access_key='{secret}')",
            "credentials.csv": f"Access key ID,Secret access key\n{key_id},{secret}",
        })
        return text, secret, "", form

    def _google_api_key(self):
        p = "AIza"
        s = p + self.r(B64URL, 35)
        return s, s, p

    def _slack(self):
        p = self.rng.choice(("xoxb-", "xoxp-"))
        if p == "xoxb-":
            s = p + f"{self.rng.randint(10**10, 10**12)}-{self.rng.randint(10**10, 10**12)}-{self.r(ALNUM, 24)}"
        else:
            s = p + "-".join(str(self.rng.randint(10**10, 10**12)) for _ in range(3)) + "-" + self.r(HEX, 32)
        return s, s, p

    def _slack_webhook(self):
        p = "https://hooks.slack.com/services/"
        s = p + f"T{self.r(UPPER_DIGITS, 10)}/B{self.r(UPPER_DIGITS, 10)}/{self.r(ALNUM, 24)}"
        return s, s, p

    def _stripe(self):
        p = self.rng.choice(("sk_live_", "rk_live_", "sk_test_"))
        s = p + self.r(ALNUM, self.rng.choice((24, 99)))
        return s, s, p

    def _telegram_bot(self):
        s = f"{self.rng.randint(10**7, 10**10 - 1)}:A{self.r(B64URL, 34)}"  # gitleaks: digits, ":A", 34
        return s, s, ""

    def _replicate(self):
        p = "r8_"
        s = p + self.r(ALNUM, 37)
        return s, s, p

    def _groq(self):
        p = "gsk_"
        s = p + self.r(ALNUM, 52)
        return s, s, p

    def _wandb(self):
        token = "wandb_v1_" + self.r(ALNUM, 27) + "_" + self.r(ALNUM, 49)
        key = self.r(HEX, 40)  # a legacy key: nothing but its surroundings says it is W&B's
        form, text = self.pick_form({
            "wandb_v1 token": token,
            "env": f"WANDB_API_KEY={key}",
            "wandb login": f"wandb login {key}",
            "wandb.login()": f"wandb.login(key='{key}')",
            "os.environ": f'os.environ["WANDB_API_KEY"] = "{key}"',
            "netrc": f"machine api.wandb.ai\n  login user\n  password {key}",
            "chat": f"my wandb key is {key} is that the problem?",
            "chat, far from the mention": f"I ran wandb login and it asked me to paste the key from the site, so I pasted {key}",
            "W&B": f"W&B API key: {key}",
            "Weights & Biases": f"Weights & Biases key {key} stopped working",
            "json": json.dumps({"WANDB_API_KEY": key, "WANDB_PROJECT": "demo"}),
            "auth error": f"wandb: ERROR Authentication failed for API key {key} (401 Unauthorized)",
            "key after the mention": f"wandb: Paste an API key from your profile and hit enter: {key}",
            "key before the mention": f"{key} <- that is the key wandb prints for my account",
        })
        return (text, token, "wandb_v1_", form) if text == token else (text, key, "", form)

    def _private_key(self):
        label = self.rng.choice(("RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"))
        body = self.r(B64, 64 * self.rng.randint(4, 12))
        lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
        header = f"-----BEGIN {label}-----"
        s = f"{header}\n{lines}\n-----END {label}-----"
        return s, s, header

    def _jwt(self):
        rng = self.rng
        header = _b64url(json.dumps(rng.choice(({"alg": "HS256", "typ": "JWT"}, {"typ": "JWT", "alg": "RS256"},
                                                 {"alg": "ES256", "kid": self.r(ALNUM, 8)}))).encode())
        payload = _b64url(json.dumps({"sub": self.r(ALNUM, 12), "iat": rng.randint(1_600_000_000, 1_800_000_000),
                                      "exp": rng.randint(1_800_000_000, 1_900_000_000)}).encode())
        unsigned = _b64url(json.dumps({"alg": "none"}).encode())  # "alg": "none", an empty signature
        form, s = self.pick_form({
            "signed": f"{header}.{payload}.{self.r(B64URL, 43)}",
            "alg none": f"{unsigned}.{_b64url(json.dumps({'sub': self.r(ALNUM, 12), 'admin': True}).encode())}.",
        })
        return s, s, "", form

    def password(self) -> str:
        return self.r(ALNUM, self.rng.randint(10, 16)) + self.rng.choice("!#%^*-_") + self.r(ALNUM, 3)

    def _url_password(self):
        pw = self.password().replace("#", "!").replace("%", "^")
        user = self.rng.choice(("admin", "postgres", "alice", "deploy"))
        host = self.rng.choice(("db.example.internal:5432/app", "redis.internal:6379", "git.example.com/repo.git"))
        scheme = self.rng.choice(("postgresql", "redis", "https", "mongodb+srv"))
        return f"{scheme}://{user}:{pw}@{host}", pw, ""

    def _auth_header(self):
        token = self.r(B64URL, self.rng.randint(32, 48))
        basic = base64.b64encode(f"alice:{self.password()}".encode()).decode()
        form, text = self.pick_form({
            "curl bearer": f'curl -H "Authorization: Bearer {token}" https://api.example.com/v1/items',
            "basic": f"Authorization: Basic {basic}",
            "no scheme": f"Authorization: {token}",
            "api-token scheme": f'curl -H "Authorization: Api-Token {token}" https://api.example.com/v1/items',
            "token scheme": f"Authorization: Token {token}",
            "bearer on its own line": f"Authorization: Bearer\n{token}",
            "requests headers": f'headers = {{"Authorization": "Bearer {token}"}}',
            "bare bearer": f"the server wants Bearer {token} in the header",
        })
        return text, basic if form == "basic" else token, "", form

    def _secret_assignment(self):
        value = self.password()
        name = self.rng.choice(("password", "DB_PASSWORD", "secret", "client_secret", "api_key", "token"))
        upper = name.upper() if name != "DB_PASSWORD" else "POSTGRES_PASSWORD"
        form, text = self.pick_form({
            "name=value": f"{name}={value}",
            "name = \"value\"": f'{name} = "{value}"',
            "name: value": f"{name}: {value}",
            "os.environ": f'os.environ["{upper}"] = "{value}"',
            "docker run -e": f"docker run -e ADMIN_PASSWORD={value} -p 8080:8080 myimage",
            "keyword argument": f'psycopg2.connect(host="db", user="admin", password="{value}")',
            "ini": f"[database]\nhost = db.internal\npassword = {value}\n",
            "yaml": f"database:\n  user: admin\n  password: {value}\n",
            "yaml, next line": f"database:\n  password:\n    {value}\n",
            "xml multiline": f"<config>\n  <password>\n    {value}\n  </password>\n</config>",
            "go var": f'var apiToken string = "{value}"',
            "php .=": f'$token .= "{value}";',
            "setProperty": f'System.setProperty("X_TOKEN", "{value}");',
            "make ::=": f"API_TOKEN ::= {value}",
            "make ?=": f'API_TOKEN ?= "{value}"',
            "logstash =>": f'  "password" => "{value}"',
            "cli flag": f"python app.py --password {value} --port 7860",
            "k8s env pair": f"env:\n  - name: API_TOKEN\n    value: \"{value}\"",
            "json": json.dumps({"client_secret": value, "client_id": "my-app"}),
            "dotenv export": f"export {upper}='{value}'",
            "gradio auth tuple": f'demo.launch(auth=("admin", "{value}"), share=False)',
        })
        return text, value, "", form

    def _basic_auth(self):
        pw = self.password()
        user = self.rng.choice(("admin", "elastic", "api", "j.smith", "deploy"))
        form, text = self.pick_form({
            "-u": f"curl -u {user}:{pw} https://localhost:9200/_cat/indices",
            "--user double quotes": f'curl -s --user "{user}:{pw}" https://api.example.com/user/me',
            "--user single quotes": f"curl -s --user '{user}:{pw}' \\\n    https://api.example.com/v3/messages",
            "continued lines": f"curl -k -X POST https://localhost:11222/rest \\\n  -H 'Content-type: text/plain' \\\n  -u {user}:{pw}",
            "empty user": f'curl -u ":{pw}" https://localhost:9200',
            "token as user": f'curl -u "{pw}:" https://api.example.com/v1/charges',
            "--user=": f"curl --user={user}:{pw} https://example.com/upload",
            "mysql -p": f"mysql -u {user} -p{pw} -h db.internal app",
        })
        return text, pw, "", form

    def sample(self, kind: str, form: str | None = None) -> Sample:
        """A `kind` of credential in `form` (see forms()), or in a form drawn at random."""
        self._wanted, self._offered = form, ()
        built = getattr(self, f"_{kind}")()
        return Sample(kind, *built[:3], *built[3:])


KINDS: tuple[str, ...] = tuple(
    name[1:] for name in vars(SecretGen) if name.startswith("_") and not name.startswith("__")
    and callable(getattr(SecretGen, name)))

def forms(kind: str) -> tuple[str, ...]:
    """The forms a kind is pasted in (the classes of text its samples stand for)."""
    gen = SecretGen(0)
    sample = gen.sample(kind)
    return gen._offered or (sample.form,)


# Kinds whose secret has a length OCR spacing can be undone against (see diagnosis/secret_rules.py): the
# tokens, but for key blocks and webhook URLs.
OCR_KINDS = frozenset(KINDS) - {"private_key", "discord_webhook", "slack_webhook", "url_password", "auth_header",
                                "secret_assignment", "basic_auth", "aws_secret_key"}

# ---------------------------------------------------------------------------------------------- disguises


def _secret_span(sample: Sample) -> tuple[int, int]:
    """Where the secret's body (after its public prefix) is in the sample's text."""
    start = sample.text.index(sample.secret)
    return start + len(sample.prefix), start + len(sample.secret)


# The start of a prefix-less token that the redactor knows it by, which disguises leave whole.
_SHAPE_PREFIX = {"jwt": len("eyJ")}


def _split_point(sample: Sample, rng: random.Random) -> int:
    """A position strictly inside the secret's body (after the public prefix)."""
    start, end = _secret_span(sample)
    return rng.randint(start + 2 + _SHAPE_PREFIX.get(sample.kind, 0), end - 2)


def _insert(sample: Sample, rng: random.Random, what: str) -> str:
    i = _split_point(sample, rng)
    return sample.text[:i] + what + sample.text[i:]


def _percent(sample: Sample, rng: random.Random) -> str:
    # Encode the characters a URL encoder touches plus, as some tools do, a few random ones.
    out = []
    for c in sample.text:
        if c in "_:/+=@!^*#-" or (c.isalnum() and rng.random() < 0.1):
            out.append(f"%{ord(c):02X}")
        else:
            out.append(c)
    return "".join(out)


def _ocr_space(sample: Sample, rng: random.Random) -> str:
    """A token retyped from a screenshot: one or two spaces at one or two places inside it (the first may
    be right after the prefix)."""
    start, end = _secret_span(sample)
    shape = _SHAPE_PREFIX.get(sample.kind, 0)
    places = sorted(rng.sample(range(start + 1 + shape, end - 1), rng.choice((1, 2))))
    if len(places) == 2 and places[1] - places[0] < 2:
        places = places[:1]
    if sample.prefix and rng.random() < 0.2:
        places[0] = start
    text = sample.text
    for i in reversed(places):
        text = text[:i] + " " * rng.choice((1, 2)) + text[i:]
    return text


def _log_line(sample: Sample, rng: random.Random) -> str:
    stamp = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 1{rng.randint(0, 9)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}"
    return rng.choice((
        f"{stamp},{rng.randint(100, 999)} - app - INFO - loaded config: {sample.text}",
        f"===== Application Startup at {stamp} =====\n\n{sample.text}\n* Running on local URL:  http://0.0.0.0:7860",
        f"[{stamp}] DEBUG settings {sample.text}",
        f"ERROR:root:request failed\n{sample.text}\nTraceback (most recent call last):",
    ))


DISGUISES: dict[str, Callable[[Sample, random.Random], str]] = {
    "plain": lambda s, r: f"here is my config: {s.text} what am I doing wrong?",
    "line_break": lambda s, r: _insert(s, r, "\n"),
    "zero_width": lambda s, r: _insert(s, r, r.choice("\u200b\u200c\u200d\u2060\ufeff\u00ad\u2062")),
    "percent_encoded": _percent,
    "in_url": lambda s, r: f"https://huggingface.co/api/whoami?token={s.text}&x=1",
    "windows_path": lambda s, r: f"C:\\Users\\me\\.cache\\{s.text}\\config.json",
    "backticks": lambda s, r: f"I set `{s.text}` in the secrets",
    "quotes": lambda s, r: f"token = '{s.text}'",
    "double_quotes": lambda s, r: f'HF_TOKEN="{s.text}"',
    "spoiler": lambda s, r: f"my key ||{s.text}|| please don't share",
    "json_escaped": lambda s, r: json.dumps({"body": json.dumps({"value": s.text})}),
    "yaml_indented": lambda s, r: "env:\n  - name: SECRET\n    value: " + s.text.replace("\n", "\n      ") + "\n",
    "trailing_punct": lambda s, r: f"Tried {s.text}. Then {s.text}, and ({s.text})!",
    "ocr_space": _ocr_space,
    "log_line": _log_line,
}

def disguise(name: str, sample: Sample, rng: random.Random) -> str:
    return DISGUISES[name](sample, rng)


def applicable(kind: str, disguise_name: str) -> bool:
    """Every disguise applies to every kind, but OCR spacing: only where the secret's length is known."""
    return disguise_name != "ocr_space" or kind in OCR_KINDS


# ---------------------------------------------------------------------------------------------- benign


def _benign_templates(rng: random.Random) -> list[tuple[str, Callable[[], str]]]:
    """(category, template) pairs: every category holds several variants of one kind of look-alike."""
    r = lambda chars, n: _rand(rng, chars, n)  # noqa: E731
    hexs = lambda n: "".join(rng.choice(HEX) for _ in range(n))  # noqa: E731
    sha = lambda: hexs(40)  # noqa: E731
    uuid = lambda: "-".join(hexs(n) for n in (8, 4, 4, 4, 12))  # noqa: E731
    owner = lambda: rng.choice(("alice", "bigscience", "stabilityai", "team-x", "user123"))  # noqa: E731
    name = lambda: rng.choice(("my-space", "chatbot", "sdxl-demo", "whisper_app", "llama-3-8b"))  # noqa: E731
    snowflake = lambda: str(SecretGen(rng.randint(0, 10**9)).discord_snowflake())  # noqa: E731
    word = lambda: rng.choice(("token", "secret", "password", "key", "api_key", "HF_TOKEN"))  # noqa: E731
    png = lambda: base64.b64encode(bytes([0x89, 0x50, 0x4E, 0x47]) + rng.randbytes(300)).decode()  # noqa: E731
    trace = lambda: f"Root=1-{hexs(8)}-{hexs(24)}"  # noqa: E731
    label = lambda: rng.choice(("token", "secret", "auth", "request_token", "api_key", "password"))  # noqa: E731
    b64text = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    masked = lambda: rng.choice(("...", "…", "****", "••••", "***"))  # noqa: E731
    ssh_ed = lambda: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(B64, 43)  # noqa: E731
    ssh_rsa = lambda: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + r(B64, 500)  # noqa: E731
    host = lambda: f"{rng.choice(('me', 'ubuntu', 'deploy'))}@{rng.choice(('laptop', 'host', 'gpu-box-2'))}"  # noqa: E731
    instance = lambda: rng.choice(("i", "vol", "sg", "subnet", "ami", "eni")) + "-0" + hexs(16)  # noqa: E731
    vendor = rng.choice
    # Keys that vendors publish in docs and SDK tests (assembled here: the prefixes are split on purpose).
    firebase_sdk = ("SyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs", "SyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
                    "SyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU", "SyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
                    "SyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c", "SyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY")
    jwt_io = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2"
              "MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    docs_keys = ("sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc", "gh" + "p_16C7e42F292c6912E7710c838347Ae178B4a",
                 "xo" + "xb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy", "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    return [
        # hashes, digests, ids
        ("git_hashes", lambda: f"Build failed at commit {sha()}, previous was {sha()[:7]}"),
        ("git_hashes", lambda: f"pushed {sha()} to main, still Build Queued"),
        ("git_hashes", lambda: f"see https://github.com/{owner()}/{name()}/commit/{sha()}"),
        ("digests", lambda: f"model weights sha256: {hexs(64)}"),
        ("digests", lambda: f"Digest: sha256:{hexs(64)} Status: Downloaded newer image for python:3.10"),
        ("digests", lambda: f"FROM nvidia/cuda@sha256:{hexs(64)}"),
        ("request_ids", lambda: f"request id {uuid()} session_uuid={uuid()}"),
        ("request_ids", lambda: f"< x-request-id: {hexs(32)}\n< x-linked-etag: \"{hexs(64)}\"\n< authorization: Bearer $HF_TOKEN"),
        ("request_ids", lambda: f'INFO:httpx:HTTP Request: POST https://api-inference.huggingface.co/models/{owner()}/{name()} "HTTP/1.1 401 Unauthorized" request_id={hexs(32)} (token invalid?)'),
        ("request_ids", lambda: f"pip: GET https://pypi.org/simple/torch/ 200 x-request-id={uuid()} x-served-by=cache-{r(string.ascii_lowercase, 3)}{rng.randint(1000, 9999)}"),
        ("request_ids", lambda: f'{{"error": "invalid token", "requestId": "{uuid()}", "traceId": "{hexs(32)}"}}'),
        ("request_ids", lambda: f"x-request-id: req_{r(ALNUM, 24)} (the API says my token is wrong)"),
        ("trace_ids", lambda: f"Something went wrong when restarting this Space ({trace()})"),
        ("trace_ids", lambda: f"X-Amzn-Trace-Id: {trace()};Parent={hexs(16)};Sampled=1"),
        ("trace_ids", lambda: f"huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/spaces/{owner()}/{name()} (Request ID: {trace()};{uuid()})\n\nInvalid credentials in Authorization header"),
        ("trace_ids", lambda: f"{label()}: {trace()}"),
        ("trace_ids", lambda: f'"X-Amzn-Trace-Id": "{trace()}", "token": "$HF_TOKEN"'),
        ("pip_hashes", lambda: f"torch==2.{rng.randint(0, 8)}.0 \\\n    --hash=sha256:{hexs(64)} \\\n    --hash=sha256:{hexs(64)}"),
        ("pip_hashes", lambda: f"ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.\n    torch from https://files.pythonhosted.org/torch.whl:\n        Expected sha256 {hexs(64)}\n             Got        {hexs(64)}"),
        ("pip_hashes", lambda: f"gradio==4.{rng.randint(10, 44)}.0 --hash=sha256:{hexs(64)}"),
        ("pip_hashes", lambda: f'"integrity": "sha512-{r(B64, 86)}=="'),
        ("pip_hashes", lambda: f"{label()}_hash = sha256:{hexs(64)}"),
        ("instance_ids", lambda: f"instance {instance()} terminated while the Space was building"),
        ("instance_ids", lambda: f'"InstanceId": "{instance()}", "{label()}": "{instance()}"'),
        ("instance_ids", lambda: f"{label()}={instance()} region=us-east-1"),
        ("instance_ids", lambda: f"aws ec2 describe-instances --instance-ids {instance()} {instance()}"),
        # placeholders, masks, references
        ("placeholders", lambda: "my token is hf_" + "x" * 34 + " is that the problem?"),
        ("placeholders", lambda: "I replaced it with hf_*** in the snippet"),
        ("placeholders", lambda: "set HF_TOKEN=YOUR_HF_TOKEN then run again"),
        ("placeholders", lambda: "Authorization: Bearer <token>"),
        ("placeholders", lambda: "password: ********"),
        ("placeholders", lambda: f"{word()}=<your {word()} here>"),
        ("placeholders", lambda: "postgresql://user:password@localhost:5432/db (placeholder from the docs)"),
        ("placeholders", lambda: "curl -u username:password https://example.com/api"),
        ("placeholders", lambda: 'curl --user "$USERNAME:$PASSWORD" https://example.com/api'),
        ("placeholders", lambda: "curl -u <user:password> https://test.com/endpoint"),
        ("placeholders", lambda: rng.choice(("mysql -u root -p", "mysql -u root -p$MYSQL_PASSWORD app", "mysql -p -h db"))),
        ("placeholders", lambda: 'demo.launch(auth=("admin", os.environ["APP_PASSWORD"]))'),
        ("masked_tokens", lambda: f"hf_{r(LETTERS, 2)}{masked()}{r(LETTERS, 4)} (masked in the UI)"),
        ("masked_tokens", lambda: f"HF_TOKEN=hf_{r(LETTERS, 2)}{masked()}{r(LETTERS, 4)}"),
        ("masked_tokens", lambda: f"OPENAI_API_KEY=sk-{masked()}{r(ALNUM, 4)}"),
        ("masked_tokens", lambda: f'api_key = "sk-proj-{r(ALNUM, 4)}{masked()}{r(ALNUM, 4)}"'),
        ("masked_tokens", lambda: f"{label()}: {masked()}{masked()}"),
        ("masked_tokens", lambda: f"the settings page shows ghp_{'*' * 32}{r(ALNUM, 4)}"),
        ("masked_tokens", lambda: f"AWS_ACCESS_KEY_ID=AKIA{'*' * 12}{r(AWS_ID_CHARS, 4)}"),
        ("masked_tokens", lambda: f'"token": "hf_{"•" * 30}{r(LETTERS, 4)}"'),
        ("references", lambda: 'curl -H "Authorization: Bearer $HF_TOKEN" https://huggingface.co/api/whoami-v2'),
        ("references", lambda: "env:\n  HF_TOKEN: ${{ secrets.HF_TOKEN }}"),
        ("references", lambda: "token = os.environ['HF_TOKEN']"),
        ("references", lambda: "headers = {'Authorization': f'Bearer {token}'}"),
        ("references", lambda: f"{word()}: ${{{word().upper()}}}"),
        ("references", lambda: "https://user:${DB_PASSWORD}@db.internal/app"),
        ("references", lambda: 'password=os.getenv("DB_PASSWORD"), user=os.getenv("DB_USER")'),
        ("references", lambda: 'curl -XGET -u "${{ steps.vault.outputs.id }}:${{ steps.vault.outputs.password }}" https://x'),
        ("aws_examples", lambda: "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7" + "EXAMPLE"),
        ("aws_examples", lambda: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLE" + "KEY"),
        # code that names secrets without holding one
        ("code", lambda: "tokenizer.pad_token = tokenizer.eos_token"),
        ("code", lambda: "pad_token_id=tokenizer.eos_token_id, max_new_tokens=512"),
        ("code", lambda: f"hf_hub_download(repo_id='{owner()}/{name()}', filename='model.safetensors')"),
        ("code", lambda: "from huggingface_hub import hf_hub_download, snapshot_download"),
        ("code", lambda: "use_auth_token=True is deprecated, pass token=True"),
        ("code", lambda: f"token_type_ids shape torch.Size([1, {rng.randint(10, 512)}])"),
        ("code", lambda: "access_token = response.json()['access_token']"),
        ("code", lambda: 'authDomain: "my-app-1234.firebaseapp.com", databaseURL: "https://my-app-1234.firebaseio.com"'),
        ("code", lambda: f'publicToken = "{r(ALNUM, 43)}"'),
        ("code", lambda: f"csrf-token={r(B64, 86)}=="),
        ("code", lambda: f'"nextToken": "{r(B64URL, 40)}", "pageToken": "{r(B64URL, 24)}"'),
        ("code", lambda: f"Passport: {r(string.ascii_uppercase, 2)}{rng.randint(1000000, 9999999)}"),
        ("code", lambda: f"max_tokens: {rng.randint(256, 8192)}, passwordless login: enabled, auth_type: oauth2"),
        ("code", lambda: f"secret_key=hashlib.sha256(session_secret).digest(), token_url='https://{owner()}.example.com/oauth/token'"),
        # code people paste from libraries: names, regular expressions, comments and examples around keywords
        ("library_code", lambda: f"self._{name().replace('-', '_')}_token = {name().replace('-', '_')}_token\n        # keep the queue small"),
        ("library_code", lambda: f"pass_pattern = r'(?:key|pwd|password|pass|token)'\nsecret = r'([a-f0-9]{{{rng.randint(32, 64)}}})'"),
        ("library_code", lambda: "ident_token = r\"[-!#$%&'*+.^_|~0-9a-zA-Z]+\""),
        ("library_code", lambda: "class Verdict(Enum):\n    LEAKED_SECRET = 1\n    FALSE_ALARM = 2"),
        ("library_code", lambda: "builtins = ['NSTokenPasswordAuthRequest', 'NSTokenSessionBroker', 'NSAuthorizationAppleIDProvider']"),
        ("library_code", lambda: "    headers: CaseInsensitiveDict[str]\n    auth: _t.AuthType\n    proxies: dict"),
        ("library_code", lambda: f'<assemblyIdentity name="Microsoft.VC90.CRT" publicKeyToken="{hexs(16)}"/>'),
        ("library_code", lambda: 'proxy = "socks5h://<username>:<password>@proxy-host"'),
        ("library_code", lambda: "headers = {'x-amz-date': stamp, 'Authorization': sigv4_header}"),
        ("library_code", lambda: 'url = URL("https://jo%40example.com:a%20secret@example.com:1234/")'),
        ("library_code", lambda: "fs = fsspec.filesystem('github://org:repo@main/data')"),
        ("ci_credential_ids", lambda: f"withCredentials([usernamePassword(credentialsId: '{uuid()}', usernameVariable: 'USERNAME', passwordVariable: 'PASSWORD')]) {{"),
        ("ci_credential_ids", lambda: f"credentialsId: '{uuid()}'"),
        ("ci_credential_ids", lambda: f"jobCredentialsId: '{uuid()}'"),
        ("ci_credential_ids", lambda: f'  "credentialId": "{r(ALNUM, 22)}",'),
        ("ci_credential_ids", lambda: 'environment {\n\tCREDENTIALS_ID = "K8S_CRED"\n}'),
        ("ci_credential_ids", lambda: f"token_id: {uuid()}\napi_key_id = {r(ALNUM, 20)}"),
        ("secret_names", lambda: f'LLM_SECRET_NAME = "{r(string.ascii_uppercase, 5)}-GPT4-API-KEY"'),
        ("secret_names", lambda: f"secret_name: {name()}-db-password"),
        ("secret_names", lambda: f'SECRET_NAME="prod/{name()}/creds-{rng.randint(1, 9)}"'),
        ("secret_names", lambda: "token_name = 'HF_TOKEN'"),
        ("secret_names", lambda: f"env:\n  - name: HF_TOKEN\n    valueFrom:\n      secretKeyRef:\n        name: {name()}-secrets\n        key: hf-token"),
        ("secret_names", lambda: "password_file = /run/secrets/db_password"),
        ("secret_names", lambda: "api_key_env: OPENAI_API_KEY"),
        ("secret_names", lambda: f'<UserSecretsId>{uuid()}</UserSecretsId>'),
        # public keys and certificates
        ("public_keys", lambda: f"{ssh_ed()} {host()}"),
        ("public_keys", lambda: f"secret: {ssh_ed()} {host()}"),
        ("public_keys", lambda: f"deploy key = {ssh_rsa()} {host()}"),
        ("public_keys", lambda: f"authorized_keys:\n{ssh_ed()} {host()}\n{ssh_rsa()} {host()}"),
        ("public_keys", lambda: f"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB{r(B64, 90)}= {host()}"),
        ("public_keys", lambda: "-----BEGIN PUBLIC KEY-----\n" + "\n".join(r(B64, 64) for _ in range(4)) + "\n-----END PUBLIC KEY-----"),
        ("public_keys", lambda: "-----BEGIN CERTIFICATE-----\nMII" + r(B64, 61) + "\n" + r(B64, 64) + "\n-----END CERTIFICATE-----"),
        ("empty_private_keys", lambda: "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----"),
        ("empty_private_keys", lambda: "-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----"),
        ("empty_private_keys", lambda: "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"),
        ("empty_private_keys", lambda: "-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----"),
        ("empty_private_keys", lambda: "paste it like this:\n-----BEGIN EC PRIVATE KEY-----\n<your key here>\n-----END EC PRIVATE KEY-----"),
        ("empty_private_keys", lambda: "the file starts with -----BEGIN OPENSSH PRIVATE KEY----- and I get 'invalid format'"),
        ("base64_text", lambda: f"{label()}: {b64text(rng.choice(('Hello World from my app', 'this is not a secret at all', 'my space is great')))}"),
        ("base64_text", lambda: f'"{label()}": "{b64text(json.dumps({"model": name(), "max_new_tokens": 512}))}"'),
        ("base64_text", lambda: f"Authorization: Basic {b64text(rng.choice(('username:password', 'user:pass', 'admin:changeme')))}"),
        ("base64_text", lambda: f"![img](data:image/png;base64,{png()})"),
        # vendors' published examples and placeholders in vendor formats
        ("vendor_examples", lambda: f'apiKey: "AIza{vendor(firebase_sdk)}"'),
        ("vendor_examples", lambda: 'const firebaseConfig = {\n  apiKey: "AIza' + 'SyDOCAbC123dEf456GhI789jKl012-MnO",\n  authDomain: "myapp.firebaseapp.com"\n};'),
        ("vendor_examples", lambda: f"the jwt.io example {jwt_io} decodes fine"),
        ("vendor_examples", lambda: f"from the docs: {vendor(docs_keys)}"),
        ("vendor_examples", lambda: "AIza" + "Syabcdefghijklmnopqrstuvwxyz1234567"),
        ("vendor_examples", lambda: "sk-ant-" + "api03-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzAA"),
        ("vendor_examples", lambda: f'token = "abc123def456ghi789jkl012mno{rng.randint(1, 9)}"'),
        ("slack_placeholders", lambda: "xoxe.xo" + "xp-1-RANDOMSTRINGHERE"),
        ("slack_placeholders", lambda: "xoxe.xo" + "xp-1-SlackAppConfigurationAccessTokenHere"),
        ("slack_placeholders", lambda: "xo" + "xb-xxxxxxxxx-xxxxxxxxxx-xxxxxxxxxxxx"),
        ("slack_placeholders", lambda: f'"token3": "xoxp-1234-1234-1234-{hexs(32)}"'),
        ("slack_placeholders", lambda: "xo" + "xb-12345-abcd234"),
        ("slack_placeholders", lambda: "SLACK_BOT_TOKEN=xo" + "xb-your-bot-token"),
        # W&B look-alikes: 40 hex characters near a W&B mention that are commits, ETags or checksums
        ("wandb_look_alikes", lambda: f"pip install git+https://github.com/wandb/wandb@{sha()}"),
        ("wandb_look_alikes", lambda: f'wandb-metadata.json: "git": {{"remote": "https://github.com/{owner()}/{name()}", "commit": "{sha()}"}}'),
        ("wandb_look_alikes", lambda: f"wandb: Syncing run fine-tune-{rng.randint(1, 99)} at commit {sha()}"),
        ("wandb_look_alikes", lambda: f'downloading wandb artifact model:v3\n< ETag: "{sha()}"'),
        ("wandb_look_alikes", lambda: f"$ sha1sum wandb-0.17.{rng.randint(0, 9)}.tar.gz\n{sha()}  wandb-0.17.{rng.randint(0, 9)}.tar.gz"),
        ("wandb_look_alikes", lambda: f"W&B artifact digest {sha()} does not match"),
        ("wandb_look_alikes", lambda: f"checked out {sha()} and re-ran the wandb sweep"),
        ("wandb_look_alikes", lambda: f"wandb/wandb/blob/{sha()}/wandb/sdk/wandb_login.py line 120"),
        # vendor prefixes in prose: OCR spacing must not join words into a token
        ("prefixes_in_prose", lambda: "sk-... is how the OpenAI key starts, mine begins sk-proj-"),
        ("prefixes_in_prose", lambda: "ghp_ tokens are classic PATs; github_pat_ ones are fine-grained"),
        ("prefixes_in_prose", lambda: "the token starts with hf_ and then a long random string of letters follows it"),
        ("prefixes_in_prose", lambda: "my AIza key stopped working after the quota change yesterday evening"),
        ("prefixes_in_prose", lambda: "xoxb- tokens are bot tokens, xoxp- are user tokens, xapp- are app-level"),
        ("prefixes_in_prose", lambda: "eyJ means the text is base64 JSON. Paste everything after eyJ please"),
        ("prefixes_in_prose", lambda: "wandb_v1_ keys replaced the old 40-character ones; run wandb login again"),
        ("prefixes_in_prose", lambda: "hf_ transfer Environment Variable HFHUBENABLEHFTRANSFER makes downloads faster"),
        # ordinary support chat around secrets and keywords
        ("chat", lambda: f"https://huggingface.co/spaces/{owner()}/{name()} is stuck on Building"),
        ("chat", lambda: f"https://{owner()}-{name()}.hf.space shows 503"),
        ("chat", lambda: f"from_pretrained('{owner()}/{name()}') fails with 401"),
        ("chat", lambda: "my password is too weak says the form, and the token expired yesterday"),
        ("chat", lambda: "I passed the auth step but the secret sauce is missing, credentials: see README"),
        ("chat", lambda: f"Exit code: 1. Reason: ModuleNotFoundError: No module named '{name().replace('-', '_')}'"),
        ("chat", lambda: "===== Application Startup at 2026-11-28 10:00:00 =====\n* Running on local URL:  http://0.0.0.0:7860"),
        ("chat", lambda: f"torch==2.{rng.randint(0, 8)}.{rng.randint(0, 3)}+cu121 transformers>=4.{rng.randint(30, 50)}"),
        ("chat", lambda: f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)} at 12:34:56.789"),
        ("chat", lambda: f"os.environ['WANDB_MODE'] = 'offline'; run id {hexs(8)}"),
        ("chat", lambda: f"the file {name()}.{r(string.ascii_lowercase, 6)}.{r(string.ascii_lowercase, 27)} is missing"),
        ("chat", lambda: "Thanks. It works. Really thanks. Closing."),
        ("discord_ids", lambda: f"<@{snowflake()}> can you look at <#{snowflake()}>?"),
        ("discord_ids", lambda: f"message id {snowflake()} in channel {snowflake()}"),
        ("discord_ids", lambda: f"join us at https://discord.gg/{r(ALNUM, 8)}"),
        ("discord_ids", lambda: f"https://discord.com/channels/{snowflake()}/{snowflake()}/{snowflake()}"),
        ("discord_ids", lambda: "message.channel.send(embed=discord.Embed(title='hi'))"),
        ("discord_ids", lambda: f"bot id 12345678:{'A' * 5} example"),
    ]


def benign_samples(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """`n` (category, message) look-alikes of secrets, every template in turn."""
    templates = _benign_templates(rng)
    return [(category, make()) for category, make in (templates[i % len(templates)] for i in range(n))]


def benign_messages(rng: random.Random, n: int) -> list[str]:
    """`n` ordinary support messages full of look-alikes (hashes, ids, placeholders, references)."""
    return [text for _, text in benign_samples(rng, n)]


BENIGN_TEMPLATE_COUNT = len(_benign_templates(random.Random(0)))
BENIGN_CATEGORIES = tuple(dict.fromkeys(category for category, _ in _benign_templates(random.Random(0))))
