"""diagnose_and_record: the one diagnosis every adapter runs, over the sandbox Hub and a real store."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from diagnosis.hub import HubClient
from diagnosis.render import to_discourse, to_embed
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from spacedoc.diagnosis_service import MAX_INPUT_CHARS, diagnose_and_record
from spacedoc.store import Store, open_store
from tests.helpers import leaked_fragments

BROKEN = "https://huggingface.co/spaces/orchid-nlp/summarizer"  # a build failure in the sandbox Hub


@pytest.fixture
async def hub(sandbox_hub: SandboxHub) -> AsyncIterator[HubClient]:
    async with HubClient(sandbox_hub.endpoint, status_url=sandbox_hub.status_url, backoff_base=0.01) as client:
        yield client


@pytest.fixture
async def store(tmp_path) -> AsyncIterator[Store]:
    opened = await open_store(str(tmp_path / "spacedoc.sqlite3"))
    yield opened
    await opened.close()


async def test_a_token_the_input_limit_falls_in_is_not_quoted_in_part(hub, store):
    """A long paste is cut to MAX_INPUT_CHARS. Wherever the cut falls in a token on the log line the reply quotes,
    no part of the token is quoted: cut first, what is left of it no longer looks like a token to the redactor."""
    sample = SecretGen(seed=41).sample("huggingface", "token")
    head = f"My Space {BROKEN} fails to build, the whole log:\n"
    line = "ERROR: HTTP error 401 while getting https://huggingface.co/api/models with token "
    leaks = {}
    for kept in range(len(sample.secret) + 1):  # characters of the token before the cut
        room = MAX_INPUT_CHARS - len(head) - len(line) - kept
        filler = ("Collecting torch==2.4.0\n" * (room // 24 + 1))[:room - 1] + "\n"  # whole lines before the 401
        text = head + filler + line + sample.secret + "\nsome more log\n" * 20
        assert text[:MAX_INPUT_CHARS].endswith(line + sample.secret[:kept])
        v = await diagnose_and_record(hub, store, text)
        spec = to_embed(v)
        shipped = "\n".join([spec.title, spec.description, *(part for f in spec.fields for part in f), to_discourse(v)])
        assert "HTTP error 401" in shipped  # the line with the token is the one quoted
        if fragments := leaked_fragments(sample, shipped):
            leaks[kept] = fragments
    assert leaks == {}
