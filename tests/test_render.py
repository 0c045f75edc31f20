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
    assert spec.fields[0][0] == "Next actions"


def test_terminal_and_json():
    v = decide(parse_report("build error\nJob failed with exit code: 143"))
    text = to_terminal(v)
    assert "[build_failure]" in text and "143" in text
    assert to_json(v) == v.to_json()
    assert set(to_json(v)) == {"bucket", "confidence", "alternatives", "space", "placeholder", "evidence",
                               "next_actions", "stop_pushing_commits", "unavailable", "email_draft"}


def test_quoted_user_text_cannot_restyle_the_reply():
    v = decide(parse_report("**Runtime error** ```Memory limit exceeded (16Gi)``` [click](https://evil.example)"))
    evidence = to_markdown(v).split("**Evidence**")[1].split("**Next**")[0]
    assert "```" not in evidence and "**Runtime" not in evidence
    assert not re.search(r"(?<!\\)\]\(", evidence)  # no live Markdown link
