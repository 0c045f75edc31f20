"""Forum posts answered by one or two `python bot.py` processes sharing PostgreSQL, through the sandbox Discord.

    python -m bench.bench_service [--posts 60] [--latency-ms 200] [--lease 2]

Each run starts the processes on a fresh schema of a PostgreSQL server (`SPACEDOC_TEST_PG_DSN`, else a throwaway one
started here with sandbox/postgres.py), configures the help forum, posts `--posts` forum posts as one burst (every
process receives every post, as during a rolling deploy) and waits until each has an answer. Every Hub call is
delayed by `--latency-ms`, as the real Hub is not on loopback, and each post names a Space of its own (copies of the
sandbox's build-failure scenario), so that no answer comes from the Hub client's cache. Runs:

1. one process;
2. two processes: the posts are spread over them by their claims;
3. two processes, one SIGKILLed when a third of the posts are answered: the other takes its leases once they expire
   (`--lease` seconds), so the tail grows by about a lease.

Printed: throughput (posts answered per second, and two processes against one), the median and p95 time from a post
to its answer, and the counts that must be 0: duplicates (a second answer to a post) and lost (no answer at all).
Figures are from one run on this machine; compare them with each other, not with another machine's.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import asyncpg

from sandbox import postgres as pg
from sandbox.discord_server import DiscordSandbox
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub, load_scenarios
from spacedoc.store import GuildSettings, open_store

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "orchid-nlp/summarizer"  # a build failure: every probe answers
WAIT = 300.0


@dataclass(frozen=True)
class Result:
    name: str
    posts: int
    seconds: float  # from the first post to the last answer
    latencies: list[float]  # post → its first answer, seconds
    duplicates: int
    lost: int

    @property
    def throughput(self) -> float:
        return (self.posts - self.lost) / self.seconds

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def fresh_schema(dsn: str) -> str:
    """A database URL whose tables live in a new schema (every run starts empty)."""
    schema = f"bench_{uuid.uuid4().hex}"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()
    parts = urlsplit(dsn)
    return parts._replace(query=urlencode(parse_qsl(parts.query) + [("search_path", schema)])).geturl()


async def start_bot(d: DiscordSandbox, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    known = {id(s) for s in d.sessions if s.identified}
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT), env=env,
                                                    stdout=asyncio.subprocess.DEVNULL, stderr=out)
    await d.wait_for(lambda: [s for s in d.sessions if s.identified and id(s) not in known], timeout=60)
    return proc


def answers(d: DiscordSandbox, post: dict) -> list[dict]:
    thread = int(post["id"])
    return [m for m in d.bot_messages(thread) if (m.get("message_reference") or {}).get("message_id") == post["id"]]


async def run(name: str, dsn: str, args: argparse.Namespace, processes: int, *, kill: bool = False) -> Result:
    url = await fresh_schema(dsn)
    with tempfile.TemporaryDirectory() as tmp:
        async with DiscordSandbox() as d, SandboxHub(latency_ms=args.latency_ms) as hub:
            scenario = load_scenarios()[SCENARIO]
            for n in range(args.posts):
                hub.set_scenario({**scenario, "id": f"bench-org/space-{n}"})
            store = await open_store(url)
            await store.save_guild_settings(GuildSettings(d.guild_id, help_forums=frozenset({d.help_forum})))
            await store.close()
            keep = ("PATH", "HOME", "LANG", "VIRTUAL_ENV")
            env = ({k: v for k, v in os.environ.items() if k in keep} | {"PYTHONPATH": str(ROOT)}
                   | BotHarness(url, discord=d, hub=hub).env()
                   | {"LOG_LEVEL": "WARNING", "SPACEDOC_LEASE_SECONDS": str(args.lease)})
            bots = [await start_bot(d, env, Path(tmp) / f"bot{n}.log") for n in range(processes)]
            try:
                people = [d.add_user(f"poster{n}") for n in range(args.posts)]
                start = time.perf_counter()
                posts = [await d.create_forum_post(d.help_forum, person, f"Space broken ({n})",
                                                   f"My Space https://huggingface.co/spaces/bench-org/space-{n} "
                                                   "fails to build since I changed requirements.txt, what is wrong?")
                         for n, person in enumerate(people)]
                if kill:
                    await d.wait_for(lambda: sum(1 for p in posts if answers(d, p)) >= args.posts // 3, timeout=WAIT)
                    bots[0].send_signal(signal.SIGKILL)
                with contextlib.suppress(TimeoutError):  # counted as lost below
                    await d.wait_for(lambda: all(answers(d, p) for p in posts), timeout=WAIT)
                seconds = time.perf_counter() - start
                await d.sync()  # every process read every event; SIGTERM below lets each finish the work it holds,
                # so a late second answer shows before it exits
            finally:
                for bot in bots:
                    if bot.returncode is None:
                        bot.terminate()
                    await bot.wait()
            latencies = [(datetime.fromisoformat(answers(d, p)[0]["timestamp"])
                          - datetime.fromisoformat(p["timestamp"])).total_seconds() for p in posts if answers(d, p)]
            return Result(name, args.posts, seconds, latencies,
                          duplicates=sum(max(0, len(answers(d, p)) - 1) for p in posts),
                          lost=sum(1 for p in posts if not answers(d, p)))


async def main(args: argparse.Namespace) -> int:
    # The SIGKILLed process leaves Hub requests half answered; the sandbox Hub's server would log each one.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    given = os.environ.get("SPACEDOC_TEST_PG_DSN", "").strip()
    home = None if given else Path(tempfile.mkdtemp(prefix="spacedoc-pg-"))
    dsn = given or pg.start(home)  # type: ignore[arg-type]
    try:
        results = [await run("one process", dsn, args, 1),
                   await run("two processes", dsn, args, 2),
                   await run("two, one SIGKILLed", dsn, args, 2, kill=True)]
    finally:
        if home is not None:
            pg.stop(home)
    print(f"{args.posts} forum posts, {args.latency_ms} ms per Hub call, lease {args.lease} s, PostgreSQL:")
    print(f"  {'':20s} {'posts/s':>8s} {'median s':>9s} {'p95 s':>7s} {'duplicates':>11s} {'lost':>5s}")
    for r in results:
        print(f"  {r.name:20s} {r.throughput:8.2f} {statistics.median(r.latencies):9.2f} {r.p(0.95):7.2f} "
              f"{r.duplicates:11d} {r.lost:5d}")
    print(f"  two processes / one = {results[1].throughput / results[0].throughput:.2f} × the throughput")
    return 1 if any(r.duplicates or r.lost for r in results) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--lease", type=float, default=2.0)
    sys.exit(asyncio.run(main(parser.parse_args())))
