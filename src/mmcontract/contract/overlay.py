"""An OpenAPI Overlay 1.0.0 applier (https://spec.openapis.org/overlay/v1.0.0).

An overlay is `{overlay: 1.0.x, info: {title, version}, extends?, actions: [...]}`; each action has a `target`
(an RFC 9535 JSONPath query) and either `update` (merged into every node the target selects) or `remove: true`
(every selected node is removed from its parent). Actions apply in order, each to the result of the previous.
Merging follows the spec: an object update deep-merges into an object (the update's values win for scalars,
objects merge recursively, arrays are appended); an update of an array appends the update (its items when it
is an array). A target that selects nothing is an error that names the action: an overlay that silently does
nothing is worse than one that fails.

Keys starting with `x-` on the overlay or an action (e.g. `x-evidence`) are extensions and are ignored here.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpath_rfc9535

from mmcontract.errors import SpecError

SUPPORTED_VERSION = "1.0."


class OverlayError(SpecError):
    """The overlay is malformed or does not apply to the document (exit 2, one line)."""


def apply_overlay(document: dict[str, Any], overlay: Any) -> dict[str, Any]:
    """`document` with `overlay`'s actions applied, as a new dict (`document` is left unchanged)."""
    actions = validate_overlay(overlay)
    result = copy.deepcopy(document)
    for index, action in enumerate(actions):
        _apply_action(result, index, action)
    return result


def validate_overlay(overlay: Any) -> list[dict[str, Any]]:
    """The overlay's actions; OverlayError when the document does not follow the Overlay 1.0 structure."""
    if not isinstance(overlay, dict):
        raise OverlayError("the overlay is not a mapping")
    version = overlay.get("overlay")
    if not isinstance(version, str) or not version.startswith(SUPPORTED_VERSION):
        raise OverlayError(f"the overlay's 'overlay' field must be a 1.0.x version, not {version!r}")
    info = overlay.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        raise OverlayError("the overlay needs info.title and info.version")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("the overlay needs a non-empty 'actions' list")
    for index, action in enumerate(actions):
        where = _where(index, action)
        if not isinstance(action, dict):
            raise OverlayError(f"{where}: an action must be a mapping")
        if not isinstance(action.get("target"), str) or not action["target"].strip():
            raise OverlayError(f"{where}: 'target' must be a JSONPath query")
        has_update = "update" in action
        remove = action.get("remove", False)
        if not isinstance(remove, bool):
            raise OverlayError(f"{where}: 'remove' must be true or false")
        if has_update == remove:
            raise OverlayError(f"{where}: exactly one of 'update' or 'remove: true' is required")
        unknown = sorted(k for k in action if k not in ("target", "description", "update", "remove"))
        unknown = [k for k in unknown if not str(k).startswith("x-")]
        if unknown:
            raise OverlayError(f"{where}: unknown field(s) {', '.join(unknown)}")
    return actions


def _where(index: int, action: Any) -> str:
    target = action.get("target") if isinstance(action, dict) else None
    return f"overlay action {index + 1}" + (f" (target {target})" if isinstance(target, str) else "")


def _apply_action(document: dict[str, Any], index: int, action: dict[str, Any]) -> None:
    where = _where(index, action)
    try:
        nodes = jsonpath_rfc9535.find(action["target"], document)
    except jsonpath_rfc9535.JSONPathError as exc:
        raise OverlayError(f"{where}: invalid JSONPath: {exc}") from None
    if not nodes:
        raise OverlayError(f"{where}: the target matches nothing in the document")
    if action.get("remove"):
        _remove(document, [node.location for node in nodes], where)
        return
    update = action["update"]
    for node in nodes:
        target = node.value
        if isinstance(target, dict):
            if not isinstance(update, dict):
                raise OverlayError(f"{where}: an object target needs an object update")
            deep_merge(target, update)
        elif isinstance(target, list):
            target.extend(copy.deepcopy(update) if isinstance(update, list) else [copy.deepcopy(update)])
        else:
            raise OverlayError(
                f"{where}: the target selects a {type(target).__name__}, not an object or array"
            )


def deep_merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Merge `update` into `target` in place: objects recursively, arrays appended, anything else replaced."""
    for key, value in update.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            current.extend(copy.deepcopy(value))
        else:
            target[key] = copy.deepcopy(value)


def _remove(document: dict[str, Any], locations: list[tuple[str | int, ...]], where: str) -> None:
    if any(not location for location in locations):
        raise OverlayError(f"{where}: cannot remove the document's root")
    # Deepest and highest index first, so removing one node never shifts another that is still to go.
    for location in sorted(
        set(locations), key=lambda loc: (len(loc), loc[-1] if isinstance(loc[-1], int) else -1), reverse=True
    ):
        parent: Any = document
        for step in location[:-1]:
            parent = parent[step]
        if isinstance(parent, dict):
            parent.pop(location[-1], None)
        else:
            del parent[location[-1]]
