"""`python bot.py --demo`: the real bot against a loopback Discord, a loopback Discourse forum and a loopback Hub,
a scripted conversation, and a readable transcript. No token, no network, nothing left behind.

The bot runs exactly as in production (sandbox/harness.py starts it the way `python bot.py` does); only the
servers are stand-ins, serving the Space scenarios in sandbox/scenarios/. It lives beside them: the bot's own
packages never import `sandbox/`.
"""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
import string
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diagnosis.redact import redact
from sandbox.discord_server import PERM_MANAGE_GUILD, ChannelOption
from sandbox.discourse import SandboxDiscourse
from sandbox.harness import BotHarness

STEP_TIMEOUT = 15.0
WIDTH = 100

PAUSED_SPACE = "marlin-ai/chat-ui-stack"
BUILD_FAILURE_SPACE = "orchid-nlp/summarizer"
ABUSE_FLAGGED_SPACE = "kestrel-labs/vnc-desktop"
CRASHING_SPACE = "tern-vision/sdxl-playground"
SPACES_CATEGORY = 24  # /c/spaces/24, as on discuss.huggingface.co


class Transcript:
    def __init__(self, harness: BotHarness) -> None:
        self.h = harness

    def _channel_name(self, channel_id: int) -> str:
        channel = self.h.discord.channels[channel_id]
        if channel.get("parent_id"):
            parent = self.h.discord.channels[int(channel["parent_id"])]
            return f"#{parent['name']} › “{channel['name']}”"
        return f"#{channel['name']}"

    def scene(self, title: str) -> None:
        print(f"\n{'═' * WIDTH}\n  {title}\n{'═' * WIDTH}")

    def _readable(self, text: str) -> str:
        """Mentions as people see them (#name, @name), not as the API carries them (<#id>, <@id>)."""
        users = self.h.discord.users
        text = re.sub(r"<#(\d+)>", lambda m: self._channel_name(int(m.group(1))), text)
        return re.sub(r"<@!?(\d+)>", lambda m: "@" + users.get(int(m.group(1)), {}).get("username", "?"), text)

    def said(self, who: str, where: int, text: str) -> None:
        print(f"\n[{self._channel_name(where)}] {who}:")
        print(textwrap.indent(textwrap.fill(text, WIDTH - 4, replace_whitespace=False), "    "))

    def note(self, text: str) -> None:
        print(f"    ({text})")

    def bot(self, message: Mapping[str, Any]) -> None:
        print(f"\n[{self._channel_name(int(message['channel_id']))}] Space Doctor:")
        if message.get("content"):
            print(textwrap.indent(self._readable(message["content"]), "    "))
        for embed in message.get("embeds") or []:
            print(f"    ┌ {embed.get('title') or (embed.get('author') or {}).get('name', '')}")
            for line in (embed.get("description") or "").splitlines():
                print(f"    │ {line}")
            for f in embed.get("fields") or []:
                print(f"    │ ▸ {f['name']}")
                for line in f["value"].splitlines():
                    print(f"    │   {line}")
            print("    └")
        buttons = [c.get("label") for row in message.get("components") or [] for c in row.get("components", [])]
        if buttons:
            print("    " + "  ".join(f"[{b}]" for b in buttons if b))


def synthetic_hf_token() -> str:
    """A fresh, format-valid but meaningless Hugging Face token: the demo never carries a literal one."""
    return "hf_" + "".join(secrets.choice(string.ascii_letters) for _ in range(34))


async def mention(h: BotHarness, t: Transcript, person: dict[str, Any], text: str) -> None:
    """`person` mentions the bot in #general with `text`; the transcript shows both and the bot's answer."""
    t.said(person["username"], h.discord.general, text.replace(h.mention(), "@Space Doctor"))
    t.bot(await h.ask(h.discord.general, person, text, timeout=STEP_TIMEOUT))


async def play(h: BotHarness) -> None:
    d, t = h.discord, Transcript(h)
    admin = d.add_user("mod-jo", roles=[d.add_role("moderators", PERM_MANAGE_GUILD)])
    maya, leo, sam, ana, vera, li = (d.add_user(n) for n in ("maya", "leo", "sam", "ana", "vera", "li"))

    t.scene("0. A moderator points Space Doctor at the help forum")
    t.said("mod-jo", d.general, "/spacedoc forum add forum:#help-forum")
    setup = await d.invoke_slash("spacedoc", {"forum": ChannelOption(d.help_forum)}, user=admin,
                                 channel_id=d.general, group="forum", subcommand="add")
    t.bot(await d.wait_for_response(setup, timeout=STEP_TIMEOUT))
    t.note("only mod-jo sees this answer: it is ephemeral")

    t.scene("1. A forum post about a PAUSED Space whose owner keeps pushing commits")
    text = (f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} has been stuck on PAUSED for two days. "
            "Restart and factory rebuild both fail with 503. I pushed several empty commits to trigger a build "
            "but nothing happens and the logs do not update.")
    post = await d.create_forum_post(d.help_forum, maya, "Space stuck on PAUSED, commits do nothing", text)
    thread = int(post["id"])
    t.said("maya", thread, text)
    verdict = await d.wait_for_bot_message(thread, timeout=STEP_TIMEOUT)
    t.bot(verdict)
    t.said("maya", thread, "[clicks Support e-mail draft]")
    click = await d.click(thread, int(verdict["id"]), "spacedoc:email-draft", user=maya)
    t.bot(await d.wait_for_response(click, timeout=STEP_TIMEOUT))
    t.note("only maya sees the draft: it is ephemeral, and never part of the public answer")

    t.scene("1b. Two days later maya follows up in her thread")
    thanks = await d.post(thread, maya, "Thanks, it works now! HF support unstuck it.")
    t.said("maya", thread, thanks["content"])
    t.bot(await d.wait_for_bot_message(thread, after=int(thanks["id"]), timeout=STEP_TIMEOUT))
    t.note("no new diagnosis: the thanks are acknowledged and recorded as maya's Helped vote on the verdict")

    t.scene("2. /diagnose on a build failure, with progress while the checks run")
    t.said("leo", d.help_channel, f"/diagnose space:{BUILD_FAILURE_SPACE} details:build error since I updated "
                                  "requirements.txt")
    interaction = await d.invoke_slash(
        "diagnose", {"space": BUILD_FAILURE_SPACE, "details": "build error since I updated requirements.txt"},
        user=leo, channel_id=d.help_channel)
    final = await d.wait_for_response(interaction, lambda m: bool(m["embeds"]), timeout=STEP_TIMEOUT)
    for request in d.requests:
        if request.path.endswith("/@original") and request.body and request.body.get("content"):
            t.note(f"progress: {request.body['content']}")
    t.bot(final)

    t.scene("3. Someone mentions the bot about a Space that was flagged by the abuse scanner")
    text = (f"{h.mention()} my Space {ABUSE_FLAGGED_SPACE} shows 503 and restart says 'Something went wrong'. "
            "I pushed a few fixes but nothing changes.")
    await mention(h, t, sam, text)

    t.scene("3b. A visitor reports someone else's Space")
    text = (f"{h.mention()} Hi, your demo https://huggingface.co/spaces/{CRASHING_SPACE} is down for me, it just "
            "shows an error.")
    await mention(h, t, vera, text)
    t.note("a visitor's advice: what the runtime says, that only the owner can fix it, and where to tell them")

    t.scene("3c. A request in Chinese")
    text = (f"{h.mention()} 我的 Space https://huggingface.co/spaces/{PAUSED_SPACE} 一直是 Paused，重启也没用，"
            "怎么办？")
    await mention(h, t, li, text)
    t.note("answered in Chinese; its support e-mail draft (behind the button) stays in English for HF support")

    t.scene("4. A message with a pasted Hugging Face token")
    token = synthetic_hf_token()
    text = (f"still broken, here is what I run: curl -H \"Authorization: Bearer {token}\" "
            f"https://huggingface.co/api/spaces/{PAUSED_SPACE}/runtime")
    t.said("ana", d.help_channel, redact(text).text)
    t.note("the demo generated a fresh token for this message; it is shown redacted here")
    posted = await d.post(d.help_channel, ana, text)
    reply = await d.wait_for_bot_message(d.help_channel, after=int(posted["id"]), timeout=STEP_TIMEOUT)
    await h.idle()  # the repost and the warning both
    if (d.help_channel, int(posted["id"])) in d.deleted:
        t.note("Space Doctor deleted ana's message")
    for message in d.bot_messages(d.help_channel):
        if int(message["id"]) >= int(reply["id"]):
            t.bot(message)
    if h.hub.revoked:
        t.note(f"the token was sent to the Hub's revoke endpoint ({len(h.hub.revoked)} request)")

    forum = h.forum
    assert forum is not None
    t.scene("5. On the Discourse forum: a new topic in the Spaces category (a signed webhook brings it)")
    bo = forum.add_user("bo")
    title = "Space crashes right after it starts"
    text = (f"My Space https://huggingface.co/spaces/{CRASHING_SPACE} builds fine, then shows Runtime error a few "
            "seconds after it starts. What is wrong?")
    post = await forum.create_topic(bo, SPACES_CATEGORY, title, text)
    print(f"\n[discuss › Spaces › “{title}”] bo:")
    print(textwrap.indent(textwrap.fill(text, WIDTH - 4), "    "))
    answer = (await forum.wait_for(lambda: forum.bot_posts(post.topic_id), timeout=STEP_TIMEOUT))[0]
    print(f"\n[discuss › Spaces › “{title}”] {forum.bot.username} (reply to #{answer.reply_to_post_number}, "
          "Discourse Markdown):")
    print(textwrap.indent(answer.raw, "    "))

    t.scene("6. On the forum: a reply with a pasted token (the bot is a moderator there)")
    token = synthetic_hf_token()
    leak = await forum.reply(bo, post.topic_id, f"Here is my setup: HF_TOKEN={token} and the Space still crashes")
    print(f"\n[discuss › Spaces › “{title}”] bo:\n    {redact(leak.raw).text}")
    t.note("the demo generated a fresh token for this post; it is shown redacted here")
    await forum.wait_for(lambda: forum.private_messages_to("bo") and leak.revisions
                         and all(r.hidden for r in leak.revisions.values()), timeout=STEP_TIMEOUT)
    t.note(f"Space Doctor edited the post (“{leak.edit_reason}”); it now reads: {leak.raw}")
    t.note(f"revisions hidden from non-staff: {sorted(leak.revisions)}; the token left the public page and its "
           "history")
    message = forum.private_messages_to("bo")[0]
    print(f"\n[private message to bo] {forum.bot.username}: {forum.topics[message.topic_id].title}")
    print(textwrap.indent(message.raw, "    "))
    await forum.wait_for(lambda: any(token in body.get("credentials", []) for body in h.hub.revoked),
                         timeout=STEP_TIMEOUT)
    t.note("the token was sent to the Hub's revoke endpoint")


async def run_demo() -> int:
    with tempfile.TemporaryDirectory(prefix="spacedoc-demo-") as tmp:
        forum = SandboxDiscourse(webhook_secret=secrets.token_hex(16))
        harness = BotHarness(str(Path(tmp) / "demo.sqlite3"), forum=forum,
                             forum_categories=frozenset({SPACES_CATEGORY}))
        print("Space Doctor — offline demo: a loopback Discord, a loopback Discourse forum and a loopback Hugging "
              "Face Hub, the real bot.")
        async with harness:
            await play(harness)
        problems = [f"{r.name}: {r.getMessage()}" for r in harness.errors]
    if problems:
        print("\nThe demo ran into errors:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"\n{'═' * WIDTH}\nDone: every answer above came from the real bot code, over real sockets, offline.")
    return 0


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(run_demo())
    except TimeoutError:
        print("bot.py --demo: error: the bot did not answer in time", file=sys.stderr)
        return 1
