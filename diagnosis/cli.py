"""`python -m diagnosis`: diagnose a pasted report, a batch of them, or a live Space.

Exit codes: 0 whenever a verdict was produced (`needs_info` included), 2 on bad usage,
3 when a live diagnosis could not reach the Hub at all.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from typing import TextIO

from . import texts
from .extract import parse_report
from .model import Evidence, Phrase, Report, SpaceRef, Verdict
from .redact import redact
from .render import email_draft, to_json, to_terminal
from .spaceref import explicit_space, not_a_space
from .tree import decide

EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE = 0, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 already; keep the message to one clear line
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(try --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m diagnosis",
                description="Diagnose a broken Hugging Face Space from a report and/or live evidence.")
    p.add_argument("space", nargs="?", metavar="SPACE",
                   help="OWNER/NAME or a Space URL: diagnose it live (unless --offline)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--text-file", metavar="FILE", help="read the report from FILE ('-' reads stdin)")
    src.add_argument("--text", metavar="TEXT", help="the report itself ('-' reads stdin)")
    src.add_argument("--batch", action="store_true",
                     help='read JSON lines {"id": …, "title": … (optional), "text": …} on stdin, '
                          'write one JSON verdict line per input')
    p.add_argument("--json", action="store_true", help="print the JSON verdict instead of text")
    p.add_argument("--email-draft", action="store_true",
                   help="print only the support e-mail draft for Hugging Face (when the verdict offers one)")
    p.add_argument("--offline", action="store_true", help="no network access at all: decide from the text")
    p.add_argument("--endpoint", metavar="URL", help="Hub endpoint (default: HF_ENDPOINT or the public Hub)")
    p.add_argument("--status-url", metavar="URL", help="status page JSON (default: SPACEDOC_STATUS_URL or HF's page)")
    p.add_argument("--deadline", metavar="S", type=float, default=8.0,
                   help="seconds for the whole live diagnosis (default 8)")
    return p


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.deadline > 0:
        parser.error("--deadline must be a positive number of seconds")
    if args.batch:
        if args.space:
            parser.error("--batch reads Spaces from the texts; do not give SPACE")
        return _batch(stdin, stdout)
    if args.space is None and args.text is None and args.text_file is None:
        parser.error("give a report (--text, --text-file FILE or --text-file -), a SPACE, or --batch")
    try:
        text = _read_text(args, stdin)
    except OSError as exc:
        parser.error(f"cannot read {args.text_file}: {exc.strerror or exc}")
    if args.space is not None:
        space = _space_arg(args.space)
        if space is None:
            parser.error(f"{texts.word(not_a_space(args.space))} "
                         "(expected OWNER/NAME or https://huggingface.co/spaces/OWNER/NAME)")
        if args.offline:
            verdict = _offline_with_space(space, text)
        else:
            return _live(args, text, stdout, parser)
    else:
        verdict = decide(_report(text))
    _print(verdict, args, stdout)
    return EXIT_OK


def _read_text(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.text is not None and args.text != "-":
        return args.text
    if args.text is None and args.text_file is None:
        return ""
    if "-" in (args.text, args.text_file):
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
    else:
        with open(args.text_file, "rb") as fh:
            data = fh.read()
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


def _space_arg(arg: str) -> SpaceRef | None:
    """The Space an explicit SPACE argument names (a URL, OWNER/NAME or a `*.hf.space` subdomain), or None."""
    ref = explicit_space(arg)
    return None if ref is None or ref.placeholder else ref


def _report(text: str, title: str = "") -> Report:
    """The report read from what was given, credentials taken out first (the reply says when some were)."""
    clean_title, clean_text = redact(title), redact(text)
    return parse_report(clean_text.text, clean_title.text, leaked=(*clean_title.kinds, *clean_text.kinds))


def _offline_with_space(ref: SpaceRef, text: str) -> Verdict:
    notes = [Phrase.of("na.offline")]
    if ref.id is None:  # a subdomain with dashes: only the Hub can say which reading is real
        notes.append(Phrase.of("na.ambiguous_subdomain", raw=ref.raw, candidates=ref.candidates))
    verdict = decide(_report(text), Evidence(space=ref.id))
    return dataclasses.replace(verdict, unavailable=(*verdict.unavailable, *notes))


def _live(args: argparse.Namespace, text: str, stdout: TextIO, parser: argparse.ArgumentParser) -> int:
    # Imported here: the text-only paths must work without the Hub client's dependencies loaded.
    from .hub import HubUnreachable
    from .pipeline import InvalidSpace, diagnose_live_sync

    try:
        verdict = diagnose_live_sync(args.space, text, endpoint=args.endpoint,
                                     status_url=args.status_url or _environment("SPACEDOC_STATUS_URL"),
                                     deadline=args.deadline)
    except InvalidSpace as exc:
        parser.error(str(exc))
    except HubUnreachable as exc:
        print(f"python -m diagnosis: cannot reach the Hub ({exc}); use --offline to decide from the text alone",
              file=sys.stderr)
        return EXIT_UNREACHABLE
    _print(verdict, args, stdout)
    return EXIT_OK


def _environment(name: str) -> str | None:
    """A default the command line takes from the environment, as the bot does (spacedoc.config reads the bot's):
    SPACEDOC_STATUS_URL. (HF_ENDPOINT is read by huggingface_hub itself.) Unset or blank: None."""
    return os.environ.get(name, "").strip() or None


def _batch(stdin: TextIO, stdout: TextIO) -> int:
    for line in stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if not isinstance(item, dict):
            stdout.write(json.dumps({"id": None, "error": "not a JSON object line"}) + "\n")
        else:
            text, title = item.get("text"), item.get("title")
            verdict = decide(_report(text if isinstance(text, str) else "", title if isinstance(title, str) else ""))
            stdout.write(json.dumps({"id": item.get("id"), **to_json(verdict)}, ensure_ascii=False) + "\n")
        stdout.flush()
    return EXIT_OK


def _print(verdict: Verdict, args: argparse.Namespace, stdout: TextIO) -> None:
    if args.email_draft:
        out = email_draft(verdict) or texts.say(verdict.language, "ui.no_email")
    elif args.json:
        out = json.dumps(to_json(verdict), ensure_ascii=False, indent=2)
    else:
        out = to_terminal(verdict)
    stdout.write(out + "\n")
    stdout.flush()
