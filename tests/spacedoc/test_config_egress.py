"""The bot's configuration contract (environment variable names) and its one send path (spacedoc/egress.py)."""
from __future__ import annotations

import discord
import pytest

from sandbox.secretgen import SecretGen
from spacedoc import egress
from spacedoc.config import ConfigError, load

FULL = {
    "DISCORD_TOKEN": "sandbox.token", "HF_ENDPOINT": "http://127.0.0.1:9/", "SPACEDOC_STATUS_URL": "https://s/x.json",
    "SPACEDOC_DB": "/tmp/x.sqlite3", "LOG_LEVEL": "debug", "DISCORD_API_BASE": "http://127.0.0.1:8/api/v10",
    "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8/", "SPACEDOC_DEV_GUILD": "123",
}


def test_every_variable_is_read() -> None:
    config = load(FULL)
    assert (config.token, config.hf_endpoint, config.status_url, config.db_path, config.log_level, config.api_base,
            config.gateway_url, config.dev_guild) == (
        "sandbox.token", "http://127.0.0.1:9/", "https://s/x.json", "/tmp/x.sqlite3", "DEBUG",
        "http://127.0.0.1:8/api/v10", "ws://127.0.0.1:8/", 123)
    assert "sandbox.token" not in repr(config)


def test_defaults_need_only_the_token() -> None:
    config = load({"DISCORD_TOKEN": "t"})
    assert config.api_base is None and config.dev_guild is None and config.db_path and config.log_level == "INFO"


def test_shards_and_the_revocation_bound() -> None:
    config = load(FULL | {"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "2, 0,2", "SPACEDOC_REVOKE_MINUTES": "5"})
    assert (config.shard_count, config.shard_ids, config.revoke_minutes) == (4, (0, 2), 5.0)
    assert load(FULL | {"DISCORD_SHARD_COUNT": "3"}).shard_ids is None  # all three here
    unset = load(FULL)
    assert (unset.shard_count, unset.shard_ids, unset.revoke_minutes) == (None, None, 15.0)  # as Discord recommends


@pytest.mark.parametrize("changes, named", [
    ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT"),
    ({"DISCORD_SHARD_COUNT": "two"}, "DISCORD_SHARD_COUNT"),
    ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, "from 0 to 1"),
    ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,,1"}, "DISCORD_SHARD_IDS"),
    ({"SPACEDOC_REVOKE_MINUTES": "0"}, "SPACEDOC_REVOKE_MINUTES"),
])
def test_bad_shards_and_revocation_bounds_are_one_line_errors(changes: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(FULL | changes)
    assert named in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("changes, named", [
    ({"DISCORD_TOKEN": ""}, "DISCORD_TOKEN"),
    ({"DISCORD_TOKEN": "two words"}, "DISCORD_TOKEN"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"DISCORD_GATEWAY_URL": "http://127.0.0.1/"}, "DISCORD_GATEWAY_URL"),
    ({"DISCORD_API_BASE": "127.0.0.1:8"}, "DISCORD_API_BASE"),
    ({"SPACEDOC_DEV_GUILD": "my-server"}, "SPACEDOC_DEV_GUILD"),
])
def test_bad_values_are_one_line_errors(changes: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(FULL | changes)
    assert named in str(error.value) and "\n" not in str(error.value)


def test_clean_embed_redacts_and_fits_discord_limits() -> None:
    token = SecretGen(seed=3).sample("huggingface").secret
    embed = discord.Embed(title="t" * 300, description=f"{token} " + "d" * 5000)
    for i in range(30):
        embed.add_field(name=f"field {i} {token}", value="v" * 2000)
    data = egress.clean_embed(embed).to_dict()
    texts = [data["title"], data["description"]] + [f["name"] + f["value"] for f in data["fields"]]
    assert all(token not in text for text in texts)
    assert len(data["title"]) <= 256 and len(data["description"]) <= 4096 and len(data["fields"]) <= 25
    assert data["fields"] and all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in data["fields"])
    assert len(data["title"]) + len(data["description"]) + sum(len(f["name"]) + len(f["value"])
                                                                for f in data["fields"]) <= 6000


def test_clean_text_redacts_and_cuts() -> None:
    token = SecretGen(seed=4).sample("huggingface").secret
    text = egress.clean(f"use {token} " + "x" * 3000)
    assert token not in text and len(text) <= 2000 and text.endswith("…")
    assert egress.clean("nothing secret") == "nothing secret"


def test_mass_pings_are_never_allowed() -> None:
    mentions = egress.ALLOWED_MENTIONS.to_dict()
    assert "everyone" not in mentions["parse"] and "roles" not in mentions["parse"]


def test_lone_surrogates_become_replacement_characters_before_anything_is_sent() -> None:
    assert egress.well_formed("ok \udc80 ok") == "ok \ufffd ok"
    assert egress.well_formed("\ud83d\ude00") == "😀"  # a pair split in two escapes is joined again
    assert egress.clean("x\udc80").encode("utf-8") == "x\ufffd".encode("utf-8")
