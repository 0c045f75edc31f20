"""The decision tree: (Report, Evidence) → Verdict. Pure: no I/O, no clock, no randomness.

Every observation is a Finding with a bucket and a weight; live evidence is turned into
Findings too (runtime stage and errorMessage, commits since the running sha, logs, status page,
recent similar reports). A bucket's score is its strongest Finding plus a quarter of the others,
so corroboration helps without letting many weak hints outvote one platform message. Precedence
follows the seed post: policy/scanner wording first, a platform incident whenever many Spaces
fail at once, otherwise the best score; "503" alone and too little evidence give `needs_info`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from . import logs
from .model import (
    Alternative, Bucket, Commit, Evidence, Finding, Ok, Report, RuntimeState, SpaceInfo, StatusPage, Unavailable, Verdict,
)

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

SOURCE_LABEL = {
    "text": "report", "build_log": "build log", "run_log": "container log", "runtime": "runtime",
    "info": "Space info", "commits": "commits", "status": "status page", "recent": "recent reports",
}
CHECK_LABEL = {
    "runtime": "runtime state", "info": "Space info", "commits": "recent commits", "build_log": "build log",
    "run_log": "container log", "status": "status page",
}


@dataclass
class Context:
    """What the evidence said, kept for the wording of actions and the e-mail draft."""

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
    platform_context: str | None = None  # an incident seen while the Space's own state explains the failure


def decide(report: Report, evidence: Evidence = Evidence()) -> Verdict:
    """The most likely bucket with its evidence, next actions and, when HF must act, an e-mail draft."""
    ctx = Context(space=_space_id(report, evidence), text_codes={f.code for f in report.findings})
    live = _evidence_findings(evidence, ctx)
    findings = list(report.findings) + _reading_findings(report) + live
    findings += _derived_findings(findings, report, ctx)
    scores = _scores(findings, ctx)
    if B.PLATFORM_INCIDENT in scores and _own_story(live, ctx):
        # the Space's own state explains what people see: an incident at the same time is context, not the cause
        platform = max((f for f in findings if f.bucket is B.PLATFORM_INCIDENT), key=lambda f: f.weight)
        ctx.platform_context = platform.quote
        del scores[B.PLATFORM_INCIDENT]
    bucket = _choose(scores, findings, report, _needs_info_floor(report, live, evidence))
    return _verdict(bucket, scores, findings, report, evidence, ctx)


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
    if report.reading is None or evidence.runtime is not None or any(f.bucket is not None and f.weight > 0 for f in live):
        return NEEDS_INFO_FLOOR
    return min(NEEDS_INFO_CEILING, max(NEEDS_INFO_FLOOR, READING_WEIGHT * report.reading.probabilities.get(B.NEEDS_INFO, 0.0)))


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
        out.append(Finding("space_not_found", None, 0.0, f"the Hub says: {ev.runtime.reason}", "runtime"))
    refused = [p.reason for p in (ev.runtime, ev.info) if isinstance(p, Unavailable)]
    if "disabled" in refused and not any(f.code == "space_disabled" for f in out):
        # the Hub refuses with "Access to this resource is disabled.": the same fact as SpaceInfo.disabled
        out.append(Finding("space_disabled", B.MODERATION_LOCK, 3.5, "the Hub says access to this Space is disabled", "info"))
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
    out = [Finding(code, bucket, weight, quote, "runtime", {"stage": stage})]
    if message:
        out += logs.analyze(message, "runtime")
    abuse = rs.abuse or raw.get("abuse")
    if isinstance(abuse, Mapping) and abuse:
        facts = {k: _str(abuse.get(k)) for k in ("detector", "reason", "flaggedAt") if abuse.get(k)}
        detail = facts.get("reason") or facts.get("detector") or "abuse record present"
        out.append(Finding("abuse_record", B.MODERATION_LOCK, 6.0, f"abuse record: {logs.shorten(detail, 120)}", "runtime", facts))
    return out


def _info_findings(info: SpaceInfo, ctx: Context) -> list[Finding]:
    card = dict(info.card_data or {})
    ctx.card_data, ctx.sdk = card, (info.sdk or _str(card.get("sdk")) or None)
    out: list[Finding] = []
    if info.disabled:
        out.append(Finding("space_disabled", B.MODERATION_LOCK, 3.5, "the Hub says access to this Space is disabled", "info"))
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
    building_long = ctx.stage in ("BUILDING", "RUNNING_BUILDING") and _minutes_since(newer[0].created_at, ev) >= BUILDING_TOO_LONG_MIN
    queued_in_words = ctx.stage is None and ctx.text_codes & {"build_queued", "builder_not_dispatching"}
    stuck = ctx.stage == "PAUSED" or building_long or bool(queued_in_words)
    counted = _count(len(newer), "commit")
    if stuck:
        return [Finding("commits_no_build", B.LIFECYCLE_STUCK, 3.6, f"{counted} since {since} started no build", "commits", facts)]
    return [Finding("commits_since_running", None, 0.0, f"{counted} since {since} not running yet", "commits", facts)]


def _building_since_change(info: SpaceInfo, ev: Evidence, ctx: Context) -> list[Finding]:
    """Still BUILDING long after the repo last changed: the build is not progressing."""
    if ctx.stage not in ("BUILDING", "RUNNING_BUILDING") or info.last_modified is None:
        return []
    minutes = _minutes_since(info.last_modified, ev)
    if minutes < BUILDING_TOO_LONG_MIN:
        return []
    return [Finding("building_long", B.LIFECYCLE_STUCK, 2.4,
                    f"still {ctx.stage} {int(minutes)} min after the last change at {_hhmm(info.last_modified)}", "info",
                    {"minutes": str(int(minutes))})]


def _status_findings(sp: StatusPage) -> list[Finding]:
    out = []
    for name, status in sp.degraded:
        spaces = "space" in name.lower()
        out.append(Finding("status_spaces_degraded" if spaces else "status_degraded", B.PLATFORM_INCIDENT,
                           4.0 if spaces else 1.5, f"{name} is {status}", "status", {"component": name}))
    for title, state in sp.open_reports:
        spaces = "space" in title.lower()
        out.append(Finding("status_open_report", B.PLATFORM_INCIDENT, 4.0 if spaces else 3.0,
                           f"open report “{logs.shorten(title, 80)}” ({state})", "status", {"report": title}))
    if not out and sp.aggregate_state.lower() not in ("operational", ""):
        out.append(Finding("status_not_operational", B.PLATFORM_INCIDENT, 1.0, f"overall state {sp.aggregate_state}", "status"))
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
                           f"{len(owners)} Spaces of different owners named in one report", "text"))
    several = codes & {"account_wide", "many_spaces_failing", "others_too", "not_only_mine"} or len(report.spaces) >= 2
    if "registry_push_401" in codes and several:
        # the builder cannot push images for several Spaces at once: the registry fails, not their Dockerfiles
        push = next(f for f in findings if f.code == "registry_push_401")
        out.append(Finding("registry_push_many", B.PLATFORM_INCIDENT, 4.0, push.quote, push.source, push.facts))
    if "build_queued_header" in codes and not any(f.bucket is B.BUILD_FAILURE for f in findings) and ctx.stage is None:
        # a pasted build log that is nothing but its queue line: the builder never ran a step
        header = next(f for f in findings if f.code == "build_queued_header")
        out.append(Finding("queued_header_only", B.LIFECYCLE_STUCK, 1.4, header.quote, header.source, header.facts))
    if codes & _LIFECYCLE_TEXT_CODES and ctx.stage in _STUCK_STAGES and not any(f.code == "commits_no_build" for f in findings):
        out.append(Finding("stage_confirms_stuck", B.LIFECYCLE_STUCK, 2.4,
                           f"runtime stage is {ctx.stage}, as described", "runtime"))
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
    sdk = ctx.sdk or next(((f.facts.get("sdk") or f.facts.get("sdk2", "")).lower() for f in findings if f.code == "sdk_named"), None)
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
            out.append(Finding("port_mismatch", B.PORT_HEALTHCHECK, weight if port == STREAMLIT_PORT else 2.2, f.quote, f.source,
                               {"port": str(port), "expected": str(expected), "why": why}))
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
        when = when.astimezone(timezone.utc)
    return when.strftime("%H:%M UTC")


def _minutes_since(when: datetime, ev: Evidence) -> float:
    if ev.now is None:
        return 0.0  # pure: without an explicit clock, no "too long" claim
    now, then = ev.now, when
    if (now.tzinfo is None) != (then.tzinfo is None):
        now, then = now.replace(tzinfo=None), then.replace(tzinfo=None)
    return (now - then).total_seconds() / 60


# ---- the verdict: confidence, cited evidence, actions, e-mail ---------------------------------------

PRIOR_MASS = 1.5  # score mass kept for "something not seen": no verdict is certain
DECISIVE_WEIGHT = 3.5  # a platform message or live state this strong names its bucket by itself
AGREEING_WEIGHT = 3.0  # a specific platform message (pip, traceback) decides when the live stage agrees with it
DECIDED_CONFIDENCE = 0.9  # floor for a verdict decided by precedence or by such a message
MAX_CONFIDENCE = 0.97
PROSE_CONFIDENCE = 0.55  # the most a verdict resting on the person's words alone (no platform message) can claim
MAX_EVIDENCE = 5
MAX_REPORT_QUOTES = 2
MAX_ALTERNATIVES = 4
HF_EMAIL = "website@huggingface.co"
STATUS_URL = "https://status.huggingface.co"
_RULE_CODES = frozenset(rule.code for rule in logs.RULES)
_ESCALATION = (B.LIFECYCLE_STUCK, B.MODERATION_LOCK, B.PLATFORM_INCIDENT)  # the bucket's own step is the way out


def _verdict(bucket: Bucket, scores: dict[Bucket, float], findings: list[Finding], report: Report,
             ev: Evidence, ctx: Context) -> Verdict:
    confidence, alternatives = _confidence(bucket, scores, findings)
    # what the platform said (a message, a log line) is cited before the person's prose, however it was weighed
    decisive = sorted((f for f in findings if f.bucket is bucket and f.weight > 0),
                      key=lambda f: (not _platform_said(f), -f.weight))
    facts: dict[str, str] = {}
    for f in decisive:
        for k, v in f.facts.items():
            facts.setdefault(k, v)
    placeholder = ctx.space is None and any(s.placeholder for s in report.spaces)
    stop_pushing = bucket in (B.LIFECYCLE_STUCK, B.MODERATION_LOCK) or any(f.code == "commits_no_build" for f in findings)
    # a verdict that rests on prose alone is a best guess: it says the check that would confirm it
    thin = bucket is B.NEEDS_INFO or confidence < 0.35 or not any(_platform_said(f) for f in decisive)
    questions = _questions(report, ctx, placeholder) if thin else ()
    actions = _actions(bucket, decisive, facts, ctx, questions)
    return Verdict(
        bucket=bucket,
        confidence=round(confidence, 3),
        alternatives=alternatives,
        space=ctx.space,
        placeholder=placeholder,
        evidence=_evidence_lines(bucket, decisive, findings, report, ctx),
        next_actions=actions,
        stop_doing=_stop_doing(bucket, findings, stop_pushing, ctx),
        stop_pushing_commits=stop_pushing,
        unavailable=_unavailable(ev, ctx),
        email_draft=_email(bucket, facts, findings, report, ev, ctx) if bucket in (B.LIFECYCLE_STUCK, B.MODERATION_LOCK) else None,
        questions=questions,
    )


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


_TOKEN_FALLBACK_RE = re.compile(r"\b(hf_|api_org_|sk-|ghp_|xox[abp]-)[A-Za-z0-9_\-]{8,}")


def _scrub(text: str) -> str:
    """Quotes come from what people paste: remove credentials with the project's redactor.

    Should the redactor be missing or fail, a plain mask of well-known token prefixes still keeps
    the commonest secrets out of the reply.
    """
    try:
        from .redact import redact

        return redact(text).text
    except Exception:  # noqa: BLE001 - a reply without the redactor's finesse beats no reply
        return _TOKEN_FALLBACK_RE.sub(lambda m: m.group(1) + "[REDACTED]", text)


def _core(quote: str) -> str:
    return quote.strip(" …“”\"'.").lower()


def _overlaps(a: str, b: str) -> bool:
    """Two quotes of the same words: one holds the other, or they are overlapping windows of one line."""
    a, b = _core(a), _core(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    k = min(24, len(a), len(b))
    return a[:k] in b or b[:k] in a


_LIVE_CODES = frozenset({"commits_no_build", "commits_since_running", "building_long", "abuse_record", "space_not_found"})


def _evidence_lines(bucket: Bucket, decisive: list[Finding], findings: list[Finding], report: Report,
                    ctx: Context) -> tuple[str, ...]:
    """Live state first, in one line ("runtime PAUSED; 6 commits since 20:14 UTC started no build"), then the
    decisive messages and at most two report quotes; a fact already cited is never cited again."""
    lines: list[str] = []
    cited: list[str] = []
    said = {f.code for f in decisive}
    text = " ".join(report.text.split()).lower()  # quotes are whitespace-normalised by logs.shorten

    stage_said = any(_from_stage(f) for f in decisive)

    def fresh(f: Finding) -> bool:
        stage_words = _STAGE_WORDS.get(f.code) in said or (f.code == "reading" and stage_said)
        if stage_words and len(f.quote.split()) <= STAGE_WORDS_ONLY:
            return False
        return bool(f.quote) and not any(sayer in said for sayer in _SAID_BY.get(f.code, ())) and not any(
            _overlaps(f.quote, c) for c in cited)

    live = _live_line(decisive, findings, ctx, cited)
    if live:
        lines.append(live)
    report_quotes = 0
    for f in decisive:
        if len(lines) >= MAX_EVIDENCE or not fresh(f):
            continue
        ours = f.source == "recent" or (f.source == "text" and _core(f.quote)[:24] not in text)
        if f.source == "text" and not ours and f.code not in _RULE_CODES:
            if report_quotes >= MAX_REPORT_QUOTES:
                continue
            report_quotes += 1
        cited.append(f.quote)
        if ours:
            lines.append(f.quote)  # a sentence of ours ("2 Spaces of different owners…"), not a quote
        else:
            quote = f"“{f.quote}”" if f.source == "text" or f.source.endswith("_log") else f.quote
            lines.append(f"{SOURCE_LABEL.get(f.source, f.source)}: {quote}")
    header = next((f for f in findings if f.code == "build_queued_header"), None)
    if header and bucket in (B.LIFECYCLE_STUCK, B.NEEDS_INFO) and fresh(header) and len(lines) < MAX_EVIDENCE:
        lines.append(f"{SOURCE_LABEL.get(header.source, header.source)}: “{header.quote}”")
    if ctx.platform_context and len(lines) < MAX_EVIDENCE:
        lines.append(f"meanwhile: {ctx.platform_context} — a platform incident, but not what stops this Space")
    if report.request_ids:
        lines.append(f"request id: {report.request_ids[0]}")
    if bucket is B.NEEDS_INFO and any(f.code == "http_503" for f in findings):
        lines.append("a 503 alone says the Space is not serving, not why")
    return tuple(_scrub(line) for line in lines)


def _from_stage(f: Finding) -> bool:
    """A Finding that restates the runtime stage (the live line already says it)."""
    return f.source == "runtime" and ("stage" in f.facts or f.code.startswith("stage_"))


def _live_line(decisive: list[Finding], findings: list[Finding], ctx: Context, cited: list[str]) -> str:
    """What the Hub says right now, in one line: the stage with its errorMessage, commits, the abuse record."""
    parts: list[str] = []
    if ctx.stage:
        head = f"runtime {ctx.stage}"
        message = next((f for f in decisive if f.source == "runtime" and not _from_stage(f) and f.code not in _LIVE_CODES),
                       None)
        shown = message.quote if message else (logs.shorten(ctx.error_message, 120) if ctx.error_message else "")
        if shown:
            head += f" — {logs.shorten(shown, 120).rstrip('.;')}"
            cited.append(shown)
        parts.append(head)
        cited.extend(f.quote for f in findings if _from_stage(f))
    for f in findings:
        if f.code in _LIVE_CODES:
            parts.append(f.quote)
            cited.append(f.quote)
    return "; ".join(parts)


def _stop_doing(bucket: Bucket, findings: list[Finding], stop_pushing: bool, ctx: Context) -> tuple[str, ...]:
    out = []
    if bucket is B.MODERATION_LOCK:
        out.append("pushing more commits: they do not lift a policy lock, only a review does")
    elif stop_pushing:
        out.append("pushing (empty) commits to force a build: the builder is not picking them up")
    if bucket in (B.LIFECYCLE_STUCK, B.MODERATION_LOCK):
        out.append("creating duplicate Spaces: copies of a locked or stuck Space hit the same wall")
    if bucket is B.PLATFORM_INCIDENT:
        out.append("changing your code or pushing commits while the incident lasts: the fault is platform-side"
                   if ctx.platform_seen else "changing your code before you know whether the fault is platform-side")
    if any(f.code == "missing_secret" for f in findings) or bucket in (B.LIFECYCLE_STUCK, B.MODERATION_LOCK, B.NEEDS_INFO):
        out.append("posting tokens or secrets in public (revoke any token you already posted)")
    return tuple(out)


def _unavailable(ev: Evidence, ctx: Context) -> tuple[str, ...]:
    missing = ev.unavailable()
    out: list[str] = []
    owner_only = [n for n in ("build_log", "run_log") if "owner" in missing.get(n, "").lower()]
    space = ctx.space or "OWNER/NAME"
    if owner_only:
        label = "build/run logs" if len(owner_only) == 2 else CHECK_LABEL[owner_only[0]]
        out.append(f"{label}: owner-only — the owner can run `hf spaces logs {space} --build` (without `--build`: the "
                   "container log)")
    by_reason: dict[str, list[str]] = defaultdict(list)  # one line per reason: "Space info, recent commits: disabled"
    for name, reason in missing.items():
        if name in owner_only:
            continue
        if name == "runtime" and ctx.not_found:
            out.append(f"runtime state: {reason} — if it is your private Space, run `python -m diagnosis {space}` on your "
                       "own machine (it uses your locally saved token; never paste the token anywhere)")
        else:
            by_reason[reason].append(CHECK_LABEL.get(name, name))
    out.extend(f"{', '.join(names)}: {reason}" for reason, names in by_reason.items())
    return tuple(out)


MAX_QUESTIONS = 2


def _questions(report: Report, ctx: Context, placeholder: bool) -> tuple[str, ...]:
    """What the seed post asks first: the real Space URL and its runtime output (`stage`, `errorMessage`)."""
    space = ctx.space or "OWNER/NAME"
    qs = []
    if placeholder:
        qs.append("Your Space URL is still a placeholder (like `OWNER/SPACE_NAME`): what is the real one "
                  "(https://huggingface.co/spaces/OWNER/NAME)?")
    elif ctx.space is None:
        qs.append("Which Space is it? Please share its URL (https://huggingface.co/spaces/OWNER/NAME).")
    if ctx.stage is None:
        qs.append(f"What does its runtime say? Open https://huggingface.co/api/spaces/{space}/runtime and paste `stage` "
                  "and `errorMessage` (and anything that mentions abuse).")
    if ctx.stage == "RUNNING":
        qs.append("The Hub says it is RUNNING right now. If its page still fails for you, what does the browser show "
                  "(error text, status code), and what are the last lines of Logs → Container?")
    qs.append("What do the last lines of Logs → Build and Logs → Container show? Paste them without any token.")
    qs.append("When did it stop working, and what changed just before (commit, hardware, secrets)?")
    return tuple(qs[:MAX_QUESTIONS])


def _actions(bucket: Bucket, decisive: list[Finding], facts: dict[str, str], ctx: Context,
             questions: tuple[str, ...]) -> tuple[str, ...]:
    """At most two actions specific to what was found, then the bucket's own way out when it is an escalation
    (HF review, status page) or when nothing more specific was found."""
    if bucket is B.NEEDS_INFO:
        return questions
    out: list[str] = []
    present = {f.code for f in decisive}
    for f in decisive:
        if any(sayer in present for sayer in _SAID_BY.get(f.code, ())):
            continue
        action = _ACTIONS.get(f.code)
        if action is not None:
            text = action({**facts, **f.facts}, ctx)
            if text and text not in out:
                out.append(text)
        if len(out) >= 2:
            break
    if bucket is B.LIFECYCLE_STUCK:
        out.insert(0, _BUCKET_ACTION[bucket](facts, ctx))  # the way out first; the findings explain why
    elif bucket in _ESCALATION or not out:
        out.append(_BUCKET_ACTION[bucket](facts, ctx))
    if bucket is B.LIFECYCLE_STUCK and ctx.stage is None:
        space = ctx.space or "OWNER/NAME"
        out.insert(0, f"First read the runtime state: https://huggingface.co/api/spaces/{space}/runtime — if `errorMessage` "
                      "or `abuse` mention abuse, RepoScanner, proxy, tunnel or Cloudflare, treat it as a moderation lock.")
    if questions and len(out) < 4:
        out.append(questions[0])
    return tuple(dict.fromkeys(_scrub(a) for a in out))


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
}
# The person's words for what the live stage says: a quote of little more than those words adds nothing.
_STAGE_WORDS = {
    "build_error_banner": "stage_build_error", "runtime_error_banner": "stage_runtime_error",
    "config_error_banner": "stage_config_error", "paused": "stage_paused", "sleeping": "stage_sleeping",
    "stopped_stage": "stage_sleeping",
}
STAGE_WORDS_ONLY = 5  # words


def _q(value: str | None, limit: int = 80) -> str:
    return f"`{logs.shorten(value or '?', limit)}`"


def _pin_action(facts: dict[str, str], ctx: Context) -> str:
    pkg = facts.get("package", "a pinned package")
    versions = facts.get("versions")
    seen = f" (pip offers: {logs.shorten(versions, 60)})" if versions else ""
    py = _str(ctx.card_data.get("python_version")) or "3.10 (the default)"
    return (f"The build stops at `pip install -r requirements.txt`: no installable distribution of {_q(pkg)} for Python {py}"
            f"{seen} — relax or remove that pin, or set `python_version` in the README YAML if it needs another Python.")


def _exit_meaning(code: str | None) -> str:
    return {"137": " (137 = killed, usually out of memory)", "143": " (143 = terminated: the job hit a time or memory limit)",
            "128": " (128 = the container could not start)"}.get(code or "", "")


_ACTIONS = {
    "pip_no_matching": _pin_action,
    "pip_no_version": _pin_action,
    "pip_python_requires": lambda f, c: (
        f"{_q(f.get('package'))} requires Python {f.get('requires', '?')} but the build uses {f.get('python', '?')} — set "
        f"`python_version` in the README YAML to a matching version, or pin an older {_q(f.get('package'))}."),
    "pip_conflict": lambda f, c: (
        f"pip cannot satisfy the pins together ({_q(f.get('package', 'requirements.txt'))}) — loosen the conflicting pins "
        "(remove `==` on the ones you do not need exactly)."),
    "pip_invalid_wheel": lambda f, c: (
        f"pip got a broken wheel for {_q(f.get('package'))} — pin a different version of it, then Factory rebuild once."),
    "pip_build_wheel": lambda f, c: (
        f"{_q(f.get('package') or f.get('packages'))} has no prebuilt wheel for this Python and fails to compile — pin a "
        "version that ships wheels, or add its build dependencies to `packages.txt`."),
    "apt_missing_package": lambda f, c: (
        f"`packages.txt` names {_q(f.get('package'))}, which Debian's apt cannot find — fix the name (one apt package per "
        "line) or remove it."),
    "dpkg_failed": lambda f, c: "apt/dpkg failed while installing `packages.txt` — check each package name exists in Debian.",
    "docker_step_failed": lambda f, c: (
        f"The Dockerfile step {_q(f.get('step'), 100)} exits with code {f.get('exit_code', '?')}"
        f"{_exit_meaning(f.get('exit_code'))} — reproduce it with `docker build .` locally and fix that step."),
    "job_failed": lambda f, c: (
        f"The build job failed with exit code {f.get('exit_code', '?')}{_exit_meaning(f.get('exit_code'))}"
        + (f" after {_q(f.get('reason'), 70)}" if f.get("reason") else "")
        + " — the first `ERROR` line of the full build log (Logs → Build) names the step to fix."),
    "docker_solve_failed": lambda f, c: (
        f"The Docker build cannot proceed: {_q(f.get('detail'), 100)} — fix the base image name/tag or the file it names."),
    "build_failed_exit": lambda f, c: (
        f"The build failed with exit code {f.get('exit_code', '?')} — the first `ERROR` line of the build log names the step."),
    "unexpected_build_error": lambda f, c: (
        "`Unexpected build error` is a builder-side failure, not your code: restart the Space once; if it repeats, "
        "Factory rebuild once, then report it."),
    "registry_push_401": lambda f, c: (
        "The image built but the push to HF's registry was refused (401): a platform fault, not your code — "
        "restart / Factory rebuild once and report it if it persists."),
    "npm_failed": lambda f, c: f"`npm` fails in the build ({_q(f.get('detail'))}) — pin the base image / lockfile versions.",
    "cmake_failed": lambda f, c: "A package compiles with CMake and fails — pin a version with a prebuilt wheel, or add the "
                                 "missing system libraries to `packages.txt`.",
    "build_stopped_at_step": lambda f, c: (
        f"The build log stops in step {_q(f.get('step'), 100)} — the error is in that step's output: open the full build "
        "log and fix the first `ERROR` after it."),
    "memory_limit": lambda f, c: (
        f"The container used more than {f.get('limit', 'its')} of RAM and was killed — load smaller or fewer models, load "
        "them once (not per request), use half precision/quantisation, or pick hardware with more memory."),
    "storage_evicted": lambda f, c: (
        f"The Space wrote more than {f.get('limit', 'its limit')} to its disk — download only the files you need "
        "(`allow_patterns`), clean caches and temporary outputs; the disk is ephemeral."),
    "cuda_oom": lambda f, c: "The GPU ran out of memory — smaller batch or model, half precision, or a larger GPU.",
    "missing_module": lambda f, c: (
        f"`{f.get('module', '?')}` is imported but not installed — add `{f.get('package', f.get('module', '?'))}` to "
        "requirements.txt."),
    "import_name": lambda f, c: (
        f"`{f.get('name', '?')}` cannot be imported from `{f.get('module', '?')}`: a version mismatch — pin "
        f"`{f.get('module', '?').split('.')[0]}` to the version your code was written for."),
    "missing_secret": lambda f, c: (
        f"The app reads `{f.get('secret', '?')}` and it is not set — add it in Settings → Variables and secrets as a "
        "secret (never in code or in chat), then restart."),
    "model_gated": lambda f, c: (
        f"The model {_q(f.get('repo', 'it loads'))} is gated or private — accept its terms on the model page, add an "
        "`HF_TOKEN` secret with read access and pass it when loading."),
    "hub_http_error": lambda f, c: (
        f"Downloading {_q(f.get('repo') or f.get('url'))} fails with HTTP {f.get('status', '?')} — "
        + ("the repo id or file name is wrong, or the repo was removed/renamed." if f.get("status") == "404"
           else "it is gated or private: add an `HF_TOKEN` secret with access.")),
    "repo_not_found": lambda f, c: (
        f"The model {_q(f.get('repo', 'it loads'))} cannot be found — check the id; if it is private or gated, add an "
        "`HF_TOKEN` secret with access."),
    "python_exception": lambda f, c: (
        f"The app crashes with `{f.get('exception', 'an exception')}: {logs.shorten(f.get('message', ''), 80)}` — the "
        "traceback line above it shows where; fix that and push once."),
    "space_failed_exit": lambda f, c: (
        f"The container exits with code {f.get('exit_code', '?')}{_exit_meaning(f.get('exit_code'))} — the container log "
        "above that line holds the traceback."),
    "exit_code_reason": lambda f, c: (
        f"The container exits with code {f.get('exit_code', '?')}{_exit_meaning(f.get('exit_code'))}"
        + (f": {_q(f.get('reason'))}" if f.get("reason") else "") + "."),
    "permission_denied": lambda f, c: (
        f"The app may not write {_q(f.get('path', 'there'))}: Docker Spaces run as user 1000 — write under `/tmp` or "
        "`$HOME`, or `chown 1000` that directory in the Dockerfile (`COPY --chown=user`)."),
    "disk_full": lambda f, c: "The container disk is full — download fewer/smaller files and clean caches; the disk is ephemeral.",
    "oom_killed": lambda f, c: "The process was killed (out of memory) — load smaller models or pick hardware with more RAM.",
    "invalid_token": lambda f, c: (
        "The token the app uses is invalid or revoked — create a new read token and update the `HF_TOKEN` secret in "
        "Settings (never paste it in chat)."),
    "hub_unreachable_in_app": lambda f, c: (
        "The app cannot download from the Hub at start — check the repo id, add `HF_TOKEN` for gated/private repos, or "
        "download at build time (`preload_from_hub`)."),
    "localhost_not_accessible": lambda f, c: (
        "Gradio cannot reach its own server: launch with `server_name=\"0.0.0.0\"` (no `share=True` on Spaces) and make sure "
        "no HTTP(S)_PROXY variable is set for localhost."),
    "docker_copy_failed": lambda f, c: (
        f"A Dockerfile `COPY` names a file that is not in the repo ({_q(f.get('detail'))}) — commit the file or fix the path."),
    "pip_install_oserror": lambda f, c: (
        f"pip could not install the packages ({_q(f.get('error'))}) — "
        + ("the build disk is full: drop unused packages (CUDA wheels on CPU hardware are the usual culprit) and do not "
           "download models at build time." if "no space" in f.get("error", "").lower()
           else "fix the file, path or permission it names.")),
    "pip_error": lambda f, c: "pip stops on the line quoted — fix that requirement (name, URL or file path) and push once.",
    "pip_crashed": lambda f, c: (
        f"pip itself failed during the build ({_q(f.get('exception'))}) — usually a transient download error: Factory "
        "rebuild once; if it repeats, pin the package it was downloading."),
    "container_exec_failed": lambda f, c: (
        f"The container cannot start its command {_q(f.get('path'))}: {f.get('error', '?')} — "
        + ("make the script executable (`RUN chmod +x`) and give it a `#!` line" if "permission" in f.get("error", "").lower()
           else "build the image for linux/amd64" if "format" in f.get("error", "").lower()
           else "the path is wrong or the file has Windows line endings")
        + "."),
    "dockerfile_missing": lambda f, c: (
        "The Docker Space has no `Dockerfile` at the repo root — add one (named exactly `Dockerfile`), or change `sdk:` in "
        "the README YAML to the SDK your app uses."),
    "bind_failed": lambda f, c: (
        f"The server cannot open port {f.get('port', '?')}"
        + (f" ({f['reason']})" if f.get("reason") else "")
        + f" — Spaces run as a normal user: listen on {_int(c.card_data.get('app_port')) or DEFAULT_PORT} (above 1024) and "
          "set `app_port` to it in the README YAML."),
    "asgi_import_failed": lambda f, c: (
        f"uvicorn cannot load the app ({_q(f.get('detail'))}) — the `module:app` in the start command must match the file "
        "name and the variable (e.g. `main:app` for `app = FastAPI()` in `main.py`), run from the directory holding it."),
    "command_not_found": lambda f, c: (
        f"The start command {_q(f.get('command'))} is not installed or not on PATH in the image — install it in the "
        "Dockerfile (and run it as `python -m …`), or fix the command name."),
    "build_killed": lambda f, c: (
        f"The build was killed during {_q(f.get('step'), 100)} (out of memory) — install fewer/lighter packages (CPU wheels "
        "of torch on CPU hardware), or split the step."),
    "segfault": lambda f, c: (
        "The process crashed in native code (segmentation fault) — usually a compiled package built for another CPU/CUDA "
        "or NumPy version: pin versions that match (e.g. `numpy<2` for older wheels) or use the package's CPU build."),
    "node_module_missing": lambda f, c: (
        f"Node cannot find {_q(f.get('module'))} — fix the start command's path, or build/copy that file in the Dockerfile."),
    "billing_ended": lambda f, c: (
        "Paid hardware without an active plan or credits stays paused — switch the Space to cpu-basic in Settings, or "
        "restore billing, then restart."),
    "getting_started_page": lambda f, c: (
        "The Space shows its getting-started page: the repo has no app file yet — add `app.py` (Gradio/Streamlit), "
        "a `Dockerfile` (Docker) or `index.html` (static), or point `app_file:` in the README YAML at your entry file."),
    "pause_denied": lambda f, c: (
        "Nobody paused it: a Space paused without its owners is held by HF (lifecycle or review) — do not push commits "
        "to wake it; send the e-mail below."),
    "pip_externally_managed": lambda f, c: (
        "pip refuses to install into the system Python (externally-managed-environment) — use a venv in the Dockerfile "
        "or a `python:` base image."),
    "repo_disabled": lambda f, c: "The Hub disabled access to this Space: no commit or restart can undo that, only a "
                                  "review by HF.",
    "port_in_use": lambda f, c: (
        f"Port {f.get('port', '7860')} is already taken inside the container — call `launch()` / `app.run()` only once "
        "and start only one server."),
    "localhost_bind": lambda f, c: (
        "The server listens on 127.0.0.1, which the Space proxy cannot reach — bind to 0.0.0.0 (`server_name=\"0.0.0.0\"` "
        "or `--host 0.0.0.0`)."),
    "port_mismatch": lambda f, c: (
        f"The app listens on port {f.get('port')} but {f.get('why')} — set `app_port: {f.get('port')}` in the README YAML "
        f"(Docker Spaces) or make the server listen on {f.get('expected')}."),
    "launch_timeout": lambda f, c: (
        f"The app was not healthy within {f.get('after', '30 min')}: make it bind 0.0.0.0 on "
        f"{_int(c.card_data.get('app_port')) or DEFAULT_PORT} and answer HTTP soon after start; move big downloads to "
        "build time (`preload_from_hub`) or raise `startup_duration_timeout` in the README YAML."),
    "scheduling_failure": lambda f, c: (
        f"The Space could not be scheduled ({_q(f.get('reason'))}) — restart later, or switch hardware in Settings "
        f"({'now requested: ' + c.requested_hardware if c.requested_hardware else 'cpu-basic is the easiest to place'})."),
    "gpu_quota": lambda f, c: (
        "The ZeroGPU daily quota is used up"
        + (f" ({f['requested']}s requested vs {f['left']}s left)" if f.get("requested") and f.get("left") else "")
        + " — wait for the rolling reset, use the Space while logged in (anonymous visitors get the smallest quota), "
          "or lower `@spaces.GPU(duration=…)`."),
    "zerogpu_unavailable": lambda f, c: (
        "ZeroGPU could not give or keep a GPU (none free, or the call outran `@spaces.GPU(duration=…)`) — retry later, "
        "shorten the GPU work or raise `duration`, or use dedicated GPU hardware."),
    "no_gpu_words": lambda f, c: (
        "No GPU was free for the Space — retry in a few minutes; on ZeroGPU keep `@spaces.GPU(duration=…)` short, or "
        "switch to dedicated GPU hardware."),
    "no_cuda": lambda f, c: "The code needs a GPU but the Space runs without one — pick GPU hardware or make it fall back to CPU.",
    "missing_app_file": lambda f, c: (
        "The repo has no app file: add `app.py` (Gradio) or a `Dockerfile` (Docker), or point `app_file:` in the README "
        "YAML at your entry file."),
    "app_file_missing": lambda f, c: (
        f"The repo has no `{f.get('app_file')}` for its `{f.get('sdk')}` SDK — add it or fix `app_file:` in the README YAML."),
    "abuse_handler": lambda f, c: (
        f"The abuse handler matched rule {_q(f.get('rule', 'unknown'))}: remove that component (tunnels, proxies, "
        "remote desktops/terminals are not allowed) before asking for a review."),
    "abuse_record": lambda f, c: (
        f"The runtime carries an abuse record ({_q(f.get('reason') or f.get('detector'))}) — remove what it names, then ask "
        "for a review."),
    "tool_then_paused": lambda f, c: (
        (f"The Space was stopped right after adding {_q(f.get('tool'))}" if f.get("context") == "added"
         else f"Your Space runs {_q(f.get('tool'))}")
        + ": tunnels, proxies and remote desktops trip the policy scanner — remove it, then ask for a review."),
    "commits_no_build": lambda f, c: (
        f"{_count(_int(f.get('count')) or 0, 'commit')} since {f.get('since')} started no build: the "
        "builder is not dispatching for this Space, and no commit can fix that from your side."),
    "builder_not_dispatching": lambda f, c: (
        "What you describe is a builder that never starts: no commit or code change can fix that from your side — "
        "it needs HF-side inspection."),
    "restart_failed_banner": lambda f, c: (
        "Note the time of the failed restart and its request id (`Root=1-…`, if shown): HF needs both to find it in "
        "their logs."),
    "paused_by_owner": lambda f, c: "The owner paused this Space; only they can restart it — ask in its Community tab.",
    "space_disabled": lambda f, c: "The Hub disabled access to this Space: no commit or restart can undo that, only a "
                                   "review by HF.",
}

_BUCKET_ACTION = {
    B.BUILD_FAILURE: lambda f, c: "Open Logs → Build and fix the first `ERROR` line (a dependency pin, `packages.txt` or a "
                                  "Dockerfile step); push one fix, not many.",
    B.RUNTIME_CRASH: lambda f, c: "Open Logs → Container and fix the last exception it shows; the Space restarts on the next push.",
    B.PORT_HEALTHCHECK: lambda f, c: (
        f"Make the server listen on 0.0.0.0:{_int(c.card_data.get('app_port')) or DEFAULT_PORT} (Docker: `app_port` in "
        "the README YAML and `EXPOSE` must match the port your app prints)."),
    B.LIFECYCLE_STUCK: lambda f, c: _lifecycle_action(c),
    B.MODERATION_LOCK: lambda f, c: f"Email {HF_EMAIL} with the draft below and ask for a review; no more commits meanwhile.",
    B.PLATFORM_INCIDENT: lambda f, c: (
        f"Wait for the platform to recover: follow {STATUS_URL} (it can lag behind a fresh incident) and re-check your "
        "Space once it is resolved." if c.platform_seen else
        f"Check {STATUS_URL}: if Spaces show an incident, wait for it to be resolved; if all is green, it may be your "
        "Space alone — share its runtime `stage` and `errorMessage`."),
    B.CONFIG_ERROR: lambda f, c: "Fix the README YAML header (`sdk`, `app_file`, `app_port`, `sdk_version`) so it matches "
                                 "your repo.",
    B.HARDWARE_SCHEDULING: lambda f, c: "Restart later or pick other hardware in Settings; no code change is needed.",
    B.SLEEPING: lambda f, c: (
        ("Nothing is broken" if c.stage in ("SLEEPING", "STOPPED") or "sleeping" in c.text_codes
         else "If the Space page says Sleeping, nothing is broken")
        + ": a free Space sleeps after a while without visitors. Open its page to wake it (the owner can also press "
          "Restart in Settings)."),
}


def _lifecycle_action(c: Context) -> str:
    """Restart, then Factory rebuild, then HF: starting from the step the person has not tried yet."""
    restarted = bool(c.text_codes & {"restart_fails", "restart_failed_banner"})
    rebuilt = "factory_rebuild_fails" in c.text_codes
    stage = c.stage or "PAUSED / Build Queued"
    if rebuilt:
        tried = "restart and Factory rebuild" if restarted else "Factory rebuild"
        return (f"Email {HF_EMAIL} with the draft below: {tried} already failed, and only HF can unstick a Space whose "
                "builder does not start.")
    first = "Try one Factory rebuild (Settings)" if restarted else "Try one restart, then one Factory rebuild (Settings)"
    return f"{first}; if the Space stays {stage}, email {HF_EMAIL} with the draft below."


def _email(bucket: Bucket, facts: dict[str, str], findings: list[Finding], report: Report, ev: Evidence,
           ctx: Context) -> str:
    space = ctx.space
    url = f"https://huggingface.co/spaces/{space}" if space else "<the Space URL>"
    owner = space.split("/")[0] if space else "<your username>"
    runtime = (f"stage={ctx.stage}" + (f", errorMessage={logs.shorten(ctx.error_message, 120)}" if ctx.error_message else "")
               if ctx.stage else f"<output of https://huggingface.co/api/spaces/{space or 'OWNER/NAME'}/runtime>")
    if ctx.commits_since:
        recent = f"{_count(ctx.commits_since, 'commit')} since {_hhmm(ctx.since)}, no build started" if ctx.since else ""
    else:
        recent = "<recent changes>"
    subject = ("Space paused by a policy/abuse check - request for review (possible false positive)"
               if bucket is B.MODERATION_LOCK else "Space stuck in PAUSED / Build Queued / 503 loop - lifecycle lock?")
    lines = [
        f"To: {HF_EMAIL}",
        f"Subject: {subject}",
        "",
        f"Space URL: {url}",
        f"HF username: {owner}",
        f"Request ID: {report.request_ids[0] if report.request_ids else '<Root=1-… from the failed restart, if shown>'}",
        "Exact failed restart time, with timezone: <YYYY-MM-DD HH:MM UTC>",
        f"Runtime API output: {runtime}",
        f"Build log status: {ctx.build_log_state or '<updates / frozen / empty>'}",
        f"Container log status: {ctx.run_log_state or '<updates / frozen / empty>'}",
        f"SDK type: {ctx.sdk or '<gradio / docker / static>'}",
        f"Hardware: {ctx.hardware or ctx.requested_hardware or '<cpu-basic / …>'}",
        f"Last known working commit: {ctx.running_sha or '<sha>'}",
        f"Recent changes: {recent}",
        "What the Space does: <one or two sentences>",
    ]
    if bucket is B.MODERATION_LOCK:
        rule = facts.get("rule") or facts.get("reason") or facts.get("tool")
        if rule:
            lines.append(f"Flag shown: {logs.shorten(rule, 100)}")
        lines.append("Why it is not a proxy/tunnel/relay/scraper/spam/abuse service: <explain>")
        lines.append("Suspicious files/dependencies already removed: <list>")
    else:
        tried = [f.quote for f in findings if f.code in ("restart_fails", "factory_rebuild_fails", "restart_failed_banner")]
        lines.append(f"Already tried: {logs.shorten(tried[0], 100) if tried else '<restart / factory rebuild>'}")
    return _scrub("\n".join(lines))
