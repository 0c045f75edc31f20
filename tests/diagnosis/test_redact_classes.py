"""Issue 13, secrets half: each miss a class, each harmless text a class, and a redactor that fails closed.

Every credential is synthetic and built at run time (sandbox/secretgen.py); vendors' published example keys
are assembled from pieces for the same reason.
"""
from __future__ import annotations

import base64
import json
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnosis.leaks import leak_warning
from diagnosis.redact import REDACTED, UNSCANNED, redact, redact_all
from sandbox.secretgen import (
    ALNUM,
    B64URL,
    BENIGN_CATEGORIES,
    DISGUISES,
    HEX,
    KINDS,
    Sample,
    SecretGen,
    applicable,
    benign_samples,
    disguise,
    forms,
)
from tests.helpers import leaked_fragments

SEEDS = range(4)


def assert_redacted(sample: Sample, text: str) -> None:
    result = redact(text)
    assert result.findings, text
    assert not leaked_fragments(sample, result.text), (text, result.text)


def assert_untouched(text: str) -> None:
    result = redact(text)
    assert result.findings == (), (text, [(f.kind, text[f.start:f.end]) for f in result.findings])


# ---------------------------------------------------------------------------------------------- misses


@pytest.mark.parametrize("kind, form", [(k, f) for k in KINDS for f in forms(k)])
def test_every_form_of_every_kind_in_every_disguise(kind: str, form: str) -> None:
    for name in DISGUISES:
        if not applicable(kind, name):
            continue
        for seed in SEEDS:
            gen = SecretGen(seed * 101 + len(form))
            sample = gen.sample(kind, form)
            assert_redacted(sample, disguise(name, sample, gen.rng))


def _ocr_split(text: str, places: list[int], spaces: int) -> str:
    for i in sorted(places, reverse=True):
        text = text[:i] + " " * spaces + text[i:]
    return text


@pytest.mark.parametrize("kind", ["wandb", "discord_bot", "google_api_key", "jwt", "slack", "huggingface"])
@pytest.mark.parametrize("spaces", [1, 2])
def test_tokens_retyped_from_a_screenshot_with_spaces_at_one_or_two_places(kind: str, spaces: int) -> None:
    for seed in range(6):
        gen = SecretGen(seed)
        sample = gen.sample(kind, "wandb_v1 token" if kind == "wandb" else None)
        body_start = len(sample.prefix) + (3 if kind == "jwt" else 0)  # (a JWT's "eyJ" is its known start)
        for count in (1, 2):
            places = gen.rng.sample(range(body_start + 1, len(sample.secret) - 1), count)
            if count == 2 and abs(places[0] - places[1]) < 2:
                continue
            text = f"my key is {_ocr_split(sample.secret, places, spaces)} what now?"
            assert_redacted(sample, text)
            assert redact(text).text.endswith(" what now?")  # the words after it stay


PROSE = ("and then a long random string of letters follows it", "is what the settings page shows me today",
         "Environment Variable HFHUBENABLEHFTRANSFER makes downloads faster",
         "tokens are the classic ones and the fine grained ones start differently")


@pytest.mark.parametrize("prefix", ["hf_", "AIza", "ghp_", "wandb_v1_", "xoxb-", "sk-", "gsk_", "r8_", "api_org_"])
def test_spacing_never_pulls_words_into_a_token(prefix: str) -> None:
    for prose in PROSE:
        assert_untouched(f"the prefix {prefix} {prose}")
        assert_untouched(f"the prefix {prefix}{prose}")


def test_wandb_legacy_key_near_a_wandb_mention_in_chat_logs_json_and_paths() -> None:
    key = SecretGen(7).r(HEX, 40)
    sample = Sample("wandb", key, key, "")
    for text in (f"wandb login {key}", f"WANDB_API_KEY={key}", f"my wandb key: {key}",
                 f"wandb: ERROR Invalid API key {key} (401)", json.dumps({"WANDB_API_KEY": key}),
                 f"C:\\Users\\me\\AppData\\wandb\\{key}\\settings", f"W&B says {key} is not valid",
                 f"machine api.wandb.ai\n  login user\n  password {key}"):
        assert_redacted(sample, text)
        assert redact(text).kinds == ("wandb",)


def test_commits_etags_and_checksums_near_a_wandb_mention_are_left_alone() -> None:
    sha = SecretGen(8).r(HEX, 40)
    for text in (f"pip install git+https://github.com/wandb/wandb@{sha}", f"wandb run at commit {sha}",
                 f'wandb artifact download\n< ETag: "{sha}"', f"wandb-0.17.0.tar.gz sha1 {sha}",
                 f"sha1sum wandb.tar.gz\n{sha}  wandb.tar.gz", f'"git": {{"commit": "{sha}"}} in wandb-metadata.json',
                 f"{sha} is the wandb commit I am on"):
        assert_untouched(text)


@pytest.mark.parametrize("template", [
    'os.environ["POSTGRES_PASSWORD"] = "{v}"', "docker run -e ADMIN_PASSWORD={v} -p 80:80 app",
    'psycopg2.connect(host="db", password="{v}")', "[db]\npassword = {v}", "db:\n  password: {v}\n",
    'var apiToken string = "{v}"', '$token .= "{v}";', 'System.setProperty("X_TOKEN", "{v}")', "API_TOKEN ::= {v}",
    'API_TOKEN ?= "{v}"', "<password>\n    {v}\n</password>", '"password" => "{v}"', "python app.py --password {v}",
    'demo.launch(auth=("admin", "{v}"))',
])
def test_passwords_in_code_and_commands_also_wrapped_or_with_a_zero_width_character(template: str) -> None:
    for seed in SEEDS:
        value = SecretGen(seed).password()
        sample = Sample("secret_assignment", value, value, "")
        for shown in (value, value[:5] + "\n" + value[5:], value[:6] + "\u200b" + value[6:]):
            text = template.format(v=shown)
            assert_redacted(sample, text)
            assert_redacted(sample, f"||{text}||")


def test_aws_secret_key_assigned_next_to_its_access_key_id() -> None:
    gen = SecretGen(9)
    secret = gen.r(string.ascii_letters + string.digits + "+/", 40)
    for text in (f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{secret}"',
                 f'os.environ["AWS_ACCESS_KEY_ID"] = "{gen.aws_key_id()}"\nkey = "{secret}"'):
        assert_redacted(Sample("aws_secret_key", secret, secret, ""), text)
        assert "aws_secret_key" in redact(text).kinds


@pytest.mark.parametrize("header", ["Authorization: Bearer\n{t}", 'curl -H "Authorization: Bearer\n  {t}"',
                                    "Authorization: {t}", "Authorization: Api-Token {t}", "Bearer\n{t}"])
def test_authorization_header_wrapped_or_without_a_scheme(header: str) -> None:
    token = SecretGen(10).r(B64URL, 40)
    assert_redacted(Sample("auth_header", token, token, ""), header.format(t=token))


@pytest.mark.parametrize("command", ["curl -u admin:{p} https://x.example", "curl --user 'api:{p}' https://x.example",
                                     'curl -s --user "j.smith:{p}" https://x.example', "curl --user=deploy:{p} x",
                                     "curl -X POST https://x.example \\\n  -d 'x' \\\n  -u developer:{p}",
                                     "mysql -u root -p{p} -h db app", "mariadb -p'{p}' shop"])
def test_passwords_on_command_lines(command: str) -> None:
    password = SecretGen(11).password()
    result = redact(command.format(p=password))
    assert result.kinds == ("basic_auth",) and password not in result.text
    assert command.split()[0] in result.text  # only the password goes


@pytest.mark.parametrize("command", ["curl -u user:pass https://x", 'curl --user "$USERNAME:$PASSWORD" https://x',
                                     "curl -u <user:password> https://x", "curl --user neo4j:[PASSWORD] http://x",
                                     'curl -u "myusername" http://x', 'curl -u "${{ secrets.ID }}:${{ secrets.PW }}"',
                                     'curl -u "$(cat login.txt):$(cat password.txt)"', "curl -i -u 'test:test'",
                                     'curl --user "xxx:yyy"', 'curl -u ":" https://x', "mysql -u root -p app",
                                     "mysql -p$MYSQL_PASSWORD app"])
def test_command_line_placeholders_and_variables_are_left_alone(command: str) -> None:
    assert_untouched(command)


def test_a_value_longer_than_255_characters_is_redacted_whole() -> None:
    value = SecretGen(12).r(ALNUM, 400)
    for text in (f"token = {value}", f'token = "{value}"', f"token: {value} thanks"):
        result = redact(text)
        assert result.kinds == ("secret_assignment",)
        assert not any(value[i:i + 8] in result.text for i in range(len(value) - 7))


def test_unsigned_jwt_with_alg_none() -> None:
    sample = SecretGen(13).sample("jwt", "alg none")
    for text in (sample.secret, f'String tokenWithNoneAlg = "{sample.secret}";', f"X-API-KEY: {sample.secret} ok"):
        assert_redacted(sample, text)
    header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').decode().rstrip("=")
    assert_untouched(f"{header}.eyJzdWIiOiIxIn0.")  # signed by its header, yet no signature: not a token


def test_unsigned_jwt_right_before_another_token() -> None:
    gen = SecretGen(13)
    jwt, hf = gen.sample("jwt", "alg none"), gen.sample("huggingface")
    text = f"{jwt.secret} {hf.secret}"
    assert_redacted(jwt, text)
    assert_redacted(hf, text)


# ---------------------------------------------------------------------------------------------- never flag


@pytest.mark.parametrize("category", BENIGN_CATEGORIES)
def test_no_look_alike_category_is_ever_flagged(category: str) -> None:
    texts = [text for c, text in benign_samples(random.Random(20), 40 * len(BENIGN_CATEGORIES)) if c == category]
    assert texts
    for text in texts:
        assert_untouched(text)


def test_the_never_flag_examples_of_the_issue() -> None:
    for text in ("hf_It...HqPP (masked in the UI)", "HF_TOKEN=hf_It...HqPP", "OPENAI_API_KEY=sk-…abcd", "token: ****",
                 "X-Amzn-Trace-Id: Root=1-67a1b2c3-0123456789abcdef01234567",
                 "token: Root=1-67a1b2c3-0123456789abcdef01234567",
                 "    --hash=sha256:" + "ab12" * 16,
                 "secret: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB" + "x9Yq" * 10 + " me@host",
                 '"token": "i-0abc123def4567890"', "secret: SGVsbG8gV29ybGQgZnJvbSBteSBhcHA=",
                 "xoxe.xo" + "xp-1-RANDOMSTRINGHERE", "-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----",
                 "credentialsId: '29f63271-dc2f-4734-8221-5b31b5169bac'", 'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"',
                 'apiKey: "AIza' + 'SyDOCAbC123dEf456GhI789jKl012-MnO"',
                 'apiKey: "AIza' + 'SyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs"'):
        assert_untouched(text)


def test_a_published_example_is_recognised_only_whole() -> None:
    published = "AIza" + "SyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM"  # Firebase Android SDK test key
    assert_untouched(published)
    changed = published[:-1] + ("A" if published[-1] != "A" else "B")
    assert redact(changed).kinds == ("google_api_key",)


# ---------------------------------------------------------------------------------------------- failing closed

_FRAGMENTS = ["hf_", "sk-", "eyJ", "AIza", "xoxb-", "token=", "password: ", "curl -u a:", "wandb ", "\\u00", "%2",
              "-----BEGIN PRIVATE KEY-----\n", "Authorization: Bearer\n", "\n", "  ", "||", ".", ":"]
_TEXT = st.lists(st.one_of(
    st.sampled_from(_FRAGMENTS),
    st.characters(categories=["Cs", "Cf", "Zs", "Cc"]),  # lone surrogates, invisible and control characters
    st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=40),
    st.text(max_size=10),
), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_redact_never_raises_and_its_text_is_always_encodable(text: str) -> None:
    result = redact(text)
    result.text.encode("utf-8")  # lone surrogates come out as U+FFFD
    for f in result.findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.kind != UNSCANNED


def test_a_lone_surrogate_next_to_or_inside_a_token_does_not_hide_it() -> None:
    sample = SecretGen(14).sample("huggingface")
    for text in (sample.secret + "\udc80", "\udc80 " + sample.secret,
                 sample.secret[:10] + "\udc80" + sample.secret[10:]):
        result = redact(text)
        assert result.hf_tokens() == [sample.secret]
        assert not leaked_fragments(sample, result.text)
        result.text.encode("utf-8")


def test_what_the_scanner_fails_on_is_hidden_whole_and_hf_tokens_still_revoked() -> None:
    sample = SecretGen(15).sample("huggingface")
    text = f"here \udc80 {sample.secret} and more"
    result = redact_all(text)
    assert REDACTED in result.text and "here" not in result.text and "more" not in result.text
    assert result.hf_tokens() == [sample.secret]
    result.text.encode("utf-8")
    warning = leak_warning(result)
    assert "1 credential" in warning and "could not be checked" in warning and sample.secret[3:] not in warning
    assert "could not be checked for credentials" in leak_warning(redact_all("just words"))
