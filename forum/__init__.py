"""Space Doctor on a Discourse forum: a peer of `cogs/` (Discord) over the same pipeline, store and redaction.

`client.py` is the only module that speaks HTTP to the forum; `adapter.py` decides what to do with each post;
`webhook.py` (signed webhooks, for a forum you administer) and `polling.py` (`/posts.json`, for a forum where the
bot is an ordinary account) feed it posts; `units.py` is the seam to the store's claims; `texts.py` holds every
text the bot writes there. Nothing here imports discord.
"""
