"""Everything the bot says in English. `zh.py` holds the same keys in zh-Hans; the lookup is in `__init__.py`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..logs import shorten
from ..model import SupportEmail

HF_EMAIL = "website@huggingface.co"
STATUS_URL = "https://status.huggingface.co"


def q(value: Any, limit: int = 80) -> str:
    """A value from a log or a message, in a code span: shown as typed (no link, no HTML, no styling), and a backtick
    in it cannot close the span early."""
    return f"`{shorten(str(value or '?'), limit).replace('`', 'ˋ')}`"


def count(n: Any, noun: str) -> str:
    return f"{n} {noun}" if str(n) == "1" else f"{n} {noun}s"


def exit_meaning(code: Any) -> str:
    return {"137": " (137 = killed, usually out of memory)", "143": " (143 = terminated: the job hit a time or memory limit)",
            "128": " (128 = the container could not start)"}.get(str(code), "")


def community(space: Any) -> str:
    """Where a Space's owner reads their visitors: its Community tab."""
    return (f"its Community tab (https://huggingface.co/spaces/{space}/discussions)" if space and space != "?"
            else "the Space's Community tab")


def _with_draft(a: dict) -> str:
    return " with the support e-mail draft" if a.get("draft") else ""


def _pin(a: dict) -> str:
    seen = f" (pip offers: {shorten(a['versions'], 60)})" if a.get("versions") else ""
    py = a.get("python") or "3.10 (the default)"
    return (f"The build stops at `pip install -r requirements.txt`: no installable distribution of "
            f"{q(a.get('package', 'a pinned package'))} for Python {py}{seen} — relax or remove that pin, or set "
            "`python_version` in the README YAML if it needs another Python.")


def _pip_oserror(a: dict) -> str:
    if "no space" in str(a.get("error", "")).lower():
        fix = ("the build disk is full: drop unused packages (CUDA wheels on CPU hardware are the usual culprit) and do "
               "not download models at build time.")
    else:
        fix = "fix the file, path or permission it names."
    return f"pip could not install the packages ({q(a.get('error'))}) — {fix}"


def _exec_failed(a: dict) -> str:
    error = str(a.get("error", "?"))
    if "permission" in error.lower():
        fix = "make the script executable (`RUN chmod +x`) and give it a `#!` line"
    elif "format" in error.lower():
        fix = "build the image for linux/amd64"
    else:
        fix = "the path is wrong or the file has Windows line endings"
    return f"The container cannot start its command {q(a.get('path'))}: {error} — {fix}."


def _hub_http(a: dict) -> str:
    what = ("the repo id or file name is wrong, or the repo was removed/renamed." if a.get("status") == "404"
            else "it is gated or private: add an `HF_TOKEN` secret with access.")
    return f"Downloading {q(a.get('repo') or a.get('url'))} fails with HTTP {a['status']} — {what}"


def _gpu_quota(a: dict) -> str:
    numbers = f" ({a['requested']}s requested vs {a['left']}s left)" if a.get("requested") and a.get("left") else ""
    return (f"The ZeroGPU quota is used up{numbers} — it refills over the day: wait, or use the Space logged in "
            "(anonymous visitors get the smallest quota); as its owner, ask less per call with "
            "`@spaces.GPU(duration=…)`. Other hardware is not needed.")


def _tool(a: dict) -> str:
    said = (f"The Space was stopped right after adding {q(a.get('tool'))}" if a.get("context") == "added"
            else f"Your Space runs {q(a.get('tool'))}")
    return f"{said}: tunnels, proxies and remote desktops trip the policy scanner — remove it, then ask for a review."


def _live(a: Any) -> str:
    parts = []
    if a.get("stage"):
        parts.append(f"runtime {a['stage']}" + (f" — {a['message']}" if a.get("message") else ""))
    parts += [a.word(p) for p in a.get("parts") or ()]
    return "; ".join(parts)


def _owner_logs(a: dict) -> str:
    logs = a.get("logs") or ()
    label = "build/run logs" if len(logs) == 2 else CHECKS.get(logs[0] if logs else "", "logs")
    return (f"{label}: owner-only — the owner can run `hf spaces logs {a['space']} --build` (without `--build`: the "
            "container log)")


def _checks(a: dict) -> str:
    return f"{', '.join(CHECKS.get(c, c) for c in a.get('checks') or ())}: {a['reason']}"


def _sleeping(a: dict) -> str:
    head = "Nothing is broken" if a.get("seen") else "If the Space page says Sleeping, nothing is broken"
    return (f"{head}: a free Space sleeps after a while without visitors. Open its page to wake it (the owner can also "
            "press Restart in Settings).")


def _confirm(what: str) -> Callable[[dict], str]:
    """The next step for a bucket read from the person's words or a bare stage: confirm it where it shows."""
    def wording(a: dict) -> str:
        # the quoted line is shown right above the actions in every reply: it is referred to, not repeated
        return f"{'The quoted line' if a.get('quote') else 'What you describe'} points here: {what}"
    return wording


TITLES = {
    "build_failure": "Build failure (the image does not build)",
    "runtime_crash": "Runtime crash (the app dies after it starts)",
    "port_healthcheck": "Port or health check (the app runs, the page never loads)",
    "lifecycle_stuck": "Stuck lifecycle (builder not dispatching)",
    "moderation_lock": "Moderation lock (stopped by a policy check)",
    "platform_incident": "Platform incident (many Spaces affected)",
    "config_error": "Configuration error (README metadata or app file)",
    "hardware_scheduling": "Hardware or scheduling (no capacity, GPU quota)",
    "sleeping": "Sleeping or paused by its owner (not broken)",
    "needs_info": "Need more information",
}
SHORT = {
    "build_failure": "build failure", "runtime_crash": "runtime crash", "port_healthcheck": "port or health check",
    "lifecycle_stuck": "stuck lifecycle", "moderation_lock": "moderation lock", "platform_incident": "platform incident",
    "config_error": "configuration error", "hardware_scheduling": "hardware or scheduling",
    "sleeping": "sleeping or paused by its owner", "needs_info": "need more information",
}
SOURCES = {
    "text": "report", "build_log": "build log", "run_log": "container log", "runtime": "runtime", "info": "Space info",
    "commits": "commits", "status": "status page", "recent": "recent reports",
}
CHECKS = {
    "runtime": "runtime state", "info": "Space info", "commits": "recent commits", "build_log": "build log",
    "run_log": "container log", "status": "status page",
}
PROGRESS_CHECKS = {
    "runtime": "runtime", "info": "Space info", "commits": "commits", "build_log": "build log", "run_log": "run log",
    "status": "status page", "logs": "logs",
}

def _leak_count(a: dict) -> str:
    return str(a["count"])


def _leak_found(a: dict) -> str:
    """The lead of a leak warning: how many credentials (0: the message could not be checked at all)."""
    n = _leak_count(a)
    if n == "0":
        return "⚠️ **Your message could not be checked for credentials.**"
    return f"⚠️ **Your message contained {count(n, 'credential')}.**"


def _leak_them(a: dict) -> str:
    return "it" if _leak_count(a) in ("0", "1") else "them"


def _leak_line(a: dict) -> str:
    """One kind of credential found: what it is (public prefixes only), that it is compromised, how to rotate it, and
    for a Hugging Face token whether it was revoked."""
    shown = f" ({a['shown']})" if a.get("shown") else ""
    compromised = f"{a['compromised']} — " if a.get("compromised") else ""
    revocation = f" {a['revocation']}" if a.get("revocation") else ""
    return f"• **{a['label']}**{shown}: {compromised}{a['how']}.{revocation}"


PHRASES: dict[str, str | Callable[[Any], str]] = {
    **{f"title.{k}": v for k, v in TITLES.items()},
    **{f"bucket.{k}": v for k, v in SHORT.items()},
    **{f"source.{k}": v for k, v in SOURCES.items()},
    **{f"check.{k}": v for k, v in CHECKS.items()},
    **{f"progress.{k}": v for k, v in PROGRESS_CHECKS.items()},

    # ---- the reply's frame
    "ui.brand": "Space Doctor",
    "ui.confidence": "confidence {pct}%",
    "ui.placeholder_space": "placeholder Space id",
    "ui.next": "Next",
    "ui.questions": "Questions",
    "ui.evidence": "Evidence",
    "ui.stop": "Stop",
    "ui.stop_doing": "Stop doing",
    "ui.could_not_check": "Could not check",
    "ui.also_possible": "Also possible",
    "ui.stop_pushing_yes": "Stop pushing commits: yes",
    "ui.email_cli": "Support e-mail draft for Hugging Face: run the same command with --email-draft to print it.",
    "ui.no_email": "There is no support e-mail draft for this diagnosis.",
    "ui.email_intro": "Your support e-mail draft: check it and fill in the `<…>` parts before sending.",

    # ---- evidence
    "ev.quote": lambda a: (f"{SOURCES.get(a['source'], a['source'])}: “{a['quote']}”"
                           if a["source"] == "text" or str(a["source"]).endswith("_log")
                           else f"{SOURCES.get(a['source'], a['source'])}: {a['quote']}"),
    "ev.live": _live,
    "ev.commits_no_build": lambda a: f"{count(a['count'], 'commit')} since {a['since']} started no build",
    "ev.commits_since_running": lambda a: f"{count(a['count'], 'commit')} since {a['since']} not running yet",
    "ev.building_long": "still {stage} {minutes} min after the last change at {at}",
    "ev.abuse_record": "abuse record: {detail}",
    "ev.space_not_found": "the Hub says: {reason}",
    "ev.space_disabled": "the Hub says access to this Space is disabled",
    "ev.app_file_missing": "Space info: the repo has no `{app_file}`",
    "ev.build_log_empty": "build log: empty",
    "ev.status_spaces_degraded": "status page: {component} is {status}",
    "ev.status_degraded": "status page: {component} is {status}",
    "ev.status_open_report": "status page: open report “{report}” ({state})",
    "ev.status_not_operational": "status page: overall state {state}",
    "ev.recent_similar": "{similar} other Spaces reported the same in the last {window} minutes",
    "ev.several_owners": "{count} Spaces of different owners named in one report",
    "ev.stage_confirms_stuck": "runtime stage is {stage}, as described",
    "ev.meanwhile": lambda a: f"meanwhile: {a.word(a['what'])} — a platform incident, but not what stops this Space",
    "ev.request_id": "request id: {id}",
    "ev.503_alone": "a 503 alone says the Space is not serving, not why",

    # ---- what could not be checked
    "na.owner_logs": _owner_logs,
    "na.private_runtime": ("runtime state: {reason} — if it is your private Space, run `python -m diagnosis {space}` on "
                           "your own machine (it uses your locally saved token; never paste the token anywhere)"),
    "na.checks": _checks,
    "na.offline": "live checks: skipped (--offline)",
    "na.ambiguous_subdomain": lambda a: (f"Space id: `{a['raw']}` reads as {', '.join(a.get('candidates') or ())} — run "
                                         "without --offline to resolve it"),

    # ---- questions
    "ask.placeholder": ("Your Space URL is still a placeholder (like `OWNER/SPACE_NAME`): what is the real one "
                        "(https://huggingface.co/spaces/OWNER/NAME)?"),
    "ask.which_space": "Which Space is it? Please share its URL (https://huggingface.co/spaces/OWNER/NAME).",
    "ask.runtime": ("What does its runtime say? Open https://huggingface.co/api/spaces/{space}/runtime and paste `stage` "
                    "and `errorMessage` (and anything that mentions abuse)."),
    "ask.running": ("The Hub says it is RUNNING right now. If its page still fails for you, what does the browser show "
                    "(error text, status code), and what are the last lines of Logs → Container?"),
    "ask.logs": "What do the last lines of Logs → Build and Logs → Container show? Paste them without any token.",
    "ask.when": "When did it stop working, and what changed just before (commit, hardware, secrets)?",
    "ask.not_a_space": ("`{repo}` is a {kind}, not a Space: I check Spaces (the apps at https://huggingface.co/spaces/…). "
                        "For a problem with the {kind} itself, ask on its Community tab ({page})."),

    # ---- the way out of a bucket
    "act.read_runtime": ("First read the runtime state: https://huggingface.co/api/spaces/{space}/runtime — if "
                         "`errorMessage` or `abuse` mention abuse, RepoScanner, proxy, tunnel or Cloudflare, treat it as a "
                         "moderation lock."),
    "act.lifecycle_email": lambda a: (
        f"Email {HF_EMAIL}{_with_draft(a)}: {'restart and Factory rebuild' if a.get('restarted') else 'Factory rebuild'} "
        "already failed, and only HF can unstick a Space whose builder does not start."),
    "act.lifecycle_rebuild": lambda a: (
        f"Try one Factory rebuild (Settings); if the Space stays {a.get('stage') or 'PAUSED / Build Queued'}, email "
        f"{HF_EMAIL}{_with_draft(a)}."),
    "act.lifecycle_restart": lambda a: (
        f"Try one restart, then one Factory rebuild (Settings); if the Space stays "
        f"{a.get('stage') or 'PAUSED / Build Queued'}, email {HF_EMAIL}{_with_draft(a)}."),
    "act.moderation_review": lambda a: f"Email {HF_EMAIL}{_with_draft(a)} and ask for a review.",
    "act.platform_wait": (f"Wait for the platform to recover: follow {STATUS_URL} (it can lag behind a fresh incident) "
                          "and re-check the Space once it is resolved."),
    "act.platform_check": (f"Check {STATUS_URL}: if Spaces show an incident, wait for it to be resolved; if all is green, "
                           "it may be this Space alone — share its runtime `stage` and `errorMessage`."),
    "act.commits_wont_unstick": "New commits won't unstick it: the builder has to start first.",
    "act.confirm.build_failure": _confirm("open Logs → Build; its first `ERROR` line names the step to fix (a pin, "
                                          "`packages.txt` or a Dockerfile step). Paste that line here if unsure."),
    "act.confirm.runtime_crash": _confirm("open Logs → Container; the last exception before it stops names what "
                                          "crashed. Paste those lines here (without tokens) if unsure."),
    "act.confirm.port_healthcheck": _confirm(
        "the app must answer on 0.0.0.0 at the port the Space routes to (7860, or `app_port` in the README YAML); the "
        "container log's last \"Running on …\" line shows where it listens."),
    "act.confirm.config_error": _confirm("check the README YAML header (`sdk`, `sdk_version`, `app_file`, `app_port`) "
                                         "against your repo; the Space page names the field it refuses."),
    "act.confirm.hardware_scheduling": _confirm("the runtime's `errorMessage` says which: no capacity (restart later) or a "
                                                "GPU quota (wait, or log in); no code change is needed."),
    "act.confirm.sleeping": _sleeping,

    # ---- a visitor's advice (someone else's Space)
    "act.visitor.wake": "Open the Space's page and wait a minute: a sleeping Space wakes up for its visitors.",
    "act.visitor.gpu_quota": ("The ZeroGPU quota is per visitor and refills over the day: wait, or use the Space logged "
                              "in (anonymous visitors get the smallest quota)."),
    "act.visitor.retry_later": "The platform could not give it hardware right now: try again later.",
    "act.visitor.runtime_says": lambda a: (f"The Hub says this Space is {a['stage']}"
                                           + (f": {q(a['message'], 120)}" if a.get("message") else "") + "."),
    "act.visitor.runtime_check": ("What its runtime says is public: https://huggingface.co/api/spaces/{space}/runtime "
                                  "(`stage`, `errorMessage`)."),
    "act.visitor.owner": lambda a: (f"Only the Space's owner can fix it (you cannot change someone else's Space): tell "
                                    f"them in {community(a.get('space'))} with what you see."),

    # ---- advice for one finding
    "act.pip_no_matching": _pin,
    "act.pip_no_version": _pin,
    "act.pip_python_requires": lambda a: (
        f"{q(a.get('package'))} requires Python {a['requires']} but the build uses {a['python']} — set `python_version` "
        f"in the README YAML to a matching version, or pin an older {q(a.get('package'))}."),
    "act.pip_conflict": lambda a: (
        f"pip cannot satisfy the pins together ({q(a.get('package', 'requirements.txt'))}) — loosen the conflicting pins "
        "(remove `==` on the ones you do not need exactly)."),
    "act.pip_invalid_wheel": lambda a: (
        f"pip got a broken wheel for {q(a.get('package'))} — pin a different version of it, then Factory rebuild once."),
    "act.pip_build_wheel": lambda a: (
        f"{q(a.get('package') or a.get('packages'))} has no prebuilt wheel for this Python and fails to compile — pin a "
        "version that ships wheels, or add its build dependencies to `packages.txt`."),
    "act.apt_missing_package": lambda a: (
        f"`packages.txt` names {q(a.get('package') or a.get('package2'))}, which Debian's apt cannot find — fix the name "
        "(one apt package per line) or remove it."),
    "act.dpkg_failed": "apt/dpkg failed while installing `packages.txt` — check each package name exists in Debian.",
    "act.docker_step_failed": lambda a: (
        f"The Dockerfile step {q(a.get('step'), 100)} exits with code {a['exit_code']}{exit_meaning(a.get('exit_code'))} "
        "— reproduce it with `docker build .` locally and fix that step."),
    "act.job_failed": lambda a: (
        f"The build job failed with exit code {a['exit_code']}{exit_meaning(a.get('exit_code'))}"
        + (f" after {q(a.get('reason'), 70)}" if a.get("reason") else "")
        + " — the first `ERROR` line of the full build log (Logs → Build) names the step to fix."),
    "act.docker_solve_failed": lambda a: (
        f"The Docker build cannot proceed: {q(a.get('detail'), 100)} — fix the base image name/tag or the file it names."),
    "act.build_failed_exit": "The build failed with exit code {exit_code} — the first `ERROR` line of the build log names the step.",
    "act.unexpected_build_error": ("`Unexpected build error` is a builder-side failure, not your code: restart the Space "
                                   "once; if it repeats, Factory rebuild once, then report it."),
    "act.unexpected_job_error": ("`Unexpected job error` comes from the builder, not your code: Factory rebuild once; if it "
                                 "repeats, report it with the time it happened."),
    "act.registry_push_401": ("The image built but the push to HF's registry was refused (401): a platform fault, not "
                              "your code — restart / Factory rebuild once and report it if it persists."),
    "act.npm_failed": lambda a: f"`npm` fails in the build ({q(a.get('detail'))}) — pin the base image / lockfile versions.",
    "act.cmake_failed": ("A package compiles with CMake and fails — pin a version with a prebuilt wheel, or add the "
                         "missing system libraries to `packages.txt`."),
    "act.build_stopped_at_step": lambda a: (
        f"The build log stops in step {q(a.get('step'), 100)} — the error is in that step's output: open the full build "
        "log and fix the first `ERROR` after it."),
    "act.pip_install_oserror": _pip_oserror,
    "act.pip_error": "pip stops on the line quoted — fix that requirement (name, URL or file path) and push once.",
    "act.pip_crashed": lambda a: (
        f"pip itself failed during the build ({q(a.get('exception'))}) — usually a transient download error: Factory "
        "rebuild once; if it repeats, pin the package it was downloading."),
    "act.pip_subprocess": ("A package's own build script failed inside pip — the lines above `subprocess-exited-with-error` "
                           "name it: pin a version with a prebuilt wheel, or add its system libraries to `packages.txt`."),
    "act.git_ref_missing": lambda a: (
        f"pip installs from git at {q(a.get('ref'))}, which that repository does not have — fix the branch, tag or commit "
        "after `@` in requirements.txt."),
    "act.docker_copy_failed": lambda a: (
        f"A Dockerfile `COPY` names a file that is not in the repo ({q(a.get('detail') or a.get('detail2'))}) — commit the "
        "file or fix the path."),
    "act.pip_externally_managed": ("pip refuses to install into the system Python (externally-managed-environment) — use "
                                   "a venv in the Dockerfile or a `python:` base image."),
    "act.build_killed": lambda a: (
        f"The build was killed during {q(a.get('step'), 100)} (out of memory) — install fewer/lighter packages (CPU wheels "
        "of torch on CPU hardware), or split the step."),
    "act.memory_limit": lambda a: (
        f"The container used more than {a.get('limit') or 'its'} of RAM and was killed — load smaller or fewer models, "
        "load them once (not per request), use half precision/quantisation, or pick hardware with more memory."),
    "act.storage_evicted": lambda a: (
        f"The Space wrote more than {a.get('limit') or 'its limit'} to its disk — download only the files you need "
        "(`allow_patterns`), clean caches and temporary outputs; the disk is ephemeral."),
    "act.cuda_oom": "The GPU ran out of memory — smaller batch or model, half precision, or a larger GPU.",
    "act.missing_module": lambda a: (
        f"`{a['module']}` is imported but not installed — add `{a.get('package') or a['module']}` to requirements.txt."),
    "act.import_name": lambda a: (
        f"`{a['name']}` cannot be imported from `{a['module']}`: a version mismatch — pin `{str(a['module']).split('.')[0]}` "
        "to the version your code was written for."),
    "act.missing_secret": ("The app reads `{secret}` and it is not set — add it in Settings → Variables and secrets as a "
                           "secret (never in code or in chat), then restart."),
    "act.model_gated": lambda a: (
        f"The model {q(a.get('repo', 'it loads'))} is gated or private — accept its terms on the model page, add an "
        "`HF_TOKEN` secret with read access and pass it when loading."),
    "act.hub_http_error": _hub_http,
    "act.repo_not_found": lambda a: (
        f"The model {q(a.get('repo', 'it loads'))} cannot be found — check the id; if it is private or gated, add an "
        "`HF_TOKEN` secret with access."),
    "act.python_exception": lambda a: (
        f"The app crashes with `{a.get('exception') or 'an exception'}: {shorten(a.get('message', ''), 80)}` — the "
        "traceback line above it shows where; fix that and push once."),
    "act.space_failed_exit": lambda a: (
        f"The container exits with code {a['exit_code']}{exit_meaning(a.get('exit_code'))} — the container log above that "
        "line holds the traceback."),
    "act.exit_code_reason": lambda a: (
        f"The container exits with code {a['exit_code']}{exit_meaning(a.get('exit_code'))}"
        + (f": {q(a.get('reason'))}" if a.get("reason") else "") + "."),
    "act.permission_denied": lambda a: (
        f"The app may not write {q(a.get('path', 'there'))}: Docker Spaces run as user 1000 — write under `/tmp` or "
        "`$HOME`, or `chown 1000` that directory in the Dockerfile (`COPY --chown=user`)."),
    "act.disk_full": "The container disk is full — download fewer/smaller files and clean caches; the disk is ephemeral.",
    "act.oom_killed": "The process was killed (out of memory) — load smaller models or pick hardware with more RAM.",
    "act.invalid_token": ("The token the app uses is invalid or revoked — create a new read token and update the "
                          "`HF_TOKEN` secret in Settings (never paste it in chat)."),
    "act.hub_unreachable_in_app": ("The app cannot download from the Hub at start — check the repo id, add `HF_TOKEN` for "
                                   "gated/private repos, or download at build time (`preload_from_hub`)."),
    "act.container_exec_failed": _exec_failed,
    "act.asgi_import_failed": lambda a: (
        f"uvicorn cannot load the app ({q(a.get('detail'))}) — the `module:app` in the start command must match the file "
        "name and the variable (e.g. `main:app` for `app = FastAPI()` in `main.py`), run from the directory holding it."),
    "act.command_not_found": lambda a: (
        f"The start command {q(a.get('command'))} is not installed or not on PATH in the image — install it in the "
        "Dockerfile (and run it as `python -m …`), or fix the command name."),
    "act.segfault": ("The process crashed in native code (segmentation fault) — usually a compiled package built for "
                     "another CPU/CUDA or NumPy version: pin versions that match (e.g. `numpy<2` for older wheels) or use "
                     "the package's CPU build."),
    "act.node_module_missing": lambda a: (
        f"Node cannot find {q(a.get('module'))} — fix the start command's path, or build/copy that file in the Dockerfile."),
    "act.no_cuda": "The code needs a GPU but the Space runs without one — pick GPU hardware or make it fall back to CPU.",
    "act.logs_unretrievable": ("The Space stopped and its container log is gone with it — press Restart (Settings) and "
                               "watch Logs → Container: the traceback shows again right before it stops."),
    "act.space_in_error": ("The Space is in an error state — its runtime `errorMessage` and the last lines of Logs → "
                           "Container say why; fix that and restart."),
    "act.gradio_app_error": ("Gradio's page loads but the app behind it fails — Logs → Container shows the exception "
                             "raised when the request came in; fix that (a missing model file, a secret, memory)."),
    "act.localhost_not_accessible": (
        "Gradio cannot reach its own server: launch with `server_name=\"0.0.0.0\"` (no `share=True` on Spaces) and make "
        "sure no HTTP(S)_PROXY variable is set for localhost."),
    "act.bind_failed": lambda a: (
        f"The server cannot open port {a['port']}" + (f" ({a['reason']})" if a.get("reason") else "")
        + f" — Spaces run as a normal user: listen on {a['app_port']} (above 1024) and set `app_port` to it in the README "
          "YAML."),
    "act.port_in_use": lambda a: (
        f"Port {a.get('port') or a.get('port2') or '7860'} is already taken inside the container — call `launch()` / "
        "`app.run()` only once and start only one server."),
    "act.localhost_bind": ("The server listens on 127.0.0.1, which the Space proxy cannot reach — bind to 0.0.0.0 "
                           "(`server_name=\"0.0.0.0\"` or `--host 0.0.0.0`)."),
    "act.localhost_host_setting": ("The server is told to listen on localhost only (HOSTNAME / `--host` / "
                                   "`server.address`) — set it to 0.0.0.0 so the Space proxy can reach it."),
    "act.port_mismatch": ("The app listens on port {port} but {why} — set `app_port: {port}` in the README YAML (Docker "
                          "Spaces) or make the server listen on {expected}."),
    "act.launch_timeout": lambda a: (
        f"The app was not healthy within {a.get('after') or '30 min'}: make it bind 0.0.0.0 on {a['app_port']} and answer "
        "HTTP soon after start; move big downloads to build time (`preload_from_hub`) or raise "
        "`startup_duration_timeout` in the README YAML."),
    "act.dockerfile_missing": ("The Docker Space has no `Dockerfile` at the repo root — add one (named exactly "
                               "`Dockerfile`), or change `sdk:` in the README YAML to the SDK your app uses."),
    "act.getting_started_page": (
        "The Space shows its getting-started page: the repo has no app file yet — add `app.py` (Gradio/Streamlit), a "
        "`Dockerfile` (Docker) or `index.html` (static), or point `app_file:` in the README YAML at your entry file."),
    "act.missing_app_file": ("The repo has no app file: add `app.py` (Gradio) or a `Dockerfile` (Docker), or point "
                             "`app_file:` in the README YAML at your entry file."),
    "act.app_file_missing": ("The repo has no `{app_file}` for its `{sdk}` SDK — add it or fix `app_file:` in the README "
                             "YAML."),
    "act.config_error": ("The Space refuses its README YAML header — check `sdk`, `sdk_version` (a full version such as "
                         "`4.44.0`), `app_file` and `app_port`, and push the fix once."),
    "act.scheduling_failure": lambda a: (
        f"The Space could not be scheduled ({q(a.get('reason'))}) — restart later, or switch hardware in Settings "
        f"({'now requested: ' + str(a['requested_hardware']) if a.get('requested_hardware') else 'cpu-basic is the easiest to place'})."),
    "act.no_gpu_words": ("No GPU was free for the Space — retry in a few minutes; on ZeroGPU keep "
                         "`@spaces.GPU(duration=…)` short, or switch to dedicated GPU hardware."),
    "act.billing_ended": ("Paid hardware without an active plan or credits stays paused — switch the Space to cpu-basic "
                          "in Settings, or restore billing, then restart."),
    "act.gpu_quota": _gpu_quota,
    "act.zerogpu_quota": _gpu_quota,
    "act.gpu_quota_words": _gpu_quota,
    "act.gpu_duration": lambda a: (
        f"A call asks ZeroGPU for {a.get('requested') or 'more'}s, more than it allows — lower "
        "`@spaces.GPU(duration=…)` (or split the work into shorter calls)."),
    "act.zerogpu_unavailable": ("ZeroGPU could not give or keep a GPU (none free, or the call outran "
                                "`@spaces.GPU(duration=…)`) — retry later, shorten the GPU work or raise `duration`."),
    "act.zerogpu_error": ("ZeroGPU's worker failed — the message after it says why: a quota (wait or log in), a call "
                          "longer than `@spaces.GPU(duration=…)`, or an exception in the decorated function (the "
                          "container log shows it)."),
    "act.zerogpu_words": ("On ZeroGPU this is its quota or time limit: wait for the quota to refill or use the Space "
                          "logged in; as its owner keep `@spaces.GPU(duration=…)` short."),
    "act.zerogpu_init_failed": ("ZeroGPU failed to start in this Space — CUDA must not be touched at import time (no "
                                "`.to('cuda')` outside `@spaces.GPU` functions); restart once after fixing."),
    "act.pause_denied": ("Nobody paused it: a Space paused without its owners is held by HF (lifecycle or review) — "
                         "new commits won't wake it; email " + HF_EMAIL + "."),
    "act.repo_disabled": "The Hub disabled access to this Space: no commit or restart can undo that, only a review by HF.",
    "act.space_disabled": "The Hub disabled access to this Space: no commit or restart can undo that, only a review by HF.",
    "act.abuse_handler": lambda a: (
        f"The abuse handler matched rule {q(a.get('rule', 'unknown'))}: remove that component (tunnels, proxies, remote "
        "desktops/terminals are not allowed) before asking for a review."),
    "act.abuse_record": lambda a: (
        f"The runtime carries an abuse record ({q(a.get('reason') or a.get('detector'))}) — remove what it names, then ask "
        "for a review."),
    "act.abuse_flagged": ("The Space is flagged as abusive by an automated check — remove anything that tunnels, proxies "
                          "or relays traffic, then ask for a review."),
    "act.repo_scanner": ("The repository scanner flagged the Space — remove the file or dependency it objects to, then "
                         "ask for a review."),
    "act.tunnel_category": lambda a: (
        f"The platform classified the Space as {q(a.get('category'))} — tunnels and proxies are not allowed on Spaces: "
        "remove it, then ask for a review."),
    "act.content_policy": ("The Space was flagged under the content policy — remove what it names (proxy, tunnel, VPN), "
                           "then ask for a review."),
    "act.tool_then_paused": _tool,
    "act.commits_no_build": lambda a: (
        f"{count(a['count'], 'commit')} since {a['since']} started no build: the builder is not dispatching for this "
        "Space, and no commit can fix that from your side."),
    "act.builder_not_dispatching": ("What you describe is a builder that never starts: no commit or code change can fix "
                                    "that from your side — it needs HF-side inspection."),
    "act.restart_failed_banner": ("Note the time of the failed restart and its request id (`Root=1-…`, if shown): HF "
                                  "needs both to find it in their logs."),
    "act.containerd_failed": ("`failed to create containerd task` is the platform failing to start the container, not "
                              "your code — restart once; if it repeats, report it with the time."),
    "act.init_failed": lambda a: (
        f"The platform's own start-up step {q(a.get('step'))} failed — not your code: restart once, and check "
        f"{STATUS_URL} if it repeats."),
    "act.paused_by_owner": lambda a: f"The owner paused this Space; only they can restart it — ask in {community(a.get('space'))}.",

    # ---- stop lines
    "stop.pushing": "pushing (empty) commits to force a build: the builder is not picking them up",
    "stop.pushing_policy": "pushing more commits: they do not lift a policy lock, only a review does",
    "stop.duplicates": "creating many duplicate Spaces: copies of a locked or stuck Space hit the same wall",
    "stop.code_during_incident": "changing your code or pushing commits while the incident lasts: the fault is platform-side",
    "stop.code_before_knowing": "changing your code before you know whether the fault is platform-side",
    "stop.tokens": "posting tokens or secrets in public (revoke the one you posted: it is compromised)",

    # ---- follow-ups ("thanks, it works now")
    "followup.resolved": "Glad it works again — thanks for letting me know. I've noted that the answer helped.",
    "followup.thanks": "You're welcome! Mention me again if the Space acts up.",

    # ---- Discord
    "discord.progress": "🩺 Checking {subject}… {checks}",
    "discord.your_space": "your Space",
    "discord.apology": ("Sorry — something went wrong while {step}, so I can't give a diagnosis right now. Please try "
                        "`/diagnose` again in a minute; the error has been logged for the maintainers."),
    "discord.failed": ("Sorry — something went wrong on my side, so that did not work. Please try again in a minute; "
                       "the error has been logged for the maintainers."),
    "discord.not_here": "That command can't be used here.",
    "step.reading": "reading the conversation",
    "step.checking": "checking the Space",
    "step.rechecking": "checking the Space again",
    "step.posting": "posting the answer",
    "invalid.other_repo": "`{repo}` is a {kind}, not a Space",
    "invalid.not_a_space_id": "not a Space id or URL: {given}",
    "discord.invalid_space": ("I can't look that up: {reason}. Give the Space's URL (https://huggingface.co/spaces/OWNER/"
                              "NAME) or its id (OWNER/NAME)."),
    "discord.recheck_gone": "I no longer have what this diagnosis was based on: please run `/diagnose` again.",
    "discord.vote_noted": "Thanks, noted.",
    "discord.vote_helpers_asked": "Thanks for telling me — I've asked this server's helpers to take a look.",
    "discord.vote_say_more": ("Thanks for telling me. Please reply here with what you still see (the error text or the "
                              "last log lines) so that someone can pick it up."),
    "discord.helper_ping": "{role} {user} says this answer did not help: could someone take a look?",
    "discord.button.recheck": "Re-check",
    "discord.button.helped": "Helped",
    "discord.button.not_helped": "Didn't help",
    "discord.button.email": "Support e-mail draft",

    # ---- /spacedoc settings (answers only the admin sees)
    "settings.none": "none",
    "settings.on": "on",
    "settings.off": "off",
    "settings.places": "**Help forums:** {forums}\n**Help channels:** {channels}",
    "settings.all": ("{places}\n**Auto-replies:** {auto_reply}\n**Helper role:** {role}\n"
                     "**Revoke leaked Hugging Face tokens:** {revoke}"),
    "settings.forum_added": "New posts in {forum} will get a diagnosis.",
    "settings.forum_removed": "{forum} is no longer a help forum.",
    "settings.channel_added": "I will answer messages about a broken Space in {channel}.",
    "settings.channel_removed": "{channel} is no longer a help channel.",
    "settings.autoreply_on": "Auto-replies are on.",
    "settings.autoreply_off": "Auto-replies are off.",
    "settings.helper_set": "Helper role set to {role}.",
    "settings.helper_cleared": "Helper role cleared.",
    "settings.revoke_on": "Revoking leaked Hugging Face tokens is on.",
    "settings.revoke_off": "Revoking leaked Hugging Face tokens is off.",

    # ---- Discourse
    "forum.footer": ("<small>Space Doctor is a bot: it checked the Space live at {time} UTC. Mention `@{username}` in a "
                     "reply to have it look again.</small>"),
    "forum.email_sent": "The support e-mail draft for Hugging Face was sent to {username} in a private message.",
    "forum.email_title": "Support e-mail draft for your Space",
    "forum.email_message": "Here is a support e-mail draft for {url}: check it and fill in the `<…>` parts before sending.",
    "forum.apology": ("Sorry — something went wrong while I was checking the Space, so I can't give a diagnosis right "
                      "now. The error has been logged for the maintainers; mention me again in a few minutes."),
    "forum.edit_reason": "Space Doctor removed a leaked credential (the earlier versions are hidden)",
    "forum.flag": lambda a: (
        f"Space Doctor: this post contains a leaked credential ({a['labels']}). Please edit it out and hide the revisions "
        "that held it: an edit alone leaves the old text in the public edit history."
        + (" The Hugging Face token(s) were sent to the Hub for revocation." if a.get("revoking") else "")
        + " I have told the author privately."),
    "forum.leak_title": "A credential in your post is compromised",
    "forum.revocation_title": "Revoking your Hugging Face token",
    "forum.leak_cleaned": lambda a: (
        f"I replaced {a['them']} in the post and hid the earlier versions from the edit history, but anyone who read the "
        f"post before may already have copied {a['them']}."),
    "forum.leak_flagged": lambda a: (
        f"I flagged the post for the moderators. Please **edit {a['them']} out now** — and even then the old version stays "
        f"in the post's edit history until a moderator hides it, and anyone who read it may already have copied "
        f"{a['them']}."),
    "forum.leak_intro": lambda a: (f"Your post {a['url']} contained {a['count']} credential"
                                   f"{'s' if str(a['count']) != '1' else ''}. {a['done']}"),
    "forum.them": lambda a: "them" if str(a["count"]) != "1" else "it",
    "forum.keep_keys_safe": "Keep keys in your Space's **Settings → Variables and secrets**, never in code or in a post.",

    # ---- leaked credentials (Discord warnings, Discourse private messages): each kind found, how to rotate it
    "leak.label.huggingface": "Hugging Face access token",
    "leak.how.huggingface": "delete it and create a new one at https://huggingface.co/settings/tokens",
    "leak.label.huggingface_oauth": "Hugging Face OAuth token",
    "leak.how.huggingface_oauth": "revoke the app's access at https://huggingface.co/settings/connected-applications and sign in again",
    "leak.label.huggingface_org": "Hugging Face organization API token",
    "leak.how.huggingface_org": "regenerate it in the organization's settings (https://huggingface.co/settings/organizations)",
    "leak.label.discord_bot": "Discord bot token",
    "leak.how.discord_bot": "press Reset Token under Bot at https://discord.com/developers/applications",
    "leak.label.discord_webhook": "Discord webhook URL",
    "leak.how.discord_webhook": "delete the webhook (Server Settings → Integrations → Webhooks) and make a new one",
    "leak.label.openai": "OpenAI API key",
    "leak.how.openai": "revoke it at https://platform.openai.com/api-keys",
    "leak.label.anthropic": "Anthropic API key",
    "leak.how.anthropic": "delete it at https://console.anthropic.com/settings/keys",
    "leak.label.github": "GitHub token",
    "leak.how.github": "revoke it at https://github.com/settings/tokens",
    "leak.label.aws_access_key": "AWS access key",
    "leak.how.aws_access_key": "deactivate and delete it in IAM → Security credentials (https://console.aws.amazon.com/iam/home#/security_credentials)",
    "leak.label.aws_secret_key": "AWS secret access key",
    "leak.how.aws_secret_key": "delete the access key it belongs to in IAM → Security credentials (https://console.aws.amazon.com/iam/home#/security_credentials)",
    "leak.label.google_api_key": "Google API key",
    "leak.how.google_api_key": "regenerate or delete it at https://console.cloud.google.com/apis/credentials",
    "leak.label.slack": "Slack token",
    "leak.how.slack": "revoke it and reinstall the app at https://api.slack.com/apps",
    "leak.label.slack_webhook": "Slack webhook URL",
    "leak.how.slack_webhook": "remove it under Incoming Webhooks at https://api.slack.com/apps",
    "leak.label.stripe": "Stripe secret key",
    "leak.how.stripe": "roll it at https://dashboard.stripe.com/apikeys",
    "leak.label.telegram_bot": "Telegram bot token",
    "leak.how.telegram_bot": "send /revoke to @BotFather",
    "leak.label.replicate": "Replicate API token",
    "leak.how.replicate": "disable it at https://replicate.com/account/api-tokens",
    "leak.label.groq": "Groq API key",
    "leak.how.groq": "delete it at https://console.groq.com/keys",
    "leak.label.wandb": "Weights & Biases API key",
    "leak.how.wandb": "revoke it and create a new one at https://wandb.ai/settings",
    "leak.label.private_key": "private key",
    "leak.how.private_key": ("generate a new key pair and remove the old public key everywhere it is trusted (for SSH on the Hub: "
                             "https://huggingface.co/settings/keys)"),
    "leak.label.jwt": "JSON Web Token",
    "leak.how.jwt": "sign out of that session everywhere, or rotate the secret that signs it",
    "leak.label.url_password": "password in a URL",
    "leak.how.url_password": "change that password at the service the URL points to",
    "leak.label.auth_header": "Authorization header credential",
    "leak.how.auth_header": "revoke that token or password at the service that issued it",
    "leak.label.basic_auth": "password in a command line (curl -u, mysql -p)",
    "leak.how.basic_auth": "change that password at the service the command logs in to",
    "leak.label.secret_assignment": "password or secret",
    "leak.how.secret_assignment": "change it at the service it belongs to",
    "leak.label.unscanned": "the rest of your message",
    "leak.how.unscanned": "it could not be checked, so it was hidden: if it held a key or password, rotate that key or password",
    "leak.compromised.token": "**this token is compromised**",
    "leak.compromised.key": "**this key is compromised**",
    "leak.compromised.password": "**this password is compromised**",
    "leak.compromised.secret": "**this secret is compromised**",
    "leak.line": _leak_line,
    "leak.hf.revoked": "I have had it revoked on the Hub (its owner gets an e-mail).",
    "leak.hf.pending": "I am having it revoked on the Hub right now (its owner gets an e-mail) and will confirm here once it is.",
    "leak.hf.failed": "Automatic revocation failed: revoke it yourself now.",
    "leak.hf.none": "It was not revoked automatically: revoke it yourself now.",
    "leak.removed": lambda a: (f"{_leak_found(a)} I removed {_leak_them(a)}, but anyone who saw the message may already have "
                               f"copied {_leak_them(a)}; deleting it does not help."),
    "leak.kept": lambda a: (f"{_leak_found(a)} I cannot delete messages here: **delete yours now** — and even then, anyone "
                            f"who saw it may already have copied {_leak_them(a)}."),
    "leak.keep_keys_safe": "Keep keys in your Space's **Settings → Variables and secrets**, never in code or chat.",
    # a warning without findings: the check failed, or the warning above could not be written
    "leak.unchecked_removed": ("⚠️ **I could not check your message for secrets** (an error on my side), so I removed it to be "
                               "safe. If it held a token, key or password, treat it as compromised and replace it; then post "
                               "your message again without it."),
    "leak.unchecked_kept": ("⚠️ **I could not check your message for secrets** (an error on my side) and I cannot delete "
                            "messages here: if it holds a token, key or password, **delete it now** and replace that "
                            "credential."),
    "leak.found_removed": ("⚠️ **Your message held a token, key or password.** I removed it, but anyone who saw it may already "
                           "have copied it: treat it as compromised and replace it."),
    "leak.found_kept": ("⚠️ **Your message holds a token, key or password** and I cannot delete messages here: **delete it "
                        "now**, and replace that credential: anyone who saw it may already have copied it."),
    # a thread's name (a forum post's title); the bot finds its own warning again by the 📝 it starts with
    "leak.title_renamed": ("📝 **Your post's title held a credential:** I renamed the post so that it no longer shows, but "
                           "anyone who saw the title may already have copied it."),
    "leak.title_kept": ("📝 **Your post's title holds a credential** and I cannot rename posts here: **edit the title now** "
                        "(… → Edit Post) — and even then, anyone who saw it may already have copied it."),
    # said on its own once the revocation a warning promised has ended
    "leak.outcome.revoked": "✅ **Revoked:** the Hugging Face token you posted no longer works (its owner got an e-mail).",
    "leak.outcome.failed": ("❌ **I could not get the Hugging Face token you posted revoked**: the Hub did not accept my "
                            "requests. **Revoke it yourself now**: delete it and create a new one at "
                            "https://huggingface.co/settings/tokens."),
    # the redacted copy of a deleted Discord message; `where` is "embed" or "file <name>" (cogs/moderation.py)
    "leak.repost_author": "{name} wrote (secret removed)",
    "leak.repost_part": "{where} (secret removed)",
    "leak.repost_footer": "Reposted by Space Doctor · author id {author} · {marker}",
}


def support_email(e: SupportEmail) -> str:
    """The draft, with every field support needs; `<…>` marks what only the person can fill in."""
    space = e.space
    runtime_page = f"<output of https://huggingface.co/api/spaces/{space or 'OWNER/NAME'}/runtime>"
    runtime = f"stage={e.stage}" + (f", errorMessage={e.error_message}" if e.error_message else "") if e.stage else None
    recent = f"{count(e.commits_since, 'commit')} since {e.since}, no build started" if e.commits_since else None
    subject = ("Space paused by a policy/abuse check - request for review (possible false positive)" if e.policy
               else "Space stuck in PAUSED / Build Queued / 503 loop - lifecycle lock?")
    lines = [
        f"To: {HF_EMAIL}",
        f"Subject: {subject}",
        "",
        f"Space URL: {f'https://huggingface.co/spaces/{space}' if space else '<the Space URL>'}",
        f"HF username: {space.split('/')[0] if space else '<your username>'}",
        f"Request ID: {e.request_id or '<Root=1-… from the failed restart, if shown>'}",
        "Exact failed restart time, with timezone: <YYYY-MM-DD HH:MM UTC>",
        f"Runtime API output: {runtime or runtime_page}",
        f"Build log status: {e.build_log or '<updates / frozen / empty>'}",
        f"Container log status: {e.run_log or '<updates / frozen / empty>'}",
        f"SDK type: {e.sdk or '<gradio / docker / static>'}",
        f"Hardware: {e.hardware or '<cpu-basic / …>'}",
        f"Last known working commit: {e.last_commit or '<sha>'}",
        f"Recent changes: {recent or '<recent changes>'}",
        "What the Space does: <one or two sentences>",
    ]
    if e.policy:
        if e.flag:
            lines.append(f"Flag shown: {e.flag}")
        lines.append("Why it is not a proxy/tunnel/relay/scraper/spam/abuse service: <explain>")
        lines.append("Suspicious files/dependencies already removed: <list>")
    else:
        lines.append(f"Already tried: {e.already_tried or '<restart / factory rebuild>'}")
    return "\n".join(lines)
