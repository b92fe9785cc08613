"""MM501 (documented bounds and enums are enforced) and MM502 (documented values are accepted).

The query-parameter cases come from the contract: every string enum (one value outside it must be refused with
a 4xx, every value in it accepted), every documented boolean (`true`/`false` accepted) and every `minimum`.
The contract's marks are honoured: `x-mm-lenient-values` (e.g. `True`/`False` on booleans) are neither sent as
invalid nor required, `x-mm-no-negative` parameters get no invalid value, `x-mm-lenient-invalid` parameters
(offset/limit below their minimum, the enum query parameters outside their enum: the page never says such a value
is refused) may refuse or accept a value outside their schema (only a 5xx fails), and `x-mm-lenient-missing`
required parameters are always sent. Body bounds (PATCH name/description lengths, `predictionThreshold`) are the page's
and are sent only by the write tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from mmcontract.checks.listing import LIST_OPERATIONS
from mmcontract.checks.violation import ContractViolation, status_line
from mmcontract.checks.writes import NAME_PREFIX, create_body, discard_created

INVALID_TEXT = "mmcontractNotAValue"
# Booleans whose meaning depends on another parameter ("Can be used with similarTo/compatibleWith...");
# a server may refuse them alone, so they are not required to be accepted on their own.
DEPENDENT = {"forChallenger"}


@dataclass(frozen=True)
class QueryCase:
    operation: str  # "GET /registeredModels/"
    param: str
    value: Any
    valid: bool  # True: must be accepted (MM502); False: must be refused with a 4xx (MM501)
    basis: str
    either: bool = False  # x-mm-lenient-invalid: refused (4xx) or accepted (200), never a server error

    @property
    def code(self) -> str:
        return "MM502" if self.valid else "MM501"

    @property
    def id(self) -> str:
        return f"{self.operation.split(' ', 1)[1]}?{self.param}={self.value}"


def _gap_note(param: dict[str, Any], aspect: str) -> str | None:
    for entry in param.get("x-doc-gap") or []:
        if isinstance(entry, dict) and entry.get("aspect") == aspect:
            return f"spec x-doc-gap ({aspect}): {entry.get('spec')} ({entry.get('why')})"
    return None


def query_cases(spec: dict[str, Any]) -> list[QueryCase]:
    """Every documented query-parameter value to accept and every bound or enum to enforce, on the lists."""
    cases: list[QueryCase] = []
    for operation in LIST_OPERATIONS:
        method, path = operation.split(" ", 1)
        definition = spec["paths"][path][method.lower()]
        for param in definition.get("parameters", []):
            if param.get("in") != "query":
                continue
            name, schema = param["name"], param.get("schema") or {}
            lenient = {str(v) for v in param.get("x-mm-lenient-values") or []}
            no_negative = bool(param.get("x-mm-no-negative"))
            either = param.get("x-mm-lenient-invalid") is True
            enum = schema.get("enum")
            if isinstance(enum, list) and schema.get("type") == "string":
                basis = f"page: {operation} Enumerated Values: {name} {enum}"
                basis = _gap_note(param, "enum") or basis
                cases += [QueryCase(operation, name, v, True, basis) for v in enum]
                if not no_negative and INVALID_TEXT not in lenient:
                    cases.append(QueryCase(operation, name, INVALID_TEXT, False, basis, either))
            elif schema.get("type") == "boolean" and name not in DEPENDENT:
                basis = f"page: {operation} {name} query boolean"
                cases += [
                    QueryCase(operation, name, v, True, basis) for v in ("true", "false") if v not in lenient
                ]
            if "minimum" in schema and not no_negative and schema.get("type") in ("integer", "number"):
                basis = _gap_note(param, "bounds") or f"page: {name} minimum {schema['minimum']}"
                below = schema["minimum"] - 1
                if str(below) not in lenient:
                    cases.append(QueryCase(operation, name, below, False, basis, either))
    return cases


def _request(client: httpx.Client, path: str, case: QueryCase) -> httpx.Response:
    op = LIST_OPERATIONS[case.operation]
    params: dict[str, Any] = dict(op.required)
    params[case.param] = case.value
    return client.get(path, params=params)


def check_query_value(client: httpx.Client, path: str, case: QueryCase) -> list[str]:
    """MM501/MM502 for one query value on the concrete list `path`."""
    response = _request(client, path, case)
    status = response.status_code
    if case.valid and status != 200:
        raise ContractViolation(
            "MM502",
            f"a documented value was refused: {case.param}={case.value}",
            basis=case.basis,
            expected="HTTP 200",
            actual=status_line(response),
            response=response,
        )
    if not case.valid and not 400 <= status < 500 and not (case.either and status == 200):
        raise ContractViolation(
            "MM501",
            f"a value outside the documented {'enum' if isinstance(case.value, str) else 'bounds'} was not "
            f"refused: {case.param}={case.value}",
            basis=case.basis,
            expected="a 4xx answer (400 or 422)"
            + (", or 200 (the page does not say that such a value is refused)" if case.either else ""),
            actual=f"HTTP {status}",
            response=response,
        )
    return []


# --- bodies (writes only) ----------------------------------------------------------------------------------

PATCH_LIMITS = {"name": 1024, "description": 2048}
BASIS_PATCH_LIMITS = (
    'page: RegisteredModelUpdate "description string false maxLength: 2048", "name string false maxLength: 1024"; '
    'PATCH "422 Unprocessable Entity Unable to process the Registered Model update request"'
)
BASIS_THRESHOLD = (
    'page: ModelPackageCreateFromLeaderboard "predictionThreshold number false maximum: 1 minimum: 0"; '
    '"422 Unprocessable Entity Unable to process the Model Package creation request"'
)


def check_patch_length(
    client: httpx.Client, registered_model_id: str, field: str, *, valid: bool
) -> list[str]:
    """MM501: a PATCH with `field` one character over its maxLength is refused (4xx). MM502: exactly at its
    maxLength it is accepted (200). Writes to the (suite's own) registered model."""
    limit = PATCH_LIMITS[field]
    length = limit if valid else limit + 1
    response = client.patch(f"registeredModels/{registered_model_id}/", json={field: "m" * length})
    status = response.status_code
    if valid and status != 200:
        raise ContractViolation(
            "MM502",
            f"a PATCH with a {field} of exactly {limit} characters (the documented maximum) was refused",
            basis=BASIS_PATCH_LIMITS,
            expected="HTTP 200",
            actual=status_line(response),
            response=response,
        )
    if not valid and not 400 <= status < 500:
        raise ContractViolation(
            "MM501",
            f"a PATCH with a {field} of {length} characters (maxLength {limit}) was not refused",
            basis=BASIS_PATCH_LIMITS,
            expected="a 4xx answer (422)",
            actual=f"HTTP {status}",
            response=response,
        )
    return []


def check_create_threshold(
    client: httpx.Client, leaderboard_model_id: str, threshold: float, *, name_prefix: str = NAME_PREFIX
) -> list[str]:
    """MM501: fromLeaderboard with `predictionThreshold` outside [0, 1] is refused (4xx). A package a faulty
    server creates anyway is archived, with the registered model it made."""
    body = create_body(
        leaderboard_model_id, "threshold", name_prefix=name_prefix, predictionThreshold=threshold
    )
    response = client.post("modelPackages/fromLeaderboard/", json=body)
    if response.is_success:
        discard_created(client, response, body["name"])
    if not 400 <= response.status_code < 500:
        raise ContractViolation(
            "MM501",
            f"fromLeaderboard with predictionThreshold={threshold} (outside [0, 1]) was not refused",
            basis=BASIS_THRESHOLD,
            expected="a 4xx answer (422)",
            actual=f"HTTP {response.status_code}",
            response=response,
        )
    return []
