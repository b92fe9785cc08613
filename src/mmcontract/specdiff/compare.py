"""Comparing two OpenAPI 3.x documents: every difference a client could notice becomes a Finding.

The walk goes paths -> operations -> parameters / request body / responses -> schemas (following $refs,
merging allOf, recursing through properties and array items). Schema constraints are compared once, by a
generic function that names what changed ("max-length-decreased"); the rule id is the direction's prefix
plus that name ("request-property-max-length-decreased"), reported only if oasdiff defines such a rule: that
is how the same change is breaking in a request and harmless in a response, or the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mmcontract.specdiff.loader import Resolver
from mmcontract.specdiff.rules import RANK, RULES

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MISSING = object()


@dataclass(frozen=True)
class Finding:
    id: str
    level: str
    operation: str  # "GET /path" (the new spec's path), or the path / "components" for document-level rules
    location: str  # "query parameter 'limit'", "response 200 property 'data/items/name'", ...
    message: str

    @property
    def text(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass
class _Context:
    old: Resolver
    new: Resolver
    findings: list[Finding] = field(default_factory=list)

    def emit(self, rule_id: str, operation: str, location: str, message: str) -> bool:
        rule = RULES.get(rule_id)
        if rule is None:
            return False
        self.findings.append(Finding(rule.id, rule.level, operation, location, message))
        return True


# --- schemas -----------------------------------------------------------------------------------------------


@dataclass
class _Schema:
    """A schema with $refs followed, allOf merged, and nullability made explicit (3.0 and 3.1 styles)."""

    raw: dict[str, Any]
    types: frozenset[str]  # without "null"; empty: any type
    nullable: bool
    enum: list[Any] | None  # without null
    properties: dict[str, Any]  # name -> unresolved node
    required: frozenset[str]
    items: Any


def _types_of(raw: dict[str, Any]) -> tuple[set[str], bool]:
    declared = raw.get("type")
    types = (
        set(declared) if isinstance(declared, list) else ({declared} if isinstance(declared, str) else set())
    )
    nullable = "null" in types or raw.get("nullable") is True
    types.discard("null")
    return types, nullable


def _schema(node: Any, resolver: Resolver) -> _Schema:
    raw = resolver.deref(node) if node is not None else {}
    raw = dict(raw) if isinstance(raw, dict) else {}
    properties: dict[str, Any] = dict(raw.get("properties") or {})
    required = set(raw.get("required") or [])
    for part in raw.get("allOf") or []:
        sub = _schema(part, resolver)
        properties.update(sub.properties)
        required |= sub.required
        for key, value in sub.raw.items():
            raw.setdefault(key, value)
    types, nullable = _types_of(raw)
    branches = [resolver.deref(b) for b in (raw.get("oneOf") or raw.get("anyOf") or [])]
    branches = [b for b in branches if isinstance(b, dict)]
    if branches:
        non_null = [b for b in branches if b.get("type") != "null" and b.get("enum") != [None]]
        nullable = nullable or len(non_null) < len(branches)
        if len(non_null) == 1 and not types:
            # `anyOf: [X, {type: null}]`: a nullable X
            inner = _schema(non_null[0], resolver)
            merged = {**inner.raw, **{k: v for k, v in raw.items() if k not in ("oneOf", "anyOf")}}
            return _Schema(
                merged, inner.types, True, inner.enum, inner.properties, inner.required, inner.items
            )
        if not types:
            for branch in non_null:
                types |= _types_of(branch)[0]
    enum = raw.get("enum")
    if isinstance(enum, list):
        nullable = nullable or None in enum
        enum = [v for v in enum if v is not None]
    else:
        enum = None
    if not types and properties:
        types = {"object"}
    return _Schema(raw, frozenset(types), nullable, enum, properties, frozenset(required), raw.get("items"))


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Every value of a `narrow` type is valid for `wide` (integer is a number; no type is any type)."""
    if not wide:
        return True
    if not narrow:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _show(value: Any) -> str:
    return "none" if value is _MISSING or value is None else repr(value)


def _compare_constraints(ctx: _Context, prefix: str, op: str, where: str, old: _Schema, new: _Schema) -> None:
    """The value constraints of one schema node (not its properties)."""

    def emit(*suffixes: str, message: str) -> None:
        for suffix in suffixes:  # the first that is a rule for this prefix
            if ctx.emit(f"{prefix}-{suffix}", op, where, message):
                return

    if old.types != new.types:
        message = f"type changed from {'/'.join(sorted(old.types)) or 'any'} to {'/'.join(sorted(new.types)) or 'any'}"
        if _covers(new.types, old.types):
            emit("type-generalized", "type-changed", message=message)
        elif _covers(old.types, new.types):
            emit("type-specialized", "type-changed", message=message)
        else:
            emit("type-changed", message=message)
    elif old.raw.get("format") != new.raw.get("format") and old.types == new.types:
        before, after = old.raw.get("format"), new.raw.get("format")
        message = f"format changed from {_show(before)} to {_show(after)}"
        if after is None:
            emit("type-generalized", "type-changed", message=message)
        elif before is None:
            emit("type-specialized", "type-changed", message=message)
        else:
            emit("type-changed", message=message)

    if old.nullable != new.nullable:
        emit(
            "became-nullable" if new.nullable else "became-not-nullable",
            message="nullable" if new.nullable else "no longer nullable",
        )

    if old.enum is not None and new.enum is not None:
        removed = [v for v in old.enum if v not in new.enum]
        added = [v for v in new.enum if v not in old.enum]
        for value in removed:
            emit("enum-value-removed", message=f"enum value {value!r} removed")
        for value in added:
            emit("enum-value-added", message=f"enum value {value!r} added")
    elif old.enum is None and new.enum is not None:
        emit("became-enum", message=f"restricted to enum {new.enum!r}")

    def bound(key: str, name: str) -> None:
        before, after = old.raw.get(key, _MISSING), new.raw.get(key, _MISSING)
        if before == after or not all(isinstance(v, int | float) or v is _MISSING for v in (before, after)):
            return
        if before is _MISSING:
            emit(f"{name}-set", message=f"{key} set to {after}")
        elif after is _MISSING:
            emit(f"{name}-unset", message=f"{key} {before} removed")
        else:
            went_down = after < before  # type: ignore[operator]
            emit(
                f"{name}-{'decreased' if went_down else 'increased'}",
                message=f"{key} changed from {before} to {after}",
            )

    # Whether a change tightens or loosens is in the rule's name: max-decreased tightens a request.
    bound("maxLength", "max-length")
    bound("minLength", "min-length")
    bound("maximum", "max")
    bound("minimum", "min")
    bound("maxItems", "max-items")
    bound("minItems", "min-items")

    before, after = old.raw.get("pattern"), new.raw.get("pattern")
    if before != after:
        if before is None:
            emit("pattern-added", message=f"pattern {after!r} added")
        elif after is None:
            emit("pattern-removed", message=f"pattern {before!r} removed")
        else:
            emit("pattern-changed", message=f"pattern changed from {before!r} to {after!r}")

    before, after = old.raw.get("default", _MISSING), new.raw.get("default", _MISSING)
    if before != after:
        if before is _MISSING:
            emit("default-value-added", message=f"default {after!r} added")
        elif after is _MISSING:
            emit("default-value-removed", message=f"default {before!r} removed")
        else:
            emit("default-value-changed", message=f"default changed from {before!r} to {after!r}")


def _ref_of(node: Any) -> str | None:
    return node.get("$ref") if isinstance(node, dict) and isinstance(node.get("$ref"), str) else None


def _compare_properties(
    ctx: _Context,
    request: bool,
    op: str,
    where: str,
    name: str,
    old: _Schema,
    new: _Schema,
    seen: frozenset[tuple[str | None, str | None]],
) -> None:
    """Properties and array items below one schema node, recursively; `name` is the property path so far."""
    prefix = "request-property" if request else "response-property"
    skip_flag = (
        "readOnly" if request else "writeOnly"
    )  # a request never carries readOnly, a response writeOnly
    if old.items is not None and new.items is not None:
        _compare_node(
            ctx, request, prefix, op, where, f"{name}/items" if name else "items", old.items, new.items, seen
        )
    for prop in sorted(set(old.properties) | set(new.properties)):
        path = f"{name}/{prop}" if name else prop
        place = f"{where} property '{path}'"
        if prop not in new.properties:
            before = _schema(old.properties[prop], ctx.old)
            if before.raw.get(skip_flag):
                continue
            if request:
                ctx.emit("request-property-removed", op, place, "removed")
            else:
                required = prop in old.required
                ctx.emit(
                    f"response-{'required' if required else 'optional'}-property-removed",
                    op,
                    place,
                    "removed",
                )
            continue
        if prop not in old.properties:
            after = _schema(new.properties[prop], ctx.new)
            if after.raw.get(skip_flag):
                continue
            required = prop in new.required
            if request:
                ctx.emit(f"new-{'required' if required else 'optional'}-request-property", op, place, "added")
            else:
                ctx.emit(
                    f"response-{'required' if required else 'optional'}-property-added", op, place, "added"
                )
            continue
        after = _schema(new.properties[prop], ctx.new)
        if after.raw.get(skip_flag):
            continue
        was, now = prop in old.required, prop in new.required
        if was != now:
            ctx.emit(
                f"{prefix}-became-{'required' if now else 'optional'}",
                op,
                place,
                f"became {'required' if now else 'optional'}",
            )
        _compare_node(ctx, request, prefix, op, where, path, old.properties[prop], new.properties[prop], seen)


def _compare_node(
    ctx: _Context,
    request: bool,
    prefix: str,
    op: str,
    where: str,
    path: str,
    old_node: Any,
    new_node: Any,
    seen: frozenset[tuple[str | None, str | None]],
) -> None:
    refs = (_ref_of(old_node), _ref_of(new_node))
    if refs != (None, None):
        if refs in seen:  # a recursive schema: this pair is already being compared further up
            return
        seen = seen | {refs}
    old, new = _schema(old_node, ctx.old), _schema(new_node, ctx.new)
    place = f"{where} property '{path}'" if path else where
    _compare_constraints(ctx, prefix, op, place, old, new)
    _compare_properties(ctx, request, op, where, path, old, new, seen)


# --- operations --------------------------------------------------------------------------------------------


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _path_param_names(path: str) -> list[str]:
    return re.findall(r"\{([^}]*)\}", path)


def _parameters(path_item: dict[str, Any], operation: dict[str, Any], path: str, resolver: Resolver) -> dict:
    """(in, key) -> parameter, operation-level overriding path-level; path parameters keyed by position so
    that renaming `{id}` to `{modelId}` is not a removal."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for node in [*(path_item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param = resolver.deref(node)
        if isinstance(param, dict) and "name" in param and "in" in param:
            merged[(param["in"], param["name"])] = param
    names = _path_param_names(path)
    keyed = {}
    for (where, name), param in merged.items():
        if where == "path" and name in names:
            keyed[("path", f"#{names.index(name)}")] = param
        else:
            keyed[(where, name.lower() if where == "header" else name)] = param
    return keyed


def _param_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    for media in (param.get("content") or {}).values():
        if isinstance(media, dict) and "schema" in media:
            return media["schema"]
    return None


def _compare_parameters(ctx: _Context, op: str, old: dict, new: dict) -> None:
    for key in sorted(set(old) | set(new)):
        where = key[0]
        param = new.get(key) or old.get(key)
        place = f"{where} parameter '{param['name']}'"
        if key not in new:
            deprecated = old[key].get("deprecated") is True
            ctx.emit(
                f"request-parameter-removed{'-with-deprecation' if deprecated else ''}", op, place, "removed"
            )
            continue
        if key not in old:
            required = new[key].get("required") is True
            ctx.emit(f"new-{'required' if required else 'optional'}-request-parameter", op, place, "added")
            continue
        before, after = old[key], new[key]
        if where != "path" and bool(before.get("required")) != bool(after.get("required")):
            now = bool(after.get("required"))
            ctx.emit(
                f"request-parameter-became-{'required' if now else 'optional'}",
                op,
                place,
                f"became {'required' if now else 'optional'}",
            )
        if bool(before.get("deprecated")) != bool(after.get("deprecated")):
            rule = (
                "request-parameter-deprecated" if after.get("deprecated") else "request-parameter-reactivated"
            )
            ctx.emit(rule, op, place, "deprecated" if after.get("deprecated") else "no longer deprecated")
        old_schema, new_schema = _param_schema(before), _param_schema(after)
        if old_schema is None or new_schema is None:
            continue
        s_old, s_new = _schema(old_schema, ctx.old), _schema(new_schema, ctx.new)
        _compare_constraints(ctx, "request-parameter", op, place, s_old, s_new)
        if s_old.items is not None and s_new.items is not None:
            _compare_constraints(
                ctx,
                "request-parameter",
                op,
                f"{place} items",
                _schema(s_old.items, ctx.old),
                _schema(s_new.items, ctx.new),
            )


def _media(body: dict[str, Any]) -> dict[str, Any]:
    content = body.get("content") or {}
    return content if isinstance(content, dict) else {}


def _media_label(media_type: str) -> str:
    return "" if media_type == "application/json" else f" ({media_type})"


def _compare_request_body(ctx: _Context, op: str, old_node: Any, new_node: Any) -> None:
    old = ctx.old.deref(old_node) if old_node is not None else None
    new = ctx.new.deref(new_node) if new_node is not None else None
    if old is None and new is None:
        return
    if old is None:
        required = new.get("required") is True
        ctx.emit(f"request-body-added-{'required' if required else 'optional'}", op, "request body", "added")
        return
    if new is None:
        ctx.emit("request-body-removed", op, "request body", "removed")
        return
    if bool(old.get("required")) != bool(new.get("required")):
        now = bool(new.get("required"))
        ctx.emit(
            f"request-body-became-{'required' if now else 'optional'}",
            op,
            "request body",
            f"became {'required' if now else 'optional'}",
        )
    old_media, new_media = _media(old), _media(new)
    for media_type in sorted(set(old_media) | set(new_media)):
        if media_type not in new_media:
            ctx.emit(
                "request-body-media-type-removed", op, "request body", f"media type {media_type} removed"
            )
        elif media_type not in old_media:
            ctx.emit("request-body-media-type-added", op, "request body", f"media type {media_type} added")
        else:
            o, n = old_media[media_type].get("schema"), new_media[media_type].get("schema")
            if o is not None and n is not None:
                where = f"request body{_media_label(media_type)}"
                _compare_node(ctx, True, "request-body", op, where, "", o, n, frozenset())


def _success(status: str) -> bool:
    return status.startswith("2")


def _compare_responses(ctx: _Context, op: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    old = {str(k).upper(): v for k, v in (old or {}).items()}
    new = {str(k).upper(): v for k, v in (new or {}).items()}
    for status in sorted(set(old) | set(new)):
        kind = "success" if _success(status) else "non-success"
        place = f"response {status.lower() if status == 'DEFAULT' else status}"
        if status not in new:
            ctx.emit(f"response-{kind}-status-removed", op, place, "status removed")
            continue
        if status not in old:
            ctx.emit(f"response-{kind}-status-added", op, place, "status added")
            continue
        old_media = _media(ctx.old.deref(old[status]) or {})
        new_media = _media(ctx.new.deref(new[status]) or {})
        for media_type in sorted(set(old_media) | set(new_media)):
            if media_type not in new_media:
                ctx.emit("response-media-type-removed", op, place, f"media type {media_type} removed")
            elif media_type not in old_media:
                ctx.emit("response-media-type-added", op, place, f"media type {media_type} added")
            else:
                o, n = old_media[media_type].get("schema"), new_media[media_type].get("schema")
                if o is not None and n is not None:
                    where = f"{place}{_media_label(media_type)}"
                    _compare_node(ctx, False, "response-body", op, where, "", o, n, frozenset())


def _security_names(requirements: Any) -> set[str]:
    names = set()
    for requirement in requirements or []:
        if isinstance(requirement, dict):
            names.add(" + ".join(sorted(requirement)) or "(anonymous)")
    return names


def _compare_operation(
    ctx: _Context, op: str, paths: tuple[str, str], items: tuple[dict, dict], ops: tuple[dict, dict]
) -> None:
    old, new = ops
    if bool(old.get("deprecated")) != bool(new.get("deprecated")):
        rule = "endpoint-deprecated" if new.get("deprecated") else "endpoint-reactivated"
        ctx.emit(rule, op, "", "deprecated" if new.get("deprecated") else "no longer deprecated")
    old_id, new_id = old.get("operationId"), new.get("operationId")
    if old_id and old_id != new_id:
        ctx.emit(
            "api-operation-id-removed",
            op,
            "",
            f"operationId {old_id!r} removed" + (f", now {new_id!r}" if new_id else ""),
        )
    elif new_id and not old_id:
        ctx.emit("api-operation-id-added", op, "", f"operationId {new_id!r} added")
    for tag in sorted(set(old.get("tags") or []) - set(new.get("tags") or [])):
        ctx.emit("api-tag-removed", op, "", f"tag {tag!r} removed")
    for tag in sorted(set(new.get("tags") or []) - set(old.get("tags") or [])):
        ctx.emit("api-tag-added", op, "", f"tag {tag!r} added")
    if "security" in old or "security" in new:
        before = _security_names(old.get("security", ctx.old.document.get("security")))
        after = _security_names(new.get("security", ctx.new.document.get("security")))
        for name in sorted(before - after):
            ctx.emit("api-security-removed", op, "security", f"requirement {name} removed")
        for name in sorted(after - before):
            ctx.emit("api-security-added", op, "security", f"requirement {name} added")
    _compare_parameters(
        ctx,
        op,
        _parameters(items[0], old, paths[0], ctx.old),
        _parameters(items[1], new, paths[1], ctx.new),
    )
    _compare_request_body(ctx, op, old.get("requestBody"), new.get("requestBody"))
    _compare_responses(ctx, op, old.get("responses") or {}, new.get("responses") or {})


def _operations(path_item: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(path_item, dict):
        return {}
    return {m: path_item[m] for m in METHODS if isinstance(path_item.get(m), dict)}


def diff_documents(
    old: dict[str, Any], new: dict[str, Any], old_name: str = "old", new_name: str = "new"
) -> list[Finding]:
    """All findings between two loaded OpenAPI documents, most severe first."""
    ctx = _Context(Resolver(old, old_name), Resolver(new, new_name))
    for name in sorted(_security_names(old.get("security")) - _security_names(new.get("security"))):
        ctx.emit("api-global-security-removed", "security", "", f"global requirement {name} removed")
    for name in sorted(_security_names(new.get("security")) - _security_names(old.get("security"))):
        ctx.emit("api-global-security-added", "security", "", f"global requirement {name} added")
    old_schemas = ((old.get("components") or {}).get("schemas")) or {}
    new_schemas = ((new.get("components") or {}).get("schemas")) or {}
    for name in sorted(set(old_schemas) - set(new_schemas)):
        ctx.emit("api-schema-removed", "components", f"schema '{name}'", "removed")

    old_paths = {_template(p): (p, item) for p, item in (old.get("paths") or {}).items()}
    new_paths = {_template(p): (p, item) for p, item in (new.get("paths") or {}).items()}
    for key in sorted(set(old_paths) | set(new_paths)):
        if key not in new_paths:
            path, item = old_paths[key]
            ops = _operations(ctx.old.deref(item))
            deprecated = bool(ops) and all(o.get("deprecated") for o in ops.values())
            rule = (
                "api-path-removed-with-deprecation" if deprecated else "api-path-removed-without-deprecation"
            )
            ctx.emit(rule, path, "", "path removed")
            continue
        if key not in old_paths:
            path, item = new_paths[key]
            for method in _operations(ctx.new.deref(item)):
                ctx.emit("endpoint-added", f"{method.upper()} {path}", "", "operation added")
            continue
        (old_path, old_item), (new_path, new_item) = old_paths[key], new_paths[key]
        old_item, new_item = ctx.old.deref(old_item), ctx.new.deref(new_item)
        old_ops, new_ops = _operations(old_item), _operations(new_item)
        for method in METHODS:
            op = f"{method.upper()} {new_path}"
            if method in old_ops and method not in new_ops:
                deprecated = old_ops[method].get("deprecated") is True
                ctx.emit(
                    f"api-removed-{'with' if deprecated else 'without'}-deprecation",
                    f"{method.upper()} {old_path}",
                    "",
                    "operation removed",
                )
            elif method in new_ops and method not in old_ops:
                ctx.emit("endpoint-added", op, "", "operation added")
            elif method in old_ops:
                _compare_operation(
                    ctx, op, (old_path, new_path), (old_item, new_item), (old_ops[method], new_ops[method])
                )
    return sorted(ctx.findings, key=lambda f: (-RANK[f.level], f.operation, f.id, f.location, f.message))  # type: ignore[index]
