"""Renderers stay within Discord's limits whatever the verdict holds, quote the decisive line first, keep the
e-mail draft out of every public reply, and word everything in the request's language. What ships (the Discord
embed, the Discourse reply) is fuzzed: any verdict, any request."""
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from diagnosis import texts
from diagnosis.extract import parse_report
from diagnosis.model import (
    Alternative,
    Bucket,
    DecisiveLine,
    Evidence,
    Ok,
    Phrase,
    RuntimeState,
    SpaceInfo,
    StatusPage,
    StopLine,
    SupportEmail,
    Verdict,
)
from diagnosis.render import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    MESSAGE_LIMIT,
    email_draft,
    title,
    to_discourse,
    to_embed,
    to_json,
    to_markdown,
    to_terminal,
    worded,
)
from diagnosis.tree import decide
from forum.client import POST_LIMIT  # Discourse's default max_post_length
from sandbox.secretgen import KINDS, SecretGen
from tests.helpers import action_keys, leaked_fragments, report


def huge_verdict(bucket=Bucket.LIFECYCLE_STUCK):
    return Verdict(
        bucket=bucket, confidence=0.5, alternatives=tuple(Alternative(b, 0.1) for b in Bucket if b is not bucket),
        space="alice/chat",
        decisive=DecisiveLine("d" * 900, "text", "reading",
                              cited=Phrase.of("ev.quote", source="text", quote="d" * 900)),
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
    v = decide(parse_report("Space https://huggingface.co/spaces/alice/chat: Build Queued then Paused, "
                            "builder never runs"))
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
    v = decide(parse_report("我的 Space https://huggingface.co/spaces/alice/chat 一直卡在 Build Queued，"
                            "然后变成 Paused，重启也没用"))
    assert v.language == "zh" and v.bucket is Bucket.LIFECYCLE_STUCK
    w = worded(v)
    assert w.title == texts.say("zh", f"title.{v.bucket.value}") and w.next
    for out in public_replies(v).values():
        assert texts.detect_language(out) == "zh"
    assert texts.detect_language(email_draft(v)) == "en"
    english = decide(parse_report("My Space https://huggingface.co/spaces/alice/chat is stuck on Build Queued"))
    assert english.language == "en" and texts.detect_language(to_markdown(english)) == "en"


# ---- the reply a person reads, bucket by bucket: next action first, each fact once, short ----

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


def live(text, stage=None, message=None, info=None, status=None):
    ev = Evidence(space="alice/chat", now=NOW,
                  runtime=Ok(RuntimeState(stage=stage, error_message=message)) if stage else None,
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
    assert GALLERY["sleeping"]().next_actions[0] == Phrase.of("act.confirm.sleeping", quote="stage SLEEPING",
                                                               seen="yes")


def test_needs_info_asks_for_exactly_the_url_and_the_runtime_output():
    v = GALLERY["placeholder"]()
    assert v.bucket is Bucket.NEEDS_INFO and action_keys(v) == ["ask.placeholder", "ask.runtime"]
    md = to_markdown(v)
    assert md.index(f"**{texts.say('en', 'ui.questions')}**") < md.index(f"**{texts.say('en', 'ui.evidence')}**")


def test_negligible_alternatives_are_not_shown():
    v = Verdict(bucket=Bucket.MODERATION_LOCK, confidence=0.92,
                alternatives=(Alternative(Bucket.LIFECYCLE_STUCK, 0.06),))
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


# ---- fuzzed: what ships (the Discord embed and the Discourse reply), for any verdict and any request ----------

DISCORD_PING = re.compile(r"@(?:everyone|here)|<@[!&]?\d")  # what would notify people if it were content
DISCOURSE_PING = re.compile(r"(?<![\w@])@[\w.-]")  # @user or @group (an e-mail address is no mention)
HOSTILE = st.sampled_from([
    "@everyone", "@here", "<@123456789012345678>", "<@&42>", "<@!7>", "@alice", "@staff-group", "alice@example.com",
    "```", "**", "__", "||spoiler||", "> ", "[x](https://evil.example)", "<img src=x onerror=alert(1)>",
    "[quote]hi[/quote]", "[details=x]", "\n", "\n\n\n", "\u200b", "e\u0301", "😀", "一直是 Paused", "x" * 1500,
    "Runtime error", "Memory limit exceeded (16Gi)", "https://huggingface.co/spaces/a/b",
])
PIECE = st.one_of(HOSTILE, st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120))
FACT = st.lists(PIECE, max_size=6).map("".join)
SOURCES = ("text", "build_log", "run_log", "runtime", "info", "commits", "status", "recent")


def quoting(key: str, **fixed: str) -> st.SearchStrategy[Phrase]:
    return FACT.map(lambda quote: Phrase.of(key, quote=quote, **fixed))


PHRASES = {
    "evidence": st.one_of(
        st.builds(lambda source, quote: Phrase.of("ev.quote", source=source, quote=quote),
                  st.sampled_from(SOURCES), FACT),
        st.builds(lambda stage, message: Phrase.of("ev.live", stage=stage, message=message), FACT, FACT),
        FACT.map(lambda detail: Phrase.of("ev.abuse_record", detail=detail)),
        FACT.map(lambda app_file: Phrase.of("ev.app_file_missing", app_file=app_file))),
    "next": st.one_of(
        quoting("act.confirm.runtime_crash"), quoting("act.confirm.build_failure"),
        FACT.map(lambda package: Phrase.of("act.pip_conflict", package=package)),
        st.builds(lambda stage, message: Phrase.of("act.visitor.runtime_says", stage=stage, message=message), FACT,
                  FACT),
        st.just(Phrase.of("ask.which_space"))),
    "unavailable": st.builds(lambda reason: Phrase.of("na.checks", checks=("runtime", "logs"), reason=reason), FACT),
}
VERDICTS = st.builds(
    Verdict,
    bucket=st.sampled_from(Bucket),
    confidence=st.floats(0, 1),
    alternatives=st.lists(st.builds(Alternative, st.sampled_from(Bucket), st.floats(0, 1)), max_size=12).map(tuple),
    space=st.none() | st.just("alice/chat"),
    decisive=st.none() | st.builds(
        lambda source, quote: DecisiveLine(quote, source, "reading", cited=Phrase.of("ev.quote", source=source,
                                                                                     quote=quote)),
        st.sampled_from(SOURCES), FACT),
    evidence=st.lists(PHRASES["evidence"], max_size=30).map(tuple),
    next_actions=st.lists(PHRASES["next"], max_size=12).map(tuple),
    stop_doing=st.lists(st.sampled_from(["stop.pushing", "stop.duplicates", "stop.tokens", "stop.code_before_knowing"])
                        .map(lambda key: StopLine(key, "x")), max_size=4, unique=True).map(tuple),
    unavailable=st.lists(PHRASES["unavailable"], max_size=10).map(tuple),
    visitor=st.booleans(),
    language=st.sampled_from(sorted(texts.LANGUAGES)),
)


def embed_strings(spec) -> list[str]:
    return [spec.title, spec.description, *(part for field in spec.fields for part in field)]


@settings(max_examples=150, deadline=None)
@given(VERDICTS)
def test_any_verdict_makes_an_embed_discord_accepts_and_that_pings_nobody(v):
    spec = to_embed(v)
    assert 0 < len(spec.title) <= EMBED_TITLE_LIMIT and len(spec.description) <= EMBED_DESCRIPTION_LIMIT
    assert len(spec.fields) <= EMBED_FIELDS_MAX and spec.total_chars() <= EMBED_TOTAL_LIMIT
    for name, value in spec.fields:
        assert 0 < len(name) <= EMBED_FIELD_NAME_LIMIT and 0 < len(value) <= EMBED_FIELD_VALUE_LIMIT
    assert not [s for s in embed_strings(spec) if DISCORD_PING.search(s)]


@settings(max_examples=150, deadline=None)
@given(VERDICTS)
def test_any_verdict_makes_a_forum_post_that_pings_nobody(v):
    post = to_discourse(v)
    assert len(post) <= POST_LIMIT
    assert not DISCOURSE_PING.search(post), post


STAGES = st.sampled_from(["RUNTIME_ERROR", "BUILD_ERROR", "PAUSED", "RUNNING", "SLEEPING", "BUILDING", "CONFIG_ERROR"])
LIVE_LINK = re.compile(r"(?<!\\)\]\(")  # a Markdown link that would be live: [text](url)
LIVE_MARKUP = re.compile(r"(?<!\\)<(?:img|a|script|details)\b|(?<!\\)\[(?:quote|details|url)\b", re.I)


# shown literally by Discord and by Discourse: nothing in it is live (an escaped \` opens none)
CODE_SPAN = re.compile(r"(?<!\\)`[^`\n]*`")


def shown_as_typed(asked: str, stage: str, error_message: str) -> None:
    evidence = Evidence(space="alice/chat", runtime=Ok(RuntimeState(stage=stage, error_message=error_message)))
    v = decide(report(asked), evidence)
    spec, post = to_embed(v), CODE_SPAN.sub("", to_discourse(v))
    strings = [CODE_SPAN.sub("", s) for s in embed_strings(spec)]
    assert not [s for s in strings if DISCORD_PING.search(s) or LIVE_LINK.search(s)]
    assert not DISCOURSE_PING.search(post) and not LIVE_LINK.search(post) and not LIVE_MARKUP.search(post), post


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECE, max_size=8).map(" ".join), STAGES, FACT)
@example("", "RUNTIME_ERROR", "``````[x](https://evil.example)```")  # escaped backticks, then a code span
def test_what_a_person_or_the_platform_wrote_shows_as_typed(text, stage, error_message):
    """The request and the Space's own messages (its runtime errorMessage: an app's exception, an HTML error
    page it printed) are quoted, never obeyed: no live link, no HTML or BBCode, no ping, in either reply."""
    shown_as_typed(f"my Space https://huggingface.co/spaces/alice/chat is broken: {text}", stage, error_message)


@pytest.mark.parametrize("error_message", ["[x](https://evil.example)", "<img src=https://evil.example/p.png>"])
def test_a_visitors_advice_shows_the_runtime_message_as_typed(error_message):
    shown_as_typed("your demo https://huggingface.co/spaces/alice/chat is down for me", "RUNNING", error_message)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(PIECE, st.sampled_from(KINDS)), max_size=12), st.integers(0, 2**32))
def test_any_request_with_credentials_is_answered_without_them(parts, seed):
    """Every adapter reads a request with its credentials taken out first (tests.helpers.report): no part of one
    reaches the embed or the forum post, whatever surrounds it."""
    gen, samples, words = SecretGen(seed), [], []
    for part in parts:  # a kind's name stands for a credential of that kind, as people paste it
        if part in KINDS:
            samples.append(gen.sample(part))
            part = samples[-1].text
        words.append(part)
    # (joined by ", ": an unsigned JWT right before another token is a redactor miss of its own, tested in
    # tests/diagnosis/test_redact_classes.py)
    v = decide(report(", ".join(words)))
    shipped = "\n".join([*embed_strings(to_embed(v)), to_discourse(v)])
    assert not [fragment for sample in samples for fragment in leaked_fragments(sample, shipped)]
