"""The decision tree: (Report, Evidence) → Verdict. Pure: no I/O, no clock, no randomness.

Every observation is a Finding with a bucket and a weight; live evidence is turned into
Findings too (runtime stage and errorMessage, commits since the running sha, logs, status page,
recent similar reports). A bucket's score is its strongest Finding plus a quarter of the others,
so corroboration helps without letting many weak hints outvote one platform message. Precedence
follows the seed post: policy/scanner wording first, a platform incident whenever many Spaces
fail at once, otherwise the best score; "503" alone and too little evidence give `needs_info`.

The Verdict holds facts and keys, not sentences: the line that decided, the evidence to cite, the actions and
stop lines that apply (each with its reason), the e-mail's fields. `diagnosis.texts` words them per language.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any

from . import logs, reading
from .model import (
    Alternative,
    Bucket,
    Commit,
    DecisiveLine,
    Evidence,
    Finding,
    Ok,
    Phrase,
    Report,
    RuntimeState,
    SpaceInfo,
    StatusPage,
    StopLine,
    SupportEmail,
    Unavailable,
    Verdict,
)
from .redact import redact
from .texts import detect_language

B = Bucket
NEEDS_INFO_FLOOR = 1.0  # below this best score, the report does not say enough
PLACEHOLDER_FLOOR = 2.0  # a placeholder-only report needs a clear symptom to be decided
MODERATION_FLOOR = 4.0  # policy wording: decides before anything else (seed post, Branch A)
PLATFORM_FLOOR = 3.5  # live status page or many recent reports: decides over repo-level buckets
INCIDENT_WEIGHT = PLATFORM_FLOOR + 1.0  # an IncidentSignal is already thresholded: above the floor, whatever its size
CORROBORATION = 0.25
READING_WEIGHT = 3.0  # the prose reading at certainty weighs like a platform message; its probability scales it down
PROSE_UNDER_LIVE = 0.5  # how much the person's words count once the Space's own runtime or logs say what is wrong
READING_MIN = 0.15  # buckets the reading gives less than this add nothing
NEEDS_INFO_CEILING = 1.5  # however sure the reading is that nothing points anywhere, a specific message still decides
BUILDING_TOO_LONG_MIN = 30
DEFAULT_PORT = 7860
STREAMLIT_PORT = 8501

_STAGE_FINDINGS: dict[str, tuple[str, Bucket | None, float]] = {
    "PAUSED": ("stage_paused", B.LIFECYCLE_STUCK, 2.0),
    "BUILD_ERROR": ("stage_build_error", B.BUILD_FAILURE, 2.6),
    "RUNTIME_ERROR": ("stage_runtime_error", B.RUNTIME_CRASH, 2.0),
    "CONFIG_ERROR": ("stage_config_error", B.CONFIG_ERROR, 4.0),
    "NO_APP_FILE": ("missing_app_file", B.CONFIG_ERROR, 4.5),
    "BUILDING": ("stage_building", B.LIFECYCLE_STUCK, 0.8),
    "RUNNING_BUILDING": ("stage_building", B.LIFECYCLE_STUCK, 0.5),
    "APP_STARTING": ("stage_app_starting", B.PORT_HEALTHCHECK, 1.5),
    "RUNNING_APP_STARTING": ("stage_app_starting", B.PORT_HEALTHCHECK, 1.5),
    "RUNNING": ("stage_running", B.PORT_HEALTHCHECK, 0.7),
    "SLEEPING": ("stage_sleeping", B.SLEEPING, 3.5),
    "STOPPED": ("stage_sleeping", B.SLEEPING, 3.5),
    "DELETING": ("stage_deleting", None, 0.0),
}
_STUCK_STAGES = {"PAUSED", "BUILDING", "RUNNING_BUILDING"}
_SETTLED_STAGES = {"RUNNING", "SLEEPING", "STOPPED", "BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE"}
_OWN_STORY_STAGES = {"SLEEPING", "STOPPED", "CONFIG_ERROR", "NO_APP_FILE"}
_LIFECYCLE_TEXT_CODES = {"build_queued", "builder_not_dispatching", "stuck_building", "logs_frozen", "paused"}
_ERROR_BUCKETS = {B.BUILD_FAILURE, B.RUNTIME_CRASH, B.PORT_HEALTHCHECK, B.CONFIG_ERROR, B.HARDWARE_SCHEDULING,
                          B.MODERATION_LOCK, B.PLATFORM_INCIDENT}


@dataclass
class Context:
    """What the evidence said, kept for the facts of actions and of the e-mail draft."""

    space: str | None = None
    stage: str | None = None
    hardware: str | None = None
    requested_hardware: str | None = None
    error_message: str | None = None
    running_sha: str | None = None
    sdk: str | None = None
    card_data: dict = field(default_factory=dict)
    commits_since: int = 0
    since: datetime | None = None
    not_found: bool = False
    build_log_state: str | None = None
    run_log_state: str | None = None
    text_codes: set[str] = field(default_factory=set)
    platform_seen: bool = False  # the status page or other reports (not only the person's words) show an incident
    platform_context: Finding | None = None  # an incident seen while the Space's own state explains the failure


def decide(report: Report, evidence: Evidence = Evidence()) -> Verdict:
    """The most likely bucket with its evidence, next actions and, when HF must act, an e-mail draft."""
    evidence = _redacted(evidence)
    ctx = Context(space=_space_id(report, evidence), text_codes={f.code for f in report.findings})
    live = _evidence_findings(evidence, ctx)
    findings = list(report.findings) + _reading_findings(report) + live
    findings += _derived_findings(findings, report, ctx)
    scores = _scores(findings, ctx)
    if B.PLATFORM_INCIDENT in scores and _own_story(live, ctx):
        # the Space's own state explains what people see: an incident at the same time is context, not the cause
        ctx.platform_context = max((f for f in findings if f.bucket is B.PLATFORM_INCIDENT), key=lambda f: f.weight)
        del scores[B.PLATFORM_INCIDENT]
    bucket = _choose(scores, findings, report, _needs_info_floor(report, live, evidence))
    return _verdict(bucket, scores, findings, report, evidence, ctx)


def _redacted(value: Any) -> Any:
    """`value` (the evidence, or any part of it) with every string in it redacted. The Hub's words are quoted cut (an
    errorMessage at 100 characters, a log line at 160, a pattern's bounded group): a token cut in two no longer looks
    like one, so they are redacted before anything is read from them."""
    if type(value) is str:  # (a StrEnum such as Bucket stays what it is)
        return redact(value).text
    if isinstance(value, Mapping):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_redacted(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: _redacted(getattr(value, f.name)) for f in fields(value)})
    return value


def _reading_findings(report: Report) -> list[Finding]:
    """The prose reading as findings: one per bucket it gives at least READING_MIN, weighted by probability."""
    r = report.reading
    if r is None:
        return []
    why = {"pushed_by": ", ".join(r.pushed_by[:3])} if r.pushed_by else {}
    return [Finding("reading", bucket, round(READING_WEIGHT * p, 3), r.quote if bucket is r.bucket else "", "text", why)
            for bucket, p in r.probabilities.items() if bucket is not B.NEEDS_INFO and p >= READING_MIN]


def _needs_info_floor(report: Report, live: list[Finding], evidence: Evidence) -> float:
    """The score a bucket needs to be named. When only the words are known and they point nowhere (the reading's
    needs_info), a stray weak phrase must not decide: the floor rises with the reading's certainty. Once the Space
    was checked live, the usual floor applies (its evidence, or its silence, is more than words)."""
    if (report.reading is None or evidence.runtime is not None
            or any(f.bucket is not None and f.weight > 0 for f in live)):
        return NEEDS_INFO_FLOOR
    pointing_nowhere = report.reading.probabilities.get(B.NEEDS_INFO, 0.0)
    return min(NEEDS_INFO_CEILING, max(NEEDS_INFO_FLOOR, READING_WEIGHT * pointing_nowhere))


# ---- scores and precedence ---------------------------------------------------------------------

def _scores(findings: list[Finding], ctx: Context) -> dict[Bucket, float]:
    per: dict[Bucket, list[float]] = defaultdict(list)
    # Once the Space itself says what is wrong (a platform message in its runtime or logs), the person's prose
    # narrows the picture but no longer decides it: text alone is for when there is nothing better.
    live_says = any(f.source not in ("text", "status", "recent") and f.bucket is not None
                    and f.weight >= AGREEING_WEIGHT and not _from_stage(f) for f in findings)
    for f in findings:
        if f.bucket is not None and f.weight > 0:
            prose = f.source == "text" and f.code not in _RULE_CODES
            per[f.bucket].append(f.weight * PROSE_UNDER_LIVE if live_says and prose else f.weight)
    scores = {}
    for bucket, weights in per.items():
        weights.sort(reverse=True)
        scores[bucket] = weights[0] + CORROBORATION * sum(weights[1:])
    if ctx.stage in _SETTLED_STAGES and B.LIFECYCLE_STUCK in scores:
        # the runtime serves, sleeps or reports an error of its own: whatever the words, the lifecycle is not stuck now
        scores[B.LIFECYCLE_STUCK] *= 0.5
    return scores


def _own_story(live: list[Finding], ctx: Context) -> bool:
    """The runtime tells the Space's own story: it sleeps, or its build or app failed and says how."""
    if ctx.stage in _OWN_STORY_STAGES:
        return True
    if ctx.stage in ("BUILD_ERROR", "RUNTIME_ERROR"):
        return bool(ctx.error_message) or any(
            f.source.endswith("_log") and f.bucket not in (None, B.PLATFORM_INCIDENT) for f in live)
    return False


def _choose(scores: dict[Bucket, float], findings: list[Finding], report: Report, floor: float) -> Bucket:
    if not scores:
        return B.NEEDS_INFO
    if scores.get(B.MODERATION_LOCK, 0) >= MODERATION_FLOOR:
        return B.MODERATION_LOCK
    live_platform = any(f.bucket is B.PLATFORM_INCIDENT and f.source in ("status", "recent") for f in findings)
    if live_platform and scores.get(B.PLATFORM_INCIDENT, 0) >= PLATFORM_FLOOR:
        return B.PLATFORM_INCIDENT
    best = max(scores, key=lambda b: scores[b])
    top = scores[best]
    if top < floor or (report.placeholder_only and top < PLACEHOLDER_FLOOR):
        return B.NEEDS_INFO
    return best


# ---- evidence → findings -----------------------------------------------------------------------

def _space_id(report: Report, evidence: Evidence) -> str | None:
    if evidence.space:
        return evidence.space
    ref = report.primary_space
    return ref.id if ref else None


def _evidence_findings(ev: Evidence, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if isinstance(ev.info, Ok):
        out += _info_findings(ev.info.value, ctx)
    if isinstance(ev.runtime, Ok):
        out += _runtime_findings(ev.runtime.value, ctx)
    elif isinstance(ev.runtime, Unavailable) and "not found" in ev.runtime.reason.lower():
        ctx.not_found = True
        out.append(Finding("space_not_found", None, 0.0, f"the Hub says: {ev.runtime.reason}", "runtime",
                           {"reason": ev.runtime.reason}))
    refused = [p.reason for p in (ev.runtime, ev.info) if isinstance(p, Unavailable)]
    if "disabled" in refused and not any(f.code == "space_disabled" for f in out):
        # the Hub refuses with "Access to this resource is disabled.": the same fact as SpaceInfo.disabled
        out.append(_space_disabled())
    if isinstance(ev.commits, Ok):
        out += _commit_findings(ev.commits.value, ev, ctx)
    if isinstance(ev.info, Ok) and not any(f.code == "commits_no_build" for f in out):
        out += _building_since_change(ev.info.value, ev, ctx)
    for name, source in (("build_log", "build_log"), ("run_log", "run_log")):
        probe = getattr(ev, name)
        if isinstance(probe, Ok):
            text = probe.value or ""
            setattr(ctx, f"{name}_state", "empty" if not text.strip() else "readable")
            out += logs.analyze(text, source)
            if not text.strip() and name == "build_log" and ctx.stage in _STUCK_STAGES:
                out.append(Finding("build_log_empty", B.LIFECYCLE_STUCK, 1.4, "the build log is empty", source))
        elif isinstance(probe, Unavailable):
            setattr(ctx, f"{name}_state", f"unavailable ({probe.reason})")
    if isinstance(ev.status, Ok):
        status = _status_findings(ev.status.value)
        ctx.platform_seen = bool(status)
        out += status
    if ev.incident is not None and ev.incident.similar_spaces > 0:
        # incidents.detect_incident already applied its threshold (distinct other owners): the signal decides
        n, m = ev.incident.similar_spaces, ev.incident.window_minutes
        ctx.platform_seen = True
        out.append(Finding("recent_similar", B.PLATFORM_INCIDENT, INCIDENT_WEIGHT,
                           f"{n} other Spaces reported the same in the last {m} minutes", "recent",
                           {"similar": str(n), "window": str(m), "picture": ev.incident.bucket.value}))
    return out


def _runtime_findings(rs: RuntimeState, ctx: Context) -> list[Finding]:
    stage = (rs.stage or "").strip().upper() or "UNKNOWN"
    ctx.stage, ctx.hardware, ctx.requested_hardware = stage, rs.hardware, rs.requested_hardware
    ctx.running_sha = rs.sha
    raw = rs.raw if isinstance(rs.raw, Mapping) else {}
    message = rs.error_message or _str(raw.get("errorMessage")) or None
    ctx.error_message = message
    code, bucket, weight = _STAGE_FINDINGS.get(stage, ("stage_unknown", None, 0.0))
    quote = f"stage {stage}" + (f" — {logs.shorten(message, 100)}" if message else "")
    facts = {"stage": stage, **({"error_message": message} if message else {})}
    out = [Finding(code, bucket, weight, quote, "runtime", facts)]
    if message:
        out += logs.analyze(message, "runtime")
    abuse = rs.abuse or raw.get("abuse")
    if isinstance(abuse, Mapping) and abuse:
        facts = {k: _str(abuse.get(k)) for k in ("detector", "reason", "flaggedAt") if abuse.get(k)}
        detail = facts.get("reason") or facts.get("detector") or "abuse record present"
        out.append(Finding("abuse_record", B.MODERATION_LOCK, 6.0, f"abuse record: {logs.shorten(detail, 120)}",
                           "runtime", {**facts, "detail": logs.shorten(detail, 120)}))
    return out


def _space_disabled() -> Finding:
    """The Hub says the Space is disabled: in its info, or in the refusal it answers a probe with."""
    return Finding("space_disabled", B.MODERATION_LOCK, 3.5, "the Hub says access to this Space is disabled", "info")


def _info_findings(info: SpaceInfo, ctx: Context) -> list[Finding]:
    card = dict(info.card_data or {})
    ctx.card_data, ctx.sdk = card, (info.sdk or _str(card.get("sdk")) or None)
    out: list[Finding] = []
    if info.disabled:
        out.append(_space_disabled())
    if info.files:
        app_file = _str(card.get("app_file")) or None
        if ctx.sdk == "docker":
            needed = "Dockerfile"
        elif ctx.sdk == "static":
            needed = app_file or "index.html"
        else:
            needed = app_file or "app.py"
        if needed not in info.files:
            out.append(Finding("app_file_missing", B.CONFIG_ERROR, 3.5, f"the repo has no `{needed}`", "info",
                               {"app_file": needed, "sdk": ctx.sdk or "?"}))
    return out


def _commit_findings(commits: tuple[Commit, ...], ev: Evidence, ctx: Context) -> list[Finding]:
    """Pushes after the commit the runtime serves: evidence the builder is (not) dispatching."""
    if not commits or not ctx.running_sha:
        return []
    newer: list[Commit] = []
    for c in commits:  # newest first
        if c.id.startswith(ctx.running_sha) or ctx.running_sha.startswith(c.id):
            break
        newer.append(c)
    else:
        return []  # the running sha is older than the page we have: no honest count
    if not newer:
        return []
    ctx.commits_since, ctx.since = len(newer), newer[-1].created_at
    since = _hhmm(newer[-1].created_at)
    facts = {"count": str(len(newer)), "since": since}
    building_long = (ctx.stage in ("BUILDING", "RUNNING_BUILDING")
                     and _minutes_since(newer[0].created_at, ev) >= BUILDING_TOO_LONG_MIN)
    queued_in_words = ctx.stage is None and ctx.text_codes & {"build_queued", "builder_not_dispatching"}
    stuck = ctx.stage == "PAUSED" or building_long or bool(queued_in_words)
    counted = _count(len(newer), "commit")
    if stuck:
        return [Finding("commits_no_build", B.LIFECYCLE_STUCK, 3.6, f"{counted} since {since} started no build",
                        "commits", facts)]
    return [Finding("commits_since_running", None, 0.0, f"{counted} since {since} not running yet", "commits", facts)]


def _building_since_change(info: SpaceInfo, ev: Evidence, ctx: Context) -> list[Finding]:
    """Still BUILDING long after the repo last changed: the build is not progressing."""
    if ctx.stage not in ("BUILDING", "RUNNING_BUILDING") or info.last_modified is None:
        return []
    minutes = _minutes_since(info.last_modified, ev)
    if minutes < BUILDING_TOO_LONG_MIN:
        return []
    return [Finding("building_long", B.LIFECYCLE_STUCK, 2.4,
                    f"still {ctx.stage} {int(minutes)} min after the last change at {_hhmm(info.last_modified)}",
                    "info", {"minutes": str(int(minutes)), "stage": ctx.stage or "", "at": _hhmm(info.last_modified)})]


def _status_findings(sp: StatusPage) -> list[Finding]:
    out = []
    for name, status in sp.degraded:
        spaces = "space" in name.lower()
        out.append(Finding("status_spaces_degraded" if spaces else "status_degraded", B.PLATFORM_INCIDENT,
                           4.0 if spaces else 1.5, f"{name} is {status}", "status",
                           {"component": name, "status": status}))
    for title, state in sp.open_reports:
        spaces = "space" in title.lower()
        out.append(Finding("status_open_report", B.PLATFORM_INCIDENT, 4.0 if spaces else 3.0,
                           f"open report “{logs.shorten(title, 80)}” ({state})", "status",
                           {"report": logs.shorten(title, 80), "state": state}))
    if not out and sp.aggregate_state.lower() not in ("operational", ""):
        out.append(Finding("status_not_operational", B.PLATFORM_INCIDENT, 1.0, f"overall state {sp.aggregate_state}",
                           "status", {"state": sp.aggregate_state}))
    return out


# ---- combinations of findings ---------------------------------------------------------------------

def _derived_findings(findings: list[Finding], report: Report, ctx: Context) -> list[Finding]:
    codes = {f.code for f in findings}
    out: list[Finding] = []
    out += _port_findings(findings, ctx)
    tool = next((f for f in findings if f.code == "policy_sensitive_tool"), None)
    stopped = codes & {"paused", "stage_paused", "banned_words", "account_locked", "restart_failed_banner"}
    if tool and stopped and tool.facts.get("context") in ("added", "uses"):
        # only what the person says they added or run counts; a bare mention of a word is no cause
        out.append(Finding("tool_then_paused", B.MODERATION_LOCK, 4.2, tool.quote, tool.source, tool.facts))
    owners = {s.candidates[0].split("/")[0].lower() for s in report.spaces if s.id}
    if len(owners) >= 2 and codes & {"many_spaces_failing", "others_too", "not_only_mine", "stopped_working"}:
        out.append(Finding("several_owners", B.PLATFORM_INCIDENT, 1.0,
                           f"{len(owners)} Spaces of different owners named in one report", "text",
                           {"count": str(len(owners))}))
    several = codes & {"account_wide", "many_spaces_failing", "others_too", "not_only_mine"} or len(report.spaces) >= 2
    if "registry_push_401" in codes and several:
        # the builder cannot push images for several Spaces at once: the registry fails, not their Dockerfiles
        push = next(f for f in findings if f.code == "registry_push_401")
        out.append(Finding("registry_push_many", B.PLATFORM_INCIDENT, 4.0, push.quote, push.source, push.facts))
    if "build_queued_header" in codes and not any(f.bucket is B.BUILD_FAILURE for f in findings) and ctx.stage is None:
        # a pasted build log that is nothing but its queue line: the builder never ran a step
        header = next(f for f in findings if f.code == "build_queued_header")
        out.append(Finding("queued_header_only", B.LIFECYCLE_STUCK, 1.4, header.quote, header.source, header.facts))
    if (codes & _LIFECYCLE_TEXT_CODES and ctx.stage in _STUCK_STAGES
            and not any(f.code == "commits_no_build" for f in findings)):
        out.append(Finding("stage_confirms_stuck", B.LIFECYCLE_STUCK, 2.4,
                           f"runtime stage is {ctx.stage}, as described", "runtime", {"stage": ctx.stage or ""}))
    error_seen = any(f.bucket in _ERROR_BUCKETS or f.bucket is B.LIFECYCLE_STUCK
                     for f in findings if f.weight > 0 and f.code != "reading")  # the reading guesses, it sees nothing
    if "stopped_working" in codes and not error_seen and ctx.stage in (None, "SLEEPING", "STOPPED", "PAUSED"):
        # someone's demo stopped working and nobody quotes an error: a free Space asleep is the usual cause
        quote = next(f.quote for f in findings if f.code == "stopped_working")
        out.append(Finding("stopped_without_error", B.SLEEPING, 1.1, quote, "text"))
    return out


def _port_findings(findings: list[Finding], ctx: Context) -> list[Finding]:
    """The port the app listens on vs the port the Space routes to (app_port, SDK default)."""
    app_port = _int(ctx.card_data.get("app_port")) or next(
        (_int(f.facts["app_port"]) for f in findings if f.code == "port_mention" and "app_port" in f.facts), None)
    sdk = ctx.sdk or next(((f.facts.get("sdk") or f.facts.get("sdk2", "")).lower()
                           for f in findings if f.code == "sdk_named"), None)
    expected = app_port or (STREAMLIT_PORT if sdk == "streamlit" else DEFAULT_PORT)
    # Streamlit on its own port is right for a Streamlit Space and wrong for a Docker one: unsure until the SDK is known
    weight = 1.4 if sdk is None and app_port is None else 2.2
    out: list[Finding] = []
    for f in findings:
        if f.code not in ("app_listening", "app_running_claim"):
            continue
        port = _int(f.facts.get("port"))
        host = f.facts.get("host", "0.0.0.0")
        if f.code == "app_listening":
            out.append(Finding("app_up", B.PORT_HEALTHCHECK, 0.8, f.quote, f.source, f.facts))
        if port and port != expected and host not in ("127.0.0.1", "localhost"):
            why = f"app_port is {app_port}" if app_port else f"the Space routes to {expected}"
            out.append(Finding("port_mismatch", B.PORT_HEALTHCHECK, weight if port == STREAMLIT_PORT else 2.2, f.quote,
                               f.source, {"port": str(port), "expected": str(expected), "why": why}))
            break
    return out


# ---- small helpers ---------------------------------------------------------------------------------

def _str(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _hhmm(when: datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%H:%M UTC")


def _minutes_since(when: datetime, ev: Evidence) -> float:
    if ev.now is None:
        return 0.0  # pure: without an explicit clock, no "too long" claim
    now, then = ev.now, when
    if (now.tzinfo is None) != (then.tzinfo is None):
        now, then = now.replace(tzinfo=None), then.replace(tzinfo=None)
    return (now - then).total_seconds() / 60


# ---- the verdict: confidence, the decisive line, evidence, actions, stop lines, e-mail facts -----------
# Everything below returns facts and keys (model.Phrase, StopLine, SupportEmail): diagnosis.texts words them.

PRIOR_MASS = 1.5  # score mass kept for "something not seen": no verdict is certain
DECISIVE_WEIGHT = 3.5  # a platform message or live state this strong names its bucket by itself
AGREEING_WEIGHT = 3.0  # a specific platform message (pip, traceback) decides when the live stage agrees with it
DECIDED_CONFIDENCE = 0.9  # floor for a verdict decided by precedence or by such a message
MAX_CONFIDENCE = 0.97
PROSE_CONFIDENCE = 0.55  # the most a verdict resting on the person's words alone (no platform message) can claim
MAX_EVIDENCE = 5
MAX_REPORT_QUOTES = 2
MAX_ALTERNATIVES = 4
MAX_ACTIONS = 4
MAX_QUESTIONS = 2
VISITOR_MIN = 0.5  # the reading's visitor probability above which the poster is taken for a visitor
# What only a Space's owner says or does: their words ("my Space"), its README settings, restarts, rebuilds, commits,
# billing. (Not its logs: a failed Space shows them to every visitor.) Whoever says these is the owner, whatever the
# reading's visitor head says.
_OWNERS_ONLY = frozenset({
    "owner_words", "port_mention", "empty_commits", "commits_pushed", "factory_rebuild_fails", "restart_fails",
    "restart_failed_banner", "pause_denied", "billing_ended", "tool_then_paused",
})
_RULE_CODES = frozenset(rule.code for rule in logs.RULES)
_ESCALATION = (B.LIFECYCLE_STUCK, B.MODERATION_LOCK, B.PLATFORM_INCIDENT)  # the bucket's own step is the way out
_EMAIL_BUCKETS = (B.LIFECYCLE_STUCK, B.MODERATION_LOCK)  # only these need Hugging Face staff
# The person says they pushed commits or rebuilt, or the repo shows commits the builder ignored: only then is
# "stop pushing commits" advice and not a reproach for something nobody did.
_PUSH_CODES = ("commits_no_build", "empty_commits", "commits_pushed", "factory_rebuild_fails")
# ZeroGPU's own limits: a visitor can wait for their quota or log in; other hardware is no answer to them.
ZEROGPU_CODES = frozenset({"gpu_quota", "zerogpu_quota", "gpu_duration", "zerogpu_error", "zerogpu_unavailable",
                           "zerogpu_init_failed", "zerogpu_words", "gpu_quota_words"})

# Findings whose next action is specific to them: each has an `act.<code>` text in every language.
ADVICE_CODES = frozenset({
    # build
    "pip_no_matching", "pip_no_version", "pip_python_requires", "pip_conflict", "pip_invalid_wheel", "pip_build_wheel",
    "apt_missing_package", "dpkg_failed", "docker_step_failed", "job_failed", "docker_solve_failed",
    "build_failed_exit", "unexpected_build_error", "unexpected_job_error", "registry_push_401", "npm_failed",
    "cmake_failed",
    "build_stopped_at_step", "pip_install_oserror", "pip_error", "pip_crashed", "pip_subprocess", "git_ref_missing",
    "docker_copy_failed", "pip_externally_managed", "build_killed",
    # runtime
    "memory_limit", "storage_evicted", "cuda_oom", "missing_module", "import_name", "missing_secret", "model_gated",
    "hub_http_error", "repo_not_found", "python_exception", "space_failed_exit", "exit_code_reason",
    "permission_denied", "disk_full", "oom_killed", "invalid_token", "hub_unreachable_in_app", "container_exec_failed",
    "asgi_import_failed",
    "command_not_found", "segfault", "node_module_missing", "no_cuda", "logs_unretrievable", "space_in_error",
    "gradio_app_error",
    # port and health
    "localhost_not_accessible", "bind_failed", "port_in_use", "localhost_bind", "localhost_host_setting",
    "port_mismatch", "launch_timeout",
    # configuration
    "dockerfile_missing", "getting_started_page", "missing_app_file", "app_file_missing", "config_error",
    # hardware
    "scheduling_failure", "no_gpu_words", "billing_ended", *ZEROGPU_CODES,
    # lifecycle, moderation, platform
    "pause_denied", "repo_disabled", "space_disabled", "abuse_handler", "abuse_record", "abuse_flagged", "repo_scanner",
    "tunnel_category", "content_policy", "tool_then_paused", "commits_no_build", "builder_not_dispatching",
    "restart_failed_banner", "containerd_failed", "init_failed", "paused_by_owner",
})
# Facts of the Space (not of the finding) that an action's wording needs.
_ACTION_CONTEXT = {
    "pip_no_matching": ("python",), "pip_no_version": ("python",), "bind_failed": ("app_port",),
    "launch_timeout": ("app_port",), "scheduling_failure": ("requested_hardware",),
}
# Tree-made findings: their quote is our sentence, so a reply words them from their facts (`ev.<code>`).
OWN_WORDS = frozenset({
    "commits_no_build", "commits_since_running", "building_long", "abuse_record", "space_not_found", "space_disabled",
    "app_file_missing", "build_log_empty", "status_spaces_degraded", "status_degraded", "status_open_report",
    "status_not_operational", "recent_similar", "several_owners", "stage_confirms_stuck",
})


def _verdict(bucket: Bucket, scores: dict[Bucket, float], findings: list[Finding], report: Report,
             ev: Evidence, ctx: Context) -> Verdict:
    confidence, alternatives = _confidence(bucket, scores, findings)
    # what the platform said (a message, a log line) is cited before the person's prose, however it was weighed
    decisive = sorted((f for f in findings if f.bucket is bucket and f.weight > 0),
                      key=lambda f: (not _platform_said(f), -f.weight))
    lead = _lead(bucket, decisive, report)
    if lead is not None:  # the finding behind the quoted line leads the actions too
        decisive.sort(key=lambda f: f is not lead)
    facts: dict[str, str] = {}
    for f in decisive:
        for k, v in f.facts.items():
            facts.setdefault(k, v)
    codes = {f.code for f in findings}
    placeholder = ctx.space is None and any(s.placeholder for s in report.spaces)
    visitor = _is_visitor(report, codes)
    pushed = next((code for code in _PUSH_CODES if code in codes), None)
    no_build = bucket in _EMAIL_BUCKETS or "commits_no_build" in codes
    stop_pushing = pushed is not None and no_build and not visitor
    email = _email(bucket, facts, findings, report, ctx) if bucket in _EMAIL_BUCKETS and not visitor else None
    if email is not None and not email.identifies_the_space:
        email = None  # every field support needs would be a placeholder
    # a verdict that rests on prose alone is a best guess: it says the check that would confirm it
    thin = bucket is B.NEEDS_INFO or confidence < 0.35 or not any(_platform_said(f) for f in decisive)
    questions = _questions(report, ctx, placeholder) if thin else ()
    if visitor:
        actions = _visitor_actions(bucket, lead, ctx)
    else:
        # a stuck builder: pushing is pointless. (A policy lock may need the commit that removes what was flagged.)
        actions = _actions(bucket, lead, decisive, facts, ctx, questions, draft=email is not None,
                           unstick=bucket is B.LIFECYCLE_STUCK and not stop_pushing)
    return Verdict(
        bucket=bucket,
        confidence=round(confidence, 3),
        alternatives=alternatives,
        space=ctx.space,
        placeholder=placeholder,
        decisive=_decisive_line(lead),
        evidence=_evidence_lines(bucket, lead, decisive, findings, report, ctx),
        next_actions=actions,
        stop_doing=_stop_lines(bucket, lead, report, ctx, codes, visitor, pushed if stop_pushing else None),
        stop_pushing_commits=stop_pushing,
        unavailable=_unavailable(ev, ctx),
        email=email,
        visitor=visitor,
        language=detect_language(report.text),
    )


def _lead(bucket: Bucket, decisive: list[Finding], report: Report) -> Finding | None:
    """The finding whose line decided the bucket: the strongest platform message, else the sentence the reading
    quotes, else the strongest of the person's words."""
    platform = next((f for f in decisive if _platform_said(f) and f.quote), None)
    if platform is not None:
        return platform
    reading = next((f for f in decisive if f.code == "reading" and f.quote), None)
    return reading or next((f for f in decisive if f.quote), None)


def _decisive_line(lead: Finding | None) -> DecisiveLine | None:
    if lead is None:
        return None
    if _from_stage(lead) and lead.code.startswith("stage_"):  # the live stage itself decided: cite it as live state
        message = _scrub(logs.shorten(lead.facts.get("error_message", ""), 120))
        cited = Phrase.of("ev.live", stage=lead.facts.get("stage"), message=message)
    else:
        cited = _said(lead)
    return DecisiveLine(quote=_scrub(lead.quote), source=lead.source, code=lead.code,
                        facts={k: _scrub(v) for k, v in lead.facts.items()}, platform=_platform_said(lead), cited=cited)


def _is_visitor(report: Report, codes: set[str]) -> bool:
    """Someone else's Space ("your demo is down"): a visitor's words, or the reading's visitor head when the words
    raised it (its base rate, from requests that were two thirds visitors, is above VISITOR_MIN by itself); an
    owner's words ("my Space", "I deployed") win."""
    if codes & _OWNERS_ONLY:
        return False
    if "visitor_words" in codes:
        return True
    r = report.reading
    return r is not None and r.visitor > max(VISITOR_MIN, reading.visitor_base_rate())


def _confidence(bucket: Bucket, scores: dict[Bucket, float],
                findings: list[Finding]) -> tuple[float, tuple[Alternative, ...]]:
    """The chosen bucket's share of the evidence, raised to DECIDED_CONFIDENCE when precedence or a decisive
    platform message chose it; the alternatives share what is left, in score order (so all sum to ≤ 1)."""
    top = max(scores.values(), default=0.0)
    if bucket is B.NEEDS_INFO:
        confidence = min(0.9, max(0.3, 1.0 - top / (top + PRIOR_MASS)))
    else:
        own = scores[bucket]
        confidence = own / (sum(scores.values()) + PRIOR_MASS) + (0.1 if own >= 3.0 else 0.0)
        if not any(f.bucket is bucket and _platform_said(f) for f in findings):
            confidence = min(confidence, PROSE_CONFIDENCE)  # words alone: an honest best guess
        elif _decided(bucket, scores, findings):
            runner_up = max((s for b, s in scores.items() if b is not bucket), default=0.0)
            confidence = max(confidence, DECIDED_CONFIDENCE + 0.05 * max(0.0, 1.0 - runner_up / own))
        confidence = min(MAX_CONFIDENCE, confidence)
    others = sorted(((b, s) for b, s in scores.items() if b is not bucket and s > 0), key=lambda kv: -kv[1])
    rest = sum(s for _, s in others) + PRIOR_MASS
    alternatives = tuple(Alternative(b, round((1.0 - confidence) * s / rest, 3)) for b, s in others[:MAX_ALTERNATIVES])
    return confidence, alternatives


def _platform_said(f: Finding) -> bool:
    """Said by the platform (live evidence, or a platform message pasted in a report), not inferred from prose."""
    return f.source != "text" or f.code in _RULE_CODES


def _decided(bucket: Bucket, scores: dict[Bucket, float], findings: list[Finding]) -> bool:
    strongest: dict[Bucket, float] = defaultdict(float)
    for f in findings:
        if f.bucket is not None and _platform_said(f):
            strongest[f.bucket] = max(strongest[f.bucket], f.weight)
    if bucket is B.MODERATION_LOCK and scores[bucket] >= MODERATION_FLOOR:
        return strongest[bucket] >= MODERATION_FLOOR  # policy wording or an abuse record: precedence (Branch A)
    if bucket is B.PLATFORM_INCIDENT and any(f.bucket is bucket and f.source in ("status", "recent") for f in findings):
        return scores[bucket] >= PLATFORM_FLOOR
    live_stage_agrees = any(f.bucket is bucket and _from_stage(f) for f in findings)
    if strongest[bucket] < (AGREEING_WEIGHT if live_stage_agrees else DECISIVE_WEIGHT):
        return False
    # a decisive message that another decisive message contradicts decides nothing by itself
    return not any(w >= DECISIVE_WEIGHT for b, w in strongest.items() if b is not bucket)


def _scrub(text: str) -> str:
    """Quotes come from what people paste and what the Hub returns: no credential leaves in a reply."""
    return redact(text).text


def _core(quote: str) -> str:
    return quote.strip(" …“”\"'.").lower()


def overlaps(a: str, b: str) -> bool:
    """Two quotes of the same words: one holds the other, or they are overlapping windows of one line."""
    a, b = _core(a), _core(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    k = min(24, len(a), len(b))
    return a[:k] in b or b[:k] in a


_LIVE_CODES = frozenset({"commits_no_build", "commits_since_running", "building_long", "abuse_record",
                         "space_not_found"})


def _said(f: Finding) -> Phrase:
    """A cited finding: our own sentence from its facts, or the platform's or the person's words, quoted."""
    if f.code in OWN_WORDS:
        return Phrase.of(f"ev.{f.code}", **{k: _scrub(v) for k, v in f.facts.items()})
    return Phrase.of("ev.quote", source=f.source, quote=_scrub(f.quote))


def _evidence_lines(bucket: Bucket, lead: Finding | None, decisive: list[Finding], findings: list[Finding],
                    report: Report, ctx: Context) -> tuple[Phrase, ...]:
    """Live state first, in one line ("runtime PAUSED; 6 commits since 20:14 UTC started no build"), then the
    decisive messages and at most two report quotes; a fact already cited (the decisive line first) is never
    cited again."""
    lines: list[Phrase] = []
    cited: list[str] = [lead.quote] if lead is not None else []
    said = {f.code for f in decisive}
    stage_said = any(_from_stage(f) for f in decisive)

    def fresh(f: Finding) -> bool:
        stage_words = _STAGE_WORDS.get(f.code) in said or (f.code == "reading" and stage_said)
        if stage_words and len(f.quote.split()) <= STAGE_WORDS_ONLY:
            return False
        return bool(f.quote) and f is not lead and not any(sayer in said for sayer in _SAID_BY.get(f.code, ())) \
            and not any(overlaps(f.quote, c) for c in cited)

    live = _live_line(lead, decisive, findings, ctx, cited)
    if live is not None:
        lines.append(live)
    report_quotes = 0
    for f in decisive:
        if len(lines) >= MAX_EVIDENCE or not fresh(f):
            continue
        if f.source == "text" and f.code not in _RULE_CODES and f.code not in OWN_WORDS:
            if report_quotes >= MAX_REPORT_QUOTES:
                continue
            report_quotes += 1
        cited.append(f.quote)
        lines.append(_said(f))
    header = next((f for f in findings if f.code == "build_queued_header"), None)
    if header and bucket in (B.LIFECYCLE_STUCK, B.NEEDS_INFO) and fresh(header) and len(lines) < MAX_EVIDENCE:
        lines.append(_said(header))
    if ctx.platform_context is not None and len(lines) < MAX_EVIDENCE:
        lines.append(Phrase.of("ev.meanwhile", what=_said(ctx.platform_context)))
    if report.request_ids:
        lines.append(Phrase.of("ev.request_id", id=report.request_ids[0]))
    if bucket is B.NEEDS_INFO and any(f.code == "http_503" for f in findings):
        lines.append(Phrase.of("ev.503_alone"))
    return tuple(lines)


def _from_stage(f: Finding) -> bool:
    """A Finding that restates the runtime stage (the live line already says it)."""
    return f.source == "runtime" and ("stage" in f.facts or f.code.startswith("stage_"))


def _live_line(lead: Finding | None, decisive: list[Finding], findings: list[Finding], ctx: Context,
               cited: list[str]) -> Phrase | None:
    """What the Hub says right now, in one line: the stage with its errorMessage, commits, the abuse record."""
    message = ""
    stage = ctx.stage
    if lead is not None and lead.code.startswith("stage_") and _from_stage(lead):
        stage = None  # the decisive line already is the live stage
        cited.extend(f.quote for f in findings if _from_stage(f))
    if stage:
        said = next((f for f in decisive if f.source == "runtime" and not _from_stage(f) and f.code not in _LIVE_CODES),
                    None)
        shown = said.quote if said else (logs.shorten(ctx.error_message, 120) if ctx.error_message else "")
        if shown and not any(overlaps(shown, c) for c in cited):
            message = logs.shorten(shown, 120).rstrip(".;")
            cited.append(shown)
        cited.extend(f.quote for f in findings if _from_stage(f))
    parts = tuple(_said(f) for f in findings if f.code in _LIVE_CODES and f is not lead)
    cited.extend(f.quote for f in findings if f.code in _LIVE_CODES)
    if not stage and not parts:
        return None
    return Phrase.of("ev.live", stage=stage, message=_scrub(message), parts=parts or None)


def _stop_lines(bucket: Bucket, lead: Finding | None, report: Report, ctx: Context, codes: set[str], visitor: bool,
                pushed: str | None) -> tuple[StopLine, ...]:
    """Only what applies, each with the finding that makes it apply."""
    out = []
    if pushed is not None and bucket is not B.PLATFORM_INCIDENT:  # the incident's own line says it
        out.append(StopLine("stop.pushing_policy" if bucket is B.MODERATION_LOCK else "stop.pushing", pushed))
    if bucket in _EMAIL_BUCKETS and not visitor and "duplicated" not in codes:
        # a duplicate of a stuck or locked Space hits the same wall; where the person already runs (or was told to
        # make) a duplicate, it is their way round, not a mistake
        out.append(StopLine("stop.duplicates", bucket.value))
    if bucket is B.PLATFORM_INCIDENT and not visitor:
        out.append(StopLine("stop.code_during_incident" if ctx.platform_seen else "stop.code_before_knowing",
                            lead.code if lead is not None else bucket.value))
    if report.leaked:
        out.append(StopLine("stop.tokens", "leaked:" + ",".join(report.leaked)))
    return tuple(out)


def _unavailable(ev: Evidence, ctx: Context) -> tuple[Phrase, ...]:
    missing = ev.unavailable()
    out: list[Phrase] = []
    owner_only = [n for n in ("build_log", "run_log") if "owner" in missing.get(n, "").lower()]
    space = ctx.space or "OWNER/NAME"
    if owner_only:
        out.append(Phrase.of("na.owner_logs", logs=tuple(owner_only), space=space))
    by_reason: dict[str, list[str]] = defaultdict(list)  # one line per reason: "Space info, recent commits: disabled"
    for name, reason in missing.items():
        if name in owner_only:
            continue
        if name == "runtime" and ctx.not_found:
            out.append(Phrase.of("na.private_runtime", reason=reason, space=space))
        else:
            by_reason[reason].append(name)
    out.extend(Phrase.of("na.checks", checks=tuple(names), reason=reason) for reason, names in by_reason.items())
    return tuple(out)


def _questions(report: Report, ctx: Context, placeholder: bool) -> tuple[Phrase, ...]:
    """What the seed post asks first: the real Space URL and its runtime output (`stage`, `errorMessage`)."""
    space = ctx.space or "OWNER/NAME"
    qs = []
    if placeholder:
        qs.append(Phrase.of("ask.placeholder"))
    elif ctx.space is None:
        qs.append(Phrase.of("ask.which_space"))
    if ctx.stage is None:
        qs.append(Phrase.of("ask.runtime", space=space))
    if ctx.stage == "RUNNING":
        qs.append(Phrase.of("ask.running"))
    qs.append(Phrase.of("ask.logs"))
    qs.append(Phrase.of("ask.when"))
    return tuple(qs[:MAX_QUESTIONS])


def _actions(bucket: Bucket, lead: Finding | None, decisive: list[Finding], facts: dict[str, str], ctx: Context,
             questions: tuple[Phrase, ...], *, draft: bool, unstick: bool) -> tuple[Phrase, ...]:
    """The decisive line's own action first (or, when it is the person's words, what would confirm them), at most
    one more specific action, then the bucket's way out when it is an escalation (HF review, status page)."""
    if bucket is B.NEEDS_INFO:
        return questions
    out: list[Phrase] = []
    present = {f.code for f in decisive}
    for f in decisive:
        if any(sayer in present for sayer in _SAID_BY.get(f.code, ())) or f.code not in ADVICE_CODES:
            continue
        action = _advice(f, {**facts, **f.facts}, ctx)
        if action not in out:
            out.append(action)
        if len(out) >= 2:
            break
    if not out and bucket not in _ESCALATION:
        seen = ctx.stage in ("SLEEPING", "STOPPED") or "sleeping" in ctx.text_codes  # asleep for sure, not a guess
        out.append(Phrase.of(f"act.confirm.{bucket.value}", quote=_scrub(lead.quote) if lead is not None else None,
                             seen="yes" if seen else None))
    if bucket is B.LIFECYCLE_STUCK:
        out.insert(0, _lifecycle_action(ctx, draft))  # the way out first; the findings explain why
        if ctx.stage is None:
            out.insert(0, Phrase.of("act.read_runtime", space=ctx.space or "OWNER/NAME"))
    elif bucket is B.MODERATION_LOCK:
        out.append(Phrase.of("act.moderation_review", draft="yes" if draft else None))
    elif bucket is B.PLATFORM_INCIDENT:
        out.append(Phrase.of("act.platform_wait" if ctx.platform_seen else "act.platform_check"))
    if unstick and not present & {"commits_no_build", "builder_not_dispatching", "pause_denied"}:
        out.append(Phrase.of("act.commits_wont_unstick"))
    if questions and len(out) < MAX_ACTIONS:
        out.append(questions[0])
    return tuple(dict.fromkeys(out))[:MAX_ACTIONS]


def _advice(f: Finding, facts: dict[str, str], ctx: Context) -> Phrase:
    context = {
        "python": _str(ctx.card_data.get("python_version")) or None,
        "app_port": str(_int(ctx.card_data.get("app_port")) or DEFAULT_PORT),
        "requested_hardware": ctx.requested_hardware,
    }
    args = {k: _scrub(v) for k, v in facts.items()} | {k: context[k] for k in _ACTION_CONTEXT.get(f.code, ())}
    if f.code in ("paused_by_owner",):
        args["space"] = ctx.space
    return Phrase.of(f"act.{f.code}", **args)


def _visitor_actions(bucket: Bucket, lead: Finding | None, ctx: Context) -> tuple[Phrase, ...]:
    """A visitor cannot change the Space: what its runtime says, what they themselves can do (wake it, wait for
    their GPU quota or the platform), and that only the owner can fix it, with where to tell them."""
    out: list[Phrase] = []
    if bucket is B.SLEEPING:
        out.append(Phrase.of("act.visitor.wake"))
    elif bucket is B.PLATFORM_INCIDENT:
        out.append(Phrase.of("act.platform_wait" if ctx.platform_seen else "act.platform_check"))
    elif bucket is B.HARDWARE_SCHEDULING and lead is not None and lead.code in ZEROGPU_CODES:
        out.append(Phrase.of("act.visitor.gpu_quota"))
    elif bucket is B.HARDWARE_SCHEDULING:
        out.append(Phrase.of("act.visitor.retry_later"))
    if ctx.stage:
        message = logs.shorten(ctx.error_message, 120) if ctx.error_message else ""
        quoted = lead is not None and overlaps(message, lead.quote)  # the decisive line already shows it
        out.append(Phrase.of("act.visitor.runtime_says", stage=ctx.stage,
                             message=None if quoted else _scrub(message)))
    elif ctx.space:
        out.append(Phrase.of("act.visitor.runtime_check", space=ctx.space))
    if bucket is not B.PLATFORM_INCIDENT:
        out.append(Phrase.of("act.visitor.owner", space=ctx.space))
    if ctx.space is None:
        out.append(Phrase.of("ask.which_space"))
    return tuple(out)


_PACKAGE_STEP_CODES = ("pip_no_matching", "pip_no_version", "pip_python_requires", "pip_conflict", "pip_invalid_wheel",
                       "pip_build_wheel", "apt_missing_package", "dpkg_failed", "npm_failed", "cmake_failed")
# A finding whose fact another finding of the same picture already states (more precisely).
_SAID_BY: dict[str, tuple[str, ...]] = {
    "repo_not_found": ("model_gated",), "pip_no_version": ("pip_no_matching",),
    "exit_code_reason": ("space_failed_exit",), "unexpected_job_error": ("registry_push_401",),
    "build_failed_exit": ("docker_step_failed", "job_failed", *_PACKAGE_STEP_CODES),
    "job_failed": _PACKAGE_STEP_CODES, "docker_step_failed": _PACKAGE_STEP_CODES,
    "docker_solve_failed": ("docker_step_failed",), "pip_subprocess": _PACKAGE_STEP_CODES,
    "missing_app_file": ("app_file_missing",), "launch_timeout": ("port_mismatch", "localhost_bind"),
    "builder_not_dispatching": ("commits_no_build",), "abuse_flagged": ("abuse_record", "abuse_handler"),
    "tool_then_paused": ("abuse_record", "abuse_handler"),
    "zerogpu_error": ("gpu_quota", "zerogpu_quota", "gpu_duration"),
    "zerogpu_words": ("gpu_quota", "zerogpu_quota", "gpu_duration", "zerogpu_error"),
    "gpu_quota_words": ("gpu_quota", "zerogpu_quota"),
    "getting_started_page": ("missing_app_file", "app_file_missing"),
}
# The person's words for what the live stage says: a quote of little more than those words adds nothing.
_STAGE_WORDS = {
    "build_error_banner": "stage_build_error", "runtime_error_banner": "stage_runtime_error",
    "config_error_banner": "stage_config_error", "paused": "stage_paused", "sleeping": "stage_sleeping",
    "stopped_stage": "stage_sleeping",
}
STAGE_WORDS_ONLY = 5  # words


def _lifecycle_action(c: Context, draft: bool) -> Phrase:
    """Restart, then Factory rebuild, then HF: starting from the step the person has not tried yet."""
    restarted = bool(c.text_codes & {"restart_fails", "restart_failed_banner"})
    rebuilt = "factory_rebuild_fails" in c.text_codes
    email = "yes" if draft else None
    if rebuilt:
        return Phrase.of("act.lifecycle_email", restarted="yes" if restarted else None, draft=email)
    return Phrase.of("act.lifecycle_rebuild" if restarted else "act.lifecycle_restart", stage=c.stage, draft=email)


def _email(bucket: Bucket, facts: dict[str, str], findings: list[Finding], report: Report,
           ctx: Context) -> SupportEmail:
    """The support e-mail's fields from what was seen: live evidence, else a runtime answer pasted in the text."""
    pasted = report.pasted_runtime or {}
    stage = ctx.stage or _str(pasted.get("stage")) or None
    message = ctx.error_message or _str(pasted.get("errorMessage")) or None
    hardware = pasted.get("hardware") if isinstance(pasted.get("hardware"), Mapping) else {}
    flag = None
    if bucket is B.MODERATION_LOCK:
        rule = facts.get("rule") or facts.get("reason") or facts.get("tool")
        flag = logs.shorten(rule, 100) if rule else None
    tried = [f.quote for f in findings if f.code in ("restart_fails", "factory_rebuild_fails", "restart_failed_banner")]

    def clean(value: str | None) -> str | None:
        return _scrub(value) if value else None

    return SupportEmail(
        policy=bucket is B.MODERATION_LOCK,
        space=ctx.space,
        request_id=report.request_ids[0] if report.request_ids else None,
        stage=stage if stage and stage.isascii() and len(stage) <= 40 else None,
        error_message=clean(logs.shorten(message, 120)) if stage and message else None,
        build_log=ctx.build_log_state,
        run_log=ctx.run_log_state,
        sdk=ctx.sdk,
        hardware=(ctx.hardware or ctx.requested_hardware or _str(hardware.get("current") or hardware.get("requested"))
                  or None),
        last_commit=ctx.running_sha or _str(pasted.get("sha")) or None,
        commits_since=ctx.commits_since if ctx.since else 0,
        since=_hhmm(ctx.since) if ctx.since else None,
        already_tried=clean(logs.shorten(tried[0], 100)) if tried else None,
        flag=clean(flag),
    )
