"""The redaction benchmark's corpus, generated at run time (never stored) by sandbox/secretgen.py: every kind
in every form and every disguise that applies to it, and look-alikes of secrets in named categories.

Positive messages wrap the disguised credential in chat text the way people paste it; benign messages come
from the generator's look-alike templates, each also wrapped in chat text so no two are identical.

The rules were written against these very classes: what this corpus measures is regression (a class that
worked still works), not how well the redactor does on pastes it has never seen.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.secretgen import DISGUISES, KINDS, Sample, SecretGen, applicable, benign_samples, disguise

_OPENERS = ("", "hi! ", "help pls, ", "Space won't start:\n", "```\n", "> ", "still broken after restart. ")
_CLOSERS = ("", " thanks", " any idea?", "\n```", " 🙏", "\nlogs above", " (tried factory rebuild)")


@dataclass(frozen=True)
class Message:
    text: str
    kind: str | None  # None: benign
    disguise: str | None
    sample: Sample | None
    category: str | None = None  # the look-alike category of a benign message

    @property
    def form(self) -> str | None:
        return f"{self.kind}: {self.sample.form}" if self.sample else None


def build(seed: int = 2026, per_cell: int = 20, benign: int = 3000) -> list[Message]:
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
    for category, text in benign_samples(random.Random(seed + 1), benign):
        messages.append(Message(rng.choice(_OPENERS) + text + rng.choice(_CLOSERS), None, None, None, category))
    rng.shuffle(messages)
    return messages
