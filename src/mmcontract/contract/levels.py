"""The effective contract at each level.

- `page`: `openapi/model_management.yaml` as it is: what the reference page states, plus the decisions where the
  page is silent (each widening what a server may do, marked `x-doc-gap`).
- `client`: the page contract with the overlay `openapi/overlays/datarobot-client.yaml` applied: what the
  official `datarobot` client needs beyond the page, each action citing the client source (`x-evidence`) and
  saying what breaks without it (`x-breaks`). The overlay's `x-client-checks` list the client needs that are
  not schema (auth scheme, version endpoint, ...): they are data for the suite, not part of the document.
"""

from __future__ import annotations

import copy
from typing import Any, get_args

from mmcontract.contract.overlay import apply_overlay
from mmcontract.errors import SpecError, UsageError
from mmcontract.report.model import Level

LEVEL_NAMES: tuple[str, ...] = get_args(Level)
OVERLAY_KEYS_DROPPED = ("x-client-checks",)


def check_level(level: str) -> Level:
    if level not in LEVEL_NAMES:
        raise UsageError(f"unknown contract level {level!r} (choose from {', '.join(LEVEL_NAMES)})")
    return level  # type: ignore[return-value]


def effective_contract(level: Level, page: dict[str, Any], overlay: dict[str, Any] | None) -> dict[str, Any]:
    """The contract at `level` built from the page contract and the client overlay (both left unchanged)."""
    check_level(level)
    if level == "page":
        return copy.deepcopy(page)
    if overlay is None:
        raise SpecError("the client level needs the client overlay")
    return apply_overlay(page, overlay)


def client_checks(overlay: dict[str, Any]) -> list[dict[str, Any]]:
    """The overlay's `x-client-checks`: client needs that are not schema (each with id, evidence, breaks)."""
    checks = overlay.get("x-client-checks", [])
    if not isinstance(checks, list):
        raise SpecError("the overlay's x-client-checks must be a list")
    return copy.deepcopy(checks)
