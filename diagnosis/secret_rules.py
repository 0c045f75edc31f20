"""The credential rules: where each kind of secret is, in the text people paste.

Each rule is tried only where one of its triggers occurs (`redact.py` locates them all in one pass) and
returns hits: (start, end, public prefix, normalised secret). Formats follow the public rules of gitleaks,
TruffleHog and python-discord's token filter.

Disguises the patterns see through themselves:
- a line break inside a token (plus the next line's indentation or `> ` quote);
- OCR's one or two spaces, at up to two places inside a token retyped from a screenshot. Only where the
  token's length is known (a fixed-length body, a part between two dots or dashes, a last part whose
  valid lengths are known: a JWT signature, a Discord HMAC, a Slack secret): the joined text must have
  exactly that length, so words around a token are never pulled into it.
Every pattern is linear (bounded or possessive repetitions, no nested unbounded quantifiers).
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from .secret_checks import (
    base64_text,
    credential_text,
    high_entropy,
    looks_random,
    opaque_value,
    password_value,
    secret_name,
    valid_discord_token,
    valid_jwt,
)

# A hit: start and end in the text, the public prefix kept visible, the secret with its disguises undone.
Hit = tuple[int, int, str, str]

# A line break inside a token: the break, then the next line's indentation and an optional `> ` quote.
_BRK = r"(?:\r?\n[ \t]*(?:>[ \t]?)?)"
_SPLIT = rf"(?:{_BRK}|[ ]{{1,2}})"  # a line break, or OCR's one or two spaces
_OCR_AFTER_PREFIX = "[ ]{0,2}"
_MAX_SPACE_SPLITS = 2
_MAX_PIECES = 8  # a long signature wrapped over several lines
_ALNUM = "[A-Za-z0-9]"
_B64URL = "[A-Za-z0-9_-]"
_L = r"(?<![A-Za-z0-9])"  # left boundary: not glued to a preceding letter or digit
_R = r"(?![A-Za-z0-9])"
# A Hugging Face token glued to the word before it ("Bearerhf_…", "token:1hf_…" after a lost space) is still one:
# "hf_" and 34 random letters and digits are rare enough anywhere else (not inside a longer token, though).
_GLUED = r"(?<![A-Za-z0-9_-][A-Za-z0-9_-]{40})"
_RW = r"(?![A-Za-z0-9_-])"
# A line break may not continue a token into the next line when that line starts by naming a variable
# (`NEXT_KEY=`): a .env file's next entry is not the token's tail.
# (`x = 1`, `x=1` and `x: 1` name a variable; `abc==` ends in base64 padding)
_NOT_A_NAME = r"(?![\w.-]+(?:[ \t]*:|[ \t]+=|=(?![=\s]|$)))"


def _body(charset: str, count: int | str, ocr: bool = True) -> str:
    """`count` characters of `charset`, possibly split by line breaks (and OCR spaces when `ocr`). The
    unbroken run is tried first: it is sre's tight loop; the per-character group, much slower, only where
    a break follows a run of `charset` (else it could only fail the same way)."""
    low, _, high = str(count).partition(",")
    rest = f"{int(low) - 1},{int(high) - 1}" if high else int(low) - 1  # a break is never the first character
    split, gate = (_SPLIT, r"(?:\r?\n| )") if ocr else (_BRK, r"\r?\n")
    return (f"(?:{charset}{{{count}}}|(?={charset}{{0,{high or low}}}+{gate}){charset}(?:{split}?{charset}){{{rest}}})")


def _vbody(charset: str, low: int) -> str:
    """At least `low` characters of `charset`; line breaks may split them (see _NOT_A_NAME), OCR spaces may
    not (the length is unknown). Possessive and unbounded: an over-long run is taken whole (and judged by
    the rule) in one step."""
    return f"{_body(charset, low, ocr=False)}{charset}*+(?:{_BRK}{_NOT_A_NAME}{charset}++)*+"


def _part(charset: str) -> str:
    """A part of a token that a separator (a dot, a dash) must follow: any breaks inside it can be joined."""
    return f"{charset}*+(?:{_SPLIT}{charset}++)*+"


def _tail(charset: str) -> str:
    """A token's last part, of a length the rule's `tail_lengths` knows: unbroken here; the pieces that a
    line break or OCR spacing may have split from it are captured as `more` (see _TokenRule._end)."""
    return f"(?P<tail>{charset}++)"


def _more(charset: str) -> str:
    """The pieces after a token's `tail` that OCR spaces or line breaks may have split from it."""
    return f"(?P<more>(?:(?:[ ]{{1,2}}|{_BRK}{_NOT_A_NAME}){charset}++){{0,{_MAX_PIECES}}})"


def _spaced(literal: str) -> str:
    """A literal inside a token, which a break may split too."""
    return f"{_SPLIT}?".join(re.escape(c) for c in literal)


_SPACE_SPLIT = re.compile(r"(?<=\S)[ ]{1,2}(?=\S)")
_PIECE = re.compile(r"\s+(?:>[ \t]?)?([^\s>]+)")
_LINE_BREAK = re.compile(_BRK)
_BREAK_CHARS = re.compile(r"\s+|>")
_PROSE_WORD = re.compile(r"(?=[^aeiouy]*[aeiouy])[A-Za-z]?[a-z]{2,}[.!?,:;]*")  # `in`, `Thanks!` (not `tfkt`)
_NOT_CONTINUED = frozenset({"none", "null", "true", "false", "nil", "undefined"})


def _wrapped_end(wrap: re.Pattern[str], text: str, end: int, first: str) -> int:
    """Where a value that a line break may have wrapped ends: past the first piece of the next line
    (`wrap` matches the break and the piece) unless that piece is a word of prose or starts a comment,
    or the value's first line is a word (`password: none` / `thanks`, `token = x` / `# note`)."""
    m = wrap.match(text, end)
    if m is None or m.group("piece").startswith(("#", "//", "/*")) or _PROSE_WORD.fullmatch(m.group("piece")):
        return end
    if first.lower() in _NOT_CONTINUED or (first.islower() and len(first) > 3 and _PROSE_WORD.fullmatch(first)):
        return end
    return m.end("piece")


def squash(s: str) -> str:
    """Undo line-break and OCR-space disguises inside a token."""
    return _BREAK_CHARS.sub("", s) if ("\n" in s or " " in s) else s


# ---------------------------------------------------------------------------------------------- rule types


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """Tried where one of `triggers` occurs (in the lowercased text when `fold`); a rule without triggers
    searches the whole text when the locator saw its `shape`."""

    kind: str
    rank: int  # lower wins when two hits overlap
    triggers: tuple[str, ...] = ()
    fold: bool = False
    shape: str = ""
    at_trigger: bool = False  # its hits start where its trigger is (a vendor prefix)

    def find(self, text: str, starts: list[int]) -> list[Hit]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class _TokenRule(Rule):
    """A regex with groups `prefix` (the public part, may be empty) and `secret`; `accept(match, body)`
    judges the body with its disguises undone. Where the last part's valid lengths are known
    (`tail_lengths`), the pattern also captures `tail` and the pieces after it (`more`), and the pieces
    are joined only to make one of those lengths; else the unbroken tail must have `tail_min`. A value
    whose length is unknown may go on after a line break when `wrapped` says how (see _wrapped_end)."""

    pattern: re.Pattern[str]
    accept: Callable[[re.Match[str], str], bool] = lambda m, body: True
    tail_lengths: frozenset[int] = frozenset()
    tail_min: int = 0
    wrapped: re.Pattern[str] | None = None  # how the next line may continue a value (see _wrapped_end)

    def find(self, text: str, starts: list[int]) -> list[Hit]:
        hits: list[Hit] = []
        pos = 0
        if self.triggers:
            match = self.pattern.match
            for i in starts:
                if i < pos or (m := match(text, i)) is None:
                    continue
                hit = self._hit(m)
                if hit is not None:
                    hits.append(hit)
                    pos = hit[1]
                elif m.group("prefix"):  # a rejected prefixed token: its body holds no other token
                    pos = m.end()
            return hits
        search = self.pattern.search
        while (m := search(text, pos)) is not None:
            hit = self._hit(m)
            if hit is None:
                pos = m.start() + 1
            else:
                hits.append(hit)
                pos = hit[1]
        return hits

    def _end(self, m: re.Match[str]) -> int | None:
        """Where the token ends: when its last part has a known length, after the most pieces that join
        to one (a split token's tail must not stay visible); else where the pattern ended, if the last
        part is long enough. None: too short (or, when the last part is optional, before it)."""
        end = m.end("secret")
        if self.wrapped is not None:
            return _wrapped_end(self.wrapped, m.string, end, m.group("secret"))
        if not self.tail_lengths or m.group("tail") is None:
            return end
        unbroken = length = len(m.group("tail"))
        joined = end if length in self.tail_lengths else None
        for piece in _PIECE.finditer(m.group("more") or ""):
            length += len(piece.group(1))
            if length in self.tail_lengths:
                joined = m.start("more") + piece.end()
        if joined is not None:
            return joined
        # a last part that only a space or a line break joins to the token, at no length the token's own could
        # have, is the next word (or the next token), not this one's end: an unsigned JWT ends at its dot
        split_off = "dot" in m.re.groupindex and m.group("dot") is not None and m.start("tail") > m.end("dot")
        if unbroken >= self.tail_min and not split_off:
            return end
        return m.end("dot") if "dot" in m.re.groupindex else None

    def _hit(self, m: re.Match[str]) -> Hit | None:
        end = self._end(m)
        if end is None:
            return None
        text, secret_start, prefix = m.string, m.start("secret"), m.group("prefix")
        raw = text[secret_start:end]
        if " " in raw and len(_SPACE_SPLIT.findall(raw)) > _MAX_SPACE_SPLITS:
            return None
        body = squash(raw)
        if not self.accept(m, body):
            return None
        return (m.start("prefix") if prefix else secret_start), end, prefix, prefix + body


def _random(min_classes: int = 2) -> Callable[[re.Match[str], str], bool]:
    return lambda m, body: looks_random(body, min_classes)


def _prefixed(prefix_re: str, charset: str, count: int | str, right: str = _R, *,
              left: str = _L) -> re.Pattern[str]:
    """A vendor prefix and a fixed-length body (OCR spaces allowed after the prefix and inside the body)."""
    return re.compile(f"{left}(?P<prefix>{prefix_re}){_OCR_AFTER_PREFIX}(?P<secret>{_body(charset, count)}){right}")


# ---------------------------------------------------------------------------------------------- assignments

# Names that say "the value is a secret", matched at a word start or a camelCase part
# (`clientSecret`, `DB_PASSWORD`, `user_auth`; not `bypass`, `author`).
_SECRET_KEYWORD = (r"(?i:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key"
                   r"|auth(?![A-Za-z])|credentials?|creds|private[_-]?key)"
                   # the name's word ends here (not `Passport`, `tokens`, `TOKENIZER`), or goes on with a word
                   # that still names the value (`secretkey`, `TOKENVALUE`, `passwordId`)
                   r"(?:(?=(?i:key|value|val|str|string|hash|id|ids|name|file|path|url|env|var|text|data)(?![a-z]))"
                   r"|(?![a-z])(?![A-Z]{2}))")
_SECRET_TRIGGERS = ("pass", "pwd", "secret", "token", "api", "access", "auth", "credential", "creds", "private")
# What may follow a name before its value: the name's closing quote or bracket (`os.environ["X"]`), a
# type (`var x string`, `token: str`), and one of the assignment operators of shells, config files and
# languages (`=`, `:`, `:=`, `::=`, `?=`, `.=`, `=>`, `==`, `<-`), or `("NAME", "value")`.
_CLOSE = r"(?:[\"'`]\]?|\])?"
_TYPE = r"(?:[ \t]*:[ \t]*[A-Za-z_][\w.\[\]]{0,20}(?=[ \t]*=)|[ \t]+[A-Za-z_][\w.\[\]]{0,20}(?=[ \t]*=))?"
_OPERATOR = r"(?::{1,3}=|\?\??=|\.=|\+=|=>|==?|<-|:)"
_ASSIGNMENT = re.compile(
    rf"(?:(?<![a-z])|(?=[A-Z])){_SECRET_KEYWORD}(?P<after>[A-Za-z0-9_.-]{{0,30}}){_CLOSE}{_TYPE}"
    r"(?P<op>[ \t]{0,3}=[ \t]{0,3}\[?\([ \t]*[\"'][^\"'\n]{1,64}[\"'][ \t]*,[ \t]*(?=[rbfu]?[\"'])"  # auth=("user", "pw")
    r"|[ \t]{0,3}" + _OPERATOR + r"[ \t]{0,3}(?:[|>][-+]?[ \t]*(?=\r?\n))?"  # (a YAML block scalar)
    r"|(?<=[\"'`])[ \t]?,[ \t]{0,3}(?=[\"'`])"  # ("NAME", "value")
    r"|(?<=[\"'`])[ \t]+value[ \t]*=[ \t]*"  # <add key="ApiToken" value="...">
    r"|[ \t]*(?:,|\r?\n)[ \t]*(?:-[ \t]+)?[\"']?value[\"']?[ \t]*[:=][ \t]*"  # name: X / value: ... pairs
    r"|(?:[ \t][^<>\n]{0,80})?>(?=\s*[^\s<])"  # <password>...</password> (checked: the name follows "<")
    r"|[ \t]+(?=[^\s-]))"  # --password VALUE (checked: the name follows "--")
    r"(?P<newline>[ \t]*\r?\n[ \t]*)?(?P<quote>[rbfu]?[\"'`])?")
_VENDOR_PREFIX = re.compile(r"hf_|api_org_|sk-|gh[pousr]_|github_pat_|A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AIza|xox[abposre][.-]"
                            r"|xapp-|[sr]k_(?:live|test|prod)_|r8_|gsk_|wandb_v1_|eyJ")
_NAME_CHARS = string.ascii_letters + string.digits + "_.:-"
_CLOSING_TAG = re.compile(r"[^<]{0,40}</")  # (a wrapped value's rest may come first)
_CALL_OPENING = re.compile(r"\([ \t]*[\"'`]$")
# (an `=` or `:` ends it, but for base64 padding: `a=b=c` is a chain of assignments, each judged on its own)
_UNQUOTED = re.compile(r"[^\s\"'`;,<>(){}\[\]|&=:]+(?:=+(?![^\s\"'`;,<>(){}\[\]|&:]))?")
# The next line of a wrapped value, and the piece of the value on it.
_WRAPPED_VALUE = re.compile(rf"{_BRK}{_NOT_A_NAME}(?P<piece>[^\s\"'`;,<>(){{}}\[\]|&=:]+=*)")
_TRAILING_PUNCTUATION = ".:!?,"


def _quoted_value(text: str, start: int, quote: str) -> tuple[int, int] | None:
    """The span of a quoted value: up to its closing quote on the same line, or on the next one when the
    value is wrapped across a line break. None: not closed."""
    pos = start
    while True:
        close = text.find(quote, pos)
        newline = text.find("\n", pos)
        if close >= 0 and (newline < 0 or close < newline):
            if close > 0 and text[close - 1] == "\\":  # an escaped quote inside the value
                pos = close + 1
                continue
            return start, close
        if newline < 0 or pos != start:
            return None
        pos = newline + 1  # one wrapped line at most


def _unquoted_value(text: str, start: int) -> tuple[int, int] | None:
    m = _UNQUOTED.match(text, start)
    if m is None:
        return None
    end = m.end()
    while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
        end -= 1
    if end == m.end():
        end = _wrapped_end(_WRAPPED_VALUE, text, end, text[start:end])
    return (start, end) if end > start else None


@dataclass(frozen=True, slots=True, kw_only=True)
class _AssignmentRule(Rule):
    """`password = "..."`, `"apiKey": "..."`, `os.environ["DB_PASSWORD"] = "..."`, `docker run -e
    ADMIN_PASSWORD=...`, `<password>...</password>`, `--token ...`: a value after a name that says it is a
    secret, when the value looks like one (see secret_checks.opaque_value) and the name is the secret's,
    not its id's or file's."""

    def find(self, text: str, starts: list[int]) -> list[Hit]:
        hits: list[Hit] = []
        pos = 0
        for i in starts:
            if i < pos or (m := _ASSIGNMENT.match(text, i)) is None:
                continue
            quote = m.group("quote")
            span = _quoted_value(text, m.end(), quote[-1]) if quote else None
            if span is None:
                span, quote = _unquoted_value(text, m.end()), None
            if span is None:
                continue
            hit = self._value(text, m, span, quote)
            if hit is not None:
                hits.append(hit)
                pos = hit[1]
            elif quote is None:  # an unquoted value holds no operator, so no assignment after its own start
                pos = span[0]
        return hits

    @staticmethod
    def _value(text: str, m: re.Match[str], span: tuple[int, int], quote: str | None) -> Hit | None:
        start, end = span
        if _VENDOR_PREFIX.match(text, start):  # a vendor's format: its own rule judges it
            return None
        if text.startswith(("(", "[", "..", "\u2026"), end + (1 if quote else 0)):  # code, or an elided example
            return None
        window = text[max(0, m.start() - 40):m.start()]
        before = window[len(window.rstrip(_NAME_CHARS)):]  # the rest of the name, before its keyword
        op = m.group("op")
        name_start = m.start() - len(before)
        if op.endswith(">") and (text[name_start - 1:name_start] != "<" or not _CLOSING_TAG.match(text, end)):
            return None
        if op.isspace() and not before.startswith("--"):
            return None
        if op.lstrip().startswith(",") and not _CALL_OPENING.search(text, max(0, name_start - 8), name_start):
            return None  # ("NAME", "value") is a call's first two arguments, not two items of a list
        if not secret_name(before, m.group("after")):
            return None
        value = text[start:end]
        if "\n" in value:  # wrapped: the line break and the next line's indentation are not the value's
            value = _LINE_BREAK.sub("", value)
        return (start, end, "", value) if opaque_value(value) else None


# ---------------------------------------------------------------------------------------------- other rules


_HEX40 = re.compile(rf"(?<![0-9A-Za-z@/#])(?P<prefix>local-)?(?P<secret>{_body('[0-9a-f]', 40)})(?![0-9A-Za-z])")
_WANDB_WINDOW = 300  # how far from a W&B mention a legacy key may be
_KEY_WORDS = re.compile(r"(?i:key|api|login|token|password|passwd|auth|secret|netrc|credential)")
_HASH_WORDS = re.compile(r"(?i:commit|sha(?:-?\d+)?|hash|e-?tag|checksum|digest|revision|rev|oid|blob|tree|head"
                         r"|ref|md5|fingerprint|checkout|checked out|git|version|build|merge|parent)(?![a-z])")
_CHECKSUM_LINE = re.compile(r"(?: [ *]|\t)[^\s]+\.[A-Za-z0-9]+")  # sha1sum's `<hex>  file.ext`


@dataclass(frozen=True, slots=True, kw_only=True)
class _WandbLegacyRule(Rule):
    """A legacy W&B API key: 40 lowercase hex characters near a W&B mention (`wandb login`, `WANDB_API_KEY`,
    "W&B key", a wandb error), in chat, logs, JSON or a path; not a git commit, an ETag or a checksum,
    which the words just before or after it name."""

    def find(self, text: str, starts: list[int]) -> list[Hit]:
        hits: list[Hit] = []
        searched = 0
        for i in starts:
            lo = max(searched, i - _WANDB_WINDOW)
            hi = min(len(text), i + _WANDB_WINDOW + 64)  # room for a key that starts in the window
            for m in _HEX40.finditer(text, lo, hi):
                if m.end() == hi < len(text) and text[hi].isalnum():  # cut by the window, not a key's end
                    continue
                if self._is_key(text, m):
                    prefix = m.group("prefix") or ""
                    hits.append((m.start(), m.end(), prefix, prefix + squash(m.group("secret"))))
                searched = m.end()
            searched = max(searched, hi - 64)
        return hits

    @staticmethod
    def _is_key(text: str, m: re.Match[str]) -> bool:
        body = squash(m.group("secret"))
        if not looks_random(body):
            return False
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        before = text[max(line_start, m.start() - 48):m.start()]
        after = text[m.end():min(m.end() + 24, len(text) if line_end < 0 else line_end)]
        key = max((k.end() for k in _KEY_WORDS.finditer(before)), default=-1)
        hashed = max((h.end() for h in _HASH_WORDS.finditer(before)), default=-1)
        if hashed > key:
            return False
        return key >= 0 or not (_HASH_WORDS.search(after) or _CHECKSUM_LINE.match(after))


# A shell word (a quoted part may be wrapped across a line break; an unquoted one is continued by
# _wrapped_end), after curl's -u/--user (`user:password`) or mysql's -p (the password, glued to it).
_SHELL_WORD = rf"(?P<word>(?:\"(?:[^\"\n]|{_BRK}(?=[^\"\n]*\"))*\"|'(?:[^'\n]|{_BRK}(?=[^'\n]*'))*'|[^\s\"'])+)"
_COMMAND_PASSWORD = {
    "curl": re.compile(rf"(?<=[ \t\n])(?:-u|--user)(?:=|[ \t]{{1,5}}){_SHELL_WORD}"),
    "mysql": re.compile(rf"(?<=[ \t\n])-p{_SHELL_WORD}"),
}
_COMMAND_WRAP = re.compile(rf"{_BRK}(?P<piece>[^\s\"'\\]+)")
_COMMAND_REACH = 6, 1500  # how far an option may be from its command: lines (continued), characters


def _shell_word(text: str, start: int, end: int) -> list[int]:
    """Offsets of a shell word's characters once its quotes and line breaks (with the next line's
    indentation) are removed."""
    chars: list[int] = []
    quote = ""
    indent = False
    for i in range(start, end):
        c = text[i]
        if c in "\r\n" or (indent and c in " \t>"):
            indent = True
        elif quote and c == quote:
            quote, indent = "", False
        elif not quote and c in "\"'":
            quote, indent = c, False
        else:
            chars.append(i)
            indent = False
    return chars


@dataclass(frozen=True, slots=True, kw_only=True)
class _CommandPasswordRule(Rule):
    """A password on a command line: `curl -u user:password` / `--user "user:password"` (for `-u token:`,
    the user part, which is then an API key) and `mysql -pPASSWORD`, when it is neither a placeholder nor
    a variable."""

    def find(self, text: str, starts: list[int]) -> list[Hit]:
        hits: list[Hit] = []
        searched = 0
        lines, chars = _COMMAND_REACH
        for i in starts:
            if i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
                continue
            option = _COMMAND_PASSWORD["curl" if text[i:i + 4].lower() == "curl" else "mysql"]
            end = i
            for _ in range(lines):
                end = text.find("\n", end + 1, i + chars)
                if end < 0:
                    end = min(len(text), i + chars)
                    break
            for m in option.finditer(text, max(i, searched), end):
                hit = self._password(text, m, option is _COMMAND_PASSWORD["curl"])
                if hit is not None:
                    hits.append(hit)
            searched = max(searched, end)
        return hits

    @staticmethod
    def _password(text: str, m: re.Match[str], user_and_password: bool) -> Hit | None:
        end = _wrapped_end(_COMMAND_WRAP, text, m.end("word"), m.group("word").rsplit(":", 1)[-1])
        chars = _shell_word(text, m.start("word"), end)
        word = "".join(text[i] for i in chars)
        if not password_value(word):
            return None
        secret = chars
        if user_and_password:
            if ":" not in word:
                return None
            colon = word.index(":")
            secret = chars[colon + 1:] or chars[:colon]  # `-u token:` sends the token as the user name
        value = "".join(text[i] for i in secret)
        if len(value) < 6 or not password_value(value) or not high_entropy(value, 2.0):
            return None
        return secret[0], secret[-1] + 1, "", value


_PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?!\[REDACTED\])")
_PRIVATE_KEY_END = re.compile(r"-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----")
_KEY_LINE = re.compile(r"[ \t]*(?:[A-Za-z0-9+/=]{8,}|[A-Za-z-]{2,30}:[^\n]*|)[ \t]*\r?")
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/]{16,}")
_MIN_KEY_MATERIAL = 64  # base64 characters: a key's first line; an empty or elided block has none


@dataclass(frozen=True, slots=True, kw_only=True)
class _PrivateKeyRule(Rule):
    """A PEM private key block with key material in it, removed whole: to its END line or, for a
    truncated paste, to the last line that still looks like key material."""

    def find(self, text: str, starts: list[int]) -> list[Hit]:
        hits: list[Hit] = []
        end_marker: re.Match[str] | None = None
        end_searched = False
        pos = 0
        for n, i in enumerate(starts):
            if i < pos or (m := _PRIVATE_KEY_BEGIN.match(text, i)) is None:
                continue
            # one forward search for END markers however many BEGIN headers there are
            if not end_searched or (end_marker is not None and end_marker.start() < m.end()):
                end_marker, end_searched = _PRIVATE_KEY_END.search(text, m.end()), True
            end = self._end(text, m.end(), end_marker)
            # the key material is between the header and its END line, or the next header
            material_end = end_marker.start() if end_marker is not None and end_marker.end() == end else end
            if n + 1 < len(starts):
                material_end = min(material_end, starts[n + 1])
            if not self._has_material(text, m.end(), material_end):
                continue
            hits.append((m.start(), end, m.group(), text[m.start():end]))
            pos = end
        return hits

    @staticmethod
    def _has_material(text: str, start: int, end: int) -> bool:
        material = 0
        for run in _KEY_MATERIAL.finditer(text, start, end):
            material += run.end() - run.start()
            if material >= _MIN_KEY_MATERIAL:
                return True
        return False

    @staticmethod
    def _end(text: str, header_end: int, end_marker: re.Match[str] | None) -> int:
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


# ---------------------------------------------------------------------------------------------- acceptance

def _slack(m: re.Match[str], body: str) -> bool:
    """Numeric ids, then the secret: random, and as long as Slack makes them (a configuration token's
    is over 100 characters); ids as short as `1234` are a docs placeholder."""
    *ids, secret = body.split("-")
    if m.group("prefix").startswith("xoxe"):
        return len(secret) >= 100 and looks_random(secret)
    return len(secret) >= 8 and any(len(i) >= 5 for i in ids) and looks_random(secret)


def _telegram(m: re.Match[str], body: str) -> bool:
    key = body.split(":", 1)[1]
    return key.startswith("A") and looks_random(key)


def _discord(m: re.Match[str], body: str) -> bool:
    return body.count(".") == 2 and valid_discord_token(body)


def _jwt(m: re.Match[str], body: str) -> bool:
    return body.count(".") == 2 and valid_jwt(body)


_AUTH_VALUE = "[A-Za-z0-9._~+/@-]"
# the schemes that may end a line, the value on the next one (any other word must be followed by a space)
_SCHEMES = "(?i:bearer|basic|token|api-token|digest|negotiate|oauth|bot)"
# A signature's length by algorithm: HMAC/ECDSA/EdDSA (32, 48, 64, 66, 96, 132 bytes) and RSA (1024-4096 bits).
_JWT_SIGNATURE_LENGTHS = frozenset({43, 64, 86, 88, 128, 171, 176, 342, 512, 683})
_DOT = rf"{_SPLIT}?\.{_SPLIT}?"
_AWS_IDS = ("A3T", "AKIA", "ASIA", "ABIA", "ACCA")
_AWS_SECRET = "[A-Za-z0-9/+]"


def _auth_header(m: re.Match[str], body: str) -> bool:
    """An opaque value that is not code (a call or subscript follows) nor an elided example (`eyJhb...`);
    a Basic value must decode to `user:password`."""
    if m.string.startswith(("(", "[", "..", "\u2026"), m.end("secret")):
        return False
    scheme = m.group("scheme")
    if scheme and scheme.strip().lower() == "basic" and (decoded := base64_text(body)) is not None:
        return credential_text(decoded)
    return opaque_value(body)


RULES: tuple[Rule, ...] = (
    _PrivateKeyRule(kind="private_key", rank=0, triggers=("-----BEGIN",)),
    # Hugging Face: user tokens hf_ + 34 letters (gitleaks, TruffleHog; digits accepted too), OAuth
    # access tokens hf_oauth_ + 30 or more, organisation API tokens api_org_ + 34.
    _TokenRule(kind="huggingface_oauth", rank=1, at_trigger=True, triggers=("hf_oauth_",), pattern=re.compile(
        rf"{_L}(?P<prefix>hf_oauth_){_OCR_AFTER_PREFIX}(?P<secret>{_tail(_ALNUM)}){_R}{_more(_ALNUM)}"),
               accept=_random(), tail_lengths=frozenset({34}), tail_min=30),
    _TokenRule(kind="huggingface", rank=1, at_trigger=True, triggers=("hf_",), pattern=_prefixed("hf_(?!oauth_)", _ALNUM, 34, left=_GLUED),
               accept=_random()),
    _TokenRule(kind="huggingface_org", rank=1, at_trigger=True, triggers=("api_org_",), pattern=_prefixed("api_org_", _ALNUM, 34),
               accept=_random()),
    # Anthropic: sk-ant-api03- / sk-ant-admin01- + 93 + "AA" (gitleaks); other sk-ant-<type>NN- bodies too.
    _TokenRule(kind="anthropic", rank=1, at_trigger=True, triggers=("sk-ant-",), accept=_random(),
               pattern=_prefixed(r"sk-ant-(?:api|admin)0\d-", _B64URL, 95, _RW)),
    _TokenRule(kind="anthropic", rank=2, at_trigger=True, triggers=("sk-ant-",), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>sk-ant-[a-z]{{2,8}}\d\d-){_OCR_AFTER_PREFIX}(?P<secret>{_vbody(_B64URL, 32)}){_RW}")),
    # OpenAI: sk-proj-/sk-svcacct-/sk-admin- (58|74) "T3BlbkFJ" (58|74), legacy sk- 20 T3BlbkFJ 20
    # (gitleaks); marker-less newer bodies are accepted with a length floor.
    _TokenRule(kind="openai", rank=1, at_trigger=True, triggers=("sk-",), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>sk-(?:proj|svcacct|admin)-){_OCR_AFTER_PREFIX}"
        rf"(?P<secret>(?:{_body(_B64URL, 74)}|{_body(_B64URL, 58)}){_SPLIT}?{_spaced('T3BlbkFJ')}{_SPLIT}?"
        rf"(?:{_body(_B64URL, 74)}|{_body(_B64URL, 58)})){_RW}")),
    _TokenRule(kind="openai", rank=1, at_trigger=True, triggers=("sk-",), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>sk-){_OCR_AFTER_PREFIX}(?P<secret>{_body(_ALNUM, 20)}{_SPLIT}?{_spaced('T3BlbkFJ')}"
        rf"{_SPLIT}?{_body(_ALNUM, 20)}){_R}")),
    _TokenRule(kind="openai", rank=2, at_trigger=True, triggers=("sk-",), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>sk-(?:proj|svcacct|admin)-){_OCR_AFTER_PREFIX}(?P<secret>{_vbody(_B64URL, 40)}){_RW}")),
    _TokenRule(kind="openai", rank=2, at_trigger=True, triggers=("sk-",), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>sk-)(?!ant-|proj-|svcacct-|admin-){_OCR_AFTER_PREFIX}(?P<secret>{_vbody(_ALNUM, 40)}){_R}")),
    # GitHub: classic ghp_/gho_/ghu_/ghs_/ghr_ + 36, fine-grained github_pat_ + 82 (22 _ 59).
    _TokenRule(kind="github", rank=1, at_trigger=True, triggers=("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), accept=_random(),
               pattern=_prefixed("gh[pousr]_", _ALNUM, 36)),
    _TokenRule(kind="github", rank=1, at_trigger=True, triggers=("github_pat_",), accept=_random(),
               pattern=_prefixed("github_pat_", "[A-Za-z0-9_]", 82)),
    # AWS access key ids (gitleaks: A3T?/AKIA/ASIA/ABIA/ACCA + 16 of A-Z2-7), minus the documented EXAMPLE keys.
    _TokenRule(kind="aws_access_key", rank=1, at_trigger=True, triggers=_AWS_IDS, accept=_random(1),
               pattern=_prefixed("A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA", "[A-Z2-7]", 16)),
    # Google API keys: AIza + 35.
    _TokenRule(kind="google_api_key", rank=1, at_trigger=True, triggers=("AIza",), accept=_random(),
               pattern=_prefixed("AIza", _B64URL, 35, _RW)),
    # Slack: bot/user/app/config/refresh tokens (gitleaks' slack-* rules): ids, then the secret.
    _TokenRule(kind="slack", rank=1, at_trigger=True, triggers=("xox", "xapp-"), accept=_slack, pattern=re.compile(
        rf"{_L}(?P<prefix>xox[abposre]-|xoxe\.xox[bp]-|xoxe-|xapp-){_OCR_AFTER_PREFIX}"
        rf"(?P<secret>(?:{_part('[0-9A-Z]')}{_SPLIT}?-{_SPLIT}?){{1,4}}{_tail(_ALNUM)})(?![A-Za-z0-9-]){_more(_ALNUM)}"),
               tail_lengths=frozenset({24, 32, 64}), tail_min=8),
    _TokenRule(kind="slack_webhook", rank=1, at_trigger=True, triggers=("hooks.slack.com",), pattern=re.compile(
        rf"(?P<prefix>hooks\.slack\.com/(?:services|workflows|triggers)/){_OCR_AFTER_PREFIX}"
        rf"(?P<secret>{_vbody('[A-Za-z0-9+/_-]', 20)})")),
    # Stripe secret and restricted keys (publishable pk_ keys are public): 24 characters, or 99 in newer keys.
    _TokenRule(kind="stripe", rank=1, at_trigger=True, triggers=("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_",
                                                "rk_prod_"), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>(?:sk|rk)_(?:live|test|prod)_){_OCR_AFTER_PREFIX}(?P<secret>{_tail(_ALNUM)}){_R}"
        rf"{_more(_ALNUM)}"), tail_lengths=frozenset({24, 99}), tail_min=10),
    # Telegram bot tokens: bot id (5-16 digits), colon, 35 starting with "A" (gitleaks; TruffleHog: 8-10, 35).
    _TokenRule(kind="telegram_bot", rank=1, shape="telegram", accept=_telegram, pattern=re.compile(
        rf"(?P<secret>[0-9](?<![0-9][0-9]){_body('[0-9]', '4,15')}{_SPLIT}?:{_SPLIT}?{_body(_B64URL, 35)}){_RW}"
        r"(?P<prefix>)")),
    # Replicate r8_ + 37 and Groq gsk_ + 52 (TruffleHog).
    _TokenRule(kind="replicate", rank=1, at_trigger=True, triggers=("r8_",), accept=_random(), pattern=_prefixed("r8_", _B64URL, 37, _RW)),
    _TokenRule(kind="groq", rank=1, at_trigger=True, triggers=("gsk_",), accept=_random(), pattern=_prefixed("gsk_", _ALNUM, 52)),
    # Weights & Biases: wandb_v1_ 27 _ 49 (TruffleHog), and legacy 40-hex keys near a W&B mention.
    _TokenRule(kind="wandb", rank=1, at_trigger=True, triggers=("wandb_v1_",), accept=_random(), pattern=re.compile(
        rf"{_L}(?P<prefix>wandb_v1_){_OCR_AFTER_PREFIX}(?P<secret>{_body(_ALNUM, 27)}{_SPLIT}?_{_SPLIT}?"
        rf"{_body(_ALNUM, 49)}){_R}")),
    _WandbLegacyRule(kind="wandb", rank=3, fold=True,
                     triggers=("wandb", "w&b", "weights & biases", "weights and biases", "weights&biases")),
    # Discord webhooks (an interaction's callback URL holds the same kind of token, and discord.py logs it at
    # DEBUG) and bot tokens (validated like python-discord's filter, newer 38-char last part too);
    # the user part is a snowflake in base64, so it starts with M, N or O (base64 of an ASCII digit).
    _TokenRule(kind="discord_webhook", rank=1, at_trigger=True, triggers=("discord",), fold=True, pattern=re.compile(
        rf"(?P<prefix>discord(?:app)?\.com/api(?:/v\d{{1,2}})?/(?:webhooks|interactions)/){_OCR_AFTER_PREFIX}"
        rf"(?P<secret>{_body('[0-9]', '17,20')}{_BRK}?/{_BRK}?{_vbody(_B64URL, 60)})")),
    _TokenRule(kind="discord_bot", rank=2, shape="discord", accept=_discord, pattern=re.compile(
        rf"(?P<secret>[MNO](?<![A-Za-z0-9_.-][MNO]){_part(_B64URL)}{_DOT}{_part(_B64URL)}{_DOT}{_tail(_B64URL)})"
        rf"(?![A-Za-z0-9_-]){_more(_B64URL)}(?P<prefix>)"), tail_lengths=frozenset({27, 38}), tail_min=27),
    # JWTs: header and payload (JSON, so "eyJ"), and a signature, empty only for "alg": "none".
    _TokenRule(kind="jwt", rank=2, at_trigger=True, triggers=("eyJ",), accept=_jwt, pattern=re.compile(
        rf"(?<![A-Za-z0-9_-])(?P<prefix>)(?P<secret>eyJ{_part(_B64URL)}{_DOT}{_spaced('eyJ')}{_part(_B64URL)}"
        rf"{_SPLIT}?(?P<dot>\.)(?:{_SPLIT}?{_tail(_B64URL)})?)(?![A-Za-z0-9_-]){_more(_B64URL)}"),
               tail_lengths=_JWT_SIGNATURE_LENGTHS, tail_min=10),
    # AWS secret access keys: 40 base64 characters named as such, or next to an access key id.
    _TokenRule(kind="aws_secret_key", rank=2, triggers=("aws", "secret"), fold=True, accept=_random(),
               pattern=re.compile(
        r"(?i:aws[_ -]?secret[_ -]?(?:access[_ -]?)?key|secret[_ -]?access[_ -]?key|secretkey)"
        rf"{_CLOSE}{_TYPE}(?:[ \t]{{0,3}}{_OPERATOR}|(?<=[\"'`])[ \t]?,)\s{{0,3}}[rbfu]?[\"'`]?(?P<prefix>)"
        rf"(?P<secret>{_body(_AWS_SECRET, 40)})(?![A-Za-z0-9/+=])")),
    # (next to an id: mixed case and digits, so that a commit hash or a word near the id is not taken)
    _TokenRule(kind="aws_secret_key", rank=3, triggers=_AWS_IDS, accept=_random(3),
               pattern=re.compile(
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?s:.){0,160}?(?<![A-Za-z0-9/+])(?P<prefix>)"
        rf"(?P<secret>{_body(_AWS_SECRET, 40, ocr=False)})(?![A-Za-z0-9/+=])")),
    # scheme://user:password@host
    _TokenRule(kind="url_password", rank=4, triggers=("://",), accept=lambda m, body: password_value(unquote(body)),
               pattern=re.compile(
        r"(?<=[A-Za-z0-9])://[^\s:/?#@'\"<>`|]{0,100}:(?P<prefix>)"
        rf"(?P<secret>[^\s/?#@'\"<>`|]{{1,200}}(?:{_BRK}[^\s/?#@'\"<>`|]{{1,200}})?)@"
        r"(?=[A-Za-z0-9\[])")),
    # curl -u user:password, mysql -pPASSWORD
    _CommandPasswordRule(kind="basic_auth", rank=4, triggers=("curl", "mysql", "mariadb"), fold=True),
    # Authorization: <scheme> <value> (any scheme, or none), and a bare "Bearer <value>"; the value may be
    # on the next line or wrapped across lines.
    _TokenRule(kind="auth_header", rank=4, triggers=("authorization", "bearer"), fold=True, pattern=re.compile(
        r"(?:(?i:authorization)[\"']?[ \t]{0,3}[:=][ \t]{0,3}[\"']?[ \t]{0,3}"
        rf"(?:(?P<scheme>[A-Za-z][A-Za-z-]{{1,20}}[ \t]{{1,3}}|{_SCHEMES}[ \t]*{_BRK}))?|(?i:bearer)(?:[ \t]{{1,3}}|[ \t]*{_BRK}))"
        rf"(?P<prefix>)(?P<secret>{_AUTH_VALUE}++=*)"), accept=_auth_header,
               wrapped=re.compile(rf"{_BRK}{_NOT_A_NAME}(?P<piece>{_AUTH_VALUE}++=*)")),
    # password= / secret: / token= / api_key= style assignments whose value looks random.
    _AssignmentRule(kind="secret_assignment", rank=5, triggers=_SECRET_TRIGGERS, fold=True),
)
