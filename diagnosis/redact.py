"""Find credentials in pasted text and replace each one with its public vendor prefix + `[REDACTED]`.

`redact(text)` returns a `Redaction`: `.text` (the input itself, unchanged, when nothing is found) and
`.findings` (kind, start, end in the input). Formats follow the public rules of gitleaks, TruffleHog and
python-discord's token filter; the vendor prefix (`hf_`, `ghp_`, `sk-ant-api03-`, ...) stays visible so the
person knows which key to rotate, and nothing after it survives.

How disguises are handled:
- a line break (plus the next line's indentation or `> ` quote) inside a fixed-length token is allowed by
  the token patterns themselves;
- OCR's space right after a prefix (`hf_ AbC...`) is allowed by the patterns;
- zero-width characters, percent-encoding and JSON string escapes are undone in a decoded view of the text
  whose every character remembers its offset in the input, and that view is scanned too;
- quotes, backticks, `||spoilers||`, URLs, Windows paths and trailing punctuation only need the patterns'
  boundaries to stop at non-token characters.

Speed: one pass of a prefix-factored regex over the lowercased text locates every trigger (a vendor prefix,
a keyword, the shape of a prefix-less token, an escape); a message with none is returned at once, and each
rule is then matched only where its own trigger occurs. A decoded view is built only when an escape is seen
and something actually decodes. Checks run cheapest first (str methods count character classes, entropy is
bounded by the number of distinct characters before anything is counted). Every pattern is linear (bounded
or possessive repetitions, no nested unbounded quantifiers), so a hostile 100 KB paste costs milliseconds.
"""
from __future__ import annotations

import base64
import bisect
import binascii
import json
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Redaction", "SecretFinding", "redact", "hf_tokens", "HF_KINDS", "REDACTED"]

REDACTED = "[REDACTED]"

# Kinds whose tokens the Hub's revoke endpoint is given.
HF_KINDS = frozenset({"huggingface", "huggingface_oauth", "huggingface_org"})

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# A line break inside a token: the break, then the next line's indentation and an optional `> ` quote.
_BRK = r"(?:\r?\n[ \t]*(?:>[ \t]?)?)"
_OCR_SPACE = "[ ]?"
_ALNUM = "[A-Za-z0-9]"
_B64URL = "[A-Za-z0-9_-]"


def _body(charset: str, count: int | str) -> str:
    """`count` characters of `charset`, each possibly preceded by a line break (fixed-length tokens).
    The unbroken run is tried first: it is sre's tight loop; the per-character group, much slower, only
    where a line break follows a run of `charset` (else it could only fail the same way)."""
    most = str(count).rsplit(",", 1)[-1]
    return f"(?:{charset}{{{count}}}|(?={charset}{{0,{most}}}+\r?\n)(?:{_BRK}?{charset}){{{count}}})"


def _vbody(charset: str, low: int) -> str:
    """At least `low` characters of `charset`; a line break may split them unless the next line starts with
    a name being assigned (`NEXT_KEY=`), so a .env file's next variable is not taken for the token's tail.
    Possessive and unbounded: an over-long run is taken whole (and judged by the rule) in one step."""
    guard = r"(?![\w.-]+[ \t]*[=:])"
    return f"{_body(charset, low)}{charset}*+(?:{_BRK}{guard}{charset}++)*+"


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """One credential: its kind and its span in the input. `secret` (normalised) never shows in repr."""

    kind: str
    start: int
    end: int
    prefix: str  # the public part kept visible, e.g. "hf_"
    secret: str = field(repr=False, compare=False)

    @property
    def replacement(self) -> str:
        return f"{self.prefix}{REDACTED}"


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    findings: tuple[SecretFinding, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        """Distinct kinds found, in order of first appearance."""
        return tuple(dict.fromkeys(f.kind for f in self.findings))

    def hf_tokens(self) -> list[str]:
        """The Hugging Face tokens found, normalised (disguises undone), deduplicated, for revocation."""
        return list(dict.fromkeys(f.secret for f in self.findings if f.kind in HF_KINDS))


# ---------------------------------------------------------------------------------------------- checks

def _trie_branches(words: list[str]) -> list[str]:
    """`words` as alternatives factored by common prefixes (`h(?:f_(?:oauth_)?|ooks...)`), one per first
    character: sre then checks a position's first character once instead of trying every word."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(w[1:])
    branches = []
    for c, tails in sorted(groups.items()):
        rest = [t for t in tails if t]
        if not rest:
            branches.append(re.escape(c))
            continue
        inner = _trie_branches(rest)
        body = inner[0] if len(inner) == 1 else f"(?:{'|'.join(inner)})"
        branches.append(re.escape(c) + (f"(?:{body})?" if len(rest) < len(tails) else body))
    return branches


# Placeholder words (matched in lowercase), a template's opening character, a long run of one character.
_PLACEHOLDER_WORDS = re.compile("|".join(_trie_branches([
    "xxxx", "****", "....", "your", "example", "placeholder", "redacted", "dummy", "sample", "insert", "replace",
    "abcdefgh", "12345678", "changeme", "secret_here", "token_here", "key_here"])))
_TEMPLATE_OPENERS = ("$", "<", "{", "%")
_RUN_OF_EIGHT = re.compile(r"(.)\1\1\1\1\1\1\1")  # spelled out: sre runs it faster than (.)\1{7}
_CLASSES = tuple(re.compile(c) for c in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
_DIGIT = _CLASSES[2]
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _classes(s: str) -> int:
    """How many of lowercase, uppercase, digits and other characters `s` mixes."""
    if s.isascii():  # str methods decide three of the four in C
        return (s != s.upper()) + (s != s.lower()) + (_DIGIT.search(s) is not None) + (s != "" and not s.isalnum())
    return sum(1 for c in _CLASSES if c.search(s))


def _high_entropy(s: str, bits: float = 3.0) -> bool:
    """Shannon entropy of `s` at least `bits` per character. Its number of distinct characters bounds it
    from above (log2 of it) and, with its length, from below (one character repeated, the others once),
    which decides almost every value without counting characters."""
    n, distinct = len(s), len(set(s))
    if distinct < 2 ** bits:
        return False
    top = n - distinct + 1
    if (distinct - 1) / n * math.log2(n) - top / n * math.log2(top / n) > bits + 1e-9:
        return True
    return -sum(k / n * math.log2(k / n) for k in Counter(s).values()) >= bits


def _is_placeholder(body: str) -> bool:
    return (_PLACEHOLDER_WORDS.search(body.lower()) is not None or body.startswith(_TEMPLATE_OPENERS)
            or _RUN_OF_EIGHT.search(body) is not None)


def _looks_random(body: str, min_classes: int = 2) -> bool:
    """Real keys are random: several character classes, many distinct characters, no placeholder words."""
    alnum = body if body.isascii() and body.isalnum() else _NON_ALNUM.sub("", body)
    if len(set(alnum)) < min(10, max(4, len(alnum) // 3)):
        return False
    # ASCII letters and digits only (and not empty, see above): str methods count the classes in C
    classes = (alnum != alnum.upper()) + (alnum != alnum.lower()) + (not alnum.isalpha())
    if classes < min(min_classes, 3):
        return False
    return not _is_placeholder(body)


def _b64decode(part: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


DISCORD_EPOCH = 1_420_070_400  # 2015-01-01, seconds
TOKEN_EPOCH = 1_293_840_000  # older tokens count seconds from 2011-01-01


def _valid_discord_token(user_part: str, time_part: str, hmac_part: str) -> bool:
    """python-discord's checks: part 1 decodes to a snowflake (ASCII digits), part 2 to a time after Discord's
    epoch (counted from 2011 in older tokens, plain Unix time in newer ones; here also not years ahead), and
    part 3 is not a dummy like xxxxxxxx."""
    raw_id = _b64decode(user_part)
    if raw_id is None or not raw_id.isascii() or not raw_id.isdigit() or not 15 <= len(raw_id) <= 20:
        return False
    raw_ts = _b64decode(time_part)
    if not raw_ts:
        return False
    ts = int.from_bytes(raw_ts, "big")
    plausible = range(DISCORD_EPOCH, int(time.time()) + 2 * 366 * 86400)
    if ts not in plausible and ts + TOKEN_EPOCH not in plausible:
        return False
    return len(set(hmac_part.lower())) > 3


def _valid_jwt(header: str) -> bool:
    raw = _b64decode(header)
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        return False
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


_VAR_REFERENCE = re.compile(r"^(?:\$\{?\w+\}?|\$\{\{.*\}\}|%\w+%|\{\{.*\}\}|\{\w*\}|<[^>]*>|\*+|x+|X+|\.\.\.)$")
# Code and words, not secrets: dotted paths (os.environ.get), and names made of natural words joined by
# separators or case (MY_TOKEN_NAME, eos_token, SecretValue, X-Xet-Access-Token, urn:ietf:params:oauth).
_IDENTIFIER_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:[.:][A-Za-z_][A-Za-z0-9_]*)+$")
_WORD = r"(?:[A-Z]+|[A-Z]?[a-z]{2,})(?:[A-Z][a-z]+)*"
_IDENTIFIER_WORDS = re.compile(rf"^_*{_WORD}(?:[_.:/-]+{_WORD})*_*$")
_NON_SECRET_VALUES = frozenset({"none", "null", "true", "false", "undefined", "required", "optional",
                                "string", "password", "secret", "token", "changeme", "hidden", "pass", "passwd",
                                "pwd", "pw", "mypassword", "yourpassword"})


def _opaque_value(value: str) -> bool:
    """An assignment's or header's value that is a real secret, not a reference, word, path or number."""
    value = value.rstrip("=").lstrip(":")  # base64 padding says nothing about randomness; `key:: value`
    if len(value) < 8 or value.lower() in _NON_SECRET_VALUES or _VAR_REFERENCE.match(value):
        return False
    if _IDENTIFIER_WORDS.match(value) or _IDENTIFIER_PATH.match(value):
        return False
    if value.startswith(("http://", "https://", "/", "./", "~/")) or value.replace(".", "").isdigit():
        return False
    if _is_placeholder(value):
        return False
    return _classes(value) >= 2 and _high_entropy(value)


def _opaque_value_in_place(m: re.Match[str]) -> bool:
    """An opaque value that is not code (a call or subscript follows) nor an elided example (`eyJhb...`)."""
    after = m.string[m.end("secret"):m.end("secret") + 2]
    return not after.startswith(("(", "[", "..", "…")) and _opaque_value(m.group("secret"))


def _url_password(value: str) -> bool:
    if value.lower() in _NON_SECRET_VALUES or _VAR_REFERENCE.match(value) or value.isdigit():
        return False
    if re.fullmatch(r"[A-Z_]+", value):  # USER:TOKEN@, USER:PASSWORD@ placeholders
        return False
    return not _is_placeholder(value) or len(set(value)) > 8


# ---------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class _Rule:
    """`pattern` is tried only where one of `triggers` occurs (in the lowercased text when `fold`): matched
    right there when `anchored` (the pattern starts with the trigger), else searched for in the whole text."""

    kind: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]
    rank: int  # lower wins when two findings overlap
    accept: Callable[[re.Match[str]], bool] = lambda m: True
    fold: bool = False
    anchored: bool = True
    shape: str = ""  # for rules that are not anchored: the locator shape that calls for a search

    def find(self, text: str, starts: list[int]) -> list[re.Match[str]]:
        """Accepted matches at `starts` (anchored rules: where a trigger occurs), else searched for."""
        found: list[re.Match[str]] = []
        pos = 0
        if self.anchored:
            match = self.pattern.match
            for i in starts:
                if i < pos or (m := match(text, i)) is None:
                    continue
                pos = self._next(m, found)
            return found
        search = self.pattern.search
        while (m := search(text, pos)) is not None:
            pos = self._next(m, found)
        return found

    def _next(self, m: re.Match[str], found: list[re.Match[str]]) -> int:
        """Keep `m` if accepted; where the next match may start."""
        if self.accept(m):
            found.append(m)
            return m.end()
        if m.group("prefix"):  # a rejected prefixed token: its body holds no other token
            return m.end()
        return m.start() + 1  # a rejected value may hide a real match inside it (`token = 'DB_PASSWORD = "..."'`)


def _body_random(min_classes: int = 2) -> Callable[[re.Match[str]], bool]:
    return lambda m: _looks_random(_squash(m.group("secret")), min_classes)


_BREAK_CHARS = re.compile(r"\s+|>")


def _squash(s: str) -> str:
    """Undo line-break disguises inside a token (every one of them holds a newline)."""
    return _BREAK_CHARS.sub("", s) if "\n" in s else s


_L = r"(?<![A-Za-z0-9])"  # left boundary: not glued to a preceding letter or digit
_R = r"(?![A-Za-z0-9])"
_RW = r"(?![A-Za-z0-9_-])"
_DOT = rf"{_BRK}?\.{_BRK}?"  # the dot between a JWT's or Discord token's parts, a line break either side
_AWS_IDS = ("A3T", "AKIA", "ASIA", "ABIA", "ACCA")


def _prefixed(prefix_re: str, charset: str, count: int | str, right: str = _R) -> re.Pattern[str]:
    return re.compile(f"{_L}(?P<prefix>{prefix_re}){_OCR_SPACE}(?P<secret>{_body(charset, count)}){right}")


_RULES: tuple[_Rule, ...] = (
    # (a header already followed by [REDACTED] is our own output: redacting is idempotent)
    _Rule("private_key", re.compile(r"(?P<prefix>-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)"
                                    r"(?!\[REDACTED\])"),
          ("-----BEGIN",), rank=0),
    # Hugging Face: user tokens hf_ + 34 letters (gitleaks, TruffleHog; digits accepted too), OAuth
    # access tokens hf_oauth_ + 30 or more, organisation API tokens api_org_ + 34.
    _Rule("huggingface_oauth", re.compile(rf"{_L}(?P<prefix>hf_oauth_){_OCR_SPACE}(?P<secret>{_vbody(_ALNUM, 30)}){_R}"),
          ("hf_oauth_",), 1, _body_random()),
    _Rule("huggingface", _prefixed("hf_(?!oauth_)", _ALNUM, 34), ("hf_",), 1, _body_random()),
    _Rule("huggingface_org", _prefixed("api_org_", _ALNUM, 34), ("api_org_",), 1, _body_random()),
    # Anthropic: sk-ant-api03- / sk-ant-admin01- + 93 + "AA" (gitleaks); other sk-ant-<type>NN- bodies too.
    _Rule("anthropic", _prefixed(r"sk-ant-(?:api|admin)0\d-", _B64URL, 95, _RW), ("sk-ant-",), 1,
          _body_random()),
    _Rule("anthropic", re.compile(rf"{_L}(?P<prefix>sk-ant-[a-z]{{2,8}}\d\d-){_OCR_SPACE}"
                                  rf"(?P<secret>{_vbody(_B64URL, 32)}){_RW}"), ("sk-ant-",), 2, _body_random()),
    # OpenAI: sk-proj-/sk-svcacct-/sk-admin- (58|74) "T3BlbkFJ" (58|74), legacy sk- 20 T3BlbkFJ 20
    # (gitleaks); marker-less newer bodies are accepted with a length floor.
    _Rule("openai", re.compile(
        rf"{_L}(?P<prefix>sk-(?:proj|svcacct|admin)-){_OCR_SPACE}"
        rf"(?P<secret>(?:{_body(_B64URL, 74)}|{_body(_B64URL, 58)}){_BRK}?T3BlbkFJ"
        rf"(?:{_body(_B64URL, 74)}|{_body(_B64URL, 58)})){_RW}"), ("sk-",), 1, _body_random()),
    _Rule("openai", re.compile(rf"{_L}(?P<prefix>sk-){_OCR_SPACE}(?P<secret>{_body(_ALNUM, 20)}{_BRK}?T3BlbkFJ"
                               rf"{_body(_ALNUM, 20)}){_R}"), ("sk-",), 1, _body_random()),
    _Rule("openai", re.compile(rf"{_L}(?P<prefix>sk-(?:proj|svcacct|admin)-){_OCR_SPACE}"
                               rf"(?P<secret>{_vbody(_B64URL, 40)}){_RW}"), ("sk-",), 2, _body_random()),
    _Rule("openai", re.compile(rf"{_L}(?P<prefix>sk-)(?!ant-|proj-|svcacct-|admin-){_OCR_SPACE}"
                               rf"(?P<secret>{_vbody(_ALNUM, 40)}){_R}"), ("sk-",), 2, _body_random()),
    # GitHub: classic ghp_/gho_/ghu_/ghs_/ghr_ + 36, fine-grained github_pat_ + 82 (22 _ 59).
    _Rule("github", _prefixed("gh[pousr]_", _ALNUM, 36), ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), 1,
          _body_random()),
    _Rule("github", _prefixed("github_pat_", "[A-Za-z0-9_]", 82), ("github_pat_",), 1, _body_random()),
    # AWS access key ids (gitleaks: A3T?/AKIA/ASIA/ABIA/ACCA + 16 of A-Z2-7), minus the documented EXAMPLE keys.
    _Rule("aws_access_key", _prefixed("A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA", "[A-Z2-7]", 16), _AWS_IDS, 1,
          _body_random(1)),
    # Google API keys: AIza + 35.
    _Rule("google_api_key", _prefixed("AIza", "[A-Za-z0-9_-]", 35, _RW), ("AIza",), 1, _body_random()),
    # Slack: bot/user/app/config tokens (gitleaks' slack-* rules), incoming webhooks.
    _Rule("slack", re.compile(rf"{_L}(?P<prefix>xox[abposre]-|xoxe\.xox[bp]-|xapp-){_OCR_SPACE}"
                              rf"(?P<secret>{_body('[0-9]', '1,13')}-{_vbody('[A-Za-z0-9-]', 8)})(?![A-Za-z0-9-])"),
          ("xox", "xapp-"), 1, _body_random()),
    _Rule("slack_webhook", re.compile(rf"(?P<prefix>hooks\.slack\.com/(?:services|workflows|triggers)/){_OCR_SPACE}"
                                      rf"(?P<secret>{_vbody('[A-Za-z0-9+/_-]', 20)})"), ("hooks.slack.com",), 1),
    # Stripe secret and restricted keys (publishable pk_ keys are public).
    _Rule("stripe", re.compile(rf"{_L}(?P<prefix>(?:sk|rk)_(?:live|test|prod)_){_OCR_SPACE}"
                               rf"(?P<secret>{_vbody(_ALNUM, 10)}){_R}"),
          ("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"), 1, _body_random()),
    # Telegram bot tokens: bot id (5-16 digits), colon, 35 starting with "A" (gitleaks; TruffleHog: 8-10, 35).
    _Rule("telegram_bot", re.compile(rf"(?P<secret>[0-9](?<![0-9][0-9]){_body('[0-9]', '4,15')}{_BRK}?:"
                                     rf"(?P<bot_key>{_body('[A-Za-z0-9_-]', 35)})){_RW}(?P<prefix>)"),
          (), 1, lambda m: _squash(m.group("bot_key")).startswith("A") and _looks_random(_squash(m.group("bot_key"))),
          anchored=False, shape="telegram"),
    # Replicate r8_ + 37 and Groq gsk_ + 52 (TruffleHog).
    _Rule("replicate", _prefixed("r8_", _B64URL, 37, _RW), ("r8_",), 1, _body_random()),
    _Rule("groq", _prefixed("gsk_", _ALNUM, 52), ("gsk_",), 1, _body_random()),
    # Weights & Biases: wandb_v1_ 27 _ 49, or 40 hex after a wandb hint within 40 characters (TruffleHog).
    _Rule("wandb", re.compile(rf"{_L}(?P<prefix>wandb_v1_){_OCR_SPACE}(?P<secret>{_body(_ALNUM, 27)}_"
                              rf"{_body(_ALNUM, 49)}){_R}"), ("wandb_v1_",), 1, _body_random()),
    # (not a commit after @ or / as in `git+https://github.com/wandb/wandb@<sha>`)
    _Rule("wandb", re.compile(rf"(?i:wandb)[^\n]{{0,40}}?(?<![0-9a-fA-F@/])(?P<prefix>)(?P<secret>{_body('[0-9a-f]', 40)})"
                              r"(?![0-9A-Za-z])"), ("wandb",), 3, _body_random(), fold=True),
    # Discord webhooks and bot tokens (validated like python-discord's filter, newer 38-char last part too).
    _Rule("discord_webhook", re.compile(
        rf"(?P<prefix>discord(?:app)?\.com/api(?:/v\d{{1,2}})?/webhooks/){_OCR_SPACE}"
        rf"(?P<secret>{_body('[0-9]', '17,20')}{_BRK}?/{_vbody(_B64URL, 60)})"), ("discord",), 1, fold=True),
    # the user part is a snowflake in base64, so it starts with M, N or O (base64 of an ASCII digit)
    _Rule("discord_bot", re.compile(
        rf"(?P<secret>(?P<user>[MNO](?<![A-Za-z0-9_.-][MNO]){_vbody(_B64URL, 22)}){_DOT}"
        rf"(?P<ts>{_vbody(_B64URL, 6)}){_DOT}(?P<hmac>{_vbody(_B64URL, 27)}))(?![A-Za-z0-9_-])(?P<prefix>)"),
          (), 2, lambda m: _valid_discord_token(*(_squash(m.group(g)) for g in ("user", "ts", "hmac"))),
          anchored=False, shape="discord"),
    # JWTs, all three parts.
    _Rule("jwt", re.compile(
        rf"(?<![A-Za-z0-9_-])(?P<prefix>)(?P<secret>(?P<header>eyJ{_vbody(_B64URL, 10)}){_DOT}"
        rf"eyJ{_vbody(_B64URL, 10)}{_DOT}{_vbody(_B64URL, 10)})(?![A-Za-z0-9_-])"),
          ("eyJ",), 2, lambda m: _valid_jwt(_squash(m.group("header")))),
    # AWS secret access keys: 40 base64 characters named as such, or next to an access key id.
    _Rule("aws_secret_key", re.compile(
        r"(?i:aws[_ -]?secret[_ -]?(?:access[_ -]?)?key|secret[_ -]?access[_ -]?key|secretkey)[\"']?\s{0,3}(?:=|:|=>)"
        r"\s{0,3}[\"']?(?P<prefix>)(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"), ("aws", "secret"), 2,
          _body_random(), fold=True),
    _Rule("aws_secret_key", re.compile(
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}[^\n]{0,120}?(?<![A-Za-z0-9/+])(?P<prefix>)"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"), _AWS_IDS, 3, lambda m: _looks_random(m.group("secret"), 3)),
    # scheme://user:password@host
    _Rule("url_password", re.compile(
        r"(?<=[A-Za-z0-9])://[^\s:/?#@'\"<>`|]{0,100}:(?P<prefix>)(?P<secret>[^\s/?#@'\"<>`|]{1,200})@"
        r"(?=[A-Za-z0-9\[])"), ("://",), 4, lambda m: _url_password(m.group("secret"))),
    # Authorization: Bearer|Basic|Token <opaque value>, and bare "Bearer <opaque value>".
    _Rule("auth_header", re.compile(
        r"(?i:authorization[\"']?\s{0,3}[:=]\s{0,3}[\"']?\s{0,3}(?:bearer|basic|token)\s{1,3}|bearer\s{1,3})"
        r"(?P<prefix>)(?P<secret>[A-Za-z0-9._~+/-]{8,4096}=*)"), ("authorization", "bearer"), 4,
          _opaque_value_in_place, fold=True),
    # password= / secret: / token= / api_key= style assignments whose value looks random.
    # (the keyword starts a word or a camelCase part: `clientSecret` yes, `bypass` no)
    _Rule("secret_assignment", re.compile(
        r"(?:(?<![a-z])|(?=[A-Z]))"
        r"(?i:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|credentials?)"
        r"[A-Za-z0-9_-]{0,20}[\"']?\s{0,3}(?::=|=>|=|:)\s{0,3}(?:[rbf]?[\"'`])?(?P<prefix>)"
        r"(?P<secret>[^\s\"'`;,<>(){}\[\]|=]{7,255}(?<![:.!?])={0,3})"),
          ("pass", "pwd", "secret", "token", "api", "access", "auth", "credential"), 5,
          _opaque_value_in_place, fold=True),
)

_PRIVATE_KEY_END = re.compile(r"-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----")
_KEY_LINE = re.compile(r"[ \t]*(?:[A-Za-z0-9+/=]{8,}|[A-Za-z-]{2,30}:[^\n]*|)[ \t]*\r?")

# The one pass over the lowercased text: it finds every trigger literal of the anchored rules (a message with
# none is returned at once) and the few shapes that call for the other work: an escape that may hide a token
# (percent-encoding, JSON, zero-width characters) and the prefix-less Telegram and Discord bot tokens.
# Every top-level branch starts with a literal character, so sre skips the other characters in C.
_LITERALS = sorted({t.lower() for r in _RULES if r.anchored for t in r.triggers}, key=len, reverse=True)
_SHAPES = {
    "escape": [r"%(?=[0-9a-f]{2})", r'\\(?=[nrtu/"\\])', *map(re.escape, _ZERO_WIDTH)],
    "telegram": [r":(?<=[0-9]:)(?=a|\r?\n)", r"\n(?<=[0-9]\n)(?=[ \t]*[0-9]{0,15}:a)",
                 r"\r(?<=[0-9]\r)(?=\n[ \t]*[0-9]{0,15}:a)"],
    "discord": [r"\.(?=[a-z0-9_-]{6,7}\.|[a-z0-9_-]{0,6}\r?\n[^.]{0,20}\.)"],
}
_SHAPE_OF_FIRST = {"%": "escape", "\\": "escape", **dict.fromkeys(_ZERO_WIDTH, "escape"),
                   ":": "telegram", "\n": "telegram", "\r": "telegram", ".": "discord"}
# the shapes consume one character only, so they never hide a literal that follows
_LOCATOR = re.compile("|".join(_trie_branches(_LITERALS) + [b for bs in _SHAPES.values() for b in bs]))


def _rules_at_literal(literal: str) -> tuple[tuple[str | None, tuple[int, ...]], ...]:
    """For a lowercased literal the locator found: each rule trigger it stands for (None when the rules
    ignore case) and those rules' indices. At an `sk-ant-` hit the `sk-` rules must look too, so the shorter
    literals it starts with count as well."""
    rules: dict[str | None, list[int]] = {}
    for i, r in enumerate(_RULES):
        for t in r.triggers if r.anchored else ():
            if literal.startswith(t.lower()):
                rules.setdefault(None if r.fold else t, []).append(i)
    return tuple((t, tuple(ids)) for t, ids in rules.items())


_RULES_AT_LITERAL = {literal: _rules_at_literal(literal) for literal in _LITERALS}
# the shapes' first characters -> the unanchored rules they call for (none for an escape: it calls for decoding)
_RULES_AT_SHAPE: dict[str, tuple[int, ...]] = {
    c: tuple(i for i, r in enumerate(_RULES) if r.shape == shape) for c, shape in _SHAPE_OF_FIRST.items()}


def _locate(text: str, lower: str) -> tuple[dict[int, list[int]], bool]:
    """Each rule to try with where its triggers occur (case-sensitive ones checked against `text`; empty
    for the unanchored rules whose shape was seen, they search), and whether an escape was seen."""
    starts: dict[int, list[int]] = {}
    escape = False
    for m in _LOCATOR.finditer(lower):
        found = m.group()
        at_literal = _RULES_AT_LITERAL.get(found)
        if at_literal is None:
            shape_rules = _RULES_AT_SHAPE[found]
            if not shape_rules:
                escape = True
            for r in shape_rules:
                starts.setdefault(r, [])
            continue
        i = m.start()
        for trigger, rules in at_literal:
            if trigger is None or text.startswith(trigger, i):
                for r in rules:
                    starts.setdefault(r, []).append(i)
    return starts, escape


# ---------------------------------------------------------------------------------------------- decoding

# (percent-encoding of ASCII only: a byte of a multi-byte UTF-8 sequence is no token character)
_ESCAPE = re.compile(r"%[0-7][0-9A-Fa-f]|\\u[0-9A-Fa-f]{4}|\\[nrt\"\\/]|[" + _ZERO_WIDTH + "]")
# every escape but \uXXXX -> what it stands for, looked up instead of parsed
_UNESCAPED = {
    **{f"%{h}{l}": chr(int(h + l, 16)) for h in "01234567" for l in "0123456789abcdefABCDEF"},
    **{"\\" + c: d for c, d in {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.items()},
    **dict.fromkeys(_ZERO_WIDTH, ""),
}


def _decoded_view(text: str) -> tuple[str, list[int]] | None:
    """The text with percent-encoding, JSON escapes and zero-width characters undone, and for each decoded
    character (plus one past the end) its offset in `text`. None when there is nothing to undo."""
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for m in _ESCAPE.finditer(text):
        seq = m.group()
        decoded = _UNESCAPED.get(seq)
        if decoded is None:
            decoded = chr(int(seq[2:], 16))  # \uXXXX
        start = m.start()
        pieces.append(text[last:start])
        origin.extend(range(last, start))
        if decoded:  # one character; a zero-width one decodes to nothing
            pieces.append(decoded)
            origin.append(start)
        last = m.end()
    if not pieces:
        return None
    pieces.append(text[last:])
    origin.extend(range(last, len(text)))
    origin.append(len(text))
    return "".join(pieces), origin


def _decoded(text: str, depth: int = 3) -> tuple[str, list[int]] | None:
    """The text decoded up to `depth` times (JSON inside JSON is escaped twice), with each character's
    offset in `text` (plus one past the end). None when there is nothing to undo."""
    decoded = _decoded_view(text)
    if decoded is None:
        return None
    text, origin = decoded
    for _ in range(depth - 1):
        view = _decoded_view(text)
        if view is None:
            break
        text, step = view
        origin = [origin[i] for i in step]
    return text, origin


# ---------------------------------------------------------------------------------------------- scanning


# A candidate finding: (rank, start, end, kind, prefix, secret), a plain tuple (there may be many per message).
_Candidate = tuple[int, int, int, str, str, str]


def _private_key_end(text: str, header_end: int, end_marker: re.Match[str] | None) -> int:
    """End of a private key block: the next END line or, for a truncated paste, the last line that still
    looks like key material (base64 or `Proc-Type:`-style headers). The header's own line always counts."""
    if end_marker is not None:
        return end_marker.end()
    pos = text.find("\n", header_end)
    if pos < 0:
        return len(text)
    while pos < len(text):
        line_end = text.find("\n", pos + 1)
        line_end = len(text) if line_end < 0 else line_end
        if not _KEY_LINE.fullmatch(text, pos + 1, line_end):
            break
        pos = line_end
    return pos


def _scan(text: str, starts: dict[int, list[int]]) -> list[_Candidate]:
    found: list[_Candidate] = []
    end_marker: re.Match[str] | None = None
    end_searched = False
    for index in sorted(starts):
        rule = _RULES[index]
        for m in rule.find(text, starts[index]):
            prefix = m.group("prefix")
            if rule.kind == "private_key":
                # one forward search for END markers however many BEGIN headers there are
                if not end_searched or (end_marker is not None and end_marker.start() < m.end()):
                    end_marker, end_searched = _PRIVATE_KEY_END.search(text, m.end()), True
                start, end = m.start(), _private_key_end(text, m.end(), end_marker)
                secret = text[start:end]
            else:
                start, end = m.start("prefix") if prefix else m.start("secret"), m.end("secret")
                secret = _squash(m.group("secret"))
            found.append((rule.rank, start, end, rule.kind, prefix, prefix + secret))
    return found


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the most specific finding where several overlap (an hf_ token inside a URL password)."""
    if len(candidates) == 1:
        return candidates
    starts: list[int] = []  # chosen spans, disjoint, kept sorted by start
    chosen: list[_Candidate] = []
    for c in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        _, start, end = c[:3]
        i = bisect.bisect_left(starts, start)
        if (i == 0 or chosen[i - 1][2] <= start) and (i == len(chosen) or end <= chosen[i][1]):
            starts.insert(i, start)
            chosen.insert(i, c)
    return chosen


def redact(text: str) -> Redaction:
    """Find every credential in `text` and replace it with its public prefix + [REDACTED]."""
    starts, escape = _locate(text, text.lower())
    candidates = _scan(text, starts) if starts else []
    # a token may hide behind percent-encoding, JSON escapes or zero-width characters
    if escape and (view := _decoded(text)) is not None:
        decoded, origin = view
        candidates += [(rank, origin[start], origin[end], kind, prefix, secret) for rank, start, end, kind, prefix, secret
                       in _scan(decoded, _locate(decoded, decoded.lower())[0])]
    if not candidates:
        return Redaction(text)
    findings = tuple(SecretFinding(kind, start, end, prefix, secret)
                     for _, start, end, kind, prefix, secret in _select(candidates))
    parts: list[str] = []
    last = 0
    for f in findings:
        parts.append(text[last:f.start])
        parts.append(f.replacement)
        last = f.end
    parts.append(text[last:])
    return Redaction("".join(parts), findings)


def hf_tokens(text: str) -> list[str]:
    """The normalised Hugging Face tokens (user, OAuth, org) found in `text`, for revocation."""
    return redact(text).hf_tokens()
