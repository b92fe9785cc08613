"""Response-schema coverage: which nodes of each operation's response schema the run saw in a validated answer.

A *node* is one thing a response schema lets a server show (named from the operation's response schema down):
- a property, at any depth: `ModelPackageRetrieveResponse.timeseries.datetimeColumn`
- the items of an array, seen when the array is non-empty: `ModelPackageListResponse.data[]`
- each enum value: `AccessControlV2List.data[].shareRecipientType = "group"` (JSON-encoded value)
- both sides of a nullable: `... .buildStatus = null` and `... .buildStatus != null`
`$ref` is followed (a recursive reference is not walked twice on one path), `allOf` parts are merged and the
branches of `oneOf`/`anyOf` are walked alike (their properties are nodes of the same place).

Each process observes the answers its tests validate (`Observer.observe`: Schemathesis cases and the semantic
checks' answers, see st/execute.py and target/plugin.py) and writes one `schema-coverage` record; the runner
merges the records of every process (`merge`) and judges each node (`coverage_of`):
- seen: in some validated answer of that operation and status;
- not present on the target: not seen, lying inside a list item (or a resource of the same schema), and the
  suite saw *every* item of that schema the target holds (a complete walk: see `_complete_schemas`) without
  meeting the node anywhere (any operation): the target has nothing that could show it (no archived package:
  `isArchived = true`; an enum value no item has);
- not seen: every other node: a gap of the run.
Percent: seen / (total - not present).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mmcontract.report.model import Level, SchemaCoverage

RECORD_KIND = "schema-coverage"
# Query parameters that neither filter nor narrow a list: a page without others lists every item (in some order)
UNFILTERED_PARAMS = frozenset(
    {"limit", "offset", "sortKey", "sortBy", "orderBy", "sortOrder", "sortDirection"}
)
# Parameters that widen a list beyond its default (the default features list leaves out non-prediction features):
# a walk of an operation that documents one counts only when it was sent as true
WIDENING_PARAMS = frozenset({"includeNonPredictionFeatures"})
# A sub-list's parent list (path parameter -> the list of those ids): every parent listed, every sub-list walked
PARENT_LISTS = {"modelPackageId": "GET /modelPackages/", "registeredModelId": "GET /registeredModels/"}
MAX_ITEMS_PER_PAGE = 2000  # a page larger than this is not walked for completeness (ids kept small)


@dataclass(frozen=True)
class Node:
    path: str  # as reported: from the operation's response schema
    key: str  # from the list item's (or resource's) schema: the same node wherever that schema is served
    item: bool  # inside a list item or a resource: may be "not present on the target"


@dataclass
class _Place:
    """One place of a schema, flattened: its properties, items, enum values and nullability."""

    properties: dict[str, Any] = field(default_factory=dict)
    items: Any = None
    enum: list[Any] = field(default_factory=list)
    nullable: bool = False
    name: str | None = None  # the $ref'd schema's name


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node


def _flatten(spec: dict[str, Any], schema: Any, refs: frozenset[str]) -> tuple[_Place, frozenset[str]]:
    place = _Place()
    _merge_into(spec, schema, place, set(refs))
    return place, refs | ({place.name} if place.name else set())


def _merge_into(spec: dict[str, Any], schema: Any, place: _Place, refs: set[str]) -> None:
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in refs:
            return  # recursion: this place was walked further up the path
        if place.name is None:
            place.name = name
        refs.add(name)
        _merge_into(spec, _resolve(spec, ref), place, refs)
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        place.nullable = True
    for value in schema.get("enum") or []:
        if value is None:
            place.nullable = True
        elif value not in place.enum:
            place.enum.append(value)
    for name, sub in (schema.get("properties") or {}).items():
        if name in place.properties:
            place.properties[name] = {"allOf": [place.properties[name], sub]}
        else:
            place.properties[name] = sub
    if "items" in schema and isinstance(schema["items"], dict):
        place.items = schema["items"] if place.items is None else {"allOf": [place.items, schema["items"]]}
    for keyword in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(keyword) or []:
            _merge_into(spec, part, place, refs)


def _enum_label(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _walk(
    spec: dict[str, Any],
    schema: Any,
    instance: Any,
    path: str,
    key: str,
    item: bool,
    refs: frozenset[str],
    out: dict[str, Node],
    seen: set[str] | None,
    depth: int = 0,
) -> None:
    """Every node under `path` into `out`; with `seen`, also the nodes `instance` shows (observation mode walks
    only what the instance has, enumeration mode everything)."""
    if depth > 30:
        return
    place, refs = _flatten(spec, schema, refs)
    observing = seen is not None

    def add(suffix: str, shown: bool, node_key: str | None = None, node_item: bool | None = None) -> None:
        node = Node(path + suffix, node_key or key + suffix, item if node_item is None else node_item)
        out[node.path] = node
        if observing and shown:
            seen.add(node.path)  # type: ignore[union-attr]

    if place.nullable:
        add(" = null", instance is None)
        add(" != null", instance is not None)
    for value in place.enum:
        add(f" = {_enum_label(value)}", observing and instance == value and type(instance) is type(value))
    for name, sub in place.properties.items():
        present = observing and isinstance(instance, dict) and name in instance
        add(f".{name}", present)
        if observing and not present:
            continue
        child = instance[name] if present else None
        _walk(spec, sub, child, f"{path}.{name}", f"{key}.{name}", item, refs, out, seen, depth + 1)
    if place.items is not None:
        values = instance if observing and isinstance(instance, list) else []
        items_place, _ = _flatten(spec, place.items, refs)
        # the items of a list page (`data`) are resources: named from their own schema, may be not present
        own_key = (
            f"{items_place.name}" if path.endswith(".data") and items_place.name and depth == 1 else None
        )
        add("[]", bool(values), own_key, True if own_key else None)
        child_key = own_key or f"{key}[]"
        child_item = item or own_key is not None
        if not observing:
            _walk(spec, place.items, None, f"{path}[]", child_key, child_item, refs, out, None, depth + 1)
        for value in values:
            _walk(spec, place.items, value, f"{path}[]", child_key, child_item, refs, out, seen, depth + 1)


def _response_schema(spec: dict[str, Any], op: str, status: str) -> Any:
    method, path = op.split(" ", 1)
    definition = (spec.get("paths", {}).get(path) or {}).get(method.lower()) or {}
    response = (definition.get("responses") or {}).get(status)
    if isinstance(response, dict) and "$ref" in response:
        response = _resolve(spec, response["$ref"])
    content = (response or {}).get("content") or {}
    media = content.get("application/json") or next(
        (v for k, v in content.items() if "json" in k and isinstance(v, dict)), None
    )
    return media.get("schema") if isinstance(media, dict) else None


def _root_name(spec: dict[str, Any], schema: Any, op: str) -> str:
    place, _ = _flatten(spec, schema, frozenset())
    return place.name or op


@cache
def _targets(level: Level) -> dict[tuple[str, str], tuple[Any, str]]:
    """(operation, status) -> (response schema, root name): every documented answer with a JSON schema."""
    spec = _spec(level)
    found: dict[tuple[str, str], tuple[Any, str]] = {}
    for path, item in spec.get("paths", {}).items():
        for method, definition in (item or {}).items():
            if not isinstance(definition, dict) or "responses" not in definition:
                continue
            op = f"{method.upper()} {path}"
            for status in definition["responses"]:
                schema = _response_schema(spec, op, str(status))
                if isinstance(schema, dict):
                    found[(op, str(status))] = (schema, _root_name(spec, schema, op))
    return found


@cache
def _spec(level: Level) -> dict[str, Any]:
    from mmcontract import spec

    return spec.load_spec(level)


def nodes_of(
    spec: dict[str, Any], op: str, status: str, schema: Any = None, root: str | None = None
) -> dict[str, Node]:
    """Every node of an operation's response schema at `status` (path -> Node)."""
    schema = schema if schema is not None else _response_schema(spec, op, status)
    if schema is None:
        return {}
    root = root or _root_name(spec, schema, op)
    out: dict[str, Node] = {}
    _walk(spec, schema, None, root, root, False, frozenset(), out, None)
    # a resource (not a list page) is the same thing a list item is: its nodes may be "not present"
    is_page = any(n.path == f"{root}.data[]" for n in out.values())
    if not is_page:
        out = {p: Node(n.path, n.key, True) for p, n in out.items()}
    return out


def observe_instance(
    spec: dict[str, Any], op: str, status: str, body: Any, schema: Any = None, root: str | None = None
) -> tuple[set[str], set[str]]:
    """The node paths and node keys one answer body shows."""
    schema = schema if schema is not None else _response_schema(spec, op, status)
    if schema is None:
        return set(), set()
    root = root or _root_name(spec, schema, op)
    out: dict[str, Node] = {}
    seen: set[str] = set()
    _walk(spec, schema, body, root, root, False, frozenset(), out, seen)
    return seen, {out[p].key for p in seen}


def _status_key(responses: set[str], status: int) -> str | None:
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return key
    return None


class Observer:
    """One process's observations: what each validated answer showed, and the list pages that walk a list."""

    def __init__(self, levels: tuple[Level, ...]) -> None:
        self.levels = levels
        self.seen: dict[Level, dict[str, set[str]]] = {lv: defaultdict(set) for lv in levels}  # "op status"
        self.keys: dict[Level, set[str]] = {lv: set() for lv in levels}
        self.observed: dict[Level, set[str]] = {lv: set() for lv in levels}  # "op status" with an answer
        # collection ("op|path|filter-free query") -> [offset, items, last page?, ids]
        self.pages: dict[str, list[list[Any]]] = defaultdict(list)
        self._matcher: Any = None

    def observe(self, method: str, url: str, status: int, body: Any) -> None:
        """One validated answer (its JSON body, or None when it has none)."""
        if self._matcher is None:
            from mmcontract.target.operations import OperationMatcher, operations

            self._matcher = OperationMatcher(operations())
        op = self._matcher.match(method, url)
        if op is None:
            return
        for level in self.levels:
            targets = _targets(level)
            key = _status_key({s for (o, s) in targets if o == op}, status)
            if key is None:
                continue
            schema, root = targets[(op, key)]
            label = f"{op} {key}"
            self.observed[level].add(label)
            seen, keys = observe_instance(_spec(level), op, key, body, schema, root)
            self.seen[level][label] |= seen
            self.keys[level] |= keys
        if method.upper() == "GET" and 200 <= status < 300:
            self._page(op, url, body)

    def _page(self, op: str, url: str, body: Any) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            return
        data = body["data"]
        if len(data) > MAX_ITEMS_PER_PAGE:
            return
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if any(
            name not in UNFILTERED_PARAMS and not (name in WIDENING_PARAMS and value.lower() == "true")
            for name, value in query
        ):
            return  # a filtered page says nothing of the items it leaves out
        params = dict(query)
        try:
            offset = int(params.get("offset") or 0)
        except ValueError:
            return
        order = "&".join(f"{k}={v}" for k, v in sorted(query) if k not in ("limit", "offset"))
        last = body.get("next") is None
        ids = [str(item.get("id")) for item in data if isinstance(item, dict) and item.get("id")]
        self.pages[f"{op}|{parts.path.rstrip('/')}|{order}"].append([offset, len(data), last, ids])

    def record(self) -> dict[str, Any] | None:
        if not any(self.observed[lv] for lv in self.levels):
            return None
        return {
            "kind": RECORD_KIND,
            "levels": {
                lv: {
                    "seen": {label: sorted(paths) for label, paths in self.seen[lv].items()},
                    "keys": sorted(self.keys[lv]),
                    "observed": sorted(self.observed[lv]),
                }
                for lv in self.levels
            },
            "pages": dict(self.pages),
        }


@dataclass
class Merged:
    """Every process's observations together."""

    seen: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # level -> "op status" -> paths
    keys: dict[str, set[str]] = field(default_factory=dict)
    observed: dict[str, set[str]] = field(default_factory=dict)
    pages: dict[str, list[list[Any]]] = field(default_factory=lambda: defaultdict(list))
    created: set[str] = field(default_factory=set)  # ids of what the run created (never a parent to walk)


def merge(records: list[dict[str, Any]]) -> Merged:
    merged = Merged()
    for record in records:
        if record.get("kind") == "created" and isinstance(record.get("id"), str):
            merged.created.add(record["id"])
        if record.get("kind") != RECORD_KIND:
            continue
        for level, data in (record.get("levels") or {}).items():
            seen = merged.seen.setdefault(level, defaultdict(set))
            for label, paths in (data.get("seen") or {}).items():
                seen[label] |= set(paths)
            merged.keys.setdefault(level, set()).update(data.get("keys") or [])
            merged.observed.setdefault(level, set()).update(data.get("observed") or [])
        for collection, pages in (record.get("pages") or {}).items():
            merged.pages[collection] += pages
    return merged


def _walked(pages: list[list[Any]]) -> list[str] | None:
    """The ids of a collection whose pages (same order) cover it from offset 0 to a last page, or None."""
    reach = 0
    ids: list[str] = []
    for offset, n, last, page_ids in sorted(pages, key=lambda p: (p[0], -p[1])):
        if offset > reach:
            return None
        if offset + n > reach:
            ids += page_ids[reach - offset :]
            reach = offset + n
        if last and offset + n >= reach:
            return ids
    return None


def _path_params(op: str, path: str) -> dict[str, str] | None:
    template = op.split(" ", 1)[1].rstrip("/")
    names = re.findall(r"\{([^}]+)\}", template)
    regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
    match = re.search(regex + "$", path)
    return dict(zip(names, match.groups(), strict=True)) if match else None


def _widening(level: Level, op: str) -> list[str]:
    """The widening parameters `op` documents (WIDENING_PARAMS)."""
    method, path = op.split(" ", 1)
    definition = (_spec(level).get("paths", {}).get(path) or {}).get(method.lower()) or {}
    names = {p.get("name") for p in definition.get("parameters") or [] if isinstance(p, dict)}
    return sorted(WIDENING_PARAMS & names)


def complete_schemas(level: Level, merged: Merged) -> set[str]:
    """Names of the item schemas whose every instance on the target the suite saw.

    A list is walked completely when unfiltered pages (no query parameter but limit, offset and sorting; and a
    parameter that widens the list, such as includeNonPredictionFeatures, sent as true) of one order cover it from offset 0 to a page whose `next` is null. A top-level list walked completely holds every
    item of its schema; a sub-list (a registered model's deployments, a package's logs) does when its parent list
    was walked completely and so was the sub-list of every parent it holds (but those the run created itself).
    A list under two parents (a version's deployments) never counts.
    """
    walks: dict[str, dict[tuple[tuple[str, str], ...], list[str]]] = defaultdict(dict)
    grouped: dict[tuple[str, str], list[list[Any]]] = defaultdict(list)
    for collection, pages in merged.pages.items():
        op, path, order = collection.split("|", 2)
        grouped[(op, path)] += [[*p, order] for p in pages]
    for (op, path), pages in grouped.items():
        params = _path_params(op, path)
        if params is None:
            continue
        by_order: dict[str, list[list[Any]]] = defaultdict(list)
        widening = _widening(level, op)
        for *page, order in pages:
            if all(f"{name}=" in order for name in widening):  # sent (as true: see Observer._page)
                by_order[order].append(page)
        for order_pages in by_order.values():
            ids = _walked(order_pages)
            if ids is not None:
                walks[op][tuple(sorted(params.items()))] = ids
                break
    names: set[str] = set()
    spec = _spec(level)
    for (op, status), (schema, root) in _targets(level).items():
        if not op.startswith("GET ") or not status.startswith("2"):
            continue
        nodes = nodes_of(spec, op, status, schema, root)
        if f"{root}.data[]" not in nodes:
            continue
        template_params = re.findall(r"\{([^}]+)\}", op)
        done = False
        if not template_params:
            done = () in walks.get(op, {})
        elif len(template_params) == 1 and template_params[0] in PARENT_LISTS:
            parent_op = PARENT_LISTS[template_params[0]]
            parents = walks.get(parent_op, {}).get(())
            walked_here = {dict(k).get(template_params[0]) for k in walks.get(op, {})}
            done = parents is not None and set(parents) - merged.created <= walked_here
        if done:
            first_item = next(
                (n.key.split(".", 1)[0] for n in nodes.values() if n.path.startswith(f"{root}.data[].")),
                None,
            )
            if first_item:
                names.add(first_item)
    return names


def coverage_of(level: Level, merged: Merged) -> list[SchemaCoverage]:
    """One row per operation and documented status the run saw an answer of, and per documented 2xx answer it
    never saw (every node not seen), in contract order."""
    spec = _spec(level)
    complete = complete_schemas(level, merged)
    keys = merged.keys.get(level, set())
    observed = merged.observed.get(level, set())
    rows: list[SchemaCoverage] = []
    for (op, status), (schema, root) in _targets(level).items():
        label = f"{op} {status}"
        if label not in observed and not status.startswith("2"):
            continue
        nodes = nodes_of(spec, op, status, schema, root)
        seen = merged.seen.get(level, {}).get(label, set()) & set(nodes)
        absent = sorted(
            p
            for p, n in nodes.items()
            if p not in seen
            and n.item
            and n.key.split(".", 1)[0].split(" ", 1)[0] in complete
            and n.key not in keys
        )
        uncovered = sorted(set(nodes) - seen - set(absent))
        rows.append(
            SchemaCoverage(
                operation=op,
                status=status,
                level=level,
                total=len(nodes),
                seen=len(seen),
                not_present=absent,
                not_seen=uncovered,
            )
        )
    return rows
