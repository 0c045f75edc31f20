"""The redaction benchmark's corpus, generated at run time (never stored): every kind in every disguise that
applies to it, and ordinary support messages full of look-alikes.

Positive messages wrap the disguised credential in chat text the way people paste it; benign messages come
from tests/secretgen.py's look-alike templates, each also wrapped in chat text so no two are identical.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from tests.secretgen import DISGUISES, KINDS, Sample, SecretGen, applicable, benign_messages, disguise

_OPENERS = ("", "hi! ", "help pls, ", "Space won't start:\n", "```\n", "> ", "still broken after restart. ")
_CLOSERS = ("", " thanks", " any idea?", "\n```", " 🙏", "\nlogs above", " (tried factory rebuild)")


@dataclass(frozen=True)
class Message:
    text: str
    kind: str | None  # None: benign
    disguise: str | None
    sample: Sample | None


def build(seed: int = 2026, per_cell: int = 12, benign: int = 2000) -> list[Message]:
    gen = SecretGen(seed)
    rng = gen.rng
    messages: list[Message] = []
    for kind in KINDS:
        for name in DISGUISES:
            if not applicable(kind, name):
                continue
            for _ in range(per_cell):
                sample = gen.sample(kind)
                text = rng.choice(_OPENERS) + disguise(name, sample, rng) + rng.choice(_CLOSERS)
                messages.append(Message(text, kind, name, sample))
    for text in benign_messages(random.Random(seed + 1), benign):
        messages.append(Message(rng.choice(_OPENERS) + text + rng.choice(_CLOSERS), None, None, None))
    rng.shuffle(messages)
    return messages
