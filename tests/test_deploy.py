"""The deployment files: the Dockerfile (checked by reading it: no container engine runs here), its .dockerignore,
the container's health probe, the runtime requirements, and the README's invite URL.
"""
from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import discord
import pytest

from spacedoc.discord_bot import REQUIRED_PERMISSIONS, invite_url
from spacedoc.healthcheck import PATH as HEALTHCHECK_PATH
from spacedoc.http_server import HttpServer, Unhealthy
from tests.helpers import ROOT

PRODUCT = ("bot.py", "diagnosis", "spacedoc", "cogs", "forum")  # what `python bot.py` runs


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in (raw.strip() for raw in text.splitlines()) if line and not line.startswith("#")]


def env_of(instruction_args: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in shlex.split(instruction_args))


def requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>~!\[ ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_a_slim_python_3_11_image_running_bot_py_as_a_non_root_user() -> None:
    steps = instructions()
    kinds = [kind for kind, _ in steps]
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", steps[0][1])
    users = [args for kind, args in steps if kind == "USER"]
    assert users and users[-1] not in ("root", "0") and kinds.index("USER") < kinds.index("CMD")
    assert [json.loads(args) for kind, args in steps if kind == "CMD"] == [["python", "bot.py"]]
    env = {k: v for kind, args in steps if kind == "ENV" for k, v in env_of(args).items()}
    assert env["SPACEDOC_HTTP_PORT"] == "7860"
    assert ("EXPOSE", "7860") in steps


def test_the_healthcheck_probes_healthz_on_the_configured_port() -> None:
    (check,) = [args for kind, args in instructions() if kind == "HEALTHCHECK"]
    command = json.loads(check.split("CMD", 1)[1])
    assert command == ["python", "-m", "spacedoc.healthcheck"] and HEALTHCHECK_PATH == "/healthz"


def test_everything_copied_exists_and_is_not_ignored() -> None:
    copies = [shlex.split(args) for kind, args in instructions() if kind == "COPY"]
    sources = [part for args in copies for part in args[:-1] if not part.startswith("--")]
    assert "requirements.txt" in sources and set(PRODUCT) <= set(sources)
    ignored = [p for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip() and not p.startswith("#")]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    for secret_or_state in (".env", ".git", ".venv", "spacedoc.sqlite3", "tests"):
        assert any(fnmatch.fnmatch(secret_or_state, pattern) for pattern in ignored), secret_or_state


def test_only_the_runtime_requirements_are_installed() -> None:
    runs = " ".join(args for kind, args in instructions() if kind == "RUN")
    installed = re.findall(r"pip install (?:-\S+ )*-r (\S+)", runs)
    assert [Path(p).name for p in installed] == ["requirements.txt"] and "requirements-dev" not in runs


def _third_party_imports() -> set[str]:
    """Top-level modules the product imports that are neither its own nor the standard library's."""
    own = {"diagnosis", "spacedoc", "cogs", "forum", "sandbox", "bot"}
    found: set[str] = set()
    files = [ROOT / "bot.py", *(p for d in PRODUCT[1:] for p in (ROOT / d).rglob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found - own if m not in sys.stdlib_module_names and m != "__future__"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(names: set[str]) -> set[str]:
    """These distributions and everything they require (extras left out), as installed here."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = _normal(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:  # a dependency for another platform
            continue
        todo += [re.match(r"[A-Za-z0-9_.\-]+", r)[0] for r in requires if "extra ==" not in r]
    return seen


def test_requirements_txt_is_runtime_only_and_enough_to_run() -> None:
    """No test tool (those are in requirements-dev.txt), and everything the product imports comes with it."""
    runtime = {_normal(name) for name in requirement_names(ROOT / "requirements.txt")}
    dev_only = {_normal(name) for name in requirement_names(ROOT / "requirements-dev.txt")}
    assert dev_only and not runtime & dev_only
    providers = {module: {_normal(d) for d in dists} for module, dists in packages_distributions().items()}
    installed = _closure(runtime)
    missing = {module for module in _third_party_imports() if not providers.get(module, set()) & installed}
    assert not missing, f"imported, but not installed by requirements.txt: {missing}"


def test_every_requirement_is_pinned() -> None:
    for path in (ROOT / "requirements.txt", ROOT / "requirements-dev.txt"):
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-r"):
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), line


@pytest.mark.parametrize("healthy, exit_code", [(True, 0), (False, 1)])
async def test_the_container_probe_exits_by_the_health_status(healthy: bool, exit_code: int) -> None:
    server = HttpServer(0, host="127.0.0.1")

    async def store() -> str:
        if not healthy:
            raise Unhealthy("error")
        return "ok"

    server.add_check("store", store, critical=True)
    await server.start()
    try:
        proc = await _probe({"SPACEDOC_HTTP_PORT": str(server.port)})
    finally:
        await server.close()
    assert proc == exit_code


async def test_the_container_probe_fails_without_a_server() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    assert await _probe({"SPACEDOC_HTTP_PORT": str(port)}) == 1
    assert await _probe({}) == 1


async def _probe(env: dict[str, str]) -> int:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "spacedoc.healthcheck", cwd=str(ROOT), env={"PATH": os.environ.get("PATH", "")} | env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await proc.wait()


def test_the_readme_invite_url_carries_the_permissions_the_bot_needs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert invite_url("YOUR_APPLICATION_ID") in readme
    assert f"permissions={REQUIRED_PERMISSIONS.value}" in readme
    named = ("View Channels", "Send Messages", "Send Messages in Threads", "Embed Links", "Read Message History",
             "Manage Messages", "Manage Threads")  # as the README and Discord's portal name them
    assert discord.Permissions(
        **{name.lower().replace(" ", "_").replace("channels", "channel"): True for name in named}
    ) == REQUIRED_PERMISSIONS
    assert all(name in " ".join(readme.split()) for name in named)


def test_the_procfile_runs_a_worker() -> None:
    assert subprocess.run(["grep", "-qx", "worker: python bot.py", str(ROOT / "Procfile")]).returncode == 0
