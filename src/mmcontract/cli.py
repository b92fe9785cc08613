"""Command-line entry point: `mmcontract serve|run|diff|doc-check|contract`.

Each subcommand lives in its own module exposing `configure(parser)` and `execute(args) -> int`; this module
only dispatches and turns errors into one line and an exit code (never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from mmcontract import __version__
from mmcontract.errors import EXIT_CANNOT_RUN, EXIT_INTERRUPTED, MMContractError

# name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("mmcontract.reference.cli", "run the embedded reference server"),
    "run": ("mmcontract.runner", "run the contract suite against a target"),
    "diff": ("mmcontract.specdiff.cli", "breaking changes between two versions of the contract"),
    "doc-check": ("mmcontract.doccheck.cli", "compare the contract with a copy of the reference page"),
    "contract": ("mmcontract.contract.cli", "print the effective contract of a level (page or client)"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus the message; keep it to one line and exit code 2.
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(EXIT_CANNOT_RUN)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """All subcommands are listed; only `command`'s module is imported (serve need not load Schemathesis)."""
    parser = _Parser(prog="mmcontract", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--version", action="version", version=f"mmcontract {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            module.configure(sub_parser)
            sub_parser.set_defaults(_execute=module.execute)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command).parse_args(argv)
    try:
        return int(args._execute(args))
    except MMContractError as exc:
        sys.stderr.write(f"mmcontract {args.command}: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"mmcontract {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
