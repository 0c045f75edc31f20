"""Renderers stay within Discord's limits whatever the verdict holds."""
import re

from diagnosis.extract import parse_report
from diagnosis.model import Alternative, Bucket, Verdict
from diagnosis.render import (
    EMBED_DESCRIPTION_LIMIT, EMBED_FIELD_NAME_LIMIT, EMBED_FIELD_VALUE_LIMIT, EMBED_FIELDS_MAX, EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT, TITLES, to_embed, to_json, to_markdown, to_terminal,
)
from diagnosis.tree import decide


def huge_verdict(bucket=Bucket.LIFECYCLE_STUCK):
    return Verdict(
        bucket=bucket, confidence=0.5, alternatives=tuple(Alternative(b, 0.1) for b in Bucket if b is not bucket),
        space="alice/chat", evidence=tuple("e" * 900 for _ in range(12)), next_actions=tuple("n" * 900 for _ in range(9)),
        stop_doing=tuple("s" * 500 for _ in range(5)), unavailable=tuple("u" * 700 for _ in range(6)),
        email_draft="line\n" * 600, stop_pushing_commits=True,
    )


def check_embed(spec):
    assert len(spec.title) <= 256 and len(spec.description) <= EMBED_DESCRIPTION_LIMIT
    assert len(spec.fields) <= EMBED_FIELDS_MAX
    assert all(len(n) <= EMBED_FIELD_NAME_LIMIT and 0 < len(v) <= EMBED_FIELD_VALUE_LIMIT for n, v in spec.fields)
    assert spec.total_chars() <= EMBED_TOTAL_LIMIT


def test_limits_hold_for_a_huge_verdict():
    for bucket in Bucket:
        v = huge_verdict(bucket)
        assert len(to_markdown(v)) <= MESSAGE_LIMIT
        check_embed(to_embed(v))


def test_markdown_keeps_the_draft_when_it_fits():
    v = decide(parse_report("Space https://huggingface.co/spaces/alice/chat: Build Queued then Paused, builder never runs"))
    md = to_markdown(v)
    assert len(md) <= MESSAGE_LIMIT
    assert md.startswith(f"**Space Doctor — {TITLES[Bucket.LIFECYCLE_STUCK]}**")
    assert "Stuck lifecycle (builder not dispatching)" in md and "```" in md and "website@huggingface.co" in md


def test_no_mass_mentions_from_user_text():
    v = decide(parse_report("@everyone Runtime error\nMemory limit exceeded (16Gi) @here <@123>"))
    for out in (to_markdown(v), to_embed(v).description):
        assert "@everyone" not in out and "@here" not in out and "<@1" not in out


def test_embed_fields_and_colour():
    v = decide(parse_report("Runtime error\nScheduling failure: not enough hardware capacity"))
    spec = to_embed(v)
    check_embed(spec)
    assert spec.title.endswith(TITLES[Bucket.HARDWARE_SCHEDULING]) and isinstance(spec.colour, int)
    assert spec.description.index("**Next**") < spec.description.index("1. ")  # the next action is what the eye meets
    assert spec.fields[0][0] == "Evidence"


def test_terminal_and_json():
    v = decide(parse_report("build error\nJob failed with exit code: 143"))
    text = to_terminal(v)
    assert "[build_failure]" in text and "143" in text
    assert to_json(v) == v.to_json()
    assert set(to_json(v)) == {"bucket", "confidence", "alternatives", "space", "placeholder", "evidence",
                               "next_actions", "stop_pushing_commits", "unavailable", "email_draft"}


def test_quoted_user_text_cannot_restyle_the_reply():
    v = decide(parse_report("**Runtime error** ```Memory limit exceeded (16Gi)``` [click](https://evil.example)"))
    evidence = to_markdown(v).split("**Evidence**")[1].split("**Stop**")[0]
    assert "```" not in evidence and "**Runtime" not in evidence
    assert not re.search(r"(?<!\\)\]\(", evidence)  # no live Markdown link


# ---- the reply a person reads, bucket by bucket: next action first, each fact once, short ----

from datetime import datetime, timezone  # noqa: E402

from diagnosis.model import Evidence, Ok, RuntimeState, SpaceInfo, StatusPage  # noqa: E402

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)


def live(text, stage=None, message=None, info=None, status=None):
    ev = Evidence(space="alice/chat", now=NOW, runtime=Ok(RuntimeState(stage=stage, error_message=message)) if stage else None,
                  info=Ok(info) if info else None, status=Ok(status) if status else None)
    return decide(parse_report(text), ev)


GALLERY = {
    "build": lambda: live("build error", "BUILD_ERROR", "ERROR: No matching distribution found for torch==1.8.0"),
    "oom": lambda: live("runtime error after loading the model", "RUNTIME_ERROR", "Memory limit exceeded (16Gi)"),
    "port": lambda: live("logs: Uvicorn running on http://0.0.0.0:8000", "RUNTIME_ERROR",
                         "Launch timed out, workload was not healthy after 30 min",
                         SpaceInfo(id="alice/chat", sdk="docker", card_data={"app_port": 7860})),
    "no_app_file": lambda: live("it never builds", "NO_APP_FILE", None,
                                SpaceInfo(id="alice/chat", sdk="gradio", files=("README.md", "main.py"))),
    "scheduling": lambda: live("upgraded to a GPU", "RUNTIME_ERROR", "Scheduling failure: not enough hardware capacity"),
    "sleeping": lambda: live("is it broken?", "SLEEPING"),
    "placeholder": lambda: decide(parse_report("my space https://huggingface.co/spaces/OWNER/SPACE_NAME shows 503")),
    "status": lambda: live("my space is stuck building", "BUILDING", None, None,
                           StatusPage("degraded", degraded=(("Spaces", "degraded"),))),
}


def test_each_bucket_reply_is_short_cites_each_fact_once_and_leads_with_an_action():
    for name, make in GALLERY.items():
        v = make()
        md = to_markdown(v)
        assert len(md) <= 1200, (name, md)
        lines = [line for line in md.splitlines() if line.strip()]
        assert len(lines) == len(set(lines)), (name, md)
        assert len(v.evidence) == len(set(v.evidence)) and 1 <= len(v.next_actions) <= 3, (name, v.next_actions)
        first = v.next_actions[0]
        assert not first.startswith(("Open Logs", "Fix the README")), (name, first)  # specific before generic


def test_one_fact_one_action():
    assert len(GALLERY["no_app_file"]().next_actions) == 1  # not "no app file" three ways
    assert len(GALLERY["scheduling"]().next_actions) == 1
    assert not any("exception" in a for a in GALLERY["oom"]().next_actions)
    port = GALLERY["port"]().next_actions
    assert "app_port: 8000" in port[0] and len(port) == 1
    assert GALLERY["status"]().next_actions[0].startswith("Wait") and "https://status.huggingface.co" in GALLERY["status"]().next_actions[0]
    assert GALLERY["sleeping"]().next_actions[0].startswith("Nothing is broken")


def test_needs_info_asks_for_exactly_the_url_and_the_runtime_output():
    v = GALLERY["placeholder"]()
    assert v.bucket is Bucket.NEEDS_INFO and len(v.next_actions) == 2
    url, runtime = v.next_actions
    assert "placeholder" in url and "https://huggingface.co/spaces/OWNER/NAME" in url
    assert "/runtime" in runtime and "`stage`" in runtime and "`errorMessage`" in runtime
    md = to_markdown(v)
    assert md.index("**Questions**") < md.index("**Evidence**") < md.index("**Stop**")


def test_negligible_alternatives_are_not_shown():
    v = Verdict(bucket=Bucket.MODERATION_LOCK, confidence=0.92, alternatives=(Alternative(Bucket.LIFECYCLE_STUCK, 0.06),))
    assert "Also possible" not in to_markdown(v) and "Also possible" not in to_terminal(v)
    assert not any(name == "Also possible" for name, _ in to_embed(v).fields)


def test_single_token_code_spans_stay_code_and_everything_else_is_escaped():
    from diagnosis.model import Bucket, Verdict
    from diagnosis.render import to_markdown

    v = Verdict(Bucket.CONFIG_ERROR, 0.9, evidence=("Space info: the repo has no `app.py`",
                                                    "report: “**urgent** ```rm -rf``` BUILD_ERROR”"))
    md = to_markdown(v)
    assert "no `app.py`" in md and "\\`app.py\\`" not in md
    assert "\\*\\*urgent\\*\\*" in md and "BUILD\\_ERROR" in md and "```" not in md
