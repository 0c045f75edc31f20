"""Top-1 accuracy on a second, hand-written corpus of help requests (tests/data/extra_reports.jsonl).

The real fixtures are a small sample; this corpus was written and labelled (following the seed post and
DESIGN.md) before the engine was run on it, to find rules that only fit the sample. Run with `-s` for
the per-bucket table and every miss.
"""
import json

from diagnosis.extract import parse_report
from diagnosis.tree import decide
from tests.helpers import EXTRA_REPORTS, score

TOP1_FLOOR = 0.97
PRIMARY_OR_SECONDARY_FLOOR = 0.99


def test_extra_reports_top1():
    rows = [json.loads(line) for line in EXTRA_REPORTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 80 and len({r["id"] for r in rows}) == len(rows)
    cases = [(r["id"], r["label"], r.get("secondary_label"), r["text"]) for r in rows]
    acc, table, misses = score(cases)
    either = sum(decide(parse_report(t)).bucket.value in (label, sec) for _, label, sec, t in cases) / len(cases)
    print(f"\nextra reports: top-1 {acc:.1%} of {len(cases)} (primary or secondary label: {either:.1%})", *table,
          "misses:", *misses, sep="\n")
    assert acc >= TOP1_FLOOR, misses
    assert either >= PRIMARY_OR_SECONDARY_FLOOR, misses
