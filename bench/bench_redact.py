"""Redaction accuracy and speed against detect-secrets 1.5.0 on the same generated messages.

    python -m bench.bench_redact [--seed 2026] [--per-cell 20] [--benign 3000] [--repeat 5] [--json PATH]
                                 [--chat FILE ...]

The corpus (bench/secret_corpus.py) is written by our own generator, from the classes the rules were built
for: its recall and false-positive figures are a regression check, not a measure of recall on pastes the
redactor has never seen (for that, run it on an independent corpus with --chat).

Recall: a positive message counts when a finding is reported AND no 8 consecutive alphanumeric characters
of the secret (beyond its public prefix) survive in the redacted text; printed per kind, per disguise and,
where below 100 %, per form (the class of text a credential was pasted as). detect-secrets only detects, so
its recall is "reported anything" (the most favourable reading). False positives: benign messages with any
finding, per look-alike category. Throughput: messages per second on one core (single thread, best of
--repeat runs, the two scanners' runs alternating), on the credential-heavy corpus (all of it: most of its
messages carry a credential), on the benign look-alikes alone, and on ordinary chat (bench/chat_corpus.py:
what a server's channels mostly carry, where the one-pass prefilter answers).
Targets (issue 13): recall ≥ 99 % on every kind and every disguise; no false positive; ≥ 50 × detect-secrets
on ordinary chat; ≥ 20,000 messages/s on the credential-heavy corpus.

--chat FILE...: also time both scanners on real support texts (a .jsonl file's "text" fields, or a whole
text file per message), e.g. pasted reports and logs, and count what each reports there.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from collections import defaultdict
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from bench.chat_corpus import ordinary_chat
from bench.secret_corpus import Message, build
from diagnosis.redact import redact


def leaked(message: Message, redacted: str) -> bool:
    sample = message.sample
    body = sample.secret[len(sample.prefix):]
    return any(body[i:i + 8].isalnum() and body[i:i + 8] in redacted for i in range(len(body) - 7))


def ours(message: Message) -> tuple[bool, bool]:
    """(reported something, redacted everything)"""
    result = redact(message.text)
    return bool(result.findings), bool(result.findings) and (message.sample is None or not leaked(message, result.text))


def detect_secrets_scanner() -> Callable[[str], bool]:
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    context = default_settings()
    context.__enter__()  # all default plugins and filters for the whole run (`context` must stay referenced)

    def scan(text: str) -> bool:
        # scan_line is detect-secrets' API for ad-hoc strings (what `detect-secrets scan --string` uses)
        return any(True for line in text.splitlines() for _ in scan_line(line))

    scan.context = context  # type: ignore[attr-defined]
    return scan


def throughputs(scanners: list[Callable[[str], object]], texts: list[str], repeat: int) -> list[float]:
    """Messages per second of each scanner over `texts`, single-threaded, best of `repeat` runs. The runs
    alternate between the scanners so that a busy moment on the machine slows both, not one."""
    best = [float("inf")] * len(scanners)
    for _ in range(repeat):
        for i, scan in enumerate(scanners):
            start = time.perf_counter()
            for text in texts:
                scan(text)
            best[i] = min(best[i], time.perf_counter() - start)
    return [len(texts) / b for b in best]


def load_chat(paths: list[Path]) -> list[str]:
    texts: list[str] = []
    for path in paths:
        if path.suffix == ".jsonl":
            texts += [json.loads(line).get("text", "") for line in path.read_text().splitlines() if line.strip()]
        else:
            texts.append(path.read_text(errors="replace"))
    return [t for t in texts if t]


def rate(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f} %" if total else "—"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, Python {platform.python_version()}, {platform.system()}"


RECALL_TARGET = 0.99
CHAT_RATIO_TARGET = 50
CREDENTIAL_HEAVY_TARGET = 20_000  # messages per second


def recall_table(title: str, table: dict[str, list[int]], only_below: float | None = None) -> list[str]:
    rows = [f"| {title} | n | recall (ours) | recall (detect-secrets) |", "|---|---:|---:|---:|"]
    for key, (ok, ds, n) in sorted(table.items()):
        if only_below is None or ok < n * only_below:
            rows.append(f"| {key} | {n} | {rate(ok, n)} | {rate(ds, n)} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-cell", type=int, default=20, help="messages per (kind, disguise)")
    parser.add_argument("--benign", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here (e.g. bench/results/redact.json)")
    parser.add_argument("--chat", type=Path, nargs="*", default=[], help="real support texts to time as well")
    args = parser.parse_args(argv)

    corpus = build(args.seed, args.per_cell, args.benign)
    positives = [m for m in corpus if m.kind]
    benign = [m for m in corpus if not m.kind]
    ds_scan = detect_secrets_scanner()

    def tally() -> defaultdict[str, list[int]]:
        return defaultdict(lambda: [0, 0, 0])  # ours, detect-secrets, total

    by_kind, by_disguise, by_form, by_category = tally(), tally(), tally(), tally()
    for m in positives:
        _, ok = ours(m)
        ds = ds_scan(m.text)
        for table, key in ((by_kind, m.kind), (by_disguise, m.disguise), (by_form, m.form)):
            table[key][0] += ok
            table[key][1] += ds
            table[key][2] += 1
    fp_ours = []
    for m in benign:
        flagged = ours(m)[0]
        by_category[m.category][0] += flagged
        by_category[m.category][1] += ds_scan(m.text)
        by_category[m.category][2] += 1
        if flagged:
            fp_ours.append(m)
    fp_ds = sum(ds for _, ds, _ in by_category.values())

    speed_ours, speed_ds = throughputs([redact, ds_scan], [m.text for m in corpus], args.repeat)
    benign_ours, benign_ds = throughputs([redact, ds_scan], [m.text for m in benign], args.repeat)
    chatter_ours, chatter_ds = throughputs([redact, ds_scan], ordinary_chat(len(corpus)), args.repeat)
    recall = sum(ok for ok, _, _ in by_kind.values())
    recall_ds = sum(ds for _, ds, _ in by_kind.values())

    print(f"corpus (regression figures: written by sandbox/secretgen.py from the classes the rules were built for): "
          f"{len(positives)} messages with a credential ({len(by_kind)} kinds in {len(by_form)} forms × "
          f"{len(by_disguise)} disguises, {args.per_cell} each where the disguise applies), {len(benign)} benign "
          f"look-alikes in {len(by_category)} categories; seed {args.seed}\nmachine: {machine()}\n")
    below = [key for key, (ok, _, n) in by_form.items() if ok < n]
    lines = recall_table("kind", by_kind) + [""] + recall_table("disguise", by_disguise) + [""]
    lines += (recall_table("form below 100 %", by_form, 1.0) if below else [f"all {len(by_form)} forms: 100 %"]) + [""]
    lines += ["| look-alike category | n | false positives (ours) | false positives (detect-secrets) |",
              "|---|---:|---:|---:|"]
    lines += [f"| {key} | {n} | {fp} | {ds} |" for key, (fp, ds, n) in sorted(by_category.items())] + [""]
    print("\n".join(lines))
    print(f"| figure | ours | detect-secrets {version('detect-secrets')} |\n|---|---:|---:|")
    print(f"| recall, all positives | {rate(recall, len(positives))} | {rate(recall_ds, len(positives))} |")
    print(f"| false-positive messages (of {len(benign)} benign) | {len(fp_ours)} | {fp_ds} |")
    print(f"| credential-heavy corpus ({100 * len(positives) // len(corpus)} % with a credential): messages / s | "
          f"{speed_ours:,.0f} | {speed_ds:,.0f} |")
    print(f"| credential-heavy corpus: throughput ratio | {speed_ours / speed_ds:.1f} × | 1 × |")
    print(f"| benign look-alikes only: messages / s | {benign_ours:,.0f} | {benign_ds:,.0f} |")
    print(f"| benign look-alikes only: throughput ratio | {benign_ours / benign_ds:.1f} × | 1 × |")
    print(f"| ordinary chat (no credential, no look-alike): messages / s | {chatter_ours:,.0f} | {chatter_ds:,.0f} |")
    print(f"| ordinary chat: throughput ratio | {chatter_ours / chatter_ds:.1f} × | 1 × |")
    chat = load_chat(args.chat)
    if chat:
        chat_ours, chat_ds = throughputs([redact, ds_scan], chat, args.repeat)
        print(f"| real support texts ({len(chat)}, avg {sum(map(len, chat)) // len(chat)} chars): messages / s | "
              f"{chat_ours:,.0f} | {chat_ds:,.0f} |")
        print(f"| real support texts: throughput ratio | {chat_ours / chat_ds:.1f} × | 1 × |")
        print(f"| real support texts: messages reported | {sum(bool(redact(t).findings) for t in chat)} | "
              f"{sum(ds_scan(t) for t in chat)} |")
    for m in fp_ours[:5]:
        print(f"false positive ({m.category}):", m.text[:120].replace("\n", "⏎"))

    worst_kind = min(ok / n for ok, _, n in by_kind.values())
    worst_disguise = min(ok / n for ok, _, n in by_disguise.values())
    targets = {
        f"recall ≥ {RECALL_TARGET:.0%} on every kind (lowest {worst_kind:.1%})": worst_kind >= RECALL_TARGET,
        f"recall ≥ {RECALL_TARGET:.0%} on every disguise (lowest {worst_disguise:.1%})":
            worst_disguise >= RECALL_TARGET,
        f"no false positive ({len(fp_ours)})": not fp_ours,
        f"ordinary chat ≥ {CHAT_RATIO_TARGET} × detect-secrets ({chatter_ours / chatter_ds:.1f} ×)":
            chatter_ours >= CHAT_RATIO_TARGET * chatter_ds,
        f"credential-heavy corpus ≥ {CREDENTIAL_HEAVY_TARGET:,} messages/s ({speed_ours:,.0f})":
            speed_ours >= CREDENTIAL_HEAVY_TARGET,
    }
    print()
    for target, met in targets.items():
        print(f"{'met' if met else 'NOT MET'}: {target}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "machine": machine(), "seed": args.seed, "positives": len(positives), "benign": len(benign),
            "recall": recall / len(positives), "recall_detect_secrets": recall_ds / len(positives),
            "recall_by_kind": {k: ok / n for k, (ok, _, n) in by_kind.items()},
            "recall_by_disguise": {k: ok / n for k, (ok, _, n) in by_disguise.items()},
            "recall_by_form": {k: ok / n for k, (ok, _, n) in by_form.items()},
            "false_positives_by_category": {k: fp for k, (fp, _, _) in by_category.items()},
            "false_positives": len(fp_ours), "false_positives_detect_secrets": fp_ds,
            "msgs_per_s": speed_ours, "msgs_per_s_detect_secrets": speed_ds, "ratio": speed_ours / speed_ds,
            "benign_msgs_per_s": benign_ours, "benign_msgs_per_s_detect_secrets": benign_ds,
            "benign_ratio": benign_ours / benign_ds,
            "chat_msgs_per_s": chatter_ours, "chat_msgs_per_s_detect_secrets": chatter_ds,
            "chat_ratio": chatter_ours / chatter_ds,
            "targets_met": all(targets.values()),
        }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
