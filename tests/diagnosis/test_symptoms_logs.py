"""Symptoms from prose (English and Chinese) and log analyzers that name the specific fact."""
import pytest

from diagnosis.logs import analyze, prepare
from diagnosis.model import Bucket
from diagnosis.symptoms import find_symptoms


def codes(findings):
    return {f.code for f in findings}


def by_code(findings, code):
    return next(f for f in findings if f.code == code)


@pytest.mark.parametrize("text, code", [
    ("It goes from Build Queued straight to Paused, the builder never runs", "builder_not_dispatching"),
    ("my new commits do not trigger a build", "builder_not_dispatching"),
    ("stuck in build queued since yesterday", "build_queued"),
    ("the space is PAUSED", "paused"),
    ("restart fails with 503", "restart_fails"),
    ("factory rebuild fails too", "factory_rebuild_fails"),
    ("I pushed 10 empty commits", "empty_commits"),
    ("the build logs do not update", "logs_frozen"),
    ("it is stuck on Preparing Space for hours", "preparing_space"),
    ("stuck building for 3 days", "stuck_building"),
    ("This Space has been paused by its owner.", "paused_by_owner"),
    ("This Space is sleeping due to inactivity", "sleeping"),
    ("RUNTIME ERROR", "runtime_error_banner"),
    ("Build Error", "build_error_banner"),
    ("other people have the same issue", "others_too"),
    ("all my Spaces are paused", "account_wide"),
    ("My account was suddenly suspended", "account_locked"),
    ("I added cloudflared to the Dockerfile", "policy_sensitive_tool"),
    ("just a 503", "http_503"),
    # Chinese reports
    ("我的space一直building", "stuck_building"),
    ("space被暂停了", "paused"),
    ("重启失败", "restart_fails"),
    ("日志不更新", "logs_frozen"),
    ("一直排队", "build_queued"),
    ("构建失败了", "build_error_banner"),
    ("显存不足", "memory_words"),
    ("账号被封了", "account_locked"),
    # the same facts in other words
    ("the build never starts, whatever I push", "builder_not_dispatching"),
    ("New commits don't trigger anything", "builder_not_dispatching"),
    ("the logs haven't updated since yesterday", "logs_frozen"),
    ("it has been saying Building ever since, ~9 hours", "stuck_building"),
    ("every Space I open errors out, not just mine", "not_only_mine"),
    ("the status page shows a degraded performance incident", "status_page_incident"),
    ("我和同事的空间都挂了", "not_only_mine"),
    ("ZeroGPU says no GPU available, three times in a row", "no_gpu_words"),
    ("it only shows “Your new Space has been created, follow these steps”", "getting_started_page"),
    ("my space keeps crashing right after start", "crash_words"),
    ("3 of my friends have the same issue since an hour", "not_only_mine"),
    ("my colleague sees the same", "not_only_mine"),
    ("Is Hugging Face having issues?", "others_too"),
    ("Our Space says paused by its owner but none of us paused it", "pause_denied"),
    ("the badge says Running but the page is blank", "running_but_not_serving"),
    ("it fails when I upload a PNG", "error_on_use"),
    ("My PRO subscription ended and now my A10G space is paused", "billing_ended"),
    ("Spaceが「Building」のまま何時間も進みません", "stuck_building"),
    ("ログも更新されません", "logs_frozen"),
    ("再起動しても同じです", "restart_fails"),
    ("it went to sleep and now it won't wake up", "wake_fails"),
    ('mine is still on "Starting" after 2 restarts', "stuck_starting"),
    ('mine is still on "Starting" after 2 restarts', "restart_fails"),
    ("The huggingface demo is down, could you restart it?", "stopped_working"),
    ("there are no errors in the logs", "logs_clean"),
    ("status.huggingface.co shows an incident", "status_page_incident"),
    ("My demo on HF sleeps all the time", "sleeping"),
    ("after I added ngrok the space got suspended", "banned_words"),
])
def test_symptom_codes(text, code):
    assert code in codes(find_symptoms(text))


def test_build_queued_log_header_is_not_a_stuck_symptom():
    assert "build_queued" not in codes(find_symptoms("===== Build Queued at 2025-01-01 10:00:00 / "
                                                     "Commit SHA: abc1234 ====="))


def test_pip_pin_fact():
    log = ("ERROR: Could not find a version that satisfies the requirement torch==1.8.0 (from versions: 2.0.0, 2.1.0)\n"
           "ERROR: No matching distribution found for torch==1.8.0\n")
    f = by_code(analyze(log, "build_log"), "pip_no_matching")
    assert f.bucket is Bucket.BUILD_FAILURE and f.facts["package"] == "torch==1.8.0" and f.source == "build_log"
    assert by_code(analyze(log), "pip_no_version").facts["versions"].startswith("2.0.0")


def test_python_requirement_fact():
    f = by_code(analyze("ERROR: Package 'numpy' requires a different Python: 3.8.10 not in '>=3.9'"),
                "pip_python_requires")
    assert f.facts == {"package": "numpy", "python": "3.8.10", "requires": ">=3.9"}


def test_apt_package_fact():
    f = by_code(analyze("E: Unable to locate package libgl1-mesa-glxx"), "apt_missing_package")
    assert f.facts["package"] == "libgl1-mesa-glxx"


def test_dockerfile_step_and_exit_code():
    log = '--> ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 127'
    f = by_code(analyze(log), "docker_step_failed")
    assert f.facts == {"step": "npm ci", "exit_code": "127"}


def test_a_log_line_copied_from_a_rendered_page_keeps_its_meaning():
    """Forums and blogs turn a log's quotes into typographic ones; the line is read as the log wrote it."""
    pasted = "→ ERROR: process \u201c/bin/sh -c mkdir /data\u201d did not complete successfully: exit code: 1"
    f = by_code(analyze(prepare(pasted)), "docker_step_failed")
    assert f.bucket is Bucket.BUILD_FAILURE and f.facts == {"step": "mkdir /data", "exit_code": "1"}
    assert len(prepare(pasted)) == len(pasted)  # one character for one: positions in the paste stay right


def test_job_failed_exit_code():
    assert by_code(analyze("build error\nJob failed with exit code: 143"), "job_failed").facts["exit_code"] == "143"


def test_registry_push_401_is_a_build_finding():
    log = ("ERROR: failed to push spaces-registry.huggingface.tech/spaces/x:cpu-1-2: "
           "unexpected status from HEAD request "
           "to https://spaces-registry.huggingface.tech/v2/spaces/x/manifests/cpu-1-2: 401 Unauthorized")
    assert "registry_push_401" in codes(analyze(log))


@pytest.mark.parametrize("log, module, package", [
    ("Traceback (most recent call last):\n  File \"app.py\", line 1, in <module>\n    import cv2\n"
     "ModuleNotFoundError: No module named 'cv2'", "cv2", "opencv-python-headless"),
    ("ModuleNotFoundError: No module named 'gradio_client.utils'", "gradio_client.utils", "gradio-client"),
])
def test_missing_module(log, module, package):
    f = by_code(analyze(log, "run_log"), "missing_module")
    assert f.facts == {"module": module, "package": package} and f.bucket is Bucket.RUNTIME_CRASH


def test_missing_secret_from_keyerror_and_message():
    tb = "Traceback (most recent call last):\n  File \"app.py\", line 4, in <module>\nKeyError: 'OPENAI_API_KEY'"
    assert by_code(analyze(tb), "missing_secret").facts["secret"] == "OPENAI_API_KEY"
    assert by_code(analyze("ValueError: HF_TOKEN is not set"), "missing_secret").facts["secret"] == "HF_TOKEN"


def test_final_exception_of_the_last_traceback():
    log = ("Traceback (most recent call last):\n  File \"a.py\", line 1\nValueError: first\n\n"
           "Traceback (most recent call last):\n  File \"b.py\", line 9, in main\nRuntimeError: the real one")
    f = by_code(analyze(log), "python_exception")
    assert f.facts["exception"] == "RuntimeError" and "the real one" in f.quote


def test_model_download_404_names_the_repo():
    log = "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://huggingface.co/org/model-x/resolve/main/config.json"
    f = by_code(analyze(log), "hub_http_error")
    assert f.facts["repo"] == "org/model-x" and f.facts["status"] == "404"


@pytest.mark.parametrize("log, code, bucket, fact", [
    ("Memory limit exceeded (16Gi)", "memory_limit", Bucket.RUNTIME_CRASH, ("limit", "16Gi")),
    ("Workload evicted, storage limit exceeded (50G)", "storage_evicted", Bucket.RUNTIME_CRASH, ("limit", "50G")),
    ("Launch timed out, workload was not healthy after 30 min", "launch_timeout", Bucket.PORT_HEALTHCHECK,
     ("after", "30 min")),
    ("OSError: [Errno 98] error while attempting to bind on address ('0.0.0.0', 7860): address already in use",
     "port_in_use", Bucket.PORT_HEALTHCHECK, None),
    ("INFO: Uvicorn running on http://127.0.0.1:8000", "localhost_bind", Bucket.PORT_HEALTHCHECK, ("port", "8000")),
    ("Scheduling failure: unable to schedule", "scheduling_failure", Bucket.HARDWARE_SCHEDULING,
     ("reason", "unable to schedule")),
    ("You have exceeded your GPU quota (60s requested vs. 12s left). Try again in 1:00:00", "gpu_quota",
     Bucket.HARDWARE_SCHEDULING, ("left", "12")),
    ("torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", "cuda_oom",
     Bucket.RUNTIME_CRASH, None),
    ("runtime: Flagged as abusive", "abuse_flagged", Bucket.MODERATION_LOCK, None),
    ("Blocked by abuse-handler by rule: VNC Server", "abuse_handler", Bucket.MODERATION_LOCK, ("rule", "VNC Server")),
    ("This Space is missing an app file.", "missing_app_file", Bucket.CONFIG_ERROR, None),
    ("Exit code: 128. Reason: failed to create containerd task: context canceled", "containerd_failed",
     Bucket.LIFECYCLE_STUCK, None),
    ("RuntimeError: Cannot find empty port in range: 7860-7860", "port_in_use", Bucket.PORT_HEALTHCHECK,
     ("port", "7860")),
    ("ValueError: When localhost is not accessible, a shareable link must be created. Please set share=True",
     "localhost_not_accessible", Bucket.PORT_HEALTHCHECK, None),
    ("Access to model org/llm-7b is restricted. You must have access to it", "model_gated", Bucket.RUNTIME_CRASH,
     ("repo", "org/llm-7b")),
    ("OSError: [Errno 28] No space left on device", "disk_full", Bucket.RUNTIME_CRASH, None),
    ("Loading model...\nKilled\n", "oom_killed", Bucket.RUNTIME_CRASH, None),
    ("COPY failed: file not found in build context: stat app.py: file does not exist", "docker_copy_failed",
     Bucket.BUILD_FAILURE, None),
    ("Access to this resource is disabled.", "repo_disabled", Bucket.MODERATION_LOCK, None),
])
def test_platform_messages(log, code, bucket, fact):
    f = by_code(analyze(log, "runtime"), code)
    assert f.bucket is bucket
    if fact:
        assert f.facts[fact[0]] == fact[1]


def test_permission_error_names_the_path():
    log = "Traceback (most recent call last):\nPermissionError: [Errno 13] Permission denied: '/app/cache/x.bin'"
    assert by_code(analyze(log), "permission_denied").facts == {"path": "/app/cache/x.bin"}


def test_app_port_seen_in_run_log():
    f = by_code(analyze("  You can now view your Streamlit app in your browser.\n  URL: http://0.0.0.0:8501\n"),
                "app_listening")
    assert f.facts == {"host": "0.0.0.0", "port": "8501"}


@pytest.mark.parametrize("log, port", [
    ("[INFO] Listening at: http://127.0.0.1:8000 (7)", "8000"),  # gunicorn
    ("Your app is available at http://localhost:8000", "8000"),  # chainlit
    ("  ➜  Local:   http://localhost:5173/", "5173"),  # vite
])
def test_servers_bound_to_localhost(log, port):
    assert by_code(analyze(log), "localhost_bind").facts == {"port": port}


def test_streamlit_local_url_is_not_a_localhost_binding():
    log = "  Local URL: http://localhost:8501\n  Network URL: http://10.0.0.5:8501\n"
    assert "localhost_bind" not in codes(analyze(log))


def test_port_without_host_in_a_server_banner():
    assert by_code(analyze("2025/03/11 10:01:22 listening on :8080"), "app_listening").facts == {"port": "8080"}


def test_pasted_readme_app_port_is_read():
    f = by_code(find_symptoms("---\nsdk: docker\napp_port: 8080\n---"), "port_mention")
    assert f.facts == {"app_port": "8080"}


def test_disk_full_during_pip_install_is_a_build_failure():
    log = ("ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n"
           "Job failed with exit code: 1")
    assert by_code(analyze(log), "pip_install_oserror").bucket is Bucket.BUILD_FAILURE


def test_qualified_exception_not_named_error_ends_a_traceback():
    log = ('Traceback (most recent call last):\n  File "/app/bot.py", line 9, in <module>\n'
           "discord.errors.LoginFailure: Improper token has been passed.")
    assert by_code(analyze(log), "python_exception").facts["exception"] == "LoginFailure"


@pytest.mark.parametrize("log, code, bucket", [
    ("ERROR: Exception:\nTraceback (most recent call last):\n"
     '  File "/usr/local/lib/python3.10/site-packages/pip/_internal/cli/base_command.py", line 180, '
     "in exc_logging_wrapper\n"
     "pip._vendor.urllib3.exceptions.ReadTimeoutError: "
     "HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out.",
     "pip_crashed", Bucket.BUILD_FAILURE),
    ("ERROR: HTTP error 404 while getting https://download.pytorch.org/whl/cu118/torch-1.13.0.whl", "pip_error",
     Bucket.BUILD_FAILURE),
    ("ERROR:    [Errno 99] error while attempting to bind on address ('::1', 7860): cannot assign requested address",
     "port_in_use", Bucket.PORT_HEALTHCHECK),
    ("exec /app/start.sh: permission denied", "container_exec_failed", Bucket.RUNTIME_CRASH),
    ("No application file", "missing_app_file", Bucket.CONFIG_ERROR),
    ("Fatal Python error: Segmentation fault", "segfault", Bucket.RUNTIME_CRASH),
    ("ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory",
     "dockerfile_missing", Bucket.CONFIG_ERROR),
    ("Error: Cannot find module '/app/server.js'\n"
     "    at Module._resolveFilename (node:internal/modules/cjs/loader:1140:15)",
     "node_module_missing", Bucket.RUNTIME_CRASH),
    ('In the logs I see "Killed" and then the startup banner again', "oom_killed", Bucket.RUNTIME_CRASH),
    ("/bin/sh: 1: uvicorn: not found", "command_not_found", Bucket.RUNTIME_CRASH),
    ("nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)", "bind_failed", Bucket.PORT_HEALTHCHECK),
    ("Error: EACCES: permission denied, mkdir '/app/.next/cache'", "permission_denied", Bucket.RUNTIME_CRASH),
    ('ERROR:    Error loading ASGI app. Could not import module "main".', "asgi_import_failed", Bucket.RUNTIME_CRASH),
    ("--> RUN pip install -r requirements.txt\nCollecting torch==2.4.0\nKilled\n", "build_killed",
     Bucket.BUILD_FAILURE),
])
def test_more_tool_and_platform_wordings(log, code, bucket):
    assert by_code(analyze(log), code).bucket is bucket


def test_uvicorn_exception_in_asgi_application_is_not_a_pip_error():
    log = "ERROR:    Exception in ASGI application\nTraceback (most recent call last):\nRuntimeError: boom"
    assert "pip_error" not in codes(analyze(log)) and "python_exception" in codes(analyze(log))


def test_pasted_build_log_stops_in_a_step():
    log = ("> ===== Build Queued at 2023-06-20 15:37:14 / Commit SHA: a75174f =====\n"
           "> --> FROM python:3.10\n> DONE 0.0s\n"
           "> --> RUN --mount=target=requirements.txt,source=requirements.txt pip install -r requirements.txt\n"
           "> Collecting matplotlib>=3.2.2\n")
    f = by_code(analyze(log), "build_stopped_at_step")
    assert f.facts["step"] == "RUN pip install -r requirements.txt"
    assert by_code(analyze(log), "build_queued_header").facts["sha"] == "a75174f"


def test_live_build_log_in_progress_is_not_a_failure():
    log = "--> FROM python:3.10\nDONE 0.0s\n--> RUN pip install -r requirements.txt\nCollecting x\n"
    assert not [f for f in analyze(log, "build_log") if f.bucket is not None]


def test_unknown_exit_reason_decides_nothing():
    assert all(f.bucket is None for f in analyze("runtime error\nExit code: ?. Reason: \nContainer logs:"))


@pytest.mark.parametrize("text, code, fact", [
    ("App crashes with KeyError: 'OPENAI_API_KEY' in the logs", "missing_secret", ("secret", "OPENAI_API_KEY")),
    ("运行时错误：ModuleNotFoundError: No module named 'transformers'", "missing_module", ("package", "transformers")),
])
def test_exceptions_quoted_inside_prose(text, code, fact):
    assert by_code(analyze(text), code).facts[fact[0]] == fact[1]


def test_an_exception_named_without_message_decides_nothing():
    assert not [f for f in analyze("I get a TypeError when I click") if f.bucket is not None]


@pytest.mark.parametrize("text", [
    "my space https://huggingface.co/spaces/a/b is stuck building", "Runtime error on my HF space, help?",
    "空间一直building", "my gradio demo shows an error", "Scheduling failure: not enough hardware capacity",
    "the space is paused and restart fails", "https://foo-bar.hf.space returns 503",
])
def test_prefilter_lets_help_requests_through(text):
    from diagnosis.prefilter import looks_like_space_trouble
    assert looks_like_space_trouble(text)


@pytest.mark.parametrize("text", [
    "", "good morning everyone!", "has anyone tried the new llama release?", "thanks, that fixed it :)", "👍",
    "the meetup is on Friday at 6pm",
])
def test_prefilter_ignores_ordinary_chat(text):
    from diagnosis.prefilter import looks_like_space_trouble
    assert not looks_like_space_trouble(text)


def test_symptom_words_are_not_read_inside_space_ids_urls_or_hosts():
    text = ("help with kestrel-labs/vnc-desktop, see https://huggingface.co/spaces/acme/paused-proxy-demo "
            "and https://sleeping-tunnel.hf.space")
    assert codes(find_symptoms(text, ["kestrel-labs/vnc-desktop"])) == set()
    # only the caller knows a bare id is a Space id
    assert "policy_sensitive_tool" in codes(find_symptoms("help with kestrel-labs/vnc-desktop"))


@pytest.mark.parametrize("text, context", [
    ("I added cloudflared to the Dockerfile", "added"),
    ("RUN wget -q https://bin.equinox.io/ngrok-v3-stable-linux-amd64.tgz && tar xf ngrok-v3.tgz", "added"),
    ("the Space was paused.\nCOPY --from=cloudflare/cloudflared:latest /usr/local/bin/cloudflared /bin/", "added"),
    ("we use ngrok for the webhook", "uses"),
    ("could it be a proxy issue?", "mentioned"),
    ("I'm NOT using any proxy or tunnel, it's a plain gradio app", "denied"),
    ("我没有用代理", "denied"),
])
def test_policy_tool_says_how_the_person_relates_to_it(text, context):
    assert by_code(find_symptoms(text), "policy_sensitive_tool").facts["context"] == context


def test_prose_is_quoted_one_sentence_at_a_time():
    text = ("My Space has been stuck on PAUSED for two days. Restart and factory rebuild both fail with 503. "
            "I pushed several empty commits to trigger a build but nothing happens and the logs do not update.")
    found = find_symptoms(text)
    assert by_code(found, "paused").quote == "My Space has been stuck on PAUSED for two days."
    assert by_code(found, "restart_fails").quote == "Restart and factory rebuild both fail with 503."
    assert by_code(found, "logs_frozen").quote == by_code(found, "empty_commits").quote


@pytest.mark.parametrize("text", ["unset HTTPS_PROXY before launch", "nginx: proxy_pass http://127.0.0.1:7860;",
                                  "from utils import proxy.py", "print(cfg.tunnel_url)"])
def test_policy_words_inside_code_identifiers_are_not_tools(text):
    assert "policy_sensitive_tool" not in codes(find_symptoms(text))


def test_symptom_words_are_not_read_inside_file_paths():
    text = "OSError: [Errno 30] Read-only file system: '/home/user/app/flagged'"
    assert "banned_words" not in codes(find_symptoms(text))


@pytest.mark.parametrize("text, sdk", [("---\nsdk: streamlit\n---", "streamlit"), ("my Docker Space", "Docker")])
def test_the_sdk_named_in_a_report(text, sdk):
    f = by_code(find_symptoms(text), "sdk_named")
    assert sdk in f.facts.values()


@pytest.mark.parametrize("text", [
    'I checked the runtime: no "abuse", no "RepoScanner", no "Cloudflare" - stage is PAUSED',
    'The runtime doesn\'t say anything like "Flagged as abusive" or "abuse-handler", it is just PAUSED',
    "my space is not flagged, it is just paused",
])
def test_policy_words_the_person_says_are_absent_claim_nothing(text):
    found = analyze(text) + find_symptoms(text)
    assert not [f for f in found if f.bucket is Bucket.MODERATION_LOCK and f.code != "policy_sensitive_tool"]


def test_policy_words_after_an_unrelated_negation_still_count():
    text = "I don't know why the runtime says Flagged as abusive"
    assert by_code(analyze(text), "abuse_flagged").bucket is Bucket.MODERATION_LOCK


def test_a_live_runtime_message_is_never_read_as_denied():
    assert by_code(analyze("no reason given. Flagged as abusive", "runtime"), "abuse_flagged")
