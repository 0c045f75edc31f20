"""On a Python older than 3.11, `python bot.py` and `python -m diagnosis` say so first, in one line.

Only 3.11 is installed here, so the older interpreter is played by the real one with `sys.version_info` set
to 3.10 before the entry point runs; the entry points must also parse with an old grammar, or the check
could never run there.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

ENTRY_POINTS = {
    "bot.py": "runpy.run_path('bot.py', run_name='__main__')",
    "python -m diagnosis": "runpy.run_module('diagnosis', run_name='__main__', alter_sys=True)",
}
# Modules that would fail (or need installing) on an older Python: none may be imported before the check.
LATE_MODULES = ("discord", "aiohttp", "huggingface_hub", "diagnosis.cli", "diagnosis.model", "spacedoc")

AS_PYTHON_3_10 = """
import json, runpy, sys
sys.version_info = (3, 10, 14, "final", 0)
sys.argv = ["entry", "--help"]
try:
    {run}
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {late!r} or m in {late!r})
print(json.dumps({{"code": code, "loaded": loaded}}))
"""


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_older_python_gets_one_clear_line_before_any_import(entry: str) -> None:
    script = AS_PYTHON_3_10.format(run=ENTRY_POINTS[entry], late=LATE_MODULES)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == "Space Doctor needs Python 3.11 or newer; this is Python 3.10.", done.stderr
    assert result["loaded"] == []


@pytest.mark.parametrize("path", ["bot.py", "diagnosis/__main__.py"])
def test_entry_points_parse_with_an_old_grammar(path: str) -> None:
    ast.parse((ROOT / path).read_text(encoding="utf-8"), feature_version=(3, 7))


def test_readme_says_the_supported_python_first() -> None:
    opening = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:4]
    assert any("Python 3.11 or newer" in line for line in opening)
