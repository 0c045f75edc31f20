"""What the process counts, for Prometheus (`GET /metrics` on the bot's HTTP server, spacedoc.http_server).

The metrics live in prometheus_client's default registry, next to its process collectors (resident memory, CPU,
open files). Every label takes its values from a closed set: buckets, probe kinds, secret kinds, platforms and the
enums below. A Space id, a user id, a channel id or a secret is never a label (each one would be a new time series
for ever, and a secret must not leave the process). Every series is created at import at 0, so a rate over a
counter that has not moved yet still has a value.

`diagnosis/` knows nothing of this module: the Hub client reports each request to a plain callback
(`HubClient(on_probe=observe_probe)`), wired by spacedoc.service.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from diagnosis.hub import DEFAULT_TIMEOUT, HubUnreachable, ProbeFailed
from diagnosis.leaks import ROTATION
from diagnosis.model import Bucket

__all__ = [
    "GateReason", "Platform", "ReplyKind", "WorkInProgress", "claim_retried", "diagnosed", "gate", "observe_probe",
    "replied", "secrets_found",
]


class Platform(StrEnum):
    DISCORD = "discord"
    DISCOURSE = "discourse"


class ReplyKind(StrEnum):
    VERDICT = "verdict"  # a diagnosis
    NO_VERDICT = "no_verdict"  # an apology, or why the input cannot be looked up
    LEAK_WARNING = "leak_warning"  # the notice to someone who pasted a credential


class GateReason(StrEnum):
    """Why an auto-reply or a forum answer was or was not given (`ANSWER`: it was)."""

    ANSWER = "answer"
    AUTOREPLY_OFF = "autoreply_off"
    NOT_HELP_CHANNEL = "not_help_channel"
    SOLVED = "solved"
    CLOSED = "closed"
    TOO_SHORT = "too_short"
    OFF_TOPIC = "off_topic"  # not clearly about a broken Space
    NOT_AUTHOR = "not_author"  # a follow-up by someone other than the post's author
    HELPER_ANSWERED = "helper_answered"
    ALREADY_ANSWERED = "already_answered"
    COOLDOWN = "cooldown"  # the same person was answered moments ago
    CONVERSATION_WINDOW = "conversation_window"  # answered in this channel within the window
    FOLLOWUP_LIMIT = "followup_limit"
    DUPLICATE = "duplicate"  # the event was handled already (a replay, another process)


class ProbeFailure(StrEnum):
    UNREACHABLE = "unreachable"  # nobody answered
    REFUSED = "refused"  # a definitive answer: not found, private, disabled, owner-only
    ERROR = "error"  # 5xx, 429, timeouts, malformed payloads


class RevocationOutcome(StrEnum):
    ACCEPTED = "accepted"
    FAILED = "failed"


CLAIM_WORK = ("answer", "interaction", "leak", "escalate", "discourse")  # the first part of a claim's key
OTHER = "other"
REVOKE_PROBE = "revoke"

DIAGNOSES = Counter("spacedoc_diagnoses", "Verdicts given, by bucket", ["bucket"])
HUB_PROBE_SECONDS = Histogram("spacedoc_hub_probe_seconds", "Time of each request to the Hub, the status page or "
                              "the revoke endpoint that was actually sent (cache hits excluded), retries included",
                              ["probe"], buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0))
HUB_PROBE_FAILURES = Counter("spacedoc_hub_probe_failures", "Hub requests that got no usable answer",
                             ["probe", "reason"])
REPLIES = Counter("spacedoc_replies_sent", "Answers posted, by platform and kind", ["platform", "kind"])
GATE_DECISIONS = Counter("spacedoc_gate_decisions", "Whether a message or forum post got an automatic answer, "
                         "and why not", ["platform", "reason"])
SECRETS_FOUND = Counter("spacedoc_secrets_found", "Credentials found in what people posted, by kind",
                        ["platform", "kind"])
REVOCATIONS = Counter("spacedoc_revocations", "Requests to revoke leaked Hugging Face tokens, by outcome",
                      ["outcome"])
CLAIM_RETRIES = Counter("spacedoc_claim_retries", "Work claimed again after an attempt that did not finish it "
                        "(its lease expired, or it was given back after a failure)", ["work"])
WORK_IN_PROGRESS = Gauge("spacedoc_work_in_progress", "Discord events, forum posts and passes of the background "
                         "loops being handled right now (0: the process is idle)")

for _bucket in Bucket:
    DIAGNOSES.labels(_bucket.value)
for _probe in DEFAULT_TIMEOUT:
    HUB_PROBE_SECONDS.labels(_probe)
    for _failure in ProbeFailure:
        HUB_PROBE_FAILURES.labels(_probe, _failure.value)
for _platform in Platform:
    for _kind in ReplyKind:
        REPLIES.labels(_platform.value, _kind.value)
    for _reason in GateReason:
        GATE_DECISIONS.labels(_platform.value, _reason.value)
    for _secret in ROTATION:
        SECRETS_FOUND.labels(_platform.value, _secret)
for _outcome in RevocationOutcome:
    REVOCATIONS.labels(_outcome.value)
for _work in (*CLAIM_WORK, OTHER):
    CLAIM_RETRIES.labels(_work)


class WorkInProgress:
    """What the process is doing right now: the handlers of each Discord event, each forum post's work, each pass of
    the sweep, the poller and the revocation worker. `spacedoc_work_in_progress` reports it; a test waits for 0
    (after the events it sent were read) before it asserts that the bot sent nothing."""

    def __init__(self) -> None:
        self.count = 0

    def reported(self) -> WorkInProgress:
        """This count is what the gauge reports (the process's service's; tests run several services in turn)."""
        WORK_IN_PROGRESS.set_function(lambda: self.count)
        return self

    def task(self, task: asyncio.Task[Any]) -> None:
        """`task` is work in progress until it ends."""
        self.count += 1
        task.add_done_callback(self._ended)

    def current_task(self) -> None:
        """The running task is work in progress until it ends (an interaction's handler, from its first check)."""
        task = asyncio.current_task()
        if task is not None:
            self.task(task)

    @contextlib.contextmanager
    def during(self) -> Iterator[None]:
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1

    def _ended(self, _: asyncio.Task[Any]) -> None:
        self.count -= 1


def diagnosed(bucket: Bucket) -> None:
    DIAGNOSES.labels(Bucket(bucket).value).inc()


def observe_probe(probe: str, seconds: float, failure: ProbeFailed | None) -> None:
    """The Hub client's `on_probe` callback: one request (with its retries) to `probe` took `seconds`."""
    probe = probe if probe in DEFAULT_TIMEOUT else OTHER
    HUB_PROBE_SECONDS.labels(probe).observe(seconds)
    if failure is not None:
        reason = (ProbeFailure.UNREACHABLE if isinstance(failure, HubUnreachable)
                  else ProbeFailure.REFUSED if failure.definitive else ProbeFailure.ERROR)
        HUB_PROBE_FAILURES.labels(probe, reason.value).inc()
    if probe == REVOKE_PROBE:
        outcome = RevocationOutcome.ACCEPTED if failure is None else RevocationOutcome.FAILED
        REVOCATIONS.labels(outcome.value).inc()


def replied(platform: Platform, kind: ReplyKind) -> None:
    REPLIES.labels(platform.value, kind.value).inc()


def gate(platform: Platform, reason: GateReason) -> None:
    GATE_DECISIONS.labels(platform.value, reason.value).inc()


def secrets_found(platform: Platform, kinds: Iterable[str]) -> None:
    """One count per credential found, by its kind (the redactor's kinds, never the secret)."""
    for kind in kinds:
        SECRETS_FOUND.labels(platform.value, kind if kind in ROTATION else OTHER).inc()


def claim_retried(key: str) -> None:
    work = key.split(":", 1)[0]
    CLAIM_RETRIES.labels(work if work in CLAIM_WORK else OTHER).inc()
