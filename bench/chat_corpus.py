"""Ordinary chat of an ML Discord server: no Space trouble, no credential. The traffic a bot sees most."""
from __future__ import annotations

import random

CHAT = [
    "good morning everyone!", "has anyone tried the new llama release? the benchmarks look wild",
    "lol yes", "I think the tokenizer is different in that version", "thanks, that fixed it :)",
    "what's the best way to fine-tune a small model on a laptop?", "see you tomorrow", "👍",
    "does anyone know a good dataset for speech recognition in Swahili?", "the meetup is on Friday at 6pm",
    "I'm training with lora rank 16 and alpha 32, loss goes down nicely", "congrats on the release!!",
    "is there a discord bot for paper summaries?", "my GPU is too small for 70B, going with 8B", "nice",
    "how do I push a model to the hub from a notebook?", "the new docs look great", "brb coffee",
]


def ordinary_chat(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(CHAT) for _ in range(n)]
