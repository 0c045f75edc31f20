"""Cheap gate for chat: is this message plausibly about a broken Space? (≥ 50k messages/s)

Two substring passes over the lower-cased text (C-speed `in`, no regex for ordinary chat):
a Space must be in view and something must be wrong — or a platform message is quoted, which
says both at once. False positives cost one full diagnosis; false negatives cost a missed reply,
so the word lists lean inclusive.
"""
from __future__ import annotations

_SPACE_WORDS = ("space", "hf.co", "huggingface", "hugging face", "demo", "gradio", "streamlit", "空间", "zerogpu")
_TROUBLE_WORDS = (
    "error", "503", "502", "500", "paused", "pause", "stuck", "build", "crash", "broken", "not work", "doesn't work",
    "doesnt work", "does not work", "won't", "fail", "down", "queued", "preparing", "sleeping", "restart",
    "not loading", "timeout", "timed out", "exit code", "traceback", "exception", "can't", "cannot", "unable", "help",
    "issue", "problem", "starting", "flagged", "blocked", "banned", "quota", "oom", "memory", "logs",
    "暂停", "重启", "失败", "报错", "错误", "卡", "一直", "打不开", "用不了", "封",
)
# Quoted platform messages: enough on their own.
_PLATFORM_STRINGS = (
    "runtime error", "build error", "scheduling failure", "memory limit exceeded", "build queued",
    "job failed with exit code", "launch timed out", "abuse-handler", "flagged as abusive", "workload evicted",
    "gpu quota", "no_app_file", "config_error", "runtime_error", "build_error", "preparing space",
)


def looks_like_space_trouble(text: str) -> bool:
    """True when a chat message may be a help request about a broken Space."""
    if not text or len(text) < 6:
        return False
    low = text.lower()
    for s in _PLATFORM_STRINGS:
        if s in low:
            return True
    for w in _SPACE_WORDS:
        if w in low:
            break
    else:
        return False
    return any(w in low for w in _TROUBLE_WORDS)
