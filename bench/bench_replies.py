"""Reply quality on real help requests: `python -m bench.bench_replies`.

Runs the real fixture requests (tests/fixtures/reports/reports.jsonl, title + text, or SPACEDOC_FIXTURES) through
the engine and the renderers, offline (no live evidence: a reply to the words alone), and reports per reply: the
bucket, the quoted (decisive) line and whether it is the request's `decisive_quote` (same words, or overlapping
windows of one line), the stop lines with the finding that makes each apply, the reply's length; then how many
replies break each rule of issue 10:

- the title quoted instead of the line that decided (the decisive quote is in the body);
- token advice without a secret in the message; "stop pushing commits" when no commit or rebuild was mentioned;
  "don't duplicate" to a visitor or where the person duplicated the Space;
- the support e-mail draft in a public reply (Discord Markdown, embed, Discourse), or offered when the fields
  support needs (Space URL, runtime output) would be placeholders;
- next actions not tied to the quoted line (only questions or a bucket's generic step), "other hardware" for a
  ZeroGPU limit;
- a visitor not told how to reach the owner, or given owner-only advice (code, settings, logs);
- an English reply to a Chinese request; a Markdown reply longer than one Discord message.

Two readings: the shipped model on all requests (it was trained on them: optimistic), and `held-out`: the frozen
third of the requests (training/split.py) read by a model trained without them — the figure to report.
`--replies` prints every reply line by line.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from diagnosis import reading, texts  # noqa: E402
from diagnosis.extract import parse_report  # noqa: E402
from diagnosis.model import Verdict  # noqa: E402
from diagnosis.redact import redact  # noqa: E402
from diagnosis.render import MESSAGE_LIMIT, email_draft, to_discourse, to_embed, to_markdown  # noqa: E402
from diagnosis.tree import ZEROGPU_CODES, decide, overlaps  # noqa: E402
from training import train_reading as training  # noqa: E402
from training.split import frozen_ids  # noqa: E402

FIXTURES = Path(os.environ.get("SPACEDOC_FIXTURES", ROOT / "tests" / "fixtures" / "reports" / "reports.jsonl"))
# A commit or rebuild the person mentions, read independently of the engine's own rules.
PUSH_RE = re.compile(r"commit|push|rebuil|factory|提交|推送|重新构建", re.IGNORECASE)
DUPLICATE_RE = re.compile(r"duplicat|复制", re.IGNORECASE)
VISITOR_KEYS = ("act.visitor.", "act.platform_", "ask.")  # what a visitor can act on
HARDWARE_SWITCH = {"act.scheduling_failure", "act.no_gpu_words"}  # advice that ends in "switch hardware"
GENERIC = ("ask.", "act.read_runtime")  # a question or a check any stuck Space gets


@dataclass
class Reply:
    request: dict
    verdict: Verdict
    markdown: str
    breaks: list[str] = field(default_factory=list)

    @property
    def quote(self) -> str:
        return self.verdict.decisive.quote if self.verdict.decisive else ""

    @property
    def match(self) -> str:
        wanted = self.request["decisive_quote"]
        if not wanted:
            return "-"
        if " ".join(self.quote.split()) == " ".join(wanted.split()):
            return "same"
        return "overlap" if overlaps(self.quote, wanted) else "no"


def rule_breaks(r: dict, v: Verdict, markdown: str) -> list[str]:
    """The rules of issue 10 this reply breaks (an empty list: none)."""
    out = []
    said = f"{r['title']}\n{r['text']}"
    keys = [a.key for a in v.next_actions]
    stops = {s.key for s in v.stop_doing}
    quote, wanted = (v.decisive.quote if v.decisive else ""), r["decisive_quote"]
    if wanted and quote and overlaps(quote, r["title"]) and not overlaps(quote, wanted) and wanted not in r["title"]:
        out.append("title quoted instead of the decisive line")
    if "stop.tokens" in stops and not redact(said).findings:
        out.append("token advice without a secret")
    if (v.stop_pushing_commits or stops & {"stop.pushing", "stop.pushing_policy"}) and not PUSH_RE.search(said):
        out.append("stop pushing commits, none mentioned")
    if "stop.duplicates" in stops and (r["visitor"] or DUPLICATE_RE.search(r["text"])):
        out.append("don't duplicate, to a visitor or where a duplicate is the workaround")
    draft = email_draft(v)
    if draft:
        spec = to_embed(v)
        public = [markdown, to_discourse(v), spec.description, *(value for _, value in spec.fields)]
        fields = [line for line in draft.splitlines()[1:] if line.strip()][:3]  # "Subject: …", "Space URL: …"
        if any(line in text for text in public for line in fields):
            out.append("e-mail draft in the public reply")
        if not v.email.identifies_the_space:
            out.append("e-mail draft all placeholders")
    if v.bucket.value != "needs_info" and not r["visitor"] and keys and all(k.startswith(GENERIC) for k in keys):
        out.append("generic next actions")
    if v.decisive is not None and v.decisive.code in ZEROGPU_CODES and HARDWARE_SWITCH & set(keys):
        out.append("'pick other hardware' for a ZeroGPU quota")
    told = "act.visitor.owner" in keys and (v.space is None or f"spaces/{v.space}/discussions" in markdown)
    if r["visitor"] and v.bucket.value != "platform_incident" and not told:
        out.append("visitor not told to reach the owner")
    if r["visitor"] and any(not k.startswith(VISITOR_KEYS) for k in keys):
        out.append("code/settings advice to a visitor")
    if r["language"] == "zh" and texts.detect_language(markdown) != "zh":
        out.append("English reply to a Chinese request")
    if len(markdown) > MESSAGE_LIMIT:
        out.append("longer than one Discord message")
    return out


def reply_to(r: dict) -> Reply:
    clean_title, clean_text = redact(r["title"]), redact(r["text"])
    report = parse_report(clean_text.text, clean_title.text, leaked=(*clean_title.kinds, *clean_text.kinds))
    v = decide(report)
    markdown = to_markdown(v)
    return Reply(r, v, markdown, rule_breaks(r, v, markdown))


def replies(requests: list[dict], model: dict | None) -> list[Reply]:
    reading.install(model)
    try:
        return [reply_to(r) for r in requests]
    finally:
        reading.install(None)


def show(rep: Reply) -> None:
    r, v = rep.request, rep.verdict
    stops = ", ".join(f"{s.key.removeprefix('stop.')} (because {s.because})" for s in v.stop_doing) or "none"
    print(f"\n{r['id']}  {v.bucket.value} (expert: {r['text_label']})  {r['language']}"
          f"{'  visitor' if v.visitor else ''}  {len(rep.markdown)} chars")
    print(f"  quoted: {rep.quote[:110]!r}  → {rep.match}")
    if r["decisive_quote"] and rep.match == "no":
        print(f"  wanted: {r['decisive_quote'][:110]!r}")
    print(f"  next:   {', '.join(a.key for a in v.next_actions)}")
    offered = f"; e-mail draft offered ({'policy' if v.email.policy else 'lifecycle'})" if v.email else ""
    print(f"  stop:   {stops}{offered}")
    if rep.breaks:
        print(f"  BREAKS: {'; '.join(rep.breaks)}")


def summary(name: str, done: list[Reply]) -> None:
    with_quote = [rep for rep in done if rep.request["decisive_quote"]]
    matched = Counter(rep.match for rep in with_quote)
    broken = [rep for rep in done if rep.breaks]
    print(f"\n== {name}: {len(done)} replies")
    print(f"  quoted line = the request's decisive_quote: {matched['same']} same + {matched['overlap']} overlapping "
          f"= {matched['same'] + matched['overlap']}/{len(with_quote)}")
    print(f"  visitor advice given to {sum(rep.verdict.visitor for rep in done)} "
          f"(visitors: {sum(rep.request['visitor'] for rep in done)}); Chinese replies "
          f"{sum(rep.verdict.language == 'zh' for rep in done)} (Chinese requests: "
          f"{sum(rep.request['language'] == 'zh' for rep in done)})")
    confirm = sum(bool(rep.verdict.next_actions) and rep.verdict.next_actions[0].key.startswith("act.confirm.")
                  for rep in done)
    print(f"  first action is the check that confirms the quoted words (nothing platform-said to act on): {confirm}")
    lengths = sorted(len(rep.markdown) for rep in done)
    print(f"  length (Markdown chars): median {lengths[len(lengths) // 2]}, max {lengths[-1]}")
    counts = Counter(b for rep in done for b in rep.breaks)
    print(f"  replies breaking a rule: {len(broken)} ({sum(counts.values())} breaks)")
    for rule, n in counts.most_common():
        print(f"    {n:3d}  {rule}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reply quality on the real fixture requests.")
    parser.add_argument("--replies", action="store_true", help="print every reply")
    args = parser.parse_args(argv)
    requests = [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines() if line.strip()]
    shipped = replies(requests, None)
    if args.replies:
        for rep in shipped:
            show(rep)
    summary("all requests, shipped model (trained on them: optimistic)", shipped)
    frozen = frozen_ids(requests)
    tuning = [ex for ex in training.real_examples() if ex.id not in frozen]
    held_out = replies([r for r in requests if r["id"] in frozen], training.fit(tuning + training.other_examples()))
    summary("held-out: the frozen requests, read by a model trained without them", held_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
