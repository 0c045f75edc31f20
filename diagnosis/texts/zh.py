"""Everything the bot says in Chinese (zh-Hans): the same keys as `en.py`.

Product names, settings and commands stay as Hugging Face shows them (Settings, Logs → Build, Factory rebuild,
README YAML), so that people find them on the page.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..logs import shorten
from .en import HF_EMAIL, STATUS_URL, q


def exit_meaning(code: Any) -> str:
    return {"137": "（137 = 被杀掉，通常是内存不足）", "143": "（143 = 被终止：任务超出了时间或内存限制）",
            "128": "（128 = 容器无法启动）"}.get(str(code), "")


def community(space: Any) -> str:
    return (f"它的 Community 页签（https://huggingface.co/spaces/{space}/discussions）" if space and space != "?"
            else "该 Space 的 Community 页签")


def _with_draft(a: dict) -> str:
    return "（附上支持邮件草稿）" if a.get("draft") else ""


def _pin(a: dict) -> str:
    seen = f"（pip 可用版本：{shorten(a['versions'], 60)}）" if a.get("versions") else ""
    py = a.get("python") or "3.10（默认）"
    return (f"构建停在 `pip install -r requirements.txt`：Python {py} 下没有可安装的 {q(a.get('package', '某个固定版本的包'))}"
            f"{seen} —— 放宽或去掉这个版本固定；如果它需要别的 Python，在 README YAML 里设置 `python_version`。")


def _pip_oserror(a: dict) -> str:
    if "no space" in str(a.get("error", "")).lower():
        fix = "构建磁盘满了：去掉用不到的包（CPU 硬件上装 CUDA 版 wheel 是常见原因），也不要在构建时下载模型。"
    else:
        fix = "修正它提到的文件、路径或权限。"
    return f"pip 无法安装这些包（{q(a.get('error'))}）—— {fix}"


def _exec_failed(a: dict) -> str:
    error = str(a.get("error", "?"))
    if "permission" in error.lower():
        fix = "给脚本加上可执行权限（`RUN chmod +x`），并在第一行写 `#!`"
    elif "format" in error.lower():
        fix = "为 linux/amd64 构建镜像"
    else:
        fix = "路径不对，或者文件是 Windows 换行符"
    return f"容器无法启动命令 {q(a.get('path'))}：{error} —— {fix}。"


def _hub_http(a: dict) -> str:
    what = ("仓库 id 或文件名不对，或者仓库已被删除/改名。" if a.get("status") == "404"
            else "它是受限（gated）或私有的：添加一个有访问权限的 `HF_TOKEN` secret。")
    return f"下载 {q(a.get('repo') or a.get('url'))} 返回 HTTP {a['status']} —— {what}"


def _gpu_quota(a: dict) -> str:
    numbers = f"（请求 {a['requested']} 秒，剩余 {a['left']} 秒）" if a.get("requested") and a.get("left") else ""
    return (f"ZeroGPU 配额用完了{numbers} —— 配额会在一天内逐渐恢复：等一等，或登录后再用这个 Space（匿名访客的配额最小）；"
            "如果你是它的所有者，可以用 `@spaces.GPU(duration=…)` 减少每次调用申请的时长。不需要换硬件。")


def _tool(a: dict) -> str:
    said = (f"这个 Space 在加入 {q(a.get('tool'))} 之后马上被停掉了" if a.get("context") == "added"
            else f"你的 Space 运行着 {q(a.get('tool'))}")
    return f"{said}：隧道、代理和远程桌面会触发策略扫描 —— 先把它去掉，再申请复审。"


def _live(a: Any) -> str:
    parts = []
    if a.get("stage"):
        parts.append(f"运行状态 {a['stage']}" + (f" —— {a['message']}" if a.get("message") else ""))
    parts += [a.word(p) for p in a.get("parts") or ()]
    return "；".join(parts)


def _owner_logs(a: dict) -> str:
    logs = a.get("logs") or ()
    label = "构建/运行日志" if len(logs) == 2 else CHECKS.get(logs[0] if logs else "", "日志")
    return f"{label}：仅所有者可见 —— 所有者可以运行 `hf spaces logs {a['space']} --build`（去掉 `--build` 是容器日志）"


def _checks(a: dict) -> str:
    return f"{'、'.join(CHECKS.get(c, c) for c in a.get('checks') or ())}：{a['reason']}"


def _sleeping(a: dict) -> str:
    head = "没有坏" if a.get("seen") else "如果 Space 页面显示 Sleeping，那就没有坏"
    return f"{head}：免费 Space 一段时间没人访问就会休眠。打开它的页面就能唤醒（所有者也可以在 Settings 里点 Restart）。"


def _confirm(what: str) -> Callable[[dict], str]:
    def wording(a: dict) -> str:
        return f"{'引用的这句话' if a.get('quote') else '你描述的情况'}指向这里：{what}"
    return wording


TITLES = {
    "build_failure": "构建失败（镜像构建不出来）",
    "runtime_crash": "运行时崩溃（应用启动后退出）",
    "port_healthcheck": "端口或健康检查（应用在跑，页面打不开）",
    "lifecycle_stuck": "生命周期卡住（构建器没有派发）",
    "moderation_lock": "审核锁定（被策略检查停掉）",
    "platform_incident": "平台故障（很多 Space 受影响）",
    "config_error": "配置错误（README 元数据或应用文件）",
    "hardware_scheduling": "硬件或调度（没有资源、GPU 配额）",
    "sleeping": "休眠或被所有者暂停（没有坏）",
    "needs_info": "需要更多信息",
}
SHORT = {
    "build_failure": "构建失败", "runtime_crash": "运行时崩溃", "port_healthcheck": "端口或健康检查",
    "lifecycle_stuck": "生命周期卡住", "moderation_lock": "审核锁定", "platform_incident": "平台故障",
    "config_error": "配置错误", "hardware_scheduling": "硬件或调度", "sleeping": "休眠或被所有者暂停",
    "needs_info": "需要更多信息",
}
SOURCES = {
    "text": "你的描述", "build_log": "构建日志", "run_log": "容器日志", "runtime": "运行状态", "info": "Space 信息",
    "commits": "提交", "status": "状态页", "recent": "近期报告",
}
CHECKS = {
    "runtime": "运行状态", "info": "Space 信息", "commits": "最近的提交", "build_log": "构建日志", "run_log": "容器日志",
    "status": "状态页",
}
PROGRESS_CHECKS = {
    "runtime": "运行状态", "info": "Space 信息", "commits": "提交", "build_log": "构建日志", "run_log": "运行日志",
    "status": "状态页", "logs": "日志",
}

def _leak_count(a: dict) -> str:
    return str(a["count"])


def _leak_found(a: dict) -> str:
    n = _leak_count(a)
    if n == "0":
        return "⚠️ **我没能检查你的消息里有没有凭据。**"
    return f"⚠️ **你的消息包含 {n} 个凭据。**"


def _leak_them(a: dict) -> str:
    return "它" if _leak_count(a) in ("0", "1") else "它们"


def _leak_line(a: dict) -> str:
    shown = f"（{a['shown']}）" if a.get("shown") else ""
    compromised = f"{a['compromised']} —— " if a.get("compromised") else ""
    revocation = a.get("revocation") or ""
    return f"• **{a['label']}**{shown}：{compromised}{a['how']}。{revocation}"


def _repost_part(a: dict) -> str:
    where = str(a["where"])
    place = "嵌入内容" if where == "embed" else f"文件 {where[5:]}" if where.startswith("file ") else where
    return f"{place}（已移除密钥）"


def _repo_kind(a: Any) -> str:
    return {"model": "模型", "dataset": "数据集"}.get(a["kind"], a["kind"])


PHRASES: dict[str, str | Callable[[Any], str]] = {
    **{f"title.{k}": v for k, v in TITLES.items()},
    **{f"bucket.{k}": v for k, v in SHORT.items()},
    **{f"source.{k}": v for k, v in SOURCES.items()},
    **{f"check.{k}": v for k, v in CHECKS.items()},
    **{f"progress.{k}": v for k, v in PROGRESS_CHECKS.items()},

    "ui.brand": "Space Doctor",
    "ui.confidence": "置信度 {pct}%",
    "ui.placeholder_space": "占位的 Space id",
    "ui.next": "下一步",
    "ui.questions": "需要你提供",
    "ui.evidence": "依据",
    "ui.stop": "请停止",
    "ui.stop_doing": "请停止",
    "ui.could_not_check": "无法检查",
    "ui.also_possible": "也可能是",
    "ui.stop_pushing_yes": "停止推送提交：是",
    "ui.email_cli": "给 Hugging Face 的支持邮件草稿：加上 --email-draft 再运行同一命令即可打印（草稿为英文）。",
    "ui.no_email": "这次诊断没有支持邮件草稿。",
    "ui.email_intro": "你的支持邮件草稿（英文，Hugging Face 支持团队读英文）：发送前请检查并填好 `<…>` 部分。",

    "ev.quote": lambda a: (f"{SOURCES.get(a['source'], a['source'])}：“{a['quote']}”"
                           if a["source"] == "text" or str(a["source"]).endswith("_log")
                           else f"{SOURCES.get(a['source'], a['source'])}：{a['quote']}"),
    "ev.live": _live,
    "ev.commits_no_build": "{since} 以来的 {count} 个提交都没有触发构建",
    "ev.commits_since_running": "{since} 以来的 {count} 个提交尚未运行",
    "ev.building_long": "最后一次改动（{at}）后 {minutes} 分钟仍是 {stage}",
    "ev.abuse_record": "滥用记录：{detail}",
    "ev.space_not_found": "Hub 返回：{reason}",
    "ev.space_disabled": "Hub 表示这个 Space 已被禁止访问",
    "ev.app_file_missing": "Space 信息：仓库里没有 `{app_file}`",
    "ev.build_log_empty": "构建日志：空",
    "ev.status_spaces_degraded": "状态页：{component} 为 {status}",
    "ev.status_degraded": "状态页：{component} 为 {status}",
    "ev.status_open_report": "状态页：未解决的事件“{report}”（{state}）",
    "ev.status_not_operational": "状态页：总体状态 {state}",
    "ev.recent_similar": "最近 {window} 分钟内另有 {similar} 个 Space 报告了同样的情况",
    "ev.several_owners": "一条报告里提到了 {count} 个不同所有者的 Space",
    "ev.stage_confirms_stuck": "运行状态是 {stage}，与描述一致",
    "ev.meanwhile": lambda a: f"同时：{a.word(a['what'])} —— 平台有故障，但不是这个 Space 停下的原因",
    "ev.request_id": "请求 id：{id}",
    "ev.503_alone": "单独一个 503 只说明 Space 没有在服务，说明不了原因",

    "na.owner_logs": _owner_logs,
    "na.private_runtime": ("运行状态：{reason} —— 如果这是你的私有 Space，请在你自己的电脑上运行 "
                           "`python -m diagnosis {space}`（它使用你本地保存的 token；不要把 token 贴到任何地方）"),
    "na.checks": _checks,
    "na.offline": "在线检查：已跳过（--offline）",
    "na.ambiguous_subdomain": lambda a: (f"Space id：`{a['raw']}` 可以读作 {'、'.join(a.get('candidates') or ())} —— 去掉 "
                                         "--offline 运行即可确定"),

    "ask.placeholder": "你的 Space 地址还是占位符（比如 `OWNER/SPACE_NAME`）：真实地址是什么（https://huggingface.co/spaces/OWNER/NAME）？",
    "ask.which_space": "是哪个 Space？请给出它的地址（https://huggingface.co/spaces/OWNER/NAME）。",
    "ask.runtime": ("它的运行状态是什么？打开 https://huggingface.co/api/spaces/{space}/runtime ，把 `stage` 和 "
                    "`errorMessage`（以及任何提到 abuse 的内容）贴上来。"),
    "ask.running": "Hub 显示它现在是 RUNNING。如果页面对你来说仍然打不开，浏览器显示什么（错误文字、状态码）？Logs → Container 最后几行是什么？",
    "ask.logs": "Logs → Build 和 Logs → Container 最后几行是什么？贴上来时请去掉所有 token。",
    "ask.when": "它是什么时候开始不能用的？之前改了什么（提交、硬件、secrets）？",
    "ask.not_a_space": lambda a: (f"`{a['repo']}` 是一个{_repo_kind(a)}，不是 Space：我检查的是 Space（https://huggingface.co/"
                                  f"spaces/… 下的应用）。如果是这个{_repo_kind(a)}本身的问题，请在它的 Community 页签提问（{a['page']}）。"),

    "act.read_runtime": ("先看运行状态：https://huggingface.co/api/spaces/{space}/runtime —— 如果 `errorMessage` 或 `abuse` "
                         "提到 abuse、RepoScanner、proxy、tunnel 或 Cloudflare，就按审核锁定处理。"),
    "act.lifecycle_email": lambda a: (
        f"发邮件给 {HF_EMAIL}{_with_draft(a)}：{'重启和 Factory rebuild 都' if a.get('restarted') else 'Factory rebuild '}"
        "已经失败了，构建器不启动的 Space 只有 HF 能解开。"),
    "act.lifecycle_rebuild": lambda a: (
        f"做一次 Factory rebuild（Settings）；如果 Space 仍然是 {a.get('stage') or 'PAUSED / Build Queued'}，发邮件给 "
        f"{HF_EMAIL}{_with_draft(a)}。"),
    "act.lifecycle_restart": lambda a: (
        f"先重启一次，再做一次 Factory rebuild（Settings）；如果 Space 仍然是 {a.get('stage') or 'PAUSED / Build Queued'}，"
        f"发邮件给 {HF_EMAIL}{_with_draft(a)}。"),
    "act.moderation_review": lambda a: f"发邮件给 {HF_EMAIL}{_with_draft(a)}，申请复审。",
    "act.platform_wait": f"等待平台恢复：关注 {STATUS_URL}（新故障可能还没显示出来），恢复后再检查这个 Space。",
    "act.platform_check": (f"查看 {STATUS_URL}：如果 Spaces 有故障，等它恢复；如果全是绿色，可能只是这个 Space 的问题 —— "
                           "把它运行状态里的 `stage` 和 `errorMessage` 贴上来。"),
    "act.commits_wont_unstick": "新的提交解不开它：得先让构建器启动。",
    "act.confirm.build_failure": _confirm("打开 Logs → Build，第一行 `ERROR` 指出要修的步骤（版本固定、`packages.txt` 或 "
                                          "Dockerfile 的某一步）。拿不准就把那一行贴上来。"),
    "act.confirm.runtime_crash": _confirm("打开 Logs → Container，停止前的最后一个异常说明了是什么崩溃了。拿不准就把那几行"
                                          "贴上来（去掉 token）。"),
    "act.confirm.port_healthcheck": _confirm("应用必须在 0.0.0.0、Space 转发的端口上响应（7860，或 README YAML 里的 "
                                             "`app_port`）；容器日志最后的 \"Running on …\" 行显示它监听在哪里。"),
    "act.confirm.config_error": _confirm("对照仓库检查 README YAML 头部（`sdk`、`sdk_version`、`app_file`、`app_port`）；"
                                         "Space 页面会写出它拒绝的字段。"),
    "act.confirm.hardware_scheduling": _confirm("运行状态的 `errorMessage` 会说明是哪种：没有资源（稍后重启）还是 GPU 配额"
                                                "（等待，或登录）；不需要改代码。"),
    "act.confirm.sleeping": _sleeping,

    "act.visitor.wake": "打开这个 Space 的页面，等一分钟：休眠的 Space 会为访客醒来。",
    "act.visitor.gpu_quota": "ZeroGPU 配额按访客计算，一天内会逐渐恢复：等一等，或登录后再用（匿名访客的配额最小）。",
    "act.visitor.retry_later": "平台现在分配不出硬件：稍后再试。",
    "act.visitor.runtime_says": lambda a: (f"Hub 显示这个 Space 的状态是 {a['stage']}"
                                           + (f"：{q(a['message'], 120)}" if a.get("message") else "") + "。"),
    "act.visitor.runtime_check": "它的运行状态是公开的：https://huggingface.co/api/spaces/{space}/runtime（`stage`、`errorMessage`）。",
    "act.visitor.owner": lambda a: f"只有 Space 的所有者能修好它（你改不了别人的 Space）：在{community(a.get('space'))}告诉他们你看到的情况。",

    "act.pip_no_matching": _pin,
    "act.pip_no_version": _pin,
    "act.pip_python_requires": lambda a: (
        f"{q(a.get('package'))} 需要 Python {a['requires']}，但构建用的是 {a['python']} —— 在 README YAML 里把 "
        f"`python_version` 设成匹配的版本，或者固定一个更老的 {q(a.get('package'))}。"),
    "act.pip_conflict": lambda a: (
        f"pip 无法同时满足这些版本固定（{q(a.get('package', 'requirements.txt'))}）—— 放宽有冲突的版本（不必精确的就去掉 `==`）。"),
    "act.pip_invalid_wheel": lambda a: f"pip 拿到了 {q(a.get('package'))} 的损坏 wheel —— 固定它的另一个版本，然后做一次 Factory rebuild。",
    "act.pip_build_wheel": lambda a: (
        f"{q(a.get('package') or a.get('packages'))} 没有适用于这个 Python 的预编译 wheel，编译失败 —— 固定一个提供 wheel 的版本，"
        "或把它的编译依赖加到 `packages.txt`。"),
    "act.apt_missing_package": lambda a: (
        f"`packages.txt` 写了 {q(a.get('package') or a.get('package2'))}，Debian 的 apt 找不到它 —— 改正包名（每行一个 apt 包）或删掉它。"),
    "act.dpkg_failed": "安装 `packages.txt` 时 apt/dpkg 失败 —— 检查每个包名在 Debian 中都存在。",
    "act.docker_step_failed": lambda a: (
        f"Dockerfile 的步骤 {q(a.get('step'), 100)} 以退出码 {a['exit_code']}{exit_meaning(a.get('exit_code'))} 结束 —— "
        "在本地用 `docker build .` 复现并修好这一步。"),
    "act.job_failed": lambda a: (
        f"构建任务以退出码 {a['exit_code']}{exit_meaning(a.get('exit_code'))} 失败"
        + (f"（{q(a.get('reason'), 70)}）" if a.get("reason") else "")
        + " —— 完整构建日志（Logs → Build）里的第一行 `ERROR` 指出要修的步骤。"),
    "act.docker_solve_failed": lambda a: f"Docker 构建无法继续：{q(a.get('detail'), 100)} —— 修正基础镜像名称/标签或它提到的文件。",
    "act.build_failed_exit": "构建以退出码 {exit_code} 失败 —— 构建日志里的第一行 `ERROR` 指出是哪一步。",
    "act.unexpected_build_error": "`Unexpected build error` 是构建器那边的故障，不是你的代码：重启一次 Space；如果再出现，做一次 Factory rebuild，然后报告。",
    "act.unexpected_job_error": "`Unexpected job error` 来自构建器，不是你的代码：做一次 Factory rebuild；如果再出现，带上发生时间报告。",
    "act.registry_push_401": "镜像已经构建好，但推送到 HF 镜像仓库被拒绝（401）：这是平台故障，不是你的代码 —— 重启 / Factory rebuild 一次，仍然失败就报告。",
    "act.npm_failed": lambda a: f"构建中 `npm` 失败（{q(a.get('detail'))}）—— 固定基础镜像 / lockfile 的版本。",
    "act.cmake_failed": "某个包用 CMake 编译失败 —— 固定一个有预编译 wheel 的版本，或把缺的系统库加到 `packages.txt`。",
    "act.build_stopped_at_step": lambda a: (
        f"构建日志停在步骤 {q(a.get('step'), 100)} —— 错误就在这一步的输出里：打开完整构建日志，修好它之后的第一行 `ERROR`。"),
    "act.pip_install_oserror": _pip_oserror,
    "act.pip_error": "pip 停在引用的那一行 —— 修正那个依赖（名称、URL 或文件路径），然后推送一次。",
    "act.pip_crashed": lambda a: (
        f"构建时 pip 本身出错了（{q(a.get('exception'))}）—— 通常是临时的下载错误：做一次 Factory rebuild；如果再出现，固定它正在下载的包。"),
    "act.pip_subprocess": "某个包自己的构建脚本在 pip 里失败了 —— `subprocess-exited-with-error` 上面几行写了是哪个包：固定一个有预编译 wheel 的版本，或把它需要的系统库加到 `packages.txt`。",
    "act.git_ref_missing": lambda a: f"pip 从 git 安装 {q(a.get('ref'))}，但那个仓库没有它 —— 改正 requirements.txt 里 `@` 后面的分支、标签或提交。",
    "act.docker_copy_failed": lambda a: (
        f"Dockerfile 的 `COPY` 引用了仓库里没有的文件（{q(a.get('detail') or a.get('detail2'))}）—— 提交这个文件或改正路径。"),
    "act.pip_externally_managed": "pip 拒绝安装到系统 Python（externally-managed-environment）—— 在 Dockerfile 里用 venv，或用 `python:` 基础镜像。",
    "act.build_killed": lambda a: (
        f"构建在 {q(a.get('step'), 100)} 时被杀掉（内存不足）—— 少装或装更轻的包（CPU 硬件上用 CPU 版 torch），或把这一步拆开。"),
    "act.memory_limit": lambda a: (
        f"容器用了超过 {a.get('limit') or '上限'} 的内存，被杀掉了 —— 加载更小或更少的模型、只加载一次（不要每个请求都加载）、"
        "用半精度/量化，或换内存更大的硬件。"),
    "act.storage_evicted": lambda a: (
        f"Space 往磁盘写了超过 {a.get('limit') or '上限'} 的数据 —— 只下载需要的文件（`allow_patterns`），清理缓存和临时输出；磁盘不是持久的。"),
    "act.cuda_oom": "GPU 显存不够了 —— 减小 batch 或模型、用半精度，或换更大的 GPU。",
    "act.missing_module": lambda a: f"代码导入了 `{a['module']}` 但没有安装 —— 把 `{a.get('package') or a['module']}` 加到 requirements.txt。",
    "act.import_name": lambda a: (
        f"无法从 `{a['module']}` 导入 `{a['name']}`：版本不匹配 —— 把 `{str(a['module']).split('.')[0]}` 固定到你代码所用的版本。"),
    "act.missing_secret": "应用读取 `{secret}`，但它没有设置 —— 在 Settings → Variables and secrets 里把它加成 secret（不要写进代码或聊天），然后重启。",
    "act.model_gated": lambda a: (
        f"模型 {q(a.get('repo', '它加载的模型'))} 是受限或私有的 —— 在模型页面同意条款，添加有读权限的 `HF_TOKEN` secret，并在加载时传入。"),
    "act.hub_http_error": _hub_http,
    "act.repo_not_found": lambda a: (
        f"找不到模型 {q(a.get('repo', '它加载的模型'))} —— 检查 id；如果它是私有或受限的，添加有访问权限的 `HF_TOKEN` secret。"),
    "act.python_exception": lambda a: (
        f"应用因 `{a.get('exception') or '一个异常'}: {shorten(a.get('message', ''), 80)}` 崩溃 —— 它上面的 traceback 行指出了位置；修好后推送一次。"),
    "act.space_failed_exit": lambda a: (
        f"容器以退出码 {a['exit_code']}{exit_meaning(a.get('exit_code'))} 退出 —— 容器日志中这一行上面就是 traceback。"),
    "act.exit_code_reason": lambda a: (
        f"容器以退出码 {a['exit_code']}{exit_meaning(a.get('exit_code'))} 退出" + (f"：{q(a.get('reason'))}" if a.get("reason") else "") + "。"),
    "act.permission_denied": lambda a: (
        f"应用没有权限写 {q(a.get('path', '那里'))}：Docker Space 以用户 1000 运行 —— 写到 `/tmp` 或 `$HOME` 下，或在 Dockerfile 里 "
        "`chown 1000` 那个目录（`COPY --chown=user`）。"),
    "act.disk_full": "容器磁盘满了 —— 少下载或下载更小的文件，清理缓存；磁盘不是持久的。",
    "act.oom_killed": "进程被杀掉了（内存不足）—— 加载更小的模型，或换内存更大的硬件。",
    "act.invalid_token": "应用用的 token 无效或已被吊销 —— 新建一个 read token，更新 Settings 里的 `HF_TOKEN` secret（不要贴到聊天里）。",
    "act.hub_unreachable_in_app": "应用启动时无法从 Hub 下载 —— 检查仓库 id，受限/私有仓库要加 `HF_TOKEN`，或在构建时下载（`preload_from_hub`）。",
    "act.container_exec_failed": _exec_failed,
    "act.asgi_import_failed": lambda a: (
        f"uvicorn 加载不了应用（{q(a.get('detail'))}）—— 启动命令里的 `module:app` 必须和文件名、变量名一致"
        "（例如 `main.py` 里 `app = FastAPI()` 对应 `main:app`），并在文件所在目录运行。"),
    "act.command_not_found": lambda a: (
        f"镜像里没有安装启动命令 {q(a.get('command'))}，或它不在 PATH 上 —— 在 Dockerfile 里安装（并用 `python -m …` 运行），或改正命令名。"),
    "act.segfault": "进程在本地代码里崩溃（segmentation fault）—— 通常是某个编译好的包和 CPU/CUDA 或 NumPy 版本不匹配：固定匹配的版本（旧 wheel 用 `numpy<2`），或用这个包的 CPU 版本。",
    "act.node_module_missing": lambda a: f"Node 找不到 {q(a.get('module'))} —— 改正启动命令的路径，或在 Dockerfile 里构建/复制这个文件。",
    "act.no_cuda": "代码需要 GPU，但 Space 没有 GPU —— 换 GPU 硬件，或让代码在 CPU 上也能运行。",
    "act.logs_unretrievable": "Space 已经停了，容器日志也随之消失 —— 点 Restart（Settings）并盯着 Logs → Container：停止前会再次出现 traceback。",
    "act.space_in_error": "Space 处于错误状态 —— 运行状态的 `errorMessage` 和 Logs → Container 最后几行说明了原因；修好后重启。",
    "act.gradio_app_error": "Gradio 页面能打开，但后面的应用出错了 —— Logs → Container 会显示请求进来时抛出的异常；修好它（缺模型文件、secret 或内存）。",
    "act.localhost_not_accessible": "Gradio 连不上自己的服务：用 `server_name=\"0.0.0.0\"` 启动（Space 上不要 `share=True`），并确保没有对 localhost 生效的 HTTP(S)_PROXY 变量。",
    "act.bind_failed": lambda a: (
        f"服务无法打开端口 {a['port']}" + (f"（{a['reason']}）" if a.get("reason") else "")
        + f" —— Space 以普通用户运行：监听 {a['app_port']}（大于 1024），并在 README YAML 里把 `app_port` 设成它。"),
    "act.port_in_use": lambda a: (
        f"容器里的端口 {a.get('port') or a.get('port2') or '7860'} 已被占用 —— `launch()` / `app.run()` 只调用一次，只启动一个服务。"),
    "act.localhost_bind": "服务监听在 127.0.0.1，Space 的代理访问不到 —— 绑定到 0.0.0.0（`server_name=\"0.0.0.0\"` 或 `--host 0.0.0.0`）。",
    "act.localhost_host_setting": "服务被设置为只监听 localhost（HOSTNAME / `--host` / `server.address`）—— 改成 0.0.0.0，Space 的代理才能访问。",
    "act.port_mismatch": "应用监听端口 {port}，但 {why} —— 在 README YAML 里设置 `app_port: {port}`（Docker Space），或让服务监听 {expected}。",
    "act.launch_timeout": lambda a: (
        f"应用在 {a.get('after') or '30 min'} 内没有变成健康状态：让它绑定 0.0.0.0:{a['app_port']}，启动后尽快响应 HTTP；"
        "把大文件下载挪到构建时（`preload_from_hub`），或在 README YAML 里调大 `startup_duration_timeout`。"),
    "act.dockerfile_missing": "Docker Space 的仓库根目录没有 `Dockerfile` —— 加一个（文件名必须正好是 `Dockerfile`），或把 README YAML 里的 `sdk:` 改成你的应用所用的 SDK。",
    "act.getting_started_page": "Space 显示的是入门页面：仓库里还没有应用文件 —— 添加 `app.py`（Gradio/Streamlit）、`Dockerfile`（Docker）或 `index.html`（静态），或在 README YAML 里用 `app_file:` 指向你的入口文件。",
    "act.missing_app_file": "仓库里没有应用文件：添加 `app.py`（Gradio）或 `Dockerfile`（Docker），或在 README YAML 里用 `app_file:` 指向你的入口文件。",
    "act.app_file_missing": "仓库里没有 `{sdk}` SDK 需要的 `{app_file}` —— 添加它，或改正 README YAML 里的 `app_file:`。",
    "act.config_error": "Space 不接受它的 README YAML 头部 —— 检查 `sdk`、`sdk_version`（完整版本号，如 `4.44.0`）、`app_file` 和 `app_port`，改好后推送一次。",
    "act.scheduling_failure": lambda a: (
        f"Space 无法被调度（{q(a.get('reason'))}）—— 稍后重启，或在 Settings 里换硬件"
        f"（{'当前申请：' + str(a['requested_hardware']) if a.get('requested_hardware') else 'cpu-basic 最容易分配'}）。"),
    "act.no_gpu_words": "没有空闲的 GPU 给这个 Space —— 几分钟后重试；在 ZeroGPU 上让 `@spaces.GPU(duration=…)` 尽量短，或换独占 GPU 硬件。",
    "act.billing_ended": "没有有效套餐或额度的付费硬件会一直暂停 —— 在 Settings 里把 Space 换成 cpu-basic，或恢复付费，然后重启。",
    "act.gpu_quota": _gpu_quota,
    "act.zerogpu_quota": _gpu_quota,
    "act.gpu_quota_words": _gpu_quota,
    "act.gpu_duration": lambda a: (
        f"某次调用向 ZeroGPU 申请了 {a.get('requested') or '过多'} 秒，超过了上限 —— 调小 `@spaces.GPU(duration=…)`（或把工作拆成更短的调用）。"),
    "act.zerogpu_unavailable": "ZeroGPU 分配不到或保持不住 GPU（没有空闲的，或调用超过了 `@spaces.GPU(duration=…)`）—— 稍后重试，缩短 GPU 上的工作或调大 `duration`。",
    "act.zerogpu_error": "ZeroGPU 的 worker 出错了 —— 后面的信息说明原因：配额（等待或登录）、调用超过 `@spaces.GPU(duration=…)`，或被装饰函数里的异常（容器日志里能看到）。",
    "act.zerogpu_words": "在 ZeroGPU 上，这是它的配额或时长限制：等配额恢复，或登录后再用；如果你是所有者，让 `@spaces.GPU(duration=…)` 尽量短。",
    "act.zerogpu_init_failed": "ZeroGPU 在这个 Space 里启动失败 —— 导入时不能碰 CUDA（`@spaces.GPU` 函数之外不要 `.to('cuda')`）；改好后重启一次。",
    "act.pause_denied": f"没有人暂停它：不是所有者暂停的 Space 是被 HF 扣住了（生命周期或审核）—— 新的提交唤不醒它；发邮件给 {HF_EMAIL}。",
    "act.repo_disabled": "Hub 已禁止访问这个 Space：提交或重启都撤销不了，只能由 HF 复审。",
    "act.space_disabled": "Hub 已禁止访问这个 Space：提交或重启都撤销不了，只能由 HF 复审。",
    "act.abuse_handler": lambda a: (
        f"滥用检测命中了规则 {q(a.get('rule', 'unknown'))}：先去掉这个组件（不允许隧道、代理、远程桌面/终端），再申请复审。"),
    "act.abuse_record": lambda a: f"运行状态里有一条滥用记录（{q(a.get('reason') or a.get('detector'))}）—— 去掉它指出的东西，然后申请复审。",
    "act.abuse_flagged": "这个 Space 被自动检查标记为滥用 —— 去掉任何隧道、代理或转发流量的东西，然后申请复审。",
    "act.repo_scanner": "仓库扫描器标记了这个 Space —— 去掉它反对的文件或依赖，然后申请复审。",
    "act.tunnel_category": lambda a: f"平台把这个 Space 归类为 {q(a.get('category'))} —— Space 上不允许隧道和代理：去掉它，然后申请复审。",
    "act.content_policy": "这个 Space 因内容政策被标记 —— 去掉它提到的东西（代理、隧道、VPN），然后申请复审。",
    "act.tool_then_paused": _tool,
    "act.commits_no_build": "{since} 以来的 {count} 个提交都没有触发构建：构建器没有为这个 Space 派发任务，你这边的任何提交都修不好。",
    "act.builder_not_dispatching": "你描述的是构建器从不启动：你这边的任何提交或代码改动都修不好 —— 需要 HF 那边检查。",
    "act.restart_failed_banner": "记下重启失败的时间和它的请求 id（`Root=1-…`，如果显示了的话）：HF 需要这两样才能在日志里找到它。",
    "act.containerd_failed": "`failed to create containerd task` 是平台启动容器失败，不是你的代码 —— 重启一次；如果再出现，带上时间报告。",
    "act.init_failed": lambda a: f"平台自己的启动步骤 {q(a.get('step'))} 失败了 —— 不是你的代码：重启一次，如果再出现，查看 {STATUS_URL}。",
    "act.paused_by_owner": lambda a: f"所有者暂停了这个 Space，只有他们能重启 —— 在{community(a.get('space'))}问问。",

    "stop.pushing": "推送（空）提交来强制构建：构建器根本没有接收它们",
    "stop.pushing_policy": "继续推送提交：提交解不开策略锁定，只有复审可以",
    "stop.duplicates": "复制出很多个 Space：被锁或卡住的 Space 的副本会碰到同样的问题",
    "stop.code_during_incident": "在故障期间改代码或推送提交：问题在平台那边",
    "stop.code_before_knowing": "在弄清是不是平台故障之前改代码",
    "stop.tokens": "在公开场合贴 token 或密钥（吊销你贴出的那个：它已经泄露了）",

    "followup.resolved": "很高兴它又能用了，谢谢告诉我！我已记下这个回答有帮助。",
    "followup.thanks": "不客气！Space 再出问题时再 @ 我。",

    "discord.progress": "🩺 正在检查 {subject}… {checks}",
    "discord.your_space": "你的 Space",
    "discord.apology": "抱歉 —— {step}时出了问题，现在没法给出诊断。请过一分钟再试 `/diagnose`；错误已记录，维护者会查看。",
    "discord.failed": "抱歉 —— 我这边出了问题，刚才的操作没有完成。请过一分钟再试；错误已记录，维护者会查看。",
    "discord.not_here": "这个命令不能在这里使用。",
    "step.reading": "读取对话",
    "step.checking": "检查 Space",
    "step.rechecking": "重新检查 Space",
    "step.posting": "发送回答",
    "invalid.other_repo": lambda a: f"`{a['repo']}` 是一个{_repo_kind(a)}，不是 Space",
    "invalid.not_a_space_id": "这不是 Space 的 id 或地址：{given}",
    "discord.invalid_space": "我查不了这个：{reason}。请给出 Space 的地址（https://huggingface.co/spaces/OWNER/NAME）或 id（OWNER/NAME）。",
    "discord.recheck_gone": "我已经没有这次诊断所依据的内容了：请重新运行 `/diagnose`。",
    "discord.vote_noted": "谢谢，已记下。",
    "discord.vote_helpers_asked": "谢谢告诉我 —— 我已经请这个服务器的帮手来看看。",
    "discord.vote_say_more": "谢谢告诉我。请在这里回复你仍然看到的情况（错误文字或最后几行日志），方便有人接手。",
    "discord.helper_ping": "{role} {user} 说这个回答没有帮助：有人能看一下吗？",
    "discord.button.recheck": "重新检查",
    "discord.button.helped": "有帮助",
    "discord.button.not_helped": "没帮助",
    "discord.button.email": "支持邮件草稿",

    "settings.none": "无",
    "settings.on": "开",
    "settings.off": "关",
    "settings.places": "**帮助论坛：** {forums}\n**帮助频道：** {channels}",
    "settings.all": "{places}\n**自动回复：** {auto_reply}\n**帮手角色：** {role}\n**吊销泄露的 Hugging Face token：** {revoke}",
    "settings.forum_added": "{forum} 里的新帖子会得到诊断。",
    "settings.forum_removed": "{forum} 不再是帮助论坛。",
    "settings.channel_added": "我会回答 {channel} 里关于 Space 出问题的消息。",
    "settings.channel_removed": "{channel} 不再是帮助频道。",
    "settings.autoreply_on": "自动回复已开启。",
    "settings.autoreply_off": "自动回复已关闭。",
    "settings.helper_set": "帮手角色已设为 {role}。",
    "settings.helper_cleared": "已清除帮手角色。",
    "settings.revoke_on": "吊销泄露的 Hugging Face token：已开启。",
    "settings.revoke_off": "吊销泄露的 Hugging Face token：已关闭。",

    "forum.footer": "<small>Space Doctor 是一个机器人：它在 UTC {time} 在线检查了这个 Space。在回复里 @{username} 可以让它再看一次。</small>",
    "forum.email_sent": "给 Hugging Face 的支持邮件草稿已通过私信发给 {username}。",
    "forum.email_title": "你的 Space 的支持邮件草稿",
    "forum.email_message": "这是 {url} 的支持邮件草稿（英文，Hugging Face 支持团队读英文）：发送前请检查并填好 `<…>` 部分。",
    "forum.apology": "抱歉 —— 检查 Space 时出了问题，现在没法给出诊断。错误已记录，维护者会查看；过几分钟再 @ 我。",
    "forum.edit_reason": "Space Doctor 移除了泄露的凭据（之前的版本已隐藏）",
    "forum.flag": lambda a: (
        f"Space Doctor：这个帖子包含泄露的凭据（{a['labels']}）。请把它编辑掉，并隐藏含有它的修订版本：只编辑的话，旧文本仍在公开的编辑历史里。"
        + ("Hugging Face token 已提交给 Hub 吊销。" if a.get("revoking") else "")
        + "我已私下告知作者。"),
    "forum.leak_title": "你帖子里的凭据已经泄露",
    "forum.revocation_title": "吊销你的 Hugging Face token",
    "forum.leak_cleaned": lambda a: "我已在帖子里替换掉它，并从编辑历史中隐藏了之前的版本，但之前读过帖子的人可能已经复制了它。",
    "forum.leak_flagged": lambda a: "我已把帖子标记给版主。请**立刻把它编辑掉** —— 即使这样，旧版本在版主隐藏之前仍留在编辑历史里，读过的人也可能已经复制了它。",
    "forum.leak_intro": lambda a: f"你的帖子 {a['url']} 包含 {a['count']} 个凭据。{a['done']}",
    "forum.them": lambda a: "它们" if str(a["count"]) != "1" else "它",
    "forum.keep_keys_safe": "把密钥放在 Space 的 **Settings → Variables and secrets** 里，不要写进代码或帖子。",

    # ---- 泄露的凭据（Discord 警告、Discourse 私信）
    "leak.label.huggingface": "Hugging Face 访问 token",
    "leak.how.huggingface": "在 https://huggingface.co/settings/tokens 删除它并新建一个",
    "leak.label.huggingface_oauth": "Hugging Face OAuth token",
    "leak.how.huggingface_oauth": "在 https://huggingface.co/settings/connected-applications 撤销该应用的访问权限，然后重新登录",
    "leak.label.huggingface_org": "Hugging Face 组织 API token",
    "leak.how.huggingface_org": "在组织的设置里重新生成它（https://huggingface.co/settings/organizations）",
    "leak.label.discord_bot": "Discord 机器人 token",
    "leak.how.discord_bot": "在 https://discord.com/developers/applications 的 Bot 页面点 Reset Token",
    "leak.label.discord_webhook": "Discord webhook URL",
    "leak.how.discord_webhook": "删除这个 webhook（Server Settings → Integrations → Webhooks）并新建一个",
    "leak.label.openai": "OpenAI API 密钥",
    "leak.how.openai": "在 https://platform.openai.com/api-keys 吊销它",
    "leak.label.anthropic": "Anthropic API 密钥",
    "leak.how.anthropic": "在 https://console.anthropic.com/settings/keys 删除它",
    "leak.label.github": "GitHub token",
    "leak.how.github": "在 https://github.com/settings/tokens 吊销它",
    "leak.label.aws_access_key": "AWS 访问密钥",
    "leak.how.aws_access_key": "在 IAM → Security credentials 里停用并删除它（https://console.aws.amazon.com/iam/home#/security_credentials）",
    "leak.label.aws_secret_key": "AWS 秘密访问密钥",
    "leak.how.aws_secret_key": "在 IAM → Security credentials 里删除它所属的访问密钥（https://console.aws.amazon.com/iam/home#/security_credentials）",
    "leak.label.google_api_key": "Google API 密钥",
    "leak.how.google_api_key": "在 https://console.cloud.google.com/apis/credentials 重新生成或删除它",
    "leak.label.slack": "Slack token",
    "leak.how.slack": "在 https://api.slack.com/apps 吊销它并重新安装应用",
    "leak.label.slack_webhook": "Slack webhook URL",
    "leak.how.slack_webhook": "在 https://api.slack.com/apps 的 Incoming Webhooks 下删除它",
    "leak.label.stripe": "Stripe 密钥",
    "leak.how.stripe": "在 https://dashboard.stripe.com/apikeys 轮换（roll）它",
    "leak.label.telegram_bot": "Telegram 机器人 token",
    "leak.how.telegram_bot": "向 @BotFather 发送 /revoke",
    "leak.label.replicate": "Replicate API token",
    "leak.how.replicate": "在 https://replicate.com/account/api-tokens 停用它",
    "leak.label.groq": "Groq API 密钥",
    "leak.how.groq": "在 https://console.groq.com/keys 删除它",
    "leak.label.wandb": "Weights & Biases API 密钥",
    "leak.how.wandb": "在 https://wandb.ai/settings 吊销它并新建一个",
    "leak.label.private_key": "私钥",
    "leak.how.private_key": "生成新的密钥对，并在所有信任旧公钥的地方删除它（Hub 上的 SSH：https://huggingface.co/settings/keys）",
    "leak.label.jwt": "JSON Web Token",
    "leak.how.jwt": "在所有地方退出这个会话，或者轮换签发它的密钥",
    "leak.label.url_password": "URL 里的密码",
    "leak.how.url_password": "到这个 URL 指向的服务修改那个密码",
    "leak.label.auth_header": "Authorization 请求头里的凭据",
    "leak.how.auth_header": "到签发它的服务吊销那个 token 或修改那个密码",
    "leak.label.basic_auth": "命令行里的密码（curl -u、mysql -p）",
    "leak.how.basic_auth": "到这条命令登录的服务修改那个密码",
    "leak.label.secret_assignment": "密码或密钥",
    "leak.how.secret_assignment": "到它所属的服务修改它",
    "leak.label.unscanned": "你消息的其余部分",
    "leak.how.unscanned": "它没法检查，所以被隐藏了：如果里面有密钥或密码，请更换那个密钥或密码",
    "leak.compromised.token": "**这个 token 已经泄露**",
    "leak.compromised.key": "**这个密钥已经泄露**",
    "leak.compromised.password": "**这个密码已经泄露**",
    "leak.compromised.secret": "**这个机密信息已经泄露**",
    "leak.line": _leak_line,
    "leak.hf.revoked": "我已让 Hub 吊销了它（它的所有者会收到一封邮件）。",
    "leak.hf.pending": "我正在让 Hub 吊销它（它的所有者会收到一封邮件），完成后会在这里确认。",
    "leak.hf.failed": "自动吊销失败了：请现在自己吊销它。",
    "leak.hf.none": "它没有被自动吊销：请现在自己吊销它。",
    "leak.removed": lambda a: f"{_leak_found(a)} 我已删除{_leak_them(a)}，但看到这条消息的人可能已经复制了{_leak_them(a)}；删除消息并不能补救。",
    "leak.kept": lambda a: f"{_leak_found(a)} 我在这里不能删除消息：**请现在删除你的消息** —— 即使这样，看到过的人也可能已经复制了{_leak_them(a)}。",
    "leak.keep_keys_safe": "把密钥放在 Space 的 **Settings → Variables and secrets** 里，不要写进代码或聊天。",
    "leak.unchecked_removed": "⚠️ **我没能检查你的消息里有没有密钥**（我这边出了错），为安全起见已把它删除。如果其中有 token、密钥或密码，请当作已经泄露并更换；然后去掉它，再重新发送你的消息。",
    "leak.unchecked_kept": "⚠️ **我没能检查你的消息里有没有密钥**（我这边出了错），而且我在这里不能删除消息：如果其中有 token、密钥或密码，**请现在删除它**并更换那个凭据。",
    "leak.found_removed": "⚠️ **你的消息里有 token、密钥或密码。** 我已把它删除，但看到过的人可能已经复制了它：请当作已经泄露并更换。",
    "leak.found_kept": "⚠️ **你的消息里有 token、密钥或密码**，而我在这里不能删除消息：**请现在删除它**，并更换那个凭据：看到过的人可能已经复制了它。",
    "leak.title_renamed": "📝 **你帖子的标题里有凭据：** 我已重命名帖子，标题里不再显示它，但看到过标题的人可能已经复制了它。",
    "leak.title_kept": "📝 **你帖子的标题里有凭据**，而我在这里不能重命名帖子：**请现在修改标题**（… → Edit Post）—— 即使这样，看到过的人也可能已经复制了它。",
    "leak.outcome.revoked": "✅ **已吊销：** 你贴出的 Hugging Face token 已经失效（它的所有者收到了一封邮件）。",
    "leak.outcome.failed": "❌ **我没能让 Hub 吊销你贴出的 Hugging Face token**：Hub 没有接受我的请求。**请现在自己吊销它**：在 https://huggingface.co/settings/tokens 删除它并新建一个。",
    "leak.repost_author": "{name} 写道（已移除密钥）",
    "leak.repost_part": _repost_part,
    "leak.repost_footer": "由 Space Doctor 转发 · 作者 id {author} · {marker}",
}

# Discord's command picker shows these in the user's client language (a Translator in spacedoc.discord_bot):
# the English text, as the command decorators hold it, → its wording here. Names stay English (people type them).
COMMAND_DESCRIPTIONS: dict[str, str] = {
    "Diagnose a broken Hugging Face Space": "诊断一个出了问题的 Hugging Face Space",
    "The Space: its URL or OWNER/NAME": "Space：它的地址或 OWNER/NAME",
    "What you see: the error, the stage (PAUSED, Build error…), what you tried":
        "你看到的情况：报错、状态（PAUSED、Build error…）、你试过什么",
    "Space Doctor settings for this server": "Space Doctor 在本服务器的设置",
    "Help forums where new posts get an automatic diagnosis": "新帖子会自动得到诊断的求助论坛频道",
    "Help text channels watched for broken-Space messages": "关注 Space 故障消息的求助文字频道",
    "The role pinged when an answer did not help": "回答没有帮上忙时提醒的身份组",
    "Answer new posts in this forum automatically": "自动回答这个论坛频道里的新帖子",
    "Stop answering posts in this forum": "不再回答这个论坛频道里的帖子",
    "Watch this text channel for messages about a broken Space": "关注这个文字频道里关于 Space 故障的消息",
    "Stop watching this text channel": "不再关注这个文字频道",
    "The help forums and channels I answer in": "我会回答的求助论坛频道和文字频道",
    "Turn automatic answers in help forums and channels on or off": "打开或关闭求助论坛频道和文字频道里的自动回答",
    "Ping this role when someone says an answer did not help": "有人说回答没帮上忙时提醒这个身份组",
    "Ping no role when an answer did not help": "回答没帮上忙时不提醒任何身份组",
    "Revoke Hugging Face tokens pasted in this server (default on)": "吊销在本服务器贴出的 Hugging Face token（默认打开）",
    "All Space Doctor settings for this server": "Space Doctor 在本服务器的全部设置",
}
