"""Judging a candidate credential once a rule has found it: random like a real key, or a placeholder, a
reference, a name, an id, a digest, a public key or a key that a vendor publishes as an example.

A wrong "yes" deletes someone's message, so every check here says why a value is *not* a secret; a value
that none of them explains and that looks random is one.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import operator
import re
import time
from collections import Counter

REDACTED = "[REDACTED]"  # what a secret is replaced with

# ---------------------------------------------------------------------------------------------- randomness


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


def trie_pattern(words: list[str]) -> str:
    return "|".join(_trie_branches(words))


# Placeholder words (matched in lowercase), the marks UIs and docs use to mask or elide a key, and a run of
# eight times one character (spelled out: sre runs it faster than (.)\1{7}).
_PLACEHOLDER = re.compile(trie_pattern([
    "xxxx", "***", "...", "\u2026", "\u2022\u2022", "\u25cf\u25cf", "your", "example", "placeholder", "redacted",
    "dummy", "sample", "insert", "replace", "changeme", "here", "random", "abcdefgh", "12345678"])
    + r"|(.)\1\1\1\1\1\1\1")
_TEMPLATE_OPENERS = ("$", "<", "{", "%")
_CLASSES = tuple(re.compile(c) for c in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
_DIGIT = _CLASSES[2]
_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def classes(s: str) -> int:
    """How many of lowercase, uppercase, digits and other characters `s` mixes."""
    if s.isascii():  # str methods decide three of the four in C
        return (s != s.upper()) + (s != s.lower()) + (_DIGIT.search(s) is not None) + (s != "" and not s.isalnum())
    return sum(1 for c in _CLASSES if c.search(s))


def high_entropy(s: str, bits: float = 3.0) -> bool:
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


# each letter and digit's successor in its alphabet (255, a byte no ASCII text holds, for the others)
_SUCCESSOR = bytes(c + 1 if chr(c) in "abcdefghijklmnopqrstuvwxy012345678" else 255 for c in range(256))


def sequential(low: str) -> bool:
    """Made of ascending runs (`abc123`, `AbC123dEf456`), as documentation placeholders are: in a random
    key a character follows its predecessor in the alphabet about once in 30 pairs, here one in three.
    (`low`: lowercased.)"""
    if len(low) < 12:
        return False
    raw = low.encode("ascii", "replace")
    steps = sum(map(operator.eq, raw.translate(_SUCCESSOR), raw[1:]))  # pairs (c, successor of c)
    return 3 * steps >= len(low) - 1


# Short words a long random key holds by chance now and then (about once in 10,000 keys): in a key of
# `_LONG` characters or more, one of them alone does not make a placeholder.
_WEAK = frozenset({"your", "here", "xxxx"})
_LONG = 24


def is_placeholder(body: str) -> bool:
    low = body.lower()
    if (m := _PLACEHOLDER.search(low)) is not None and (
            len(body) < _LONG or m.group() not in _WEAK or _PLACEHOLDER.search(low, m.end()) is not None):
        return True
    return body.startswith(_TEMPLATE_OPENERS) or sequential(low)


def looks_random(body: str, min_classes: int = 2) -> bool:
    """Real keys are random: several character classes, many distinct characters, no placeholder words."""
    alnum = body if body.isascii() and body.isalnum() else _NON_ALNUM.sub("", body)
    if len(set(alnum)) < min(10, max(4, len(alnum) // 3)):
        return False
    # ASCII letters and digits only (and not empty, see above): str methods count the classes in C
    found = (alnum != alnum.upper()) + (alnum != alnum.lower()) + (not alnum.isalpha())
    if found < min(min_classes, 3):
        return False
    return not is_placeholder(body)


# ---------------------------------------------------------------------------------------------- published keys

# SHA-256 digests of keys that vendors publish in their documentation and SDK test suites (the Firebase
# Android SDK's sample API keys, the jwt.io sample token, the sample keys of the Stripe, GitHub, Slack and
# Telegram docs, the Algolia search key in Yarn's source): public, revoked or never valid, and pasted in help
# channels as they are. Kept as digests so that the repository holds no key text.
_PUBLISHED_EXAMPLES = frozenset({
    "f56e323494a6ffc2064e7a955908957d84f0755e5f975dabd64328d0359a8f7c",
    "2037abcaffb2b77785da716cf7ccff4ff4d00c4ea930db0167b7d71f50af7eb4",
    "3f370c9dd8225c63b5c77de1f785edc9712958f18bb612d5fa2e0ae33aeca682",
    "e4a5542bb7fd7b67e943c71ad29c34b5972c9840597e7eda53e666f44d5da0b9",
    "a19f89ab3555eac10c40741f6df79ecf0935998f15569f8db9d67bce0181fff6",
    "0b476bdf9acf2123d547b5ae76f1e59884d8ec9553ee0c47e9f31fd4768f3f3c",
    "eb540d2b6ee2a0a47c5779bc8a0141784c6b753840d4c6f4e2428a6e86e9e0b1",
    "37f8f09bdf12c2f2eae4ead7273a62ddb0c23459cbf902892f282b57f7ed6619",
    "8731261cb72d86267a32a532ebd3df429e2144e5e4ced7e13568bc9e6c8fb1b1",
    "49f777db995e8260da7ca9ffdf0c08d66f0453e97ec967018baf2cdfe3b582d0",
    "27a9a42931dff7eb2f8434e20a9bce976ea364e7bee49187f19d5cfeca9c7045",
    "dc0fcf046c61640cbd1e8b999ada3262d722c2ca4bf42dceac999020ffdbb614",
    "4c98242dcadc8b29005c6b4aad526552d5ea1842149154c0694adeec75847583",
    "ea9bb1082cf95663f5faca23b8b15ef2aa0fce0a5c6df9c32dcb85b2e0a4513d",
    "3a8b61d0f636b007840c0d40ba12bcf48465dc054cdc1a68704a33521d84b665",
    "a6c814bc555ae62c7bd8b58ec07bf559c7ed3a009976a1e0acc9cef0d4473b41",
    "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606",
    "0b5dd075ccdd03c42f4edda8e299e6838e2a75d3486a2a8d86940ed1541e9178",
    "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
    "3543c50b0cb9cea8e55eb1f529b79f043cb250d485fde7b66cabbb5183add7da",
    "2ddc147f3a3b5a1722b8ed6be3c45c49a7156b17fca5d11410137a6d04def6eb",
    "2f21fd9c81678e396751af8b2472e2bd209ff5ce38da144052fb6c024485982f",
})


_PUBLISHED_LENGTHS = frozenset({32, 39, 40, 44, 53, 155})  # (so that most candidates are not hashed)


def published_example(secret: str) -> bool:
    return (len(secret) in _PUBLISHED_LENGTHS
            and hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest() in _PUBLISHED_EXAMPLES)


# ---------------------------------------------------------------------------------------------- tokens


def b64decode(part: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


DISCORD_EPOCH = 1_420_070_400  # 2015-01-01, seconds
TOKEN_EPOCH = 1_293_840_000  # older tokens count seconds from 2011-01-01


def valid_discord_token(token: str) -> bool:
    """python-discord's checks: part 1 decodes to a snowflake (ASCII digits), part 2 to a time after Discord's
    epoch (counted from 2011 in older tokens, plain Unix time in newer ones; here also not years ahead), and
    part 3 is not a dummy like xxxxxxxx."""
    user_part, time_part, hmac_part = token.split(".")
    raw_id = b64decode(user_part)
    if raw_id is None or not raw_id.isascii() or not raw_id.isdigit() or not 15 <= len(raw_id) <= 20:
        return False
    raw_ts = b64decode(time_part)
    if not raw_ts:
        return False
    ts = int.from_bytes(raw_ts, "big")
    plausible = range(DISCORD_EPOCH, int(time.time()) + 2 * 366 * 86400)
    if ts not in plausible and ts + TOKEN_EPOCH not in plausible:
        return False
    return len(set(hmac_part.lower())) > 3


_JWT_HEADER_FIELDS = (b'"alg"', b'"typ"', b'"kid"', b'"enc"')


def valid_jwt(token: str) -> bool:
    """A JWT's header decodes to a JSON object naming its algorithm or type (a mangled header still shows
    them); an unsigned token (empty signature) counts only when its header says `"alg": "none"`."""
    header, _, signature = token.split(".", 2)
    raw = b64decode(header)
    if not raw or not raw.startswith(b"{"):
        return False
    try:
        decoded = json.loads(raw)
    except ValueError:
        decoded = None
    if not isinstance(decoded, dict):
        return signature != "" and any(f in raw for f in _JWT_HEADER_FIELDS)
    if not ("alg" in decoded or "typ" in decoded):
        return False
    return signature != "" or str(decoded.get("alg", "")).lower() == "none"


# ---------------------------------------------------------------------------------------------- values

_REFERENCE = (r"\$\{?\w+\}?|\$\{\{.*\}\}|\$\(.*\)|%\w+%|%\(\w+\)s|\{\{.*\}\}|\{[a-z_]*\}|\{[A-Z_]*\}|#\{.*\}"
              r"|<[^>]*>|\[[^\]]*\]|\*+|x+|X+|\.\.\.|(?:env|secrets|vars)[.:]\w+")
_VAR_REFERENCE = re.compile(f"^(?:{_REFERENCE})$")
# Code and words, not secrets: names made of natural words joined by separators or case, an optional
# number at a word's end or as a part of its own (MY_TOKEN_NAME, eos_token, os.environ.get, NEXUS-GPT4-API-KEY,
# X-Xet-Access-Token, urn:ietf:params:oauth, cmp2-qat-1208358310).
_WORD = r"(?:[A-Z]+|[A-Z]?[a-z]{2,})(?:[A-Z][a-z]+)*[0-9]*"
_MIXED_NAME = re.compile(rf"_*(?:{_WORD}|[a-z]{{1,2}})(?:[_.:/-]+(?:{_WORD}|[0-9]+[A-Za-z]?))*_*")
# all lowercase or all capitals, the words may hold a number (v4auth_header, utf8mb4, llama_3_8b, GPT4)
_LOWER_NAME = re.compile(r"_*[a-z]+(?:[0-9]+[a-z]*)?(?:[_.:/-]+(?:[a-z]+(?:[0-9]+[a-z]*)?|[0-9]+[a-z]*))*_*")
_UPPER_NAME = re.compile(r"_*[A-Z]+(?:[0-9]+[A-Z]*)?(?:[_.:/-]+(?:[A-Z]+(?:[0-9]+[A-Z]*)?|[0-9]+[A-Z]*))*_*")
_WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_VOWEL = re.compile(r"[aeiouyAEIOUY]")
_NON_SECRET_VALUES = frozenset({
    "none", "null", "nil", "true", "false", "undefined", "required", "optional", "string", "password", "secret",
    "token", "changeme", "changeit", "hidden", "pass", "passwd", "pwd", "pw", "mypassword", "yourpassword",
    "test", "admin", "root", "username", "user", "default", "empty", "masked", "notset", "unset"})
# Ids and digests that are never credentials: cloud resource ids (i-0abc…), AWS X-Ray trace ids
# (Root=1-…), digests named by their algorithm (sha256:…, sha512-…), SSH public keys and their key type.
_PUBLIC_SHAPES = (
    r"(?i:(?:i|vol|snap|sg|subnet|vpc|ami|eni|igw|rtb|acl|nat|lt|eipalloc|r)-(?:[0-9a-f]{8}|[0-9a-f]{17})"
    r"|(?:root=)?1-[0-9a-f]{8}-[0-9a-f]{24}"
    r"|(?:sha(?:1|224|256|384|512)|md5|blake2b?)[:=-][0-9a-z+/=]{16,}"
    r"|(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\b.*"
    r"|aaaa[b-e]3nzac1.*)")
# Everything a value can be that is not a secret, in one pass: a reference, words, an id, a URL or path,
# a number, a host name, an e-mail address, a version.
_NOT_A_SECRET = re.compile(
    rf"(?:{_REFERENCE}|{_PUBLIC_SHAPES}|(?:https?:|file:|\.{{0,2}}/|~/).*|[0-9.]+"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?|[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|v?\d+(?:[.-]\d+)+(?:[-+.][0-9A-Za-z.]+)?)")
_SPACE = re.compile(r"\s")
# code inside a value: a call, an assignment or query string, a regular expression, a template field
_CODE = re.compile(r"\w\(|=[^=]|\(\?|\[\^?\w-\w|\][+*?{]|\\[dswbDSWB]|\{[\w.]+\}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{12,}={0,2}$")
_USER_PASSWORD = re.compile(r"^[^\s:]{1,100}:(?P<password>\S{1,200})$")
# USER:TOKEN@, user:db_password@, and one lowercase word (postgres:postgres@, guest:guest@, org:repo@)
_PLACEHOLDER_NAME = re.compile(r"[A-Z_]+|[a-z]+_[a-z_]+|[a-z]{1,12}")


def identifier(value: str) -> bool:
    """Made of words, as names in code are (`eos_token`, `NEXUS-GPT4-API-KEY`, `X-Xet-Access-Token`). Random
    letters can parse as camelCase too (`znhFuPdYva`): a mixed-case name may hold at most one part that
    is no word (no vowel, not an acronym: `HfApi`, `dbUrl`), a random string holds several."""
    if value.islower():
        return _LOWER_NAME.fullmatch(value) is not None
    if value.isupper():
        return _UPPER_NAME.fullmatch(value) is not None
    if not _MIXED_NAME.fullmatch(value):
        return False
    return sum(1 for part in _WORD_PARTS.findall(value)
               if len(part) > 1 and not part.isupper() and _VOWEL.search(part) is None) <= 1


def base64_text(value: str) -> str | None:
    """The text a standard base64 value decodes to, when it decodes to printable UTF-8 text."""
    if len(value) % 4 or not _BASE64.match(value):
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded.isprintable() else None


def credential_text(decoded: str) -> bool:
    """`user:password` (Basic auth) with a password that is not a placeholder."""
    m = _USER_PASSWORD.match(decoded)
    return m is not None and password_value(m.group("password"))


def password_value(value: str) -> bool:
    """A password given on its own (curl -u, a URL): anything but a reference, placeholder or default, or
    what redaction left (redacting is idempotent)."""
    if value.lower() in _NON_SECRET_VALUES or _VAR_REFERENCE.match(value) or value.isdigit() or REDACTED in value:
        return False
    if _SPACE.search(value):  # words: an example's `a secret`
        return False
    if _PLACEHOLDER_NAME.fullmatch(value):
        return False
    return not is_placeholder(value) or len(set(value)) > 8


def opaque_value(value: str) -> bool:
    """An assignment's or header's value that is a real secret, not a reference, word, path, id or number."""
    if len(value) < 8 or _SPACE.search(value) is not None:  # short, or prose, or a list of values
        return False
    text = base64_text(value)
    if text is not None and " " in text:  # base64 of a sentence or a document
        return credential_text(text)
    value = value.rstrip("=")  # base64 padding says nothing about randomness
    if len(value) < 8 or classes(value) < 2 or value.lower() in _NON_SECRET_VALUES or _CODE.search(value):
        return False
    if _NOT_A_SECRET.fullmatch(value) is not None or identifier(value) or is_placeholder(value):
        return False
    if _HEX.fullmatch(value):  # hex: at most 4 bits a character
        return len(value) >= 16 and high_entropy(value, 2.5)
    return high_entropy(value)


# ---------------------------------------------------------------------------------------------- names

_NAME_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# The last part of a name that holds something *about* a secret, not the secret itself.
_ABOUT_A_SECRET = frozenset({
    "id", "ids", "name", "names", "type", "types", "length", "len", "size", "count", "file", "files", "path",
    "dir", "url", "uri", "urls", "endpoint", "header", "field", "env", "var", "variable", "ref", "version",
    "format", "mode", "method", "provider", "label", "hint", "policy", "expiry", "expires", "expiration", "ttl",
    "timeout", "hash", "hashed", "min", "max", "regex", "pattern", "required", "enabled", "source", "usage",
    "limit", "scope", "scopes", "audience", "issuer", "domain", "host", "server", "store",
    "strategy", "scheme", "location", "arn", "manager", "helper", "prompt", "rotation",
    "description", "title", "help", "placeholder", "example", "sample", "validator", "error", "errors", "status",
    "input", "dialog", "button", "index", "tokens"})
_PUBLIC = frozenset({"public", "pub", "csrf", "xsrf"})  # anywhere in a name: `publicKeyToken`
# The part just before the keyword, when it makes the name something public or not a credential.
_NOT_A_CREDENTIAL = frozenset({
    "public", "pub", "csrf", "xsrf", "next", "page", "continuation", "cancellation", "sync", "pad", "eos", "bos",
    "unk", "sep", "cls", "mask", "max", "min", "num", "total", "special", "added", "sample", "example", "dummy",
    "fake", "placeholder"})


def secret_name(before: str, after: str) -> bool:
    """Whether a name around a secret keyword (`before` it and `after` it, e.g. "LLM_" + SECRET + "_NAME")
    names the secret itself, not its id, name, file, length or a public token."""
    tail = _NAME_PARTS.findall(after)
    if tail and tail[-1].lower() in _ABOUT_A_SECRET:
        return False
    head = [part.lower() for part in _NAME_PARTS.findall(before)]
    return not (head and (head[-1] in _NOT_A_CREDENTIAL or _PUBLIC.intersection(head)))
