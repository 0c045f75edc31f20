"""Every text the bot says, one module per language: `en` and `zh` (zh-Hans), chosen from the request's words.

Both modules define `PHRASES` with the same keys (tests check it). A key maps to a `str.format` template or to a
function of the phrase's arguments (`Args`). The decision (`diagnosis/tree.py`) only names keys and facts
(`model.Phrase`); renderers and adapters word them here. The e-mail draft to Hugging Face support is always
English (`support_email`).
"""
from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from ..model import Phrase, SupportEmail
from . import en, zh

LANGUAGES: dict[str, ModuleType] = {"en": en, "zh": zh}
DEFAULT = "en"
ZH_MIN_SHARE = 0.4  # Chinese characters among the prose's words from which a request is read as Chinese
MAX_SCAN = 4000  # characters looked at: the prose is at the start, pasted logs come later

_CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_URL_RE = re.compile(r"https?://\S+|\b[\w.-]+\.hf\.space\S*|\b[\w.-]+/[\w.-]+\b")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_WORD_RE = re.compile(r"[A-Za-z]{2,}")
# A line of a pasted log, traceback or Dockerfile, or an issue template's heading or checkbox: its words say nothing
# about the writer's language.
_NOT_PROSE_RE = re.compile(
    r"^\s*(?:File \"|Traceback|[\w.]+(?:Error|Exception|Warning)\b|at |INFO|WARN|ERROR|DEBUG|\[|\d{4}-\d\d-\d\d|--> |#\d"
    r"|RUN |COPY |FROM |CMD |\$ |>>>|=====|\w+==|#{1,6} |[-*] \[[ xX]\])")
_TAG_RE = re.compile(r"\[[^\]\n]{1,20}\]:?")  # "[Bug]", "[其他]:" before a title


def detect_language(text: str) -> str:
    """`zh` when Chinese characters make up a fair share of the prose (pasted logs, code and links aside), else
    `en`. One Chinese character weighs as much as one English word; kana marks Japanese, answered in English."""
    text = text[:MAX_SCAN]
    if not _HAN_RE.search(text):
        return DEFAULT  # the common case, at once
    han = latin = kana = 0
    for line in _URL_RE.sub(" ", _CODE_RE.sub(" ", text)).splitlines():
        line_han = len(_HAN_RE.findall(line))
        if _NOT_PROSE_RE.match(line) and (not line_han or line.lstrip().startswith(("#", "-", "*"))):
            continue
        line = _TAG_RE.sub(" ", line)
        line_han = len(_HAN_RE.findall(line))
        han += line_han
        kana += len(_KANA_RE.findall(line))
        latin += len(_WORD_RE.findall(line))
    if not han or kana * 5 > han:
        return DEFAULT
    return "zh" if han / (han + latin) >= ZH_MIN_SHARE else DEFAULT


def from_locale(locale: str) -> str:
    """The language for a Discord client locale ("zh-CN" → zh; zh-TW is Traditional Chinese: English for now)."""
    return "zh" if locale == "zh-CN" else DEFAULT


class Args(dict):
    """A phrase's arguments for its wording: a missing one reads as "?" (an odd verdict still gets a reply), and
    nested phrases are worded in the same language."""

    def __init__(self, values: dict[str, Any], lang: str) -> None:
        super().__init__(values)
        self.lang = lang

    def __missing__(self, key: str) -> str:
        return "?"

    def word(self, phrase: Phrase | str) -> str:
        return word(phrase, self.lang) if isinstance(phrase, Phrase) else str(phrase)


def command_description(text: str, locale: str) -> str | None:
    """A slash command's English description (or an option's) worded for a Discord client locale; None: English."""
    lang = from_locale(locale)
    return None if lang == DEFAULT else getattr(module(lang), "COMMAND_DESCRIPTIONS", {}).get(text)


def module(lang: str) -> ModuleType:
    return LANGUAGES.get(lang, LANGUAGES[DEFAULT])


def say(lang: str, key: str, **args: Any) -> str:
    """The text for `key` in `lang` (English when the language is unknown)."""
    template = module(lang).PHRASES[key]
    values = Args(args, lang)
    return template(values) if callable(template) else template.format_map(values)


def word(phrase: Phrase, lang: str = DEFAULT) -> str:
    return say(lang, phrase.key, **dict(phrase.args))


def support_email(email: SupportEmail) -> str:
    """The support e-mail draft: English whatever the request's language (Hugging Face support reads English)."""
    return en.support_email(email)
