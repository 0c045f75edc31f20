"""What the person who pasted a credential is told: which kinds were found, that each is compromised, where
to rotate it, and whether the Hugging Face tokens were revoked for them.

Only public prefixes (`hf_`, `ghp_`, ...) ever appear; the text is built from the findings' kinds and
prefixes, never from the secret.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import texts
from .redact import HF_KINDS, UNSCANNED, Redaction, SecretFinding
from .revocation import RevocationStatus

__all__ = ["ROTATION", "Rotation", "found_notice", "leak_summary", "leak_warning", "revocation_outcome",
           "revocation_update", "rotation", "rotation_lines", "summarised", "title_lead", "unchecked_notice"]


@dataclass(frozen=True, slots=True)
class Rotation:
    label: str  # what it is, for a person
    how: str  # where and how to replace it


# Every kind the redactor reports, with what is compromised ("this token is compromised": diagnosis/texts'
# `leak.compromised.<noun>`); each kind's label and advice are `leak.label.<kind>` and `leak.how.<kind>` there.
ROTATION: dict[str, str | None] = {
    "huggingface": "token", "huggingface_oauth": "token", "huggingface_org": "token", "discord_bot": "token",
    "discord_webhook": "token", "openai": "token", "anthropic": "token", "github": "token", "aws_access_key": "token",
    "aws_secret_key": "token", "google_api_key": "token", "slack": "token", "slack_webhook": "token",
    "stripe": "token", "telegram_bot": "token", "replicate": "token", "groq": "token", "wandb": "token",
    "private_key": "key", "jwt": "token", "url_password": "password", "auth_header": "token",
    "basic_auth": "password", "secret_assignment": "secret",
    # redact() hid a message it could not check (see diagnosis/redact.py): it may hold nothing, so nothing is
    # said to be compromised
    UNSCANNED: None,
}


def rotation(kind: str, lang: str = texts.DEFAULT) -> Rotation:
    return Rotation(texts.say(lang, f"leak.label.{kind}"), texts.say(lang, f"leak.how.{kind}"))


def _hf_status(revocation: RevocationStatus | None, lang: str) -> str:
    return texts.say(lang, f"leak.hf.{revocation or 'none'}")


def unchecked_notice(*, removed: bool, lang: str = texts.DEFAULT) -> str:
    """The Discord warning when the check itself failed: the message is treated as holding a credential."""
    return texts.say(lang, "leak.unchecked_removed" if removed else "leak.unchecked_kept")


def found_notice(*, removed: bool, lang: str = texts.DEFAULT) -> str:
    """The generic Discord warning, for when `leak_warning` could not be written."""
    return texts.say(lang, "leak.found_removed" if removed else "leak.found_kept")


def title_lead(*, renamed: bool, lang: str = texts.DEFAULT) -> str:
    """The first line of a thread title's warning; the rest is `leak_warning`'s."""
    return texts.say(lang, "leak.title_renamed" if renamed else "leak.title_kept")


def leak_warning(redaction: Redaction, revocation: RevocationStatus | None = None, *,
                 removed: bool = True, lang: str = texts.DEFAULT) -> str | None:
    """The warning to post for a message that held credentials (Discord Markdown), in `lang`; None when it held none.

    `revocation` is the state of the message's Hugging Face tokens, None when no automatic revocation was
    attempted; `removed` says whether the bot could delete the message.
    """
    if not redaction.findings:
        return None
    count = sum(1 for f in redaction.findings if f.kind != UNSCANNED)
    lines = [texts.say(lang, "leak.removed" if removed else "leak.kept", count=count)]
    lines += rotation_lines(redaction, revocation, lang)
    lines.append(texts.say(lang, "leak.keep_keys_safe"))
    return "\n".join(lines)


def rotation_lines(redaction: Redaction, revocation: RevocationStatus | None = None,
                   lang: str = texts.DEFAULT) -> list[str]:
    """One Markdown line per kind found: what it is (public prefix only), that it is compromised, how to rotate
    it, and for Hugging Face tokens whether they were revoked. Shared by every place the bot warns (Discord,
    Discourse)."""
    lines = []
    for kind in redaction.kinds:
        prefixes = sorted({f.prefix for f in redaction.findings if f.kind == kind and f.prefix})
        noun, said = ROTATION[kind], rotation(kind, lang)
        lines.append(texts.say(
            lang, "leak.line", label=said.label, how=said.how,
            shown=", ".join(f"`{p}…`" for p in prefixes if not p.startswith("-----")),
            compromised=texts.say(lang, f"leak.compromised.{noun}") if noun else "",
            revocation=_hf_status(revocation, lang) if kind in HF_KINDS else ""))
    return lines


def revocation_update(text: str, revocation: RevocationStatus, lang: str = texts.DEFAULT) -> str:
    """A warning in `lang` that said the revocation was under way, now saying how it ended."""
    return text.replace(_hf_status(RevocationStatus.PENDING, lang), _hf_status(revocation, lang))


def revocation_outcome(revocation: RevocationStatus, lang: str = texts.DEFAULT) -> str:
    """Said on its own once the revocation a warning promised has ended (Markdown, both Discord and Discourse)."""
    return texts.say(lang, "leak.outcome.revoked" if revocation is RevocationStatus.REVOKED else "leak.outcome.failed")


def leak_summary(redaction: Redaction) -> list[list[str]]:
    """What a warning needs to be written again later, without the secrets: each finding's kind and public prefix."""
    return [[f.kind, f.prefix] for f in redaction.findings]


def summarised(summary: list[list[str]], text: str = "") -> Redaction:
    """The redaction a `leak_summary` describes (its findings carry no secret), for `leak_warning`."""
    return Redaction(text, tuple(SecretFinding(kind, 0, 0, prefix, "") for kind, prefix in summary))
