"""Synthetic, format-valid credentials built at run time from a seeded RNG, their disguises, and benign
look-alikes. No literal secret is ever stored in the repository: every token below is assembled here.

    gen = SecretGen(seed=7)
    sample = gen.sample("huggingface")      # Sample(kind, text, secret, prefix)
    text = disguise("percent_encoded", sample, gen.rng)
    benign = benign_messages(gen.rng, 100)

Formats follow the public rules of gitleaks, TruffleHog and python-discord's token filter.
"""
from __future__ import annotations

import base64
import json
import random
import string
import time
from dataclasses import dataclass
from typing import Callable

LETTERS = string.ascii_letters
ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"
AWS_ID_CHARS = string.ascii_uppercase + "234567"
DISCORD_EPOCH_MS = 1_420_070_400_000


@dataclass(frozen=True)
class Sample:
    kind: str
    text: str  # what a person pastes (the token, or the token in its usual context)
    secret: str  # the credential itself: none of it beyond `prefix` may survive redaction
    prefix: str  # the public vendor prefix that stays visible


def _rand(rng: random.Random, chars: str, n: int) -> str:
    # A real key mixes character classes; re-draw the rare all-one-class string so tests stay deterministic.
    while True:
        s = "".join(rng.choice(chars) for _ in range(n))
        classes = sum(any(c in group for c in s) for group in (string.ascii_lowercase, string.ascii_uppercase,
                                                                string.digits))
        if classes >= min(2, sum(any(c in g for c in chars) for g in (string.ascii_lowercase,
                                                                       string.ascii_uppercase, string.digits))):
            return s


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class SecretGen:
    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    def r(self, chars: str, n: int) -> str:
        return _rand(self.rng, chars, n)

    # ---- one builder per kind: returns (text, secret, prefix)

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
        text = self.rng.choice((
            f"aws_access_key_id = {self.aws_key_id()}\naws_secret_access_key = {secret}",
            f"AWS_SECRET_ACCESS_KEY={secret}",
            f'"SecretAccessKey": "{secret}"',
            f"AWS secret key: {secret}",
            f"export AWS_ACCESS_KEY_ID={self.aws_key_id()} AWS_SECRET_ACCESS_KEY={secret}",
        ))
        return text, secret, ""

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
        s = p + f"T{self.r(string.ascii_uppercase + string.digits, 10)}/B{self.r(string.ascii_uppercase + string.digits, 10)}/{self.r(ALNUM, 24)}"
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
        if self.rng.random() < 0.5:
            p = "wandb_v1_"
            s = p + self.r(ALNUM, 27) + "_" + self.r(ALNUM, 49)
            return s, s, p
        key = self.r(HEX, 40)
        text = self.rng.choice((f"WANDB_API_KEY={key}", f"wandb login {key}", f"wandb.login(key='{key}')"))
        return text, key, ""

    def _private_key(self):
        label = self.rng.choice(("RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"))
        body = self.r(B64, 64 * self.rng.randint(4, 12))
        lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
        header = f"-----BEGIN {label}-----"
        s = f"{header}\n{lines}\n-----END {label}-----"
        return s, s, header

    def _jwt(self):
        header = _b64url(json.dumps(self.rng.choice(({"alg": "HS256", "typ": "JWT"}, {"typ": "JWT", "alg": "RS256"},
                                                      {"alg": "ES256", "kid": self.r(ALNUM, 8)}))).encode())
        payload = _b64url(json.dumps({"sub": self.r(ALNUM, 12), "iat": self.rng.randint(1_600_000_000, 1_800_000_000),
                                      "exp": self.rng.randint(1_800_000_000, 1_900_000_000)}).encode())
        s = f"{header}.{payload}.{self.r(B64URL, 43)}"
        return s, s, ""

    def password(self) -> str:
        return self.r(ALNUM, self.rng.randint(10, 16)) + self.rng.choice("!#%^*-_") + self.r(ALNUM, 3)

    def _url_password(self):
        pw = self.password().replace("#", "!").replace("%", "^")
        user = self.rng.choice(("admin", "postgres", "alice", "deploy"))
        host = self.rng.choice(("db.example.internal:5432/app", "redis.internal:6379", "git.example.com/repo.git"))
        scheme = self.rng.choice(("postgresql", "redis", "https", "mongodb+srv"))
        return f"{scheme}://{user}:{pw}@{host}", pw, ""

    def _auth_header(self):
        if self.rng.random() < 0.5:
            value = self.r(B64URL, self.rng.randint(32, 48))
            text = f'curl -H "Authorization: Bearer {value}" https://api.example.com/v1/items'
        else:
            value = base64.b64encode(f"alice:{self.password()}".encode()).decode()
            text = f"Authorization: Basic {value}"
        return text, value, ""

    def _secret_assignment(self):
        value = self.password()
        name = self.rng.choice(("password", "DB_PASSWORD", "secret", "client_secret", "api_key", "token"))
        text = self.rng.choice((f"{name}={value}", f'{name} = "{value}"', f"{name}: {value}"))
        return text, value, ""

    def sample(self, kind: str) -> Sample:
        text, secret, prefix = getattr(self, f"_{kind}")()
        return Sample(kind, text, secret, prefix)


KINDS: tuple[str, ...] = tuple(
    name[1:] for name in vars(SecretGen) if name.startswith("_") and not name.startswith("__")
    and callable(getattr(SecretGen, name)))

# Kinds whose whole pasted text is the token itself (disguises that wrap or split a bare token apply).
BARE_TOKEN_KINDS: tuple[str, ...] = tuple(
    k for k in KINDS if k not in {"aws_secret_key", "url_password", "auth_header", "secret_assignment"})

# ---------------------------------------------------------------------------------------------- disguises


def _split_point(sample: Sample, rng: random.Random) -> int:
    """A position strictly inside the secret's body (after the public prefix)."""
    start = sample.text.index(sample.secret) + len(sample.prefix)
    end = sample.text.index(sample.secret) + len(sample.secret)
    return rng.randint(start + 2, end - 2)


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
    if not sample.prefix or sample.prefix.endswith("-----"):
        return sample.text  # no prefix to detach
    i = sample.text.index(sample.secret) + len(sample.prefix)
    return sample.text[:i] + " " + sample.text[i:]


DISGUISES: dict[str, Callable[[Sample, random.Random], str]] = {
    "plain": lambda s, r: f"here is my config: {s.text} what am I doing wrong?",
    "line_break": lambda s, r: _insert(s, r, "\n"),
    "zero_width": lambda s, r: _insert(s, r, r.choice("\u200b\u200c\u200d\u2060\ufeff")),
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
}

# Which disguises make sense for which kinds: wrapping disguises apply to everything; the ones that split
# a bare token apply to bare tokens (a password inside a sentence has no token body to split).
SPLITTING_DISGUISES = frozenset({"line_break", "zero_width", "ocr_space"})


def disguise(name: str, sample: Sample, rng: random.Random) -> str:
    return DISGUISES[name](sample, rng)


def applicable(kind: str, disguise_name: str) -> bool:
    if disguise_name == "ocr_space":
        return kind in BARE_TOKEN_KINDS and kind not in {"discord_bot", "telegram_bot", "jwt", "private_key"}
    if disguise_name in SPLITTING_DISGUISES:
        return kind in BARE_TOKEN_KINDS
    return True


# ---------------------------------------------------------------------------------------------- benign


def _benign_templates(rng: random.Random) -> list[Callable[[], str]]:
    r = lambda chars, n: _rand(rng, chars, n)  # noqa: E731
    sha = lambda: "".join(rng.choice(HEX) for _ in range(40))  # noqa: E731
    sha256 = lambda: "".join(rng.choice(HEX) for _ in range(64))  # noqa: E731
    uuid = lambda: "-".join("".join(rng.choice(HEX) for _ in range(n)) for n in (8, 4, 4, 4, 12))  # noqa: E731
    owner = lambda: rng.choice(("alice", "bigscience", "stabilityai", "team-x", "user123"))  # noqa: E731
    name = lambda: rng.choice(("my-space", "chatbot", "sdxl-demo", "whisper_app", "llama-3-8b"))  # noqa: E731
    snowflake = lambda: str(SecretGen(rng.randint(0, 10**9)).discord_snowflake())  # noqa: E731
    word = lambda: rng.choice(("token", "secret", "password", "key", "api_key", "HF_TOKEN"))  # noqa: E731
    png = lambda: base64.b64encode(bytes([0x89, 0x50, 0x4E, 0x47]) + rng.randbytes(300)).decode()  # noqa: E731
    return [
        lambda: f"Build failed at commit {sha()}, previous was {sha()[:7]}",
        lambda: f"pushed {sha()} to main, still Build Queued",
        lambda: f"model weights sha256: {sha256()}",
        lambda: f"Digest: sha256:{sha256()} Status: Downloaded newer image for python:3.10",
        lambda: f"FROM nvidia/cuda@sha256:{sha256()}",
        lambda: f"request id {uuid()} session_uuid={uuid()}",
        lambda: f"Something went wrong when restarting this Space (Root=1-{''.join(rng.choice(HEX) for _ in range(8))}-{''.join(rng.choice(HEX) for _ in range(24))})",
        lambda: f"https://huggingface.co/spaces/{owner()}/{name()} is stuck on Building",
        lambda: f"https://{owner()}-{name()}.hf.space shows 503",
        lambda: f"from_pretrained('{owner()}/{name()}') fails with 401",
        lambda: "my token is hf_" + "x" * 34 + " is that the problem?",
        lambda: "I replaced it with hf_*** in the snippet",
        lambda: "set HF_TOKEN=YOUR_HF_TOKEN then run again",
        lambda: "Authorization: Bearer <token>",
        lambda: 'curl -H "Authorization: Bearer $HF_TOKEN" https://huggingface.co/api/whoami-v2',
        lambda: "env:\n  HF_TOKEN: ${{ secrets.HF_TOKEN }}",
        lambda: "token = os.environ['HF_TOKEN']",
        lambda: "headers = {'Authorization': f'Bearer {token}'}",
        lambda: "AWS_ACCESS_KEY_ID=AKIA" + "IOSFODNN7" + "EXAMPLE",
        lambda: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLE" + "KEY",
        lambda: "tokenizer.pad_token = tokenizer.eos_token",
        lambda: "pad_token_id=tokenizer.eos_token_id, max_new_tokens=512",
        lambda: f"hf_hub_download(repo_id='{owner()}/{name()}', filename='model.safetensors')",
        lambda: "from huggingface_hub import hf_hub_download, snapshot_download",
        lambda: "use_auth_token=True is deprecated, pass token=True",
        lambda: "password: ********",
        lambda: f"{word()}=<your {word()} here>",
        lambda: f"{word()}: ${{{word().upper()}}}",
        lambda: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + r(B64, 43) + " me@laptop",
        lambda: "-----BEGIN PUBLIC KEY-----\n" + "\n".join(r(B64, 64) for _ in range(4)) + "\n-----END PUBLIC KEY-----",
        lambda: "-----BEGIN CERTIFICATE-----\nMII" + r(B64, 61) + "\n" + r(B64, 64) + "\n-----END CERTIFICATE-----",
        lambda: f"![img](data:image/png;base64,{png()})",
        lambda: f"<@{snowflake()}> can you look at <#{snowflake()}>?",
        lambda: f"message id {snowflake()} in channel {snowflake()}",
        lambda: f"join us at https://discord.gg/{r(ALNUM, 8)}",
        lambda: f"https://discord.com/channels/{snowflake()}/{snowflake()}/{snowflake()}",
        lambda: "message.channel.send(embed=discord.Embed(title='hi'))",
        lambda: f"Exit code: 1. Reason: ModuleNotFoundError: No module named '{name().replace('-', '_')}'",
        lambda: "===== Application Startup at 2026-11-28 10:00:00 =====\n* Running on local URL:  http://0.0.0.0:7860",
        lambda: f"torch==2.{rng.randint(0, 8)}.{rng.randint(0, 3)}+cu121 transformers>=4.{rng.randint(30, 50)}",
        lambda: "postgresql://user:password@localhost:5432/db (placeholder from the docs)",
        lambda: "https://user:${DB_PASSWORD}@db.internal/app",
        lambda: "sk-... is how the OpenAI key starts, mine begins sk-proj-",
        lambda: f"see https://github.com/{owner()}/{name()}/commit/{sha()}",
        lambda: f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)} at 12:34:56.789",
        lambda: f"os.environ['WANDB_MODE'] = 'offline'; run id {''.join(rng.choice(HEX) for _ in range(8))}",
        lambda: f"pip install git+https://github.com/wandb/wandb@{sha()}",
        lambda: "ghp_ tokens are classic PATs; github_pat_ ones are fine-grained",
        lambda: f"the file {name()}.{r(string.ascii_lowercase, 6)}.{r(string.ascii_lowercase, 27)} is missing",
        lambda: f"token_type_ids shape torch.Size([1, {rng.randint(10, 512)}])",
        lambda: f"bot id 12345678:{'A' * 5} example",
    ]


def benign_messages(rng: random.Random, n: int) -> list[str]:
    """`n` ordinary support messages full of look-alikes (hashes, ids, placeholders, references)."""
    templates = _benign_templates(rng)
    return [templates[i % len(templates)]() for i in range(n)]


BENIGN_TEMPLATE_COUNT = len(_benign_templates(random.Random(0)))
