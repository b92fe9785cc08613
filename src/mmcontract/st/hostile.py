"""Hostile strings: the free strings of the contract also carry strings known to break servers.

A free string is one the page leaves free: a query or path parameter, or a top-level request body property, of
type string with no enum, const, pattern or format (search terms, names, descriptions, path ids, id filters).
The corpus is `mmcontract/data/hostile-strings.json` (classes: `%`/`_` wildcards, quotes, backslashes, format
strings, non-ASCII, emoji and bidi marks, control characters, whitespace, very long values, URL-encoded and
path-traversal forms, markup; modelled on RESTler's fuzzing dictionaries and the big list of naughty strings).

They reach Schemathesis through a global `before_call` hook (`install_hostile`), registered after the steering
hook, so they go out in every phase and at every profile (the coverage phase ignores `map_*` hooks, and the
fuzzing phase of the quick profile draws 5 cases per operation: too few for a corpus of 100):
- reads whose path is not what a negative case negates: a path id the steering left as generated (the 1 case
  in 4 that asks for an unknown id) becomes a corpus string, and so does the real id of 1 negative case in 4
  (`PATH_SHARE`; its point is its query or body; the coverage phase sends one id all along, so the unknown ones
  alone are too few); a positive case keeps its real id (the item checks look at its answer);
- every positive case (the rest of a negative case is what it tests: left alone): 1 in 2 (`HOSTILE_SHARE`) has each free query string and body string it carries replaced
  by a corpus string (none is added: a search added to a list empties the page the item checks look at);
  create bodies keep the run's name prefix
  (mmcontract.target.litter) on their names; write path ids are never touched (the steering decides them).
The first strings each slot receives in a process sweep the classes (the first string of each, in an order the
seed rotates), so every class reaches every slot that gets a dozen; after that a class is drawn, then a string of
it (a class of many strings does not crowd out the others). Which cases, and the strings after the sweep, follow
from the run's seed and the case's generated values only (a seeded `random.Random` per case). The values are schema-valid (a body string respects its
`maxLength`; a path id is one Schemathesis itself would send: no `/`, braces, `.`/`..` or NUL once decoded), so
a case stays positive: a 5xx is ST101 with the string in the curl line; a 400/422 on a free query string is the
server's discretion (mmcontract.st.discretion) like any other generated value.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote

from mmcontract.st.lenience import resolve
from mmcontract.target.operations import operations

CORPUS_FILE = "hostile-strings.json"
HOSTILE_SHARE = 2  # 1 positive case in 2 carries corpus strings in its free query and body strings
PATH_SHARE = (
    4  # 1 negative read in 4 (negated elsewhere than its path) loses its real path id to a corpus string
)
STEERED_BODY = frozenset({"modelId"})  # body ids the steering points at a real model: left alone
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Hostile:
    value: str
    kind: str  # the corpus class


@dataclass
class Slots:
    """The free strings of one operation: query and path parameter names, body properties (-> maxLength)."""

    query: set[str] = field(default_factory=set)
    path: set[str] = field(default_factory=set)
    body: dict[str, int | None] = field(default_factory=dict)


def _expand(entry: Any) -> str:
    if isinstance(entry, dict):
        return str(entry["repeat"]) * int(entry["times"])
    return str(entry)


@cache
def corpus() -> tuple[Hostile, ...]:
    """Every corpus string with its class, in file order."""
    text = resources.files("mmcontract").joinpath("data", CORPUS_FILE).read_text(encoding="utf-8")
    classes: dict[str, list[Any]] = json.loads(text)["classes"]
    return tuple(Hostile(_expand(entry), kind) for kind, entries in classes.items() for entry in entries)


def fits_path(value: str) -> bool:
    """Whether Schemathesis would send `value` as a path parameter (it unquotes, then quotes everything): no
    `/`, braces or NUL once decoded, and not `.`/`..` (they collapse the path to another operation)."""
    decoded = unquote(value)
    return bool(decoded) and decoded not in (".", "..") and not any(c in decoded for c in "/{}\x00")


def path_form(value: str) -> str:
    """A path parameter as Schemathesis sends it (`quote_all`): decoded once, then every character quoted."""
    return quote(unquote(value), safe="")


def _is_free(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    return "string" in types and not {"enum", "const", "pattern", "format"} & set(schema)


def free_strings(spec: dict[str, Any]) -> dict[str, Slots]:
    """Operation label -> its free strings, read from the contract."""
    table: dict[str, Slots] = {}
    for op in operations(spec):
        slots = Slots()
        path_item = spec["paths"].get(op.path, {})
        for raw in [*(path_item.get("parameters") or []), *(op.definition.get("parameters") or [])]:
            param = resolve(spec, raw)
            if not isinstance(param, dict) or not _is_free(resolve(spec, param.get("schema"))):
                continue
            if param.get("in") == "query":
                slots.query.add(param["name"])
            elif param.get("in") == "path":
                slots.path.add(param["name"])
        content = (resolve(spec, op.definition.get("requestBody")) or {}).get("content") or {}
        body = resolve(spec, (content.get("application/json") or {}).get("schema"))
        for name, prop in ((body or {}).get("properties") or {}).items():
            prop = resolve(spec, prop)
            if _is_free(prop) and name not in STEERED_BODY:
                slots.body[name] = prop.get("maxLength")
        table[op.label] = slots
    return table


_SWEPT: dict[tuple[str, str], int] = {}  # (operation, slot) -> corpus strings drawn for it in this process


def _draw(rng: random.Random, fits: Any, slot: tuple[str, str], seed: int) -> str:
    """The sweep first: the first strings a slot receives in a process are the first fitting string of each
    class, one class after the other (in an order rotated by the seed), so every class reaches every slot that
    receives as many strings as there are classes. Then a class drawn, then a string of it: every class is as
    likely as any other, however many strings it holds."""
    by_kind: dict[str, list[str]] = {}
    for hostile in corpus():
        if fits(hostile.value):
            by_kind.setdefault(hostile.kind, []).append(hostile.value)
    kinds = sorted(by_kind)
    drawn = _SWEPT.get(slot, 0)
    _SWEPT[slot] = drawn + 1
    if drawn < len(kinds):
        return by_kind[kinds[(drawn + seed) % len(kinds)]][0]
    return rng.choice(by_kind[rng.choice(kinds)])


def make_hostile(case: Any, slots: Slots, seed: int, *, known: Any, prefix: str | None) -> list[str]:
    """Put corpus strings into `case` (see the module docstring); the names of the slots changed.

    `known(value)`: whether a path id names a resource the run knows (the steering chose it); `prefix`: the
    run's name prefix for create bodies' names (None: not a create)."""
    from schemathesis.core.parameters import ParameterLocation

    meta = case.meta
    if meta is None or meta.phase.name == "stateful":
        return []
    generated = repr(
        (
            case.path_parameters,
            sorted((case.query or {}).items(), key=str),
            # not str(): a GET's body is a NotSet object, whose str() carries its memory address
            json.dumps(case.body, default=lambda value: type(value).__name__),
        )
    )
    label = case.operation.label
    rng = random.Random(f"{seed}|{label}|{generated}")
    changed: list[str] = []
    write = case.method.upper() in WRITE_METHODS
    if slots.path and not write and not meta.is_negative_at(ParameterLocation.PATH):
        path = dict(case.path_parameters or {})
        # a positive case keeps real ids (its answer is what the item checks look at); a negative one, whose
        # point is its query or body, gives up its real id 1 time in PATH_SHARE
        keep_real = meta.generation.mode.is_positive or rng.randrange(PATH_SHARE) != 0
        for name in sorted(slots.path & set(path)):
            if not (keep_real and known(path[name])):
                path[name] = path_form(_draw(rng, fits_path, (label, f"path.{name}"), seed))
                changed.append(f"path.{name}")
        if changed:
            case.path_parameters = path
    if not meta.generation.mode.is_positive or rng.randrange(HOSTILE_SHARE) != 0:
        return changed
    if slots.query:
        query = dict(case.query or {})
        for name in sorted(slots.query & set(query)):
            query[name] = _draw(rng, lambda value: True, (label, f"query.{name}"), seed)
            changed.append(f"query.{name}")
        case.query = query
    if slots.body and isinstance(case.body, dict):
        body = dict(case.body)
        for name, max_length in sorted(slots.body.items()):
            if not isinstance(body.get(name), str):
                continue
            value = _draw(
                rng,
                lambda v, m=max_length: m is None or len(v) + len(prefix or "") <= m,
                (label, f"body.{name}"),
                seed,
            )
            body[name] = prefix + value if prefix and name in ("name", "registeredModelName") else value
            changed.append(f"body.{name}")
        case.body = body
    return changed


def install_hostile(seed: int | None) -> None:
    """Register the global `before_call` hook that puts corpus strings into positive cases (once per process;
    after mmcontract.st.steering's, so it sees the path ids the steering chose)."""
    import schemathesis

    from mmcontract.spec import load_spec
    from mmcontract.st.steering import STEERING
    from mmcontract.target import litter

    if getattr(install_hostile, "_done", False):
        return
    install_hostile._done = True  # type: ignore[attr-defined]
    table = free_strings(load_spec())

    @schemathesis.hook("before_call")
    def mmcontract_hostile_strings(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        slots = table.get(case.operation.label)
        if slots is None:
            return
        create = litter.is_create(case.method, case.operation.path)
        make_hostile(
            case,
            slots,
            seed or 0,
            known=STEERING.knows,
            prefix=litter.name_prefix() if create else None,
        )
