"""`mmcontract contract [--level page|client] [--spec PATH] [--overlay PATH] [--output FILE]`.

Prints the effective contract of a level as YAML: `page` is the contract as the reference page states it (with
the decisions that widen where the page is silent), `client` adds the official client's needs (the overlay).
Exit 0; 2 with one line when a file cannot be read or the overlay does not apply.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

from mmcontract.contract.levels import LEVEL_NAMES
from mmcontract.errors import EXIT_OK, UsageError


class _Dumper(yaml.SafeDumper):
    """Block style, keys in document order, and no anchors/aliases for objects the overlay shares."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--level", choices=LEVEL_NAMES, default="page", help="contract level (default: page)")
    parser.add_argument("--spec", metavar="PATH", help="the page contract (default: the shipped one)")
    parser.add_argument("--overlay", metavar="PATH", help="the client overlay (default: the shipped one)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")


def render(level: str, spec: str | None = None, overlay: str | None = None) -> str:
    from mmcontract.spec import load_spec

    document = load_spec(level, path=spec, overlay_path=overlay)  # type: ignore[arg-type]
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def execute(args: argparse.Namespace) -> int:
    text = render(args.level, args.spec, args.overlay)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        return EXIT_OK
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK
