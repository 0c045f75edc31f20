"""Everything the bot writes on a Discourse forum (English), in one place.

Built from the verdict renderer (`diagnosis.render.to_discourse`) and, for leaked secrets, from the finding
kinds and their public prefixes only (`diagnosis.leaks.rotation_lines`): never from the secret.
"""
from __future__ import annotations

from datetime import datetime

from diagnosis.leaks import ROTATION, rotation_lines
from diagnosis.model import Verdict
from diagnosis.redact import Redaction
from diagnosis.render import to_discourse
from diagnosis.revocation import RevocationStatus

KEEP_KEYS_SAFE = "Keep keys in your Space's **Settings → Variables and secrets**, never in code or in a post."


def verdict_reply(verdict: Verdict, *, bot_username: str, checked_at: datetime) -> str:
    """The answer to a topic or a mention: the verdict, then who answered and how to ask again. The time makes
    two answers of the same words differ (Discourse refuses a non-staff account's duplicate within 5 minutes)."""
    return (f"{to_discourse(verdict)}\n\n"
            f"<small>Space Doctor is a bot: it checked the Space live at {checked_at:%H:%M:%S} UTC. "
            f"Mention `@{bot_username}` in a reply to have it look again.</small>")


APOLOGY = ("Sorry — something went wrong while I was checking the Space, so I can't give a diagnosis right now. "
           "The error has been logged for the maintainers; mention me again in a few minutes.")

EDIT_REASON = "Space Doctor removed a leaked credential (the earlier versions are hidden)"


def _labels(found: Redaction) -> str:
    return ", ".join(ROTATION[kind].label for kind in found.kinds)


def flag_message(found: Redaction, *, revoking: bool) -> str:
    """What the moderators read: the kinds (never the text), what to do, what the bot already did."""
    revoked = " The Hugging Face token(s) were sent to the Hub for revocation." if revoking else ""
    return (f"Space Doctor: this post contains a leaked credential ({_labels(found)}). Please edit it out and hide "
            "the revisions that held it: an edit alone leaves the old text in the public edit history."
            f"{revoked} I have told the author privately.")


PRIVATE_MESSAGE_TITLE = "A credential in your post is compromised"


def private_message(found: Redaction, revocation: RevocationStatus | None, *, post_url: str, cleaned: bool) -> str:
    """What the author reads, privately: which kinds leaked, that each is compromised and how to rotate it."""
    count = len(found.findings)
    them = "them" if count > 1 else "it"
    done = (f"I replaced {them} in the post and hid the earlier versions from the edit history, but anyone who read "
            f"the post before may already have copied {them}." if cleaned else
            f"I flagged the post for the moderators. Please **edit {them} out now** — and even then the old version "
            f"stays in the post's edit history until a moderator hides it, and anyone who read it may already have "
            f"copied {them}.")
    lines = [f"Your post {post_url} contained {count} credential{'s' if count > 1 else ''}. {done}", ""]
    lines += rotation_lines(found, revocation)
    lines += ["", KEEP_KEYS_SAFE]
    return "\n".join(lines)
