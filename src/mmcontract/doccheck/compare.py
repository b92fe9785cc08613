"""Fact-by-fact comparison of the page model (`reader`) with the contract.

Each fact the page states is compared with the spec node it concerns. A difference of aspect A is excused
only when that node carries an `x-doc-gap` entry with `aspect: A` (ARCHITECTURE.md). The node is:

| fact                                                  | aspect     | node that must carry the x-doc-gap   |
|-------------------------------------------------------|------------|--------------------------------------|
| operation on the page, missing in the spec            | removed    | the path item (nothing if none)      |
| deprecated flag (operation, parameter, property)      | deprecated | that operation / parameter / property|
| parameter missing in the spec                         | removed    | the operation                        |
| parameter required / type / format / enum             | required, type, format, enum | the parameter      |
| parameter bounds (the page's table has no column)     | bounds     | the parameter                        |
| request body missing                                  | removed    | the operation                        |
| request body schema name / required                   | body / required | the requestBody                 |
| documented status missing in the spec                 | removed    | the operation                        |
| response schema (page `None` or a name), JSON content | body       | the response                         |
| documented schema missing in the spec                 | removed    | nothing: unexcusable                 |
| schema property missing in the spec (a table row, or a key the page's examples show for a schema whose section a copy lost) | removed | the schema |
| property type / nullability / format / required / enum / bounds (also of array items) | type, nullable, format, required, enum, bounds | the property |
| default stated in words ("defaults to 0")             | default    | the parameter / the property         |
| a value in a schema's example (when the spec gives one) | other    | the schema                           |
| a description (operation, parameter, response, schema, property): the spec's contains it | other | that node |
| anything the spec has and the page does not (also the definition of a schema the page names but does not define) | added | the added node |

A node reached through `$ref` is the pair (referring node, referred node) and an entry on either counts,
except for a schema property: a `$ref` there names the property's type, and the referenced schema is
another node. An entry whose aspect was compared at its node and found equal excused nothing: it is stale
(a warning). Entries of an aspect not compared at their node (`other`, examples) are reported as unchecked.
Entries that break the fixed record format fail the check (`mmcontract.spec.doc_gap_problems`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mmcontract.doccheck.contract import (
    GapEntry,
    Node,
    Spec,
    SpecType,
    all_bounds,
    escape,
    normalise,
    schema_name,
    spec_enum,
    spec_format,
)
from mmcontract.doccheck.reader import (
    ExampleNode,
    Operation,
    Page,
    Parameter,
    Property,
    SchemaSection,
    TypeExpr,
    is_deprecated,
)
from mmcontract.errors import SpecError

CATEGORIES = (
    "operations",
    "parameters",
    "request bodies",
    "responses",
    "schemas",
    "properties",
    "nullability",
    "required lists",
    "formats",
    "enum values",
    "constraints",
    "defaults",
    "deprecations",
    "examples",
    "descriptions",
    "lost enum tables",
    "spec additions",
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_CONTENT = "application/json"


@dataclass(frozen=True)
class Difference:
    location: str
    aspect: str
    page_value: str
    spec_value: str
    pointer: str = ""  # the spec node that would have to carry the x-doc-gap

    def __str__(self) -> str:
        where = f" [x-doc-gap at {self.pointer}]" if self.pointer else " [no node can excuse it]"
        return f"{self.location}: {self.aspect}: page {self.page_value} | spec {self.spec_value}{where}"


@dataclass
class Count:
    matched: int = 0
    excused: int = 0
    differing: int = 0

    @property
    def total(self) -> int:
        return self.matched + self.excused + self.differing

    def __str__(self) -> str:
        return f"{self.matched}/{self.total} matched, {self.excused} excused, {self.differing} unexcused"


@dataclass
class Comparison:
    differences: list[Difference] = field(default_factory=list)  # unexcused
    excused: list[tuple[Difference, list[GapEntry]]] = field(default_factory=list)
    counts: dict[str, Count] = field(default_factory=lambda: {c: Count() for c in CATEGORIES})
    gaps: list[GapEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bindings: list[str] = field(default_factory=list)  # how unidentified page sections were bound
    invalid_gaps: list[str] = field(default_factory=list)  # x-doc-gap entries not in the fixed format

    @property
    def ok(self) -> bool:
        return not self.differences and not self.invalid_gaps

    @property
    def stale(self) -> list[GapEntry]:
        return [g for g in self.gaps if g.checked and not g.used]

    @property
    def unchecked(self) -> list[GapEntry]:
        return [g for g in self.gaps if not g.checked and not g.used]


def page_shape(type_expr: TypeExpr, variants: list[TypeExpr] | None = None) -> str:
    if type_expr.kind in ("oneOf", "anyOf") and variants:
        return "oneOf(" + " | ".join(v.ref or page_shape(v) for v in variants) + ")"
    if type_expr.kind == "ref":
        return type_expr.ref or "?"
    if type_expr.kind == "array":
        inner = type_expr.items
        if inner is not None and inner.kind in ("oneOf", "anyOf") and variants:
            return f"[{page_shape(inner, variants)}]"
        return f"[{page_shape(inner) if inner else 'any'}]"
    if type_expr.kind == "union":
        return ",".join(sorted(type_expr.kinds))
    return type_expr.kind


def page_format(type_expr: TypeExpr) -> str | None:
    if type_expr.kind == "array" and type_expr.items is not None:
        return type_expr.items.format or type_expr.format
    return type_expr.format


def coerce_enum(values: list[str], type_expr: TypeExpr) -> list[Any]:
    """The page writes every enum value bare; give each the JSON type the page's Type column says."""
    kind = type_expr.items.kind if type_expr.kind == "array" and type_expr.items else type_expr.kind
    out: list[Any] = []
    for value in values:
        if kind == "integer":
            try:
                out.append(int(value))
                continue
            except ValueError:
                pass
        if kind == "number":
            try:
                out.append(float(value))
                continue
            except ValueError:
                pass
        if kind == "boolean" and value in ("true", "false"):
            out.append(value == "true")
            continue
        out.append(value)
    return out


_NO_LITERAL = object()
_ABSENT = object()


def _value_at(value: Any, path: Iterable[str]) -> Any:
    for step in path:
        if step == "[]" and isinstance(value, list) and value:
            value = value[0]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return _ABSENT
    return value


def _literal(text: str, type_expr: TypeExpr) -> Any:
    """A default stated in words as a JSON value of the page's type, or _NO_LITERAL."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text if type_expr.kind == "string" and " " not in text else _NO_LITERAL
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return _NO_LITERAL


def _typed(value: Any) -> tuple[str, Any]:
    """Equality that keeps 'true' (a string) apart from true (a boolean) and 1 from True."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return (type(value).__name__, value)


def show(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, list):
        return "[" + ", ".join(_show_item(v) for v in value) + "]"
    return str(value)


def _show_item(value: Any) -> str:
    if isinstance(value, str):
        return (
            value
            if value and value.strip() == value and value not in ("true", "false", "null")
            else repr(value)
        )
    if isinstance(value, bool):
        return f"{str(value).lower()} (boolean)"
    return str(value)


# --------------------------------------------------------------------------------------------- the comparison


class _Comparer:
    def __init__(self, page: Page, spec: Spec):
        self.page, self.spec = page, spec
        self.result = Comparison(gaps=spec.all_entries())
        self.result.warnings.extend(f"page: {note}" for note in page.notes)
        self.result.invalid_gaps.extend(spec.malformed)

    # -- recording

    def fact(
        self,
        category: str | None,
        location: str,
        aspect: str,
        pointers: Iterable[str],
        page_value: Any,
        spec_value: Any,
        equal: bool,
        conclusive: bool = True,
    ) -> str:
        """Record one compared fact; returns "matched", "excused" or "differing". An inconclusive fact
        (`other` covers more than it) may use an entry but never makes one stale."""
        pointers = tuple(pointers)
        entries = self.spec.entries(pointers, aspect)
        for entry in entries:
            entry.checked = entry.checked or conclusive
        if equal:
            status = "matched"
        else:
            diff = Difference(
                location,
                aspect,
                page_value if isinstance(page_value, str) else show(page_value),
                spec_value if isinstance(spec_value, str) else show(spec_value),
                pointers[-1] if pointers else "",
            )
            if entries:
                for entry in entries:
                    entry.used = True
                self.result.excused.append((diff, entries))
                status = "excused"
            else:
                self.result.differences.append(diff)
                status = "differing"
        if category is not None:
            self.count(category, status)
        return status

    def added(self, location: str, node: Node, what: str, page: str = "silent") -> None:
        self.fact("spec additions", location, "added", node.pointers, page, what, equal=False)

    @staticmethod
    def worst(*statuses: str) -> str:
        for status in ("differing", "excused"):
            if status in statuses:
                return status
        return "matched"

    def count(self, category: str, status: str) -> None:
        count = self.result.counts[category]
        setattr(count, status, getattr(count, status) + 1)

    # -- operations

    def run(self) -> Comparison:
        spec_ops = dict(self._spec_operations())
        for op in self.page.operations:
            node = spec_ops.pop((op.method.lower(), op.path), None)
            if node is None:
                path_item = self.spec.root.child(self.spec, "paths", op.path)
                self.fact(
                    "operations",
                    op.key,
                    "removed",
                    path_item.pointers if path_item else (),
                    "documented",
                    "absent",
                    equal=False,
                )
                continue
            self._operation(op, node)
        for (method, path), node in spec_ops.items():
            self.added(f"{method.upper()} {path}", node, "an operation the page does not document")
        self._schemas()
        self._security_schemes()
        return self.result

    def _spec_operations(self) -> Iterator[tuple[tuple[str, str], Node]]:
        paths = self.spec.root.child(self.spec, "paths")
        assert paths is not None
        for path in paths.value:
            if not isinstance(path, str) or path.startswith("x-"):
                continue
            item = paths.child(self.spec, path)
            if item is None or not isinstance(item.value, dict):
                continue
            for method in HTTP_METHODS:
                op = item.child(self.spec, method)
                if op is not None and isinstance(op.value, dict):
                    yield (method, path), op

    def _operation(self, op: Operation, node: Node) -> None:
        spec_deprecated = bool(node.value.get("deprecated", False))
        status = self.fact(
            None,
            op.key,
            "deprecated",
            node.pointers,
            "deprecated" if op.deprecated else "not deprecated",
            "deprecated" if spec_deprecated else "not deprecated",
            op.deprecated == spec_deprecated,
        )
        self.count("operations", status)
        self._text(op.key, node, op.description)
        self._parameters(op, node)
        self._request_body(op, node)
        self._responses(op, node)

    def _spec_parameters(self, op_node: Node) -> dict[tuple[str, str], Node]:
        """Path-item parameters, overridden by the operation's own (same name and location)."""
        item_pointer = op_node.pointer.rsplit("/", 1)[0]
        item = Node(self.spec.lookup(item_pointer), (item_pointer,))
        found: dict[tuple[str, str], Node] = {}
        for owner in (item, op_node):
            params = owner.child(self.spec, "parameters")
            if params is None or not isinstance(params.value, list):
                continue
            for i in range(len(params.value)):
                param = params.child(self.spec, i)
                if param is not None and isinstance(param.value, dict):
                    found[(str(param.value.get("name")), str(param.value.get("in")))] = param
        return found

    def _parameters(self, op: Operation, node: Node) -> None:
        spec_params = self._spec_parameters(node)
        for param in op.parameters:
            where = f"{op.key} {param.location} parameter {param.name}"
            spec_param = spec_params.pop((param.name, param.location), None)
            if spec_param is None:
                status = self.fact(None, where, "removed", node.pointers, "documented", "absent", False)
                self.count("parameters", status)
                continue
            self.count("parameters", self._parameter(where, param, spec_param))
        for (name, location), spec_param in spec_params.items():
            self.added(
                f"{op.key} {location} parameter {name}", spec_param, "a parameter the page does not list"
            )

    def _parameter(self, where: str, param: Parameter, node: Node) -> str:
        spec_required = bool(node.value.get("required", False))
        statuses = [
            self.fact(
                None,
                where,
                "required",
                node.pointers,
                str(param.required).lower(),
                str(spec_required).lower(),
                param.required == spec_required,
            )
        ]
        schema = node.value.get("schema")
        if schema is None and isinstance(node.value.get("content"), dict) and node.value["content"]:
            content = node.value["content"]
            media = JSON_CONTENT if JSON_CONTENT in content else next(iter(content))
            schema = (content.get(media) or {}).get("schema")
        spec_type = normalise(schema)
        statuses.append(
            self.fact(
                None,
                where,
                "type",
                node.pointers,
                page_shape(param.type),
                spec_type.shape(),
                page_shape(param.type) == spec_type.shape(),
            )
        )
        statuses.append(
            self.fact(
                "formats" if page_format(param.type) or spec_format(spec_type) else None,
                where,
                "format",
                node.pointers,
                show(page_format(param.type)),
                show(spec_format(spec_type)),
                page_format(param.type) == spec_format(spec_type),
            )
        )
        self._enum(where, node.pointers, param.type, param.enum, False, spec_type)
        schema_raw = node.value.get("schema")
        self._default(where, node.pointers, param.type, param.default, schema_raw)
        self._deprecated(where, node.pointers, param.description, node.value)
        self._text(where, node, param.description)
        # The parameter table has no Restrictions column: any bound in the spec is the spec's own.
        for key, value in sorted(all_bounds(spec_type).items()):
            self.fact(
                "constraints", where, "bounds", node.pointers, f"{key} absent", f"{key} {show(value)}", False
            )
        return self.worst(*statuses)

    def _request_body(self, op: Operation, node: Node) -> None:
        body = node.child(self.spec, "requestBody")
        where = f"{op.key} request body"
        if op.body is None:
            if body is not None:
                self.added(where, body, "a request body the page does not document")
            return
        if body is None:
            self.count(
                "request bodies",
                self.fact(None, where, "removed", node.pointers, "documented", "absent", False),
            )
            return
        spec_required = bool(body.value.get("required", False))
        schema = body.child(self.spec, "content", JSON_CONTENT, "schema")
        spec_schema = self._ref_name(body, ("content", JSON_CONTENT, "schema"))
        statuses = [
            self.fact(
                None,
                where,
                "required",
                body.pointers,
                str(op.body.required).lower(),
                str(spec_required).lower(),
                op.body.required == spec_required,
            ),
            self.fact(
                None,
                where,
                "body",
                body.pointers,
                show(op.body.schema),
                show(spec_schema) if schema is not None else f"no {JSON_CONTENT} schema",
                op.body.schema == spec_schema,
            ),
        ]
        self.count("request bodies", self.worst(*statuses))

    def _ref_name(self, node: Node, keys: tuple[str, ...]) -> str | None:
        value: Any = node.value
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        if isinstance(value, dict) and isinstance(value.get("$ref"), str):
            return schema_name(value["$ref"]) or value["$ref"]
        return "(inline schema)" if isinstance(value, dict) else None

    def _responses(self, op: Operation, node: Node) -> None:
        responses = node.child(self.spec, "responses")
        spec_responses: dict[str, Node] = {}
        if responses is not None and isinstance(responses.value, dict):
            for key in responses.value:
                if str(key).startswith("x-"):
                    continue
                child = responses.child(self.spec, key)
                if child is not None:
                    spec_responses[str(key)] = child
        for response in op.responses:
            where = f"{op.key} response {response.status}"
            spec_response = spec_responses.pop(response.status, None)
            if spec_response is None:
                status = self.fact(None, where, "removed", node.pointers, "documented", "absent", False)
                self.count("responses", status)
                continue
            content = spec_response.value.get("content") if isinstance(spec_response.value, dict) else None
            spec_schema = None
            if isinstance(content, dict) and content:
                # The page's answers are JSON (its samples send Accept: application/json).
                spec_schema = self._ref_name(spec_response, ("content", JSON_CONTENT, "schema"))
                if JSON_CONTENT not in content:
                    spec_schema = f"(no {JSON_CONTENT} content: {', '.join(map(str, content))})"
            status = self.fact(
                None,
                where,
                "body",
                spec_response.pointers,
                f"schema {response.schema or 'None'}",
                f"schema {spec_schema or 'None'}",
                response.schema == spec_schema,
            )
            self.count("responses", status)
            self._text(where, spec_response, response.description)
        for status_code, spec_response in spec_responses.items():
            self.added(
                f"{op.key} response {status_code}", spec_response, "a status the page does not document"
            )

    # -- schemas

    def _schemas(self) -> None:
        components = self.spec.root.child(self.spec, "components", "schemas")
        spec_schemas: dict[str, Node] = {}
        if components is not None and isinstance(components.value, dict):
            for name in components.value:
                child = components.child(self.spec, name)
                if child is not None:
                    spec_schemas[str(name)] = child
        bound: set[str] = set()
        for section in self.page.sections:
            name = section.name or self._bind(section, spec_schemas)
            if name is None:
                continue
            node = spec_schemas.get(name)
            if node is None:
                self.count(
                    "schemas",
                    self.fact(
                        None,
                        f"schema {name}",
                        "removed",
                        (),
                        f"documented (section at line {section.line})",
                        "absent from components/schemas",
                        False,
                    ),
                )
                continue
            bound.add(name)
            self._schema(section, name, node)
        for name, references in self.page.lost_schemas.items():
            bound.add(name)
            if name in spec_schemas:
                self.added(
                    f"schema {name}",
                    spec_schemas[name],
                    "defines it",
                    page="names it, but its section is not on the page",
                )
                self._example_keys(name, spec_schemas[name], [r.example for r in references if r.example])
        for name, node in spec_schemas.items():
            if name not in bound:
                self.added(f"schema {name}", node, "a schema the page does not define")

    def _bind(self, section: SchemaSection, spec_schemas: dict[str, Node]) -> str | None:
        """Bind a section whose name the page does not settle to the spec schema with exactly its properties
        (only inside its alphabetical window); otherwise it is a documented schema the spec lacks."""
        names = {p.name for p in section.properties}
        low, high = section.window
        candidates = [
            name
            for name, node in spec_schemas.items()
            if isinstance(node.value, dict)
            and set((node.value.get("properties") or {}).keys()) == names
            and (low is None or low.casefold() < name.casefold())
            and (high is None or name.casefold() < high.casefold())
        ]
        if len(candidates) == 1:
            used = self._names_at_positions(section)
            seen = (
                f"; the spec uses {', '.join(sorted(used))} where the page's example shows it" if used else ""
            )
            self.result.bindings.append(
                f"{section.label} bound to {candidates[0]}: the only spec schema with properties "
                f"{sorted(names)} between {low} and {high}{seen}"
            )
            if used and candidates[0] not in used:
                self.result.warnings.append(
                    f"{section.label}: bound to {candidates[0]} by its properties, but the spec uses "
                    f"{', '.join(sorted(used))} where the page's example shows it"
                )
            return candidates[0]
        self.count(
            "schemas",
            self.fact(
                None,
                section.label,
                "removed",
                (),
                f"documented schema with properties {sorted(names)}",
                f"{len(candidates)} spec schemas with exactly these properties between {low} and {high}",
                False,
            ),
        )
        return None

    def _example_keys(self, where: str, node: Node, examples: list[ExampleNode]) -> None:
        """A schema whose section is lost still has the property names its examples show elsewhere on the
        page (a response example, a parent's example): each must be a property in the spec."""
        raw = node.value if isinstance(node.value, dict) else {}
        props = raw.get("properties") or {}
        keys: dict[str, list[ExampleNode]] = {}
        for example in examples:
            for key, child in example.children.items():
                keys.setdefault(key, []).append(child.item if child.kind == "array" and child.item else child)
        for key, children in keys.items():
            present = key in props
            self.fact(
                "properties",
                f"{where}.{key}",
                "removed",
                node.pointers,
                "in an example on the page",
                "present" if present else "absent",
                present,
            )
            nested = [c for c in children if c.kind == "object" and c.children]
            target = self.spec.resolve(Node(props.get(key), (f"{node.pointer}/properties/{escape(key)}",)))
            if present and nested and isinstance(target.value, dict):
                items = target.value.get("items") if target.value.get("type") == "array" else None
                if isinstance(items, dict):
                    target = self.spec.resolve(Node(items, (f"{target.pointer}/items",)))
                named = normalise(props[key]).ref or (isinstance(items, dict) and "$ref" in items)
                if not named and isinstance(target.value, dict) and "properties" in target.value:
                    # an inline object: its keys are this schema's facts (a named one is checked as its own)
                    self._example_keys(f"{where}.{key}", target, nested)

    def _names_at_positions(self, section: SchemaSection) -> set[str]:
        """The spec schemas found where the page's examples show this section's structure."""
        found: set[str] = set()
        for position in section.positions:
            if position.source not in ("response", "body"):
                continue
            method, _, path = position.owner.partition(" ")
            raw = (self.spec.document.get("paths") or {}).get(path, {}).get(method.lower())
            if not isinstance(raw, dict):
                continue
            if position.source == "body":
                holder = raw.get("requestBody")
            else:
                holder = (raw.get("responses") or {}).get(position.status) or (
                    raw.get("responses") or {}
                ).get(int(position.status or 0))
            holder = self._deref(holder)
            schema = (((holder or {}).get("content") or {}).get(JSON_CONTENT) or {}).get("schema")
            for step in position.path:
                schema = self._deref(schema)
                if not isinstance(schema, dict):
                    break
                schema = schema.get("items") if step == "[]" else (schema.get("properties") or {}).get(step)
            else:
                found |= self._ref_names(schema)
        return found

    def _deref(self, value: Any) -> Any:
        for _ in range(20):
            if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
                return value
            try:
                value = self.spec.lookup(value["$ref"])
            except SpecError:
                return None
        return value

    @staticmethod
    def _ref_names(schema: Any) -> set[str]:
        if not isinstance(schema, dict):
            return set()
        refs = [schema] + [
            m for c in ("oneOf", "anyOf", "allOf") for m in schema.get(c) or [] if isinstance(m, dict)
        ]
        return {n for r in refs if isinstance(r.get("$ref"), str) and (n := schema_name(r["$ref"]))}

    def _schema(self, section: SchemaSection, name: str, node: Node) -> None:
        kinds = normalise(node.value).kinds
        expected = "any" if section.variants else "object"
        shown = ",".join(kinds) if kinds else "any"
        ok = not kinds or kinds == ("object",)
        self.count("schemas", self.fact(None, f"schema {name}", "type", node.pointers, expected, shown, ok))
        self._object(name, section.properties, section.variants, node, section.example_only)
        self._required_list(name, section.properties, node)
        self._example_values(name, section, node)
        self._text(f"schema {name}", node, section.description)

    def _example_values(self, name: str, section: SchemaSection, node: Node) -> None:
        """Each value the page's example shows (the scrape kept the scalars, lost array items) is the
        spec example's value at that place, when the spec gives the schema an example."""
        raw = node.value if isinstance(node.value, dict) else {}
        examples = raw.get("examples")
        spec_example = examples[0] if isinstance(examples, list) and examples else raw.get("example")
        if section.example is None or spec_example is None:
            return
        for path, leaf in section.example.walk():
            if leaf.kind != "scalar":
                continue
            value = _value_at(spec_example, path)
            self.fact(
                "examples",
                f"{name} example {'.'.join(path).replace('.[]', '[0]')}",
                "other",
                node.pointers,
                json.dumps(leaf.value),
                "absent" if value is _ABSENT else json.dumps(value),
                value is not _ABSENT and _typed(value) == _typed(leaf.value),
                conclusive=False,
            )

    def _object(
        self,
        where: str,
        properties: list[Property],
        variants: list[TypeExpr],
        node: Node,
        example_only: Iterable[str] = (),
    ) -> None:
        raw = node.value if isinstance(node.value, dict) else {}
        if variants:
            spec_type = normalise(node.value)
            page = "oneOf(" + " | ".join(v.ref or page_shape(v) for v in variants) + ")"
            self.fact(
                "properties", where, "type", node.pointers, page, spec_type.shape(), page == spec_type.shape()
            )
        spec_props = dict(raw.get("properties") or {})
        for prop in properties:
            location = f"{where}.{prop.name}"
            if prop.name not in spec_props:
                self.fact("properties", location, "removed", node.pointers, "documented", "absent", False)
                continue
            spec_props.pop(prop.name)
            site = node.child(self.spec, "properties", prop.name, resolve=False)
            assert site is not None
            self._property(location, prop, site)
        for name in example_only:  # its row was lost: only its name is documented (by the example)
            present = spec_props.pop(name, None) is not None
            self.fact(
                "properties",
                f"{where}.{name}",
                "removed",
                node.pointers,
                "in the example (its row was lost)",
                "present" if present else "absent",
                present,
            )
        for extra in spec_props:
            extra_node = node.child(self.spec, "properties", extra, resolve=False)
            if extra_node is not None:
                self.added(f"{where}.{extra}", extra_node, "a property the page does not list")

    def _property(self, where: str, prop: Property, node: Node) -> None:
        """`node` is the property as written in its schema (a `$ref` there names a type, it is not the node)."""
        spec_type = normalise(node.value)
        pointers = node.pointers
        page_type = page_shape(prop.type, prop.variants)
        self.fact(
            "properties",
            where,
            "type",
            pointers,
            page_type,
            spec_type.shape(),
            page_type == spec_type.shape(),
        )
        self.fact(
            "nullability",
            where,
            "nullable",
            pointers,
            "nullable" if prop.type.nullable else "not nullable",
            "nullable" if spec_type.nullable else "not nullable",
            prop.type.nullable == spec_type.nullable,
        )
        self.fact(
            "formats" if page_format(prop.type) or spec_format(spec_type) else None,
            where,
            "format",
            pointers,
            show(page_format(prop.type)),
            show(spec_format(spec_type)),
            page_format(prop.type) == spec_format(spec_type),
        )
        self._enum(where, pointers, prop.type, prop.enum, prop.enum_lost, spec_type)
        self._default(where, pointers, prop.type, prop.default, node.value)
        self._deprecated(where, pointers, prop.description, node.value)
        self._text(where, node, prop.description)
        page_bounds = dict(prop.restrictions)
        spec_bounds = all_bounds(spec_type)
        for key in sorted(set(page_bounds) | set(spec_bounds)):
            page_value, spec_value = page_bounds.get(key), spec_bounds.get(key)
            self.fact(
                "constraints",
                where,
                "bounds",
                pointers,
                f"{key} {show(page_value)}",
                f"{key} {show(spec_value)}",
                page_value is not None
                and spec_value is not None
                and _typed(page_value) == _typed(spec_value),
            )
        if prop.children:
            target = self.spec.resolve(node)
            self._object(where, prop.children, [], target)
            self._required_list(where, prop.children, target)

    def _required_list(self, where: str, properties: list[Property], node: Node) -> None:
        raw = node.value if isinstance(node.value, dict) else {}
        spec_required = set(raw.get("required") or [])
        spec_props = raw.get("properties") or {}
        statuses = []
        for prop in properties:
            if prop.name not in spec_props:
                continue  # reported as removed
            pointers = (f"{node.pointer}/properties/{escape(prop.name)}",)
            in_spec = prop.name in spec_required
            statuses.append(
                self.fact(
                    None,
                    f"{where}.{prop.name}",
                    "required",
                    pointers,
                    "required" if prop.required else "optional",
                    "required" if in_spec else "optional",
                    prop.required == in_spec,
                )
            )
        if statuses:
            self.count("required lists", self.worst(*statuses))

    def _enum(
        self,
        where: str,
        pointers: tuple[str, ...],
        type_expr: TypeExpr,
        values: list[str] | None,
        lost: bool,
        spec_type: SpecType,
    ) -> None:
        spec_values = spec_enum(spec_type)
        if lost:
            self.fact(
                "lost enum tables",
                where,
                "enum",
                pointers,
                "an enum whose values were lost in the scrape (empty Enumerated Values table)",
                f"enum {show(spec_values)}" if spec_values is not None else "no enum",
                False,
            )
            return
        if values is None and spec_values is None:
            return
        page_values = coerce_enum(values or [], type_expr)
        spec_keys = {_typed(v) for v in spec_values or []}
        page_keys = {_typed(v) for v in page_values}
        for value in page_values:
            present = _typed(value) in spec_keys
            self.fact(
                "enum values",
                where,
                "enum",
                pointers,
                f"enum value {_show_item(value)}",
                f"enum {show(spec_values)}" if spec_values is not None else "no enum",
                present,
            )
        extra = [v for v in spec_values or [] if _typed(v) not in page_keys]
        if extra:
            self.fact(
                "enum values",
                where,
                "enum",
                pointers,
                f"enum {show(page_values)}" if values is not None else "no enum",
                f"also {show(extra)}",
                False,
            )

    def _default(
        self, where: str, pointers: tuple[str, ...], type_expr: TypeExpr, stated: str | None, schema: Any
    ) -> None:
        """The page states defaults only in words; a literal one ("defaults to 0") must be the spec's
        `default`, a described one ("defaults to the current time") cannot be a literal, and the spec
        may not invent one where the page states none."""
        has_default = isinstance(schema, dict) and "default" in schema
        spec_default = schema.get("default") if has_default else None
        if stated is None and not has_default:
            return
        literal = _literal(stated, type_expr) if stated is not None else _NO_LITERAL
        if stated is None:
            page_value, equal = "no default stated", False
        elif literal is _NO_LITERAL:
            page_value, equal = f"default described as {stated!r} (no literal)", not has_default
        else:
            page_value = f"default {show(literal)}"
            equal = has_default and _typed(literal) == _typed(spec_default)
        spec_value = f"default {show(spec_default)}" if has_default else "no default"
        self.fact("defaults", where, "default", pointers, page_value, spec_value, equal)

    def _text(self, where: str, node: Node, page_text: str) -> None:
        """The page's description survives in the spec's (which may add to it, never drop or reword it)."""
        wanted = " ".join(page_text.split())
        if not wanted:
            return
        raw = node.value if isinstance(node.value, dict) else {}
        have = " ".join(str(raw.get("description") or "").split())
        shown = wanted if len(wanted) <= 70 else wanted[:67] + "..."
        self.fact(
            "descriptions",
            f"{where} description",
            "other",
            node.pointers,
            repr(shown),
            "contains it" if wanted in have else "does not contain it",
            wanted in have,
            conclusive=False,
        )

    def _deprecated(self, where: str, pointers: tuple[str, ...], description: str, raw: Any) -> None:
        page = is_deprecated(description)
        spec = isinstance(raw, dict) and raw.get("deprecated") is True
        if page or spec:
            self.fact(
                "deprecations",
                where,
                "deprecated",
                pointers,
                "deprecated" if page else "not deprecated",
                "deprecated" if spec else "not deprecated",
                page == spec,
            )

    def _security_schemes(self) -> None:
        schemes = self.spec.root.child(self.spec, "components", "securitySchemes")
        if schemes is None or not isinstance(schemes.value, dict):
            return
        for name in schemes.value:
            node = schemes.child(self.spec, name)
            if node is not None:
                self.added(f"security scheme {name}", node, "a security scheme (the page's list was lost)")


def compare(page: Page, document: dict[str, Any]) -> Comparison:
    """Compare the page model with an OpenAPI document (a dict, e.g. from yaml.safe_load)."""
    return _Comparer(page, Spec(document)).run()
