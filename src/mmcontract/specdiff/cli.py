"""`mmcontract diff OLD.yaml NEW.yaml`: breaking changes between two versions of the contract.

Exit 1 when a finding at or above --fail-on (default ERR) exists, 0 otherwise, 2 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmcontract.errors import EXIT_OK, EXIT_VIOLATIONS, SpecError
from mmcontract.specdiff.compare import diff_documents
from mmcontract.specdiff.loader import load_document
from mmcontract.specdiff.output import render_json, render_markdown, render_text
from mmcontract.specdiff.rules import LEVELS, RULES, at_least


def _level(value: str) -> str:
    level = value.upper()
    if level not in LEVELS:
        raise argparse.ArgumentTypeError(f"expected one of ERR, WARN, INFO but got {value!r}")
    return level


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", type=Path, metavar="OLD.yaml", help="the contract before the change")
    parser.add_argument("new", type=Path, metavar="NEW.yaml", help="the contract after the change")
    parser.add_argument(
        "--fail-on",
        type=_level,
        default="ERR",
        metavar="ERR|WARN|INFO",
        help="exit 1 when a change at or above this level exists (default: ERR)",
    )
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format"
    )
    parser.add_argument(
        "--output", type=Path, default=None, metavar="FILE", help="write the output to FILE instead of stdout"
    )
    parser.epilog = f"{len(RULES)} rules with oasdiff's ids and levels; see docs/specdiff.md"


def execute(args: argparse.Namespace) -> int:
    old, new = load_document(args.old), load_document(args.new)
    try:
        findings = diff_documents(old, new, str(args.old), str(args.new))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A structurally malformed document (a list where a mapping belongs, ...): one line, not a traceback.
        raise SpecError(
            f"cannot compare {args.old} and {args.new}: malformed OpenAPI ({exc.__class__.__name__}: {exc})"
        ) from None
    if args.format == "json":
        text = render_json(findings, str(args.old), str(args.new), args.fail_on)
    elif args.format == "markdown":
        text = render_markdown(findings, str(args.old), str(args.new))
    else:
        text = render_text(findings, str(args.old), str(args.new))
    if args.output is not None:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    failing = [f for f in findings if at_least(f.level, args.fail_on)]
    return EXIT_VIOLATIONS if failing else EXIT_OK
