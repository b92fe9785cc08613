"""Command-line entry point: `mmcontract serve|run|diff|doc-check|contract|compare`.

Each subcommand lives in its own module exposing `configure(parser)` and `execute(args) -> int`; this module
only dispatches and turns errors into one line and an exit code (never a traceback).
"""

from __future__ import annotations

import argparse
import difflib
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
    "compare": ("mmcontract.compare.cli", "behaviour differences between two servers (an upgrade)"),
}


class _Parser(argparse.ArgumentParser):
    """One-line errors (exit 2); no abbreviated options (`--end` is not `--endpoint`: a typo must not pass for
    another option); an unknown option names the closest one (Python 3.11 has no suggest_on_error)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def _option_strings(self) -> list[str]:
        """Every option of this parser and of its subcommands (the top parser reports their unknown options)."""
        options = [o for action in self._actions for o in action.option_strings]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    options += sub._option_strings() if isinstance(sub, _Parser) else []
        return sorted(set(options))

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage plus the message; keep it to one line and exit code 2.
        if message.startswith("unrecognized arguments: "):
            unknown = [a.split("=", 1)[0] for a in message.removeprefix("unrecognized arguments: ").split()]
            hints = []
            options = self._option_strings()
            for arg in (a for a in unknown if a.startswith("-")):
                longer = [o for o in options if o.startswith(arg) and len(arg) > 2]
                close = difflib.get_close_matches(arg, options, n=1, cutoff=0.6)
                if longer:
                    hints.append(f"{arg}: options are not abbreviated, did you mean {' or '.join(longer)}?")
                elif close:
                    hints.append(f"{arg}: did you mean {close[0]}?")
            if hints:
                message += " (" + "; ".join(hints) + ")"
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
