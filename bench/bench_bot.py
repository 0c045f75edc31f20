"""The bot through the sandbox Discord: chat throughput of the message handlers, and /diagnose latency.

    python -m bench.bench_bot [--messages 3000] [--latency-ms 200] [--diagnoses 12]

1. Ordinary chat (no Space, no symptoms) posted as fast as the sandbox can dispatch it into a configured help
   channel, where every message goes through the help desk's gates and the engine's prefilter, and into a
   plain channel. The clock stops when the bot answers a mention posted last (events are handled in order).
   The same run with a bare discord.py client (no handlers) gives the ceiling of sandbox + discord.py
   parsing, so the ratio shows what Space Doctor's handlers cost on top.
2. /diagnose with every Hub call delayed by `--latency-ms`: time from the interaction to the deferral
   (Discord's limit is 3 s), to the first progress edit, and to the final verdict edit. One Space per run, so
   no answer comes from the cache.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import discord

from sandbox.discord_server import PERM_MANAGE_GUILD, ChannelOption, DiscordSandbox
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub, load_scenarios
from spacedoc.discord_bot import discord_at

CHAT = (
    "anyone tried the new llama release?", "lol same", "thanks, that worked!", "good morning everyone",
    "how do I fine-tune on a single GPU?", "check out my blog post about tokenizers", "brb",
    "is there a discord event this week?", "nice work on the leaderboard", "what does temperature do exactly?",
)


async def chat_throughput(h: BotHarness, messages: int) -> float:
    """Messages per second from the first post to the bot's answer to a mention posted after all of them."""
    d = h.discord
    people = [d.add_user(f"chatter{i}") for i in range(20)]
    channels = (d.help_channel, d.general)
    start = time.perf_counter()
    for i in range(messages):
        await d.post(channels[i % 2], people[i % len(people)], CHAT[i % len(CHAT)])
    await h.ask(d.general, people[0], f"{h.mention()} my space https://huggingface.co/spaces/OWNER/SPACE_NAME 503",
                timeout=120)
    elapsed = time.perf_counter() - start
    answered = [m for m in d.bot_messages() if m.get("message_reference")]
    assert len(answered) == 1, f"ordinary chat got {len(answered) - 1} answers"
    return messages / elapsed


class Bare(discord.Client):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.01)
        self.seen = 0

    async def on_message(self, message: discord.Message) -> None:
        self.seen += 1


async def bare_throughput(messages: int) -> float:
    async with DiscordSandbox() as d:
        with discord_at(d.api_base, d.gateway_url):
            return await _bare_throughput(d, messages)


async def _bare_throughput(d: DiscordSandbox, messages: int) -> float:
    client = Bare()
    await client.login(d.token)
    task = asyncio.create_task(client.connect())
    await client.wait_until_ready()
    person = d.add_user("chatter")
    start = time.perf_counter()
    for i in range(messages):
        await d.post((d.help_channel, d.general)[i % 2], person, CHAT[i % len(CHAT)])
    await d.wait_for(lambda: client.seen >= messages, timeout=120)
    elapsed = time.perf_counter() - start
    await client.close()
    await task
    return messages / elapsed


async def diagnose_latency(h: BotHarness, spaces: list[str]) -> dict[str, list[float]]:
    d = h.discord
    leo = d.add_user("leo")
    out: dict[str, list[float]] = {"defer": [], "first progress": [], "verdict": []}
    for space in spaces:
        start = time.perf_counter()
        interaction = await d.invoke_slash("diagnose", {"space": space}, user=leo, channel_id=d.general)
        await d.wait_for(lambda interaction=interaction: interaction.responded, timeout=30)
        out["defer"].append(time.perf_counter() - start)
        await d.wait_for_response(interaction, timeout=30)
        out["first progress"].append(time.perf_counter() - start)
        await d.wait_for_response(interaction, lambda m: bool(m["embeds"]), timeout=30)
        out["verdict"].append(time.perf_counter() - start)
    return out


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with BotHarness(str(Path(tmp) / "bench.sqlite3"),
                              hub=SandboxHub(latency_ms=args.latency_ms)) as h:
            admin = h.discord.add_user("admin", roles=[h.discord.add_role("mods", PERM_MANAGE_GUILD)])
            setup = await h.discord.invoke_slash(
                "spacedoc", {"channel": ChannelOption(h.discord.help_channel)}, user=admin,
                channel_id=h.discord.general, group="channel", subcommand="add")
            await h.discord.wait_for_response(setup)
            ours = await chat_throughput(h, args.messages)
            spaces = sorted(load_scenarios())[: args.diagnoses]
            latency = await diagnose_latency(h, spaces)
            h.check_clean()
    bare = await bare_throughput(args.messages)

    print(f"chat through the sandbox ({args.messages} messages, half in a configured help channel):")
    print(f"  Space Doctor            {ours:8.0f} msg/s")
    print(f"  bare discord.py client  {bare:8.0f} msg/s   (Space Doctor = {ours / bare:.2f} × the ceiling)")
    print(f"/diagnose with {args.latency_ms} ms per Hub call, {len(spaces)} Spaces, seconds (median / max):")
    for name, values in latency.items():
        print(f"  {name:15s} {statistics.median(values):6.3f} / {max(values):6.3f}")
    print(f"  verdict / one Hub round trip = {statistics.median(latency['verdict']) / (args.latency_ms / 1000):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--diagnoses", type=int, default=12)
    asyncio.run(main(parser.parse_args()))
