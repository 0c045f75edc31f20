"""The warning a person gets after pasting credentials: firm, specific, and never carrying the secret."""
from __future__ import annotations

import re

import pytest

from diagnosis import texts
from diagnosis.leaks import (
    ROTATION,
    leak_summary,
    leak_warning,
    revocation_outcome,
    revocation_update,
    rotation,
    rotation_lines,
    summarised,
)
from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from sandbox.secretgen import KINDS, SecretGen

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", sorted(texts.LANGUAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_named_with_where_to_rotate_it(kind: str, lang: str) -> None:
    sample = SecretGen(41).sample(kind)
    result = redact(sample.text)
    warning = leak_warning(result, lang=lang)
    assert warning is not None
    advice = rotation(kind, lang)
    assert advice.label in warning and advice.how in warning
    assert texts.say(lang, f"leak.compromised.{ROTATION[kind]}") in warning
    body = sample.secret[len(sample.prefix):]
    assert all(body[i:i + 8] not in warning for i in range(len(body) - 7) if body[i:i + 8].isalnum())
    assert redact(warning).findings == ()  # our own words are not mistaken for secrets


def test_every_kind_the_redactor_reports_has_rotation_advice() -> None:
    assert set(KINDS) <= set(ROTATION)


@pytest.mark.parametrize("status, words", [
    (RevocationStatus.REVOKED, "have had it revoked"),
    (RevocationStatus.PENDING, "revoked on the Hub right now"),
    (RevocationStatus.FAILED, "Automatic revocation failed"),
    (None, "not revoked automatically"),
])
def test_hf_tokens_say_whether_they_were_revoked(status, words) -> None:
    hf, gh = SecretGen(42).sample("huggingface"), SecretGen(42).sample("github")
    warning = leak_warning(redact(f"{hf.text} {gh.text}"), status)
    hf_line = next(line for line in warning.splitlines() if "Hugging Face" in line)
    gh_line = next(line for line in warning.splitlines() if "GitHub" in line)
    assert words in hf_line and "revoked on the Hub" not in gh_line
    assert "`hf_…`" in hf_line and f"`{gh.prefix}…`" in gh_line


def test_counts_and_no_warning_without_findings() -> None:
    gen = SecretGen(43)
    text = " ".join(gen.sample("huggingface").text for _ in range(3))
    assert "3 credentials" in leak_warning(redact(text))
    assert leak_warning(redact("my Space is stuck on Building")) is None


def test_kept_message_is_not_claimed_removed() -> None:
    found = redact(f"token: {SecretGen(44).sample('huggingface').secret}")
    kept = leak_warning(found, removed=False)
    assert "I removed" not in kept and "delete yours now" in kept
    assert "I removed it" in leak_warning(found)


def test_a_warning_can_be_written_again_from_its_summary_without_the_secrets() -> None:
    gen = SecretGen(45)
    found = redact(f"{gen.sample('huggingface').text} {gen.sample('huggingface').text} {gen.sample('github').text}")
    summary = leak_summary(found)
    assert len(found.findings) == 3 and all(f.secret[4:] not in str(summary) for f in found.findings)
    assert leak_warning(summarised(summary), RevocationStatus.PENDING) == leak_warning(found, RevocationStatus.PENDING)


@pytest.mark.parametrize("status, says", [(RevocationStatus.REVOKED, "have had it revoked"),
                                          (RevocationStatus.FAILED, "revoke it yourself now")])
def test_a_pending_revocation_is_updated_once_it_ended(status, says) -> None:
    warning = leak_warning(redact(SecretGen(46).sample("huggingface").text), RevocationStatus.PENDING)
    assert "will confirm here once it is" in warning
    updated = revocation_update(warning, status)
    assert says in updated and "will confirm" not in updated
    assert updated.splitlines()[0] == warning.splitlines()[0]  # the rest is unchanged
    assert ("Revoke it yourself" in revocation_outcome(status)) is (status is RevocationStatus.FAILED)


@pytest.mark.parametrize("status", [RevocationStatus.PENDING, RevocationStatus.REVOKED, RevocationStatus.FAILED, None])
def test_a_warning_is_in_one_language_only(status) -> None:
    gen = SecretGen(47)
    found = redact(f"{gen.sample('huggingface').text} {gen.sample('github').text} {gen.sample('openai').text}")
    zh, en = leak_warning(found, status, lang="zh"), leak_warning(found, status, lang="en")
    assert all(line in zh for line in rotation_lines(found, status, "zh"))
    assert not any(line in zh for line in rotation_lines(found, status, "en"))
    assert all(CJK.search(line) for line in zh.splitlines()) and not CJK.search(en)


@pytest.mark.parametrize("status", [RevocationStatus.REVOKED, RevocationStatus.FAILED])
def test_a_revocation_ends_in_the_warnings_language(status) -> None:
    found = redact(SecretGen(48).sample("huggingface").text)
    for lang in texts.LANGUAGES:
        updated = revocation_update(leak_warning(found, RevocationStatus.PENDING, lang=lang), status, lang)
        assert updated == leak_warning(found, status, lang=lang)
    assert CJK.search(revocation_outcome(status, "zh")) and not CJK.search(revocation_outcome(status, "en"))
