"""Memory of one bot process over a long run: resident set size after 10k and 30k chat messages, then after
10k answers (each a verdict with its buttons).

    python -m bench.bench_memory [--chat 10000 30000] [--answers 10000]

The bot runs as `python bot.py` in a child process, exactly as deployed, against the sandbox Discord and Hub in
this process (which keep every message: their memory is not the bot's). Its RSS is read from
`/proc/<pid>/status` (Linux). Chat goes half into a configured help channel (every message through the help
desk's gates and the prefilter), half into a plain channel. Answers are mentions naming the sandbox's Spaces in
turn, sent in batches that wait for their answers, so no backlog inflates the figure. What matters is the slope:
flat means the process holds nothing per message or per answer beyond bounded caches.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
from pathlib import Path

from bench.chat_corpus import ordinary_chat
from sandbox.discord_server import PERM_MANAGE_GUILD, ChannelOption, DiscordSandbox
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub, load_scenarios

ROOT = Path(__file__).resolve().parent.parent
BATCH = 100  # mentions in flight at once
WAIT = 120.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line")


class BotMessages:
    """Counts the bot's posts into one channel, reading only the sandbox requests recorded since the last call."""

    def __init__(self, discord: DiscordSandbox, channel_id: int) -> None:
        self.discord = discord
        self.path = f"/channels/{channel_id}/messages"
        self.read = 0
        self.count = 0

    def __call__(self) -> int:
        for request in itertools.islice(self.discord.requests, self.read, None):
            if not request.status:
                break  # still being answered: read it next time
            self.read += 1
            if request.method == "POST" and request.path == self.path and request.status < 300:
                self.count += 1
        return self.count


async def answered(d: DiscordSandbox, posts: BotMessages, target: int) -> None:
    await d.wait_for(lambda: posts() >= target, timeout=WAIT)


async def run(args: argparse.Namespace) -> list[tuple[str, float]]:
    figures: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with DiscordSandbox() as d, SandboxHub() as hub:
            answers_channel = d.add_channel("answers")
            env = {**os.environ, **BotHarness(str(Path(tmp) / "bench.sqlite3"), discord=d, hub=hub).env(),
                   "LOG_LEVEL": "WARNING"}
            log_path = Path(tmp) / "bot.log"
            with log_path.open("wb") as log:
                proc = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT),
                                                            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log)
            try:
                figures = await measure(d, proc.pid, answers_channel, args)
            finally:
                proc.terminate()
                await proc.wait()
            problems = [line for line in log_path.read_text().splitlines() if "ERROR" in line or "Traceback" in line]
            if problems:
                print("the bot logged errors:\n  " + "\n  ".join(problems[:20]), file=sys.stderr)
    return figures


async def measure(d: DiscordSandbox, pid: int, answers_channel: int, args: argparse.Namespace
                  ) -> list[tuple[str, float]]:
    await d.wait_for(lambda: any(s.identified for s in d.sessions) and d.guild_commands, timeout=WAIT)
    admin = d.add_user("admin", roles=[d.add_role("mods", PERM_MANAGE_GUILD)])
    setup = await d.invoke_slash("spacedoc", {"channel": ChannelOption(d.help_channel)}, user=admin,
                                 channel_id=d.general, group="channel", subcommand="add")
    await d.wait_for_response(setup, timeout=WAIT)
    people = [d.add_user(f"chatter{i}") for i in range(50)]
    mention = f"<@{d.bot_user_id}>"
    spaces = itertools.cycle(sorted(load_scenarios()))
    posts = BotMessages(d, answers_channel)
    asked = 0

    async def answer(n: int) -> None:
        nonlocal asked
        while n > 0:
            batch = min(BATCH, n)
            for i in range(batch):
                await d.post(answers_channel, people[(asked + i) % len(people)],
                             f"{mention} my Space https://huggingface.co/spaces/{next(spaces)} is broken")
            asked += batch
            n -= batch
            await answered(d, posts, asked)

    async def chat(n: int) -> None:
        channels = (d.help_channel, d.general)
        for i, text in enumerate(ordinary_chat(n, seed=len(d.requests))):
            await d.post(channels[i % 2], people[i % len(people)], text)
        await answer(1)  # events are handled in order: once this is answered, the chat was read

    await chat(200)
    await answer(50)  # every code path loaded, caches warm
    figures = [("start (warmed up)", rss_mb(pid))]
    done = 0
    for total in args.chat:
        await chat(total - done)
        done = total
        figures.append((f"after {total:,} chat messages", rss_mb(pid)))
    step = max(args.answers // 4, 1)
    for total in range(step, args.answers + 1, step):
        await answer(step)
        figures.append((f"after {total:,} answers", rss_mb(pid)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chat", type=int, nargs="+", default=[10_000, 30_000],
                        help="cumulative chat message counts at which RSS is read")
    parser.add_argument("--answers", type=int, default=10_000)
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print("RSS of the bot process (python bot.py), MB:")
    for label, value in figures:
        print(f"  {label:28s} {value:7.1f}")
    chat_end = next(v for label, v in figures if label.startswith(f"after {args.chat[-1]:,} chat"))
    print(f"  chat:    {(chat_end - figures[0][1]) * 1024 / args.chat[-1]:6.2f} KB per message")
    print(f"  answers: {(figures[-1][1] - chat_end) * 1024 / args.answers:6.2f} KB per answer")
    print(f"  peak {max(v for _, v in figures):.1f} MB (budget 150 MB)")


if __name__ == "__main__":
    main()
