"""Secret moderation with the real bot: delete, repost redacted, warn, revoke — on new messages, edits, files,
embeds and thread names, and still when a step before the delete fails."""
from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from diagnosis import texts
from diagnosis.leaks import leak_warning, revocation_outcome, revocation_update, rotation, rotation_lines, title_lead
from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from sandbox.discord_server import EVERYONE_PERMISSIONS, PERM_MANAGE_MESSAGES, PERM_MANAGE_THREADS
from sandbox.harness import BotHarness, all_text
from sandbox.secretgen import SecretGen

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def gen(request: pytest.FixtureRequest) -> SecretGen:
    return SecretGen(seed=sum(map(ord, request.node.name)))


async def wait_revoked(h: BotHarness, token: str) -> None:
    await h.discord.wait_for(lambda: any(token in body.get("credentials", []) for body in h.hub.revoked))


async def wait_updated(h: BotHarness, warning: str, message: dict, status: RevocationStatus,
                       lang: str = texts.DEFAULT) -> dict:
    """`message` once its text is the `warning` it was posted with, saying how the revocation it announced ended."""
    d = h.discord
    updated = revocation_update(warning, status, lang)
    assert updated != warning  # the warning announced a revocation under way
    return await d.wait_for(lambda: (m := d.message(int(message["channel_id"]), int(message["id"])))
                            and m["content"] == updated and m, timeout=10)


def warned(author: dict, text: str, revocation: RevocationStatus | None, *, removed: bool = True,
           lang: str = texts.DEFAULT) -> str:
    """The warning `author` gets for posting `text` (its wording is diagnosis.leaks')."""
    return f"<@{author['id']}> {leak_warning(redact(text), revocation, removed=removed, lang=lang)}"


@pytest.fixture
async def harness_with(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[BotHarness]]]:
    """A harness started with some settings changed (e.g. short leases, a short revocation bound)."""
    started: list[BotHarness] = []

    async def start(**changes: object) -> BotHarness:
        h = BotHarness(str(tmp_path / "spacedoc.sqlite3"))
        h.config_changes.update(changes)
        started.append(h)
        return await h.start()

    yield start
    for h in started:
        await h.close()
        h.check_clean()


async def test_pasted_token_deleted_reposted_redacted_and_revoked(harness: BotHarness, gen: SecretGen,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    d = harness.discord
    alice = d.add_user("alice")
    token = gen.sample("huggingface").secret
    posted = await d.post(d.general, alice, f'curl -H "Authorization: Bearer {token}" https://huggingface.co/api/whoami-v2'
                                             " gives me 401, why?")
    warning = await d.wait_for_bot_message(d.general)
    said = warning["content"]
    await wait_revoked(harness, token)

    assert (d.general, int(posted["id"])) in d.deleted
    assert d.message(d.general, int(posted["id"])) is None
    text = all_text([warning])
    # what leaked and how to rotate it; the revocation under way: told "revoked" only once it is
    assert said == warned(alice, posted["content"], RevocationStatus.PENDING)
    repost = warning["embeds"][0]
    assert "alice" in repost["author"]["name"]
    assert "hf_[REDACTED]" in repost["description"] and "gives me 401, why?" in repost["description"]
    assert token not in text and token[3:] not in text
    updated = await wait_updated(harness, said, warning, RevocationStatus.REVOKED)
    assert updated["embeds"] == warning["embeds"]
    assert harness.hub.revoke_requests_with_auth == 0  # the token travels only in the body
    assert any("revoked" in r.getMessage() for r in caplog.records)  # the INFO records were captured
    assert all(token not in r.getMessage() and token not in (r.exc_text or "") for r in caplog.records)
    assert len(d.bot_messages(d.general)) == 1


async def test_revocation_survives_a_hub_outage_and_a_restart(harness_with, gen: SecretGen) -> None:
    h = await harness_with(lease_seconds=1.0)
    d, hub = h.discord, h.hub
    hub.revoke_fault = {"status": 500}
    token = gen.sample("huggingface").secret
    olga = d.add_user("olga")
    posted = await d.post(d.general, olga, f"HF_TOKEN={token} does not work")
    warning = await d.wait_for_bot_message(d.general)
    said = warning["content"]
    assert said == warned(olga, posted["content"], RevocationStatus.PENDING)
    await d.wait_for(lambda: hub.calls[("revoke", "")] >= 3)  # one attempt (its three tries) failed
    await h.restart()  # the token waits in the store, not in a process
    assert hub.revoked == []
    hub.revoke_fault = None
    await wait_revoked(h, token)
    await wait_updated(h, said, warning, RevocationStatus.REVOKED)
    await h.idle()
    assert len(d.bot_messages(d.general)) == 1  # the warning said it, in place


async def test_a_token_the_hub_never_accepts_is_reported_plainly(harness_with, gen: SecretGen) -> None:
    h = await harness_with(lease_seconds=1.0, revoke_minutes=0.02)
    d, hub = h.discord, h.hub
    hub.revoke_fault = {"status": 500}
    paula = d.add_user("paula")
    await d.post(d.general, paula, f"login(token={gen.sample('huggingface').secret!r})")
    warning = await d.wait_for_bot_message(d.general)
    said = warning["content"]
    told = await d.wait_for_bot_message(d.general, after=int(warning["id"]), timeout=10)
    assert told["content"] == f"<@{paula['id']}> {revocation_outcome(RevocationStatus.FAILED)}"
    assert told["message_reference"]["message_id"] == warning["id"]
    await wait_updated(h, said, warning, RevocationStatus.FAILED)
    assert hub.revoked == []


@pytest.mark.parametrize("lang, words", [
    ("en", "my token {token} stopped working this morning, what is wrong?"),
    ("zh", "我的 token {token} 今天早上突然不能用了，这是怎么回事？"),
])
async def test_a_leak_is_told_in_the_language_of_its_message(harness_with, gen: SecretGen, lang: str,
                                                             words: str) -> None:
    """The warning, its rotation lines, the repost's labels, the revocation's outcome: all in the author's language."""
    h = await harness_with(lease_seconds=1.0, revoke_minutes=0.02)
    d = h.discord
    h.hub.revoke_fault = {"status": 500}  # given up on: the outcome is also said on its own
    mei = d.add_user("mei")
    posted = await d.post(d.general, mei, words.format(token=gen.sample("huggingface").secret))
    assert texts.detect_language(posted["content"]) == lang
    warning = await d.wait_for_bot_message(d.general)
    said = warning["content"]
    assert said == warned(mei, posted["content"], RevocationStatus.PENDING, lang=lang)
    told = await d.wait_for_bot_message(d.general, after=int(warning["id"]), timeout=10)
    assert told["content"] == f"<@{mei['id']}> {revocation_outcome(RevocationStatus.FAILED, lang)}"
    updated = await wait_updated(h, said, warning, RevocationStatus.FAILED, lang)

    other = next(other for other in texts.LANGUAGES if other != lang)
    found = redact(posted["content"])
    shown = all_text([warning, updated, told])
    assert not any(line in shown for status in (RevocationStatus.PENDING, RevocationStatus.FAILED)
                   for line in rotation_lines(found, status, other))
    assert revocation_outcome(RevocationStatus.FAILED, other) not in shown
    repost = warning["embeds"][0]
    lines = [*updated["content"].splitlines(), told["content"], repost["author"]["name"], repost["footer"]["text"]]
    assert all(bool(CJK.search(line)) is (lang == "zh") for line in lines), lines


async def test_token_added_by_an_edit(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    bob = d.add_user("bob")
    posted = await d.post(d.general, bob, "here is my config, what is wrong?")
    await harness.idle()
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
    await harness.idle()
    assert d.message(d.help_channel, int(posted["id"])) is not None and d.deleted == []
    assert not any(r.method == "DELETE" for r in d.requests)  # checked the permission instead of trying
    assert warning["embeds"] == [] and "distinctive words" not in warning["content"]
    assert warning["content"] == warned(carol, posted["content"], None, removed=False)  # "delete yours now"
    assert harness.hub.revoked == []  # not a Hugging Face token


async def test_revoke_setting_off(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    await harness.configure(revoke=False)
    token = gen.sample("huggingface").secret
    dave = d.add_user("dave")
    posted = await d.post(d.general, dave, f"login({token!r})")
    warning = await d.wait_for_bot_message(d.general)
    await harness.idle()
    assert harness.hub.revoked == []
    assert warning["content"] == warned(dave, posted["content"], None)  # not revoked: "revoke it yourself"


async def test_each_leak_handled_once_even_when_replayed(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    d.set_bot_permissions(EVERYONE_PERMISSIONS)
    await harness.restart()
    erin = d.add_user("erin")
    await d.post(d.general, erin, f"token: {gen.sample('huggingface').secret}")
    await d.wait_for_bot_message(d.general)
    await d.reconnect(replay=3)
    await harness.idle()
    assert len(d.bot_messages(d.general)) == 1
    await d.post(d.general, erin, f"token: {gen.sample('huggingface').secret}")  # a new leak is a new warning
    await harness.idle()
    assert len(d.bot_messages(d.general)) == 2
    assert sum(len(body["credentials"]) for body in harness.hub.revoked) == 2


async def test_a_link_preview_of_a_kept_leak_is_no_second_leak(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    d.set_bot_permissions(EVERYONE_PERMISSIONS)  # warn only: the message and then its preview stay up
    await harness.restart()
    token = gen.sample("huggingface").secret
    url = f"https://example.com/callback?access_token={token}"
    posted = await d.post(d.general, d.add_user("ivy"), f"why does {url} fail?")
    await d.wait_for_bot_message(d.general)
    await d.unfurl(d.general, int(posted["id"]), url, "Callback")
    await harness.idle()
    assert len(d.bot_messages(d.general)) == 1
    assert sum(len(body["credentials"]) for body in harness.hub.revoked) == 1


async def test_placeholders_and_lookalikes_left_alone(harness: BotHarness) -> None:
    d = harness.discord
    frank = d.add_user("frank")
    for text in ('api = HfApi(token="hf_xxx")', "export HF_TOKEN=$HF_TOKEN",
                 "commit 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788796a5b broke the build"):
        await d.post(d.general, frank, text)
    await harness.idle()
    assert d.bot_messages(d.general) == [] and d.deleted == []


# ---- failing closed: whatever breaks before the delete still ends in delete-or-warn and revocation ----------

async def assert_deleted_warned_revoked(h: BotHarness, channel: int, posted: dict, token: str) -> dict:
    d = h.discord
    warning = await d.wait_for_bot_message(channel)
    await wait_revoked(h, token)
    assert (channel, int(posted["id"])) in d.deleted
    assert token not in all_text([warning]) and rotation("huggingface").label in warning["content"]
    return warning


async def test_lone_surrogate_beside_a_token_is_still_deleted_warned_and_revoked(harness: BotHarness,
                                                                                 gen: SecretGen) -> None:
    """`\\udc80` is a valid JSON string escape but no encoder takes it: digesting the text raised before
    the delete, and the token stayed up, unrevoked."""
    d = harness.discord
    token = gen.sample("huggingface").secret
    posted = await d.post(d.general, d.add_user("alice"), f"my token {token} \udc80 stopped working")
    warning = await assert_deleted_warned_revoked(harness, d.general, posted, token)
    repost = warning["embeds"][0]["description"]
    assert "hf_[REDACTED]" in repost and "\ufffd stopped working" in repost


async def test_a_broken_store_still_ends_in_delete_warn_and_revoke(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    with sqlite3.connect(harness.db_path) as db:  # the claims table is gone: every claim raises
        db.execute("DROP TABLE claims")
    harness.allow_errors(r"the store could not record a leak")
    token = gen.sample("huggingface").secret
    posted = await d.post(d.general, d.add_user("bob"), f"HF_TOKEN={token}")
    await assert_deleted_warned_revoked(harness, d.general, posted, token)
    assert any("could not record a leak" in r.getMessage() for r in harness.logged_errors)


def refuse_revocations(h: BotHarness) -> None:
    """Every revocation the bot records fails (the store), and so does revoking at once (the Hub)."""
    with sqlite3.connect(h.db_path) as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON pending_revocations"
                   " BEGIN SELECT RAISE(FAIL, 'disk full'); END")
    h.hub.revoke_fault = {"status": 500}
    h.allow_errors(r"leaked token\(s\)|posting the leak warning")


async def test_a_redo_promises_no_revocation_that_was_never_recorded(harness_with, gen: SecretGen) -> None:
    """The store refused the token and so did the Hub; the message was deleted, then the warning could not be
    posted and the claim went back. The redo finishes from the payload, which has no token: nothing will revoke it,
    so the warning must say so rather than promise a revocation."""
    h = await harness_with(lease_seconds=1.0)
    d, hub = h.discord, h.hub
    refuse_revocations(h)
    d.inject_error("POST", rf"^/channels/{d.general}/messages$", times=2)  # the warning, with and without the repost
    nora = d.add_user("nora")
    posted = await d.post(d.general, nora, f"HF_TOKEN={gen.sample('huggingface').secret} is rejected")
    warning = await d.wait_for_bot_message(d.general, timeout=10)
    assert (d.general, int(posted["id"])) in d.deleted
    assert warning["content"] == warned(nora, posted["content"], None)  # "not revoked: revoke it yourself"
    await h.idle()
    assert len(d.bot_messages(d.general)) == 1 and hub.revoked == []


async def test_a_refused_delete_still_warns_without_echo_and_revokes(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    # A long ban without `Via`: discord.py raises it, and it is too long to wait out.
    d.inject_rate_limit("DELETE", r"^/channels/\d+/messages/\d+$", retry_after=600, via=False)
    harness.allow_errors(r"deleting message \d+ that holds a credential failed")
    token = gen.sample("huggingface").secret
    carol = d.add_user("carol")
    posted = await d.post(d.general, carol, f"token = {token} -- distinctive words")
    warning = await d.wait_for_bot_message(d.general)
    await wait_revoked(harness, token)
    assert d.message(d.general, int(posted["id"])) is not None
    assert warning["embeds"] == [] and warning["content"] in (  # "delete yours now", the revocation under way or done
        warned(carol, posted["content"], status, removed=False)
        for status in (RevocationStatus.PENDING, RevocationStatus.REVOKED))
    assert "distinctive words" not in all_text([warning])


async def test_a_token_in_an_attached_text_file(harness: BotHarness, gen: SecretGen) -> None:
    """Discord turns a long paste into `message.txt`: its text is the message too."""
    d = harness.discord
    token = gen.sample("huggingface").secret
    log_text = "Traceback (most recent call last):\n  ...\n" + f"HF_TOKEN={token}\n" + "x = 1\n" * 300
    posted = await d.post(d.general, d.add_user("dave"), "here is my log", attachments=[("message.txt", log_text)])
    warning = await assert_deleted_warned_revoked(harness, d.general, posted, token)
    shown = {f["name"]: f["value"] for f in warning["embeds"][0]["fields"]}
    assert "HF_TOKEN=hf_[REDACTED]" in shown["file message.txt (secret removed)"]
    assert warning["embeds"][0]["description"] == "here is my log"


async def test_a_token_in_another_bots_embed(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    token = gen.sample("huggingface").secret
    ci = d.add_user("ci-notifier", bot=True)
    posted = await d.post(d.general, ci, "",
                          embeds=[{"title": "Deploy failed", "description": f"env: HF_TOKEN={token}"}])
    await assert_deleted_warned_revoked(harness, d.general, posted, token)


async def test_a_starter_message_before_its_thread_create_is_deleted(harness: BotHarness, gen: SecretGen) -> None:
    """discord.py knows only the channel's id then; its permissions (Manage Messages) come from the thread."""
    d = harness.discord
    token = gen.sample("huggingface").secret
    post = await d.create_forum_post(d.help_forum, d.add_user("erin"), "Build fails", f"my token is {token}",
                                     starter_first=True)
    await assert_deleted_warned_revoked(harness, int(post["id"]), post, token)


# ---- thread names: a forum post's title is a message too ---------------------------------------------------

async def test_a_token_in_a_forum_post_title_is_renamed_away_warned_and_revoked(harness: BotHarness,
                                                                                gen: SecretGen) -> None:
    d = harness.discord
    d.set_bot_permissions(PERM_MANAGE_MESSAGES | PERM_MANAGE_THREADS)
    await harness.restart()
    frank = d.add_user("frank")
    token = gen.sample("huggingface").secret
    post = await d.create_forum_post(d.help_forum, frank, f"401 with {token} why", "My Space cannot download.")
    thread = int(post["id"])
    warning = await d.wait_for_bot_message(thread)
    await wait_revoked(harness, token)
    assert d.channels[thread]["name"] == "401 with hf_[REDACTED] why"
    assert warning["content"].startswith(f"<@{frank['id']}> {title_lead(renamed=True)}")
    assert rotation("huggingface").label in warning["content"] and token not in all_text([warning])
    assert d.message(thread, thread) is not None  # the post's body held nothing: it stays
    await harness.idle()
    assert len(d.bot_messages(thread)) == 1  # the rename's own THREAD_UPDATE is no second leak


async def test_a_renamed_title_s_redo_promises_no_revocation_that_was_never_recorded(harness_with,
                                                                                    gen: SecretGen) -> None:
    """As for a message: renamed, then the warning failed; the redo finds the name clean and has no token left."""
    h = await harness_with(lease_seconds=1.0)
    d = h.discord
    d.set_bot_permissions(PERM_MANAGE_MESSAGES | PERM_MANAGE_THREADS)
    await h.restart()
    refuse_revocations(h)
    d.inject_error("POST", r"^/channels/\d+/messages$")  # the warning
    title = f"401 with {gen.sample('huggingface').secret} why"
    post = await d.create_forum_post(d.help_forum, d.add_user("olaf"), title, "My Space cannot download.")
    thread = int(post["id"])
    warning = await d.wait_for_bot_message(thread, timeout=10)
    assert d.channels[thread]["name"] == "401 with hf_[REDACTED] why"
    assert warning["content"].startswith(f"<@{post['author']['id']}> {title_lead(renamed=True)}")
    assert all(line in warning["content"] for line in rotation_lines(redact(title), None))  # "revoke it yourself"
    await h.idle()
    assert len(d.bot_messages(thread)) == 1 and h.hub.revoked == []


async def test_without_manage_threads_the_owner_is_asked_to_rename(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    token = gen.sample("huggingface").secret
    post = await d.create_forum_post(d.help_forum, d.add_user("gina"), f"HF_TOKEN={token} rejected", "help")
    warning = await d.wait_for_bot_message(int(post["id"]))
    await wait_revoked(harness, token)
    assert warning["content"].startswith(f"<@{post['author']['id']}> {title_lead(renamed=False)}")
    await harness.idle()
    assert not any(r.method == "PATCH" and r.path == f"/channels/{post['id']}" for r in d.requests)


async def test_a_title_edited_to_hold_a_token(harness: BotHarness, gen: SecretGen) -> None:
    d = harness.discord
    owner = d.add_user("hank")
    thread = await d.create_thread(d.general, owner, "build problem")
    token = gen.sample("huggingface").secret
    await d.rename_thread(thread, f"build problem {token}")
    warning = await d.wait_for_bot_message(thread)
    await wait_revoked(harness, token)
    assert "title" in warning["content"] and token not in warning["content"]
