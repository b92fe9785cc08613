"""`mmcontract diff`: breaking-change detection between two versions of an OpenAPI 3.x contract.

Rule ids and levels are oasdiff's (see rules.py); `diff_files(old, new)` is the API, `cli.py` the command.
"""

from __future__ import annotations

from pathlib import Path

from mmcontract.specdiff.compare import Finding, diff_documents
from mmcontract.specdiff.loader import load_document
from mmcontract.specdiff.rules import RULES, Rule


def diff_files(old: Path, new: Path) -> list[Finding]:
    """Findings between two contract files, most severe first; SpecError if one cannot be read."""
    return diff_documents(load_document(old), load_document(new), str(old), str(new))


__all__ = ["RULES", "Finding", "Rule", "diff_documents", "diff_files"]
