"""Schemathesis failures as report records (code, family, title, basis, expected/actual, curl, excerpt).

Schemathesis validates against a bundled copy of each schema, in which every `$ref` target sits under
`x-bundled/schema000001`, ... . Those names are its own: a record names the contract's schema instead
(`#/components/schemas/NAME`), and a schema failure names the schema and field it is about, e.g.
`ModelPackageRetrieveResponse.activeDeploymentCount`, in its message's first line (which the terminal, every
report and the baseline show).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mmcontract.checks.catalogue import basis_of, family_of, title_of

# a bundled schema's name where it shows: a pointer into the bundle, or a `$ref` step in a mutation's pointer
_BUNDLED = re.compile(r"(#/|/)?x-bundled/(\w+)|(\$ref/)(schema\d+)")
_REQUIRED = re.compile(r"""^["'](.+?)["'] is a required property""")
_COMBINATORS = ("allOf", "anyOf", "oneOf")


def bundle_names(operation: Any) -> dict[str, str]:
    """Bundled schema name -> the contract URI it stands for, for the request schemas of a Schemathesis
    operation (its bodies and parameters)."""
    names: dict[str, str] = {}
    parts: list[Any] = []
    for get in (lambda: list(operation.body), lambda: list(operation.iter_parameters())):
        try:
            parts += get()
        except Exception:  # an operation shape this version does not have: no names, nothing breaks
            continue
    for part in parts:
        found = getattr(part, "name_to_uri", None)
        if isinstance(found, Mapping):
            names.update({str(k): str(v) for k, v in found.items()})
    return names


def _failure_names(failure: Any, names: Mapping[str, str] | None) -> dict[str, str]:
    # a schema failure carries the names of the bundle it was validated against (no public accessor in 4.x)
    own = getattr(failure, "_name_to_uri", None)
    return {**(names or {}), **(own if isinstance(own, Mapping) else {})}


def _fragment(uri: str) -> str:
    """`/components/schemas/NAME` of `file:///.../model_management.yaml#/components/schemas/NAME`."""
    return uri.split("#", 1)[1] if "#" in uri else ""


def unbundle_text(text: str | None, names: Mapping[str, str]) -> str | None:
    """`text` with every bundled schema name replaced by the contract pointer it stands for."""
    if not text or ("x-bundled" not in text and "$ref/schema" not in text):
        return text

    def replace(match: re.Match[str]) -> str:
        prefix, name = (
            (match.group(1) or "", match.group(2)) if match.group(2) else (match.group(3), match.group(4))
        )
        fragment = _fragment(names.get(name, "")).lstrip("/")
        return f"{prefix}{fragment or 'components/schemas/(unknown)'}"

    return _BUNDLED.sub(replace, text)


def schema_path_of(failure: Any, names: Mapping[str, str]) -> list[str | int]:
    """The failing keyword's path in the contract, e.g. ['components', 'schemas', 'ModelPackageRetrieveResponse',
    'properties', 'activeDeploymentCount', 'type']."""
    from schemathesis.core.jsonschema.bundler import unbundle_path

    path = list(getattr(failure, "schema_path", None) or [])
    return unbundle_path(path, dict(names)) if names else path


def schema_field(failure: Any, names: Mapping[str, str]) -> str | None:
    """`Schema.field` a schema failure is about: the innermost named schema of the contract on the failing
    keyword's path, then the properties below it (`[]` for an array's items); for `required`, the missing
    property. None when the path names no contract schema."""
    path = schema_path_of(failure, names)
    starts = [i for i in range(len(path) - 2) if path[i] == "components" and path[i + 1] == "schemas"]
    if not starts:
        return None
    start = starts[-1]
    name, below = str(path[start + 2]), path[start + 3 :]
    keyword, steps = (below[-1], below[:-1]) if below else (None, [])
    fields: list[str] = []
    i = 0
    while i < len(steps):
        step = steps[i]
        if step in ("properties", "patternProperties") and i + 1 < len(steps):
            fields.append(str(steps[i + 1]))
            i += 2
        elif step in _COMBINATORS:
            i += 2  # which alternative does not change the field
        elif step == "items":
            fields.append("[]")
            i += 1
        elif step == "additionalProperties":
            fields.append("*")
            i += 1
        else:
            i += 1
    if keyword == "required":
        missing = _REQUIRED.match(str(getattr(failure, "validation_message", "") or ""))
        if missing:
            fields.append(missing.group(1))
    dotted = ".".join(fields).replace(".[]", "[]")
    return f"{name}.{dotted}" if dotted else name


def _schema_expected_actual(failure: Any, names: Mapping[str, str]) -> tuple[str, str]:
    path = schema_path_of(failure, names)
    keyword = path[-1] if path else None
    where = "#/" + "/".join(map(str, path[:-1])) if len(path) > 1 else "the response schema"
    schema = getattr(failure, "schema", None)
    rule = str(keyword) if keyword is not None else "schema"
    if isinstance(schema, dict) and keyword in schema and keyword != "required":
        rule += " " + json.dumps(schema[keyword], default=str)[:200]
    named = schema_field(failure, names)
    expected = f"{named}: {rule} ({where})" if named else f"{rule} ({where})"
    instance_path = "/".join(map(str, getattr(failure, "instance_path", []) or [])) or "(root)"
    if keyword == "required" and named:
        actual = f"{instance_path}: no {named.rsplit('.', 1)[-1]}"
    else:
        actual = f"{instance_path} = {getattr(failure, 'instance', None)!r}"[:300]
    return expected, actual


def _expected_actual(failure: Any, names: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    code = failure.code
    status = getattr(failure, "status_code", None)
    for name in ("expected_statuses", "allowed_statuses", "defined_status_codes"):
        expected = getattr(failure, name, None)
        if expected:
            return ", ".join(map(str, expected)), str(status) if status is not None else None
    if code == "ST108" and getattr(failure, "schema_path", None) is not None:
        return _schema_expected_actual(failure, names or {})
    if code == "ST101":
        return "a response below 500", str(status) if status is not None else None
    if code == "ST112":
        return "a response within the request timeout", "no response"
    if code in ("ST104", "ST105"):
        documented = getattr(failure, "media_types", None) or getattr(failure, "defined_content_types", None)
        return (", ".join(documented) if documented else None, getattr(failure, "content_type", None))
    return None, None


def _iter_failures(exc: BaseException) -> Iterator[Any]:
    from schemathesis.core.failures import Failure

    if isinstance(exc, Failure):
        yield exc
    elif isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _iter_failures(inner)


def failure_record(
    failure: Any,
    operation: str,
    curl: str | None = None,
    excerpt: str | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One failure as a report record. `names`: the bundled schema names of the operation's request schemas
    (`bundle_names`); a schema failure brings its own."""
    code = failure.code
    names = _failure_names(failure, names)
    expected, actual = _expected_actual(failure, names)
    title = failure.title
    if code == "ST108" and getattr(failure, "schema_path", None) is not None:
        named = schema_field(failure, names)
        title = f"{title} at {named}" if named else title
    message = f"{title}: {failure.message}" if failure.message else title
    return {
        "check": code,
        "operation": operation,
        "title": title_of(code, getattr(failure, "title", "")),
        "family": family_of(code),
        "message": unbundle_text(message, names),
        "basis": basis_of(code, operation),
        "expected": unbundle_text(expected, names),
        "actual": unbundle_text(actual, names),
        "curl": curl,
        "response_excerpt": excerpt,
    }


def failures_from_exception(
    exc: BaseException, operation: str, notes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records for the failures in the exception that ended a Schemathesis test, with the curl line and
    response the test noted last for the same check (the minimal example after shrinking)."""
    latest: dict[str, dict[str, Any]] = {}
    for note in notes:
        latest[note["check"]] = note
    records = []
    seen: set[tuple[str, str]] = set()
    for failure in _iter_failures(exc):
        key = (failure.code, str(failure.message).splitlines()[0] if failure.message else "")
        if key in seen:
            continue
        seen.add(key)
        note = latest.get(failure.code, {})
        records.append(
            failure_record(
                failure,
                failure.operation or operation,
                note.get("curl"),
                note.get("response_excerpt"),
                note.get("bundle"),
            )
        )
    if not records and notes:  # e.g. a timeout the test turned into a failure itself
        records = [{k: v for k, v in note.items() if k != "bundle"} for note in latest.values()]
    return records
