"""Read build and run logs (pasted, live from the Hub, or a runtime `errorMessage`) into Findings.

Each Finding names the specific fact a reply needs: the package or pin pip could not install, the
Dockerfile step and its exit code, the missing module or secret, the port, the memory limit.
Patterns are linear (bounded repetition, no nested quantifiers) and the input is capped, so a
100 KB paste costs a bounded number of passes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Bucket, Finding

B = Bucket
MAX_SCAN = 120_000  # chars: logs fail at the end, so a longer text keeps its head and its tail
QUOTE_MAX = 160

_QUOTE_MARK_RE = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")


# Where a long paste's decisive part sits when it is neither at the start nor at the end.
_MIDDLE_MARKS = ("Traceback (most recent call last):", "\nERROR", "Error: ", "Exception: ", "error:")


# Logs copied from a rendered page (a forum, a blog, a chat) come with typographic quotes where the log line had
# ASCII ones. One character for one, so positions do not move.
_ASCII_QUOTES = str.maketrans("\u201c\u201d\u201e\u201f\u2033\u2018\u2019\u201a\u201b\u2032", '"""""' "'''''")


def prepare(text: str) -> str:
    """Cap the size and drop Markdown quote markers so line anchors work.

    A longer paste keeps its head, its tail and, from the middle, the part around its last traceback or error
    line: logs usually fail at the end, but a paste of several logs can hold the failure anywhere."""
    if len(text) > MAX_SCAN:
        third = MAX_SCAN // 3
        middle = text[third:-third]
        mark = max(middle.rfind(m) for m in _MIDDLE_MARKS)
        kept = ""
        if mark != -1:
            start = middle.rfind("\n", 0, max(0, mark - third // 2)) + 1
            kept = middle[start:start + third]
        text = text[:third] + "\n" + kept + "\n" + text[-third:]
    return _QUOTE_MARK_RE.sub("", text).translate(_ASCII_QUOTES)


def shorten(line: str, limit: int = QUOTE_MAX) -> str:
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def line_at(text: str, pos: int, limit: int = QUOTE_MAX) -> str:
    """The line holding `pos`, shortened around `pos` when it is long prose."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start: end if end != -1 else len(text)]
    if len(line) > limit and pos - start > 30:
        return "…" + line[pos - start - 30:]
    return line


# A sentence ends at . ! ? followed by a space (not "requirements.txt", "v1.2"), or at CJK punctuation.
_SENTENCE_END_RE = re.compile(r"[.!?…](?=\s)|[。！？；]")


def sentence_at(text: str, pos: int, limit: int = QUOTE_MAX) -> str:
    """The sentence holding `pos` within its line: prose is quoted one statement at a time.

    Several symptoms in one long sentence then quote the same words (deduplicated by the tree),
    and symptoms in different sentences quote different facts, not overlapping windows of a line.
    """
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end == -1 else line_end
    start = line_start
    for m in _SENTENCE_END_RE.finditer(text, line_start, pos):
        start = m.end()
    end_m = _SENTENCE_END_RE.search(text, pos, line_end)
    end = end_m.end() if end_m else line_end
    sentence = text[start:end].strip()
    if len(sentence) <= limit:
        return sentence
    lead = text[start:pos].lstrip()
    if len(lead) > 30:
        return shorten("…" + text[pos - 30:end].strip(), limit)
    return shorten(sentence, limit)


@dataclass(frozen=True, slots=True)
class Rule:
    """A platform or tool message: a match yields a Finding; named groups become its facts."""

    code: str
    anchors: tuple[str, ...]  # lower-case substrings one of which any match contains: skip the regex without them
    bucket: Bucket | None
    weight: float
    pattern: re.Pattern[str]


def _r(code: str, anchors: tuple[str, ...], bucket: Bucket | None, weight: float, pattern: str,
       flags: int = re.IGNORECASE) -> Rule:
    return Rule(code, anchors, bucket, weight, re.compile(pattern, flags))


PKG = r"[A-Za-z0-9_.\-\[\]<>=!~,]{1,100}"

RULES: tuple[Rule, ...] = (
    # -- moderation / policy (seed post, Branch A)
    _r("abuse_flagged", ('abusive',), B.MODERATION_LOCK, 5.0, r"flagged as abusive"),
    _r("abuse_handler", ('abuse',), B.MODERATION_LOCK, 5.0,
       r"blocked by abuse[-_ ]handler(?: by rule:\s*(?P<rule>[^\n\"”']{1,80}))?"),
    _r("abuse_handler", ('abuse',), B.MODERATION_LOCK, 4.5, r"\babuse[-_]handler\b"),
    _r("repo_scanner", ('reposcanner',), B.MODERATION_LOCK, 4.5, r"\bRepoScanner\b"),
    _r("tunnel_category", ('huggingface:',), B.MODERATION_LOCK, 4.5, r"huggingface:(?P<category>tunnel|proxy|abuse)\b"),
    _r("content_policy", ('flagged for', 'content polic'), B.MODERATION_LOCK, 4.5,
       r"flagged for using an? (?P<rule>proxy|tunnel|vpn)|infringes on our content policy|violat\w{0,5} (?:our|the) content polic"),
    # -- lifecycle
    _r("restart_failed_banner", ('went wrong when restarting',), B.LIFECYCLE_STUCK, 1.8, r"something went wrong when restarting this space"),
    _r("build_queued_header", ('build queued at',), None, 0.0,
       r"=+ ?Build Queued at (?P<queued_at>\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)(?: / Commit SHA: (?P<sha>[0-9a-f]{7,40}))?"),
    _r("app_startup_header", ('application startup',), None, 0.0, r"=+ ?Application Startup(?: at (?P<started_at>\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?))?"),
    # -- build: pip
    _r("pip_python_requires", ('requires a different python',), B.BUILD_FAILURE, 3.2,
       rf"Package '(?P<package>{PKG})' requires a different Python: (?P<python>[\d.]{{1,12}}) not in '(?P<requires>[^'\n]{{1,40}})'"),
    _r("pip_no_matching", ('no matching distribution',), B.BUILD_FAILURE, 3.0, rf"No matching distribution found for (?P<package>{PKG})"),
    _r("pip_no_version", ('could not find a version',), B.BUILD_FAILURE, 3.0,
       rf"Could not find a version that satisfies the requirement (?P<package>{PKG})"
       r"(?: \(from versions: (?P<versions>[^)\n]{0,160}))?"),
    _r("pip_conflict", ('conflicting dependencies', 'resolutionimpossible'), B.BUILD_FAILURE, 3.0,
       r"Cannot install (?P<package>[^\n]{1,120}?) because these package versions have conflicting dependencies|ResolutionImpossible"),
    _r("pip_invalid_wheel", ("wheel '",), B.BUILD_FAILURE, 3.0, rf"Wheel '(?P<package>{PKG})' located at \S{{1,300}} is invalid"),
    _r("pip_build_wheel", ('failed building wheel', 'failed to build installable'), B.BUILD_FAILURE, 2.6,
       r"Failed building wheel for (?P<package>[\w.\-]{1,100})"
       r"|Failed to build installable wheels for some pyproject\.toml based projects \(?(?P<packages>[^)\n]{1,100})"),
    _r("pip_install_oserror", ('could not install packages due to',), B.BUILD_FAILURE, 3.2,
       r"Could not install packages due to an? (?P<error>\w{1,40}Error[^\n]{0,100})"),
    _r("pip_error", ('error: ',), B.BUILD_FAILURE, 2.6,
       r"^ERROR: (?:HTTP error \d{3} while getting|Could not open requirements file|Invalid requirement|Exception:$"
       r"|Directory '[^'\n]{1,200}' is not installable|Could not install requirement)", re.MULTILINE),
    _r("pip_subprocess", ('subprocess-exited',), B.BUILD_FAILURE, 2.0, r"subprocess-exited-with-error"),
    # -- build: apt / packages.txt
    _r("apt_missing_package", ('unable to locate package', 'has no installation candidate'), B.BUILD_FAILURE, 3.0,
       r"E: Unable to locate package (?P<package>\S{1,100})|E: Package '(?P<package2>[^'\n]{1,100})' has no installation candidate"),
    _r("dpkg_failed", ('dpkg', 'errors were encountered while processing'), B.BUILD_FAILURE, 2.6,
       r"dpkg: error|E: Sub-process /usr/bin/dpkg returned an error code|Errors were encountered while processing"),
    # -- build: Dockerfile / builder
    _r("docker_step_failed", ('did not complete successfully',), B.BUILD_FAILURE, 3.0,
       r"process \"(?:/bin/(?:ba)?sh -c )?(?P<step>[^\"\n]{1,300})\" did not complete successfully: exit code: (?P<exit_code>\d{1,3})"),
    _r("docker_step_failed", ('returned a non-zero code',), B.BUILD_FAILURE, 3.0,
       r"The command '(?:/bin/(?:ba)?sh -c )?(?P<step>[^'\n]{1,300})' returned a non-zero code: (?P<exit_code>\d{1,3})"),
    _r("docker_solve_failed", ('failed to solve',), B.BUILD_FAILURE, 2.2, r"failed to solve: (?P<detail>[^\n]{1,160})"),
    # pip installing `git+https://…@ref` with a branch, tag or commit the repository does not have
    _r("git_ref_missing", ('pathspec',), B.BUILD_FAILURE, 3.0,
       r"error: pathspec '(?P<ref>[^'\n]{1,200})' did not match any file\(?s?\)? known to git"),
    _r("registry_push_401", ('failed to push',), B.BUILD_FAILURE, 3.2, r"failed to push spaces-registry[^\n]{0,300}401 Unauthorized"),
    _r("job_failed", ('job failed with exit code',), B.BUILD_FAILURE, 2.6, r"Job failed with exit code: (?P<exit_code>\d{1,3})(?:\. Reason: (?P<reason>[^\n]{0,160}))?"),
    _r("build_failed_exit", ('build failed with exit code',), B.BUILD_FAILURE, 2.6, r"Build failed with exit code: (?P<exit_code>\d{1,3})"),
    _r("unexpected_build_error", ('unexpected build error',), B.BUILD_FAILURE, 2.6, r"Unexpected build error"),
    _r("unexpected_job_error", ('unexpected job error',), B.BUILD_FAILURE, 1.6, r"Unexpected job error"),
    _r("docker_copy_failed", ("copy failed", "failed to compute cache key", "failed to calculate checksum"), B.BUILD_FAILURE, 2.6,
       r"COPY failed: (?P<detail>[^\n]{1,160})|failed to (?:compute cache key|calculate checksum)[^\n]{0,40}?: (?P<detail2>[^\n]{1,160})"),
    _r("pip_externally_managed", ("externally-managed-environment",), B.BUILD_FAILURE, 2.6, r"externally-managed-environment"),
    _r("npm_failed", ('npm err', 'npm error'), B.BUILD_FAILURE, 2.0, r"^npm (?:ERR!|error) (?P<detail>[^\n]{1,160})", re.MULTILINE),
    _r("cmake_failed", ('cmake',), B.BUILD_FAILURE, 2.2, r"CMake Error|CMakeConfigError"),
    # -- config
    _r("missing_app_file", ('missing an app file', 'no_app_file', 'no application file'), B.CONFIG_ERROR, 4.0,
       r"(?:This Space is )?missing an app file|\bNO_APP_FILE\b|\bNo application file\b"),
    _r("dockerfile_missing", ('failed to read dockerfile',), B.CONFIG_ERROR, 3.5,
       r"failed to read dockerfile: open (?:/[^:\n]{0,100}/)?Dockerfile: no such file or directory"),
    _r("config_error", ('config_error', 'configuration error', 'invalid yaml', 'invalid metadata', 'error parsing the yaml'), B.CONFIG_ERROR, 3.0, r"\bCONFIG_ERROR\b|configuration error|invalid (?:YAML|metadata) in README|Error parsing the YAML"),
    # -- resources at run time
    _r("memory_limit", ('memory limit exceeded',), B.RUNTIME_CRASH, 3.5,
       r"(?P<kind>CPU |GPU )?Memory limit exceeded(?: \((?P<limit>[\w.]{1,10})\))?"),
    _r("disk_full", ("no space left on device",), B.RUNTIME_CRASH, 3.0, r"No space left on device"),
    _r("oom_killed", ("killed",), B.RUNTIME_CRASH, 2.0, r"^Killed$|Exit code: 137\b|[\"“'`]Killed[\"”'`]", re.IGNORECASE | re.MULTILINE),
    _r("storage_evicted", ('workload evicted',), B.RUNTIME_CRASH, 3.5, r"Workload evicted, storage limit exceeded \((?P<limit>[\w.]{1,10})\)"),
    _r("cuda_oom", ('out of memory', 'outofmemoryerror'), B.RUNTIME_CRASH, 3.0, r"CUDA out of memory|OutOfMemoryError: CUDA|torch\.cuda\.OutOfMemoryError"),
    # -- hardware and scheduling
    _r("scheduling_failure", ('scheduling failure',), B.HARDWARE_SCHEDULING, 4.0, r"Scheduling failure: ?(?P<reason>[^\n]{1,100})"),
    _r("gpu_quota", ('gpu quota',), B.HARDWARE_SCHEDULING, 4.0,
       r"exceeded your (?P<tier>Pro )?GPU quota(?: \((?P<requested>\d{1,6})s requested vs\. (?P<left>\d{1,6})s left\))?"),
    _r("zerogpu_unavailable", ('no gpu was available', 'waiting for a gpu', 'gpu task aborted'), B.HARDWARE_SCHEDULING, 3.5,
       r"No GPU was available for you|Waiting for a GPU to become available|GPU task aborted"),
    _r("gpu_duration", ('gpu duration',), B.HARDWARE_SCHEDULING, 4.0,
       r"requested GPU duration \((?P<requested>\d{1,6})s\) is larger than the maximum allowed"),
    _r("zerogpu_quota", ('quota exceeded',), B.HARDWARE_SCHEDULING, 3.5,
       r"(?:ZeroGPU |GPU )?quota exceeded\b(?:[^\n]{0,120}?\brequested (?P<requested>\d{1,6}) ?s\b)?"),
    _r("zerogpu_init_failed", ('initializing zerogpu',), B.HARDWARE_SCHEDULING, 3.0, r"Error while initializing ZeroGPU"),
    # ZeroGPU's own error banner: the GPU worker of a ZeroGPU Space failed, usually its quota or time limit
    _r("zerogpu_error", ('zerogpu',), B.HARDWARE_SCHEDULING, 3.0, r"\bZeroGPU (?:worker )?error\b"),
    _r("no_cuda", ('nvidia driver', 'not compiled with cuda', 'cuda-capable', 'cuda is not available'), B.RUNTIME_CRASH, 2.8,
       r"Found no NVIDIA driver|Torch not compiled with CUDA enabled|no CUDA-capable device|CUDA is not available"),
    # -- port / health
    _r("launch_timeout", ('launch timed out',), B.PORT_HEALTHCHECK, 3.5,
       r"Launch timed out, (?:workload|space) was not healthy after (?P<after>\d{1,4} ?\w{1,8})"),
    _r("launch_timeout", ('launch timed out',), B.PORT_HEALTHCHECK, 2.4, r"Launch timed out"),
    _r("port_in_use", ('are in use', 'address already in use', 'errno 98', 'cannot find empty port', 'attempting to bind'), B.PORT_HEALTHCHECK, 3.2,
       r"All ports from (?P<port>\d{2,5}) to \d{2,5} are in use|address already in use|\[Errno 98\]"
       r"|Cannot find empty port in range: (?P<port2>\d{2,5})|error while attempting to bind on address"),
    _r("bind_failed", ('bind() to',), B.PORT_HEALTHCHECK, 3.0,
       r"bind\(\) to (?:[\w.\-]{1,60}|\[[\w:]{1,40}\]):(?P<port>\d{1,5}) failed(?: \((?P<reason>[^)\n]{1,60})\))?"),
    # a server told to listen on localhost only (Next.js standalone's HOSTNAME, --host, server.address)
    _r("localhost_host_setting", ('localhost', '127.0.0.1'), B.PORT_HEALTHCHECK, 2.6,
       r"\b(?:HOSTNAME|HOST|--host|--hostname|server\.address|bind)\b[\s=:\"']{1,4}(?:localhost|127\.0\.0\.1)\b"),
    _r("localhost_not_accessible", ('localhost is not accessible',), B.PORT_HEALTHCHECK, 2.8,
       r"When localhost is not accessible, a shareable link must be created"),
    _r("localhost_bind", ('127.0.0.1', 'localhost'), B.PORT_HEALTHCHECK, 2.4,
       r"(?:Running on(?: local URL:)?|Uvicorn running on|Listening (?:on|at):?|available at|Server running (?:at|on)|(?<!\w)Local:)"
       r"\s{0,4}https?://(?:127\.0\.0\.1|localhost):(?P<port>\d{2,5})"),
    _r("app_listening", ('running on', 'listening', 'network url', 'url:', 'serving at', 'started server', 'available at'), None, 0.0,
       r"(?:Running on(?: local URL:)?|Uvicorn running on|Listening (?:on|at):?|Network URL:|^[ \t]*URL:|serving at|started server on|available at)"
       r"\s{0,4}https?://(?P<host>[\w.\-]{1,60}):(?P<port>\d{2,5})"
       r"|\blistening on (?:port :?|:)(?P<port2>\d{2,5})\b", re.IGNORECASE | re.MULTILINE),
    _r("asgi_import_failed", ('error loading asgi app',), B.RUNTIME_CRASH, 2.8,
       r"Error loading ASGI app\.? ?(?P<detail>[^\n]{0,120})"),
    _r("command_not_found", ('not found',), B.RUNTIME_CRASH, 2.8,
       r"^(?:/bin/(?:ba)?sh: (?:\d{1,4}: )?(?:line \d{1,4}: )?)(?P<command>[\w.\-]{1,60}): (?:command )?not found$", re.MULTILINE),
    _r("segfault", ('segmentation fault', 'sigsegv'), B.RUNTIME_CRASH, 2.6, r"Segmentation fault|\bSIGSEGV\b"),
    _r("permission_denied", ('eacces',), B.RUNTIME_CRASH, 3.0,
       r"\bEACCES: permission denied,? \w{1,20} '(?P<path>[^'\n]{1,200})'"),
    _r("node_module_missing", ('cannot find module',), B.RUNTIME_CRASH, 2.8,
       r"^Error: Cannot find module '(?P<module>[^'\n]{1,200})'", re.MULTILINE),
    # -- container exits and platform-side failures
    _r("container_exec_failed", ('exec ',), B.RUNTIME_CRASH, 2.8,
       r"^exec (?P<path>/?[\w./\-]{1,200}): (?P<error>permission denied|exec format error|no such file or directory)",
       re.IGNORECASE | re.MULTILINE),
    _r("containerd_failed", ('containerd', 'shim task'), B.LIFECYCLE_STUCK, 2.0, r"failed to create containerd task|failed to create shim task"),
    _r("init_failed", ('initialization step',), B.PLATFORM_INCIDENT, 1.8,
       r"Initialization step '(?P<step>\w{1,30})' failed with exit code: (?P<exit_code>\d{1,3})"),
    _r("space_failed_exit", ('space failed',), B.RUNTIME_CRASH, 1.8, r"Space failed(?: to start)?\. Exit code: (?P<exit_code>\d{1,3})"),
    _r("exit_code_reason", ('exit code:',), B.RUNTIME_CRASH, 1.5,
       r"(?<!failed with )Exit code: (?P<exit_code>\d{1,3})\. Reason:(?!\s{0,3}failed to create)(?P<reason>[^\n]{0,160})"),
    _r("exit_code_unknown", ('exit code: ?',), None, 0.0, r"Exit code: \?\. Reason:"),
    # shown where a Space's container log would be once the Space is in error: the app stopped, the log is gone
    _r("logs_unretrievable", ('failed to retrieve error logs', 'failed to initialize stream'), B.RUNTIME_CRASH, 1.8, r"Failed to retrieve error logs: (?P<reason>[^\n]{1,80})|Failed to initialize stream \(code \d{3}\)"),
    _r("space_in_error", ('your space is in error', 'your space is on error'), B.RUNTIME_CRASH, 2.0, r"Your space is (?:in|on) error, check its status"),
    # Gradio's own messages in the browser: the app is up but fails (or is gone) behind its page
    _r("gradio_app_error", ('connection errored out', 'no interface is running', 'application is currently busy', 'something went wrong'),
       B.RUNTIME_CRASH, 2.2,
       r"Connection errored out|No interface is running right now|This application is currently busy|Something went wrong\W{0,3}(?:Connection|Error|Expecting)"),
    # -- model downloads and secrets
    _r("model_gated", ('gated', 'is restricted'), B.RUNTIME_CRASH, 3.2,
       r"GatedRepoError|Cannot access gated repo|is a gated (?:repo|model)|(?:private or gated|gated or private) (?:model|repo)"
       r"|Access to model (?P<repo>[\w.\-]{1,96}/[\w.\-]{1,96}) is restricted"),
    _r("invalid_token", ('invalid user token', 'invalid credentials in authorization', 'invalid token passed'),
       B.RUNTIME_CRASH, 2.8, r"Invalid user token|Invalid credentials in Authorization header|Invalid token passed"),
    _r("hub_unreachable_in_app", ("couldn't connect to", 'localentrynotfounderror'), B.RUNTIME_CRASH, 2.4,
       r"We couldn't connect to '?https?://huggingface\.co|LocalEntryNotFoundError"),
    _r("repo_disabled", ('access to this resource is disabled', 'has been disabled'), B.MODERATION_LOCK, 3.5,
       r"Access to this resource is disabled|(?:space|repo(?:sitory)?) has been disabled"),
    _r("hub_http_error", ('client error',), B.RUNTIME_CRASH, 3.0,
       r"(?P<status>40[134]) Client Error[^\n]{0,80}?for url: (?P<url>https?://\S{1,200})"),
    _r("repo_not_found", ('repositorynotfounderror', 'repository not found', 'not a valid model identifier', 'could not find model'), B.RUNTIME_CRASH, 2.8,
       r"RepositoryNotFoundError|Repository Not Found for url|is not a valid model identifier|Could not find model: (?P<repo>[\w.\-]{1,96}/[\w.\-]{1,96})"),
    _r("missing_secret", ('os.environ[', 'not set', 'not found', 'not defined', 'api_key'), B.RUNTIME_CRASH, 3.0,
       r"os\.environ\[['\"](?P<secret>[A-Z][A-Z0-9_]{2,60})['\"]\]"
       r"|(?P<secret2>[A-Z][A-Z0-9_]{0,40}(?:TOKEN|KEY|SECRET|PASSWORD)[A-Z0-9_]{0,20})[`'\"]? (?:environment variable |env var )?(?:is )?not (?:set|found|defined)"
       r"|The (?P<secret3>api_key) client option must be set"),
)

_TRACEBACK = "Traceback (most recent call last):"
_FRAME_RE = re.compile(r'^\s{0,8}File "[^"\n]{1,300}", line \d{1,7}, in ', re.MULTILINE)
# The exception line that ends a traceback (or stands alone in an errorMessage).
_EXC_LINE_RE = re.compile(r"^(?:(?P<exc>[A-Za-z_][\w.]{0,80}(?:Error|Exception|Exit|Interrupt|Failure|Fault))(?::[ \t]?(?P<msg>[^\n]{0,300}))?"
                          r"|(?P<qexc>[a-z_][a-z0-9_]{0,30}(?:\.[a-z_][a-z0-9_]{0,30}){1,4}\.[A-Z][A-Za-z0-9]{2,60}):[ \t](?P<qmsg>[^\n]{1,300}))$",
                          re.MULTILINE)
# The same inside prose ("App crashes with KeyError: 'X'", "运行时错误：ModuleNotFoundError: …"): a message is required.
_EXC_INLINE_RE = re.compile(r"(?<![A-Za-z0-9_.])(?P<exc>[A-Za-z_][\w.]{0,80}(?:Error|Exception))[:：][ \t]?(?P<msg>[^\n]{1,300})")
_EXC_WORDS = ("Error", "Exception")
_PIP_FRAME_RE = re.compile(r"[/\\]pip[/\\]_(?:internal|vendor)[/\\]")
_MODULE_RE = re.compile(r"No module named '(?P<module>[\w.]{1,100})'")
_IMPORT_NAME_RE = re.compile(r"cannot import name '(?P<name>\w{1,100})' from '(?P<module>[\w.]{1,100})'")
_QUOTED_PATH_RE = re.compile(r"'(?P<path>/[^'\n]{1,200})'")
_SECRET_KEY_RE = re.compile(r"^'(?P<secret>[A-Z][A-Z0-9_]{2,60})'(?![\w'])")
_REPO_IN_URL_RE = re.compile(r"huggingface\.co/(?:api/models/)?(?P<repo>[\w.\-]{1,96}/[\w.\-]{1,96})/(?:resolve|tree|raw)\b")

# Dockerfile steps in a Spaces build log: `--> RUN …` then `DONE 1.2s` / `CACHED` / `ERROR …`.
_STEP_RE = re.compile(r"^--> (?P<step>(?:RUN|COPY|FROM|WORKDIR|ADD|ENV|USER|ARG)\b[^\n]{0,300})$", re.MULTILINE)
_KILLED_RE = re.compile(r"^Killed$", re.MULTILINE)
_STEP_END_RE = re.compile(r"^(?:DONE [\d.]{1,8}s|CACHED|ERROR\b)", re.MULTILINE)

# import name → the pip package to add, for the modules whose names differ.
MODULE_TO_PACKAGE = {
    "cv2": "opencv-python-headless", "PIL": "pillow", "sklearn": "scikit-learn", "yaml": "pyyaml",
    "skimage": "scikit-image", "bs4": "beautifulsoup4", "dotenv": "python-dotenv", "fitz": "pymupdf",
    "google.generativeai": "google-generativeai", "docx": "python-docx", "Crypto": "pycryptodome",
    "attr": "attrs", "dateutil": "python-dateutil", "jwt": "pyjwt", "magic": "python-magic",
}


def analyze(text: str, source: str = "text") -> list[Finding]:
    """Findings from a build/run log, a runtime `errorMessage`, or a report's pasted log lines."""
    if not text:
        return []
    text = prepare(text)
    low = text.lower()
    out: list[Finding] = []
    seen_codes: set[str] = set()
    for rule in RULES:
        if rule.code in seen_codes or not any(a in low for a in rule.anchors):
            continue
        m = rule.pattern.search(text)
        if m is not None and rule.bucket is B.MODERATION_LOCK and source == "text":
            m = _asserted(rule.pattern, text, m)
        if m is None:
            continue
        seen_codes.add(rule.code)
        facts = _facts(m)
        out.append(Finding(rule.code, rule.bucket, rule.weight, shorten(line_at(text, m.start())), source, facts))
    out.extend(_exception_findings(text, source, out))
    out.extend(_build_step_findings(text, source))
    return out


# Words just before a policy phrase that say it is absent: people check the runtime for the seed post's
# words and report "no RepoScanner", "nothing like 'Flagged as abusive'".
_DENIED_BEFORE_RE = re.compile(
    r"(?:\b(?:no|not|never|without|nor)\b|n['’]t\b)[^.,;!?\n]{0,12}$|\b(?:anything|nothing) like\b[^.,;!?\n]{0,40}$"
    r"|\bno (?:mention|sign|trace) of\b[^.,;!?\n]{0,30}$", re.IGNORECASE)
DENIAL_WINDOW = 60
MAX_DENIED = 8  # matches looked at before giving up on a phrase that is only ever denied


def denied(text: str, pos: int) -> bool:
    """Whether the words just before `pos` say the phrase at `pos` is absent."""
    return _DENIED_BEFORE_RE.search(text, max(0, pos - DENIAL_WINDOW), pos) is not None


def _asserted(pattern: re.Pattern[str], text: str, first: re.Match[str]) -> re.Match[str] | None:
    """The first match of `pattern` that the person does not deny, starting at `first`."""
    m: re.Match[str] | None = first
    for _ in range(MAX_DENIED):
        if m is None or not denied(text, m.start()):
            return m
        m = pattern.search(text, m.end())
    return None


def _facts(m: re.Match[str]) -> dict[str, str]:
    facts: dict[str, str] = {}
    for key, value in m.groupdict().items():
        if value:
            value = value.strip(" `'\"”")
            if value:
                facts.setdefault(key.rstrip("0123456789"), value.rstrip(".,;:") if key.startswith("repo") else value)
    if facts.get("secret") == "api_key":
        facts["secret"] = "OPENAI_API_KEY"  # the OpenAI client's message names its argument, not the variable
    if "url" in facts:
        repo = _REPO_IN_URL_RE.search(facts["url"])
        if repo:
            facts["repo"] = repo["repo"]
    return facts


def _exception_findings(text: str, source: str, found: list[Finding]) -> list[Finding]:
    """The final exception of the last traceback, read for a missing module, secret or name."""
    tb = text.rfind(_TRACEBACK)
    if tb == -1 and (frame := _FRAME_RE.search(text)):
        tb = frame.start()  # a pasted tail of a traceback, its header cut off
    region = text[tb:] if tb != -1 else text
    last = None
    for m in _EXC_LINE_RE.finditer(region):
        last = m
    if last is None:
        last = _last_inline_exception(region)
    if last is None:
        if tb != -1 and not any(f.bucket for f in found):
            frames = list(_FRAME_RE.finditer(region))
            quote = shorten(line_at(region, frames[-1].start())) if frames else _TRACEBACK
            return [Finding("traceback", B.RUNTIME_CRASH, 1.8, quote, source)]
        return []
    groups = last.groupdict()
    exc, msg = groups["exc"] or groups["qexc"], (groups["msg"] or groups.get("qmsg") or "").strip()
    quote = shorten(last.group(0))
    short_exc = exc.rsplit(".", 1)[-1]
    if tb != -1 and _PIP_FRAME_RE.search(region):
        return [Finding("pip_crashed", B.BUILD_FAILURE, 2.8, quote, source, {"exception": short_exc})]
    if short_exc == "ModuleNotFoundError" and (mod := _MODULE_RE.search(msg)):
        module = mod["module"]
        top = module.split(".")[0]
        package = MODULE_TO_PACKAGE.get(module) or MODULE_TO_PACKAGE.get(top, top.replace("_", "-"))
        return [Finding("missing_module", B.RUNTIME_CRASH, 3.2, quote, source, {"module": module, "package": package})]
    if short_exc == "ImportError" and (imp := _IMPORT_NAME_RE.search(msg)):
        return [Finding("import_name", B.RUNTIME_CRASH, 3.0, quote, source, {"name": imp["name"], "module": imp["module"]})]
    if short_exc == "KeyError" and (key := _SECRET_KEY_RE.match(msg)):
        return [Finding("missing_secret", B.RUNTIME_CRASH, 3.2, quote, source, {"secret": key["secret"]})]
    if short_exc == "PermissionError":
        path = _QUOTED_PATH_RE.search(msg)
        facts = {"path": path["path"]} if path else {}
        return [Finding("permission_denied", B.RUNTIME_CRASH, 3.0, quote, source, facts)]
    if any(f.quote == quote and f.bucket is not None for f in found):
        return []  # a specific rule already read this line (port in use, 404 download, …)
    if tb == -1 and any(f.bucket is not None for f in found):
        return []  # a stray exception name next to a platform message adds nothing
    weight = 2.2 if tb != -1 else 1.6
    return [Finding("python_exception", B.RUNTIME_CRASH, weight, quote, source, {"exception": short_exc, "message": shorten(msg, 100)})]


def _last_inline_exception(region: str) -> re.Match[str] | None:
    """The last `SomeError: message` written inside a line; only lines naming an error are searched."""
    last = None
    start = 0
    while True:
        hits = [i for i in (region.find(w, start) for w in _EXC_WORDS) if i != -1]
        if not hits:
            return last
        pos = min(hits)
        line_start = region.rfind("\n", 0, pos) + 1
        line_end = region.find("\n", pos)
        line_end = len(region) if line_end == -1 else line_end
        for m in _EXC_INLINE_RE.finditer(region, line_start, line_end):
            last = m
        start = line_end + 1


def _build_step_findings(text: str, source: str) -> list[Finding]:
    """For a pasted build log: the Dockerfile step it stops in (a step with no DONE/CACHED after it)."""
    if source != "text":
        return []  # a live log of a build in progress also "stops" in a step
    steps = list(_STEP_RE.finditer(text))
    if not steps:
        return []
    last = steps[-1]
    step = last["step"]
    if _STEP_END_RE.search(text, last.end()) is None:
        short_step = shorten(re.sub(r"--mount=\S{1,200}\s{0,4}", "", step), 120)
        out = [Finding("build_stopped_at_step", B.BUILD_FAILURE, 1.8, shorten(step, 120), source, {"step": short_step})]
        if _KILLED_RE.search(text, last.end()):
            # killed inside an unfinished Dockerfile step: the build ran out of memory, not the app
            out.append(Finding("build_killed", B.BUILD_FAILURE, 3.0, "Killed", source, {"step": short_step}))
        return out
    return [Finding("build_log_pasted", B.BUILD_FAILURE, 1.2, shorten(step, 120), source)]
