"""The forum adapter's decisions, post by post (no forum needed: deciding makes no request), the webhook signature
check, the claims seam, the Discourse renderer, the configuration and the HTTP server's health report."""
from __future__ import annotations

import hashlib
import hmac
import random
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from diagnosis.extract import parse_report
from diagnosis.hub import HubClient
from diagnosis.model import Bucket
from diagnosis.render import email_draft, title, to_discourse, worded
from diagnosis.tree import decide
from forum.adapter import Forum, ForumPost, _Blanker
from forum.client import DiscourseClient
from forum.webhook import verified
from sandbox.discourse import SandboxDiscourse
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from spacedoc.config import ConfigError, DiscourseConfig, load
from spacedoc.http_server import HttpServer
from spacedoc.leases import Leases
from spacedoc.revocations import Revocations
from spacedoc.store import open_store
from tests.helpers import ROOT

HOME = 24


@pytest.fixture
async def forum() -> AsyncIterator[Forum]:
    config = DiscourseConfig(url="http://127.0.0.1:9", api_key="k", api_username="Space-Doctor",
                             categories=frozenset({HOME}))
    store = await open_store(":memory:")
    async with DiscourseClient(config.url, config.api_key, config.api_username) as client, \
            HubClient("http://127.0.0.1:9") as hub:
        yield Forum(client, hub, store, config, Leases(store), Revocations(store, hub.revoke_credentials))
    await store.close()


def post(**fields: Any) -> ForumPost:
    data = {"id": 7, "topic_id": 3, "post_number": 1, "username": "alice", "category_id": HOME,
            "topic_title": "Space broken", "raw": "My Space shows a build error since this morning."} | fields
    parsed = ForumPost.from_json(data)
    assert parsed is not None
    return parsed


def keys(forum: Forum, p: ForumPost, *, edited: bool = False) -> list[str]:
    return [unit.key for unit in forum.plan(p, edited=edited)]


def test_a_first_post_in_a_help_category_is_answered_once_per_topic(forum: Forum) -> None:
    assert keys(forum, post()) == ["discourse:topic:3:answer"]
    assert keys(forum, post(category_id=5)) == []  # outside the configured categories: silent
    assert keys(forum, post(category_id=5, raw="@space-doctor is my Space broken?")) == ["discourse:topic:3:answer"]
    assert keys(forum, post(post_number=2)) == []  # a reply without a mention


@pytest.mark.parametrize("raw, mentioned", [
    ("@space-doctor please look", True),
    ("what now @Space-Doctor.", True),
    ("(@space-doctor) what now?", True),
    ("@space-doctorx is someone else", False),
    ("mail me at me@space-doctor.dev", False),
    ("`@space-doctor` in code", False),
    ("```\n@space-doctor\n```", False),
    ("[quote=\"bob, post:2\"]@space-doctor look[/quote] me too", False),
])
def test_mentions_are_read_like_discourse_reads_them(forum: Forum, raw: str, mentioned: bool) -> None:
    assert keys(forum, post(post_number=4, id=9, raw=raw)) == (["discourse:post:9:mention"] if mentioned else [])


# What `_Blanker` must do, as the regex it replaces (quadratic on an unclosed "[quote" or "```").
CODE_OR_QUOTE = re.compile(r"```.*?```|`[^`\n]*`|\[quote[^\]]*\].*?\[/quote\]", re.S | re.I)


def test_code_and_quotes_are_blanked_as_the_regex_does() -> None:
    rng = random.Random(7)
    pieces = ["`", "``", "```", "[quote]", '[QUOTE="bob, post:2"]', "[quote", "[/quote]", "[/Quote]", "]", "[", "\n",
              "a", " @space-doctor ", "İ"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert _Blanker(text).blanked() == CODE_OR_QUOTE.sub(" ", text), text


@pytest.mark.parametrize("opener", ["[quote]", "[quote", "```", "[quote]x[/quote"])
def test_a_long_post_of_unclosed_quotes_or_fences_is_read_in_one_pass(forum: Forum, opener: str) -> None:
    raw = opener * (31_500 // len(opener)) + " @space-doctor please look"
    blanker = _Blanker(raw)
    assert blanker.blanked().endswith(" @space-doctor please look")
    assert blanker.read <= 3 * len(raw)  # the regex read ~len(raw)² / 14 characters for "[quote]"
    assert keys(forum, post(post_number=4, id=9, raw=raw)) == ["discourse:post:9:mention"]


@pytest.mark.parametrize("raw, category", [
    ("thanks @Space-Doctor, it works now!", 5),  # a mention anywhere
    ("Thank you, that fixed it.", HOME),  # a reply in a help category (the handler checks it is the author's)
    ("谢谢，可以了", HOME),
])
def test_thanks_are_a_follow_up_to_acknowledge_not_a_question(forum: Forum, raw: str, category: int) -> None:
    assert keys(forum, post(post_number=3, id=9, raw=raw, category_id=category)) == ["discourse:post:9:followup"]
    assert keys(forum, post(post_number=3, id=9, raw="thanks, but it still fails", category_id=5)) == []


def test_silent_on_its_own_posts_whispers_private_messages_and_edits(forum: Forum) -> None:
    assert keys(forum, post(username="space-doctor")) == []
    assert keys(forum, post(post_type=4)) == []  # a whisper
    assert keys(forum, post(topic_archetype="private_message", raw="@space-doctor hi there, look")) == []
    assert keys(forum, post(), edited=True) == []


def test_a_secret_comes_first_and_its_key_holds_no_part_of_it(forum: Forum) -> None:
    token = SecretGen(seed=31).sample("huggingface").secret
    units = forum.plan(post(raw=f"my token {token} does not work"), edited=False)
    assert [u.key.split(":")[3] for u in units] == ["leak", "answer"]
    secret = units[0]
    assert secret.key.startswith("discourse:post:7:leak:") and token[3:] not in secret.key
    # What finishing it after a crash needs, without the secret: ids and the kinds found.
    assert secret.payload == {"kind": "secret", "post_id": 7, "topic_id": 3, "post_number": 1, "username": "alice",
                              "findings": [["huggingface", "hf_"]], "lang": "en"}
    assert units[1].payload == {"kind": "topic", "post_id": 7, "topic_id": 3, "post_number": 1, "username": "alice"}
    private = forum.plan(post(topic_archetype="private_message", raw=f"here: {token}"), edited=False)
    assert [u.key.split(":")[3] for u in private] == ["leak"]  # read, so handled, even in a private message
    assert [u.key.split(":")[3] for u in forum.plan(post(raw=f"{token}"), edited=True)] == ["leak"]


def test_a_token_in_the_title_is_a_leak_of_the_topics_first_post(forum: Forum) -> None:
    token = SecretGen(seed=32).sample("huggingface").secret
    units = forum.plan(post(topic_title=f"401 with {token}"), edited=False)
    assert [u.key.split(":")[3] for u in units] == ["leak", "answer"] and token[3:] not in units[0].key
    assert [u.key.split(":")[3] for u in forum.plan(post(topic_title=token), edited=True)] == ["leak"]
    assert keys(forum, post(post_number=2, id=9, topic_title=token)) == []  # a reply: the title is the first post's


def test_payloads_missing_what_identifies_a_post_are_ignored() -> None:
    assert ForumPost.from_json({"topic_id": 3}) is None
    assert ForumPost.from_json(["not", "a", "post"]) is None
    sparse = ForumPost.from_json({"id": "5", "topic_id": 3})
    assert sparse is not None and (sparse.post_number, sparse.raw, sparse.category_id) == (1, "", None)


async def test_each_unit_is_claimed_once(forum: Forum) -> None:
    first = await forum.accept({"id": 7, "topic_id": 3, "post_number": 1, "category_id": HOME, "username": "a",
                                "raw": "My Space shows a build error since this morning."})
    again = await forum.accept({"id": 7, "topic_id": 3, "post_number": 1, "category_id": HOME, "username": "a",
                                "raw": "My Space shows a build error since this morning."})
    assert [u.key for u in first] == ["discourse:topic:3:answer"] and again == []


async def test_a_helper_groups_answer_silences_the_bot_and_an_unknown_group_does_not_stop_it(
        tmp_path: Path) -> None:
    async with SandboxDiscourse() as site, SandboxHub() as hub_server:
        config = DiscourseConfig(url=site.url, api_key=site.api_key, api_username=site.bot.username,
                                 categories=frozenset({HOME}), helper_groups=("helpers", "no-such-group"))
        store = await open_store(str(tmp_path / "forum.sqlite3"))
        async with DiscourseClient(site.url, site.api_key, site.bot.username) as client, \
                HubClient(hub_server.endpoint, status_url=hub_server.status_url) as hub:
            forum = Forum(client, hub, store, config, Leases(store), Revocations(store, hub.revoke_credentials))
            await forum.start()
            alice, vera = site.add_user("alice"), site.add_user("vera", groups=["helpers"])
            helped = await site.create_topic(alice, HOME, "Build error", "My Space orchid-nlp/summarizer fails "
                                                                         "to build after an update.")
            await site.reply(vera, helped.topic_id, "Your requirements pin a wheel that does not exist.")
            alone = await site.create_topic(alice, HOME, "Build error again", "My Space orchid-nlp/summarizer "
                                                                              "fails to build, please help.")
            for p in (helped, alone):
                await forum.handle(site.post_json(p, webhook=True))
            await forum.close()
        await store.close()
    assert not site.bot_posts(helped.topic_id) and len(site.bot_posts(alone.topic_id)) == 1


def test_webhook_signatures_are_checked_on_the_exact_body() -> None:
    secret, body = "a-webhook-secret-of-some-length", b'{"post": {"id": 1}}'
    good = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert verified(secret, body, good)
    assert not verified(secret, body + b" ", good)
    assert not verified(secret, body, good.upper())
    assert not verified(secret, body, good.removeprefix("sha256="))
    assert not verified("another-secret-entirely", body, good)
    assert not verified(secret, body, None) and not verified(secret, body, "sha256=ü")


# ---- the Discourse renderer ----


def test_every_bucket_renders_as_discourse_markdown_without_discord_markup() -> None:
    reports = {
        Bucket.BUILD_FAILURE: "Space https://huggingface.co/spaces/a/b build error\nERROR: Could not find a version "
                              "that satisfies the requirement torch==1.8.0",
        Bucket.LIFECYCLE_STUCK: "Space https://huggingface.co/spaces/a/b: Build Queued then Paused, builder never runs",
        Bucket.NEEDS_INFO: "my space is broken",
    }
    for bucket, text in reports.items():
        verdict = decide(parse_report(text))
        assert verdict.bucket is bucket
        out = to_discourse(verdict)
        assert out.startswith(f"**Space Doctor — {title(verdict)}**")
        assert "<@" not in out and "||" not in out and "-# " not in out
        if verdict.decisive is not None:  # the decisive line, quoted right after the title
            assert out.split("\n\n")[1].replace("\\", "") == f"> {worded(verdict).quote}"
        draft = email_draft(verdict)
        assert bucket is not Bucket.LIFECYCLE_STUCK or draft  # a stuck Space: there is a draft, but not in the topic
        assert "[details" not in out and (draft is None or draft.splitlines()[1] not in out)


def test_quoted_text_cannot_ping_restyle_or_open_html_on_the_forum() -> None:
    verdict = decide(parse_report("Space https://huggingface.co/spaces/a/b build error @everyone @alice\n"
                                  "ERROR: Could not find a version that satisfies the requirement torch==1.8.0 "
                                  "<img src=x onerror=alert(1)> [quote]x[/quote] **bold** [link](https://x.y)"))
    out = to_discourse(verdict)
    assert "@everyone" not in out and "@alice" not in out and "@\u200balice" in out
    assert not re.search(r"(?<!\\)<img", out) and not re.search(r"(?<!\\)\]\(", out)  # no live HTML, no link
    assert "[quote]" not in out and "**bold**" not in out
    assert "website@huggingface.co" in to_discourse(decide(parse_report(
        "Space https://huggingface.co/spaces/a/b: Build Queued then Paused, builder never runs")))


# ---- configuration ----

FORUM = {"DISCOURSE_URL": "https://discuss.example.org/", "DISCOURSE_API_KEY": "key123",
         "DISCOURSE_API_USERNAME": "space-doctor"}


def test_discourse_alone_is_enough_and_every_variable_is_read() -> None:
    config = load(FORUM | {"DISCOURSE_CATEGORIES": "24, 10", "DISCOURSE_WEBHOOK_SECRET": "s" * 20,
                           "SPACEDOC_HTTP_PORT": "8080", "DISCOURSE_POLL_SECONDS": "2.5",
                           "DISCOURSE_CATCHUP_SECONDS": "120", "DISCOURSE_HELPER_GROUPS": "helpers, staff-team"})
    assert config.token is None and config.http_port == 8080
    assert config.discourse == DiscourseConfig(
        url="https://discuss.example.org", api_key="key123", api_username="space-doctor",
        categories=frozenset({24, 10}), webhook_secret="s" * 20, poll_seconds=2.5,
        catchup_seconds=120, helper_groups=("helpers", "staff-team"))
    assert "key123" not in repr(config) and "s" * 20 not in repr(config)
    polling = load(FORUM).discourse
    assert polling is not None and polling.webhook_secret is None and polling.poll_seconds == 30
    assert polling.catchup_seconds == 300
    assert polling.categories == frozenset()  # none answered automatically when unset
    both = load(FORUM | {"DISCORD_TOKEN": "t"})
    assert both.token == "t" and both.discourse is not None


@pytest.mark.parametrize("changes, named", [
    ({"DISCOURSE_URL": ""}, "neither DISCORD_TOKEN nor DISCOURSE_URL"),
    ({"DISCOURSE_URL": "discuss.example.org"}, "DISCOURSE_URL"),
    ({"DISCOURSE_API_KEY": ""}, "DISCOURSE_API_KEY"),
    ({"DISCOURSE_API_USERNAME": "two words"}, "DISCOURSE_API_USERNAME"),
    ({"DISCOURSE_CATEGORIES": "spaces"}, "DISCOURSE_CATEGORIES"),
    ({"DISCOURSE_WEBHOOK_SECRET": "short"}, "DISCOURSE_WEBHOOK_SECRET"),
    ({"DISCOURSE_WEBHOOK_SECRET": "s" * 20}, "SPACEDOC_HTTP_PORT"),
    ({"DISCOURSE_POLL_SECONDS": "0"}, "DISCOURSE_POLL_SECONDS"),
    ({"DISCOURSE_POLL_SECONDS": "often"}, "DISCOURSE_POLL_SECONDS"),
    ({"DISCOURSE_CATCHUP_SECONDS": "-5"}, "DISCOURSE_CATCHUP_SECONDS"),
    ({"SPACEDOC_HTTP_PORT": "70000"}, "SPACEDOC_HTTP_PORT"),
])
def test_bad_forum_settings_are_one_line_errors(changes: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(FORUM | changes)
    assert named in str(error.value) and "\n" not in str(error.value)


# ---- the HTTP server ----


async def test_health_reports_each_part_and_a_failing_check_as_error() -> None:
    server = HttpServer(0, host="127.0.0.1")

    async def fine() -> str:
        return "ok"

    async def broken() -> str:
        raise RuntimeError("database is locked")

    server.add_check("store", fine)
    server.add_check("discourse", broken)
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{server.port}/healthz") as response,
        ):
            assert response.status == 200 and await response.json() == {"store": "ok", "discourse": "error"}
    finally:
        await server.close()


def test_the_product_never_imports_the_stand_ins() -> None:
    root = ROOT
    sources = [*root.glob("forum/*.py"), *root.glob("spacedoc/*.py"), *root.glob("diagnosis/*.py"),
               *root.glob("cogs/*.py")]
    importing = [p.name for p in sources if re.search(r"^\s*(from|import) sandbox\b", p.read_text(), re.M)]
    assert sources and not importing


def test_the_forum_package_never_imports_discord() -> None:
    import subprocess

    code = ("import sys, forum.adapter, forum.polling, forum.webhook, spacedoc.diagnosis_service; "
            "print('discord' in sys.modules)")
    root = ROOT
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "False"
