"""One diagnosis end to end: read the report, pick the Space, gather live evidence, decide.

The same path serves the bot (anonymous client shared by the process) and the command line
(`diagnose_live_sync`, with the owner's own saved token).
"""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime

from diagnosis.evidence import ProgressCallback, gather
from diagnosis.extract import parse_report
from diagnosis.hub import HubClient, ProbeFailed
from diagnosis.incidents import DiagnosisRecord, IncidentPolicy, detect_incident
from diagnosis.model import Evidence, Ok, Phrase, Report, SpaceRef, Verdict
from diagnosis.redact import redact
from diagnosis.spaceref import explicit_space, find_other_repos, not_a_space
from diagnosis.texts import word
from diagnosis.tree import decide

HUB_CHECKS = ("runtime", "info", "commits")


class InvalidSpace(ValueError):
    """An explicitly given Space is neither `OWNER/NAME` nor a Space URL; `reason` says what it is instead
    ("`meta-llama/Llama-2-7b` is a model, not a Space"), worded by `diagnosis.texts` (str(): in English)."""

    def __init__(self, reason: Phrase) -> None:
        super().__init__(word(reason))
        self.reason = reason


async def diagnose(
    text: str,
    *,
    client: HubClient | None,
    space: str | None = None,
    deadline: float = 8.0,
    on_progress: ProgressCallback | None = None,
    recent: Iterable[DiagnosisRecord] = (),
    incident_policy: IncidentPolicy | None = None,
    now: datetime | None = None,
    leaked: tuple[str, ...] = (),
) -> Verdict:
    """The verdict for a help request, with live evidence when a client is given and a Space is known.

    `space` (a URL or `OWNER/NAME`) comes before the Spaces found in `text`. `recent` are the store's recent
    diagnosis records; when other owners' Spaces showed the same picture, the verdict is decided again with
    that incident signal. `leaked` names the credentials a caller already took out of `text` (the rest are taken
    out here); the reply's token advice depends on them. Raises `InvalidSpace` for an explicit `space` that names
    no Space.
    """
    verdict, _ = await _diagnose(text, client, space, deadline, on_progress, recent, incident_policy, now, leaked)
    return verdict


async def _diagnose(
    text: str,
    client: HubClient | None,
    space: str | None,
    deadline: float,
    on_progress: ProgressCallback | None,
    recent: Iterable[DiagnosisRecord],
    incident_policy: IncidentPolicy | None,
    now: datetime | None,
    leaked: tuple[str, ...] = (),
) -> tuple[Verdict, Evidence]:
    now = now or datetime.now(UTC)
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + deadline
    clean = redact(text)
    text = clean.text
    report = parse_report(text, leaked=(*leaked, *clean.kinds))
    if space is not None:
        report = dataclasses.replace(report, spaces=(_explicit_ref(space), *report.spaces))

    space_id = await _space_to_probe(report, client, deadline)
    if client is not None and space_id is not None:
        remaining = max(0.0, give_up_at - loop.time())
        evidence = await gather(client, space_id, deadline=remaining, on_progress=on_progress, now=now)
    else:
        evidence = Evidence(space=space_id, now=now)

    verdict = decide(report, evidence)
    records = list(recent)
    if records:
        signal = detect_incident(records, space=space_id, bucket=verdict.bucket, now=now, policy=incident_policy)
        if signal is not None:
            evidence = dataclasses.replace(evidence, incident=signal)
            verdict = decide(report, evidence)
    return _point_out_other_repos(verdict, text), evidence


def _explicit_ref(space: str) -> SpaceRef:
    ref = explicit_space(space)
    if ref is None:
        raise InvalidSpace(not_a_space(space))
    return ref


def _point_out_other_repos(verdict: Verdict, text: str) -> Verdict:
    """Before asking which Space it is, say that the model or dataset linked instead is not one."""
    ask = Phrase.of("ask.which_space")
    if verdict.space is not None or verdict.placeholder or ask not in verdict.next_actions:
        return verdict
    others = find_other_repos(text)
    if not others:
        return verdict
    kind, repo = others[0]
    page = f"https://huggingface.co/{'datasets/' if kind == 'dataset' else ''}{repo}/discussions"
    note = Phrase.of("ask.not_a_space", repo=repo, kind=kind, page=page)
    actions = tuple(item for action in verdict.next_actions
                    for item in ((note, action) if action == ask else (action,)))
    return dataclasses.replace(verdict, next_actions=actions)


async def _space_to_probe(report: Report, client: HubClient | None, deadline: float) -> str | None:
    """The report's first real Space; a `*.hf.space` subdomain is resolved against the Hub."""
    ref = report.primary_space
    if ref is None:
        return None
    if ref.id is not None or client is None:
        return ref.id
    try:
        async with asyncio.timeout(deadline / 2):
            return await client.resolve_subdomain(ref.candidates)
    except (ProbeFailed, TimeoutError):
        return None  # unresolved: decide from the words alone


def diagnose_live_sync(
    space: str,
    text: str,
    *,
    endpoint: str | None,
    status_url: str | None,
    deadline: float,
) -> Verdict:
    """For the command line: diagnose `space` live with the caller's own saved token (if any).

    `endpoint` None: huggingface_hub's own (`HF_ENDPOINT` or the public Hub); `status_url` None: Hugging Face's
    status page. Raises `HubUnreachable` when the Hub did not answer at all (offline), `InvalidSpace` for a bad id.
    """

    async def run() -> Verdict:
        async with HubClient(endpoint, token=None, status_url=status_url) as client:
            verdict, evidence = await _diagnose(text, client, space, deadline, None, (), None, None)
            hub_silent = not any(isinstance(getattr(evidence, check), Ok) for check in HUB_CHECKS)
            if client.unreachable is not None and hub_silent:
                raise client.unreachable
            return verdict

    return asyncio.run(run())
