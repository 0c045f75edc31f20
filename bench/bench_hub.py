"""Hub probes under latency: concurrency, cache and single flight, measured against the sandbox Hub.

    python -m bench.bench_hub [--latency-ms 200] [--diagnoses 500] [--spaces 20] [--repeat 5]

1. One full diagnosis (all six probes, fresh client) vs one round trip, and vs the same probes one after
   another. Target: full diagnosis ≤ 1.5 × one round trip.
2. N diagnoses spread over S Spaces at once, inside the cache TTL. Target: ≤ S upstream calls per probe kind.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from collections import Counter

from diagnosis.hub import HubClient
from diagnosis.pipeline import diagnose
from sandbox.hub import SandboxHub, load_scenarios

TEMPLATE = "gannet-ml/sentiment-api"
REPORT = "my space shows 503 since this morning"


def bench_spaces(count: int) -> list[dict]:
    template = load_scenarios()[TEMPLATE]
    return [{**template, "id": f"bench-owner{i}/demo-app-{i}"} for i in range(count)]


async def timed(coro) -> float:
    started = time.perf_counter()
    await coro
    return time.perf_counter() - started


async def one_round_trip(hub: SandboxHub, space: str) -> float:
    async with HubClient(hub.endpoint, status_url=hub.status_url) as client:
        return await timed(client.runtime(space))


async def one_diagnosis(hub: SandboxHub, space: str) -> float:
    async with HubClient(hub.endpoint, status_url=hub.status_url) as client:
        return await timed(diagnose(REPORT, client=client, space=space))


async def sequential_probes(hub: SandboxHub, space: str) -> float:
    async with HubClient(hub.endpoint, status_url=hub.status_url) as client:
        started = time.perf_counter()
        for probe in (
            client.runtime(space),
            client.space_info(space),
            client.commits(space),
            client.logs(space, build=True),
            client.logs(space, build=False),
            client.status_page(),
        ):
            with contextlib.suppress(Exception):  # owner-only logs are refused: the round trip is what counts here
                await probe
        return time.perf_counter() - started


async def crowd(hub: SandboxHub, spaces: list[str], diagnoses: int) -> tuple[float, Counter[str]]:
    hub.reset_calls()
    async with HubClient(hub.endpoint, status_url=hub.status_url) as client:
        started = time.perf_counter()
        await asyncio.gather(
            *(diagnose(REPORT, client=client, space=spaces[i % len(spaces)]) for i in range(diagnoses))
        )
        elapsed = time.perf_counter() - started
    per_kind: Counter[str] = Counter()
    for (kind, _space), count in hub.calls.items():
        per_kind[kind] += count
    return elapsed, per_kind


async def main(latency_ms: int, diagnoses: int, space_count: int, repeat: int) -> int:
    scenarios = {s["id"]: s for s in bench_spaces(space_count)}
    async with SandboxHub(scenarios, latency_ms=latency_ms) as hub:
        space = next(iter(scenarios))
        trip = statistics.median([await one_round_trip(hub, space) for _ in range(repeat)])
        full = statistics.median([await one_diagnosis(hub, space) for _ in range(repeat)])
        sequential = statistics.median([await sequential_probes(hub, space) for _ in range(repeat)])
        elapsed, per_kind = await crowd(hub, list(scenarios), diagnoses)

    ratio = full / trip
    print(f"injected latency per Hub call: {latency_ms} ms (median of {repeat} runs)")
    print(f"one round trip (runtime):           {trip * 1000:7.0f} ms")
    print(f"one full diagnosis (6 probes):      {full * 1000:7.0f} ms  = {ratio:.2f} x round trip  (target <= 1.5)")
    print(f"same probes one after another:      {sequential * 1000:7.0f} ms  = {sequential / trip:.2f} x round trip")
    print(f"{diagnoses} diagnoses over {space_count} Spaces at once: {elapsed:.2f} s")
    worst = max(per_kind.values())
    for kind in sorted(per_kind):
        print(f"  upstream calls, {kind:<10} {per_kind[kind]:4d}")
    print(f"  most calls for one probe kind: {worst} (target <= {space_count})")
    return 0 if ratio <= 1.5 and worst <= space_count else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--diagnoses", type=int, default=500)
    parser.add_argument("--spaces", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.latency_ms, args.diagnoses, args.spaces, args.repeat)))
