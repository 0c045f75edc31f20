"""Space Doctor end to end: the real bot (as `python bot.py` builds it) against the sandbox Discord and Hub.

Every test also passes the harness's checks (tests/conftest.py): no ERROR log, no unrouted request, no
secret in anything the bot sent.
"""
from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest

from diagnosis.incidents import DiagnosisRecord
from diagnosis.model import Bucket
from diagnosis.redact import redact
from diagnosis.spaceref import not_a_space
from diagnosis.texts import DEFAULT, command_description, word
from diagnosis.texts import say as say_in
from diagnosis.texts.zh import COMMAND_DESCRIPTIONS
from sandbox.discord_server import FLAG_LOADING, PERM_READ_MESSAGE_HISTORY, DiscordSandbox
from sandbox.harness import BotHarness, all_text
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from spacedoc.leases import nonce
from spacedoc.store import open_store
from tests.helpers import ROOT

pytestmark = pytest.mark.timeout(60)


def say(key: str, **args: str) -> str:
    """An English reply text, looked up (not written here): the texts may change."""
    return say_in(DEFAULT, key, **args)


BUILD_FAILURE = say("title.build_failure")
APOLOGY = say("discord.apology", step="?").split("?")[0]  # the apology's opening, whatever the step


async def recorded_buckets(h: BotHarness) -> list[str]:
    since = datetime.now(UTC) - timedelta(hours=1)
    return [r.bucket.value for r in await h.bot.store.recent_diagnoses(since=since)]


def field(message: dict, name: str) -> str:
    """The value of the verdict embed's field called `name` ("" when absent)."""
    return next((f["value"] for f in message["embeds"][0].get("fields", []) if f["name"] == name), "")


def progress_edits(h: BotHarness) -> list[str]:
    return [r.body.get("content") or "" for r in h.discord.requests
            if r.method == "PATCH" and r.path.endswith("/messages/@original") and r.body]


def command_uploads(h: BotHarness) -> int:
    """How many times the bot uploaded its command tree."""
    return sum(1 for r in h.discord.requests if r.method == "PUT" and r.path.endswith("/commands"))


def synced_command_names(h: BotHarness) -> set[str]:
    return {c["name"] for c in h.discord.guild_commands[h.discord.guild_id]}


@pytest.mark.parametrize("space, bucket", [
    ("orchid-nlp/summarizer", "build_failure"),
    ("marlin-ai/chat-ui-stack", "lifecycle_stuck"),
    ("kestrel-labs/vnc-desktop", "moderation_lock"),
    ("tern-vision/sdxl-playground", "runtime_crash"),
    ("puffin-tools/fastapi-ocr", "port_healthcheck"),
])
async def test_slash_diagnose_defers_shows_progress_then_the_verdict(harness: BotHarness, space: str,
                                                                     bucket: str) -> None:
    alice = harness.discord.add_user("alice")
    details = harness.hub.scenarios[space]["report"]
    interaction = await harness.discord.invoke_slash(
        "diagnose", {"space": f"https://huggingface.co/spaces/{space}", "details": details},
        user=alice, channel_id=harness.discord.help_channel)
    final = await harness.discord.wait_for_response(interaction, lambda m: bool(m["embeds"]))

    callback = next(r for r in harness.discord.requests if r.path.startswith(f"/interactions/{interaction.id}/"))
    assert callback.body["type"] == 5 and not interaction.ephemeral  # deferred at once, public
    assert any("✓" in text for text in progress_edits(harness))  # progress was shown while checks ran
    assert not final["flags"] & FLAG_LOADING and final["embeds"][0]["title"]
    assert await recorded_buckets(harness) == [bucket]
    if bucket == "lifecycle_stuck":
        assert say("stop.pushing") in field(final, say("ui.stop_doing"))


async def test_context_menu_diagnoses_the_message(harness: BotHarness) -> None:
    d = harness.discord
    alice, bob = d.add_user("alice"), d.add_user("bob")
    message = await d.post(d.general, alice,
                           "https://huggingface.co/spaces/tern-vision/sdxl-playground keeps restarting after "
                           "loading the model, says runtime error")
    interaction = await d.invoke_message_command("Diagnose", d.general, int(message["id"]), user=bob)
    final = await d.wait_for_response(interaction, lambda m: bool(m["embeds"]))
    assert final["embeds"][0]["title"]
    assert await recorded_buckets(harness) == ["runtime_crash"]


async def test_mention_in_a_thread_reads_the_starter_and_the_op(harness: BotHarness) -> None:
    d = harness.discord
    alice, helper = d.add_user("alice"), d.add_user("helper")
    post = await d.create_forum_post(
        d.help_forum, alice, "Space stuck on PAUSED",
        "My Space https://huggingface.co/spaces/marlin-ai/chat-ui-stack is stuck on Paused, restart fails.")
    thread = int(post["id"])
    await d.post(thread, alice, "I pushed several empty commits to trigger a build, the build never starts.")
    await d.post(thread, helper, "Did you try turning it off and on?")
    reply = await harness.ask(thread, helper, f"{harness.mention()} can you take a look?")

    assert reply["message_reference"]["channel_id"] == str(thread)
    assert any(r.method == "GET" and r.path == f"/channels/{thread}/messages" for r in d.requests)
    assert await recorded_buckets(harness) == ["lifecycle_stuck"]
    assert say("stop.pushing") in field(reply, say("ui.stop_doing"))


async def test_mention_in_a_channel_thread_reads_its_starter_in_the_parent(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    starter = await d.post(d.general, alice, "https://huggingface.co/spaces/tern-vision/sdxl-playground says "
                                             "runtime error and keeps restarting after loading the model")
    thread = await d.create_thread(d.general, alice, "sdxl crash", from_message=int(starter["id"]))
    await harness.ask(thread, alice, f"{harness.mention()} what is wrong?")
    assert await recorded_buckets(harness) == ["runtime_crash"]  # only the starter names the Space


async def test_mention_replying_to_a_deleted_message_reads_the_mention_alone(harness: BotHarness) -> None:
    """The message replied to is gone (its author or the moderation deleted it): the mention still gets its
    diagnosis, not an apology."""
    d = harness.discord
    alice = d.add_user("alice")
    gone = await d.post(d.general, alice, "look at this")
    await d.delete(d.general, int(gone["id"]))
    asked = await d.post(d.general, alice, f"{harness.mention()} orchid-nlp/summarizer build error",
                         reply_to=int(gone["id"]))
    reply = await d.wait_for_bot_message(d.general, after=int(asked["id"]), timeout=5)
    assert BUILD_FAILURE in all_text([reply]) and APOLOGY not in all_text([reply])


async def test_placeholder_url_asks_for_the_real_one(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    reply = await harness.ask(d.help_channel, alice,
                              f"{harness.mention()} my space https://huggingface.co/spaces/OWNER/SPACE_NAME shows 503")
    text = all_text([reply])
    assert say("ask.placeholder") in text and say("ask.runtime", space="OWNER/NAME") in text
    await harness.idle()
    assert not harness.hub.calls  # nothing to look up
    assert await recorded_buckets(harness) == []


async def test_hub_fault_still_answers_and_names_the_missing_check(harness: BotHarness) -> None:
    space = "tern-vision/sdxl-playground"
    harness.hub.set_fault(space, "runtime", {"status": 500})
    alice = harness.discord.add_user("alice")
    interaction = await harness.discord.invoke_slash("diagnose", {"space": space}, user=alice,
                                                     channel_id=harness.discord.general)
    final = await harness.discord.wait_for_response(interaction, lambda m: bool(m["embeds"]))
    assert "HTTP 500" in all_text([final])  # the unavailable check, and why


async def test_rate_limited_edit_is_retried(harness: BotHarness) -> None:
    harness.discord.inject_rate_limit("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$", times=2,
                                      retry_after=0.02)
    alice = harness.discord.add_user("alice")
    interaction = await harness.discord.invoke_slash("diagnose", {"space": "orchid-nlp/summarizer"}, user=alice,
                                                     channel_id=harness.discord.general)
    await harness.discord.wait_for_response(interaction, lambda m: bool(m["embeds"]))
    statuses = [r.status for r in harness.discord.requests if r.path.endswith("/@original")]
    assert statuses[:2] == [429, 429] and statuses[-1] == 200


async def test_rate_limit_without_via_is_waited_out_not_apologised_for(harness: BotHarness) -> None:
    """discord.py raises a 429 without `Via` instead of waiting: the answer became an apology."""
    d = harness.discord
    d.inject_rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.02, via=False)
    answer = await harness.ask(d.general, d.add_user("alice"),
                               f"{harness.mention()} https://huggingface.co/spaces/orchid-nlp/summarizer build error")
    assert BUILD_FAILURE in all_text([answer]) and APOLOGY not in all_text([answer])
    posts = [r.status for r in d.requests if r.method == "POST" and r.path == f"/channels/{d.general}/messages"]
    assert posts[:2] == [429, 200]


async def test_rate_limited_interaction_edit_without_via_is_waited_out(harness: BotHarness) -> None:
    d = harness.discord
    d.inject_rate_limit("PATCH", r"/messages/@original$", times=2, retry_after=0.02, via=False)
    interaction = await d.invoke_slash("diagnose", {"space": "my app is broken"}, user=d.add_user("alice"),
                                       channel_id=d.general)  # no Space: one edit, the answer itself
    answer = await d.wait_for_response(interaction)
    assert "OWNER/NAME" in answer["content"]
    assert [r.status for r in d.requests if r.path.endswith("/@original")] == [429, 429, 200]


async def test_lone_surrogates_in_a_mention_and_in_diagnose_details_get_one_answer(harness: BotHarness) -> None:
    d = harness.discord
    asked = f"{harness.mention()} https://huggingface.co/spaces/orchid-nlp/summarizer build error \udc80"
    reply = await harness.ask(d.general, d.add_user("alice"), asked)
    interaction = await d.invoke_slash("diagnose", {"space": "orchid-nlp/summarizer", "details": "build error \udc80"},
                                       user=d.add_user("bob"), channel_id=d.general)
    final = await d.wait_for_response(interaction, lambda m: bool(m["embeds"]))
    await harness.idle()
    assert BUILD_FAILURE in all_text([reply]) and BUILD_FAILURE in all_text([final])
    assert not any(APOLOGY in all_text([m]) for m in d.bot_messages(d.general))


async def test_slash_diagnose_takes_an_all_digit_space_name(harness: BotHarness) -> None:
    harness.hub.set_scenario({**harness.hub.scenarios["marlin-ai/chat-ui-stack"], "id": "quail-games/2048"})
    alice = harness.discord.add_user("alice")
    interaction = await harness.discord.invoke_slash("diagnose", {"space": "quail-games/2048"}, user=alice,
                                                     channel_id=harness.discord.general)
    final = await harness.discord.wait_for_response(interaction, lambda m: bool(m["embeds"]))
    assert "quail-games/2048" in all_text([final]) and await recorded_buckets(harness) == ["lifecycle_stuck"]


async def test_slash_diagnose_with_a_model_url_says_it_is_a_model(harness: BotHarness) -> None:
    alice = harness.discord.add_user("alice")
    interaction = await harness.discord.invoke_slash(
        "diagnose", {"space": "https://huggingface.co/meta-llama/Llama-2-7b-chat-hf"}, user=alice,
        channel_id=harness.discord.general)
    said = not_a_space("https://huggingface.co/meta-llama/Llama-2-7b-chat-hf")  # "`…` is a model, not a Space"
    await harness.discord.wait_for_response(interaction, lambda m: word(said) in m["content"])
    # asked in Chinese, told in Chinese
    options = {"space": "https://huggingface.co/meta-llama/Llama-2-7b-chat-hf", "details": "启动时一直报错，怎么办？"}
    interaction = await harness.discord.invoke_slash("diagnose", options, user=alice,
                                                     channel_id=harness.discord.general)
    await harness.discord.wait_for_response(interaction, lambda m: word(said, "zh") in m["content"])
    await harness.idle()
    assert not harness.hub.calls


async def test_mention_with_a_model_url_says_so_before_asking_which_space(harness: BotHarness) -> None:
    d = harness.discord
    reply = await harness.ask(d.general, d.add_user("alice"), f"{harness.mention()} "
                              "https://huggingface.co/meta-llama/Llama-2-7b-chat-hf gives 503 since this morning")
    text = all_text([reply])
    said = say("ask.not_a_space", repo="meta-llama/Llama-2-7b-chat-hf", kind="model",
               page="https://huggingface.co/meta-llama/Llama-2-7b-chat-hf/discussions")
    asked = say("ask.which_space")
    assert said in text and asked in text and text.index(said) < text.index(asked)


async def test_mention_with_an_hf_space_address_is_resolved_before_asking(harness: BotHarness) -> None:
    harness.hub.set_scenario({**harness.hub.scenarios["marlin-ai/chat-ui-stack"], "id": "alice/my_cool_app"})
    d = harness.discord
    reply = await harness.ask(d.general, d.add_user("alice"),
                              f"{harness.mention()} https://alice-my-cool-app.hf.space shows 503 and stays paused")
    assert "`alice/my_cool_app`" in all_text([reply]) and say("ask.which_space") not in all_text([reply])
    assert await recorded_buckets(harness) == ["lifecycle_stuck"]


async def test_reconnect_with_replayed_events_does_not_answer_twice(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    asked = f"{harness.mention()} https://huggingface.co/spaces/orchid-nlp/summarizer build error after requirements"
    reply = await harness.ask(d.general, alice, asked)
    await d.reconnect(replay=10)  # Discord may deliver events again after a RESUME
    await d.wait_for(lambda: any(g.get("op") == 6 for g in d.gateway_received))
    await harness.idle()
    assert any(e["t"] == "MESSAGE_CREATE" and e["d"]["id"] == reply["message_reference"]["message_id"]
               for e in d.replayed)  # the question itself was delivered again
    replies = [m for m in d.bot_messages(d.general) if m.get("message_reference")]
    assert [m["id"] for m in replies] == [reply["id"]]

    await harness.restart()  # a new session: new questions are answered, edits of answered ones are not
    again = await d.post(d.general, alice, asked)
    await d.wait_for_bot_message(d.general, after=int(again["id"]))
    await d.edit(d.general, int(again["id"]), asked + " (edited)")
    await harness.idle()
    assert len([m for m in d.bot_messages(d.general) if m.get("message_reference")]) == 2


async def test_an_answer_created_but_answered_500_is_not_posted_twice(harness: BotHarness) -> None:
    """Discord created the reply and answered 500; discord.py sends it again: the claim's nonce makes Discord return
    the first one instead of a second answer."""
    d = harness.discord
    d.inject_error_after("POST", rf"^/channels/{d.general}/messages$", status=500)
    asked = await d.post(d.general, d.add_user("uma"),
                         f"{harness.mention()} https://huggingface.co/spaces/orchid-nlp/summarizer build error")
    reply = await d.wait_for_bot_message(d.general, after=int(asked["id"]))

    def posts() -> list:
        return [r for r in d.requests if r.method == "POST" and r.path == f"/channels/{d.general}/messages"]

    await d.wait_for(lambda: len(posts()) == 2 and posts()[1].status)  # discord.py retries a 500 after a second
    await harness.idle()
    assert len(d.bot_messages(d.general)) == 1 and d.nonce_hits == 1
    assert [r.status for r in posts()] == [500, 200]
    assert {r.body["nonce"] for r in posts()} == {nonce(f"answer:msg:{asked['id']}")}
    assert all(r.body["enforce_nonce"] is True for r in posts())
    assert reply["nonce"] == nonce(f"answer:msg:{asked['id']}")


async def test_shards_unset_means_as_many_as_discord_recommends(harness: BotHarness) -> None:
    d = harness.discord
    assert any(r.method == "GET" and r.path == "/gateway/bot" for r in d.requests)
    identify = next(g["d"] for g in d.gateway_received if g.get("op") == 2)
    assert identify["shard"] == [0, 1]


async def test_records_past_the_retention_period_are_pruned_on_schedule(tmp_path: Path) -> None:
    db = str(tmp_path / "old.sqlite3")
    store = await open_store(db)
    now = datetime.now(UTC)
    for age in (40, 1):  # days; SPACEDOC_RETENTION_DAYS is 30
        await store.record_diagnosis(DiagnosisRecord(space="orchid-nlp/summarizer", bucket=Bucket.BUILD_FAILURE,
                                                     at=now - timedelta(days=age), guild_id=None))
    await store.close()
    async with BotHarness(db) as h:
        for _ in range(200):  # the first round runs at start
            kept = await h.bot.store.recent_diagnoses(since=now - timedelta(days=365))
            if len(kept) == 1:
                break
            await asyncio.sleep(0.01)
        assert [r.at.date() for r in kept] == [(now - timedelta(days=1)).date()]
    h.check_clean()


async def test_commands_synced_once_then_only_when_changed(harness: BotHarness) -> None:
    assert command_uploads(harness) == 1
    assert {"diagnose", "Diagnose"} <= synced_command_names(harness)
    await harness.restart()
    assert command_uploads(harness) == 1

    @harness.bot.tree.command(description="a command added in a new release")
    async def added(interaction: discord.Interaction) -> None: ...

    await harness.bot.sync_commands()  # the tree changed: synced again, once
    await harness.bot.sync_commands()
    assert command_uploads(harness) == 2 and "added" in synced_command_names(harness)


async def test_command_descriptions_are_in_the_users_client_language(harness: BotHarness) -> None:
    """Discord shows a command's description in the client's language: every description the bot syncs has its
    Chinese wording (a new command without one fails here), and the English stays the default."""
    commands = harness.discord.guild_commands[harness.discord.guild_id]

    def descriptions(node: dict) -> list[tuple[str, dict | None]]:
        own = [(node["description"], node.get("description_localizations"))] if node.get("description") else []
        return own + [d for option in node.get("options") or [] for d in descriptions(option)
                      if option.get("type") in (1, 2) or option.get("description") != "…"]

    found = [d for command in commands for d in descriptions(command)]
    assert len(found) > 10, found
    for english, localized in found:
        assert localized and localized.get("zh-CN") == command_description(english, "zh-CN"), english
    diagnose = next(c for c in commands if c["name"] == "diagnose")
    assert diagnose["description_localizations"]["zh-CN"] == COMMAND_DESCRIPTIONS[diagnose["description"]]


async def test_a_failed_command_sync_does_not_stop_the_bot(harness: BotHarness) -> None:
    @harness.bot.tree.command(description="a command added in a new release")
    async def added(interaction: discord.Interaction) -> None: ...

    harness.discord.inject_error("PUT", r"/commands$")
    await harness.bot.sync_commands()  # refused: logged as a warning, the bot goes on
    assert "added" not in synced_command_names(harness)
    await harness.bot.sync_commands()  # not recorded as synced, so the next attempt syncs
    assert command_uploads(harness) == 3 and "added" in synced_command_names(harness)
    alice = harness.discord.add_user("alice")
    answer = await harness.ask(harness.discord.general, alice,
                               f"{harness.mention()} https://huggingface.co/spaces/orchid-nlp/summarizer "
                               "shows build error")
    assert BUILD_FAILURE in all_text([answer])


async def test_secret_in_hub_evidence_never_reaches_discord(harness: BotHarness) -> None:
    token = SecretGen(seed=5).sample("huggingface").secret
    scenario = dict(harness.hub.scenarios["tern-vision/sdxl-playground"], id="tern-vision/leaky")
    scenario["runtime"] = {**scenario["runtime"], "errorMessage": f"KeyError: HF_TOKEN={token} rejected"}
    harness.hub.set_scenario(scenario)
    alice = harness.discord.add_user("alice")
    interaction = await harness.discord.invoke_slash("diagnose", {"space": "tern-vision/leaky"}, user=alice,
                                                     channel_id=harness.discord.general)
    final = await harness.discord.wait_for_response(interaction, lambda m: bool(m["embeds"]))
    assert token not in all_text([final])  # and check_clean() finds no secret in any request


async def test_handler_failure_is_logged_and_apologised_for(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "help", "https://huggingface.co/spaces/orchid-nlp/summarizer")
    reading = say("step.reading")
    harness.allow_errors(rf"answering message \d+ failed while {reading}")
    everyone = d.roles[d.guild_id]
    everyone["permissions"] = str(int(everyone["permissions"]) & ~PERM_READ_MESSAGE_HISTORY)
    reply = await harness.ask(int(post["id"]), alice, f"{harness.mention()} please look")
    assert reply["content"] == say("discord.apology", step=reading)
    assert any(reading in r.getMessage() for r in harness.logged_errors)
    everyone["permissions"] = str(int(everyone["permissions"]) | PERM_READ_MESSAGE_HISTORY)
    assert await harness.ask(d.general, alice, f"{harness.mention()} orchid-nlp/summarizer build error")  # still alive


async def run_bot_py(*args: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bot.py"), *args, cwd=str(ROOT), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


def base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k in keep} | {"PYTHONPATH": str(ROOT)}


async def test_python_bot_py_runs_from_the_environment(tmp_path: Path) -> None:
    """What external checks do: start `python bot.py` with only environment variables, talk to it, stop it."""
    async with DiscordSandbox() as d, SandboxHub() as hub:
        env = base_env() | BotHarness(str(tmp_path / "proc.sqlite3"), discord=d, hub=hub).env()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await d.wait_for(lambda: any(s.identified for s in d.sessions), timeout=30)
            alice = d.add_user("alice")
            posted = await d.post(d.general, alice, f"<@{d.bot_user_id}> my space OWNER/SPACE_NAME is broken")
            reply = await d.wait_for_bot_message(d.general, after=int(posted["id"]), timeout=10)
            assert say("ask.placeholder") in all_text([reply])
        finally:
            proc.terminate()
            _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert not d.unhandled and "Traceback" not in err.decode()


async def test_bad_or_missing_token_is_a_one_line_error(harness: BotHarness) -> None:
    env = base_env() | harness.env() | {"DISCORD_TOKEN": "sandbox.not-the-right-token"}
    for case in ("invalid", "missing"):
        code, out, err = await run_bot_py(env=env)
        errors = [line for line in err.splitlines() if "error" in line.lower()]
        assert code != 0 and "Traceback" not in err, case
        assert len(errors) == 1 and errors[0].startswith("bot.py: error:") and "DISCORD_TOKEN" in errors[0], case
        env.pop("DISCORD_TOKEN", None)


async def test_unusable_database_is_a_one_line_error(harness: BotHarness, tmp_path) -> None:
    env = base_env() | harness.env() | {"SPACEDOC_DB": str(tmp_path / "no-such-dir" / "spacedoc.sqlite3")}
    code, out, err = await run_bot_py(env=env)
    assert code != 0 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("bot.py: error: cannot open the database SPACEDOC_DB=")


async def test_demo_runs_offline_and_exits_0() -> None:
    code, out, err = await run_bot_py("--demo", env=base_env(), timeout=90)
    assert code == 0, err
    assert "Space Doctor" in out and out.count("\n") > 10
    assert not redact(out).findings and not redact(err).findings


async def test_slash_with_something_that_is_no_space_says_so(harness: BotHarness) -> None:
    alice = harness.discord.add_user("alice")
    interaction = await harness.discord.invoke_slash("diagnose", {"space": "my app is broken"}, user=alice,
                                                     channel_id=harness.discord.general)
    final = await harness.discord.wait_for_response(interaction, lambda m: "OWNER/NAME" in m["content"])
    await harness.idle()
    assert not final["embeds"] and await recorded_buckets(harness) == []
