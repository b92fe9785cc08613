"""Loading the contract: where the shipped OpenAPI file and client overlay are, their content, and the hash.

The contract is edited in `openapi/model_management.yaml` at the repository root. The package ships it as
`mmcontract/data/model_management.yaml`, a symlink to that file in the source tree: an editable install reads
the edited file through the link, and a wheel build copies the file's content in its place (setuptools follows
symlinks when it copies package data). So `SPEC_PATH` is right in both, with no build step to forget.
The client overlay `openapi/overlays/datarobot-client.yaml` ships the same way as
`mmcontract/data/datarobot-client.yaml` (`OVERLAY_PATH`). `load_spec(level)` gives the effective contract of a
level (`mmcontract.contract.levels`): the page contract, or the page contract with the overlay applied.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from mmcontract.errors import SpecError
from mmcontract.report.model import Level

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped_path(data_file: Path) -> Path:
    """The contract behind `data_file`. A checkout without symlink support (git `core.symlinks=false`, e.g. on
    Windows) turns the link into a short text file holding the relative target: follow it by hand."""
    if data_file.is_file() and not data_file.is_symlink() and data_file.stat().st_size < 256:
        target = (
            data_file.parent / data_file.read_text(encoding="utf-8", errors="replace").strip()
        ).resolve()
        if target.is_file():
            return target
    return data_file


SPEC_PATH: Path = shipped_path(Path(__file__).resolve().parent / "data" / "model_management.yaml")
OVERLAY_PATH: Path = shipped_path(Path(__file__).resolve().parent / "data" / "datarobot-client.yaml")


def load_spec(
    level: Level = "page", *, path: Path | str | None = None, overlay_path: Path | str | None = None
) -> dict[str, Any]:
    """The effective contract at `level` as a dict (a fresh copy each call, so callers may mutate it).

    `path` replaces the page contract and `overlay_path` the client overlay (tests, other contract versions).
    """
    from mmcontract.contract.levels import check_level

    check_level(level)
    page_path = Path(path) if path is not None else SPEC_PATH
    if level == "page":
        return _parse(page_path)
    over_path = Path(overlay_path) if overlay_path is not None else OVERLAY_PATH
    return copy.deepcopy(
        _client_cached(page_path.resolve(), _mtime(page_path), over_path.resolve(), _mtime(over_path))
    )


def load_overlay(path: Path | str | None = None) -> dict[str, Any]:
    """The client overlay as a dict (fresh copy)."""
    return _parse(Path(path) if path is not None else OVERLAY_PATH, overlay=True)


def spec_hash(path: Path | str | None = None) -> str:
    """sha256 (hex) of the contract file's bytes: identifies the contract a run used."""
    return hashlib.sha256(_read_bytes(Path(path) if path is not None else SPEC_PATH)).hexdigest()


def _read_bytes(path: Path, what: str = "the contract") -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def _parse(path: Path, overlay: bool = False) -> dict[str, Any]:
    # Parsed once per file version (mtime); deep-copied so a caller's edits never leak into the cache.
    return copy.deepcopy(_parse_cached(path.resolve(), _mtime(path), overlay))


@lru_cache(maxsize=8)
def _parse_cached(path: Path, _mtime_ns: int, overlay: bool) -> dict[str, Any]:
    what = "the client overlay" if overlay else "the contract"
    try:
        data = yaml.load(_read_bytes(path, what), Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{what} {path} is not valid YAML{where}") from None
    if overlay:
        if not isinstance(data, dict) or "overlay" not in data or "actions" not in data:
            raise SpecError(f"{what} {path} is not an OpenAPI Overlay (no 'overlay'/'actions' keys)")
    elif not isinstance(data, dict) or "openapi" not in data or "paths" not in data:
        raise SpecError(f"{what} {path} is not an OpenAPI document (no 'openapi'/'paths' keys)")
    return data


@lru_cache(maxsize=4)
def _client_cached(
    page_path: Path, _page_mtime: int, overlay_path: Path, _overlay_mtime: int
) -> dict[str, Any]:
    from mmcontract.contract.levels import effective_contract

    page = _parse_cached(page_path, _page_mtime, False)
    overlay = _parse_cached(overlay_path, _overlay_mtime, True)
    return effective_contract("client", page, overlay)


# ---------------------------------------------------------------------------------------------- x-doc-gap
# The record format is fixed in ARCHITECTURE.md ("The x-doc-gap record").
DOC_GAP_KEY = "x-doc-gap"
DOC_GAP_FIELDS = ("aspect", "page", "spec", "why", "evidence")
DOC_GAP_ASPECTS = frozenset(
    {
        "added",
        "removed",
        "type",
        "format",
        "nullable",
        "required",
        "enum",
        "default",
        "bounds",
        "status",
        "body",
        "deprecated",
        "other",
    }
)


def iter_doc_gaps(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every `x-doc-gap` value in the document, with the JSON pointer of the node that carries it."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == DOC_GAP_KEY:
                yield pointer, value
            else:
                yield from iter_doc_gaps(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_doc_gaps(value, f"{pointer}/{index}")


def doc_gap_problems(document: Any) -> list[str]:
    """One line per malformed `x-doc-gap` record (empty when every record follows the fixed format)."""
    problems: list[str] = []
    for pointer, value in iter_doc_gaps(document):
        where = pointer or "/"
        if not isinstance(value, list) or not value:
            problems.append(f"{where}: x-doc-gap must be a non-empty list of records")
            continue
        for index, entry in enumerate(value):
            at = f"{where} x-doc-gap[{index}]"
            if not isinstance(entry, dict):
                problems.append(f"{at}: a record must be a mapping")
                continue
            missing = [field for field in DOC_GAP_FIELDS if field not in entry]
            if missing:
                problems.append(f"{at}: missing {', '.join(missing)}")
            unknown = sorted(set(entry) - set(DOC_GAP_FIELDS))
            if unknown:
                problems.append(f"{at}: unknown field(s) {', '.join(unknown)}")
            empty = [
                f
                for f in DOC_GAP_FIELDS
                if f in entry and not (isinstance(entry[f], str) and entry[f].strip())
            ]
            if empty:
                problems.append(f"{at}: {', '.join(empty)} must be non-empty text")
            aspect = entry.get("aspect")
            if isinstance(aspect, str) and aspect not in DOC_GAP_ASPECTS:
                problems.append(f"{at}: aspect {aspect!r} is not one of {', '.join(sorted(DOC_GAP_ASPECTS))}")
    return problems


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
