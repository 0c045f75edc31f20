"""`python -m diagnosis SPACE` as a user runs it: a subprocess against the sandbox Hub over real sockets.

A subprocess, unlike tests/diagnosis/test_cli.py: these are about the process's environment, which huggingface_hub
reads when it is imported (HF_ENDPOINT, HF_HUB_OFFLINE, HF_HOME), and a developer's own saved token must not reach
them."""
from __future__ import annotations

import json
import os
import random
import socket
import string
import subprocess
import sys

import pytest

from diagnosis import texts
from sandbox.hub import SandboxHub
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def hub():
    with SandboxHub() as server:
        yield server


@pytest.fixture
def clean_env(tmp_path):
    """No saved token, no inherited Hub settings: the subprocess sees only what a test gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "SPACEDOC_"))}
    env["HF_HOME"] = str(tmp_path / "hf-home")
    return env


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diagnosis", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_live_json_verdict(hub, clean_env):
    done = run_cli(
        "https://huggingface.co/spaces/marlin-ai/chat-ui-stack", "--text", "restart does nothing",
        "--endpoint", hub.endpoint, "--status-url", hub.status_url, "--json", env=clean_env,
    )
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["space"] == "marlin-ai/chat-ui-stack"
    assert verdict["bucket"] == "lifecycle_stuck"
    assert verdict["stop_pushing_commits"] is True


def test_endpoint_and_status_page_from_the_environment(hub, clean_env):
    hub.set_status_page("spaces_incident")
    try:
        env = {**clean_env, "HF_ENDPOINT": hub.endpoint, "SPACEDOC_STATUS_URL": hub.status_url}
        done = run_cli("lark-studio/voice-clone", "--text", "503 for everyone", "--json", env=env)
    finally:
        hub.set_status_page("operational")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["bucket"] == "platform_incident"


def test_owner_token_from_huggingface_hub_lookup_opens_a_private_space(hub, clean_env):
    hub.owner_token = "".join(random.Random(21).choices(string.ascii_letters + string.digits, k=37))
    try:
        anonymous = run_cli("plover-corp/internal-dashboard", "--endpoint", hub.endpoint,
                            "--status-url", hub.status_url, "--json", env=clean_env)
        owner = run_cli("plover-corp/internal-dashboard", "--endpoint", hub.endpoint,
                        "--status-url", hub.status_url, "--json", env={**clean_env, "HF_TOKEN": hub.owner_token})
    finally:
        hub.owner_token = None
    assert any("not found, or private" in u for u in json.loads(anonymous.stdout)["unavailable"])
    verdict = json.loads(owner.stdout)
    assert verdict["bucket"] == "runtime_crash", owner.stdout
    assert not any("owner-only" in u for u in verdict["unavailable"])


def test_no_network_fails_fast_with_a_clear_message(clean_env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    nowhere = f"http://127.0.0.1:{closed}"
    done = run_cli("marlin-ai/chat-ui-stack", "--endpoint", nowhere, "--status-url", nowhere + "/index.json",
                   "--json", env=clean_env)
    assert done.returncode == 3
    assert "cannot reach the Hub" in done.stderr and "connection refused" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_huggingface_hub_offline_mode_is_respected(hub, clean_env):
    hub.reset_calls()
    done = run_cli("marlin-ai/chat-ui-stack", "--endpoint", hub.endpoint, "--status-url", hub.status_url,
                   env={**clean_env, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 3
    assert "offline mode" in done.stderr and "Traceback" not in done.stderr
    assert sum(hub.calls.values()) == 0


def space_like(hub: SandboxHub, space_id: str, template: str = "marlin-ai/chat-ui-stack") -> None:
    hub.set_scenario({**hub.scenarios[template], "id": space_id})


def test_all_digit_space_name_is_diagnosed(hub, clean_env):
    space_like(hub, "quail-games/2048")
    done = run_cli("quail-games/2048", "--endpoint", hub.endpoint, "--status-url", hub.status_url, "--json",
                   env=clean_env)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["space"] == "quail-games/2048" and verdict["bucket"] == "lifecycle_stuck"


@pytest.mark.parametrize("real_id", ["Alice/My-Cool-App", "alice/my_cool_app"])
def test_hf_space_address_is_resolved_before_asking(hub, clean_env, real_id):
    space_like(hub, real_id)
    try:
        done = run_cli("https://alice-my-cool-app.hf.space", "--endpoint", hub.endpoint, "--status-url",
                       hub.status_url, "--json", env=clean_env)
    finally:
        del hub.scenarios[real_id]
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["space"] == real_id and verdict["bucket"] == "lifecycle_stuck"
    assert not any(texts.say("en", "ask.which_space") in action for action in verdict["next_actions"])


@pytest.mark.parametrize("url, kind", [("https://huggingface.co/meta-llama/Llama-2-7b", "model"),
                                       ("https://huggingface.co/datasets/HuggingFaceFW/fineweb", "dataset")])
def test_model_or_dataset_url_is_refused_as_not_a_space(hub, clean_env, url, kind):
    done = run_cli(url, "--endpoint", hub.endpoint, "--status-url", hub.status_url, env=clean_env)
    assert done.returncode == 2 and f"is a {kind}, not a Space" in done.stderr and "Traceback" not in done.stderr
