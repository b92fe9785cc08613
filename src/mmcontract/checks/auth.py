"""MM701 (no token) and MM702 (a wrong token): every operation answers 401.

Reads go to real ids found on the target (so a server that leaks real data without credentials is caught);
writes always go to ids that exist nowhere, with bodies naming ids that exist nowhere. That is safe on a
production tenant whatever the server does: a request without valid credentials cannot be attributed to a
user, and even a server that ignored authentication could only answer 404/422 for a resource that does not
exist, so nothing is created or changed. The contract tests still send write probes only with
`--allow-writes` (the suite promises no POST/PATCH/DELETE without it). The wrong-token requests are few (one
per operation), but a tenant that counts failed authentications may notice them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from mmcontract.checks.violation import ContractViolation

BASIS = (
    "spec (security: BearerAuth on every operation, x-doc-gap 'added' 401 on every operation): a missing or "
    'refused token gets 401; page: "To perform this operation, you must be authenticated"'
)


def nowhere_id() -> str:
    """An id in DataRobot's shape (24 hex digits) that exists nowhere."""
    return secrets.token_hex(12)


@dataclass(frozen=True)
class AuthProbe:
    operation: str  # "METHOD /path" as in the contract
    method: str
    path: str  # concrete, relative to the base URL
    body: Any = None


def probe_for(operation: str, ids: dict[str, str]) -> AuthProbe:
    """The request that probes `operation`: read operations on the given real ids (falling back to
    nowhere ids), write operations always on nowhere ids."""
    method, template = operation.split(" ", 1)
    write = method != "GET"
    path = template.lstrip("/")
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end]
        value = nowhere_id() if write else ids.get(name, nowhere_id())
        path = path[:start] + value + path[end + 1 :]
    body = None
    if method == "POST" and template.endswith(("/fromLeaderboard/", "/fromLearningModel/")):
        body = {"modelId": nowhere_id()}
    elif method == "PATCH" and template.endswith("/sharedRoles/"):
        body = {
            "operation": "updateRoles",
            "roles": [{"id": nowhere_id(), "role": "USER", "shareRecipientType": "user"}],
        }
    elif method == "PATCH":
        body = {"description": "mmcontract auth probe"}
    return AuthProbe(operation, method, path, body)


def _send(client: httpx.Client, probe: AuthProbe, authorization: str | None) -> httpx.Response:
    request = client.build_request(probe.method, probe.path, json=probe.body)
    if authorization is None:
        request.headers.pop("Authorization", None)
    else:
        request.headers["Authorization"] = authorization
    return client.send(request)


def wrong_authorization(client: httpx.Client) -> str:
    """A refused credential in the same scheme (Bearer/Token) the suite's own header uses."""
    current = client.headers.get("Authorization", "Bearer x")
    scheme = current.split(" ", 1)[0] or "Bearer"
    return f"{scheme} mmcontract-invalid-{secrets.token_hex(16)}"


def check_auth(client: httpx.Client, probe: AuthProbe, *, wrong: bool) -> list[str]:
    """MM701 (`wrong=False`: no Authorization header) / MM702 (`wrong=True`: a refused token): 401."""
    code = "MM702" if wrong else "MM701"
    response = _send(client, probe, wrong_authorization(client) if wrong else None)
    if response.status_code != 401:
        raise ContractViolation(
            code,
            f"{probe.operation} answered without {'a valid' if wrong else 'an'} Authorization header",
            basis=BASIS,
            expected="HTTP 401",
            actual=f"HTTP {response.status_code}",
            response=response,
        )
    return []
