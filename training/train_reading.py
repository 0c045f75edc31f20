"""Train the prose model that `diagnosis/reading.py` ships: `python -m training.train_reading`.

Reproducible: the same data gives the same weights (fixed solver, no randomness), written to
`diagnosis/data/reading_model.json`; `--check` retrains and fails when the shipped file differs.

Data, each request read as a forum post reads (title + text), labelled with what an expert concludes from the
text alone (`text_label`, see tests/fixtures/reports/README.md):
- real requests (tests/fixtures/reports/reports.jsonl), copied verbatim from public threads;
- real requests retold in our own words (training/data/paraphrased.jsonl): the same facts and platform strings,
  gathered from other public threads than the real file's;
- requests we wrote (tests/data/extra_reports.jsonl), labelled before the engine saw them.
Weights per source say how much each should count: real prose is what the model must learn to read.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from diagnosis import reading  # noqa: E402
from diagnosis.extract import rule_findings  # noqa: E402
from diagnosis.model import Bucket  # noqa: E402

REAL = ROOT / "tests" / "fixtures" / "reports" / "reports.jsonl"
PARAPHRASED = ROOT / "training" / "data" / "paraphrased.jsonl"
WRITTEN = ROOT / "tests" / "data" / "extra_reports.jsonl"
MODEL_PATH = ROOT / "diagnosis" / "data" / reading.MODEL_FILE
SOURCE_WEIGHT = {"real": 3.0, "paraphrased": 2.0, "written": 1.0}
C = 0.5  # inverse regularisation strength, chosen by cross-validation on the real requests (bench/bench_reading.py)
KEEP = 0.002  # weights smaller than this in every class are dropped from the file (they change no decision)
DECIMALS = 4
TOL = 1e-5


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    source: str
    title: str
    text: str
    label: str
    secondary: str | None = None
    resolution: str | None = None  # the thread's resolution label, real requests only
    decisive_quote: str = ""
    visitor: bool | None = None  # None where nobody labelled it (our written requests)
    language: str = "en"


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def real_examples(path: Path = REAL) -> list[Example]:
    return [Example(r["id"], "real", r.get("title") or "", r["text"], r["text_label"], r.get("text_secondary"),
                    r.get("label"), r.get("decisive_quote") or "", bool(r.get("visitor")), r.get("language", "en"))
            for r in _jsonl(path)]


def other_examples() -> list[Example]:
    out = [Example(r["id"], "paraphrased", r.get("title") or "", r["text"], r["text_label"], r.get("text_secondary"),
                   language=r.get("language", "en"), visitor=bool(r.get("visitor")))
           for r in _jsonl(PARAPHRASED)]
    out += [Example(r["id"], "written", "", r["text"], r["label"], r.get("secondary_label")) for r in _jsonl(WRITTEN)]
    return out


def rule_codes(title: str, text: str) -> list[str]:
    """The exact rules that fire on the request (their codes are features too)."""
    return reading.rule_codes(rule_findings(text, title))


@cache
def feature_counts(title: str, text: str) -> dict[str, float]:
    """The features' values exactly as `reading.read` computes them."""
    return reading.feature_values(title, text, rule_codes(title, text))


def fit(examples: Sequence[Example], c: float = C) -> dict:
    """Multinomial logistic regression over reading.features() for the bucket, and a binary one for whether the
    poster is a visitor of someone else's Space (learnt where that is labelled); returns the weights as the
    shipped file holds them."""
    from sklearn.feature_extraction import DictVectorizer

    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([feature_counts(ex.title, ex.text) for ex in examples])
    names = vectorizer.get_feature_names_out()
    weight = [SOURCE_WEIGHT[ex.source] for ex in examples]
    classes, bias, coef = _logistic(x, [ex.label for ex in examples], weight, c)
    model = {"classes": classes, "bias": bias, "weights": _kept(names, coef)}
    who = [i for i, ex in enumerate(examples) if ex.visitor is not None]
    _, visitor_bias, visitor_coef = _logistic(x[who], [examples[i].visitor for i in who], [weight[i] for i in who], c)
    model["visitor"] = {"bias": visitor_bias[0], "weights": {n: w[0] for n, w in _kept(names, visitor_coef).items()}}
    return model


def _logistic(x, y: list, weight: list[float], c: float) -> tuple[list[str], list[float], object]:
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    model = LogisticRegression(C=c, max_iter=5000, tol=TOL)
    with threadpool_limits(1):  # BLAS threads fighting over 2 cores made one fit 5x slower
        model.fit(x, y, sample_weight=weight)
    return [str(label) for label in model.classes_], [round(float(v), DECIMALS) for v in model.intercept_], model.coef_


def _kept(names, coef) -> dict[str, list[float]]:
    """Feature → weights per class, without the features too weak to change any decision."""
    import numpy as np

    keep = np.abs(coef).max(axis=0) >= KEEP
    return {str(names[j]): [round(float(v), DECIMALS) for v in coef[:, j]] for j in np.flatnonzero(keep)}


def dump(model: dict) -> str:
    return json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def training_set(exclude: Iterable[str] = ()) -> list[Example]:
    excluded = set(exclude)
    return [ex for ex in real_examples() + other_examples() if ex.id not in excluded]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="retrain and fail if the shipped weights differ")
    args = parser.parse_args(argv)
    examples = training_set()
    missing = {ex.label for ex in examples} ^ {b.value for b in Bucket}
    if missing:
        print(f"buckets without examples: {sorted(missing)}", file=sys.stderr)
        return 1
    text = dump(fit(examples))
    if args.check:
        same = MODEL_PATH.exists() and MODEL_PATH.read_text(encoding="utf-8") == text
        print("shipped weights are up to date" if same else "shipped weights differ from a fresh training run")
        return 0 if same else 1
    MODEL_PATH.write_text(text, encoding="utf-8")
    print(f"{len(examples)} examples → {MODEL_PATH.relative_to(ROOT)} "
          f"({len(json.loads(text)['weights'])} features, {len(text) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
