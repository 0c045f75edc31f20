"""The command-line contract of the engine: `cli.main(argv, stdin, stdout)` in-process, and `python -m diagnosis`
once as a real subprocess (the live CLI as a user runs it, with its environment: tests/diagnosis/test_cli_live.py)."""
import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from diagnosis import cli, texts
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "paused_space.txt"
KEYS = {"bucket", "confidence", "alternatives", "space", "placeholder", "evidence", "next_actions",
        "stop_pushing_commits", "unavailable", "email_draft"}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, stdin: str = "") -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args), io.StringIO(stdin), out)
        except SystemExit as stop:  # argparse's exit on bad usage
            code = stop.code
    return Run(code, out.getvalue(), err.getvalue())


def test_python_m_diagnosis_runs_the_bundled_example():
    r = subprocess.run([sys.executable, "-m", "diagnosis", "--text-file", str(EXAMPLE)], capture_output=True,
                       text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "[lifecycle_stuck]" in r.stdout and texts.say("en", "ui.email_cli") in r.stdout


def test_json_keys_exactly():
    r = run("--text-file", str(EXAMPLE), "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and set(out) == KEYS
    assert out["bucket"] == "lifecycle_stuck" and out["space"] == "alice/chat-demo" and out["stop_pushing_commits"]
    assert out["alternatives"] == []  # nothing else comes close to the example's PAUSED + 503
    close = json.loads(run("--text", "Runtime error, my space is stuck on building", "--json").stdout)
    assert [set(a) for a in close["alternatives"]] == [{"bucket", "confidence"}]


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
    r = run("alice/chat", "--offline", "--json", "--text", "stuck in Build Queued", "--endpoint", "http://127.0.0.1:9")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["space"] == "alice/chat"
    assert texts.say("en", "na.offline") in out["unavailable"]  # "live checks: skipped (--offline)"


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


class FlushedLines(io.StringIO):
    """stdout that keeps what was flushed: a line in the buffer but not flushed is not out yet."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed = self.getvalue().splitlines()


def test_batch_answers_each_line_before_the_next_arrives():
    out = FlushedLines()

    def lines():  # stdin that hands over the next line only once the answer to the previous one is out
        for i, text in enumerate(["Scheduling failure: unable to schedule", "503"]):
            assert [json.loads(line)["id"] for line in out.flushed] == list(range(i))
            yield json.dumps({"id": i, "text": text}) + "\n"

    assert cli.main(["--batch", "--offline"], lines(), out) == cli.EXIT_OK
    assert [json.loads(line)["id"] for line in out.flushed] == [0, 1]


def test_offline_with_an_ambiguous_subdomain_says_so():
    out = json.loads(run("https://my-org-app.hf.space", "--offline", "--json").stdout)
    assert out["space"] is None and any("my-org/app" in u and "my/org-app" in u for u in out["unavailable"])
    out = json.loads(run("bob-app.hf.space", "--offline", "--json").stdout)
    assert out["space"] == "bob/app"
