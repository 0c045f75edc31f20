"""Text made fit to send, whatever the platform (Discord through `spacedoc.egress`, Discourse through
`forum.client`): well-formed, redacted, within the platform's length. Imports nothing of either platform."""
from __future__ import annotations

from diagnosis.redact import redact


def well_formed(text: str) -> str:
    """`text` with every lone surrogate (`\\udc80`: valid in a JSON string, refused by every encoder) replaced
    by U+FFFD; a split surrogate pair is joined again."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean(text: str, limit: int) -> str:
    """Redacted, then shortened to `limit` characters (an ellipsis marks the cut)."""
    text = redact(well_formed(text)).text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
