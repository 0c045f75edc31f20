"""The sandbox Hub answers huggingface_hub's own HfApi exactly as the real Hub's shapes say it should."""
from __future__ import annotations

import random
import string

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import DisabledRepoError, HfHubHTTPError, RepositoryNotFoundError

from sandbox.hub import SandboxHub, load_scenarios

BUCKETS = {
    "moderation_lock", "lifecycle_stuck", "build_failure", "runtime_crash", "hardware_scheduling",
    "port_healthcheck", "config_error", "platform_incident", "sleeping",
}


@pytest.fixture(scope="module")
def hub():
    with SandboxHub() as server:  # the threaded mode, as subprocess tests and the demo use it
        yield server


@pytest.fixture
def api(hub):
    hub.owner_token = None
    hub.reset_calls()
    return HfApi(endpoint=hub.endpoint, token=False)


def test_scenarios_cover_every_bucket():
    expected = {s["expect"]["bucket"] for s in load_scenarios().values() if "expect" in s}
    assert expected >= BUCKETS


def test_get_space_runtime_and_space_info(api):
    runtime = api.get_space_runtime("orchid-nlp/summarizer")
    assert runtime.stage == "BUILD_ERROR"
    assert "pip install" in runtime.raw["errorMessage"]
    info = api.space_info("orchid-nlp/summarizer")
    assert info.card_data.app_file == "app.py"
    assert info.runtime.stage == "BUILD_ERROR"
    assert info.subdomain == "orchid-nlp-summarizer"
    assert [s.rfilename for s in info.siblings] == [".gitattributes", "README.md", "app.py", "requirements.txt"]


def test_ids_in_any_case_answer_with_the_spaces_own_spelling(api):
    info = api.space_info("MARLIN-AI/Chat-UI-Stack")
    assert info.id == "marlin-ai/chat-ui-stack" and info.subdomain == "marlin-ai-chat-ui-stack"
    assert api.get_space_runtime("Marlin-AI/chat-ui-stack").stage == "PAUSED"


def test_list_spaces_by_author_and_search(api):
    assert [s.id for s in api.list_spaces(author="MARLIN-AI", search="CHAT")] == ["marlin-ai/chat-ui-stack"]
    assert [s.id for s in api.list_spaces(author="marlin-ai", search="nothing-like-it")] == []
    listed = {s.id for s in api.list_spaces(search="-")}
    assert "orchid-nlp/summarizer" in listed and "plover-corp/internal-dashboard" not in listed  # private


def test_list_repo_commits_follows_link_pagination(api, hub):
    space = "marlin-ai/chat-ui-stack"
    scenario = dict(hub.scenarios[space])
    scenario["commits"] = [{"title": f"commit {i}", "minutes_ago": i} for i in range(120)]
    hub.set_scenario(scenario)
    try:
        commits = api.list_repo_commits(space, repo_type="space")
    finally:
        hub.set_scenario(load_scenarios()[space])
    assert [c.title for c in commits] == [f"commit {i}" for i in range(120)]
    assert hub.calls[("commits", space)] == 3  # pages of 50


def test_private_and_missing_raise_repository_not_found(api, hub):
    for space in ("plover-corp/internal-dashboard", "nobody-here/never-existed"):
        with pytest.raises(RepositoryNotFoundError) as anonymous:
            api.get_space_runtime(space)
        assert anonymous.value.response.status_code == 401
    stranger = HfApi(endpoint=hub.endpoint, token="".join(random.Random(5).choices(string.ascii_letters, k=30)))
    with pytest.raises(RepositoryNotFoundError) as authenticated:
        stranger.space_info("plover-corp/internal-dashboard")
    assert authenticated.value.response.status_code == 404


def test_disabled_raises_disabled_repo_error(api):
    with pytest.raises(DisabledRepoError):
        api.space_info("snipe-archive/old-demo")


def test_fetch_space_logs_replay_and_owner_only(api, hub):
    lines = list(api.fetch_space_logs("orchid-nlp/summarizer", build=True))
    assert lines[0].startswith("===== Build Queued at")
    assert not any("(live)" in line for line in lines)  # the real client's replay_end cut-off
    with pytest.raises(HfHubHTTPError) as refused:
        list(api.fetch_space_logs("kestrel-labs/vnc-desktop"))
    assert refused.value.response.status_code == 401
    hub.owner_token = "".join(random.Random(6).choices(string.ascii_letters, k=30))
    owner = HfApi(endpoint=hub.endpoint, token=hub.owner_token)
    assert any("Memory limit exceeded" in line for line in owner.fetch_space_logs("plover-corp/internal-dashboard"))


def test_runtime_fault_then_recovery(api, hub):
    hub.set_fault("gannet-ml/sentiment-api", "runtime", {"status": 500, "times": 1})
    try:
        with pytest.raises(HfHubHTTPError) as failed:
            api.get_space_runtime("gannet-ml/sentiment-api")
        assert failed.value.response.status_code == 500
        assert api.get_space_runtime("gannet-ml/sentiment-api").stage == "RUNNING"
    finally:
        hub.set_fault("gannet-ml/sentiment-api", "runtime", None)
