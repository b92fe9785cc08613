"""`mmcontract doc-check PAGE [--spec PATH] [--format text|json]`: the fidelity check for a copy of the page.

Exit 0 when every difference between the page and the contract is excused by an `x-doc-gap`, 1 when some are
not (each listed on one line), 2 when the page or the contract cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml

from mmcontract.doccheck.compare import CATEGORIES, Comparison, compare
from mmcontract.doccheck.reader import Page, read_page
from mmcontract.errors import EXIT_OK, EXIT_VIOLATIONS, SpecError, UsageError


def default_spec_path() -> Path:
    try:
        from mmcontract.spec import SPEC_PATH
    except ImportError:  # a tree without the contract module: the file at the repository root
        return Path(__file__).resolve().parents[3] / "openapi" / "model_management.yaml"
    return Path(SPEC_PATH)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("page", metavar="PAGE", help="a copy of the reference page, as text")
    parser.add_argument("--spec", metavar="PATH", help="the contract to check (default: the shipped one)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--show-excused", action="store_true", help="also list the differences an x-doc-gap excuses"
    )


def execute(args: argparse.Namespace) -> int:
    page = load_page(Path(args.page))
    spec_path = Path(args.spec) if args.spec else default_spec_path()
    document = load_document(spec_path)
    try:
        result = compare(page, document)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        raise SpecError(
            f"the contract {spec_path} has an unexpected structure ({type(exc).__name__}: {exc})"
        ) from None
    try:
        if args.format == "json":
            json.dump(as_json(page, result, args.page, spec_path), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            write_text(sys.stdout, page, result, args.page, spec_path, show_excused=args.show_excused)
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head`: the reader left; the verdict is still the exit code
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK if result.ok else EXIT_VIOLATIONS


def load_page(path: Path) -> Page:
    try:
        page = read_page(path)
    except OSError as exc:
        raise UsageError(f"cannot read the page {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the page {path} is not UTF-8 text") from None
    if not page.operations:
        raise UsageError(
            f"no operation found in {path}: is it a copy of the Model Management reference page?"
        )
    return page


def load_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the contract {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"the contract {path} is not UTF-8 text") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"the contract {path} is not valid YAML{where}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise SpecError(f"the contract {path} is not an OpenAPI document (no 'paths' object)")
    return document


def write_text(
    out: TextIO, page: Page, result: Comparison, page_path: str, spec_path: Path, show_excused: bool = False
) -> None:
    out.write(f"doc-check: {page_path} against {spec_path}\n")
    out.write(
        f"page: {len(page.operations)} operations, {len(page.sections)} schema sections "
        f"({len(page.unidentified)} unidentified)\n"
    )
    width = max(len(c) for c in CATEGORIES)
    for category in CATEGORIES:
        out.write(f"  {category:<{width}}  {result.counts[category]}\n")
    used = sum(1 for g in result.gaps if g.used)
    out.write(
        f"x-doc-gap entries: {len(result.gaps)} ({used} excuse a difference, {len(result.stale)} stale, "
        f"{len(result.unchecked)} of aspects doc-check does not compare there)\n"
    )
    for line in result.bindings:
        out.write(f"binding: {line}\n")
    for section in page.unidentified:
        where = (
            "; its example occurs at " + ", ".join(map(str, section.positions)) if section.positions else ""
        )
        out.write(f"unidentified: {section.label}: {section.conflict}{where}\n")
    for warning in result.warnings:
        out.write(f"warning: {warning}\n")
    for gap in result.stale:
        out.write(f"warning: stale x-doc-gap (excuses nothing): {gap}: page {gap.entry.get('page')!r}\n")
    if show_excused:
        for diff, _ in result.excused:
            out.write(f"excused: {diff}\n")
    for problem in result.invalid_gaps:
        out.write(f"INVALID x-doc-gap {problem}\n")
    if result.differences:
        out.write(f"{len(result.differences)} unexcused difference(s):\n")
        for diff in result.differences:
            out.write(f"DIFF {diff}\n")
    else:
        out.write("no unexcused difference\n")


def as_json(page: Page, result: Comparison, page_path: str, spec_path: Path) -> dict[str, Any]:
    return {
        "page": page_path,
        "spec": str(spec_path),
        "ok": result.ok,
        "counts": {
            c: {"matched": n.matched, "excused": n.excused, "unexcused": n.differing, "total": n.total}
            for c, n in result.counts.items()
        },
        "differences": [_diff(d) for d in result.differences],
        "excused": [_diff(d) | {"by": [str(g) for g in gaps]} for d, gaps in result.excused],
        "x_doc_gap": {
            "entries": len(result.gaps),
            "stale": [str(g) for g in result.stale],
            "unchecked": [str(g) for g in result.unchecked],
        },
        "sections": [
            {
                "index": s.index,
                "line": s.line,
                "name": s.name,
                "evidence": s.evidence,
                "unidentified_because": s.conflict if s.name is None else None,
                "window": list(s.window) if s.name is None else None,
                "found_at": [str(p) for p in s.positions],
            }
            for s in page.sections
        ],
        "invalid_x_doc_gap": result.invalid_gaps,
        "bindings": result.bindings,
        "warnings": result.warnings,
    }


def _diff(diff: Any) -> dict[str, str]:
    return {
        "location": diff.location,
        "aspect": diff.aspect,
        "page": diff.page_value,
        "spec": diff.spec_value,
        "pointer": diff.pointer,
    }
