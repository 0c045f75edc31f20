"""The prose layer: which bucket a help request's own words point to, learnt from real requests.

Exact rules (`symptoms.py`, `logs.py`) read what is exact: platform strings, log lines. People's prose is
too varied for rules ("Runtim error", "the demo is broken again", "抱脸部署的空间寄了"), so this module
scores it with a small linear model over word, word-pair and character n-grams, plus the codes of the exact
rules that fired (so the model learns how far each rule is to be trusted in real requests). The weights are
a data file written by `training/train_reading.py`; nothing here learns or does I/O after import.

`read()` returns a probability per bucket, the features that pushed the winner most, and the sentence of
the request that pushed it most (the line a reply should quote).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import islice, pairwise
from typing import Any

import numpy as np

from .model import Bucket, Finding, Reading

MAX_PROSE = 4000  # characters read: the prose is at the start; pasted logs further down are the rules' job
MAX_TITLE = 300  # a forum title is at most 255 characters; a longer "title" is a paste
MODEL_FILE = "reading_model.json"

_IMAGE_RE = re.compile(r"<img\b[^>]{0,2000}>|!\[[^\]\n]{0,300}\]\([^)\s]{0,2000}\)", re.IGNORECASE)
_URL_RE = re.compile(r"https?://\S{1,2000}|\b[\w.-]{1,200}\.hf\.space\b\S{0,500}", re.IGNORECASE)
_HUB_RE = re.compile(r"\b(?:hugg?ing?\s?face|hugginface|huggingface|hugging\s?face|hf)\b", re.IGNORECASE)
_TOKEN_RE = re.compile(r"[a-z][a-z0-9_']{0,40}|\d+|[\u3400-\u9fff]+")
# A sentence or a line; "Next.js", "app.py" and "v1.2" do not end one.
_SEGMENT_RE = re.compile(r"(?:[^\n.!?。！？]|[.!?](?=[^\s.!?]))+[.!?。！？]?")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CHAR_MIN_WORD = 4  # shorter words carry their meaning as words already
_CHAR_GRAMS = (4,)
_STOP = frozenset(("a", "an", "the", "to", "of", "and", "or", "in", "on", "for", "is", "it", "i", "my", "this", "that",
                   "with", "be", "was", "are", "at", "as", "by", "me", "you", "your", "we"))


def normalise(text: str) -> str:
    """Lowercased prose with screenshots, links and the Hub's many spellings reduced to one token each."""
    text = _IMAGE_RE.sub(" screenshot ", text)
    text = _URL_RE.sub(" link ", text)
    text = _HUB_RE.sub(" huggingface ", text)
    return text.lower()


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN_RE.findall(text):
        if tok[0].isdigit():
            out.append("503" if tok == "503" else "<num>")
        elif _CJK.match(tok):
            out.extend(tok[i:i + 2] for i in range(max(1, len(tok) - 1)))  # Chinese: character pairs
        else:
            out.append(tok.strip("'"))
    return [t for t in out if t]


@lru_cache(maxsize=20_000)
def _char_grams(word: str) -> tuple[str, ...]:
    """A word's character n-grams (typos share most of them); cached, as the same words come back all day."""
    if len(word) < _CHAR_MIN_WORD or not word.isascii() or not word.isalpha():
        return ()
    padded = f"<{word}>"
    return tuple(f"c:{padded[i:i + n]}" for n in _CHAR_GRAMS for i in range(len(padded) - n + 1))


def features(title: str, text: str, rule_codes: Iterable[str] = ()) -> list[str]:
    """The model's features for a request (also used by the training script, so both always agree)."""
    title = title[:MAX_TITLE]
    body = normalise(f"{title}\n{text[:MAX_PROSE]}")
    toks = _tokens(body)
    feats = [f"w:{t}" for t in toks if t not in _STOP]
    feats += [f"b:{a}_{b}" for a, b in pairwise(toks)]
    for t in set(toks):
        feats += _char_grams(t)
    feats += [f"t:{t}" for t in _tokens(normalise(title)) if t not in _STOP]
    feats += [f"r:{code}" for code in dict.fromkeys(rule_codes)]
    return feats


def rule_codes(findings: Iterable[Finding]) -> list[str]:
    """The rule features of a request: each finding's code, with how the person relates to a named tool
    (added, uses, mentioned, denied), since a bare mention of a proxy is no cause and an added one may be."""
    return [f"{f.code}:{f.facts['context']}" if "context" in f.facts else f.code for f in findings]


RULE_VALUE = 10.0  # an exact rule's code counts like a word seen many times: regularisation spares what is exact


def feature_values(title: str, text: str, rule_codes: Iterable[str] = ()) -> dict[str, float]:
    """The model's input: each feature's value (1 + log of its count; a fired rule's code RULE_VALUE)."""
    counts = Counter(features(title, text, rule_codes))
    return {f: RULE_VALUE if f[:2] == "r:" else 1.0 if n == 1 else 1.0 + math.log(n) for f, n in counts.items()}


@dataclass(frozen=True, slots=True)
class _Model:
    classes: tuple[Bucket, ...]
    bias: np.ndarray  # (buckets,)
    index: dict[str, int]  # feature → row
    weights: np.ndarray  # (features, buckets), centred per feature
    visitor_bias: float
    visitor_weights: np.ndarray  # (features,)


_installed: _Model | None = None


def install(weights: Mapping[str, Any] | None) -> None:
    """Read with these weights (a model dict as the training script writes it) instead of the shipped file;
    None goes back to the shipped file. The training script uses it to score a model per fold."""
    global _installed
    _installed = None if weights is None else _parse(weights)


def _model() -> _Model:
    return _installed or _shipped()


@lru_cache(maxsize=1)
def _shipped() -> _Model:
    return _parse(json.loads(resources.files("diagnosis.data").joinpath(MODEL_FILE).read_text(encoding="utf-8")))


def _parse(data: Mapping[str, Any]) -> _Model:
    names = sorted(set(data["weights"]) | set(data["visitor"]["weights"]))
    k = len(data["classes"])
    weights = np.array([data["weights"].get(f, [0.0] * k) for f in names], dtype=np.float64).reshape(len(names), k)
    # Centred per feature: softmax ignores a constant added to every class, and a centred weight says at once
    # how far a feature pushes one bucket above the others (the explanation, the decisive sentence).
    weights -= weights.mean(axis=1, keepdims=True)
    visitor = data["visitor"]["weights"]
    return _Model(
        classes=tuple(Bucket(c) for c in data["classes"]),
        bias=np.array(data["bias"], dtype=np.float64),
        index={f: i for i, f in enumerate(names)},
        weights=weights,
        visitor_bias=float(data["visitor"]["bias"]),
        visitor_weights=np.array([visitor.get(f, 0.0) for f in names], dtype=np.float64),
    )


def read(title: str, text: str, rule_codes: Iterable[str] = ()) -> Reading:
    """What the words of a request point to. Pure and total: any strings in, a Reading out."""
    model = _model()
    index = model.index
    found = [(i, f, value) for f, value in feature_values(title, text, rule_codes).items()
             if (i := index.get(f)) is not None]
    rows = [i for i, _, _ in found]
    names = [f for _, f, _ in found]
    counts = np.array([value for _, _, value in found])
    pushes = model.weights[rows] * counts[:, None]  # (found features, buckets)
    probs = _softmax(model.bias + pushes.sum(axis=0))
    best = int(np.argmax(probs))
    visitor = model.visitor_bias + float(counts @ model.visitor_weights[rows]) if rows else model.visitor_bias
    ranked = np.argsort(-pushes[:, best]) if rows else np.empty(0, dtype=np.intp)
    ranked = ranked[pushes[ranked, best] > 0] if rows else ranked
    bucket = model.classes[best]
    pushed_by = tuple(names[j] for j in ranked[:8])
    words = list(islice((j for j in ranked if names[j][:2] in _WORD_KINDS), 8))
    cues = {names[j][2:].split("_")[0] for j in words}
    return Reading(
        probabilities={c: float(p) for c, p in zip(model.classes, probs, strict=True)},
        bucket=bucket,
        pushed_by=pushed_by,
        quote="" if bucket is Bucket.NEEDS_INFO else _decisive_part(title, text, best, model, cues),
        visitor=_sigmoid(visitor),
    )


def visitor_base_rate() -> float:
    """What the visitor head says of a request that holds no words at all (its bias alone), with the weights in
    use: the level a request's own words must raise it above."""
    return _sigmoid(_model().visitor_bias)


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))


def _softmax(scores: np.ndarray) -> np.ndarray:
    exps = np.exp(scores - scores.max())
    return exps / exps.sum()


MAX_SEGMENTS = 60


_WORD_KINDS = ("w:", "b:", "t:")  # features a sentence can be scored by (words, word pairs, title words)


def _decisive_part(title: str, text: str, best: int, model: _Model, cues: set[str]) -> str:
    """The title or sentence whose words (and word pairs) push the winning bucket hardest above the others.

    Only parts holding one of the `cues` (the words that pushed the winner most) can win, so most parts are
    skipped unread."""
    if not cues:
        return ""
    winner, top = "", 0.0
    for part in [title, *_SEGMENT_RE.findall(text[:MAX_PROSE])][:MAX_SEGMENTS]:
        part = part.strip()
        low = normalise(part)
        if len(part) < 3 or not any(cue in low for cue in cues):
            continue
        toks = _tokens(low)
        rows = [i for f in {*(f"w:{t}" for t in toks), *(f"b:{a}_{b}" for a, b in pairwise(toks))}
                if (i := model.index.get(f)) is not None]
        push = float(model.weights[rows, best].sum()) if rows else 0.0
        if push > top:
            winner, top = part, push
    return winner
