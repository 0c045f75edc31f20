"""How well the engine reads real help requests it was not tuned on: `python -m bench.bench_reading`.

Scores the whole text-only engine (`decide(parse_report(text, title))`: exact rules + the prose model) against
the blind expert's reading (`text_label`) and against what the thread's resolution established (`label`),
on the real requests in tests/fixtures/reports/reports.jsonl (or SPACEDOC_FIXTURES):

1. frozen   — the requests `training/split.py` keeps out of every tuning step, read by a model trained
               without them. This is the figure to report first.
2. cross-validated — the other (tuning) requests in 5 folds, each read by a model trained without its fold.
3. tuned    — every request read by the shipped model, which was trained on all of them (optimistic).

Prints per-bucket tables and every miss. `--jsonl FILE` (repeatable) adds more labelled requests (same fields),
cross-validated: each fold is read by a model trained without it and without its retold copies in
training/data/paraphrased.jsonl (ids match).
`--fresh FILE` (repeatable) reads a labelled set that nothing was trained or tuned on with the shipped model as it is.
`--quick` skips the cross-validation.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from diagnosis import reading  # noqa: E402
from diagnosis.extract import parse_report  # noqa: E402
from diagnosis.tree import decide  # noqa: E402
from training import train_reading as training  # noqa: E402
from training.split import frozen_ids  # noqa: E402

FOLDS = 5


@dataclass(frozen=True, slots=True)
class Scored:
    example: training.Example
    bucket: str
    quote: str


def read_all(examples: Sequence[training.Example], model: dict | None) -> list[Scored]:
    """The engine's text-only verdicts with `model` installed (None: the shipped weights)."""
    reading.install(model)
    try:
        out = []
        for ex in examples:
            verdict = decide(parse_report(ex.text, ex.title))
            out.append(Scored(ex, verdict.bucket.value, verdict.decisive.quote if verdict.decisive else ""))
        return out
    finally:
        reading.install(None)


def folds(examples: Sequence[training.Example], k: int = FOLDS) -> list[list[training.Example]]:
    """k folds, each bucket spread evenly over them, in a fixed order (no randomness)."""
    out: list[list[training.Example]] = [[] for _ in range(k)]
    by_label: dict[str, list[training.Example]] = {}
    for ex in sorted(examples, key=lambda e: e.id):
        by_label.setdefault(ex.label, []).append(ex)
    i = 0
    for label in sorted(by_label):
        for ex in by_label[label]:
            out[i % k].append(ex)
            i += 1
    return out


def held_out(test: Sequence[training.Example], train: Sequence[training.Example]) -> list[Scored]:
    return read_all(test, training.fit(train))


def table(scored: Sequence[Scored], truth: Callable[[training.Example], str | None], name: str) -> list[str]:
    rows = [s for s in scored if truth(s.example)]
    hits = [s for s in rows if s.bucket == truth(s.example)]
    total, right = Counter(truth(s.example) for s in rows), Counter(truth(s.example) for s in hits)
    lines = [f"  {name}: {len(hits)}/{len(rows)} = {len(hits) / max(1, len(rows)):.1%}"]
    lines += [f"    {b:<20} {right[b]:>3}/{n:<3} {right[b] / n:.0%}" for b, n in sorted(total.items())]
    return lines


def report(title: str, scored: Sequence[Scored]) -> float:
    print(f"\n== {title} ({len(scored)} requests)")
    for line in table(scored, lambda e: e.label, "agrees with the expert's text-only reading (text_label)"):
        print(line)
    with_resolution = [s for s in scored if s.example.resolution]
    if with_resolution:
        print(table(with_resolution, lambda e: e.resolution, "agrees with the resolution (label)")[0])
        expert = sum(s.example.label == s.example.resolution for s in with_resolution)
        print(f"  the expert's own reading agrees with the resolution: {expert}/{len(with_resolution)} = "
              f"{expert / len(with_resolution):.1%}")
    misses = [s for s in scored if s.bucket != s.example.label]
    if misses:
        print("  misses (id: expert → engine | title):")
        for s in misses:
            print(f"    {s.example.id}: {s.example.label} → {s.bucket} | {(s.example.title or s.example.text)[:70]!r}")
    return sum(s.bucket == s.example.label for s in scored) / max(1, len(scored))


def labelled(path: Path) -> list[training.Example]:
    """The labelled requests of a JSON-lines file with the fields of reports.jsonl."""
    return [training.Example(r["id"], "real", r.get("title") or "", r["text"], r["text_label"],
                             r.get("text_secondary"), r.get("label"), r.get("decisive_quote") or "")
            for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r.get("text_label")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Accuracy of the text-only engine on real requests it was not tuned on.")
    parser.add_argument("--jsonl", action="append", default=[], type=Path, help="an extra held-out labelled set")
    parser.add_argument("--fresh", action="append", default=[], type=Path,
                        help="a labelled set nothing was trained or tuned on: read by the shipped model as it is")
    parser.add_argument("--quick", action="store_true", help="skip the cross-validation")
    args = parser.parse_args(argv)
    real = training.real_examples()
    others = training.other_examples()
    frozen = frozen_ids({"id": ex.id, "text_label": ex.label} for ex in real)
    tuning = [ex for ex in real if ex.id not in frozen]
    frozen_set = [ex for ex in real if ex.id in frozen]

    report("1. frozen real requests, model trained without them", held_out(frozen_set, tuning + others))
    if not args.quick:
        scored: list[Scored] = []
        parts = folds(tuning)
        for i, fold in enumerate(parts):
            rest = [ex for j, part in enumerate(parts) if j != i for ex in part]
            scored += held_out(fold, rest + others)
        report(f"2. tuning real requests, {FOLDS}-fold cross-validated", scored)
    for path in args.fresh:
        report(f"fresh set {path.name}, shipped model (never trained or tuned on it)", read_all(labelled(path), None))
    for path in args.jsonl:
        extra = labelled(path)
        scored = []
        for fold in folds(extra):
            # a retold request is the same request: its paraphrase stays out of the model that reads it
            ids = {ex.id for ex in fold}
            scored += held_out(fold, real + [ex for ex in others if ex.id not in ids])
        report(f"extra set {path.name}, {FOLDS}-fold cross-validated", scored)
    report("3. all real requests, shipped model (trained on them: optimistic)", read_all(real, None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
