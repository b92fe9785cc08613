"""Client-level checks: what the official `datarobot` client (3.20.x) needs beyond the reference page.

A failure here has level `client` (`report.model.Failure.level`): it breaks the official client, not the page's
words, so it fails a run only at `--level client` (at `--level page` it is reported as information). Each
failure names the client call that breaks and cites the client source.

- MM801, the client-level schema check, runs with Schemathesis: `mmcontract.st.client_schema`.
- MM802-MM810: the overlay's `x-client-checks` entries (the needs that are not schema): the Token scheme,
  GET /version/, create answers that parse as a model package, registeredModelName, role names the client reads
  (MM806) and sends on a sharing change (MM810), True/False query booleans, date-times without an offset, `next`
  followed as given (MM809). The overlay entry's own evidence is quoted when it has one; the evidence below
  (client file:function) otherwise.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from mmcontract.checks.violation import ContractViolation, NotApplicable, status_line
from mmcontract.checks.writes import NAME_PREFIX

CLIENT = "datarobot 3.20.x"


@dataclass(frozen=True)
class ClientNeed:
    code: str
    overlay_ids: tuple[str, ...]  # the `id`s an x-client-checks entry for this need may carry
    call: str  # the client call that breaks, e.g. "dr.Client() -> GET /version/"
    evidence: str  # client file:function
    breaks: str  # what the client does when the need is not met


NEEDS: dict[str, ClientNeed] = {
    need.code: need
    for need in (
        ClientNeed(
            "MM802",
            ("token-auth", "token-auth-scheme"),
            "dr.Client() (default authentication_type Token) -> every request",
            'rest.py:RESTClientObject.__init__ (authentication_type defaults to "Token")',
            "every call of the client is refused (401); dr.Client() raises ClientError",
        ),
        ClientNeed(
            "MM803",
            ("version-endpoint",),
            "dr.Client() -> GET /version/",
            "client.py:_is_compatible_client, _is_compatible_version (response.json()['versionString'], "
            "major compared with __expected_server_version__ 2.49)",
            "dr.Client() raises ClientError (no version) or ValueError (the client is not compatible)",
        ),
        ClientNeed(
            "MM804",
            ("create-answers-a-package",),
            "RegisteredModelVersion.create_for_leaderboard_item() -> POST /modelPackages/fromLeaderboard/",
            "models/model_registry/registered_model_version.py:RegisteredModelVersion.create_for_leaderboard_item "
            "(cls.from_server_data(response.json()), RegisteredModelVersion._converter)",
            "create_for_leaderboard_item raises trafaret DataError on the answer",
        ),
        ClientNeed(
            "MM805",
            ("registered-model-name-creates-a-model",),
            "RegisteredModelVersion.create_for_leaderboard_item(registered_model_name=...) "
            "-> POST /modelPackages/fromLeaderboard/",
            "models/model_registry/registered_model_version.py:RegisteredModelVersion.create_for_leaderboard_item "
            '(payload["registeredModelName"]: "If neither registeredModelName nor registeredModelId is provided, '
            'a new registered model is created")',
            "the package lands in no registered model of that name; RegisteredModel.get/list cannot find it",
        ),
        ClientNeed(
            "MM806",
            ("sharing-role-names",),
            "RegisteredModel.get_shared_roles() -> GET /registeredModels/{registeredModelId}/sharedRoles/",
            "models/sharing.py:SharingRole.__init__ (self.role = SHARING_ROLE[role]); enums.py:SHARING_ROLE",
            "get_shared_roles raises KeyError on a role name SHARING_ROLE does not have",
        ),
        ClientNeed(
            "MM807",
            ("boolean-spelling",),
            "RegisteredModel.list(filters=RegisteredModelListFilters(imported=False)) "
            "-> GET /registeredModels/?imported=False",
            "models/model_registry/registered_model.py:RegisteredModelListFilters.to_dict, "
            "RegisteredModelVersionsListFilters.to_dict (a Python bool in the query: requests sends True/False)",
            "RegisteredModel.list / list_versions with a boolean filter raise ClientError (400/422)",
        ),
        ClientNeed(
            "MM808",
            ("datetime-without-offset",),
            "RegisteredModel.list(filters=RegisteredModelListFilters(created_at_start=datetime(...))) "
            "-> GET /registeredModels/?createdAtStartTs=2000-01-01T00:00:00",
            "models/model_registry/registered_model.py:RegisteredModelListFilters.to_dict "
            "(created_at_start.isoformat(): no offset for a naive datetime)",
            "RegisteredModel.list with a time filter raises ClientError (400/422)",
        ),
        ClientNeed(
            "MM809",
            ("next-followed-as-given",),
            "RegisteredModel.list() -> GET <next>, as given, until next is null",
            'utils/pagination.py:unpaginate (while resp_data["next"] is not None: client.get(resp_data["next"]))',
            "list, list_versions, get_shared_roles and list_associated_deployments loop, skip items or raise "
            'KeyError ("next")',
        ),
        ClientNeed(
            "MM810",
            ("sharing-role-names",),
            "RegisteredModel.share([SharingRole(role, ...)]) -> PATCH /registeredModels/{registeredModelId}/sharedRoles/",
            "models/model_registry/registered_model.py:RegisteredModel.share (payload roles from "
            "models/sharing.py:SharingRole.collect_payload, role a SHARING_ROLE name); enums.py:SHARING_ROLE",
            "RegisteredModel.share raises ClientError on a role name the server refuses; NO_ROLE does not remove "
            "the access it is meant to remove",
        ),
    )
}


def _overlay_entries() -> list[dict[str, Any]]:
    try:
        from mmcontract.contract.levels import client_checks
        from mmcontract.spec import load_overlay

        return [e for e in client_checks(load_overlay()) if isinstance(e, dict)]
    except Exception:  # the overlay is data for the basis line only; a missing one must not stop a check
        return []


def _norm(text: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def overlay_entry(code: str) -> dict[str, Any] | None:
    """The overlay's x-client-checks entry for a need: by its `code`, else by one of the need's ids."""
    need = NEEDS[code]
    wanted = {_norm(i) for i in need.overlay_ids}
    for entry in _overlay_entries():
        if entry.get("code") == code or _norm(entry.get("id", "")) in wanted:
            return entry
    return None


def basis(code: str) -> str:
    """`client: <evidence>; breaks: <what breaks>`, from the overlay's entry when it has one."""
    need = NEEDS[code]
    entry = overlay_entry(code) or {}
    evidence = entry.get("x-evidence") or entry.get("evidence") or f"{CLIENT} {need.evidence}"
    breaks = entry.get("x-breaks") or entry.get("breaks") or need.breaks
    return f"client: {evidence}; breaks: {breaks}"


def violation(code: str, message: str, **kwargs: Any) -> ContractViolation:
    """A client-level failure: the message starts with the client call that breaks."""
    return ContractViolation(code, f"{NEEDS[code].call}: {message}", basis=basis(code), **kwargs)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------ MM802 - MM808


def check_token_scheme(client: httpx.Client) -> list[str]:
    """MM802: the request the suite can make (GET /registeredModels/?limit=1) is accepted with the token in the
    client's default scheme, `Authorization: Token <token>`."""
    current = client.headers.get("Authorization", "")
    scheme, _, token = current.partition(" ")
    if not token:
        raise NotApplicable("the run has no token to send in the Token scheme")
    request = client.build_request("GET", "registeredModels/", params={"limit": 1})
    request.headers["Authorization"] = f"Token {token}"
    response = client.send(request)
    if response.status_code in (401, 403):
        raise violation(
            "MM802",
            f"the token the run uses is refused in the Token scheme (accepted as {scheme}; an API key is sent as "
            "Token by default, an OAuth token the client sends as Bearer: run this check with an API key)",
            expected="HTTP 200 with Authorization: Token <token>",
            actual=f"HTTP {response.status_code}",
            response=response,
        )
    return [] if response.status_code == 200 else [f"Token scheme answered {response.status_code}, not 401"]


VERSION_RE = re.compile(r"^(\d+)\.(\d+)")  # the client's own: datarobot/client.py VERSION_RE
EXPECTED_MAJOR = 2  # datarobot/_version.py __expected_server_version__ = "2.49"


def check_version(client: httpx.Client) -> list[str]:
    """MM803: GET /version/ answers 200 with JSON whose versionString is "<major>.<minor>..." with major 2
    (a higher major makes dr.Client() refuse the server; no answer makes it raise)."""
    response = client.get("version/")
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict):
        raise violation(
            "MM803",
            "GET /version/ does not answer a JSON object",
            expected="HTTP 200, JSON {versionString: '2.<minor>...', ...}",
            actual=status_line(response),
            response=response,
        )
    version = body.get("versionString")
    match = VERSION_RE.match(version) if isinstance(version, str) else None
    if match is None or int(match.group(1)) != EXPECTED_MAJOR:
        raise violation(
            "MM803",
            f"versionString {version!r} is not a version of major {EXPECTED_MAJOR}",
            expected=f"versionString matching {VERSION_RE.pattern} with major {EXPECTED_MAJOR}",
            actual=f"versionString {version!r}",
            response=response,
        )
    return []


# The keys RegisteredModelVersion._converter requires (camelCase as the server sends them); a selftest keeps this
# list equal to the installed client's trafaret, so the check needs no datarobot install on the machine it runs.
PACKAGE_KEYS = (
    "id",
    "registeredModelId",
    "registeredModelVersion",
    "name",
    "modelId",
    "modelExecutionType",
    "isArchived",
    "importMeta",
    "sourceMeta",
    "modelKind",
    "target",
    "modelDescription",
    "datasets",
    "timeseries",
    "isDeprecated",
    "permissions",
    "activeDeploymentCount",
)
CREATE = "modelPackages/fromLeaderboard/"


def _create(
    client: httpx.Client, leaderboard_model_id: str, package_name: str, model_name: str
) -> httpx.Response:
    body = {"modelId": leaderboard_model_id, "name": package_name, "registeredModelName": model_name}
    response = client.post(CREATE, json=body)
    if response.status_code in (401, 403, 404, 422):
        raise NotApplicable(f"the target did not create a model package: {status_line(response)}")
    return response


def _find_registered_model(client: httpx.Client, name: str, tries: int = 6) -> dict[str, Any] | None:
    for attempt in range(tries):
        listed = client.get("registeredModels/", params={"search": name, "limit": 100})
        data = (_json(listed) or {}).get("data") if listed.status_code == 200 else None
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and item.get("name") == name:
                return item
        if attempt + 1 < tries:
            time.sleep(0.5)  # the 202 answer may come before the registered model is listed
    return None


def _discard(client: httpx.Client, response: httpx.Response, names: Iterable[str]) -> None:
    """Clean-up (its outcome is no check): archive the package, delete the registered models this check named."""
    body = _json(response)
    with contextlib.suppress(httpx.HTTPError, ValueError):
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            client.post(f"modelPackages/{body['id']}/archive/")
        for name in names:
            found = _find_registered_model(client, name, tries=1)
            if found and isinstance(found.get("id"), str):
                client.delete(f"registeredModels/{found['id']}/")


def _unique(purpose: str, name_prefix: str) -> str:
    """A fresh name starting with the run's prefix, so the run's clean-up finds what it names."""
    return f"{name_prefix}client-{purpose}-{secrets.token_hex(5)}"


def check_create_parses(
    client: httpx.Client, leaderboard_model_id: str, *, name_prefix: str = NAME_PREFIX
) -> list[str]:
    """MM804: the answer to the create the client sends carries every key RegisteredModelVersion requires."""
    if not leaderboard_model_id:
        raise NotApplicable("no leaderboard model id (--leaderboard-model-id) to create a package from")
    name = _unique("package", name_prefix)
    response = _create(client, leaderboard_model_id, name, name)
    try:
        body = _json(response)
        missing = (
            [key for key in PACKAGE_KEYS if key not in body] if isinstance(body, dict) else list(PACKAGE_KEYS)
        )
        if not 200 <= response.status_code < 300 or missing:
            raise violation(
                "MM804",
                "the create answer is not a model package the client can read"
                + (f" (missing {', '.join(missing)})" if missing else ""),
                expected=f"a 2xx JSON object with {', '.join(PACKAGE_KEYS)}",
                actual=status_line(response),
                response=response,
            )
    finally:
        _discard(client, response, [name])
    return []


def check_registered_model_name(
    client: httpx.Client, leaderboard_model_id: str, *, name_prefix: str = NAME_PREFIX
) -> list[str]:
    """MM805: a create with registeredModelName makes a registered model of that name (not of the package's name),
    and the answer's registeredModelId, when it has one, is that model."""
    if not leaderboard_model_id:
        raise NotApplicable("no leaderboard model id (--leaderboard-model-id) to create a package from")
    package_name, model_name = _unique("package", name_prefix), _unique("registered", name_prefix)
    response = _create(client, leaderboard_model_id, package_name, model_name)
    try:
        found = _find_registered_model(client, model_name)
        if found is None:
            raise violation(
                "MM805",
                f"no registered model named {model_name!r} after the create",
                expected=f"GET /registeredModels/?search={model_name} lists a model of that name",
                actual=f"none; create answered {status_line(response)}",
                response=response,
            )
        body = _json(response)
        given = body.get("registeredModelId") if isinstance(body, dict) else None
        if given is not None and given != found.get("id"):
            raise violation(
                "MM805",
                "the create answer names another registered model than the one made for registeredModelName",
                expected=f"registeredModelId {found.get('id')}",
                actual=f"registeredModelId {given!r}",
                response=response,
            )
    finally:
        _discard(client, response, [package_name, model_name])
    return []


def known_role_names() -> frozenset[str]:
    """datarobot.enums.SHARING_ROLE's member names (SharingRole looks roles up by name)."""
    return frozenset({"OWNER", "READ_WRITE", "USER", "EDITOR", "READ_ONLY", "CONSUMER", "NO_ROLE"})


def check_role_names(client: httpx.Client, registered_model_ids: list[str], *, limit: int = 3) -> list[str]:
    """MM806: every role in a registered model's sharedRoles is a name of the client's SHARING_ROLE."""
    looked = 0
    for model_id in registered_model_ids[:limit]:
        response = client.get(f"registeredModels/{model_id}/sharedRoles/")
        data = (_json(response) or {}).get("data") if response.status_code == 200 else None
        if not isinstance(data, list):
            continue
        looked += 1
        unknown = sorted(
            {
                str(r.get("role"))
                for r in data
                if isinstance(r, dict) and r.get("role") not in known_role_names()
            }
        )
        if unknown:
            raise violation(
                "MM806",
                f"role name(s) the client does not know: {', '.join(unknown)}",
                expected=f"roles among {', '.join(sorted(known_role_names()))}",
                actual=", ".join(unknown),
                response=response,
            )
    if not looked:
        raise NotApplicable("no registered model whose sharedRoles could be read")
    return []


def _ids(response: httpx.Response) -> list[Any] | None:
    data = (_json(response) or {}).get("data") if response.status_code == 200 else None
    return (
        sorted(str(item.get("id")) for item in data if isinstance(item, dict))
        if isinstance(data, list)
        else None
    )


# (path, parameter): the boolean filters the client's list filters send (RegisteredModel(Versions)ListFilters)
BOOLEAN_FILTERS = (
    ("registeredModels/", "imported"),
    ("registeredModels/{registeredModelId}/versions/", "imported"),
)


def check_capital_booleans(
    client: httpx.Client, template: str, param: str, registered_model_ids: list[str]
) -> list[str]:
    """MM807: a boolean query parameter sent as the client sends it (True/False) is accepted and means what
    true/false mean (the same items on the first page). `template`, `param`: one of BOOLEAN_FILTERS."""
    path = template
    if "{" in template:
        if not registered_model_ids:
            raise NotApplicable("no registered model to list the versions of")
        path = template.replace("{registeredModelId}", registered_model_ids[0])
    for value in (True, False):
        given, meant = str(value), str(value).lower()
        _read_alike(
            client, "MM807", path, param, given, meant, f"{param}={given} is not read as {param}={meant}"
        )
    return []


def _read_alike(
    client: httpx.Client, code: str, path: str, param: str, given: str, meant: str, what: str
) -> None:
    """`param=given` (as the client sends it) is answered 200 with the items (first page) of `param=meant` (the
    spelling the page documents), when that one is answered 200 at all; else a violation of `code` saying `what`."""
    sent = client.get(path, params={param: given, "limit": 100})
    plain = client.get(path, params={param: meant, "limit": 100})
    if sent.status_code != 200 or (plain.status_code == 200 and _ids(sent) != _ids(plain)):
        raise violation(
            code,
            what,
            expected=f"HTTP 200 and the items of {param}={meant}",
            actual=status_line(sent) if sent.status_code != 200 else "other items",
            response=sent,
        )


# Far from any data, so the time zone a server reads a naive date-time in cannot change the answer.
NAIVE_TIMES = (("createdAtStartTs", "2000-01-01T00:00:00"), ("createdAtEndTs", "2100-01-01T00:00:00"))


def check_naive_datetimes(client: httpx.Client) -> list[str]:
    """MM808: a time-range filter without an offset (datetime.isoformat() of a naive datetime) is accepted and
    selects what the same instant in UTC selects."""
    for param, naive in NAIVE_TIMES:
        what = f"{param}={naive} (no offset) is not accepted like {naive}Z"
        _read_alike(client, "MM808", "registeredModels/", param, naive, f"{naive}Z", what)
    return []


def _walk_limit(client: httpx.Client, pages: int) -> int:
    """A page size that walks the whole list in about `pages` pages (at least 2 items a page, so there is a next)."""
    head = _json(client.get("registeredModels/", params={"limit": 1}))
    total = head.get("totalCount") if isinstance(head, dict) else None
    return max(2, -(-total // pages)) if isinstance(total, int) and total > 0 else 50


def check_next_as_given(client: httpx.Client, *, pages: int = 20, max_pages: int = 60) -> list[str]:
    """MM809: walking GET /registeredModels/ the client's way (`next` requested exactly as given, nothing added)
    yields every item of the list once, and the last page carries `"next": null` (not absent, not "")."""
    limit = _walk_limit(client, pages)
    response = client.get("registeredModels/", params={"limit": limit})
    seen: list[str] = []
    total = None
    followed = 0  # next links followed
    for _ in range(max_pages):
        body = _json(response)
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not isinstance(body.get("data"), list)
        ):
            raise violation(
                "MM809",
                "a page reached through next is not a list page",
                expected="HTTP 200, a JSON page with data and next",
                actual=status_line(response),
                response=response,
            )
        total = body.get("totalCount", total)
        seen += [str(item.get("id")) for item in body["data"] if isinstance(item, dict)]
        if "next" not in body or body["next"] == "":
            what = "no next" if "next" not in body else 'next ""'
            raise violation(
                "MM809",
                f"a page has {what} (the client reads next and stops only on null)",
                expected='"next": a URL, or null on the last page',
                actual=f"next {body.get('next', '(absent)')!r}",
                response=response,
            )
        if body["next"] is None:
            break
        response = client.get(str(body["next"]))  # as given: the client adds nothing
        followed += 1
    else:
        raise NotApplicable(f"the list is longer than {max_pages} pages of {limit}: not walked to its end")
    if len(set(seen)) != len(seen) or (isinstance(total, int) and len(seen) != total):
        raise violation(
            "MM809",
            "following next as given does not yield every item once",
            expected=f"{total} distinct items" if isinstance(total, int) else "distinct items",
            actual=f"{len(seen)} items, {len(set(seen))} distinct",
            response=response,
        )
    if not followed:
        return [f"the list fit on one page (limit={limit}): no next link was followed"]
    return []


# The grants RegisteredModel.share can send besides OWNER (SHARING_ROLE names); NO_ROLE last, it removes access.
GRANT_ROLES = ("USER", "CONSUMER", "EDITOR", "READ_ONLY", "READ_WRITE", "NO_ROLE")


def _listed_roles(client: httpx.Client, registered_model_id: str) -> tuple[dict[str, str], httpx.Response]:
    response = client.get(f"registeredModels/{registered_model_id}/sharedRoles/", params={"limit": 100})
    data = (_json(response) or {}).get("data") if response.status_code == 200 else None
    listed = {str(r.get("id")): str(r.get("role")) for r in data or [] if isinstance(r, dict)}
    return listed, response


def check_role_names_accepted(
    client: httpx.Client, registered_model_id: str, recipients: list[dict[str, Any]]
) -> list[str]:
    """MM810: on a registered model this run created, a user is granted each role name the client can send
    (accepted: 2xx), and NO_ROLE then removes the user from the model's sharedRoles."""
    listed, _ = _listed_roles(client, registered_model_id)
    users = [
        r
        for r in recipients
        if r.get("shareRecipientType") == "user" and r.get("id") and listed.get(str(r.get("id"))) != "OWNER"
    ]
    if not users:
        raise NotApplicable("no user other than the model's owner found on the target to share with")
    user_id = str(users[0]["id"])
    for role in GRANT_ROLES:
        grant = {"id": user_id, "role": role, "shareRecipientType": "user"}
        response = client.patch(
            f"registeredModels/{registered_model_id}/sharedRoles/",
            json={"operation": "updateRoles", "roles": [grant]},
        )
        if not 200 <= response.status_code < 300:
            raise violation(
                "MM810",
                f"a grant of role {role} is refused",
                expected=f"a 2xx answer to a grant of {role}",
                actual=status_line(response),
                response=response,
            )
    listed, response = _listed_roles(client, registered_model_id)
    if user_id in listed:
        raise violation(
            "MM810",
            "NO_ROLE did not remove the user's access",
            expected=f"user {user_id} absent from sharedRoles",
            actual=f"user {user_id}: {listed[user_id]}",
            response=response,
        )
    return []
