"""Full pages: Schemathesis cases added to the generated ones, so every item schema and every documented `maxItems`
is checked on real items whenever the target holds any.

Generated cases land where chance puts them (an offset past the end, a model with no sharing): their pages are
often empty. For each list operation the suite adds, seeded by the run's seed:
- a full page at offset 0 (the documented `maxItems` of the list's `data`, else 100, never above the ceiling the
  server showed: mmcontract.target.paging) of the resource that holds the most items (discovery counted them);
- the same page with a sort (a documented order, drawn);
- the same page filtered by a value present on the target (drawn from an item the full page showed);
and for the model package retrieve routes, the package with the most classes. They are Schemathesis cases like
the others (`operation.Case`), sent and validated by `mmcontract.st.execute.run_case`: the ST checks and MM801
apply and they are counted. Steering leaves their path ids alone (`Steering.pinned`).
"""

from __future__ import annotations

import random
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mmcontract.checks.listing import LIST_OPERATIONS
from mmcontract.st.lenience import resolve
from mmcontract.target.discovery import Discovery
from mmcontract.target.paging import LIMIT_FLOOR, LIMIT_REFUSED, known_ceiling

FULL_PAGE = 100  # asked where the page documents no maxItems (and the suite's own discovery page)
SORTS = ("sortKey", "sortDirection", "orderBy")
Getter = Callable[[dict[str, Any]], Any]


def _at(*keys: str) -> Getter:
    def get(item: dict[str, Any]) -> Any:
        value: Any = item
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return get


_ROLES: dict[str, Getter] = {
    "id": _at("id"),
    "name": _at("name"),
    "shareRecipientType": _at("shareRecipientType"),
}
_DEPLOYMENTS: dict[str, Getter] = {"search": _at("label")}
# list operation -> filter parameter -> where an item holds a value that passes it
FILTERS: dict[str, dict[str, Getter]] = {
    "GET /registeredModels/": {
        "search": _at("name"),
        "targetName": _at("target", "name"),
        "targetType": _at("target", "type"),
        "isGlobal": _at("isGlobal"),
    },
    "GET /modelPackages/": {
        "search": _at("name"),
        "modelId": _at("modelId"),
        "buildStatus": _at("buildStatus"),
    },
    "GET /registeredModels/{registeredModelId}/versions/": {
        "search": _at("name"),
        "targetName": _at("target", "name"),
        "targetType": _at("target", "type"),
        "buildStatus": _at("buildStatus"),
        "stage": _at("stage"),
    },
    "GET /modelPackages/{modelPackageId}/features/": {"search": _at("name")},
    "GET /modelPackages/{modelPackageId}/sharedRoles/": _ROLES,
    "GET /registeredModels/{registeredModelId}/sharedRoles/": _ROLES,
    "GET /registeredModels/{registeredModelId}/deployments/": _DEPLOYMENTS,
    "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/": _DEPLOYMENTS,
}
RETRIEVES = ("GET /modelPackages/{modelPackageId}/", "GET /modelPackages/{modelPackageId}/capabilities/")


@dataclass
class Plan:
    """One list operation's full page: where (path ids) and how large."""

    label: str
    path_parameters: dict[str, str]
    limit: int
    rng: random.Random = field(repr=False)

    @property
    def url(self) -> str:
        path = self.label.split(" ", 1)[1]
        for name, value in self.path_parameters.items():
            path = path.replace("{" + name + "}", value)
        return path.lstrip("/")


def rng_for(seed: int | None, label: str) -> random.Random:
    """The run's seed and the operation: the same run draws the same cases."""
    return random.Random(zlib.crc32(f"{seed or 0}:{label}".encode()))


def documented_max_items(spec: dict[str, Any], label: str) -> int | None:
    """The `maxItems` of a list response's `data` (200), if the contract documents one."""
    method, path = label.split(" ", 1)
    operation = spec.get("paths", {}).get(path, {}).get(method.lower(), {})
    response = resolve(spec, operation.get("responses", {}).get("200", {}))
    schema = resolve(spec, response.get("content", {}).get("application/json", {}).get("schema", {}))
    data = resolve(spec, schema.get("properties", {}).get("data", {}))
    value = data.get("maxItems") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def plan(label: str, discovered: Discovery, spec: dict[str, Any], seed: int | None) -> Plan | None:
    """The full page of `label`: at the resource holding the most items (a seeded pick among equals); None when
    every resource of that list is empty (nothing to validate items on) or unknown."""
    op = LIST_OPERATIONS[label]
    rng = rng_for(seed, label)
    ids: tuple[str, ...] = ()
    if op.path_params:
        sizes = {key: n for key, n in discovered.list_sizes.get(label, {}).items() if n > 0}
        if not sizes:
            return None
        most = max(sizes.values())
        ids = rng.choice(sorted(key for key, n in sizes.items() if n == most))
    limit = documented_max_items(spec, label) or FULL_PAGE
    found = Plan(label, dict(zip(op.path_params, ids, strict=True)), limit, rng)
    ceiling = known_ceiling(found.url)
    found.limit = min(limit, ceiling) if ceiling else limit
    return found


def queries(
    found: Plan, spec: dict[str, Any], items: list[dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The sorted page and the filtered page, after the plain one (whose items give the filter's value)."""
    base = {"offset": 0, "limit": found.limit}
    method, path = found.label.split(" ", 1)
    operation = spec.get("paths", {}).get(path, {}).get(method.lower(), {})
    sorts: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {}) if isinstance(parameter, dict) else {}
        if parameter.get("in") == "query" and parameter.get("name") in SORTS and schema.get("enum"):
            sorts[parameter["name"]] = found.rng.choice(list(schema["enum"]))
    if sorts:
        yield "sorted", {**base, **sorts}
    filters = FILTERS.get(found.label, {})
    present = [
        (name, value)
        for item in items
        for name, get in filters.items()
        if isinstance(value := get(item), (str, bool)) and value != ""
    ]
    if present:
        name, value = found.rng.choice(present)
        yield (
            f"{name} from the target",
            {**base, name: ("true" if value else "false") if isinstance(value, bool) else value},
        )


def most_classes(discovered: Discovery) -> str | None:
    """The live model package with the most classes (classNames, else classCount): where classNames' maxItems
    meets the most items."""

    def classes(item: dict[str, Any]) -> int:
        target = item.get("target") if isinstance(item.get("target"), dict) else {}
        names = target.get("classNames")
        count = target.get("classCount")
        return max(len(names) if isinstance(names, list) else 0, count if isinstance(count, int) else 0)

    live = [
        p
        for p in discovered.model_packages
        if p.get("isArchived") is not True and isinstance(p.get("id"), str)
    ]
    best = max(live, key=classes, default=None)
    return best["id"] if best is not None and classes(best) > 0 else None


def smaller_limit(limit: int, status: int) -> int | None:
    """A full page the server refused for its size (400/422): the next smaller one to ask (as paging does)."""
    if status not in LIMIT_REFUSED or limit <= LIMIT_FLOOR:
        return None
    return max(LIMIT_FLOOR, limit // 2)


# Diversity: get-by-id on a few resources that together show every value the lists showed, so each variant of the
# response schema (an enum value, a null, an empty list) meets the retrieve route, not only the list.
PACKAGE_RETRIEVE = "GET /modelPackages/{modelPackageId}/"
VERSION_RETRIEVE = "GET /registeredModels/{registeredModelId}/versions/{versionId}/"
RM_RETRIEVE = "GET /registeredModels/{registeredModelId}/"
RM_SHARING = "GET /registeredModels/{registeredModelId}/sharedRoles/"
PACKAGE_SHARING = "GET /modelPackages/{modelPackageId}/sharedRoles/"
VERSIONS_LIST = "GET /registeredModels/{registeredModelId}/versions/"
RM_DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/deployments/"
VERSION_DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/"
MAX_DIVERSE = 24  # resources retrieved per operation (the seed needs 17 packages to show every value)
ENUM_LIKE = (
    8  # a string property with at most this many distinct values across the items is treated as an enum
)
MAX_DEPLOYMENT_LISTS = 20  # version deployments lists asked
MAX_PARENTS_WALKED = (
    50  # every registered model's deployments list is walked when the target holds at most this
)
MAX_WALK_PAGES = 10  # pages per walked list


def _leaves(value: Any, path: str, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _leaves(inner, f"{path}.{key}" if path else key, out)
    elif isinstance(value, list):
        out.append((path, "empty" if not value else "non-empty"))
        for inner in value:
            _leaves(inner, f"{path}[]", out)
    else:
        out.append((path, value))


def features(items: list[dict[str, Any]]) -> list[set[tuple[str, str]]]:
    """Per item, its (path, value) features: null or set for every leaf, the value of booleans and of enum-like
    strings (few distinct values across the items, repeated), and whether a list is empty."""
    leaves: list[list[tuple[str, Any]]] = []
    for item in items:
        out: list[tuple[str, Any]] = []
        _leaves(item, "", out)
        leaves.append(out)
    strings: dict[str, list[str]] = {}
    for out in leaves:
        for path, value in out:
            if isinstance(value, str):
                strings.setdefault(path, []).append(value)
    # enum-like: few distinct values, each shown (on average) by two items at least (not a name or an id)
    enums = {
        path
        for path, values in strings.items()
        if len(set(values)) <= ENUM_LIKE and 2 * len(set(values)) <= len(values)
    }
    found: list[set[tuple[str, str]]] = []
    for out in leaves:
        mine: set[tuple[str, str]] = set()
        for path, value in out:
            mine.add((path, "null" if value is None else "set"))
            if isinstance(value, bool):
                mine.add((path, str(value)))
            elif isinstance(value, str) and path in enums:
                mine.add((path, f"={value}"))
        found.append(mine)
    return found


def diverse(items: list[dict[str, Any]], bound: int = MAX_DIVERSE) -> list[dict[str, Any]]:
    """A few items (at most `bound`) that together show every feature of the items (greedy set cover: each pick
    shows the rarest features not yet shown, weighted by 1/how many items show them; the first listed wins a tie)."""
    feats = features(items)
    uncovered: set[tuple[str, str]] = set().union(*feats) if feats else set()
    counts = Counter(feature for mine in feats for feature in mine)
    chosen: list[int] = []

    def weight(
        i: int,
    ) -> tuple[float, int]:  # a rare feature weighs more: the few items showing it come first
        return sum(1 / counts[feature] for feature in feats[i] & uncovered), -i

    while uncovered and len(chosen) < bound:
        best = max(range(len(items)), key=weight)
        gain = feats[best] & uncovered
        if not gain:
            break
        chosen.append(best)
        uncovered -= gain
    return [items[i] for i in chosen]


def with_deployments(
    versions: list[tuple[str, dict[str, Any]]], discovered: Discovery
) -> list[tuple[str, str]]:
    """(registeredModelId, versionId) of the versions known to have deployments (discovery found some, or the
    version's activeDeploymentCount says so), at most MAX_DEPLOYMENT_LISTS."""
    found = list(dict.fromkeys(discovered.deployment_versions))
    for rm_id, item in versions:
        count = item.get("activeDeploymentCount")
        key = (rm_id, item.get("id"))
        counted = isinstance(count, int) and not isinstance(count, bool) and count > 0
        if isinstance(key[1], str) and counted and key not in found:
            found.append(key)
    return found[:MAX_DEPLOYMENT_LISTS]
