"""The behaviour-difference rules of `mmcontract compare`: stable ids (named like `mmcontract diff`'s) and levels.

Levels: `breaking` can break an existing client (like diff's ERR), `notable` may break some or changes what a
client sees (WARN), `info` is worth knowing (INFO). A rule's level can depend on what the page-level contract
says of the field (a required property removed is breaking, an optional one notable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["breaking", "notable", "info"]
LEVELS: tuple[Level, ...] = ("info", "notable", "breaking")  # ascending severity
RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level  # the default level; some findings raise or lower it (see `Difference.level`)
    description: str


_RULES = [
    Rule(
        "response-status-class-changed",
        "breaking",
        "the status class (2xx/4xx/5xx) of the same request changed",
    ),
    Rule("response-status-changed", "notable", "the status code changed within its class (e.g. 400 -> 422)"),
    Rule("response-media-type-changed", "breaking", "the media type of a success response changed"),
    Rule("response-property-removed", "breaking", "a response property disappeared (notable when optional)"),
    Rule("response-property-added", "info", "a response property appeared"),
    Rule("response-property-type-changed", "breaking", "a response property changed its JSON type"),
    Rule(
        "response-property-became-null",
        "breaking",
        "a property is null where it had a value (notable when the contract says nullable)",
    ),
    Rule("response-property-became-non-null", "info", "a property has a value where it was null"),
    Rule(
        "response-property-format-changed",
        "breaking",
        "a value no longer has its contract format (date-time)",
    ),
    Rule("response-enum-value-changed", "breaking", "a value left the contract's enum"),
    Rule("response-value-changed", "info", "a stable value differs for the same request"),
    Rule("response-id-format-changed", "notable", "ids have another form on the new server (mapped by name)"),
    Rule(
        "list-default-page-size-changed", "breaking", "a list without `limit` serves another number of items"
    ),
    Rule(
        "list-page-size-changed",
        "notable",
        "a list with the same `limit` serves another number of items (breaking when more than asked)",
    ),
    Rule("list-limit-rejected", "breaking", "a `limit` the old server served is now refused"),
    Rule("list-count-changed", "breaking", "`count` differs for the same page"),
    Rule("list-total-count-changed", "notable", "`totalCount` differs for the same filter"),
    Rule("list-items-added", "notable", "the same filter (or none) lists items the old server did not"),
    Rule(
        "list-items-removed", "breaking", "the same filter (or none) no longer lists items the old server did"
    ),
    Rule(
        "search-case-changed",
        "breaking",
        "`search` matches case differently (items differing only by case came or went)",
    ),
    Rule("list-order-changed", "breaking", "the same sortKey and direction orders the items differently"),
    Rule(
        "list-default-sort-direction-changed",
        "notable",
        "a sortKey without sortDirection sorts the other way",
    ),
    Rule("list-default-order-changed", "notable", "a list without a sort orders its items differently"),
    Rule(
        "list-next-presence-changed",
        "breaking",
        "next/previous is null on one server and a link on the other",
    ),
    Rule("list-link-form-changed", "breaking", "next/previous changed between absolute and relative"),
    Rule("list-link-host-changed", "notable", "next/previous name another host than the request's"),
    Rule("list-link-params-dropped", "breaking", "next/previous lost a parameter of the request"),
    Rule(
        "list-link-query-changed", "info", "next/previous put their query another way (order, extra defaults)"
    ),
    Rule(
        "error-body-changed",
        "breaking",
        "an error body changed its media type or fields (notable when `message` stays)",
    ),
    Rule("error-message-changed", "info", "an error message's text changed"),
    Rule(
        "write-status-changed",
        "breaking",
        "a write of the mirrored battery (--allow-writes) answers another status (notable within its class)",
    ),
    Rule(
        "write-readback-changed",
        "breaking",
        "a read after a write (--allow-writes) shows other values, items or status than on the old server",
    ),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def at_least(level: str, threshold: str) -> bool:
    return RANK[level] >= RANK[threshold]  # type: ignore[index]
