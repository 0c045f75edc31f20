"""Hostile or odd input: always a verdict, never an exception, in bounded time (no timed asserts)."""
import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnosis.extract import parse_report
from diagnosis.model import Verdict
from diagnosis.prefilter import looks_like_space_trouble
from diagnosis.render import EMBED_TOTAL_LIMIT, MESSAGE_LIMIT, to_discourse, to_embed, to_markdown, to_terminal
from diagnosis.tree import decide
from forum.client import POST_LIMIT  # Discourse's default max_post_length
from tests.helpers import cited

rng = random.Random(20261128)


def zalgo(text: str) -> str:
    marks = [chr(c) for c in range(0x300, 0x36F)]
    return "".join(ch + "".join(rng.choice(marks) for _ in range(12)) for ch in text)


CASES = {
    "empty": "",
    "whitespace": " \n\t " * 100,
    "100 KB paste": ("Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n" * 800
                     + "ModuleNotFoundError: No module named 'cv2'\n")[:100_000],
    "100 KB one line": "a" * 100_000,
    "binary garbage": bytes(rng.randrange(256) for _ in range(50_000)).decode("latin-1"),
    "50 URLs": " ".join(f"https://huggingface.co/spaces/u{i}/s{i}/tree/main?x=1" for i in range(50)),
    "deep markdown": "> " * 5000 + "**" * 3000 + "[" * 2000 + "`" * 2000 + "Runtime error" + "]" * 2000,
    "zalgo": zalgo("my space is stuck in Build Queued, restart fails"),
    "near-miss backtracking": "Space " + "a/" * 20_000 + " " + "Exit code: " + "9" * 5000 + ". Reason:" + "-" * 30_000,
    "long url": "https://huggingface.co/spaces/" + "a" * 50_000 + "/" + "b" * 50_000,
    "subdomain flood": "-".join("x" * 3 for _ in range(20_000)) + ".hf.space",
    "placeholder flood": "<space> " * 12_000,
    "bare ids next to URLs": "Space alice/bob https://huggingface.co/spaces/c/d " * 2500,
    "url flood": "huggingface.co/spaces/" * 5000,
    "exception flood": "KeyError: 'X' " * 8000,
    "nul and controls": "\x00\x01\x02 space 503 \x1b[31m runtime error \x7f" * 200,
}
# The chat prefilter lets through what names trouble (a status, an error, a Space with an exit code) and no flood.
NAMES_TROUBLE = {"deep markdown", "near-miss backtracking", "nul and controls"}


@pytest.mark.parametrize("name", list(CASES))
def test_always_a_verdict(name):
    text = CASES[name]
    v = decide(parse_report(text))
    assert isinstance(v, Verdict) and 0 <= v.confidence <= 1
    assert len(to_markdown(v)) <= MESSAGE_LIMIT and to_terminal(v) and to_embed(v).total_chars() <= EMBED_TOTAL_LIMIT
    assert len(to_discourse(v)) <= POST_LIMIT
    assert looks_like_space_trouble(text) is (name in NAMES_TROUBLE)


def test_hundred_kb_paste_is_still_read():
    v = decide(parse_report(CASES["100 KB paste"]))
    assert v.bucket.value == "runtime_crash" and "cv2" in cited(v)


def test_fifty_urls_pick_the_first():
    assert decide(parse_report(CASES["50 URLs"])).space == "u0/s0"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000))
def test_any_text(text):
    v = decide(parse_report(text))
    assert to_embed(v).total_chars() <= EMBED_TOTAL_LIMIT and len(to_discourse(v)) <= POST_LIMIT


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    "space", "https://huggingface.co/spaces/", "a/b", "OWNER/SPACE_NAME", "Runtime error", "503", "PAUSED", "\n",
    "Traceback (most recent call last):", "Exit code: 1. Reason:", "--> RUN pip install", "DONE 0.1s", "> ",
    "一直building", "Build Queued", "hf.space", "-", "Memory limit exceeded (16Gi)", "KeyError: 'X_TOKEN'",
    string.punctuation,
]), max_size=60))
def test_platform_words_in_any_order(parts):
    v = decide(parse_report(" ".join(parts)))
    assert to_embed(v).total_chars() <= EMBED_TOTAL_LIMIT and len(to_discourse(v)) <= POST_LIMIT
