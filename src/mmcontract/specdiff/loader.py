"""Reading an OpenAPI document and resolving its local $refs (`#/components/...`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mmcontract.errors import SpecError


def load_document(path: Path) -> dict[str, Any]:
    """Parse a YAML or JSON OpenAPI file; SpecError (one line, exit 2) if it cannot be read or is not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a directory, not an OpenAPI file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        document = yaml.safe_load(text)  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path}: not valid YAML or JSON{where}") from None
    if not isinstance(document, dict) or not ("openapi" in document or "swagger" in document):
        raise SpecError(f"{path}: not an OpenAPI document (no 'openapi' key)")
    if not str(document.get("openapi", "")).startswith("3."):
        raise SpecError(
            f"{path}: OpenAPI {document.get('openapi') or document.get('swagger')} is not supported (3.x)"
        )
    if not isinstance(document.get("paths") or {}, dict):
        raise SpecError(f"{path}: 'paths' is not a mapping")
    return document


class Resolver:
    """Follows local JSON-pointer $refs within one document (chains included, cycles stopped)."""

    def __init__(self, document: dict[str, Any], name: str) -> None:
        self.document = document
        self.name = name

    def lookup(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise SpecError(f"{self.name}: only local $refs are supported, got {ref!r}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SpecError(f"{self.name}: unresolvable $ref {ref!r}")
        return node

    def deref(self, node: Any) -> Any:
        """The node a (possibly chained) $ref points to; other nodes unchanged."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(f"{self.name}: $ref cycle at {ref!r}")
            seen.add(ref)
            target = self.lookup(ref)
            if len(node) > 1 and isinstance(target, dict):
                # OpenAPI 3.1 allows siblings next to $ref (description, nullable, ...): they refine the target.
                target = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            node = target
        return node
