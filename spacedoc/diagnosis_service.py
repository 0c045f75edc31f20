"""One diagnosis as every adapter runs it (Discord's cogs and buttons, the Discourse forum): redact what people
wrote, ask the pipeline (`diagnosis.pipeline.diagnose`) with the recent reports (for incident detection), and
record the result (`diagnose_and_record`).

Nothing here knows where the text came from or where the verdict goes: each adapter renders it its own way
(`diagnosis.render`) and posts it through its own redacting send path.
"""
from __future__ import annotations

from datetime import UTC, datetime

from diagnosis import pipeline
from diagnosis.evidence import ProgressCallback
from diagnosis.hub import HubClient
from diagnosis.incidents import DiagnosisRecord, IncidentPolicy
from diagnosis.model import Verdict
from diagnosis.redact import redact
from spacedoc.metrics import diagnosed
from spacedoc.store import Store

MAX_INPUT_CHARS = 20_000  # a thread's worth of text; longer pastes add nothing but time
# What is scanned beyond the cut: longer than any credential (a PEM key block is about 3 KB), so one the cut falls in
# is scanned whole, while a 10 MB paste costs no more than a long one.
SCAN_SLACK = 8_192
DEADLINE = 8.0


async def diagnose_and_record(
    hub: HubClient,
    store: Store,
    text: str,
    *,
    space: str | None = None,
    guild_id: int | None = None,
    on_progress: ProgressCallback | None = None,
    incident_policy: IncidentPolicy | None = None,
    deadline: float = DEADLINE,
) -> Verdict:
    """The verdict on what people wrote (redacted first), with live evidence; recorded for incident detection."""
    policy = incident_policy or IncidentPolicy()
    # redacted before it is cut: a token cut in two no longer looks like one, and most of it would be quoted
    clean = redact(text[:MAX_INPUT_CHARS + SCAN_SLACK])
    now = datetime.now(UTC)
    recent = await store.recent_diagnoses(since=now - policy.window)
    verdict = await pipeline.diagnose(
        clean.head(MAX_INPUT_CHARS), client=hub, space=space, deadline=deadline, on_progress=on_progress,
        recent=recent, incident_policy=policy, leaked=clean.kinds,
    )
    diagnosed(verdict.bucket)
    if verdict.space and not verdict.placeholder:
        await store.record_diagnosis(DiagnosisRecord(space=verdict.space, bucket=verdict.bucket, at=now,
                                                     guild_id=guild_id))
    return verdict
