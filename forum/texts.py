"""What the bot writes on a Discourse forum, worded through `diagnosis.texts` (one module per language) in the
language of the post it answers. Notes to the moderators (flags, edit reasons) are English.

Built from the verdict renderer (`diagnosis.render.to_discourse`) and, for leaked secrets, from the finding
kinds and their public prefixes only (`diagnosis.leaks.rotation_lines`): never from the secret.
"""
from __future__ import annotations

from datetime import datetime

from diagnosis import texts
from diagnosis.followup import Followup
from diagnosis.leaks import rotation, rotation_lines
from diagnosis.model import Verdict
from diagnosis.redact import Redaction
from diagnosis.render import email_draft, to_discourse
from diagnosis.revocation import RevocationStatus

MODERATORS = texts.DEFAULT


def verdict_reply(verdict: Verdict, *, bot_username: str, checked_at: datetime,
                  email_sent_to: str | None = None) -> str:
    """The answer to a topic or a mention: the verdict, where its e-mail draft went (never into the topic), then
    who answered and how to ask again. The time makes two answers of the same words differ (Discourse refuses a
    non-staff account's duplicate within 5 minutes)."""
    lang = verdict.language
    parts = [to_discourse(verdict)]
    if email_sent_to:
        parts.append(texts.say(lang, "forum.email_sent", username=email_sent_to))
    parts.append(texts.say(lang, "forum.footer", time=f"{checked_at:%H:%M:%S}", username=bot_username))
    return "\n\n".join(parts)


def email_message(verdict: Verdict) -> tuple[str, str] | None:
    """(title, body) of the private message holding the support e-mail draft (the draft itself in English), or
    None when the verdict offers none."""
    draft = email_draft(verdict)
    if draft is None:
        return None
    lang = verdict.language
    url = f"https://huggingface.co/spaces/{verdict.space}" if verdict.space else texts.say(lang, "discord.your_space")
    body = texts.say(lang, "forum.email_message", url=url)
    return texts.say(lang, "forum.email_title"), f"{body}\n\n```text\n{draft.replace('```', 'ʼʼʼ')}\n```"


def followup_reply(followup: Followup) -> str:
    return texts.say(followup.language, "followup.resolved" if followup.resolved else "followup.thanks")


def apology(lang: str) -> str:
    return texts.say(lang, "forum.apology")


EDIT_REASON = texts.say(MODERATORS, "forum.edit_reason")


def _labels(found: Redaction) -> str:
    return ", ".join(rotation(kind, MODERATORS).label for kind in found.kinds)


def flag_message(found: Redaction, *, revoking: bool) -> str:
    """What the moderators read: the kinds (never the text), what to do, what the bot already did."""
    return texts.say(MODERATORS, "forum.flag", labels=_labels(found), revoking="yes" if revoking else None)


def private_message_title(lang: str, topic_id: int, post_number: int) -> str:
    """Names the post too, so that the bot can tell a private message it sent already (after a crash) from a new
    one."""
    return f"{texts.say(lang, 'forum.leak_title')} ({topic_id}/{post_number})"


def revocation_title(lang: str) -> str:
    return texts.say(lang, "forum.revocation_title")


def private_message(found: Redaction, revocation: RevocationStatus | None, *, post_url: str, cleaned: bool,
                    lang: str = texts.DEFAULT) -> str:
    """What the author reads, privately: which kinds leaked, that each is compromised and how to rotate it."""
    count = len(found.findings)
    them = texts.say(lang, "forum.them", count=count)
    done = texts.say(lang, "forum.leak_cleaned" if cleaned else "forum.leak_flagged", them=them)
    lines = [texts.say(lang, "forum.leak_intro", url=post_url, count=count, done=done), ""]
    lines += rotation_lines(found, revocation, lang)
    lines += ["", texts.say(lang, "forum.keep_keys_safe")]
    return "\n".join(lines)
