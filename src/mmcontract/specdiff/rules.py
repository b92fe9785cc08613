"""The breaking-change rules: oasdiff's rule ids and their default levels.

Ids and levels are oasdiff's (checker/rules.go, upstream commit 4553c69d, Aug 2026), so a finding can be
looked up in oasdiff's documentation and a team that already gates on oasdiff sees the same names. The
detection code is ours; only the names and levels are shared.

Levels: ERR breaks existing clients; WARN may break some; INFO is a change worth knowing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["ERR", "WARN", "INFO"]
LEVELS: tuple[Level, ...] = ("INFO", "WARN", "ERR")  # ascending severity
RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    description: str


_RULES = [
    # paths and operations
    Rule("api-path-removed-without-deprecation", "ERR", "a path was removed without being deprecated first"),
    Rule("api-path-removed-with-deprecation", "INFO", "a deprecated path was removed"),
    Rule("api-removed-without-deprecation", "ERR", "an operation was removed without being deprecated first"),
    Rule("api-removed-with-deprecation", "INFO", "a deprecated operation was removed"),
    Rule("endpoint-added", "INFO", "an operation was added"),
    Rule("endpoint-deprecated", "INFO", "an operation was deprecated"),
    Rule("endpoint-reactivated", "INFO", "an operation is no longer deprecated"),
    Rule("api-operation-id-removed", "INFO", "an operationId was removed or changed"),
    Rule("api-operation-id-added", "INFO", "an operationId was added"),
    Rule("api-tag-removed", "INFO", "an operation lost a tag"),
    Rule("api-tag-added", "INFO", "an operation gained a tag"),
    Rule("api-security-removed", "INFO", "an operation's security requirement was removed"),
    Rule("api-security-added", "INFO", "an operation's security requirement was added"),
    Rule("api-global-security-removed", "INFO", "a global security requirement was removed"),
    Rule("api-global-security-added", "INFO", "a global security requirement was added"),
    Rule("api-schema-removed", "INFO", "a component schema was removed"),
    # request parameters
    Rule("new-required-request-parameter", "ERR", "a required request parameter was added"),
    Rule("new-optional-request-parameter", "INFO", "an optional request parameter was added"),
    Rule("request-parameter-removed", "WARN", "a request parameter was removed"),
    Rule("request-parameter-removed-with-deprecation", "INFO", "a deprecated request parameter was removed"),
    Rule("request-parameter-became-required", "ERR", "an optional request parameter became required"),
    Rule("request-parameter-became-optional", "INFO", "a required request parameter became optional"),
    Rule("request-parameter-deprecated", "INFO", "a request parameter was deprecated"),
    Rule("request-parameter-reactivated", "INFO", "a request parameter is no longer deprecated"),
    Rule("request-parameter-type-changed", "ERR", "a request parameter's type or format changed"),
    Rule("request-parameter-type-generalized", "INFO", "a request parameter accepts more types"),
    Rule("request-parameter-enum-value-removed", "ERR", "a request parameter lost an enum value"),
    Rule("request-parameter-enum-value-added", "INFO", "a request parameter gained an enum value"),
    Rule("request-parameter-became-enum", "ERR", "a request parameter is now restricted to an enum"),
    Rule("request-parameter-max-length-decreased", "ERR", "a request parameter's maxLength decreased"),
    Rule("request-parameter-max-length-increased", "INFO", "a request parameter's maxLength increased"),
    Rule("request-parameter-max-length-set", "WARN", "a request parameter got a maxLength"),
    Rule("request-parameter-min-length-increased", "ERR", "a request parameter's minLength increased"),
    Rule("request-parameter-min-length-decreased", "INFO", "a request parameter's minLength decreased"),
    Rule("request-parameter-max-decreased", "ERR", "a request parameter's maximum decreased"),
    Rule("request-parameter-max-increased", "INFO", "a request parameter's maximum increased"),
    Rule("request-parameter-max-set", "WARN", "a request parameter got a maximum"),
    Rule("request-parameter-min-increased", "ERR", "a request parameter's minimum increased"),
    Rule("request-parameter-min-decreased", "INFO", "a request parameter's minimum decreased"),
    Rule("request-parameter-min-set", "WARN", "a request parameter got a minimum"),
    Rule("request-parameter-max-items-decreased", "ERR", "a request parameter's maxItems decreased"),
    Rule("request-parameter-min-items-increased", "ERR", "a request parameter's minItems increased"),
    Rule("request-parameter-pattern-added", "ERR", "a request parameter got a pattern"),
    Rule("request-parameter-pattern-changed", "WARN", "a request parameter's pattern changed"),
    Rule("request-parameter-pattern-removed", "INFO", "a request parameter's pattern was removed"),
    Rule("request-parameter-became-not-nullable", "ERR", "a request parameter no longer accepts null"),
    Rule("request-parameter-became-nullable", "INFO", "a request parameter accepts null"),
    Rule("request-parameter-default-value-changed", "ERR", "a request parameter's default changed"),
    Rule("request-parameter-default-value-added", "ERR", "a request parameter got a default"),
    Rule("request-parameter-default-value-removed", "ERR", "a request parameter lost its default"),
    # request body
    Rule("request-body-added-required", "ERR", "a required request body was added"),
    Rule("request-body-added-optional", "INFO", "an optional request body was added"),
    Rule("request-body-removed", "ERR", "the request body was removed"),
    Rule("request-body-became-required", "ERR", "the request body became required"),
    Rule("request-body-became-optional", "INFO", "the request body became optional"),
    Rule("request-body-media-type-removed", "ERR", "a request body media type was removed"),
    Rule("request-body-media-type-added", "INFO", "a request body media type was added"),
    Rule("request-body-type-changed", "ERR", "the request body's type changed"),
    Rule("request-body-became-enum", "ERR", "the request body is now restricted to an enum"),
    Rule("request-body-enum-value-removed", "ERR", "the request body lost an enum value"),
    Rule("request-body-became-not-nullable", "ERR", "the request body no longer accepts null"),
    Rule("request-body-became-nullable", "INFO", "the request body accepts null"),
    # request body properties
    Rule("new-required-request-property", "ERR", "a required request property was added"),
    Rule("new-optional-request-property", "INFO", "an optional request property was added"),
    Rule("request-property-removed", "WARN", "a request property was removed"),
    Rule("request-property-became-required", "ERR", "an optional request property became required"),
    Rule("request-property-became-optional", "INFO", "a required request property became optional"),
    Rule("request-property-type-changed", "ERR", "a request property's type or format changed"),
    Rule("request-property-type-generalized", "INFO", "a request property accepts more types"),
    Rule("request-property-enum-value-removed", "ERR", "a request property lost an enum value"),
    Rule("request-property-enum-value-added", "INFO", "a request property gained an enum value"),
    Rule("request-property-became-enum", "ERR", "a request property is now restricted to an enum"),
    Rule("request-property-max-length-decreased", "ERR", "a request property's maxLength decreased"),
    Rule("request-property-max-length-increased", "INFO", "a request property's maxLength increased"),
    Rule("request-property-max-length-set", "WARN", "a request property got a maxLength"),
    Rule("request-property-min-length-increased", "ERR", "a request property's minLength increased"),
    Rule("request-property-min-length-decreased", "INFO", "a request property's minLength decreased"),
    Rule("request-property-max-decreased", "ERR", "a request property's maximum decreased"),
    Rule("request-property-max-increased", "INFO", "a request property's maximum increased"),
    Rule("request-property-max-set", "WARN", "a request property got a maximum"),
    Rule("request-property-min-increased", "ERR", "a request property's minimum increased"),
    Rule("request-property-min-decreased", "INFO", "a request property's minimum decreased"),
    Rule("request-property-min-set", "WARN", "a request property got a minimum"),
    Rule("request-property-min-items-increased", "ERR", "a request property's minItems increased"),
    Rule("request-property-pattern-added", "ERR", "a request property got a pattern"),
    Rule("request-property-pattern-changed", "WARN", "a request property's pattern changed"),
    Rule("request-property-pattern-removed", "INFO", "a request property's pattern was removed"),
    Rule("request-property-became-not-nullable", "ERR", "a request property no longer accepts null"),
    Rule("request-property-became-nullable", "INFO", "a request property accepts null"),
    # responses
    Rule("response-success-status-removed", "ERR", "a 2xx response status was removed"),
    Rule("response-success-status-added", "INFO", "a 2xx response status was added"),
    Rule("response-non-success-status-removed", "INFO", "a non-2xx response status was removed"),
    Rule("response-non-success-status-added", "INFO", "a non-2xx response status was added"),
    Rule("response-media-type-removed", "ERR", "a response media type was removed"),
    Rule("response-media-type-added", "INFO", "a response media type was added"),
    Rule("response-body-type-changed", "ERR", "a response body's type changed"),
    Rule("response-body-became-nullable", "ERR", "a response body may now be null"),
    # response properties
    Rule("response-required-property-removed", "ERR", "a required response property was removed"),
    Rule("response-optional-property-removed", "WARN", "an optional response property was removed"),
    Rule("response-required-property-added", "INFO", "a required response property was added"),
    Rule("response-optional-property-added", "INFO", "an optional response property was added"),
    Rule("response-property-became-optional", "ERR", "a required response property became optional"),
    Rule("response-property-became-required", "INFO", "an optional response property became required"),
    Rule("response-property-became-nullable", "ERR", "a response property may now be null"),
    Rule("response-property-became-not-nullable", "INFO", "a response property is no longer null"),
    Rule("response-property-type-changed", "ERR", "a response property's type or format changed"),
    Rule("response-property-type-specialized", "INFO", "a response property's types narrowed"),
    Rule("response-property-enum-value-added", "WARN", "a response property gained an enum value"),
    Rule("response-property-enum-value-removed", "INFO", "a response property lost an enum value"),
    Rule("response-property-max-length-increased", "ERR", "a response property's maxLength increased"),
    Rule("response-property-max-length-unset", "ERR", "a response property lost its maxLength"),
    Rule("response-property-max-increased", "ERR", "a response property's maximum increased"),
    Rule("response-property-min-decreased", "ERR", "a response property's minimum decreased"),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
assert len(RULES) == len(_RULES), "duplicate rule id"


def at_least(level: str, threshold: str) -> bool:
    return RANK[level] >= RANK[threshold]  # type: ignore[index]
