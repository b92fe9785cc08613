"""MM503: a documented value is accepted where its pair is.

Where the page allows a 4xx to a valid request for reasons outside it ("422 Unable to process the Model Package
creation request" on the creates, "Unable to process the Registered Model update request" on PATCH of a
registered model), a rejection says nothing by itself. A pair of requests does: a base body the server accepts,
and the same body with one property set to a value the page documents for it. The server may refuse both (its
reasons), or accept both; accepting the base and refusing the documented value is a failure.

The documented values, read from the contract's request body schema: the page's own example body (each of its
property values; ids the suite fills are left alone), `null` where the type allows it, each enum member, each
bound (`minimum`, `maximum`, a string of exactly `maxLength`). A property with both a minimum and a maximum is
paired against its midpoint (a server may refuse the property altogether, e.g. a threshold on a regression
model: then both are refused, which is no failure). Booleans are not paired beyond the example: their meaning may
depend on the data (all time-series intervals of a model that is not a time series).

Writes: creates go through the caller's client (the suite's `api`, which records what a create made for the
clean-up); names start with the run's prefix; PATCH only touches a registered model the suite created.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from mmcontract.checks.violation import ContractViolation, NotApplicable, status_line

CREATE_FROM_LEADERBOARD = "POST /modelPackages/fromLeaderboard/"
CREATE_FROM_LEARNING_MODEL = "POST /modelPackages/fromLearningModel/"
UPDATE_REGISTERED_MODEL = "PATCH /registeredModels/{registeredModelId}/"
OPERATIONS = (CREATE_FROM_LEADERBOARD, CREATE_FROM_LEARNING_MODEL, UPDATE_REGISTERED_MODEL)
FILLED = frozenset({"modelId"})  # the suite's own: the model to package
UNABLE = {
    CREATE_FROM_LEADERBOARD: '"422 Unprocessable Entity Unable to process the Model Package creation request"',
    CREATE_FROM_LEARNING_MODEL: '"422 Unprocessable Entity Unable to process the Model Package creation request"',
    UPDATE_REGISTERED_MODEL: '"422 Unprocessable Entity Unable to process the Registered Model update request"',
}


@dataclass(frozen=True)
class Pair:
    operation: str
    prop: str
    value: Any
    why: str  # "the page's example", "null (nullable)", "enum member", "minimum", "maximum", "maxLength"
    base: Any  # the property's value in the base body (absent: `ABSENT`)
    row: str  # the property's row of the page's table

    @property
    def id(self) -> str:
        shown = repr(self.value) if not isinstance(self.value, str) or len(self.value) < 20 else "long"
        return f"{self.prop}={shown} ({self.why})"


ABSENT = object()
REFUSALS = frozenset({400, 422})  # the answers that refuse a request for what it holds (a 5xx counts too)


def _resolve(spec: dict[str, Any], node: Any) -> tuple[str, Any]:
    name = ""
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = spec["components"]["schemas"][name]
    return name, node


def row_of(schema_name: str, prop: str, schema: dict[str, Any], required: bool) -> str:
    """The property's row of the page's table, rebuilt from the contract (the page's own words)."""
    types = schema.get("type")
    shown = ",".join(types) if isinstance(types, list) else str(types)
    limits = [f"{key}: {schema[key]}" for key in ("maxLength", "maximum", "minimum") if key in schema]
    parts = [prop, shown, str(required).lower(), *limits, schema.get("description", "")]
    return f'page: {schema_name} "{" ".join(p for p in parts if p)}"'


def pairs_for(spec: dict[str, Any], operation: str) -> list[Pair]:
    """Every documented value of `operation`'s request body, each with the base value it is paired with."""
    method, path = operation.split(" ", 1)
    body = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    name, schema = _resolve(spec, body)
    example = (schema.get("examples") or [{}])[0]
    required = set(schema.get("required") or [])
    found: dict[tuple[str, str], Pair] = {}
    for prop, raw in (schema.get("properties") or {}).items():
        if prop in FILLED:
            continue
        _, prop_schema = _resolve(spec, raw)
        types = prop_schema.get("type")
        types = types if isinstance(types, list) else [types]
        row = row_of(name, prop, prop_schema, prop in required)
        bounded = "minimum" in prop_schema and "maximum" in prop_schema
        base = (prop_schema["minimum"] + prop_schema["maximum"]) / 2 if bounded else ABSENT
        values: list[tuple[Any, str]] = []
        if prop in example:
            values.append((example[prop], "the page's example"))
        if "null" in types:
            values.append((None, "null (nullable)"))
        values += [(member, "enum member") for member in prop_schema.get("enum") or []]
        values += [(prop_schema[key], key) for key in ("minimum", "maximum") if key in prop_schema]
        if "maxLength" in prop_schema:
            values.append(("m" * int(prop_schema["maxLength"]), "maxLength"))
        for value, why in values:
            if isinstance(value, bool) and why != "the page's example":
                continue
            found.setdefault((prop, repr(value)), Pair(operation, prop, value, why, base, row))
    return list(found.values())


def _body(pair: Pair | None, base: dict[str, Any], name_prefix: str, *, documented: bool) -> dict[str, Any]:
    body = dict(base)
    if pair is None:
        return body
    if pair.base is not ABSENT:
        body[pair.prop] = pair.base
    if documented:
        value = pair.value
        if pair.why == "maxLength" and pair.prop == "name" and isinstance(value, str):
            value = name_prefix + value[len(name_prefix) :]  # the run's prefix, the same length
        body[pair.prop] = value
    return body


def check_pairs(
    client: httpx.Client,
    spec: dict[str, Any],
    operation: str,
    *,
    name_prefix: str,
    leaderboard_model_id: str | None = None,
    registered_model_id: str | None = None,
) -> list[str]:
    """MM503 on one operation: every pair; the first documented value refused where its base is accepted
    raises. Creates need `leaderboard_model_id`; PATCH needs `registered_model_id` (the suite's own)."""
    token = secrets.token_hex(4)
    if operation == UPDATE_REGISTERED_MODEL:
        if not registered_model_id:
            raise NotApplicable("no registered model of this run to PATCH")
        url = f"registeredModels/{registered_model_id}/"
        base: dict[str, Any] = {"description": f"mmcontract pairs {token}"}
        send = lambda body: client.patch(url, json=body)  # noqa: E731
    else:
        if not leaderboard_model_id:
            raise NotApplicable("no leaderboard model to create a model package from")
        url = (
            "modelPackages/fromLeaderboard/"
            if operation == CREATE_FROM_LEADERBOARD
            else "modelPackages/fromLearningModel/"
        )
        base = {"modelId": leaderboard_model_id, "name": f"{name_prefix}pairs-{token}"}
        send = lambda body: client.post(url, json=body)  # noqa: E731
    notes: list[str] = []
    accepted: dict[str, bool] = {}
    for pair in pairs_for(spec, operation):
        base_body = _body(pair, base, name_prefix, documented=False)
        key = repr(sorted(base_body.items()))
        if key not in accepted:
            accepted[key] = send(base_body).is_success
        if not accepted[key]:
            notes.append(f"{pair.id}: the base body was refused too, so the pair says nothing")
            continue
        response = send(_body(pair, base, name_prefix, documented=True))
        if response.status_code not in REFUSALS and response.status_code < 500:
            if not response.is_success:
                notes.append(f"{pair.id}: answered {response.status_code}, which does not speak of the value")
            continue
        raise ContractViolation(
            "MM503",
            f"{operation}: a documented value was refused where its pair was accepted: {pair.id}",
            basis=f"{pair.row}; {UNABLE[operation]} excuses a refusal of both, not of one",
            expected=f"a 2xx answer, as for the same body with {pair.prop} "
            + ("absent" if pair.base is ABSENT else f"= {pair.base!r}"),
            actual=status_line(response),
            response=response,
        )
    if accepted and not any(accepted.values()):
        raise NotApplicable(f"{operation}: no base body was accepted, so no pair could be judged")
    return notes
