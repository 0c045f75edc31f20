"""Secret moderation with the real bot: delete, repost redacted, warn, revoke — on new messages and edits."""
from __future__ import annotations

import logging

import pytest

from sandbox.discord_server import EVERYONE_PERMISSIONS
from sandbox.harness import BotHarness, all_text
from tests.secretgen import SecretGen


@pytest.fixture
def gen(request: pytest.FixtureRequest) -> SecretGen:
    return SecretGen(seed=sum(map(ord, request.node.name)))


async def wait_revoked(h: BotHarness, token: str) -> None:
    await h.discord.wait_for(lambda: any(token in body.get("credentials", []) for body in h.hub.revoked))


async def test_pasted_token_deleted_reposted_redacted_and_revoked(harness: BotHarness, gen: SecretGen,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    d = harness.discord
    alice = d.add_user("alice")
    token = gen.sample("huggingface").secret
    posted = await d.post(d.general, alice, f'curl -H "Authorization: Bearer {token}" https://huggingface.co/api/whoami-v2'
                                             " gives me 401, why?")
    warning = await d.wait_for_bot_message(d.general)
    await wait_revoked(harness, token)

    assert (d.general, int(posted["id"])) in d.deleted
    assert d.message(d.general, int(posted["id"])) is None
    text = all_text([warning])
    assert f"<@{alice['id']}>" in warning["content"] and "compromised" in text
    assert "Hugging Face access token" in text and "revoked" in text
    repost = warning["embeds"][0]
    assert "alice" in repost["author"]["name"]
    assert "hf_[REDACTED]" in repost["description"] and "gives me 401, why?" in repost["description"]
    assert token not in text and token[3:] not in text
    assert harness.hub.revoke_requests_with_auth == 0  # the token travels only in the body
    assert all(token not in r.getMessage() and token not in (r.exc_text or "") for r in caplog.records)
    assert len(d.bot_messages(d.general)) == 1


async def test_token_added_by_an_edit(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    bob = d.add_user("bob")
    posted = await d.post(d.general, bob, "here is my config, what is wrong?")
    await d.settle()
    assert d.bot_messages(d.general) == []
    token = gen.sample("huggingface").secret
    await d.edit(d.general, int(posted["id"]), f"here is my config, what is wrong?\nHF_TOKEN={token}")
    warning = await d.wait_for_bot_message(d.general)
    await wait_revoked(harness, token)
    assert (d.general, int(posted["id"])) in d.deleted
    assert "HF_TOKEN=hf_[REDACTED]" in warning["embeds"][0]["description"]


async def test_without_delete_permission_warns_and_never_echoes(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    d.set_bot_permissions(EVERYONE_PERMISSIONS)  # may write, may not manage messages
    await harness.restart()
    carol = d.add_user("carol")
    sample = gen.sample("github")
    posted = await d.post(d.help_channel, carol, f"my push fails with this remote: {sample.text} -- distinctive words")
    warning = await d.wait_for_bot_message(d.help_channel)
    await d.settle()
    assert d.message(d.help_channel, int(posted["id"])) is not None and d.deleted == []
    assert not any(r.method == "DELETE" for r in d.requests)  # checked the permission instead of trying
    assert warning["embeds"] == [] and "distinctive words" not in warning["content"]
    assert "delete yours now" in warning["content"] and "I removed" not in warning["content"]
    assert "GitHub token" in warning["content"]
    assert harness.hub.revoked == []  # not a Hugging Face token


async def test_revoke_setting_off(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    await harness.configure(revoke=False)
    token = gen.sample("huggingface").secret
    await d.post(d.general, d.add_user("dave"), f"login({token!r})")
    warning = await d.wait_for_bot_message(d.general)
    await d.settle()
    assert harness.hub.revoked == []
    assert "not revoked" in warning["content"] and "huggingface.co/settings/tokens" in warning["content"]


async def test_each_leak_handled_once_even_when_replayed(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    d.set_bot_permissions(EVERYONE_PERMISSIONS)
    await harness.restart()
    erin = d.add_user("erin")
    await d.post(d.general, erin, f"token: {gen.sample('huggingface').secret}")
    await d.wait_for_bot_message(d.general)
    await d.reconnect(replay=3)
    await d.settle()
    assert len(d.bot_messages(d.general)) == 1
    await d.post(d.general, erin, f"token: {gen.sample('huggingface').secret}")  # a new leak is a new warning
    await d.settle()
    assert len(d.bot_messages(d.general)) == 2
    assert sum(len(body["credentials"]) for body in harness.hub.revoked) == 2


async def test_placeholders_and_lookalikes_left_alone(harness: BotHarness) -> None:
    d = harness.discord
    frank = d.add_user("frank")
    for text in ('api = HfApi(token="hf_xxx")', "export HF_TOKEN=$HF_TOKEN",
                 "commit 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788796a5b broke the build"):
        await d.post(d.general, frank, text)
    await d.settle()
    assert d.bot_messages(d.general) == [] and d.deleted == []
