"""Which negative cases the contract excuses (pure; no I/O).

A negative case is not an alarm when everything it negated is a parameter the contract marks `x-mm-no-negative`
(no invalid value exists), `x-mm-lenient-missing` (a server may default it), `x-mm-lenient-values` (values a
server may accept) or `x-mm-lenient-invalid` (a value outside the parameter's schema, which a server may accept:
an integer outside the bounds of an integer parameter, any value outside the enum of an enum parameter).
`lenience_table` reads those marks from the contract once; `is_excused_negative` judges one case against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mmcontract.target.operations import operations

if TYPE_CHECKING:
    from mmcontract.st.discretion import QueryParam


@dataclass
class Lenience:
    missing: bool = False  # x-mm-lenient-missing: a server may default it
    values: list[Any] = field(default_factory=list)  # x-mm-lenient-values: values a server may accept
    no_negative: bool = False  # x-mm-no-negative: the parameter has no invalid value
    invalid: bool = False  # x-mm-lenient-invalid: a value outside the schema may be accepted (see `enum`)
    enum: bool = False  # the schema is an enum: any value outside it is only outside the enum


def resolve(spec: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = spec
        for part in ref[2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
            )
        node = target
        seen += 1
    return node


def _lenience_of(*nodes: Any) -> Lenience | None:
    found = Lenience()
    hit = False
    for node in nodes:
        if not isinstance(node, dict):
            continue
        if node.get("x-mm-lenient-missing") is True:
            found.missing = hit = True
        if isinstance(node.get("x-mm-lenient-values"), list):
            found.values.extend(node["x-mm-lenient-values"])
            hit = True
        if node.get("x-mm-no-negative") is True:
            found.no_negative = hit = True
        if node.get("x-mm-lenient-invalid") is True:
            found.invalid = hit = True
        if isinstance(node.get("enum"), list):
            found.enum = True
    return found if hit else None


def _body_lenience(
    spec: dict[str, Any], schema: Any, into: dict[tuple[str, str], Lenience], depth: int = 0
) -> None:
    """Lenience of body properties at any depth, keyed ("body", property name)."""
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 8:
        return
    for name, prop in (schema.get("properties") or {}).items():
        lenience = _lenience_of(resolve(spec, prop), prop)
        if lenience:
            into[("body", str(name))] = lenience
        _body_lenience(spec, prop, into, depth + 1)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _body_lenience(spec, schema[key], into, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            _body_lenience(spec, sub, into, depth + 1)


def lenience_table(spec: dict[str, Any]) -> dict[str, dict[tuple[str, str], Lenience]]:
    """operation label -> (location, name) -> Lenience. Parameters by (in, name); body properties (any depth)
    by ("body", property name); the request body itself by ("body", "")."""
    table: dict[str, dict[tuple[str, str], Lenience]] = {}
    for op in operations(spec):
        entries: dict[tuple[str, str], Lenience] = {}
        path_item = spec["paths"].get(op.path, {})
        params = [*(path_item.get("parameters") or []), *(op.definition.get("parameters") or [])]
        for raw in params:
            param = resolve(spec, raw)
            if not isinstance(param, dict) or "name" not in param:
                continue
            lenience = _lenience_of(param, resolve(spec, param.get("schema")))
            if lenience:
                entries[(str(param.get("in")), str(param["name"]))] = lenience
        body = resolve(spec, op.definition.get("requestBody"))
        if isinstance(body, dict):
            lenience = _lenience_of(body)
            if lenience:
                entries[("body", "")] = lenience
            for media in (body.get("content") or {}).values():
                if isinstance(media, dict):
                    _body_lenience(spec, media.get("schema"), entries)
        if entries:
            table[op.label] = entries
    return table


def _pointer_path(pointer: str | None) -> tuple[Any, ...]:
    if not pointer:
        return ()
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/") if p != ""]
    return tuple(int(p) if p.isdigit() else p for p in parts)


UNDECLARED = (
    object()
)  # a parameter the operation does not declare: servers ignore those (as Schemathesis does)


def negated_parameters(
    case: Any, query_params: dict[str, QueryParam] | None = None
) -> list[tuple[str, tuple[Any, ...], bool]] | None:
    """(location, path, is_missing) of everything a negative case negated; None when that is unknown.
    `path` is (name,) for a parameter, the property path for a body part, () for the whole body."""
    from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

    meta = case.meta
    if meta is None:
        return None
    data = meta.phase.data
    found: list[tuple[str, tuple[Any, ...], bool]] = []
    missing_scenarios = {
        CoverageScenario.MISSING_PARAMETER,
        CoverageScenario.OBJECT_MISSING_REQUIRED_PROPERTY,
    }
    is_missing = isinstance(data, CoveragePhaseData) and data.scenario in missing_scenarios
    location = data.parameter_location.value if data.parameter_location is not None else None
    mutations = tuple(getattr(data, "mutations", ()) or ())
    if location == "body":
        if not mutations:
            found.append(
                (
                    "body",
                    _pointer_path(data.location) or ((data.parameter,) if data.parameter else ()),
                    is_missing,
                )
            )
    elif data.parameter and location:
        found.append((location, (data.parameter,), is_missing))
    for mutation in mutations:
        loc = mutation.parameter_location.value if mutation.parameter_location is not None else None
        if loc == "body":
            found.append(("body", tuple(mutation.path or ()), False))
        elif loc and mutation.parameter:
            found.append((loc, (mutation.parameter,), False))
        elif loc == "query" and set(mutation.keywords) <= {"additionalProperties", "required"}:
            # a mutation of the whole query: undeclared parameters added and/or required ones left out
            if "additionalProperties" in mutation.keywords:
                found.append(("query", (UNDECLARED,), False))
            if "required" in mutation.keywords:
                sent = case.query or {}
                missing = [
                    name
                    for name, param in (query_params or {}).items()
                    if param.required and name not in sent
                ]
                if not missing:
                    return None
                found += [("query", (name,), True) for name in missing]
        else:
            return None
    return found or None


_ABSENT = object()


def _sent_value(case: Any, location: str, path: tuple[Any, ...]) -> Any:
    if location == "body":
        value: Any = case.body
        if value is None or type(value).__name__ == "NotSet":
            return _ABSENT
        for step in path:
            if (isinstance(value, dict) and isinstance(step, str) and step in value) or (
                isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
            ):
                value = value[step]
            else:
                return _ABSENT
        return value
    container = {"query": case.query, "path": case.path_parameters, "header": case.headers}.get(location)
    if isinstance(container, dict) and path:
        return container.get(path[0], _ABSENT)
    return _ABSENT


def _value_is_lenient(value: Any, allowed: list[Any]) -> bool:
    if value is _ABSENT:
        return False
    values = value if isinstance(value, list) else [value]
    return all(any(v == a or str(v) == str(a) for a in allowed) for v in values)


def _is_integer(value: Any) -> bool:
    """An integer as sent (int, or its decimal text in a query): what breaks only the bounds of an integer."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())


def _lenience_for(
    entries: dict[tuple[str, str], Lenience], location: str, path: tuple[Any, ...]
) -> Lenience | None:
    if location == "body":
        names = [step for step in path if isinstance(step, str)]
        return entries.get(("body", names[-1] if names else ""))
    return entries.get((location, str(path[0]))) if path else None


def is_excused_negative(
    case: Any,
    table: dict[str, dict[tuple[str, str], Lenience]],
    query_params: dict[str, dict[str, QueryParam]] | None = None,
) -> bool:
    """Whether every negation in `case` touches only what the contract says a server may accept."""
    entries = table.get(case.operation.label)
    if not entries:
        return False
    negated = negated_parameters(case, (query_params or {}).get(case.operation.label))
    if not negated:
        return False
    for location, path, is_missing in negated:
        if path == (UNDECLARED,):
            continue
        lenience = _lenience_for(entries, location, path)
        if lenience is None:
            return False
        if lenience.no_negative:
            continue
        sent = _sent_value(case, location, path)
        if lenience.missing and (is_missing or sent is _ABSENT):
            continue
        if lenience.values and _value_is_lenient(sent, lenience.values):
            continue
        if lenience.invalid and (lenience.enum or _is_integer(sent)):
            continue  # an integer outside an integer's bounds, or any value outside an enum
        return False
    return True
