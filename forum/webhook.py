"""Receiving a forum's webhooks (`POST /discourse/webhook` on the bot's HTTP server), for a forum you administer.

Discourse signs each delivery: `X-Discourse-Event-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with
the webhook's secret>`. The body is verified as received, before any parsing, with a constant-time comparison; a
missing or wrong signature gets 401. A good delivery is answered at once (Discourse gives up after 20 s and, by
default, never retries): the post's units are claimed, then worked on in the background.

Events used: `post_created` (new topics, replies, mentions, secrets) and `post_edited` (secrets); `topic_edited`
too, because an edit of a first post that also changes the topic arrives only as that, without the post's text.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging

from aiohttp import web

from forum.adapter import Forum

log = logging.getLogger(__name__)

PATH = "/discourse/webhook"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verified(secret: str, body: bytes, header: str | None) -> bool:
    return hmac.compare_digest(signature(secret, body).encode(), (header or "").encode(errors="replace"))


def topic_id_of(topic: object) -> int | None:
    value = topic.get("id") if isinstance(topic, dict) else None
    return value if isinstance(value, int) else None


class WebhookReceiver:
    def __init__(self, forum: Forum, secret: str) -> None:
        self.forum = forum
        self._secret = secret

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verified(self._secret, body, request.headers.get("X-Discourse-Event-Signature")):
            log.warning("refused a webhook delivery with a missing or wrong signature (event id %s)",
                        request.headers.get("X-Discourse-Event-Id", "?"))
            return web.json_response({"error": "bad signature"}, status=401)
        event = request.headers.get("X-Discourse-Event", "")
        try:
            payload = json.loads(body)
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(payload, dict):
            return web.json_response({"error": "the body is not a JSON object"}, status=400)
        if event in ("post_created", "post_edited"):
            units = await self.forum.accept(payload.get("post"), edited=event == "post_edited")
            if units:
                self.forum.in_background(self.forum.run_units(units))
        elif event == "topic_edited" and (topic_id := topic_id_of(payload.get("topic"))) is not None:
            self.forum.in_background(self.forum.rescan_first_post(topic_id))
        return web.json_response({"ok": True})
