"""The frozen part of the real help requests: kept out of every tuning step, scored only to report.

Stratified by the expert's `text_label` so each bucket keeps its share; within a bucket the order is a hash
of the request id, so the split is fixed, reproducible and blind to the text.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping

FROZEN_EVERY = 3  # one request in three is frozen


def _order(request_id: str) -> str:
    return hashlib.sha256(f"spacedoc-frozen:{request_id}".encode()).hexdigest()


def frozen_ids(requests: Iterable[Mapping[str, object]]) -> frozenset[str]:
    by_label: dict[str, list[str]] = defaultdict(list)
    for r in requests:
        by_label[str(r["text_label"])].append(str(r["id"]))
    frozen: set[str] = set()
    for ids in by_label.values():
        ids.sort(key=_order)
        frozen.update(ids[i] for i in range(len(ids)) if i % FROZEN_EVERY == FROZEN_EVERY - 1)
    return frozenset(frozen)
