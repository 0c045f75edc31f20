"""The reply rules of issue 10, through the command line (`cli.main` in-process): the decisive line quoted, stop lines
only when they apply, the e-mail draft kept apart, advice specific to the quoted line, visitors, Chinese.

Wording is looked up in `diagnosis.texts` (never written here), so the texts can change or be translated.
"""
from __future__ import annotations

import io
import json

import pytest

from diagnosis import cli, texts
from diagnosis.extract import parse_report
from diagnosis.tree import decide
from sandbox.secretgen import SecretGen
from tests.helpers import action_keys, stops


def run(*argv: str, stdin: str = "") -> str:
    out = io.StringIO()
    assert cli.main(list(argv), io.StringIO(stdin), out) == cli.EXIT_OK
    return out.getvalue()


def terminal(text: str) -> str:
    return run("--text", text)


def as_json(text: str) -> dict:
    return json.loads(run("--text", text, "--json"))


def batch(title: str, text: str) -> dict:
    return json.loads(run("--batch", stdin=json.dumps({"id": 1, "title": title, "text": text}) + "\n"))


def say(key: str, lang: str = "en", **args: str) -> str:
    return texts.say(lang, key, **args)


STUCK = ("My Space https://huggingface.co/spaces/alice/chat is stuck in Build Queued since Monday, "
         "the logs never update.")
PUSHED = " I pushed 5 empty commits to trigger a build, nothing happens."


# ---- the decisive line --------------------------------------------------------------------------------------

def test_the_line_that_decided_is_quoted_first_not_the_title():
    out = batch("Runtime error on my Space",
                "My Space alice/chat crashes right after it starts: there seems to be a runtime error in the app.")
    assert out["bucket"] == "runtime_crash"
    assert "crashes right after it starts" in out["evidence"][0]
    assert "Runtime error on my Space" not in out["evidence"][0]


def test_a_platform_message_beats_the_persons_words_as_the_quoted_line():
    out = batch("Build broken", "My Space alice/chat does not build since yesterday, I changed nothing.\n"
                                "ERROR: No matching distribution found for torch==1.8.0")
    assert out["bucket"] == "build_failure"
    assert out["evidence"][0].endswith("No matching distribution found for torch==1.8.0”")
    assert "torch==1.8.0" in out["next_actions"][0]  # the action is about that line


# ---- stop lines only when they apply ------------------------------------------------------------------------

def test_token_advice_only_when_the_message_held_a_secret():
    assert say("stop.tokens") not in terminal(STUCK)
    token = SecretGen(seed=21).sample("huggingface").secret
    out = terminal(f"{STUCK} I log in with HF_TOKEN={token}")
    assert say("stop.tokens") in out and token not in out


def test_stop_pushing_commits_only_when_commits_or_rebuilds_were_mentioned():
    quiet = as_json(STUCK)
    assert quiet["bucket"] == "lifecycle_stuck" and quiet["stop_pushing_commits"] is False
    assert say("stop.pushing") not in terminal(STUCK)
    assert say("act.commits_wont_unstick") in quiet["next_actions"]  # at most this, among the next actions
    pushed = as_json(STUCK + PUSHED)
    assert pushed["stop_pushing_commits"] is True and say("stop.pushing") in terminal(STUCK + PUSHED)
    assert say("act.commits_wont_unstick") not in pushed["next_actions"]
    rebuilt = STUCK + " Factory rebuild fails with 503 too."
    assert as_json(rebuilt)["stop_pushing_commits"] is True


def test_no_dont_duplicate_where_a_duplicate_is_the_way_round_or_for_a_visitor():
    assert say("stop.duplicates") in terminal(STUCK)
    duplicated = STUCK + " I duplicated it into a new Space and the copy runs fine."
    assert say("stop.duplicates") not in terminal(duplicated)
    visitor = "Your demo https://huggingface.co/spaces/alice/chat is stuck in Build Queued since Monday."
    assert say("stop.duplicates") not in terminal(visitor) and as_json(visitor)["stop_pushing_commits"] is False


# ---- the support e-mail draft -------------------------------------------------------------------------------

def test_the_email_draft_is_behind_its_own_flag_not_in_the_reply():
    out = terminal(STUCK)
    assert "Subject:" not in out and say("ui.email_cli") in out
    draft = run("--text", STUCK, "--email-draft")
    assert draft.startswith("To: website@huggingface.co") and "https://huggingface.co/spaces/alice/chat" in draft


def test_the_draft_is_filled_from_a_pasted_runtime_answer():
    pasted = STUCK + ('\nruntime: {"stage":"PAUSED","hardware":{"current":null,"requested":"cpu-basic"},'
                      '"errorMessage":"Build queued for too long","sha":"0a1b2c3d"}')
    draft = run("--text", pasted, "--email-draft")
    assert "Runtime API output: stage=PAUSED, errorMessage=Build queued for too long" in draft
    assert "Hardware: cpu-basic" in draft and "Last known working commit: 0a1b2c3d" in draft


def test_no_draft_is_offered_when_every_field_support_needs_would_be_a_placeholder():
    text = "My Space is stuck, it went from Build Queued straight to Paused, restart fails."
    assert as_json(text)["bucket"] == "lifecycle_stuck" and as_json(text)["email_draft"] is None
    assert say("ui.email_cli") not in terminal(text)
    assert run("--text", text, "--email-draft").strip() == say("ui.no_email")


# ---- next actions specific to the decisive line -------------------------------------------------------------

def test_a_zerogpu_quota_gets_quota_advice_not_other_hardware():
    text = "My Space alice/chat on ZeroGPU: You have exceeded your GPU quota (60s requested vs. 12s left)."
    v = decide(parse_report(text))
    assert v.bucket.value == "hardware_scheduling" and v.decisive.code == "gpu_quota"
    assert action_keys(v) == ["act.gpu_quota"]
    assert as_json(text)["next_actions"][0] == say("act.gpu_quota", requested="60", left="12")


@pytest.mark.parametrize("text, code", [
    ("my space alice/chat: Runtime error\nMemory limit exceeded (16Gi)", "memory_limit"),
    ("my space alice/chat: build error\nERROR: process \"/bin/sh -c pip install -r requirements.txt\" did not complete "
     "successfully: exit code: 1", "docker_step_failed"),
    ("my space alice/chat never loads. INFO: Uvicorn running on http://127.0.0.1:7860", "localhost_bind"),
])
def test_the_first_action_is_the_decisive_lines_own(text, code):
    v = decide(parse_report(text))
    assert v.decisive.code == code and action_keys(v)[0] == f"act.{code}"


def test_words_alone_get_the_check_that_confirms_them_not_a_checklist():
    v = decide(parse_report("My space alice/chat has a runtime error since this morning"))
    assert v.bucket.value == "runtime_crash" and not v.decisive.platform
    assert action_keys(v) == ["act.confirm.runtime_crash", "ask.runtime"]
    assert v.next_actions[0].get("quote") == v.decisive.quote  # the check is about the quoted line


# ---- visitors -----------------------------------------------------------------------------------------------

def test_a_visitor_is_told_what_the_runtime_says_and_how_to_reach_the_owner():
    text = "Hi, your demo https://huggingface.co/spaces/alice/chat is down, it shows Runtime error"
    v = decide(parse_report(text))
    assert v.visitor and v.email is None and not v.stop_doing
    assert action_keys(v) == ["act.visitor.runtime_check", "act.visitor.owner"]
    out = terminal(text)
    assert "https://huggingface.co/spaces/alice/chat/discussions" in out
    assert say("act.confirm.runtime_crash", quote=v.decisive.quote) not in out  # no code advice


def test_an_owner_is_never_taken_for_a_visitor():
    v = decide(parse_report("The demo is down: my Space https://huggingface.co/spaces/alice/chat shows Runtime error"))
    assert not v.visitor and "act.visitor.owner" not in action_keys(v)


# ---- Chinese requests -----------------------------------------------------------------------------------------

def test_a_chinese_request_gets_a_chinese_reply():
    text = "我的 Space https://huggingface.co/spaces/alice/chat 一直卡在 Build Queued，然后变成 Paused，重启也没用"
    out = terminal(text)
    assert texts.detect_language(out) == "zh" and say("title.lifecycle_stuck", "zh") in out
    data = as_json(text)
    assert data["bucket"] == "lifecycle_stuck" and all(texts.detect_language(a) == "zh" for a in data["next_actions"])
    assert texts.detect_language(run("--text", text, "--email-draft")) == "en"  # support reads English


@pytest.mark.parametrize("text, lang", [
    ("部署在Hugging Face平台无法使用，一直显示building或者preparing space", "zh"),
    ("Huggingface 用 cf tunnel秒pause封space\n\n一写进dockerfile就给我space停掉了", "zh"),
    ("[其他]: Hugging Face Space Duplication Error\n"
     "Duplicating into my own space but the process is stuck at Building.", "en"),
    ("运行报错\nTraceback (most recent call last):\n  File \"app.py\", line 3\n"
     "ModuleNotFoundError: No module named 'x'\nERROR: failed to install\nINFO: retrying", "zh"),
    ("My space shows 运行时错误 since this morning, what can I do about it?", "en"),
    ("スペースがビルドエラーになります", "en"),  # Japanese: answered in English
])
def test_the_language_is_read_from_the_prose_not_the_pasted_logs(text, lang):
    assert texts.detect_language(text) == lang


def test_every_text_exists_in_every_language():
    keys = {lang: set(module.PHRASES) for lang, module in texts.LANGUAGES.items()}
    assert keys["en"] == keys["zh"]
    from diagnosis.tree import ADVICE_CODES
    assert {f"act.{code}" for code in ADVICE_CODES} <= keys["en"]


@pytest.mark.parametrize("lang", sorted(texts.LANGUAGES))
def test_every_text_words_even_without_its_facts(lang):
    for key in texts.module(lang).PHRASES:  # an odd verdict still gets a reply, never a crash
        assert texts.say(lang, key).strip() or key == "ev.live", key  # live state with no stage and no part: nothing


def test_stop_lines_say_why_they_apply():
    v = decide(parse_report(STUCK + PUSHED))
    assert {s.key: s.because for s in v.stop_doing} == {"stop.pushing": "empty_commits",
                                                        "stop.duplicates": "lifecycle_stuck"}
    assert "stop.pushing" not in stops(decide(parse_report(STUCK)))
