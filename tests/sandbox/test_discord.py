"""The sandbox Discord behaves like Discord where a bot can get it wrong — checked with the real discord.py.

These drive a throwaway discord.py client (not Space Doctor) so that the sandbox itself is pinned down.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands

from sandbox.discord_server import PERM_MANAGE_THREADS, PERM_SEND_MESSAGES, DiscordSandbox
from spacedoc.discord_bot import discord_at


class Recorder(discord.Client):
    """A minimal client that remembers what it saw and exposes a tree for interaction tests."""

    def __init__(self, intents: discord.Intents) -> None:
        super().__init__(intents=intents, guild_ready_timeout=0.01)
        self.tree = app_commands.CommandTree(self)
        self.seen: list[discord.Message] = []
        self.edits: list[discord.Message] = []
        self.resumed = asyncio.Event()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)

    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        self.edits.append(after)

    async def on_resumed(self) -> None:
        self.resumed.set()


def default_intents(message_content: bool = True) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = True
    intents.message_content = message_content
    return intents


@contextlib.asynccontextmanager
async def running(server: DiscordSandbox, client: Recorder, *, sync: bool = False) -> AsyncIterator[Recorder]:
    with discord_at(server.api_base, server.gateway_url):
        if sync:
            async def setup_hook() -> None:
                await client.tree.sync()
            client.setup_hook = setup_hook  # type: ignore[method-assign]
        task = asyncio.create_task(client.start(server.token))
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait({task, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        try:
            yield client
        finally:
            await client.close()
            await task


async def test_login_ready_and_guild_layout(discord_sandbox: DiscordSandbox) -> None:
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        guild = client.get_guild(discord_sandbox.guild_id)
        assert guild is not None and client.user is not None
        assert client.user.id == discord_sandbox.bot_user_id
        assert isinstance(guild.get_channel(discord_sandbox.help_forum), discord.ForumChannel)
        assert isinstance(guild.get_channel(discord_sandbox.general), discord.TextChannel)
        assert client.application_id == discord_sandbox.application_id
        assert [r.path for r in discord_sandbox.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert not discord_sandbox.unhandled


async def test_invalid_token_is_a_login_failure(discord_sandbox: DiscordSandbox) -> None:
    with discord_at(discord_sandbox.api_base, None):
        client = Recorder(default_intents())
        with pytest.raises(discord.LoginFailure):
            await client.start("not-the-token")
        await client.close()


async def test_own_messages_echo_and_forum_posts(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        channel = client.get_channel(discord_sandbox.general)
        sent = await channel.send("hello")  # type: ignore[union-attr]
        await discord_sandbox.wait_for(lambda: any(m.id == sent.id for m in client.seen))
        post = await discord_sandbox.create_forum_post(discord_sandbox.help_forum, alice, "Stuck", "my Space is PAUSED")
        await discord_sandbox.wait_for(lambda: any(m.id == int(post["id"]) for m in client.seen))
        starter = next(m for m in client.seen if m.id == int(post["id"]))
        assert isinstance(starter.channel, discord.Thread) and starter.channel.id == starter.id
        assert starter.content == "my Space is PAUSED"


async def test_content_blanked_without_the_intent_unless_mentioned(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    async with running(discord_sandbox, Recorder(default_intents(message_content=False))) as client:
        await discord_sandbox.post(discord_sandbox.general, alice, "plain words")
        await discord_sandbox.post(discord_sandbox.general, alice, f"<@{discord_sandbox.bot_user_id}> look")
        await discord_sandbox.wait_for(lambda: len(client.seen) == 2)
        assert [m.content for m in client.seen] == ["", f"<@{discord_sandbox.bot_user_id}> look"]


async def test_message_content_intent_not_granted_closes_4014() -> None:
    async with DiscordSandbox(message_content_granted=False) as server:
        with discord_at(server.api_base, server.gateway_url):
            client = Recorder(default_intents())
            with pytest.raises(discord.PrivilegedIntentsRequired):
                await client.start(server.token)
            await client.close()


async def test_rate_limit_is_retried(discord_sandbox: DiscordSandbox) -> None:
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        discord_sandbox.inject_rate_limit("POST", r"^/channels/\d+/messages$", times=2, retry_after=0.01)
        await client.get_channel(discord_sandbox.general).send("after a 429")  # type: ignore[union-attr]
        posts = [r.status for r in discord_sandbox.requests if r.method == "POST" and r.path.endswith("/messages")]
        assert posts == [429, 429, 200]


async def test_rate_limit_without_via_is_raised_by_discord_py(discord_sandbox: DiscordSandbox) -> None:
    """What discord.py does with a 429 that lacks `Via` (it assumes a Cloudflare ban): it raises at once."""
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        discord_sandbox.inject_rate_limit("POST", r"^/channels/\d+/messages$", retry_after=0.01, via=False)
        with pytest.raises(discord.HTTPException) as limited:
            await client.get_channel(discord_sandbox.general).send("once")  # type: ignore[union-attr]
        assert limited.value.status == 429 and "Via" not in limited.value.response.headers
        assert float(limited.value.response.headers["X-RateLimit-Reset-After"]) == 0.01


async def test_starter_message_before_thread_create(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        post = await discord_sandbox.create_forum_post(discord_sandbox.help_forum, alice, "Help", "it broke",
                                                       starter_first=True)
        await discord_sandbox.wait_for(lambda: client.get_channel(int(post["id"])))
        starter = client.seen[0]
        assert starter.id == int(post["id"]) and isinstance(starter.channel, discord.PartialMessageable)
        thread = await client.fetch_channel(int(post["id"]))
        assert isinstance(thread, discord.Thread) and isinstance(thread.parent, discord.ForumChannel)


async def test_renaming_threads_needs_manage_threads(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        post = await discord_sandbox.create_forum_post(discord_sandbox.help_forum, alice, "Title", "body")
        thread = await discord_sandbox.wait_for(lambda: client.get_channel(int(post["id"])))
        with pytest.raises(discord.Forbidden):
            await thread.edit(name="renamed")
        discord_sandbox.set_bot_permissions(PERM_MANAGE_THREADS)
        await thread.edit(name="renamed")
        await discord_sandbox.wait_for(lambda: thread.name == "renamed")  # the THREAD_UPDATE reached the client
        await discord_sandbox.rename_thread(int(post["id"]), "by its owner")
        await discord_sandbox.wait_for(lambda: thread.name == "by its owner")


async def test_attachments_are_served_until_their_message_is_deleted(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        posted = await discord_sandbox.post(discord_sandbox.general, alice, "log", attachments=[("message.txt", "é\n")])
        await discord_sandbox.wait_for(lambda: client.seen)
        attachment = client.seen[0].attachments[0]
        assert attachment.filename == "message.txt" and attachment.content_type.startswith("text/plain")
        assert await attachment.read() == "é\n".encode()
        await discord_sandbox.delete(discord_sandbox.general, int(posted["id"]))
        with pytest.raises(discord.NotFound):
            await attachment.read()


async def test_limits_permissions_and_unknown_routes(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    theirs = await discord_sandbox.post(discord_sandbox.general, alice, "mine")
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        channel = client.get_channel(discord_sandbox.general)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)  # type: ignore[union-attr]
        assert too_long.value.code == 50035
        with pytest.raises(discord.HTTPException) as huge_embed:
            await channel.send(embed=discord.Embed(description="y" * 4097))  # type: ignore[union-attr]
        assert huge_embed.value.code == 50035

        discord_sandbox.set_bot_permissions(0)  # no Manage Messages
        message = await channel.fetch_message(int(theirs["id"]))  # type: ignore[union-attr]
        with pytest.raises(discord.Forbidden):
            await message.delete()
        discord_sandbox.set_bot_permissions(discord_sandbox.permissions_of(discord_sandbox.bot_user_id)
                                            | (1 << 13))
        await message.delete()
        assert discord_sandbox.deleted == [(discord_sandbox.general, int(theirs["id"]))]

        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/stickers/{sid}", sid=1))
    assert [(r.method, r.path) for r in discord_sandbox.unhandled] == [("GET", "/stickers/1")]
    discord_sandbox.unhandled.clear()


async def test_forum_thread_not_ready_40058(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    discord_sandbox.fail_new_forum_posts(times=1)
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        post = await discord_sandbox.create_forum_post(discord_sandbox.help_forum, alice, "Help", "it broke")
        await discord_sandbox.wait_for(lambda: client.get_channel(int(post["id"])))
        thread = client.get_channel(int(post["id"]))
        with pytest.raises(discord.HTTPException) as first:
            await thread.send("answer")  # type: ignore[union-attr]
        assert first.value.code == 40058
        await thread.send("answer")  # type: ignore[union-attr]
        assert [m["content"] for m in discord_sandbox.bot_messages(int(post["id"]))] == ["answer"]


async def test_interactions_defer_edit_followup_and_deadline(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    client = Recorder(default_intents())
    late = asyncio.Event()

    @client.tree.command(description="slow")
    async def slow(interaction: discord.Interaction, wait: bool) -> None:
        if wait:
            await asyncio.sleep(0.1)
            try:
                await interaction.response.defer()
            except discord.NotFound as exc:
                if exc.code == 10062:
                    late.set()
            return
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="done")
        await interaction.followup.send("secret note", ephemeral=True)

    async with running(discord_sandbox, client, sync=True):
        interaction = await discord_sandbox.invoke_slash("slow", {"wait": False}, user=alice,
                                                         channel_id=discord_sandbox.general)
        response = await discord_sandbox.wait_for_response(interaction)
        assert response["content"] == "done"
        await discord_sandbox.wait_for(lambda: discord_sandbox.followups(interaction))
        assert discord_sandbox.followups(interaction)[0]["flags"] & 64  # ephemeral

        discord_sandbox.interaction_deadline = 0.05
        await discord_sandbox.invoke_slash("slow", {"wait": True}, user=alice, channel_id=discord_sandbox.general)
        await asyncio.wait_for(late.wait(), 2)


async def test_reconnect_resumes_and_can_replay(discord_sandbox: DiscordSandbox) -> None:
    alice = discord_sandbox.add_user("alice")
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        first = await discord_sandbox.post(discord_sandbox.general, alice, "before")
        await discord_sandbox.wait_for(lambda: client.seen)
        await discord_sandbox.reconnect(replay=1)
        await asyncio.wait_for(client.resumed.wait(), 5)
        await discord_sandbox.post(discord_sandbox.general, alice, "after")
        await discord_sandbox.wait_for(lambda: len(client.seen) == 3)
        assert [m.id for m in client.seen][:2] == [int(first["id"])] * 2  # at-least-once delivery
        assert any(g.get("op") == 6 for g in discord_sandbox.gateway_received)


async def test_send_permission_enforced(discord_sandbox: DiscordSandbox) -> None:
    async with running(discord_sandbox, Recorder(default_intents())) as client:
        everyone = discord_sandbox.roles[discord_sandbox.guild_id]
        everyone["permissions"] = str(int(everyone["permissions"]) & ~PERM_SEND_MESSAGES)
        with pytest.raises(discord.Forbidden):
            await client.get_channel(discord_sandbox.general).send("no")  # type: ignore[union-attr]


async def test_a_nonce_is_enforced_like_discord(discord_sandbox: DiscordSandbox) -> None:
    """The same author and nonce within the window: the first message comes back and nothing new is created."""
    d = discord_sandbox
    async with running(d, Recorder(default_intents())) as client:
        channel = client.get_channel(d.general)
        first = await channel.send("one answer", nonce="answer-1")  # type: ignore[union-attr]
        again = await channel.send("one answer, said again", nonce="answer-1")  # type: ignore[union-attr]
        other = await channel.send("another answer", nonce="answer-2")  # type: ignore[union-attr]
        assert again.id == first.id and again.content == "one answer" and other.id != first.id
        assert len(d.bot_messages(d.general)) == 2 and d.nonce_hits == 1
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x", nonce="n" * 26)  # type: ignore[union-attr]
        assert too_long.value.code == 50035
        await first.delete()
        with pytest.raises(discord.NotFound):  # sent again just after its message was deleted
            await channel.send("one answer", nonce="answer-1")  # type: ignore[union-attr]
        d.nonce_window = 0.0  # minutes later: the nonce is free again
        assert (await channel.send("much later", nonce="answer-1")).id != first.id  # type: ignore[union-attr]


async def test_created_but_answered_5xx_is_retried_by_discord_py_under_its_nonce(
        discord_sandbox: DiscordSandbox) -> None:
    d = discord_sandbox
    async with running(d, Recorder(default_intents())) as client:
        d.inject_error_after("POST", rf"^/channels/{d.general}/messages$", status=500)
        sent = await client.get_channel(d.general).send("hello")  # type: ignore[union-attr]
        statuses = [r.status for r in d.requests if r.method == "POST" and r.path.endswith("/messages")]
        assert statuses == [500, 200] and d.nonce_hits == 1  # discord.py sends a nonce of its own
        assert [int(m["id"]) for m in d.bot_messages(d.general)] == [sent.id]


class EagerShards(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s between two IDENTIFYs (Discord's max_concurrency 1): the sandbox does not limit them."""


async def test_shards_get_only_their_guild_s_events() -> None:
    from sandbox.discord_server import shard_of

    async with DiscordSandbox(recommended_shards=2) as d:
        with discord_at(d.api_base, d.gateway_url):
            client = EagerShards(intents=default_intents(), guild_ready_timeout=0.01)  # asks /gateway/bot
            task = asyncio.create_task(client.start(d.token))
            try:
                await asyncio.wait_for(client.wait_until_ready(), 10)
                assert sorted(s.shard for s in d.sessions if s.identified) == [(0, 2), (1, 2)]
                assert [g.id for g in client.guilds] == [d.guild_id]
                await d.post(d.general, d.add_user("amy"), "hello")
                owner = shard_of(d.guild_id, 2)
                by_shard = {s.shard[0]: [p["t"] for p in s.sent] for s in d.sessions if s.identified}
                assert "MESSAGE_CREATE" in by_shard[owner] and "MESSAGE_CREATE" not in by_shard[1 - owner]
            finally:
                await client.close()
                await task


async def test_a_held_request_is_listed_and_the_rest_of_its_route_waits_behind_it_in_discord_py(
        discord_sandbox: DiscordSandbox) -> None:
    """`held` names the request `inject_hang` holds (its nonce says whose work it is). A process must not be left
    with one: discord.py sends one request at a time per channel until rate-limit headers say more (the sandbox
    sends none), so its next message to that channel waits too, while other channels go on."""
    d = discord_sandbox
    async with running(d, Recorder(default_intents())) as client:
        help_channel, general = client.get_channel(d.help_channel), client.get_channel(d.general)
        d.inject_hang("POST", rf"^/channels/{d.help_channel}/messages$")
        first = asyncio.create_task(help_channel.send("warning", nonce="work-1"))  # type: ignore[union-attr]
        (held,) = await d.wait_for(lambda: d.held)
        assert held.body["nonce"] == "work-1" and d.hanging == 1
        second = asyncio.create_task(help_channel.send("another warning", nonce="work-2"))  # type: ignore[union-attr]
        await general.send("elsewhere")  # type: ignore[union-attr]
        assert [r.body["nonce"] for r in d.requests if r.path == f"/channels/{d.help_channel}/messages"] == ["work-1"]
        assert not first.done() and not second.done()
        for task in (first, second):
            task.cancel()
        await asyncio.gather(first, second, return_exceptions=True)


async def test_events_reach_a_late_connection_when_the_block_ends(discord_sandbox: DiscordSandbox) -> None:
    d = discord_sandbox
    alice = d.add_user("alice")
    async with running(d, Recorder(default_intents())) as client:
        (session,) = [s for s in d.sessions if s.identified]
        async with d.late(session):
            posted = [await d.post(d.general, alice, text) for text in ("one", "two")]
            assert not [p for p in session.sent if p["t"] == "MESSAGE_CREATE"] and not client.seen
        await d.wait_for(lambda: len(client.seen) == 2)
        assert [m.id for m in client.seen] == [int(m["id"]) for m in posted]
