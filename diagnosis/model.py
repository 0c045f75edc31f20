"""Typed data that flows through a diagnosis: Report → Evidence → Verdict.

Every other module of `diagnosis/` speaks in these types; nothing here does I/O.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Bucket(StrEnum):
    """The decision tree's buckets; the values are the public ids (CLI JSON, tests)."""

    BUILD_FAILURE = "build_failure"
    RUNTIME_CRASH = "runtime_crash"
    PORT_HEALTHCHECK = "port_healthcheck"
    LIFECYCLE_STUCK = "lifecycle_stuck"
    MODERATION_LOCK = "moderation_lock"
    PLATFORM_INCIDENT = "platform_incident"
    CONFIG_ERROR = "config_error"
    HARDWARE_SCHEDULING = "hardware_scheduling"
    SLEEPING = "sleeping"
    NEEDS_INFO = "needs_info"


@dataclass(frozen=True, slots=True)
class SpaceRef:
    """One mention of a Space in a message.

    `candidates` holds every `OWNER/NAME` reading; a `*.hf.space` subdomain with dashes has
    several, to be resolved against the Hub later. `placeholder` marks template ids such as
    `OWNER/SPACE_NAME` that name no real Space.
    """

    candidates: tuple[str, ...]
    source: str  # "url" | "subdomain" | "bare"
    raw: str
    placeholder: bool = False
    subdomain: str | None = None

    @property
    def id(self) -> str | None:
        """The single `OWNER/NAME` when the reading is unambiguous."""
        return self.candidates[0] if len(self.candidates) == 1 and not self.placeholder else None


@dataclass(frozen=True, slots=True)
class Finding:
    """One observation pointing at a bucket (or, with `bucket=None`, context for the reply).

    `code` is a stable identifier ("stage_paused", "pip_no_matching_distribution", …),
    `quote` the decisive line shortened for citation, `facts` named details that make the
    next action specific (e.g. {"package": "torch==1.8.0"}).
    """

    code: str
    bucket: Bucket | None
    weight: float
    quote: str
    source: str = "text"  # text | build_log | run_log | runtime | info | commits | status | recent
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a request's own words point to (diagnosis/reading.py): a probability per bucket."""

    probabilities: Mapping[Bucket, float]  # every bucket, summing to 1
    bucket: Bucket  # the most likely
    pushed_by: tuple[str, ...] = ()  # the model features that raised `bucket` most, strongest first
    quote: str = ""  # the title or sentence that pushed `bucket` most ("" for needs_info)
    visitor: float = 0.0  # probability that the poster reports someone else's Space (and cannot fix it)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.bucket]


@dataclass(frozen=True, slots=True)
class Report:
    """What the person wrote, read: Space references, symptoms and pasted-log findings, and the reading of
    its prose. `text` is the whole request (a forum post's title, then its body)."""

    text: str
    spaces: tuple[SpaceRef, ...] = ()
    findings: tuple[Finding, ...] = ()
    request_ids: tuple[str, ...] = ()
    reading: Reading | None = None
    leaked: tuple[str, ...] = ()  # kinds of credential the redactor took out of the text before it was read
    pasted_runtime: Mapping[str, Any] | None = None  # a runtime API answer pasted in the text ({"stage": …})

    @property
    def placeholder_only(self) -> bool:
        return bool(self.spaces) and all(s.placeholder for s in self.spaces)

    @property
    def primary_space(self) -> SpaceRef | None:
        return next((s for s in self.spaces if not s.placeholder), None)


# ---- Evidence: each probe is Ok(value) or Unavailable(reason) -----------------------------

@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class Unavailable:
    reason: str  # short and human: "owner-only", "timed out after 3.0 s", "HTTP 500 after 3 tries"


Probe = Ok[T] | Unavailable


@dataclass(frozen=True, slots=True)
class RuntimeState:
    stage: str  # any string: unknown stages (e.g. SLEEPING) must pass through untouched
    hardware: str | None = None
    requested_hardware: str | None = None
    error_message: str | None = None
    abuse: Mapping[str, Any] | None = None
    sha: str | None = None  # the commit it runs
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpaceInfo:
    id: str
    sdk: str | None = None
    card_data: Mapping[str, Any] = field(default_factory=dict)
    last_modified: datetime | None = None
    disabled: bool = False
    subdomain: str | None = None
    files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Commit:
    id: str
    title: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatusPage:
    aggregate_state: str  # operational | degraded | downtime | maintenance | …
    degraded: tuple[tuple[str, str], ...] = ()  # (component public name, status) not operational
    open_reports: tuple[tuple[str, str], ...] = ()  # (title, aggregate_state) of unresolved reports


@dataclass(frozen=True, slots=True)
class IncidentSignal:
    """Other Spaces (distinct owners) reported with the same picture recently."""

    similar_spaces: int
    window_minutes: int
    bucket: Bucket


@dataclass(frozen=True, slots=True)
class Evidence:
    """Live evidence; a field left None was not attempted (e.g. no Space was given)."""

    space: str | None = None
    runtime: Probe[RuntimeState] | None = None
    info: Probe[SpaceInfo] | None = None
    commits: Probe[tuple[Commit, ...]] | None = None
    build_log: Probe[str] | None = None
    run_log: Probe[str] | None = None
    status: Probe[StatusPage] | None = None
    incident: IncidentSignal | None = None
    now: datetime | None = None

    def unavailable(self) -> dict[str, str]:
        """Check name → why it could not run, for every attempted probe that failed (in field order)."""
        return {f.name: probe.reason for f in fields(self) if isinstance(probe := getattr(self, f.name), Unavailable)}


# ---- Verdict ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Phrase:
    """Something a reply says, named by `key`, with the facts its wording needs (strings, or nested Phrases).

    The verdict holds only these; `diagnosis.texts` words them in the request's language, so the decision never
    depends on wording and a text can change or be translated without touching the tree."""

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **args: Any) -> Phrase:
        return cls(key, tuple(sorted((k, v) for k, v in args.items() if v is not None and v != "")))

    def get(self, name: str, default: Any = None) -> Any:
        return next((v for k, v in self.args if k == name), default)


@dataclass(frozen=True, slots=True)
class DecisiveLine:
    """The line that decided the bucket, quoted first in every reply: the strongest platform message (a runtime
    errorMessage, a log line, live state), else the sentence of the request that pushed the reading most."""

    quote: str  # verbatim (redacted) words of the platform or the person; for live facts, what was seen
    source: str  # text | build_log | run_log | runtime | info | commits | status | recent
    code: str  # the Finding it comes from ("memory_limit", "reading", …)
    facts: Mapping[str, str] = field(default_factory=dict)
    platform: bool = False  # said by the platform (live evidence or a pasted platform message), not prose
    cited: Phrase = Phrase("ev.quote")  # how a reply cites it (a quote with its source, or live state worded)


@dataclass(frozen=True, slots=True)
class StopLine:
    """What to stop doing (`key`) and the finding that makes it apply (`because`)."""

    key: str
    because: str


@dataclass(frozen=True, slots=True)
class SupportEmail:
    """What a support e-mail to Hugging Face can say, field by field; None where only the person can fill it in.
    Worded in English whatever the request's language (support reads English): `diagnosis.texts.en.support_email`."""

    policy: bool  # a policy/abuse review rather than a stuck lifecycle
    space: str | None = None
    request_id: str | None = None
    stage: str | None = None  # the runtime's, live or pasted
    error_message: str | None = None
    build_log: str | None = None  # "readable", "empty", "unavailable (owner-only)"
    run_log: str | None = None
    sdk: str | None = None
    hardware: str | None = None
    last_commit: str | None = None
    commits_since: int = 0  # pushed after the running commit, none of which started a build
    since: str | None = None  # when the first of them was pushed ("20:14 UTC")
    already_tried: str | None = None  # the person's words for it ("restart and factory rebuild both fail")
    flag: str | None = None  # the rule or reason a policy check showed

    @property
    def identifies_the_space(self) -> bool:
        """Support can find the Space from it (its URL or its runtime output); else every field that matters
        would be a placeholder and the draft is not offered."""
        return self.space is not None or self.stage is not None


@dataclass(frozen=True, slots=True)
class Alternative:
    bucket: Bucket
    confidence: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision and everything a reply says, as facts and keys (`diagnosis.render` words them)."""

    bucket: Bucket
    confidence: float
    alternatives: tuple[Alternative, ...] = ()
    space: str | None = None
    placeholder: bool = False
    decisive: DecisiveLine | None = None
    evidence: tuple[Phrase, ...] = ()  # the other lines cited, live state first
    next_actions: tuple[Phrase, ...] = ()  # questions, for needs_info
    stop_doing: tuple[StopLine, ...] = ()
    stop_pushing_commits: bool = False
    unavailable: tuple[Phrase, ...] = ()
    email: SupportEmail | None = None  # offered (behind a button, never in a public reply) only when set
    visitor: bool = False  # the poster reports someone else's Space: a visitor's advice
    language: str = "en"  # the request's language; replies are worded in it
