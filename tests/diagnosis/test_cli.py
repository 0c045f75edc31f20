"""The command-line contract of the engine, run as a real subprocess."""
import json
import os
import subprocess
import sys

import pytest

from diagnosis import texts
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "paused_space.txt"
KEYS = {"bucket", "confidence", "alternatives", "space", "placeholder", "evidence", "next_actions",
        "stop_pushing_commits", "unavailable", "email_draft"}


def run(*args, stdin=None, env=None):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "diagnosis", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=60)


def test_bundled_example_terminal_output():
    r = run("--text-file", str(EXAMPLE))
    assert r.returncode == 0, r.stderr
    assert "[lifecycle_stuck]" in r.stdout and texts.say("en", "ui.email_cli") in r.stdout


def test_json_keys_exactly():
    r = run("--text-file", str(EXAMPLE), "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and set(out) == KEYS
    assert out["bucket"] == "lifecycle_stuck" and out["space"] == "alice/chat-demo" and out["stop_pushing_commits"]
    assert all(set(a) == {"bucket", "confidence"} for a in out["alternatives"])


def test_text_and_stdin():
    r = run("--text", "Runtime error\nMemory limit exceeded (16Gi)", "--json")
    assert json.loads(r.stdout)["bucket"] == "runtime_crash"
    r = run("--text-file", "-", "--json", stdin="Scheduling failure: not enough hardware capacity")
    assert json.loads(r.stdout)["bucket"] == "hardware_scheduling"
    r = run("--text", "-", "--json", stdin="Workload evicted, storage limit exceeded (50G)")
    assert json.loads(r.stdout)["bucket"] == "runtime_crash"


def test_needs_info_exits_zero():
    r = run("--text", "503", "--json", "--offline")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["bucket"] == "needs_info" and out["next_actions"]


def test_batch_one_flushed_line_per_input_with_ids():
    lines = [json.dumps({"id": "a", "text": "build error\nJob failed with exit code: 1"}),
             json.dumps({"id": 7, "text": "This Space is sleeping due to inactivity"}),
             "not json",
             json.dumps({"id": "c", "text": ""})]
    r = run("--batch", "--offline", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 0 and len(out) == 4
    assert [o["id"] for o in out] == ["a", 7, None, "c"]
    assert out[0]["bucket"] == "build_failure" and out[1]["bucket"] == "sleeping" and "error" in out[2]
    assert out[3]["bucket"] == "needs_info"


def test_offline_with_space_uses_no_network():
    # An endpoint that cannot answer: --offline must not even try it.
    r = run("alice/chat", "--offline", "--json", "--text", "stuck in Build Queued",
            "--endpoint", "http://127.0.0.1:9", env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["space"] == "alice/chat"
    assert "live checks: skipped (--offline)" in out["unavailable"]


def test_offline_with_space_url_and_no_text():
    r = run("https://huggingface.co/spaces/alice/chat?logs=build", "--offline", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["space"] == "alice/chat" and out["bucket"] == "needs_info"


def test_unreachable_hub_exits_3_with_one_line():
    r = run("alice/chat", "--endpoint", "http://127.0.0.1:9", "--status-url", "http://127.0.0.1:9/index.json",
            "--deadline", "3", "--text", "503")
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [
    [],
    ["--text", "a", "--text-file", "b"],
    ["--text-file", "/nonexistent/report.txt"],
    ["--batch", "alice/chat"],
    ["not a space!", "--offline"],
    ["OWNER/SPACE_NAME", "--offline"],
    ["--deadline", "0", "--text", "x"],
    ["--deadline", "soon", "--text", "x"],
    ["--no-such-flag"],
])
def test_bad_usage_exits_2_with_a_message(args):
    r = run(*args)
    assert r.returncode == 2 and "error:" in r.stderr and "Traceback" not in r.stderr


def test_batch_answers_each_line_before_the_next_arrives():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "diagnosis", "--batch", "--offline"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        for i, text in enumerate(["Scheduling failure: unable to schedule", "503"]):
            p.stdin.write(json.dumps({"id": i, "text": text}) + "\n")
            p.stdin.flush()
            assert json.loads(p.stdout.readline())["id"] == i  # would block forever if not flushed per line
    finally:
        p.stdin.close()
        assert p.wait(timeout=30) == 0


def test_offline_with_an_ambiguous_subdomain_says_so():
    out = json.loads(run("https://my-org-app.hf.space", "--offline", "--json").stdout)
    assert out["space"] is None and any("my-org/app" in u and "my/org-app" in u for u in out["unavailable"])
    out = json.loads(run("bob-app.hf.space", "--offline", "--json").stdout)
    assert out["space"] == "bob/app"
