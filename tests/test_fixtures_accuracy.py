"""Top-1 accuracy on real, labelled help requests and log excerpts (a sample of the held-out sets).

Run with `-s` to see the per-bucket table and every miss. The floors are what the engine achieves
today: a change that loses accuracy fails here.
"""
import csv
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from diagnosis.extract import parse_report
from diagnosis.tree import decide

FIXTURES = Path(os.environ.get("SPACEDOC_FIXTURES", Path(__file__).parent / "fixtures"))
REPORTS_FLOOR = 0.90
LOGS_FLOOR = 0.90  # over excerpts with a bucket label ("other" expects none)


def score(cases):
    """cases: (id, label, secondary, text[, title]) → (accuracy, per-bucket table lines, misses)."""
    hits, per_total, per_hit, misses = 0, Counter(), Counter(), []
    for case_id, label, secondary, text, *title in cases:
        v = decide(parse_report(text, *title))
        per_total[label] += 1
        if v.bucket.value == label:
            hits += 1
            per_hit[label] += 1
        else:
            misses.append(f"{case_id}: labelled {label}{f' (or {secondary})' if secondary else ''}, got {v.bucket.value} "
                          f"({v.confidence:.2f}); alternatives {[a.bucket.value for a in v.alternatives[:2]]}")
    table = [f"  {b:<20} {per_hit[b]}/{n}  {per_hit[b] / n:.0%}" for b, n in sorted(total_items(per_total))]
    return hits / max(1, len(cases)), table, misses


def total_items(counter):
    return counter.items()


def report_rows():
    path = FIXTURES / "reports" / "reports.jsonl"
    if not path.exists():
        pytest.skip(f"no fixtures at {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def log_cases():
    path = FIXTURES / "logs" / "labels.csv"
    if not path.exists():
        pytest.skip(f"no fixtures at {path}")
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] != "other"]
    return [(r["file"], r["label"], None, (path.parent / r["file"]).read_text(encoding="utf-8")) for r in rows]


def test_reports_top1():
    cases = report_cases()
    acc, table, misses = score(cases)
    secondary = sum(decide(parse_report(t)).bucket.value in (label, sec) for _, label, sec, t in cases) / len(cases)
    print(f"\nreports: top-1 {acc:.1%} of {len(cases)} (primary or secondary label: {secondary:.1%})", *table,
          "misses:", *misses, sep="\n")
    assert acc >= REPORTS_FLOOR, misses


def test_logs_top1():
    cases = log_cases()
    acc, table, misses = score(cases)
    print(f"\nlogs: top-1 {acc:.1%} of {len(cases)} labelled excerpts", *table, "misses:", *misses, sep="\n")
    assert acc >= LOGS_FLOOR, misses
