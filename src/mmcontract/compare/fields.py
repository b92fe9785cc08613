"""What the page-level contract says about a response field: its `Schema.field` name, required, nullable, enum,
format. `field_info(spec, path, status, segments)` walks the operation's response schema along a pointer
(list items keyed by id are one segment like an index)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldInfo:
    name: str  # Schema.field (or the pointer when the contract does not describe it)
    known: bool = False
    required: bool = False
    nullable: bool = False
    enum: tuple[Any, ...] = ()
    format: str | None = None


def _resolve(spec: dict[str, Any], node: Any) -> tuple[Any, str | None]:
    name = None
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        name = ref.rsplit("/", 1)[-1]
        target: Any = spec
        for part in ref.lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = target, seen + 1
    return node, name


def _merged(spec: dict[str, Any], node: Any) -> tuple[dict[str, Any], str | None]:
    node, name = _resolve(spec, node)
    if not isinstance(node, dict):
        return {}, name
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key, []) or []:
            sub, sub_name = _merged(spec, part)
            if sub.get("type") == "null":
                node = {**node, "nullable": True}
                continue
            merged = {**sub, **{k: v for k, v in node.items() if k not in ("allOf", "anyOf", "oneOf")}}
            merged["properties"] = {**sub.get("properties", {}), **node.get("properties", {})}
            merged["required"] = [*sub.get("required", []), *node.get("required", [])]
            node, name = merged, name or sub_name
    return node, name


def response_schema(spec: dict[str, Any], path: str, status: int, method: str = "get") -> Any:
    responses = spec.get("paths", {}).get(path, {}).get(method.lower(), {}).get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or {}
    response, _ = _resolve(spec, response)
    content = response.get("content", {}) if isinstance(response, dict) else {}
    for media in content.values():
        return media.get("schema")
    return None


def field_info(
    spec: dict[str, Any], path: str, status: int, segments: list[str], method: str = "get"
) -> FieldInfo:
    pointer = "/" + "/".join("*" if s.startswith("#") else s for s in segments)
    node: Any = response_schema(spec, path, status, method)
    owner: str | None = None
    parent: dict[str, Any] = {}
    last = ""
    for segment in segments:
        schema, name = _merged(spec, node)
        owner = name or owner
        if segment.startswith("#") or segment.isdigit():
            node = schema.get("items")
            continue
        properties = schema.get("properties", {})
        if segment not in properties:
            return FieldInfo(pointer)
        parent, last, node = schema, segment, properties[segment]
    if not last:
        return FieldInfo(pointer)
    schema, _ = _merged(spec, node)
    types = schema.get("type")
    nullable = bool(schema.get("nullable")) or (isinstance(types, list) and "null" in types)
    return FieldInfo(
        name=f"{owner}.{last}" if owner else pointer,
        known=True,
        required=last in (parent.get("required") or []),
        nullable=nullable,
        enum=tuple(schema.get("enum") or ()),
        format=schema.get("format"),
    )
