"""decide(report, evidence): each bucket from live evidence, precedence, needs_info, and safe output.

Replies are checked by what they say (keys, facts, the quoted line), not by their wording: tests/helpers.py."""
import json
import random
import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from diagnosis.extract import parse_report
from diagnosis.model import (
    Bucket,
    Commit,
    Evidence,
    IncidentSignal,
    Ok,
    Phrase,
    RuntimeState,
    SpaceInfo,
    StatusPage,
    Unavailable,
)
from diagnosis.render import email_draft, to_discourse, to_embed, to_json, to_markdown, worded
from diagnosis.tree import decide
from sandbox.secretgen import SecretGen
from tests.helpers import action_keys, advised, cited, cited_codes, leaked_fragments, report, stops, values

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


def runtime(stage, message=None, **kw):
    return Ok(RuntimeState(stage=stage, error_message=message, **kw))


UNREADABLE = Unavailable("timed out after 3.0 s")


def live(text="", **evidence):
    evidence.setdefault("space", "alice/chat")
    return decide(parse_report(text), Evidence(now=NOW, **evidence))


def commits_since(n, running="f" * 40, step_minutes=10):
    newer = tuple(Commit(id=f"{i:040x}", title="empty commit", created_at=NOW - timedelta(minutes=step_minutes * i))
                  for i in range(1, n + 1))
    return newer + (Commit(id=running, title="working", created_at=NOW - timedelta(days=1)),)


@pytest.mark.parametrize("stage, message, bucket", [
    ("BUILD_ERROR", "ERROR: No matching distribution found for torch==1.8.0", Bucket.BUILD_FAILURE),
    ("RUNTIME_ERROR", "Memory limit exceeded (16Gi)", Bucket.RUNTIME_CRASH),
    ("RUNTIME_ERROR", "Scheduling failure: not enough hardware capacity", Bucket.HARDWARE_SCHEDULING),
    ("RUNTIME_ERROR", "Launch timed out, workload was not healthy after 30 min", Bucket.PORT_HEALTHCHECK),
    ("RUNTIME_ERROR", "ModuleNotFoundError: No module named 'cv2'", Bucket.RUNTIME_CRASH),
    ("CONFIG_ERROR", None, Bucket.CONFIG_ERROR),
    ("NO_APP_FILE", None, Bucket.CONFIG_ERROR),
    ("SLEEPING", None, Bucket.SLEEPING),
    ("STOPPED", None, Bucket.SLEEPING),
    ("PAUSED", "Flagged as abusive", Bucket.MODERATION_LOCK),
])
def test_bucket_from_runtime(stage, message, bucket):
    v = live("my space is broken", runtime=runtime(stage, message))
    assert v.bucket is bucket
    assert stage in cited(v)


def test_build_error_names_the_pin():
    v = live(runtime=runtime("BUILD_ERROR", "ERROR: No matching distribution found for torch==1.8.0"),
             info=Ok(SpaceInfo(id="alice/chat", sdk="gradio", card_data={"python_version": "3.12"})))
    first = v.next_actions[0]
    assert first.key == "act.pip_no_matching" and first.get("package") == "torch==1.8.0"
    assert first.get("python") == "3.12"


def test_paused_with_commits_since_running_sha_stops_pushing():
    v = live(runtime=runtime("PAUSED", sha="f" * 40), commits=Ok(commits_since(6)))
    assert v.bucket is Bucket.LIFECYCLE_STUCK and v.stop_pushing_commits  # the repo shows commits that built nothing
    assert v.decisive.code == "commits_no_build" and v.decisive.facts == {"count": "6", "since": "20:00 UTC"}
    assert {"stop.pushing": "commits_no_build"}.items() <= {s.key: s.because for s in v.stop_doing}.items()
    assert v.email.space == "alice/chat" and v.email.stage == "PAUSED" and v.email.commits_since == 6
    assert "https://huggingface.co/spaces/alice/chat" in email_draft(v)


def test_building_long_after_last_commit_is_stuck_but_fresh_build_is_not():
    old = live(runtime=runtime("BUILDING", sha="f" * 40), commits=Ok(commits_since(2, step_minutes=40)))
    assert old.bucket is Bucket.LIFECYCLE_STUCK and old.stop_pushing_commits
    fresh = live(runtime=runtime("BUILDING", sha="f" * 40), commits=Ok(commits_since(1, step_minutes=2)))
    assert "commits_no_build" not in cited_codes(fresh)


def test_abuse_record_wins_over_everything():
    v = live("ModuleNotFoundError: No module named 'x'\nBuild failed with exit code: 1",
             runtime=Ok(RuntimeState(stage="PAUSED", abuse={"detector": "abuse-handler",
                                                            "reason": "Blocked by abuse-handler by rule: Cloudflare"})),
             status=Ok(StatusPage("degraded", degraded=(("Spaces", "degraded"),))))
    assert v.bucket is Bucket.MODERATION_LOCK
    assert not v.stop_pushing_commits and "stop.pushing_policy" not in stops(v)  # nobody said they pushed anything
    assert "Cloudflare" in advised(v) and v.email is not None and v.email.policy
    assert "Why it is not a proxy" in email_draft(v)


def test_status_page_incident_and_recent_reports():
    v = live("my space is stuck building", status=Ok(StatusPage("degraded", degraded=(("Spaces Proxy", "degraded"),))))
    assert v.bucket is Bucket.PLATFORM_INCIDENT and "Spaces Proxy" in cited(v)
    v = live("my space is stuck building", incident=IncidentSignal(5, 30, Bucket.LIFECYCLE_STUCK))
    assert v.bucket is Bucket.PLATFORM_INCIDENT
    assert v.decisive.code == "recent_similar" and v.decisive.facts["similar"] == "5"
    assert v.decisive.facts["window"] == "30"


def test_port_mismatch_against_app_port():
    v = live("my space page shows 503 forever. logs: Uvicorn running on http://0.0.0.0:8000",
             runtime=runtime("APP_STARTING"),
             info=Ok(SpaceInfo(id="alice/chat", sdk="docker", card_data={"app_port": 7860})))
    assert v.bucket is Bucket.PORT_HEALTHCHECK
    assert v.next_actions[0].key == "act.port_mismatch" and v.next_actions[0].get("port") == "8000"
    same = live("my space logs: Uvicorn running on http://0.0.0.0:8000", runtime=runtime("APP_STARTING"),
                info=Ok(SpaceInfo(id="alice/chat", sdk="docker", card_data={"app_port": 8000})))
    assert "act.port_mismatch" not in action_keys(same)


def test_missing_app_file_from_repo_files():
    v = live(info=Ok(SpaceInfo(id="alice/chat", sdk="docker", files=("README.md", "app.py"))))
    assert v.bucket is Bucket.CONFIG_ERROR and "Dockerfile" in cited(v)


def test_run_log_is_analyzed():
    v = live(runtime=runtime("RUNTIME_ERROR"), run_log=Ok("Traceback (most recent call last):\nKeyError: 'HF_TOKEN'"))
    assert v.bucket is Bucket.RUNTIME_CRASH and "HF_TOKEN" in values(v.next_actions[:1])


def test_owner_only_logs_and_private_space_are_reported_as_unavailable():
    v = live(runtime=Unavailable("not found or private"), build_log=Unavailable("owner-only"),
             run_log=Unavailable("owner-only"))
    assert Phrase.of("na.owner_logs", logs=("build_log", "run_log"), space="alice/chat") in v.unavailable
    assert Phrase.of("na.private_runtime", reason="not found or private", space="alice/chat") in v.unavailable
    assert "not found or private" in cited(v)
    assert "stop.tokens" not in stops(v)  # nobody posted one


def test_unknown_stage_never_crashes():
    v = live(runtime=runtime("HIBERNATING_V2"))
    assert v.bucket is Bucket.NEEDS_INFO and "HIBERNATING_V2" in cited(v)


def test_503_alone_decides_nothing():
    v = decide(parse_report("503"))
    assert v.bucket is Bucket.NEEDS_INFO and action_keys(v) == ["ask.which_space", "ask.runtime"]


def test_placeholder_asks_for_the_real_url():
    v = decide(parse_report("my space https://huggingface.co/spaces/OWNER/SPACE_NAME is 503"))
    assert v.bucket is Bucket.NEEDS_INFO and v.placeholder and v.space is None
    assert action_keys(v)[0] == "ask.placeholder"


def test_placeholder_with_strong_symptoms_still_decides():
    v = decide(parse_report("Space OWNER/SPACE_NAME: runtime error\nScheduling failure: not enough hardware capacity"))
    assert v.bucket is Bucket.HARDWARE_SCHEDULING and v.placeholder


def test_pure_and_deterministic():
    report = parse_report("stuck in Build Queued, pushed 5 empty commits")
    assert decide(report) == decide(report)


def test_secrets_never_reach_evidence_or_email():
    rng = random.Random(7)
    token = "hf_" + "".join(rng.choice(string.ascii_letters) for _ in range(34))
    text = (f"restart fails with Something went wrong when restarting this Space, I used token {token}\n"
            "Space https://huggingface.co/spaces/alice/chat is PAUSED, build queued forever")
    for v in (decide(parse_report(text)), decide(report(text))):  # unredacted text too: quotes are scrubbed
        assert v.bucket is Bucket.LIFECYCLE_STUCK and v.email is not None
        blob = json.dumps(to_json(v), ensure_ascii=False) + str(v)
        assert token not in blob and token[3:20] not in blob
    assert {s.key: s.because for s in decide(report(text)).stop_doing}["stop.tokens"] == "leaked:huggingface"


def test_token_advice_only_when_a_secret_was_found_in_the_message():
    text = "Space https://huggingface.co/spaces/alice/chat is PAUSED, build queued forever, restart fails"
    assert "stop.tokens" not in stops(decide(report(text)))
    assert "stop.tokens" not in stops(decide(report("503")))  # not for needs_info either
    token = SecretGen(seed=3).sample("huggingface").secret
    assert "stop.tokens" in stops(decide(report(f"{text} HF_TOKEN={token}")))


# The Hub's words with a token in them, however they reach a reply: each is quoted cut somewhere (an errorMessage at
# 100 and 120 characters, an abuse reason at 120, a status report's title at 80, a log line at 160, an exception's
# message at 100). `said` is where the token goes; the request is the owner's unless it says "your demo".
MINE, VISITOR = "my Space https://huggingface.co/spaces/alice/chat is broken", "your demo alice/chat is down for me"
HUB_WORDS = {
    "errorMessage, build": (MINE, lambda said: {"runtime": runtime("BUILD_ERROR", said)}),
    "errorMessage, crash": (MINE, lambda said: {"runtime": runtime("RUNTIME_ERROR", said)}),
    "errorMessage, paused": (MINE, lambda said: {"runtime": runtime("PAUSED", said)}),
    "errorMessage, visitor": (VISITOR, lambda said: {"runtime": runtime("RUNNING", said)}),
    "abuse reason": (MINE, lambda said: {"runtime": runtime("PAUSED", abuse={"reason": said})}),
    "status report": (MINE, lambda said: {"status": Ok(StatusPage("degraded", open_reports=((said, "open"),)))}),
    "run log": (MINE, lambda said: {"run_log": Ok(f"Traceback (most recent call last):\n  File \"app.py\", line 3\n"
                                                  f"OSError: {said}\n")}),
}


@pytest.mark.parametrize("where", HUB_WORDS)
def test_a_token_in_the_hubs_words_is_never_quoted_in_part(where):
    """Wherever a quote's cut falls in a token, no part of it is shown: the Hub's words are redacted before anything is
    cut from them (a cut token no longer looks like one to the redactor, whole or cut quotes are scrubbed too late)."""
    request, evidence = HUB_WORDS[where]
    sample = SecretGen(seed=43).sample("huggingface", "token")
    words = "401 Client Error: Unauthorized for url https://huggingface.co/api/models/alice/weights " * 3
    leaks = {}
    for at in range(20, 180):  # where the token starts in the Hub's words, after a space
        said = f"{words[:at]} {sample.secret} ok"
        v = decide(report(request), Evidence(space="alice/chat", now=NOW, **evidence(said)))
        spec = to_embed(v)
        shipped = "\n".join([spec.title, spec.description, *(part for f in spec.fields for part in f), to_discourse(v),
                             to_markdown(v), email_draft(v) or ""])
        assert "401 Client Error" in shipped, at  # the words are quoted
        if fragments := leaked_fragments(sample, shipped):
            leaks[at] = fragments
    assert leaks == {}


def test_confidence_and_alternatives_are_probabilities():
    v = decide(parse_report("Preparing Space forever; container logs show Streamlit started on port 8501"))
    assert 0 <= v.confidence <= 1
    assert v.alternatives and all(0 <= a.confidence <= 1 and a.bucket is not v.bucket for a in v.alternatives)


@pytest.mark.parametrize("evidence", [
    Evidence(runtime=Ok(RuntimeState(stage=""))),
    Evidence(runtime=Ok(RuntimeState(stage="PAUSED", abuse=["not", "a", "dict"], raw={"errorMessage": 42}))),
    Evidence(runtime=Ok(RuntimeState(stage="RUNNING", raw={"abuse": {}}))),
    Evidence(info=Ok(SpaceInfo(id="a/b", card_data={"app_port": "eighty"}))),
    Evidence(info=Ok(SpaceInfo(id="a/b", sdk=None, card_data={"app_port": None, "sdk": 3}, files=("x",)))),
    Evidence(runtime=Ok(RuntimeState(stage="BUILDING", sha="abc")),
             commits=Ok((Commit(id="def", title="t", created_at=datetime(2026, 1, 1)),
                         Commit(id="abc", title="t", created_at=datetime(2025, 1, 1)))),
             now=NOW),
    Evidence(commits=Ok(())), Evidence(build_log=Ok(""), run_log=Ok("\x00" * 10)),
    Evidence(status=Ok(StatusPage("")), incident=IncidentSignal(0, 0, Bucket.NEEDS_INFO)),
    Evidence(runtime=Unavailable(""), info=Unavailable("HTTP 500 after 3 tries"),
             status=Unavailable("timed out after 3.0 s")),
])
def test_odd_evidence_never_crashes(evidence):
    v = decide(parse_report("Space alice/chat: 503 and build queued"), evidence)
    assert 0 <= v.confidence <= 1 and all(isinstance(u, str) for u in to_json(v)["unavailable"])


def test_a_demo_that_stopped_without_an_error_is_probably_asleep_but_not_when_an_error_shows():
    # words alone name no symptom (an expert reads needs_info); checked live but unreadable, sleep is the usual cause
    assert decide(parse_report("we cannot try your online demo anymore, any fix?")).bucket is Bucket.NEEDS_INFO
    assert live("we cannot try your online demo anymore, any fix?", runtime=UNREADABLE).bucket is Bucket.SLEEPING
    assert (live("the demo is not working anymore, it shows Runtime error", runtime=UNREADABLE).bucket
            is not Bucket.SLEEPING)


def test_build_log_with_only_its_queue_line_means_the_builder_never_ran():
    v = decide(parse_report("stuck for hours, the build log only shows\n"
                            "===== Build Queued at 2025-01-01 10:00:00 / Commit SHA: abc1234 ====="))
    assert v.bucket is Bucket.LIFECYCLE_STUCK
    v = decide(parse_report("build error\nUnexpected build error\n"
                            "===== Build Queued at 2025-01-01 10:00:00 / Commit SHA: abc1234 ====="))
    assert v.bucket is Bucket.BUILD_FAILURE


def test_building_long_after_the_last_change_without_commit_list():
    info = Ok(SpaceInfo(id="alice/chat", last_modified=NOW - timedelta(minutes=95)))
    v = live(runtime=runtime("BUILDING"), info=info)
    assert v.bucket is Bucket.LIFECYCLE_STUCK
    assert v.decisive.code == "building_long"
    assert (v.decisive.facts["minutes"], v.decisive.facts["at"]) == ("95", "19:25 UTC")
    fresh = live(runtime=runtime("BUILDING"),
                 info=Ok(SpaceInfo(id="alice/chat", last_modified=NOW - timedelta(minutes=5))))
    assert "building_long" not in cited_codes(fresh)


# ---- reply quality: each fact once, confidence that matches the evidence, no claims the text does not make ----

def overlapping(a, b, k=30):
    """Two evidence lines sharing a run of k characters say the same thing twice."""
    return any(a[i:i + k] in b for i in range(0, max(1, len(a) - k + 1)))


def assert_each_fact_once(v):
    """The decisive line and the evidence, as any language words them, never say one thing twice."""
    for lang in ("en", "zh"):
        w = worded(replace(v, language=lang))
        lines = [w.quote, *w.evidence]
        for i, a in enumerate(lines):
            for b in lines[i + 1:]:
                assert not overlapping(a, b) and not overlapping(b, a), (a, b)


STUCK_REPORT = ("My Space https://huggingface.co/spaces/alice/chat has been stuck on PAUSED for two days. Restart and "
                "factory rebuild both fail with 503. I pushed several empty commits to trigger a build "
                "but nothing happens and the logs do not update.")


def report_quotes(v):
    return [p.get("quote") for p in v.evidence if p.key == "ev.quote" and p.get("source") == "text"]


def test_live_state_leads_and_one_long_sentence_is_quoted_once():
    v = live(STUCK_REPORT, runtime=runtime("PAUSED", sha="f" * 40), commits=Ok(commits_since(6)))
    assert v.decisive.code == "commits_no_build"  # what decided is quoted first, the live stage right after it
    assert v.evidence[0].key == "ev.live" and v.evidence[0].get("stage") == "PAUSED"
    assert_each_fact_once(v)
    assert len(report_quotes(v)) <= 2


def test_build_error_message_is_cited_once():
    message = ("Build failed with exit code: 1\nERROR: process \"/bin/sh -c pip install -r requirements.txt\" did not "
               "complete successfully: exit code: 1")
    v = live("build error since I updated requirements.txt", runtime=runtime("BUILD_ERROR", message),
             build_log=Ok(message))
    blob = cited(v)
    assert blob.count("Build failed with exit code: 1") <= 1 and blob.count("did not complete successfully") == 1
    assert "did not complete successfully" in v.decisive.quote
    assert v.evidence[0].key == "ev.live" and v.evidence[0].get("stage") == "BUILD_ERROR"
    assert_each_fact_once(v)


def test_report_quotes_are_whole_sentences_at_most_two():
    text = ("It went from Build Queued straight to Paused. Restart returns 503. Factory rebuild fails too. "
            "I pushed 6 empty commits but the logs never update. Nothing happens.")
    v = decide(parse_report(text))
    quotes = [v.decisive.quote, *report_quotes(v)]
    assert 2 <= len(quotes) <= 3 and all(q.endswith(".") and "…" not in q for q in quotes)


ABUSE = {"detector": "abuse-handler", "reason": "Blocked by abuse-handler by rule: VNC Server"}


@pytest.mark.parametrize("stage, message, abuse, bucket", [
    ("PAUSED", "Flagged as abusive", ABUSE, Bucket.MODERATION_LOCK),
    ("NO_APP_FILE", None, None, Bucket.CONFIG_ERROR),
    ("RUNTIME_ERROR", "Scheduling failure: not enough hardware capacity", None, Bucket.HARDWARE_SCHEDULING),
    ("RUNTIME_ERROR", "Memory limit exceeded (16Gi)", None, Bucket.RUNTIME_CRASH),
    ("SLEEPING", None, None, Bucket.SLEEPING),
    ("BUILD_ERROR", "ERROR: No matching distribution found for torch==1.8.0", None, Bucket.BUILD_FAILURE),
    ("RUNTIME_ERROR", "ModuleNotFoundError: No module named 'cv2'", None, Bucket.RUNTIME_CRASH),
])
def test_a_decisive_platform_message_gives_high_confidence(stage, message, abuse, bucket):
    v = live("my Space shows 503, restart says 'Something went wrong when restarting this Space'. I pushed a few fixes",
             runtime=runtime(stage, message, abuse=abuse, sha="f" * 40), commits=Ok(commits_since(2)))
    assert v.bucket is bucket and v.confidence >= 0.9
    assert v.confidence + sum(a.confidence for a in v.alternatives) <= 1.0001
    assert [a.confidence for a in v.alternatives] == sorted((a.confidence for a in v.alternatives), reverse=True)


def test_weak_words_alone_stay_unsure():
    v = decide(parse_report("my space is broken, restart does not help"))
    assert v.confidence < 0.6


def test_policy_words_inside_a_space_id_or_url_claim_nothing():
    text = ("my Space kestrel-labs/vnc-desktop shows 503 and restart says 'Something went wrong'. I pushed a few fixes "
            "but nothing changes. https://huggingface.co/spaces/acme/ngrok-tunnel "
            "and acme-cloudflared-proxy.hf.space too")
    report = parse_report(text)
    assert not any(f.code == "policy_sensitive_tool" for f in report.findings)
    v = decide(report, Evidence(space="kestrel-labs/vnc-desktop", now=NOW,
                                runtime=runtime("PAUSED", "Flagged as abusive", abuse=ABUSE)))
    assert v.bucket is Bucket.MODERATION_LOCK
    assert "act.tool_then_paused" not in action_keys(v)
    assert "VNC Server" in advised(v)


@pytest.mark.parametrize("text, says_added", [
    ("I added cloudflared to my Dockerfile and now my Space is paused", True),
    ("Space paused right away.\nRUN wget https://example.com/ngrok.tgz && tar xf ngrok.tgz\nwhy?", True),
    ("Huggingface 用 cf tunnel秒pause封space\n\n一写进dockerfile就给我space停掉了", True),
    ("我的space被停了\n用 cf tunnel 访问", False),
    ("my space uses ngrok and it got paused", False),
])
def test_right_after_adding_only_when_the_text_says_so(text, says_added):
    v = decide(parse_report(text))
    assert v.bucket is Bucket.MODERATION_LOCK
    assert any(a.key == "act.tool_then_paused" and a.get("context") == "added" for a in v.next_actions) is says_added


def test_a_bare_mention_of_a_tool_is_no_cause():
    v = decide(parse_report("Space alice/chat is paused. Is it a proxy problem?"))
    assert v.bucket is not Bucket.MODERATION_LOCK


def test_any_incident_signal_decides_platform_incident():
    v = live("stuck on paused, restart fails", runtime=runtime("PAUSED", sha="f" * 40), commits=Ok(commits_since(6)),
             incident=IncidentSignal(3, 20, Bucket.LIFECYCLE_STUCK))
    assert v.bucket is Bucket.PLATFORM_INCIDENT and v.confidence >= 0.9
    assert v.decisive.code == "recent_similar" and v.decisive.facts["similar"] == "3"
    assert action_keys(v) == ["act.platform_wait"]  # no fix, no e-mail: wait for the platform
    assert stops(v) == {"stop.code_during_incident"}  # which says: no code changes, no commits
    assert v.stop_pushing_commits and v.email is None  # the repo shows 6 commits that started no build


def test_an_incident_signal_does_not_override_a_policy_lock():
    v = live(runtime=runtime("PAUSED", "Flagged as abusive", abuse=ABUSE),
             incident=IncidentSignal(3, 20, Bucket.LIFECYCLE_STUCK))
    assert v.bucket is Bucket.MODERATION_LOCK


@pytest.mark.parametrize("text, first", [
    ("Space alice/chat stuck in Build Queued, pushed 5 empty commits", "act.lifecycle_restart"),
    ("Space alice/chat stuck in Build Queued, restart fails", "act.lifecycle_rebuild"),
    ("Space alice/chat stuck in Build Queued. Restart and factory rebuild both fail with 503.", "act.lifecycle_email"),
])
def test_lifecycle_next_step_starts_from_what_was_not_tried_yet(text, first):
    v = live(text, runtime=runtime("PAUSED"))
    assert v.bucket is Bucket.LIFECYCLE_STUCK and action_keys(v)[0] == first


def test_a_guess_of_sleep_is_worded_as_a_guess():
    guess = live("I cannot use my online demo anymore, any fix?", runtime=UNREADABLE)
    assert guess.bucket is Bucket.SLEEPING and guess.next_actions[0].key == "act.confirm.sleeping"
    assert guess.next_actions[0].get("seen") is None
    seen = live("is my space broken?", runtime=runtime("SLEEPING"))
    assert seen.next_actions[0].key == "act.confirm.sleeping" and seen.next_actions[0].get("seen") == "yes"


def test_only_words_from_the_report_are_shown_as_report_quotes():
    text = ("Streamlit spaces are not loading: https://huggingface.co/spaces/alice/one and "
            "https://huggingface.co/spaces/bob/two. Other people have the same issue.")
    v = decide(parse_report(text))
    assert Phrase.of("ev.several_owners", count="2") in v.evidence  # our words, worded per language
    quotes = [v.decisive.quote, *report_quotes(v)]
    assert all(q.strip("…") in text for q in quotes)


def test_the_persons_words_for_the_live_stage_are_not_quoted_again():
    v = live("build error", runtime=runtime("BUILD_ERROR", "ERROR: No matching distribution found for torch==1.8.0"))
    assert v.decisive.quote == "ERROR: No matching distribution found for torch==1.8.0"
    assert v.decisive.source == "runtime"
    assert v.evidence == (Phrase.of("ev.live", stage="BUILD_ERROR"),)


def test_platform_incident_from_words_alone_is_advice_to_check_not_to_wait():
    v = decide(parse_report("Suddenly my space gives 503 for everyone. Other people in the channel say theirs too."))
    assert v.bucket is Bucket.PLATFORM_INCIDENT and v.confidence < 0.6
    assert action_keys(v)[0] == "act.platform_check" and "stop.code_before_knowing" in stops(v)
    seen = live("my space is stuck building", status=Ok(StatusPage("degraded", degraded=(("Spaces", "degraded"),))))
    assert action_keys(seen)[0] == "act.platform_wait"


def test_a_space_the_hub_refuses_as_disabled_is_a_review_case():
    v = live("my space page says it is disabled, how do I get it back?", runtime=Unavailable("disabled"),
             info=Unavailable("disabled"), commits=Unavailable("disabled"))
    assert v.bucket is Bucket.MODERATION_LOCK and v.email is not None
    assert action_keys(v)[0] == "act.space_disabled"
    assert Phrase.of("na.checks", checks=("runtime", "info", "commits"), reason="disabled") in v.unavailable


def test_a_running_space_is_said_to_be_running_before_anything_is_asked():
    v = live("Is my space up?", runtime=runtime("RUNNING"))
    assert v.bucket is Bucket.NEEDS_INFO and action_keys(v)[0] == "ask.running"


def test_pasted_readme_app_port_against_the_port_the_app_listens_on():
    text = ("README:\n---\nsdk: docker\napp_port: 8080\n---\n"
            "INFO:     Uvicorn running on http://0.0.0.0:7860 (Press CTRL+C to quit)\nthe page never loads")
    v = decide(parse_report(text))
    assert v.bucket is Bucket.PORT_HEALTHCHECK
    assert "8080" in advised(v)


def test_a_settled_live_stage_outweighs_words_about_an_earlier_stuck_state():
    text = ("stuck on Paused for two days, restart and factory rebuild both return 503. "
            "I pushed several empty commits but the build never starts.")
    assert decide(parse_report(text)).bucket is Bucket.LIFECYCLE_STUCK
    assert live(text, runtime=runtime("SLEEPING")).bucket is Bucket.SLEEPING


def test_clean_logs_alone_decide_nothing_but_a_port_on_top_does():
    blank = "my space only shows a blank page, there are no errors in the logs"
    assert decide(parse_report(blank)).bucket is Bucket.NEEDS_INFO
    text = "no errors in the logs, it says Running on http://0.0.0.0:5000 but the page never loads"
    assert decide(parse_report(text)).bucket is Bucket.PORT_HEALTHCHECK


def test_a_space_that_will_not_wake_from_sleep_is_stuck_not_asleep():
    text = "Space went to sleep and now it won't wake up — Restart does nothing, it stays on Building for hours"
    assert decide(parse_report(text)).bucket is Bucket.LIFECYCLE_STUCK


def test_streamlit_on_its_own_port_is_a_mismatch_only_in_a_docker_space():
    log = "You can now view your Streamlit app in your browser.\n  Network URL: http://10.0.1.5:8501\n"
    crash = (log + "Traceback (most recent call last):\n"
             "FileNotFoundError: [Errno 2] No such file or directory: 'data.csv'")
    assert decide(parse_report(crash)).bucket is Bucket.RUNTIME_CRASH
    assert decide(parse_report("My Docker Space never loads.\n" + log)).bucket is Bucket.PORT_HEALTHCHECK


def test_a_tool_the_person_says_they_do_not_use_is_no_cause():
    v = decide(parse_report("I'm NOT using any proxy or tunnel, but the space is PAUSED and restart fails"))
    assert v.bucket is Bucket.LIFECYCLE_STUCK
