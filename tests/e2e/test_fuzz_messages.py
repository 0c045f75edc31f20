"""10,000 generated chat messages through the real bot's message path (sandbox Discord + sandbox Hub).

A seeded generator mixes what a busy help server sees: chatter, look-alikes of secrets (hashes, ids,
placeholders), reports about broken Spaces (sandbox scenarios and unknown Spaces), pasted credentials of
every kind in every disguise, junk and odd Unicode, forum posts and follow-ups, mentions, and edits. The bot
must raise nothing, answer no message twice, and send no secret anywhere (nor a 12-character piece of one).
"""
from __future__ import annotations

import random
import string
from collections import Counter
from dataclasses import dataclass, field

from sandbox.harness import BotHarness
from sandbox.hub import load_scenarios
from sandbox.secretgen import DISGUISES, KINDS, SecretGen, applicable, benign_messages, disguise

SEED = 20261128
MESSAGES = 10_000
BATCH = 500  # posts between two waits for the bot to catch up
PIECE = 12  # a secret's first or last 12 characters after its prefix must not appear in anything sent

CHAT = ("anyone tried the new llama release?", "lol same", "thanks, that worked!", "good morning everyone",
        "how do I fine-tune on a single GPU?", "check out my blog post about tokenizers", "brb", "👍",
        "is there a community event this week?", "what does temperature do exactly?", "my space is cool",
        "can someone review my PR?", "the leaderboard is down?", "gradio 5 is great", "ok", "?")
SYMPTOMS = ("is stuck on Building for hours", "shows 503 and restart fails", "went to PAUSED and commits do nothing",
            "says runtime error after loading the model", "Build error after updating requirements.txt",
            "is stuck in Build Queued", "shows Starting forever", "was flagged and now it is paused",
            "exceeded your GPU quota", "has a configuration error in the README")
JUNK_ALPHABETS = ("\u200b\u200d\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ÄÖÜßéèà", "漢字かなカナ", "\u202e\u202d", "\x00\x01\x7f", "`*_~|>#",
                  string.printable)


@dataclass
class Plan:
    """What the generator sent: the secrets planted, and how many events of each kind."""

    secrets: list[tuple[str, str]] = field(default_factory=list)  # (secret, its public prefix)
    counts: Counter[str] = field(default_factory=Counter)


class Generator:
    def __init__(self, seed: int, spaces: list[str]) -> None:
        self.rng = random.Random(seed)
        # Its own stream: with the same seed, a token's random part would equal a look-alike's request id.
        self.secrets = SecretGen(self.rng.randrange(2**32))
        self.spaces = spaces
        self.benign = benign_messages(self.rng, 400)
        self.plan = Plan()

    def space_url(self) -> str:
        rng = self.rng
        space = rng.choice(self.spaces) if rng.random() < 0.6 else f"user{rng.randint(1, 999)}/app-{rng.randint(1, 99)}"
        return rng.choice((f"https://huggingface.co/spaces/{space}", space, f"https://hf.co/spaces/{space}"))

    def trouble(self) -> str:
        return f"My Space {self.space_url()} {self.rng.choice(SYMPTOMS)}. Any idea?"

    def leak(self) -> str:
        rng = self.rng
        kind = rng.choice(KINDS)
        sample = self.secrets.sample(kind)
        how = rng.choice([d for d in DISGUISES if applicable(kind, d)])
        self.plan.secrets.append((sample.secret, sample.prefix))
        host = rng.choice((self.trouble(), rng.choice(CHAT), "here is my setup:"))
        return f"{host}\n{disguise(how, sample, rng)}"

    def junk(self) -> str:
        rng = self.rng
        alphabet = rng.choice(JUNK_ALPHABETS)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 1500))).strip() or "?"

    def text(self) -> str:
        roll = self.rng.random()
        for limit, kind, make in ((0.40, "chat", lambda: self.rng.choice(CHAT)),
                                  (0.60, "lookalike", lambda: self.rng.choice(self.benign)),
                                  (0.80, "trouble", self.trouble),
                                  (0.88, "leak", self.leak),
                                  (1.00, "junk", self.junk)):
            if roll < limit:
                self.plan.counts[kind] += 1
                return make()
        raise AssertionError("unreachable")


async def test_ten_thousand_messages(harness: BotHarness) -> None:
    d = harness.discord
    helpers = d.add_role("helpers")
    await harness.configure(help_forums=frozenset({d.help_forum}), help_channels=frozenset({d.help_channel}),
                            helper_role=helpers)
    await harness.restart()  # the helper role reaches the bot with GUILD_CREATE
    harness.use_policy(user_cooldown=1.0, conversation_window=2.0)  # many more answers in a 15-second run
    gen = Generator(SEED, sorted(load_scenarios()))
    rng = gen.rng
    people = [d.add_user(f"user{i}", roles=[helpers] if i % 25 == 0 else []) for i in range(60)]
    threads: list[tuple[int, dict]] = []  # (thread id, its original poster)
    posted: list[tuple[int, int]] = []  # (channel id, message id) of every message people wrote
    mention = f"<@{d.bot_user_id}>"

    for i in range(MESSAGES):
        person = rng.choice(people)
        roll = rng.random()
        if roll < 0.04:
            gen.plan.counts["forum post"] += 1
            message = await d.create_forum_post(d.help_forum, person, rng.choice(SYMPTOMS).capitalize(), gen.text())
            threads.append((int(message["id"]), person))
        elif roll < 0.12 and threads:
            thread, op = rng.choice(threads)
            author = op if rng.random() < 0.6 else person
            message = await d.post(thread, author, gen.text())
        elif roll < 0.16 and posted:
            gen.plan.counts["edit"] += 1
            channel, mid = rng.choice(posted)
            if d.message(channel, mid) is None:  # deleted by the moderation meanwhile
                continue
            await d.edit(channel, mid, gen.text())
            continue
        else:
            channel = rng.choice((d.help_channel, d.general, d.general))
            text = gen.text()
            if rng.random() < 0.01:
                gen.plan.counts["mention"] += 1
                text = f"{mention} {text}"
            message = await d.post(channel, person, text)
        posted.append((int(message["channel_id"]), int(message["id"])))
        if i % BATCH == BATCH - 1:
            await harness.idle(timeout=60)
    await harness.idle(timeout=60)  # every message handled, the diagnoses still in flight finished

    # No message answered twice (help desk, mentions and apologies all reply to the message they answer).
    replies = Counter(m["message_reference"]["message_id"] for m in d.bot_messages() if m.get("message_reference"))
    twice = {mid: n for mid, n in replies.items() if n > 1}
    assert not twice, f"answered more than once: {twice}"
    assert len(d.deleted) == len(set(d.deleted))

    # No secret, nor a piece of one, in anything the bot sent to Discord.
    sent = "\n".join(r.text() for r in d.requests)
    leaked = [prefix for secret, prefix in gen.plan.secrets
              if len(body := _private_part(secret, prefix)) >= PIECE
              and (body[:PIECE] in sent or body[-PIECE:] in sent)]
    assert not leaked, f"{len(leaked)} secrets reached Discord (prefixes {sorted(set(leaked))})"

    # The run did exercise every path it is meant to.
    assert gen.plan.counts["leak"] > 500 and gen.plan.counts["forum post"] > 300 and gen.plan.counts["edit"] > 300
    assert len(d.deleted) > 0.8 * gen.plan.counts["leak"]  # most leaks are still there when the bot sees them
    assert replies, "the bot answered nothing"


def _private_part(secret: str, prefix: str) -> str:
    """The secret without its public vendor prefix (and, for a key block, its public END line)."""
    return secret[len(prefix):].split("-----END", 1)[0].strip()
