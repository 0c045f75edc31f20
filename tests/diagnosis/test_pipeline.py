"""diagnose() over the sandbox Hub: one verdict per bucket scenario, and verdicts that name what failed."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from diagnosis.incidents import DiagnosisRecord
from diagnosis.model import Bucket
from diagnosis.pipeline import InvalidSpace, diagnose
from sandbox.hub import load_scenarios
from tests.helpers import action_keys

SCENARIOS = {sid: s for sid, s in load_scenarios().items() if "expect" in s}
HEALTHY = "gannet-ml/sentiment-api"
STUCK = "marlin-ai/chat-ui-stack"


@pytest.mark.parametrize("space", sorted(SCENARIOS))
async def test_scenario_verdicts(space, sandbox_hub, hub_client):
    scenario = SCENARIOS[space]
    sandbox_hub.set_status_page(scenario.get("status_page", "operational"))
    verdict = await diagnose(scenario["report"], client=hub_client, space=space)
    expected = scenario["expect"]
    assert verdict.bucket.value == expected["bucket"], verdict.evidence
    assert verdict.space == space
    if "stop_pushing_commits" in expected:
        assert verdict.stop_pushing_commits is expected["stop_pushing_commits"]


async def test_lifecycle_verdict_counts_the_commits(hub_client):
    verdict = await diagnose("Stuck on paused, restart does nothing.", client=hub_client, space=STUCK)
    assert verdict.bucket is Bucket.LIFECYCLE_STUCK
    assert verdict.decisive.code == "commits_no_build" and verdict.decisive.facts["count"] == "6"
    assert verdict.stop_pushing_commits  # the repo shows the commits the builder ignored


async def test_space_found_in_the_text(hub_client):
    verdict = await diagnose(f"help, https://huggingface.co/spaces/{STUCK} is paused", client=hub_client)
    assert verdict.space == STUCK and verdict.bucket is Bucket.LIFECYCLE_STUCK


async def test_subdomain_is_resolved_against_the_hub(hub_client, sandbox_hub):
    verdict = await diagnose("https://marlin-ai-chat-ui-stack.hf.space shows 503 and stays paused", client=hub_client)
    assert verdict.space == STUCK
    assert sandbox_hub.calls[("runtime", STUCK)] == 1


async def test_private_space_is_not_found_or_private_and_offers_the_cli(hub_client):
    verdict = await diagnose("my space shows runtime error", client=hub_client, space="plover-corp/internal-dashboard")
    private = next(u for u in verdict.unavailable if u.key == "na.private_runtime")  # with the CLI to run instead
    assert private.get("reason") == "not found, or private" and private.get("space") == "plover-corp/internal-dashboard"


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 500}, "HTTP 500 after 3 tries"),
        ({"status": 429, "retry_after": 30}, "rate limited (HTTP 429, retry after 30 s)"),
        ({"malformed": True}, "malformed JSON"),
        ({"hang": 30}, "no answer within 0.3 s"),
    ],
)
async def test_fault_kinds_give_a_verdict_naming_the_missing_check(fault, reason, hub_client, sandbox_hub):
    sandbox_hub.set_fault(STUCK, "runtime", fault)
    verdict = await diagnose("my space is stuck", client=hub_client, space=STUCK, deadline=0.3)
    assert any(u.key == "na.checks" and "runtime" in u.get("checks") and u.get("reason") == reason
               for u in verdict.unavailable), verdict.unavailable


async def test_endless_log_stream_still_answers(hub_client, sandbox_hub):
    sandbox_hub.set_fault("puffin-tools/fastapi-ocr", "run_log", {"endless": True})
    verdict = await diagnose("503 forever", client=hub_client, space="puffin-tools/fastapi-ocr", deadline=0.5)
    assert verdict.bucket is Bucket.PORT_HEALTHCHECK
    assert any(u.key == "na.checks" and "run_log" in u.get("checks") for u in verdict.unavailable)  # cut, not awaited


async def test_without_client_the_words_decide(sandbox_hub):
    verdict = await diagnose(
        "Build error: ERROR: No matching distribution found for torch==1.8.0", client=None, space=HEALTHY
    )
    assert verdict.space == HEALTHY
    assert sum(sandbox_hub.calls.values()) == 0


async def test_placeholder_space_argument(hub_client, sandbox_hub):
    verdict = await diagnose("503", client=hub_client, space="OWNER/SPACE_NAME")
    assert verdict.placeholder and verdict.space is None
    assert sum(sandbox_hub.calls.values()) == 0


async def test_invalid_space_argument(hub_client):
    with pytest.raises(InvalidSpace):
        await diagnose("help", client=hub_client, space="not a space at all")


async def test_model_given_as_the_space_says_it_is_a_model(hub_client, sandbox_hub):
    with pytest.raises(InvalidSpace, match="`meta-llama/Llama-2-7b` is a model, not a Space"):
        await diagnose("help", client=hub_client, space="https://huggingface.co/meta-llama/Llama-2-7b")
    assert sum(sandbox_hub.calls.values()) == 0


@pytest.mark.parametrize("text, kind, repo", [
    ("https://huggingface.co/meta-llama/Llama-2-7b-chat-hf gives 503", "model", "meta-llama/Llama-2-7b-chat-hf"),
    ("https://huggingface.co/datasets/acme/faq is broken, runtime error", "dataset", "acme/faq"),
])
async def test_a_linked_model_or_dataset_is_named_before_asking_which_space(hub_client, text, kind, repo):
    verdict = await diagnose(text, client=hub_client)
    assert verdict.space is None
    said = [i for i, action in enumerate(verdict.next_actions)
            if action.key == "ask.not_a_space" and (action.get("repo"), action.get("kind")) == (repo, kind)]
    asked = [i for i, action in enumerate(verdict.next_actions) if action.key == "ask.which_space"]
    assert said and asked and said[0] + 1 == asked[0], verdict.next_actions


async def test_a_model_used_by_a_named_space_is_not_pointed_out(hub_client):
    verdict = await diagnose(f"https://huggingface.co/spaces/{STUCK} loads https://huggingface.co/meta-llama/x and is"
                             " stuck on paused", client=hub_client)
    assert verdict.space == STUCK and "ask.not_a_space" not in action_keys(verdict)


async def test_incident_signal_from_recent_reports(hub_client):
    now = datetime.now(UTC)
    recent = [
        DiagnosisRecord(space=f"owner{i}/app{i}", bucket=Bucket.LIFECYCLE_STUCK, at=now - timedelta(minutes=i))
        for i in range(1, 6)
    ]
    alone = await diagnose("stuck paused, restart fails", client=hub_client, space=STUCK, now=now)
    crowded = await diagnose("stuck paused, restart fails", client=hub_client, space=STUCK, now=now, recent=recent)
    assert alone.bucket is Bucket.LIFECYCLE_STUCK
    assert crowded.bucket is Bucket.PLATFORM_INCIDENT
    assert crowded.decisive.code == "recent_similar", crowded.decisive
