"""The contract side of the doc-check: spec nodes with their JSON pointers and x-doc-gap entries, `$ref`
resolution inside the file, and the type a schema object states (normalised so it compares with the page's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mmcontract.doccheck.reader import RESTRICTION_KEYS
from mmcontract.errors import SpecError
from mmcontract.spec import doc_gap_problems


@dataclass
class GapEntry:
    pointer: str
    index: int
    aspect: str
    entry: dict[str, Any]
    checked: bool = False  # the comparison examined this aspect at this node
    used: bool = False  # it excused at least one difference

    def __str__(self) -> str:
        return f"{self.pointer} x-doc-gap[{self.index}] aspect {self.aspect}"


# --------------------------------------------------------------------------------------------- spec access


def escape(token: str) -> str:
    """A JSON-pointer token."""
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Node:
    """A spec node and the pointers that name it: the referring site(s) and, through $ref, the target."""

    value: Any
    pointers: tuple[str, ...]

    @property
    def pointer(self) -> str:
        return self.pointers[-1]

    def child(self, spec: Spec, *keys: str | int, resolve: bool = True) -> Node | None:
        value, pointer = self.value, self.pointer
        for key in keys:
            in_dict = isinstance(value, dict) and key in value
            in_list = isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value)
            if not (in_dict or in_list):
                return None
            value = value[key]
            pointer = f"{pointer}/{escape(str(key))}"
        return spec.resolve(Node(value, (pointer,))) if resolve else Node(value, (pointer,))


class Spec:
    def __init__(self, document: dict[str, Any]):
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            raise SpecError("the contract is not an OpenAPI document (no 'paths' object)")
        self.document = document
        self.gaps: dict[str, list[GapEntry]] = {}
        self.malformed: list[str] = doc_gap_problems(document)  # the record format is the contract's
        self._index_gaps(document, "#")

    @property
    def root(self) -> Node:
        return Node(self.document, ("#",))

    def lookup(self, pointer: str) -> Any:
        value: Any = self.document
        for raw in pointer.lstrip("#").split("/")[1:]:
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            else:
                raise SpecError(f"the contract has a dangling $ref {pointer}")
        return value

    def resolve(self, node: Node) -> Node:
        seen: set[str] = set()
        while isinstance(node.value, dict) and isinstance(node.value.get("$ref"), str):
            ref = node.value["$ref"]
            if not ref.startswith("#/"):
                raise SpecError(
                    f"the contract refers outside itself ({ref} at {node.pointer}): not supported"
                )
            if ref in seen:
                raise SpecError(f"the contract has a $ref cycle through {ref}")
            seen.add(ref)
            node = Node(self.lookup(ref), (*node.pointers, ref))
        return node

    def _index_gaps(self, value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            if "x-doc-gap" in value:
                entries = value["x-doc-gap"]
                if not isinstance(entries, list):
                    entries = []
                for i, entry in enumerate(entries):
                    aspect = entry.get("aspect") if isinstance(entry, dict) else None
                    self.gaps.setdefault(pointer, []).append(
                        GapEntry(pointer, i, str(aspect), entry if isinstance(entry, dict) else {})
                    )
            for key, child in value.items():
                if key != "x-doc-gap":
                    self._index_gaps(child, f"{pointer}/{escape(str(key))}")
        elif isinstance(value, list):
            for i, child in enumerate(value):
                self._index_gaps(child, f"{pointer}/{i}")

    def entries(self, pointers: Iterable[str], aspect: str) -> list[GapEntry]:
        return [g for p in pointers for g in self.gaps.get(p, []) if g.aspect == aspect]

    def all_entries(self) -> list[GapEntry]:
        return [g for entries in self.gaps.values() for g in entries]


# --------------------------------------------------------------------------------------------- normalised types


@dataclass
class SpecType:
    kinds: tuple[str, ...] = ()  # non-null JSON types, sorted
    nullable: bool = False
    ref: str | None = None
    items: SpecType | None = None
    format: str | None = None
    enum: list[Any] | None = None
    variants: tuple[str, ...] = ()  # oneOf/anyOf members (names or shapes) besides null
    bounds: dict[str, Any] = field(default_factory=dict)

    def shape(self) -> str:
        """The type in the page's notation, without null and format."""
        if self.variants:
            return "oneOf(" + " | ".join(self.variants) + ")"
        if self.ref:
            return self.ref
        if self.kinds == ("array",):
            return f"[{self.items.shape() if self.items else 'any'}]"
        return ",".join(self.kinds) if self.kinds else "any"


def schema_name(ref: str) -> str | None:
    prefix = "#/components/schemas/"
    return ref[len(prefix) :] if ref.startswith(prefix) else None


def normalise(raw: Any, depth: int = 0) -> SpecType:
    """The type a schema object states. A `$ref` is named, not followed: the page's types name schemas too."""
    out = SpecType()
    if not isinstance(raw, dict) or depth > 20:
        return out
    _merge_bounds(out, raw)
    if isinstance(raw.get("$ref"), str):
        out.ref = schema_name(raw["$ref"]) or raw["$ref"]
        out.nullable = raw.get("nullable") is True
        return out
    types = raw.get("type")
    if isinstance(types, str):
        types = [types]
    if isinstance(types, list):
        out.nullable = "null" in types
        out.kinds = tuple(sorted(str(t) for t in types if t != "null"))
    if raw.get("nullable") is True:
        out.nullable = True
    out.format = raw.get("format")
    if isinstance(raw.get("enum"), list):
        out.enum = [v for v in raw["enum"] if v is not None]
        if None not in raw["enum"]:
            out.nullable = False  # the enum rejects null whatever `type` says
    elif "const" in raw:
        out.enum = [raw["const"]] if raw["const"] is not None else []
        out.nullable = raw["const"] is None
    if "items" in raw:
        out.items = normalise(raw["items"], depth + 1)
    for combinator in ("oneOf", "anyOf", "allOf"):
        members = raw.get(combinator)
        if not isinstance(members, list):
            continue
        member_types = []
        for member_raw in members:
            member = normalise(member_raw, depth + 1)
            if member.kinds == () and member.nullable and not member.ref and not member.variants:
                out.nullable = True  # the {type: "null"} member
            else:
                member_types.append(member)
        if combinator == "allOf" or len(member_types) == 1:
            for member in member_types:
                out.nullable = out.nullable or member.nullable
                out.ref = out.ref or member.ref
                out.kinds = out.kinds or member.kinds
                out.items = out.items or member.items
                out.format = out.format or member.format
                out.enum = out.enum if out.enum is not None else member.enum
                out.variants = out.variants or member.variants
                for key, value in member.bounds.items():
                    out.bounds.setdefault(key, value)
        else:
            out.variants = tuple(m.shape() for m in member_types)
            out.nullable = out.nullable or any(m.nullable for m in member_types)
    return out


def _merge_bounds(out: SpecType, raw: dict[str, Any]) -> None:
    for key in RESTRICTION_KEYS:
        if key in raw:
            out.bounds[key] = raw[key]


def all_bounds(spec_type: SpecType) -> dict[str, Any]:
    """The schema's own bounds and, for an array, its items' bounds (`items.maxLength`): the page states
    none for items, so any there is the spec's own."""
    bounds = dict(spec_type.bounds)
    if spec_type.kinds == ("array",) and spec_type.items is not None:
        bounds.update({f"items.{k}": v for k, v in spec_type.items.bounds.items()})
    return bounds


def spec_format(spec_type: SpecType) -> str | None:
    if spec_type.kinds == ("array",) and spec_type.items is not None:
        return spec_type.items.format or spec_type.format
    return spec_type.format


def spec_enum(spec_type: SpecType) -> list[Any] | None:
    if spec_type.enum is None and spec_type.kinds == ("array",) and spec_type.items is not None:
        return spec_type.items.enum
    return spec_type.enum
