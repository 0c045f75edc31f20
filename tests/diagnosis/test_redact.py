"""The redactor, table-driven: every kind, every disguise, every look-alike, and hostile input.

All credentials are synthetic and built at run time by sandbox/secretgen.py.
"""
from __future__ import annotations

import random
import string

import pytest

from diagnosis.redact import REDACTED, redact
from sandbox.secretgen import BENIGN_TEMPLATE_COUNT, DISGUISES, KINDS, SecretGen, applicable, benign_messages, disguise
from tests.helpers import leaked_fragments

SEEDS = range(8)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_found_and_only_its_prefix_survives(kind: str) -> None:
    for seed in SEEDS:
        gen = SecretGen(seed)
        sample = gen.sample(kind)
        result = redact(sample.text)
        assert kind in result.kinds, (kind, seed)
        assert not leaked_fragments(sample, result.text)
        assert f"{sample.prefix}{REDACTED}" in result.text
        for f in result.findings:
            assert 0 <= f.start < f.end <= len(sample.text)
            assert sample.text[f.start:f.end].startswith(f.prefix)


@pytest.mark.parametrize("kind", KINDS)
def test_redacted_text_is_a_fixed_point(kind: str) -> None:
    # egress redacts again what was redacted on the way in: nothing may be found the second time
    for seed in SEEDS:
        once = redact(SecretGen(seed).sample(kind).text).text
        assert redact(once).findings == (), once


@pytest.mark.parametrize("name", DISGUISES)
def test_each_disguise_is_seen_through(name: str) -> None:
    checked = 0
    for kind in KINDS:
        if not applicable(kind, name):
            continue
        for seed in SEEDS:
            gen = SecretGen(seed * 1000 + len(kind))
            sample = gen.sample(kind)
            text = disguise(name, sample, gen.rng)
            result = redact(text)
            assert result.findings, (kind, name, seed)
            assert not leaked_fragments(sample, result.text), (kind, name, seed)
            checked += 1
    assert checked >= len(SEEDS) * 4


@pytest.mark.parametrize("template", range(BENIGN_TEMPLATE_COUNT))
def test_look_alikes_are_left_alone(template: int) -> None:
    for seed in SEEDS:
        messages = benign_messages(random.Random(seed), BENIGN_TEMPLATE_COUNT)
        text = messages[template]
        result = redact(text)
        assert result.findings == (), (text, [(f.kind, text[f.start:f.end]) for f in result.findings])
        assert result.text is text  # unchanged: the very same string


CODE_LOOK_ALIKES = [
    "bypass_slowmode: BoolOrNoneT",
    'HEADER_X_ACCESS_TOKEN = "X-Xet-Access-Token"',
    '_TOKEN_EXCHANGE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"',
    'verify_token="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",',
    "secret_key=hashlib.sha256(session_secret).digest()",
    '"token-classification": HFInferenceTask("token-classification"),',
    "access_token = response.json()['access_token']",
    "tokenizer = AutoTokenizer.from_pretrained(model_id, token=True)",
    "max_new_tokens=512, pad_token_id=tokenizer.eos_token_id",
]


@pytest.mark.parametrize("text", CODE_LOOK_ALIKES)
def test_pasted_code_is_not_mistaken_for_secrets(text: str) -> None:
    assert redact(text).findings == ()


@pytest.mark.parametrize("template", ['clientSecret: "{v}"', '"apiKey": "{v}"', "accessToken={v}", "DB_PASSWORD={v}"])
def test_camel_and_snake_case_names_both_count(template: str) -> None:
    value = SecretGen(12).password()
    result = redact(template.format(v=value))
    assert result.kinds == ("secret_assignment",) and value not in result.text


def test_nothing_found_returns_the_input_itself() -> None:
    text = "My Space https://huggingface.co/spaces/alice/chat is stuck on Building since noon"
    assert redact(text).text is text
    assert redact("").text == ""


@pytest.mark.parametrize("wrap", [
    "https://alice:{t}@huggingface.co/spaces/alice/app",
    'curl -H "Authorization: Bearer {t}" https://huggingface.co/api/whoami-v2',
    "HF_TOKEN={t}",
    "token: '{t}'",
])
def test_specific_kind_wins_over_generic_context(wrap: str) -> None:
    sample = SecretGen(3).sample("huggingface")
    result = redact(wrap.format(t=sample.secret))
    assert result.kinds == ("huggingface",)
    assert "hf_[REDACTED]" in result.text


@pytest.mark.parametrize("name", ["plain", "line_break", "zero_width", "percent_encoded", "ocr_space",
                                  "json_escaped", "yaml_indented", "spoiler"])
def test_hf_tokens_are_normalised_for_revocation(name: str) -> None:
    gen = SecretGen(11)
    for kind in ("huggingface", "huggingface_oauth", "huggingface_org"):
        sample = gen.sample(kind)
        assert redact(disguise(name, sample, gen.rng)).hf_tokens() == [sample.secret]


@pytest.mark.parametrize("before", ["Bearer", "Un", "1", "token:x"])
def test_a_hugging_face_token_glued_to_the_word_before_is_still_found(before: str) -> None:
    """A lost space ("Bearerhf_…") leaves the token as usable as ever: it is redacted and revoked all the same."""
    sample = SecretGen(12).sample("huggingface")
    found = redact(f"curl -H 'Authorization: {before}{sample.secret}' fails with 401")
    assert found.hf_tokens() == [sample.secret] and not leaked_fragments(sample, found.text)


def test_hf_tokens_deduplicates_and_ignores_other_kinds() -> None:
    gen = SecretGen(5)
    hf, gh = gen.sample("huggingface"), gen.sample("github")
    text = f"{hf.secret} and again {hf.secret} plus {gh.secret}"
    result = redact(text)
    assert result.hf_tokens() == [hf.secret]
    assert len(result.findings) == 3


def test_findings_never_show_the_secret_in_repr() -> None:
    sample = SecretGen(2).sample("huggingface")
    result = redact(sample.text)
    assert sample.secret[3:] not in repr(result)


def test_several_kinds_in_one_env_file() -> None:
    gen = SecretGen(9)
    samples = [gen.sample(k) for k in ("openai", "anthropic", "huggingface", "stripe", "groq")]
    names = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN", "STRIPE_KEY", "GROQ_API_KEY"]
    env = "\n".join(f"{n}={s.secret}" for n, s in zip(names, samples, strict=True))
    result = redact(env)
    assert [f.kind for f in result.findings] == [s.kind for s in samples]
    for n in names:  # the variable names stay readable
        assert f"{n}=" in result.text
    for s in samples:
        assert not leaked_fragments(s, result.text)


def test_discord_token_validation_rejects_look_alikes() -> None:
    # dotted identifiers and random base64 triples that do not decode to a snowflake and a time
    rng = random.Random(4)
    b64 = string.ascii_letters + string.digits + "-_"
    for _ in range(200):
        parts = ["".join(rng.choice(b64) for _ in range(n)) for n in (24, 6, 27)]
        assert redact(".".join(parts)).findings == ()
    assert redact("await message.channel.send(content)").findings == ()


HOSTILE = {
    "near_tokens": lambda rng: " ".join(rng.choice(("hf_", "sk-", "ghp_", "AKIA", "xoxb-1-", "eyJ", "gsk_"))
                                        + "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(5, 33)))
                                        for _ in range(4000)),
    "binary_junk": lambda rng: bytes(rng.randrange(256) for _ in range(100_000)).decode("latin-1"),
    "unicode": lambda rng: "".join(chr(rng.randrange(0x80, 0x2FFFF)) for _ in range(50_000)),
    "lone_surrogates": lambda rng: "\ud800\udfff" * 25_000,
    "zero_width_flood": lambda rng: "hf_" + "\u200b" * 100_000,
    "escape_flood": lambda rng: "\\u0041%41\\n" * 8_000,
    "assignment_flood": lambda rng: "token=" * 17_000,
    "key_headers": lambda rng: "-----BEGIN RSA PRIVATE KEY-----\n" * 3_000,
    "long_runs": lambda rng: ("xoxb-1-" * 14_000) + ("sk-proj-" + "a" * 40 + "\n") * 800,
    # prefixes inside long base64url runs broken by line breaks: every fixed-length body looks for a break
    "broken_runs": lambda rng: ("sk-ant-api03-" + "sk-proj-Ab1" * 9 + "\n") * 1_000,
    "dotted": lambda rng: ".".join("".join(rng.choice(string.ascii_letters + "-_") for _ in range(rng.randint(5, 40)))
                                   for _ in range(4_000)),
    # every context rule, triggered thousands of times with nothing (or everything) after it
    "assignment_chains": lambda rng: "token:token=" * 8_000 + '"token="' * 4_000,
    "unclosed_quotes": lambda rng: 'password="' * 10_000,
    "values_on_next_lines": lambda rng: "token=\n" * 14_000,
    "curl_users": lambda rng: "curl -u " * 6_000 + "curl -u a:" * 5_000,
    "wandb_mentions": lambda rng: "wandb " * 10_000 + "a" * 40,
    "hex_near_wandb": lambda rng: ("wandb " + "".join(rng.choice("0123456789abcdef") for _ in range(40)) + " ") * 2_000,
    "ocr_spaced_prefixes": lambda rng: "hf_ab " * 15_000 + "AIza " * 5_000,
    "jwt_shapes": lambda rng: "eyJab." * 15_000 + "eyJ" * 10_000,
    "xml_tags": lambda rng: "<password>" * 9_000,
    "key_material": lambda rng: "-----BEGIN PRIVATE KEY-----\n" + "A" * 90_000,
    "empty_key_blocks": lambda rng: "-----BEGIN PRIVATE KEY-----\n" * 3_000 + "-----END PRIVATE KEY-----",
}


@pytest.mark.timeout(30)  # a guard against catastrophic backtracking, not a performance claim
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_is_handled(name: str) -> None:
    text = HOSTILE[name](random.Random(0))
    result = redact(text)
    assert result.findings or result.text == "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    for f in result.findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.kind != "unscanned"  # the rules coped: nothing fell back to hiding the whole text


def test_private_key_block_is_removed_whole_even_when_truncated() -> None:
    sample = SecretGen(6).sample("private_key")
    truncated = sample.text.rsplit("\n", 2)[0]  # no END line
    for text in (sample.text, truncated + "\n", f"```\n{truncated}"):
        result = redact(text)
        assert result.kinds == ("private_key",)
        assert not leaked_fragments(sample, result.text)


def test_head_cuts_where_the_input_is_cut_however_much_redaction_shrank_before() -> None:
    """A long paste is redacted over its first `limit` + some characters and `head(limit)` is kept. Forty tokens
    before the cut shrink the redacted text by more than that slack: a cut of the redacted text at `limit` itself would
    reach the token the scan's own end cut, which the redactor no longer saw as one."""
    gen = SecretGen(9)
    lines = [f"HF_TOKEN={gen.sample('huggingface', 'token').secret}\n" for _ in range(40)]
    lead = "".join(lines)
    cut = gen.sample("huggingface", "token")
    text = lead + "token " + cut.secret + "\n"
    limit = len("".join(lines[:30]))
    for scanned in range(1, len(cut.secret)):  # characters of the last token the scan reaches
        result = redact(text[:len(lead) + 6 + scanned])
        assert len(result.text) < limit  # (the shrinking this test is about)
        kept = result.head(limit)
        assert kept == redact(text[:limit]).text  # the cut falls between tokens: the same as redacting the cut input
        assert not leaked_fragments(cut, kept)


@pytest.mark.parametrize("kind", ["huggingface", "github", "openai"])
def test_head_keeps_a_credential_the_cut_falls_in_as_its_replacement(kind: str) -> None:
    sample = SecretGen(10).sample(kind, "token")
    text = f"before {sample.text} after"
    result = redact(text)
    start = text.index(sample.secret)
    for limit in range(start + 1, start + len(sample.secret)):
        assert result.head(limit) == f"before {sample.prefix}{REDACTED}", limit
    assert result.head(start) == "before "
    assert result.head(len(text)) == result.text
