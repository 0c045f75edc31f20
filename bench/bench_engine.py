"""Engine speed: one diagnosis of a typical 2 KB report, and the chat prefilter's throughput.

    python bench/bench_engine.py

Targets (issue 2): median < 2 ms per diagnosis on one core; prefilter ≥ 50,000 ordinary chat
messages per second. Also prints the worst hostile input from tests/diagnosis/test_bad_input.py-like cases.
"""
from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chat_corpus import ordinary_chat  # noqa: E402
from diagnosis.extract import parse_report  # noqa: E402
from diagnosis.prefilter import looks_like_space_trouble  # noqa: E402
from diagnosis.render import to_markdown  # noqa: E402
from diagnosis.tree import decide  # noqa: E402

REPORT_2KB = """Hi everyone, my Space https://huggingface.co/spaces/alice/chat-demo has been broken since yesterday.

It shows "Runtime error" and then the page just says 503. I tried Restart and Factory rebuild, nothing helps.
I pushed a couple of commits (one empty) but it goes straight back to the same error. Other Spaces of mine work.

Container logs:
===== Application Startup at 2026-11-27 18:01:14 =====
/usr/local/lib/python3.10/site-packages/gradio/blocks.py:1024: UserWarning: the `theme` argument is deprecated
Loading checkpoint shards: 100%|██████████| 2/2 [00:14<00:00,  7.12s/it]
Downloading (…)okenizer_config.json: 100%|██████████| 1.29k/1.29k [00:00<00:00, 6.01MB/s]
Downloading (…)cial_tokens_map.json: 100%|██████████| 551/551 [00:00<00:00, 3.12MB/s]
Traceback (most recent call last):
  File "/home/user/app/app.py", line 12, in <module>
    from utils.retrieval import build_index
  File "/home/user/app/utils/retrieval.py", line 3, in <module>
    import faiss
  File "/home/user/.local/lib/python3.10/site-packages/faiss/__init__.py", line 16, in <module>
    from .loader import *
  File "/home/user/.local/lib/python3.10/site-packages/faiss/loader.py", line 65, in <module>
    from .swigfaiss import *
  File "/home/user/.local/lib/python3.10/site-packages/faiss/swigfaiss.py", line 10, in <module>
    from . import _swigfaiss
ImportError: cannot import name '_swigfaiss' from 'faiss' (/home/user/.local/lib/python3.10/site-packages/faiss/
__init__.py)

requirements.txt:
gradio==4.44.0
transformers==4.44.2
torch==2.3.1
faiss-gpu==1.7.2
sentence-transformers

README:
---
title: Chat Demo
sdk: gradio
sdk_version: 4.44.0
app_file: app.py
---
Any idea what is wrong here? I am on the free cpu-basic hardware (no GPU at all). Thanks a lot for any help,
I have been at this for hours and I really do not know where to look next. The Space worked fine last week
before I added retrieval.
Build logs looked fine: every step finished and the image was pushed; it only fails when the app starts up.
"""



def bench_diagnosis(repeats: int = 3000) -> list[float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        decide(parse_report(REPORT_2KB))
        times.append(time.perf_counter() - t)
    return times


def bench_prefilter(n: int = 300_000) -> float:
    msgs = ordinary_chat(n)
    t = time.perf_counter()
    for m in msgs:
        looks_like_space_trouble(m)
    return n / (time.perf_counter() - t)


def bench_hostile() -> list[tuple[str, float]]:
    rng = random.Random(3)
    cases = {
        "100 KB traceback paste": ("Traceback (most recent call last):\n  File \"app.py\", line 3\n" * 1800)[:100_000],
        "100 KB binary garbage": bytes(rng.randrange(256) for _ in range(100_000)).decode("latin-1"),
        "deep markdown": "> " * 20_000 + "**" * 10_000 + "Runtime error",
        "50 URLs": " ".join(f"https://huggingface.co/spaces/u{i}/s{i}" for i in range(50)),
        "near-miss ids": "Space " + "a/" * 40_000,
    }
    out = []
    for name, text in cases.items():
        t = time.perf_counter()
        to_markdown(decide(parse_report(text)))
        out.append((name, time.perf_counter() - t))
    return out


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPUs (pinned to one)", flush=True)
    assert len(REPORT_2KB) >= 2000, len(REPORT_2KB)
    decide(parse_report(REPORT_2KB))  # warm the compiled patterns
    times = bench_diagnosis()
    med, p95 = statistics.median(times) * 1e3, sorted(times)[int(len(times) * 0.95)] * 1e3
    verdict = decide(parse_report(REPORT_2KB))
    print(f"diagnosis of a {len(REPORT_2KB)}-char report: median {med:.3f} ms, p95 {p95:.3f} ms "
          f"(target < 2 ms) → {verdict.bucket.value}")
    rate = bench_prefilter()
    print(f"prefilter: {rate:,.0f} ordinary chat messages/s (target ≥ 50,000)")
    for name, seconds in bench_hostile():
        print(f"hostile input, {name}: {seconds * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
