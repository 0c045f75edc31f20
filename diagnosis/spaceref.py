"""Find the Spaces a message talks about, and validate Space ids before they reach a URL.

Forms recognised: `huggingface.co/spaces/OWNER/NAME` (any suffix, Markdown links, `<…>`),
`hf.co/spaces/…`, `huggingface.co/api/spaces/…`, `OWNER-NAME.hf.space` subdomains (every
OWNER/NAME split kept as a candidate), and a bare `OWNER/NAME` written right after the word
"Space". Template ids (`OWNER/SPACE_NAME`, `your-username/your-space`, `<space>`, `xxx/yyy`)
come back as placeholders so the reply can ask for the real URL. Links to models and datasets
are found too (`find_other_repos`), so that a reply can say they are not Spaces.

All patterns are linear: character classes with bounded repetition, no nested quantifiers.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from huggingface_hub.utils import HFValidationError, validate_repo_id

from .model import Phrase, SpaceRef

_URL_RE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:api/)?spaces/"
    r"(?P<owner>[^\s/?#<>()\[\]\"'`]{1,100})/(?P<name>[^\s/?#<>()\[\]\"'`]{1,100})",
    re.IGNORECASE,
)
_SUBDOMAIN_SUFFIX = ".hf.space"
# Read backwards from each ".hf.space": the label that ends right there (anchored at the end: linear).
_SUBDOMAIN_LABEL_RE = re.compile(r"(?<![\w.\-])[a-z0-9][a-z0-9\-]{0,200}$", re.IGNORECASE)
_URL_ANCHORS = ("huggingface.co/", "hf.co/")
_URL_WINDOW_BEFORE, _URL_WINDOW_AFTER = 16, 260
# A bare id must stand alone: not inside a path, URL, e-mail, Docker `--from=` or `image:tag`.
_BARE_RE = re.compile(
    r"(?<![\w/.:=@\-])(?P<owner>[A-Za-z0-9<{\[][A-Za-z0-9_.\-<>{}\[\]]{0,97})/"
    r"(?P<name>[A-Za-z0-9<{\[][A-Za-z0-9_.\-<>{}\[\]]{0,97})(?![\w/\-]|:\w|\.\w)"
)
# The word that makes a nearby bare id a Space id, and the words that make it something else.
_SPACE_WORD_RE = re.compile(r"\bspaces?\b|空间|hf\.space", re.IGNORECASE)
_OTHER_REPO_WORD_RE = re.compile(r"\b(?:models?|datasets?|checkpoints?|weights|image|docker|from|pip|github)\b",
                                 re.IGNORECASE)
_BARE_WINDOW = 80
_ANGLE_PLACEHOLDER_RE = re.compile(
    r"<\s*(?:your[ _\-]?)?(?:space|space[ _\-]?(?:url|name|id)|owner|user(?:name)?|repo)\s*>", re.IGNORECASE)

# A link to another kind of repo: huggingface.co/OWNER/NAME is a model, …/datasets/OWNER/NAME a dataset.
_REPO_URL_RE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:api/)?(?:(?P<kind>datasets|models)/)?"
    r"(?P<owner>[A-Za-z0-9_][\w.\-]{0,95})/(?P<name>[A-Za-z0-9_][\w.\-]{0,95})",
    re.IGNORECASE,
)
# First path segments of huggingface.co that are pages, not repo owners.
_SITE_PAGES = frozenset((
    "spaces", "api", "docs", "blog", "papers", "settings", "organizations", "join", "login", "logout", "pricing",
    "tasks", "learn", "posts", "collections", "chat", "new", "new-space", "new-dataset", "enterprise",
    "inference-endpoints", "huggingchat", "support", "terms-of-service", "privacy",
))
_URL_PREFIXES = ("http://", "https://", "www.", "huggingface.co/", "hf.co/")
_FILE_SUFFIXES = (".py", ".txt", ".md", ".json", ".yaml", ".yml", ".toml", ".cfg", ".sh", ".js", ".ts", ".html", ".css",
                  ".png", ".jpg", ".jpeg", ".gif", ".csv", ".ipynb", ".lock", ".whl", ".gz", ".zip", ".bin",
                  ".safetensors")
_PLACEHOLDER_WORDS = frozenset((
    "owner", "user", "username", "usr", "userid", "user_name", "user-name", "your_username", "your-username",
    "yourusername", "yourname", "your-name", "your_name", "your_user", "your-user", "your-org", "your_org", "org",
    "organization", "organisation", "namespace", "name", "me", "you", "someone", "space", "space_name", "space-name",
    "spacename", "space_id", "space-id", "spaceid", "repo", "repo_name", "repo-name", "reponame", "repository",
    "your_space", "your-space", "yourspace", "my_space_name", "app", "app_name", "app-name", "project", "project_name",
    "project-name", "hf_username", "hf-username", "huggingface_username", "foo", "bar", "baz", "example", "test",
))
_REPEATED_LETTER_RE = re.compile(r"^([a-z])\1{2,}$", re.IGNORECASE)  # xxx, yyy, aaaa
_TRAILING_JUNK = ".,;:!?*_~'\"`)]}>-"


def is_valid_space_id(s: str) -> bool:
    """True when `s` is exactly `OWNER/NAME` under the Hub's naming rules, as huggingface_hub checks them
    (`validate_repo_id`): safe to put in a URL path. A name may be all digits (`someone/2048`)."""
    if not isinstance(s, str) or s.count("/") != 1:
        return False
    try:
        validate_repo_id(s)
    except HFValidationError:
        return False
    return True


def _is_placeholder_part(part: str) -> bool:
    if not part:
        return True
    if part[0] in "<{[" or part[-1] in ">}]":
        return True
    low = part.lower()
    if low in _PLACEHOLDER_WORDS or low.startswith(("your-", "your_", "yourspace", "yourusername")):
        return True
    if _REPEATED_LETTER_RE.match(part):
        return True
    # OWNER, SPACE_NAME, YOUR_SPACE: all-caps template words
    return part.isupper() and any(w in low for w in ("owner", "user", "space", "name", "repo", "org"))


def _is_placeholder(owner: str, name: str) -> bool:
    o, n = _is_placeholder_part(owner), _is_placeholder_part(name)
    if o and n:
        return True
    # one side bracketed or `your-…` is already a template (`alice/<space>`, `your-username/app`)
    return any(p[:1] in "<{[" or p.lower().startswith("your") for p in (owner, name))


def _clean_part(part: str) -> str:
    part = part.strip()
    while part and part[-1] in _TRAILING_JUNK and not (part[-1] in ">}]" and part[:1] in "<{["):
        part = part[:-1]
    if part.lower().endswith(".git"):
        part = part[:-4]
    return part


def subdomain_of(space_id: str) -> str:
    """The `*.hf.space` subdomain the Hub derives from an id (lower case, `_`/`.` → `-`)."""
    return re.sub(r"[_.]", "-", space_id.replace("/", "-").lower())


def subdomain_candidates(sub: str) -> tuple[str, ...]:
    """Every OWNER/NAME reading of a subdomain: split at each dash (both sides may hold dashes)."""
    sub = sub.lower().strip("-")
    out = []
    for i, ch in enumerate(sub):
        if ch == "-" and is_valid_space_id(candidate := f"{sub[:i]}/{sub[i + 1:]}"):
            out.append(candidate)
    return tuple(out)


def _bare_is_about_space(text: str, start: int) -> bool:
    """A bare OWNER/NAME counts when 'Space' is written shortly before it, closer than 'model'/'dataset'."""
    window = text[max(0, start - _BARE_WINDOW):start]
    space_hits = [m.end() for m in _SPACE_WORD_RE.finditer(window)]
    if not space_hits:
        return False
    other_hits = [m.end() for m in _OTHER_REPO_WORD_RE.finditer(window)]
    return not other_hits or max(other_hits) < max(space_hits)


def find_spaces(text: str) -> tuple[SpaceRef, ...]:
    """Every Space mentioned in `text`, in order of appearance, de-duplicated."""
    found: list[tuple[int, SpaceRef]] = []
    covered: list[tuple[int, int]] = []

    low = text.lower()
    for m in _url_matches(text, low):
        covered.append(m.span())
        ref = _named_ref(_clean_part(m["owner"]), _clean_part(m["name"]), "url", m.group(0))
        if ref is not None:
            found.append((m.start(), ref))

    for start, end, sub in _subdomains(text, low):
        covered.append((start, end))
        cands = subdomain_candidates(sub)
        if cands:
            found.append((start, SpaceRef(candidates=cands, source="subdomain", raw=text[start:end], subdomain=sub)))

    covered.sort()
    starts = [a for a, _ in covered]
    if "<" in text:
        for m in _ANGLE_PLACEHOLDER_RE.finditer(text):
            if not _inside(m.start(), covered, starts):  # one placeholder is all a reply needs
                found.append((m.start(), SpaceRef(candidates=(), source="bare", raw=m.group(0), placeholder=True)))
                break

    if "/" in text and _SPACE_WORD_RE.search(text):
        found += _bare_ids(text, covered, starts)
    found.sort(key=lambda p: p[0])
    return _dedupe([ref for _, ref in found])


def explicit_space(arg: str) -> SpaceRef | None:
    """The Space an argument given *as* a Space names (the CLI's SPACE, `/diagnose space:`): a Space URL, a
    `*.hf.space` address or any `OWNER/NAME` the Hub accepts, `someone/2048` included. A template id comes
    back as a placeholder; None when it names no Space (see `not_a_space`)."""
    text = arg.strip()
    refs = find_spaces(text)
    if not refs and not text.lower().startswith(_URL_PREFIXES):  # a URL that is no Space URL stays refused
        if text.count("/") == 1:
            owner, name = (_clean_part(part) for part in text.split("/"))
            ref = _named_ref(owner, name, "bare", text)
            refs = (ref,) if ref is not None else ()
        refs = refs or find_spaces(f"Space {text}")
    return refs[0] if refs else None


def find_other_repos(text: str) -> tuple[tuple[str, str], ...]:
    """The models and datasets `text` links to, as ("model" | "dataset", OWNER/NAME), in order, de-duplicated."""
    low = text.lower()
    if "huggingface.co/" not in low and "hf.co/" not in low:
        return ()
    found: dict[str, str] = {}
    for m in _REPO_URL_RE.finditer(text):
        owner, name = _clean_part(m["owner"]), _clean_part(m["name"])
        if m["kind"] is None and owner.lower() in _SITE_PAGES or not is_valid_space_id(f"{owner}/{name}"):
            continue
        kind = "dataset" if (m["kind"] or "").lower() == "datasets" else "model"
        found.setdefault(f"{owner}/{name}", kind)
    return tuple((kind, repo) for repo, kind in found.items())


def not_a_space(text: str) -> Phrase:
    """Why `text`, given as a Space, names none: it is a model or a dataset, or no Space id or URL at all
    (`diagnosis.texts` words it in the asker's language)."""
    others = find_other_repos(text)
    if others:
        kind, repo = others[0]
        return Phrase.of("invalid.other_repo", repo=repo, kind=kind)
    return Phrase.of("invalid.not_a_space_id", given=repr(text.strip()))


def _inside(pos: int, covered: list[tuple[int, int]], starts: list[int]) -> bool:
    """Is `pos` inside one of the (sorted, non-overlapping) spans already read as URLs/subdomains?"""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and pos < covered[i][1]


def _bare_ids(text: str, covered: list[tuple[int, int]], starts: list[int]) -> list[tuple[int, SpaceRef]]:
    found: list[tuple[int, SpaceRef]] = []
    for m in _BARE_RE.finditer(text):
        if _inside(m.start(), covered, starts):
            continue
        owner, name = _clean_part(m["owner"]), _clean_part(m["name"])
        # "N/A", "I/O", "12/2023" are not Space ids
        if len(owner) + len(name) < 5 or owner.isdigit() or name.isdigit():
            continue
        if name.lower().endswith(_FILE_SUFFIXES) or not _bare_is_about_space(text, m.start()):
            continue
        if (ref := _named_ref(owner, name, "bare", m.group(0))) is not None:
            found.append((m.start(), ref))
    return found


def _named_ref(owner: str, name: str, source: str, raw: str) -> SpaceRef | None:
    """The SpaceRef a cleaned OWNER/NAME names: a placeholder for a template id, None for an invalid id."""
    if _is_placeholder(owner, name) or not (owner and name):
        return SpaceRef(candidates=(), source=source, raw=raw, placeholder=True)
    if is_valid_space_id(f"{owner}/{name}"):
        return SpaceRef(candidates=(f"{owner}/{name}",), source=source, raw=raw)
    return None


def _url_matches(text: str, low: str) -> list[re.Match[str]]:
    """Space URLs, searched only in windows around 'huggingface.co/' and 'hf.co/' (fast on long pastes)."""
    if len(low) != len(text):
        return list(_URL_RE.finditer(text))
    matches: dict[int, re.Match[str]] = {}
    for anchor in _URL_ANCHORS:
        pos = low.find(anchor)
        while pos != -1:
            m = _URL_RE.search(text, max(0, pos - _URL_WINDOW_BEFORE), pos + _URL_WINDOW_AFTER)
            if m is not None and m.start() <= pos:
                matches.setdefault(m.start(), m)
            pos = low.find(anchor, pos + len(anchor))
    return [matches[k] for k in sorted(matches)]


def _subdomains(text: str, low: str) -> list[tuple[int, int, str]]:
    out = []
    pos = low.find(_SUBDOMAIN_SUFFIX)
    while pos != -1:
        end = pos + len(_SUBDOMAIN_SUFFIX)
        after = text[end:end + 1]
        if not after or not (after.isalnum() or after in "_-"):
            m = _SUBDOMAIN_LABEL_RE.search(text, max(0, pos - 201), pos)
            if m is not None:
                label_start = m.start()
                scheme = max(text.rfind("https://", max(0, label_start - 8), label_start),
                             text.rfind("http://", max(0, label_start - 7), label_start))
                start = scheme if scheme != -1 and text[scheme:label_start] in ("https://", "http://") else label_start
                out.append((start, end, m.group(0).lower()))
        pos = low.find(_SUBDOMAIN_SUFFIX, end)
    return out


def _dedupe(refs: list[SpaceRef]) -> tuple[SpaceRef, ...]:
    """One entry per Space; an exact id replaces an earlier subdomain reading of the same Space."""
    out: list[SpaceRef] = []
    by_sub: dict[str, int] = {}
    seen_ids: set[str] = set()
    placeholder_seen = False
    for ref in refs:
        if ref.placeholder:
            if not placeholder_seen:
                out.append(ref)
                placeholder_seen = True
            continue
        if ref.source == "subdomain":
            if ref.subdomain not in by_sub:
                by_sub[ref.subdomain] = len(out)
                out.append(ref)
            continue
        space_id = ref.candidates[0]
        key = space_id.lower()
        if key in seen_ids:
            continue
        seen_ids.add(key)
        sub = subdomain_of(space_id)
        i = by_sub.get(sub)
        if i is not None and out[i].source == "subdomain":
            out[i] = ref
            continue
        by_sub.setdefault(sub, len(out))
        out.append(ref)
    return tuple(out)
