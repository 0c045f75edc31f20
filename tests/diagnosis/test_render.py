"""Renderers stay within Discord's limits whatever the verdict holds, quote the decisive line first, keep the
e-mail draft out of every public reply, and word everything in the request's language."""
import re
from dataclasses import replace

from diagnosis import texts
from diagnosis.extract import parse_report
from diagnosis.model import Alternative, Bucket, DecisiveLine, Phrase, StopLine, SupportEmail, Verdict
from diagnosis.render import (EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_NAME_LIMIT, EMBED_FIELD_VALUE_LIMIT,
                              EMBED_FIELDS_MAX, EMBED_TOTAL_LIMIT, MESSAGE_LIMIT, email_draft, title, to_discourse,
                              to_embed, to_json, to_markdown, to_terminal, worded)
from diagnosis.tree import decide
from tests.helpers import action_keys


def huge_verdict(bucket=Bucket.LIFECYCLE_STUCK):
    return Verdict(
        bucket=bucket, confidence=0.5, alternatives=tuple(Alternative(b, 0.1) for b in Bucket if b is not bucket),
        space="alice/chat",
        decisive=DecisiveLine("d" * 900, "text", "reading", cited=Phrase.of("ev.quote", source="text", quote="d" * 900)),
        evidence=tuple(Phrase.of("ev.quote", source="run_log", quote="e" * 900 + str(i)) for i in range(12)),
        next_actions=tuple(Phrase.of("act.confirm.runtime_crash", quote="n" * 900 + str(i)) for i in range(9)),
        stop_doing=tuple(StopLine(key, "x") for key in ("stop.pushing", "stop.duplicates", "stop.tokens")),
        unavailable=tuple(Phrase.of("na.checks", checks=("runtime",), reason="u" * 700 + str(i)) for i in range(6)),
        email=SupportEmail(policy=False, space="alice/chat", already_tried="line\n" * 600), stop_pushing_commits=True,
    )


def check_embed(spec):
    assert len(spec.title) <= 256 and len(spec.description) <= EMBED_DESCRIPTION_LIMIT
    assert len(spec.fields) <= EMBED_FIELDS_MAX
    assert all(len(n) <= EMBED_FIELD_NAME_LIMIT and 0 < len(v) <= EMBED_FIELD_VALUE_LIMIT for n, v in spec.fields)
    assert spec.total_chars() <= EMBED_TOTAL_LIMIT


def public_replies(v):
    spec = to_embed(v)
    return {"markdown": to_markdown(v), "discourse": to_discourse(v), "terminal": to_terminal(v),
            "embed": "\n".join([spec.title, spec.description, *(f"{n}\n{x}" for n, x in spec.fields)])}


def test_limits_hold_for_a_huge_verdict():
    for bucket in Bucket:
        for lang in texts.LANGUAGES:
            v = replace(huge_verdict(bucket), language=lang)
            assert len(to_markdown(v)) <= MESSAGE_LIMIT
            check_embed(to_embed(v))


def test_the_email_draft_is_in_no_public_reply():
    v = decide(parse_report("Space https://huggingface.co/spaces/alice/chat: Build Queued then Paused, builder never runs"))
    draft = email_draft(v)
    assert v.bucket is Bucket.LIFECYCLE_STUCK and draft and draft.startswith("To: website@huggingface.co")
    for name, out in public_replies(v).items():
        assert "Subject:" not in out and "```" not in out and "Space URL:" not in out, name
    assert texts.say("en", "ui.email_cli") in to_terminal(v)  # the terminal says how to get it


def test_the_draft_is_not_offered_when_support_could_not_find_the_space():
    v = decide(parse_report("Build Queued then Paused, the builder never runs, restart fails"))
    assert v.bucket is Bucket.LIFECYCLE_STUCK and v.email is None and email_draft(v) is None
    assert texts.say("en", "ui.email_cli") not in to_terminal(v)


def test_no_mass_mentions_from_user_text():
    v = decide(parse_report("@everyone Runtime error\nMemory limit exceeded (16Gi) @here <@123>"))
    for out in (to_markdown(v), to_embed(v).description):
        assert "@everyone" not in out and "@here" not in out and "<@1" not in out


def test_embed_fields_and_colour():
    v = decide(parse_report("Runtime error\nScheduling failure: not enough hardware capacity"))
    spec = to_embed(v)
    check_embed(spec)
    assert spec.title.endswith(title(v)) and isinstance(spec.colour, int)
    heading = f"**{worded(v).next_heading}**"
    # the decisive line first, then the next action: what the eye meets
    assert spec.description.index("> ") < spec.description.index(heading) < spec.description.index("1. ")


def test_every_renderer_quotes_the_decisive_line_first():
    v = decide(parse_report("my space build error\nERROR: No matching distribution found for torch==1.8.0"))
    assert v.decisive.quote == "ERROR: No matching distribution found for torch==1.8.0"
    for name, out in public_replies(v).items():
        lines = [line for line in out.splitlines() if line.strip()]
        first_content = next(line for line in lines[1:] if not line.strip().startswith("confidence"))
        assert "No matching distribution found for torch==1.8.0" in first_content.replace("\\", ""), name
    assert to_json(v)["evidence"][0].endswith("No matching distribution found for torch==1.8.0”")


def test_terminal_and_json():
    v = decide(parse_report("build error\nJob failed with exit code: 143"))
    text = to_terminal(v)
    assert "[build_failure]" in text and "143" in text
    assert set(to_json(v)) == {"bucket", "confidence", "alternatives", "space", "placeholder", "evidence",
                               "next_actions", "stop_pushing_commits", "unavailable", "email_draft"}


def test_terminal_says_the_same_stop_lines_and_actions_as_the_discord_reply():
    v = decide(parse_report("Space https://huggingface.co/spaces/alice/chat stuck on Paused, I pushed 5 empty commits, "
                            "restart fails"))
    spec, terminal = to_embed(v), to_terminal(v)
    stop_field = dict(spec.fields)[texts.say("en", "ui.stop_doing")]
    for stop in v.stop_doing:
        line = texts.say("en", stop.key)
        assert line in stop_field and line in terminal
    for action in worded(v).next:
        assert action in spec.description and action in terminal


def test_quoted_user_text_cannot_restyle_the_reply():
    v = decide(parse_report("**Runtime error** ```Memory limit exceeded (16Gi)``` [click](https://evil.example)"))
    md = to_markdown(v)
    assert "```" not in md and "**Runtime" not in md
    assert not re.search(r"(?<!\\)\]\(", md)  # no live Markdown link


def test_a_chinese_request_gets_a_chinese_reply_and_an_english_draft():
    v = decide(parse_report("我的 Space https://huggingface.co/spaces/alice/chat 一直卡在 Build Queued，然后变成 Paused，"
                            "重启也没用"))
    assert v.language == "zh" and v.bucket is Bucket.LIFECYCLE_STUCK
    w = worded(v)
    assert w.title == texts.say("zh", f"title.{v.bucket.value}") and w.next
    for out in public_replies(v).values():
        assert texts.detect_language(out) == "zh"
    assert texts.detect_language(email_draft(v)) == "en"
    english = decide(parse_report("My Space https://huggingface.co/spaces/alice/chat is stuck on Build Queued"))
    assert english.language == "en" and texts.detect_language(to_markdown(english)) == "en"


# ---- the reply a person reads, bucket by bucket: next action first, each fact once, short ----

from datetime import datetime, timezone  # noqa: E402

from diagnosis.model import Evidence, Ok, RuntimeState, SpaceInfo, StatusPage  # noqa: E402

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)


def live(text, stage=None, message=None, info=None, status=None):
    ev = Evidence(space="alice/chat", now=NOW, runtime=Ok(RuntimeState(stage=stage, error_message=message)) if stage else None,
                  info=Ok(info) if info else None, status=Ok(status) if status else None)
    return decide(parse_report(text), ev)


GALLERY = {
    "build": lambda: live("my build error", "BUILD_ERROR", "ERROR: No matching distribution found for torch==1.8.0"),
    "oom": lambda: live("my space has a runtime error after loading the model", "RUNTIME_ERROR",
                        "Memory limit exceeded (16Gi)"),
    "port": lambda: live("my space logs: Uvicorn running on http://0.0.0.0:8000", "RUNTIME_ERROR",
                         "Launch timed out, workload was not healthy after 30 min",
                         SpaceInfo(id="alice/chat", sdk="docker", card_data={"app_port": 7860})),
    "no_app_file": lambda: live("my space never builds", "NO_APP_FILE", None,
                                SpaceInfo(id="alice/chat", sdk="gradio", files=("README.md", "main.py"))),
    "scheduling": lambda: live("I upgraded my space to a GPU", "RUNTIME_ERROR",
                               "Scheduling failure: not enough hardware capacity"),
    "sleeping": lambda: live("is my space broken?", "SLEEPING"),
    "placeholder": lambda: decide(parse_report("my space https://huggingface.co/spaces/OWNER/SPACE_NAME shows 503")),
    "status": lambda: live("my space is stuck building", "BUILDING", None, None,
                           StatusPage("degraded", degraded=(("Spaces", "degraded"),))),
}


def test_each_bucket_reply_is_short_cites_each_fact_once_and_leads_with_an_action():
    for name, make in GALLERY.items():
        v = make()
        assert not v.visitor, name
        md = to_markdown(v)
        assert len(md) <= 1200, (name, md)
        lines = [line for line in md.splitlines() if line.strip()]
        assert len(lines) == len(set(lines)), (name, md)
        assert len(v.evidence) == len(set(v.evidence)) and 1 <= len(v.next_actions) <= 3, (name, v.next_actions)
        assert not action_keys(v)[0].startswith("act.confirm.") or v.bucket is Bucket.SLEEPING, name  # specific first


def test_one_fact_one_action():
    assert len(GALLERY["no_app_file"]().next_actions) == 1  # not "no app file" three ways
    assert len(GALLERY["scheduling"]().next_actions) == 1
    assert action_keys(GALLERY["oom"]()) == ["act.memory_limit"]
    port = GALLERY["port"]().next_actions
    assert [p.key for p in port] == ["act.port_mismatch"] and port[0].get("port") == "8000"
    assert action_keys(GALLERY["status"]())[0] == "act.platform_wait"
    assert GALLERY["sleeping"]().next_actions[0] == Phrase.of("act.confirm.sleeping", quote="stage SLEEPING", seen="yes")


def test_needs_info_asks_for_exactly_the_url_and_the_runtime_output():
    v = GALLERY["placeholder"]()
    assert v.bucket is Bucket.NEEDS_INFO and action_keys(v) == ["ask.placeholder", "ask.runtime"]
    md = to_markdown(v)
    assert md.index(f"**{texts.say('en', 'ui.questions')}**") < md.index(f"**{texts.say('en', 'ui.evidence')}**")


def test_negligible_alternatives_are_not_shown():
    v = Verdict(bucket=Bucket.MODERATION_LOCK, confidence=0.92, alternatives=(Alternative(Bucket.LIFECYCLE_STUCK, 0.06),))
    also = texts.say("en", "ui.also_possible")
    assert also not in to_markdown(v) and also not in to_terminal(v)
    assert not any(name == also for name, _ in to_embed(v).fields)


def test_single_token_code_spans_stay_code_and_everything_else_is_escaped():
    v = Verdict(Bucket.CONFIG_ERROR, 0.9, evidence=(Phrase.of("ev.app_file_missing", app_file="app.py"),
                                                    Phrase.of("ev.quote", source="text",
                                                              quote="**urgent** ```rm -rf``` BUILD_ERROR")))
    md = to_markdown(v)
    assert "`app.py`" in md and "\\`app.py\\`" not in md
    assert "\\*\\*urgent\\*\\*" in md and "BUILD\\_ERROR" in md and "```" not in md
