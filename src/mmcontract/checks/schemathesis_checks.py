"""Schemathesis, configured so that a correct server that follows the page raises no alarm.

- `load_schema(target)`: the contract loaded with a Schemathesis config built from the target and profile
  (base URL, auth header, request timeout, seed, example budget, phases, per-operation expected statuses);
  write operations only with --allow-writes; undeclared-method probes only where writes are allowed.
- The contract's recorded decisions are honoured through the public `filter_failure` hook: a negative case is
  not an alarm when everything it negated is a parameter the contract marks `x-mm-no-negative` (no invalid
  value exists), `x-mm-lenient-missing` (a server may default it) or `x-mm-lenient-values` (values a server may
  accept).
- `Steering` (a global `before_call` hook, which also applies in the coverage phase) points path ids at
  resources that exist on the target, so operations with a path id reach 2xx on real data; writes are steered
  only to resources this run created.
- `failures_from_exception` turns Schemathesis failures into report records (code, family, expected/actual).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mmcontract.checks.catalogue import BY_NAME, CHECKS
from mmcontract.target.config import TargetConfig
from mmcontract.target.operations import load_spec, operations, spec_path

if TYPE_CHECKING:
    import schemathesis

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Documented answers to a valid request that depend on data, not on the request's shape
POSITIVE_EXTRA_STATUSES: dict[str, list[str]] = {
    "PATCH /registeredModels/{registeredModelId}/sharedRoles/": [
        "409",
        "422",
    ],  # no owner left / unknown user
    "POST /modelPackages/fromLeaderboard/": ["422"],  # the model cannot be packaged
    "POST /modelPackages/fromLearningModel/": ["422"],
    "POST /modelPackages/{modelPackageId}/archive/": ["422"],
}
NEGATIVE_EXPECTED_STATUSES = ["400", "401", "403", "404", "405", "409", "413", "414", "415", "422"]
STEER_SHARE = 4  # 3 cases in 4 with a path id go to an existing resource, 1 in 4 keeps its random id


# ------------------------------------------------------------------------------------------ lenience


@dataclass
class Lenience:
    missing: bool = False  # x-mm-lenient-missing: a server may default it
    values: list[Any] = field(default_factory=list)  # x-mm-lenient-values: values a server may accept
    no_negative: bool = False  # x-mm-no-negative: the parameter has no invalid value


def _resolve(spec: dict[str, Any], node: Any) -> Any:
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
    return found if hit else None


def _body_lenience(
    spec: dict[str, Any], schema: Any, into: dict[tuple[str, str], Lenience], depth: int = 0
) -> None:
    """Lenience of body properties at any depth, keyed ("body", property name)."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict) or depth > 8:
        return
    for name, prop in (schema.get("properties") or {}).items():
        lenience = _lenience_of(_resolve(spec, prop), prop)
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
            param = _resolve(spec, raw)
            if not isinstance(param, dict) or "name" not in param:
                continue
            lenience = _lenience_of(param, _resolve(spec, param.get("schema")))
            if lenience:
                entries[(str(param.get("in")), str(param["name"]))] = lenience
        body = _resolve(spec, op.definition.get("requestBody"))
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


def _negated_parameters(
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
    negated = _negated_parameters(case, (query_params or {}).get(case.operation.label))
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
        return False
    return True


# ------------------------------------------------------------------------- server discretion (ST202)
# The page leaves maximum page sizes and value ranges of free-form filters to the server ("default and maximum
# page size ... a correct server may differ"). So a positive case rejected with 400/422 is only an alarm when the
# server also rejects the same request with its free values tamed: optional unbounded numbers and free strings
# dropped, required ones set to a plain value. The re-probe is one extra request per suspected failure.

DISCRETION_STATUSES = frozenset({400, 422})
TAME_INTEGER = 10
TAME_NUMBER = 0.5


@dataclass(frozen=True)
class QueryParam:
    name: str
    required: bool
    schema: dict[str, Any]

    @property
    def is_free(self) -> bool:
        """Values the page leaves to the server: numbers without both bounds, strings without enum/pattern."""
        types = self.schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "enum" in self.schema or "const" in self.schema or "boolean" in types:
            return False
        if "integer" in types or "number" in types:
            return not ("minimum" in self.schema and "maximum" in self.schema)
        return "pattern" not in self.schema

    def tame(self) -> str:
        for key in ("default", "example"):
            if key in self.schema and self.schema[key] not in (None, 0):
                return (
                    str(self.schema[key]).lower()
                    if isinstance(self.schema[key], bool)
                    else str(self.schema[key])
                )
        types = self.schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "integer" in types or "number" in types:
            low = self.schema.get("minimum", 0)
            high = self.schema.get("maximum", TAME_INTEGER if "integer" in types else 1)
            value = min(max(TAME_INTEGER if "integer" in types else TAME_NUMBER, low), high)
            return str(int(value)) if "integer" in types else str(value)
        return "mmcontract"


def query_params_table(spec: dict[str, Any]) -> dict[str, dict[str, QueryParam]]:
    table: dict[str, dict[str, QueryParam]] = {}
    for op in operations(spec):
        path_item = spec["paths"].get(op.path, {})
        found: dict[str, QueryParam] = {}
        for raw in [*(path_item.get("parameters") or []), *(op.definition.get("parameters") or [])]:
            param = _resolve(spec, raw)
            if isinstance(param, dict) and param.get("in") == "query" and "name" in param:
                schema = _resolve(spec, param.get("schema")) or {}
                found[param["name"]] = QueryParam(param["name"], bool(param.get("required")), dict(schema))
        table[op.label] = found
    return table


def tamed_query(sent: list[tuple[str, str]], params: dict[str, QueryParam]) -> list[tuple[str, str]]:
    tamed: list[tuple[str, str]] = []
    for name, value in sent:
        param = params.get(name)
        if param is None:
            continue  # undeclared: a server may reject what it does not know
        if not param.is_free:
            tamed.append((name, value))
        elif param.required:
            tamed.append((name, param.tame()))
    return tamed


def is_server_discretion(
    case: Any, response: Any, table: dict[str, dict[str, QueryParam]], timeout: float
) -> bool:
    """Whether a rejected positive case is accepted once its free query values are tamed (see above)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    import requests

    if response.status_code not in DISCRETION_STATUSES or case.meta is None:
        return False
    if not case.meta.generation.mode.is_positive:
        return False
    request = response.request
    parts = urlsplit(request.url)
    sent = parse_qsl(parts.query, keep_blank_values=True)
    tamed = tamed_query(sent, table.get(case.operation.label, {}))
    if tamed == sent:
        return False
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(tamed), ""))
    try:
        again = requests.request(
            request.method, url, headers=dict(request.headers), data=request.body, timeout=timeout
        )
    except requests.RequestException:
        return False
    return again.status_code not in DISCRETION_STATUSES and again.status_code < 500


# ------------------------------------------------------------------------------------------- steering


def nowhere_id() -> str:
    """An id in DataRobot's shape (24 hex digits) that exists nowhere."""
    import secrets

    return secrets.token_hex(12)


@dataclass
class Steering:
    """Real ids for path parameters: discovered ones for reads; for writes only ids this run created.

    Reads: 3 cases in 4 go to an existing resource, 1 in 4 keeps its generated id (a 404 path).
    Writes (any POST/PUT/PATCH/DELETE, including the coverage phase's undeclared-method probes and the state
    machine's linked requests, whose ids come from real responses): a path id that this run did not create is
    replaced by a created resource, or by an id that exists nowhere; so nothing the run did not create is ever
    written to, whatever the target.
    """

    registered_model_ids: list[str] = field(default_factory=list)
    versions: list[tuple[str, str]] = field(default_factory=list)
    deployment_versions: list[tuple[str, str]] = field(default_factory=list)
    model_package_ids: list[str] = field(default_factory=list)
    created: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # write operation -> (rm id, package id)
    created_ids: set[str] = field(default_factory=set)  # every id this run created
    recipients: list[dict[str, Any]] = field(default_factory=list)  # sharing recipients found on the target
    leaderboard_model_id: str | None = None
    steered: int = 0

    def remember_created(self, *ids: str) -> None:
        self.created_ids.update(i for i in ids if i)

    def choose(self, case: Any) -> dict[str, str] | None:
        """Path parameters to send instead of the generated ones, or None to keep them."""
        path = case.path_parameters or {}
        if not path:
            return None
        digest = zlib.crc32(repr(sorted((k, str(v)) for k, v in path.items())).encode())
        if case.method.upper() in WRITE_METHODS:
            return self._choose_for_write(case, path, digest)
        if digest % STEER_SHARE == 0:
            return None
        if "versionId" in path:
            pool = self.deployment_versions if "deployments" in case.operation.path else []
            pool = pool or self.versions
            if not pool:
                return None
            rm_id, version_id = pool[digest % len(pool)]
            return {"registeredModelId": rm_id, "versionId": version_id}
        if "registeredModelId" in path and self.registered_model_ids:
            return {"registeredModelId": self.registered_model_ids[digest % len(self.registered_model_ids)]}
        if "modelPackageId" in path and self.model_package_ids:
            return {"modelPackageId": self.model_package_ids[digest % len(self.model_package_ids)]}
        return None

    def recipient_for(self, role: Any) -> Any:
        """A generated sharing grant pointed at a recipient that exists (3 in 4), so the change can succeed."""
        if not isinstance(role, dict) or not self.recipients:
            return role
        digest = zlib.crc32(repr(sorted((k, str(v)) for k, v in role.items())).encode())
        if digest % STEER_SHARE == 0:
            return role
        recipient = self.recipients[digest % len(self.recipients)]
        steered = dict(role)
        if "id" in steered and recipient.get("id"):
            steered["id"] = recipient["id"]
        if "username" in steered and recipient.get("name"):
            steered["username"] = recipient["name"]
        if recipient.get("shareRecipientType") and "shareRecipientType" in steered:
            steered["shareRecipientType"] = recipient["shareRecipientType"]
        return steered

    def _choose_for_write(self, case: Any, path: dict[str, Any], digest: int) -> dict[str, str] | None:
        if all(str(value) in self.created_ids for value in path.values()):
            return None
        label = f"{case.operation.method.upper()} {case.operation.path}"
        created = self.created.get(label) or next(iter(self.created.values()), None)
        if created is None or digest % STEER_SHARE == 0:
            return {name: nowhere_id() for name in path}
        rm_id, package_id = created
        return {name: (rm_id if name == "registeredModelId" else package_id) for name in path}


STEERING = Steering()


def _model_id_is_valid_part(case: Any) -> bool:
    """Whether `modelId` is not what a (negative) case negates, so it may be replaced by a real model id."""
    from schemathesis.core.parameters import ParameterLocation

    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return True
    negated = _negated_parameters(case)
    if not negated:
        return False
    return all(location != "body" or (path and path[0] != "modelId") for location, path, _ in negated)


def install_steering() -> None:
    """Register the global `before_call` / `after_call` hooks (once per process)."""
    import schemathesis
    from schemathesis.core.parameters import ParameterLocation

    if getattr(install_steering, "_done", False):
        return
    install_steering._done = True  # type: ignore[attr-defined]

    @schemathesis.hook("before_call")
    def mmcontract_steer_ids(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        meta = case.meta
        negative_path = meta is not None and meta.is_negative_at(ParameterLocation.PATH)
        if negative_path and case.method.upper() not in WRITE_METHODS:
            return  # an invalid id is what this case tests (writes are steered whatever they carry)
        chosen = STEERING.choose(case)
        if chosen:
            case.path_parameters = {**(case.path_parameters or {}), **chosen}
            STEERING.steered += 1
        if (
            STEERING.leaderboard_model_id
            and case.operation.path.endswith(("/fromLeaderboard/", "/fromLearningModel/"))
            and isinstance(case.body, dict)
            and isinstance(case.body.get("modelId"), str)
            and zlib.crc32(case.body["modelId"].encode()) % STEER_SHARE != 0
            and _model_id_is_valid_part(case)
        ):
            # a real model, so the answer speaks about the rest of the body (e.g. an invalid threshold)
            case.body = {**case.body, "modelId": STEERING.leaderboard_model_id}

        if (
            STEERING.recipients
            and case.method.upper() == "PATCH"
            and case.operation.path.endswith("/sharedRoles/")
            and isinstance(case.body, dict)
            and isinstance(case.body.get("roles"), list)
            and not (meta is not None and meta.is_negative_at(ParameterLocation.BODY))
        ):
            case.body = {**case.body, "roles": [STEERING.recipient_for(role) for role in case.body["roles"]]}

    @schemathesis.hook("after_call")
    def mmcontract_remember_created(context: Any, case: Any, response: Any) -> None:
        if case.method.upper() != "POST" or not 200 <= response.status_code < 300:
            return
        try:
            body = response.json()
        except Exception:
            return
        if isinstance(body, dict):
            STEERING.remember_created(str(body.get("id") or ""), str(body.get("registeredModelId") or ""))


# -------------------------------------------------------------------------------------------- config


def build_config(target: TargetConfig) -> schemathesis.Config:
    import schemathesis

    profile = target.settings
    writes = target.allow_writes
    operation_configs: list[dict[str, Any]] = [
        {
            "include-name": label,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", *extra]
                }
            },
        }
        for label, extra in POSITIVE_EXTRA_STATUSES.items()
    ]
    data: dict[str, Any] = {
        "base-url": target.base_url,
        "headers": target.headers(),
        "request-timeout": target.request_timeout,
        "generation": {
            "mode": "all",
            "max-examples": profile.max_examples,
            "with-security-parameters": False,
            "allow-x00": False,
            "database": "none",
            "no-shrink": not profile.shrink,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {
                "enabled": profile.coverage_phase,
                # undeclared methods (DELETE, PUT, ...) only where writes are allowed
                "unexpected-methods": (
                    ["DELETE", "PATCH", "POST", "PUT", "TRACE", "OPTIONS"] if writes else []
                ),
            },
            "fuzzing": {"enabled": True},
            "stateful": {
                "enabled": bool(writes and profile.stateful_steps),
                "max-steps": max(2, profile.stateful_steps),
            },
        },
        "checks": {
            "negative_data_rejection": {"expected-statuses": NEGATIVE_EXPECTED_STATUSES},
            # the page documents no behaviour for OPTIONS; a server may list what it likes in Allow
            "allow_header_conformance": {"enabled": False},
            # not contract matters: object-level auth needs several identities the suite does not have
            "object_level_authorization": {"enabled": False},
            # DELETE of a registered model archives it; whether an archived model is still served is left to
            # the server by the page, so "deleted resource still available" is no finding here (MM402 checks
            # what the page does say: the model and its versions are archived)
            "use_after_free": {"enabled": False},
        },
        "operations": operation_configs,
    }
    if target.seed is not None:
        data["seed"] = target.seed
        data["generation"]["deterministic"] = False
    return schemathesis.Config.from_dict(data)


def load_schema(target: TargetConfig) -> Any:
    """The contract as a Schemathesis schema for `target`, filtered to what this run may send."""
    import schemathesis

    install_steering()
    schema = schemathesis.openapi.from_path(str(spec_path()), config=build_config(target))
    if not target.allow_writes:
        schema = schema.exclude(method=list(WRITE_METHODS))
    if target.operations:
        schema = schema.include(name=list(target.operations))
    table = lenience_table(load_spec())
    query_params = query_params_table(load_spec())

    @schema.hook("filter_failure")
    def mmcontract_contract_lenience(context: Any, failure: Any, case: Any, response: Any) -> bool:
        # a dropped failure does not fail the case: the contract or the page leaves this answer to the server
        if failure.code == "ST201":
            return not is_excused_negative(case, table, query_params)
        if failure.code in ("ST202", "ST103"):
            return not is_server_discretion(case, response, query_params, target.request_timeout)
        return True

    return schema


# ----------------------------------------------------------------------------------------- one case


def _count(state: Any, case: Any, response: Any) -> None:
    """Count a Schemathesis answer (with whether a 2xx list page held an item), and let the first create from
    --leaderboard-model-id verify that id."""
    from mmcontract.target import plugin

    method = response.request.method or case.method
    url = response.request.url or ""
    status = response.status_code
    if status == 404 or 200 <= status < 300:  # a generated body may earn a 422 for its other values
        state.check_leaderboard_create(method, url, status, case.body)
    listed = plugin.list_items(response) if method.upper() == "GET" and 200 <= status < 300 else None
    state.count(method, url, status, listed)


def run_case(case: Any, target: TargetConfig) -> None:
    """Send one generated case (waiting out 429 + Retry-After), count it, and validate the answer.

    Failures are noted with their curl line and response excerpt before they propagate, so the report can
    show the request that failed. A request timeout is a failure of the operation; the test stops there
    rather than spend the budget (and shrinking) on more timeouts.
    """
    import pytest
    import requests
    from schemathesis.core.failures import FailureGroup

    from mmcontract.target import plugin
    from mmcontract.target.ratelimit import MAX_RETRIES, retry_after_seconds
    from mmcontract.target.reproduce import response_excerpt

    state = plugin.session_state()
    nodeid = plugin.current_nodeid()
    state.cases[nodeid] += 1
    label = case.operation.label
    try:
        for _ in range(MAX_RETRIES + 1):
            response = case.call()
            header = response.headers.get("retry-after")
            delay = (
                retry_after_seconds(header[0] if header else None) if response.status_code == 429 else None
            )
            if delay is None:
                break
            import time

            time.sleep(delay)
    except requests.Timeout:
        curl = case.as_curl_command()
        state.count(case.method, case.formatted_path, None)
        plugin.note_failure(
            nodeid,
            {
                "check": "ST112",
                "operation": label,
                "title": "Response within the request timeout",
                "family": family_of("ST112"),
                "message": f"no response within {target.request_timeout:g} s",
                "basis": f"--request-timeout {target.request_timeout:g} s",
                "expected": f"a response within {target.request_timeout:g} s",
                "actual": "timeout",
                "curl": curl,
                "response_excerpt": None,
            },
        )
        state.timed_out.add(nodeid)
        pytest.skip(f"request timeout after {target.request_timeout:g} s")
    _count(state, case, response)
    try:
        # the auth header named as the caller's own, so `ignored_auth` knows it is real and probes without it
        case.validate_response(response, headers=target.headers())
    except FailureGroup as exc:
        curl = case.as_curl_command(headers=dict(response.request.headers))
        excerpt = response_excerpt(response)
        for failure in exc.exceptions:
            plugin.note_failure(nodeid, {"check": failure.code, "curl": curl, "response_excerpt": excerpt})
        raise


def validate_step(
    machine: Any, response: Any, case: Any, additional_checks: Any, kwargs: dict[str, Any]
) -> None:
    """A state machine step's validation, counted and noted like `run_case` (curl line per failure)."""
    from schemathesis.core.failures import FailureGroup

    from mmcontract.target import plugin
    from mmcontract.target.reproduce import response_excerpt

    state = plugin.session_state()
    _count(state, case, response)
    try:
        case.validate_response(
            response,
            additional_checks=additional_checks,
            headers=state.target.headers(),
            transport_kwargs=kwargs or None,
            recorder=getattr(machine, "recorder", None),
        )
    except FailureGroup as exc:
        curl = case.as_curl_command(headers=dict(response.request.headers))
        excerpt = response_excerpt(response)
        for failure in exc.exceptions:
            plugin.note_failure(
                plugin.current_nodeid(), {"check": failure.code, "curl": curl, "response_excerpt": excerpt}
            )
        raise


# ------------------------------------------------------------------------------------------- results

FAMILIES_OF_SCHEMATHESIS_TEST = ("server-error", "status", "content-type", "schema", "validation", "auth")


def family_of(code: str) -> str:
    return CHECKS[code].family if code in CHECKS else "schema"


def title_of(code: str, fallback: str = "") -> str:
    if code in CHECKS:
        return CHECKS[code].title
    try:
        from schemathesis.failure_codes import get_failure_class

        cls = get_failure_class(code)
    except ImportError:
        cls = None
    return getattr(cls, "kind_title", None) or fallback or code


def basis_of(code: str, operation: str) -> str:
    """What requires the check, in one line (the suite fails only on the page or a recorded decision)."""
    family = family_of(code)
    where = f"contract {spec_path().name}, {operation}"
    return {
        "server-error": f"page: a request never gets a 5xx ({where})",
        "status": f"page: the documented status codes ({where}; 401 added, see x-doc-gap)",
        "content-type": f"page: the documented media type application/json ({where})",
        "schema": f"page: the documented response schema ({where}; recorded decisions marked x-doc-gap)",
        "validation": f"page: the documented parameter types, bounds and enums ({where})",
        "auth": f"page: every operation needs the Authorization header ({where}; 401 per x-doc-gap)",
        "writes": f"page: the documented resource lifecycle ({where})",
    }.get(family, where)


def _expected_actual(failure: Any) -> tuple[str | None, str | None]:
    code = failure.code
    status = getattr(failure, "status_code", None)
    for name in ("expected_statuses", "allowed_statuses", "defined_status_codes"):
        expected = getattr(failure, name, None)
        if expected:
            return ", ".join(map(str, expected)), str(status) if status is not None else None
    if code == "ST108":
        path = "/".join(map(str, getattr(failure, "instance_path", []) or []))
        schema_path = "/".join(map(str, getattr(failure, "schema_path", []) or []))
        return (
            f"schema at {schema_path}",
            f"{path or '(root)'} = {getattr(failure, 'instance', None)!r}"[:300],
        )
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
    failure: Any, operation: str, curl: str | None = None, excerpt: str | None = None
) -> dict[str, Any]:
    code = failure.code
    expected, actual = _expected_actual(failure)
    return {
        "check": code,
        "operation": operation,
        "title": title_of(code, getattr(failure, "title", "")),
        "family": family_of(code),
        "message": f"{failure.title}: {failure.message}" if failure.message else failure.title,
        "basis": basis_of(code, operation),
        "expected": expected,
        "actual": actual,
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
                failure, failure.operation or operation, note.get("curl"), note.get("response_excerpt")
            )
        )
    if not records and notes:  # e.g. a timeout the test turned into a failure itself
        records = [dict(note) for note in latest.values()]
    return records


def check_names_by_family() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, info in BY_NAME.items():
        out.setdefault(info.family, []).append(name)
    return out
