"""MM401-MM407: writes do what the page says they do, observed through the documented reads.

Callers must only pass resources the suite created itself (or that the user named) and only with
`--allow-writes`; these functions write. Each says in its docstring what it leaves behind.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from typing import Any

import httpx

from mmcontract.checks.listing import LIST_OPERATIONS, list_params, walk
from mmcontract.checks.violation import ContractViolation, NotApplicable, status_line

BASIS_PATCH = 'page: "PATCH /registeredModels/{registeredModelId}/ Update registered model" (200), body name/description'
BASIS_DELETE = (
    'page: "DELETE /registeredModels/{registeredModelId}/ Permanently archive a registered model and all of its '
    'versions"; archived packages stay readable: "It will only be accessible at the model package retrieve route"'
)
BASIS_ARCHIVE = (
    'page: "POST /modelPackages/{modelPackageId}/archive/ Permanently archive a model package ... It will not be '
    'accessible in the model package list api. It will only be accessible at the model package retrieve route" '
    '(204); "isArchived ... Whether the model package is permanently archived"'
)
BASIS_SHARE = (
    'page: "PATCH /registeredModels/{registeredModelId}/sharedRoles/ Set roles for users on this registered '
    'model" (204 "Roles updated successfully"), and GET .../sharedRoles/ lists "who have access ... and their roles"'
)
BASIS_NO_OWNER = 'page: PATCH .../sharedRoles/ "409 Conflict The request would leave the registered model without an owner."'
BASIS_UNKNOWN_USER = (
    'page: PATCH .../sharedRoles/ "422 Unprocessable Entity One of the users in the request does not exist, or the '
    'request is otherwise invalid"'
)
BASIS_CREATE = (
    'page: "POST /api/v2/modelPackages/fromLeaderboard/ Create model package from a Leaderboard model" "202 Accepted '
    'A job for building model package file was successfully submitted"; the created package is then readable at '
    '"GET /modelPackages/{modelPackageId}/" with "modelId ... ID of the model"'
)


NAME_PREFIX = "mmcontract-"  # the run's own prefix (mmcontract-<run id>-) is passed in by the contract tests


def _token() -> str:
    return secrets.token_hex(4)


def _expect(response: httpx.Response, statuses: set[int], code: str, what: str, basis: str) -> None:
    if response.status_code not in statuses:
        raise ContractViolation(
            code,
            f"{what}: HTTP {response.status_code}",
            basis=basis,
            expected=" or ".join(f"HTTP {s}" for s in sorted(statuses)),
            actual=status_line(response),
            response=response,
        )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def check_patch_persists(
    client: httpx.Client, registered_model_id: str, *, name_prefix: str = NAME_PREFIX
) -> list[str]:
    """MM401: PATCH name and description, then GET shows them. Leaves the model renamed (with `name_prefix`,
    so the run's clean-up still finds it by name)."""
    token = _token()
    change = {"name": f"{name_prefix}patched-{token}", "description": f"patched by mmcontract {token}"}
    path = f"registeredModels/{registered_model_id}/"
    response = client.patch(path, json=change)
    _expect(response, {200}, "MM401", "PATCH of a registered model failed", BASIS_PATCH)
    after = client.get(path)
    _expect(after, {200}, "MM401", "GET after PATCH failed", BASIS_PATCH)
    body = _json(after) or {}
    # description is optional in the response ("Required false"): a server may leave it out; null is an answer
    unseen = [k for k in change if k not in body]
    stale = {k: body.get(k) for k, v in change.items() if k in body and body[k] != v}
    if stale:
        raise ContractViolation(
            "MM401",
            "a PATCHed registered model does not read back with the change",
            basis=BASIS_PATCH,
            expected=str(change),
            actual=f"GET after PATCH: {stale}",
            response=after,
        )
    return [
        f"the registered model's {k} is not in the response: its change could not be read back"
        for k in unseen
    ]


def _version_ids(client: httpx.Client, registered_model_id: str) -> list[str]:
    op = LIST_OPERATIONS["GET /registeredModels/{registeredModelId}/versions/"]
    result = walk(
        client, op.path(registered_model_id), list_params(op, offset=0, limit=100), code="MM402", max_pages=20
    )
    return [v["id"] for v in result.items if isinstance(v, dict) and isinstance(v.get("id"), str)]


def check_delete_archives_all(client: httpx.Client, registered_model_id: str) -> list[str]:
    """MM402: DELETE a registered model (204); the model reads back archived (or is gone: the page does not
    say archived models stay readable), and every version it had reads back `isArchived: true` at the model
    package retrieve route. Leaves the model archived."""
    notes: list[str] = []
    versions = _version_ids(client, registered_model_id)
    if not versions:
        notes.append("the registered model had no versions")
    path = f"registeredModels/{registered_model_id}/"
    response = client.delete(path)
    _expect(response, {204}, "MM402", "DELETE of a registered model failed", BASIS_DELETE)
    after = client.get(path)
    if after.status_code == 200:
        if (_json(after) or {}).get("isArchived") is not True:
            raise ContractViolation(
                "MM402",
                "a DELETEd registered model reads back not archived",
                basis=BASIS_DELETE,
                expected="isArchived: true (or 404)",
                actual=f"isArchived: {(_json(after) or {}).get('isArchived')!r}",
                response=after,
            )
    else:
        notes.append(f"the deleted registered model answers HTTP {after.status_code}; its flag was not read")
    for version_id in versions:
        package = client.get(f"modelPackages/{version_id}/")
        _expect(
            package, {200}, "MM402", "an archived version is not readable as a model package", BASIS_DELETE
        )
        if (_json(package) or {}).get("isArchived") is not True:
            raise ContractViolation(
                "MM402",
                "a version of a DELETEd registered model is not archived",
                basis=BASIS_DELETE,
                expected=f"version {version_id}: isArchived true",
                actual=f"isArchived: {(_json(package) or {}).get('isArchived')!r}",
                response=package,
            )
    return notes


def check_archive_sets_flag(client: httpx.Client, model_package_id: str, *, max_pages: int = 10) -> list[str]:
    """MM403: archive a model package (204); it reads back `isArchived: true` and the package list no longer
    shows it. Leaves the package archived."""
    notes: list[str] = []
    path = f"modelPackages/{model_package_id}/"
    before = client.get(path)
    _expect(before, {200}, "MM403", "the model package to archive is not readable", BASIS_ARCHIVE)
    name = (_json(before) or {}).get("name")
    response = client.post(f"{path}archive/")
    _expect(response, {204}, "MM403", "archive of a model package failed", BASIS_ARCHIVE)
    after = client.get(path)
    _expect(
        after,
        {200},
        "MM403",
        "an archived model package is not readable at its retrieve route",
        BASIS_ARCHIVE,
    )
    if (_json(after) or {}).get("isArchived") is not True:
        raise ContractViolation(
            "MM403",
            "an archived model package reads back isArchived false",
            basis=BASIS_ARCHIVE,
            expected="isArchived: true",
            actual=f"isArchived: {(_json(after) or {}).get('isArchived')!r}",
            response=after,
        )
    op = LIST_OPERATIONS["GET /modelPackages/"]
    searches = [{"search": name}] if isinstance(name, str) and len(name) >= 3 else []
    for extra in [*searches, {}]:
        result = walk(
            client, op.path(), list_params(op, extra, offset=0, limit=100), code="MM403", max_pages=max_pages
        )
        listed = [p for p in result.items if isinstance(p, dict) and p.get("id") == model_package_id]
        if listed:
            raise ContractViolation(
                "MM403",
                "an archived model package is still in the model package list",
                basis=BASIS_ARCHIVE,
                expected=f"{model_package_id} not listed",
                actual=f"listed with isArchived={listed[0].get('isArchived')!r}",
                response=result.pages[-1].response,
            )
        if not result.complete:
            notes.append(
                f"list {extra or 'unfiltered'} longer than the budget: only its first pages were read"
            )
    return notes


def _roles(
    client: httpx.Client, registered_model_id: str, code: str
) -> tuple[list[dict[str, Any]], httpx.Response]:
    op = LIST_OPERATIONS["GET /registeredModels/{registeredModelId}/sharedRoles/"]
    result = walk(
        client, op.path(registered_model_id), list_params(op, offset=0, limit=100), code=code, max_pages=20
    )
    return [r for r in result.items if isinstance(r, dict)], result.pages[-1].response


def _share(client: httpx.Client, registered_model_id: str, roles: list[dict[str, Any]]) -> httpx.Response:
    return client.patch(
        f"registeredModels/{registered_model_id}/sharedRoles/",
        json={"operation": "updateRoles", "roles": roles},
    )


# The official client's role names, which a server may take and show as aliases (spec: x-mm-lenient-values
# on the grant's role); a grant shown under one of them is not failed.
ROLE_ALIASES = frozenset({"CONSUMER", "EDITOR", "READ_ONLY", "READ_WRITE"})


def check_sharing_visible(
    client: httpx.Client, registered_model_id: str, recipients: list[dict[str, Any]]
) -> list[str]:
    """MM404: grant a role to an existing user (by id), then the model's sharedRoles show that user with that
    role (or one of the role aliases the contract lets a server use). A user not yet on the model is
    preferred, so the change is visible as the user's appearance. Leaves the user with the role on the
    (suite's own) model."""
    notes: list[str] = []
    roles, _ = _roles(client, registered_model_id, "MM404")
    current = {r.get("id"): str(r.get("role", "")).upper() for r in roles}
    users = [
        r
        for r in recipients
        if r.get("shareRecipientType") == "user" and r.get("id") and current.get(r.get("id")) != "OWNER"
    ]
    if not users:
        raise NotApplicable("no user other than the model's owner found on the target to share with")
    users.sort(key=lambda r: r.get("id") in current)  # absent users first
    user = users[0]
    role = "OBSERVER" if current.get(user["id"]) == "USER" else "USER"
    grant = [{"id": user["id"], "role": role, "shareRecipientType": "user"}]
    response = _share(client, registered_model_id, grant)
    _expect(response, {204}, "MM404", "a sharing change was refused", BASIS_SHARE)
    after, last = _roles(client, registered_model_id, "MM404")
    shown = [str(r.get("role", "")).upper() for r in after if r.get("id") == user["id"]]
    before = current.get(user["id"])
    if shown and shown[0] != role and shown[0] in ROLE_ALIASES and shown[0] != before:
        notes.append(f"granted {role}, shown as {shown[0]} (a role alias the contract allows)")
    elif not shown or shown[0] != role:
        raise ContractViolation(
            "MM404",
            "a sharing change answered 204 but sharedRoles do not show it",
            basis=BASIS_SHARE,
            expected=f"user {user['id']} with role {role}",
            actual=f"user {user['id']}: {shown[0] if shown else 'absent'} (before: {before or 'absent'})",
            response=last,
        )
    return notes


def check_sharing_no_owner(client: httpx.Client, registered_model_id: str) -> list[str]:
    """MM405: demoting every owner at once gets 409. On a faulty server that accepts it the (suite's own)
    model is left without an owner; the check tries to restore them."""
    roles, _ = _roles(client, registered_model_id, "MM405")
    owners = [r for r in roles if str(r.get("role", "")).upper() == "OWNER" and r.get("id")]
    if not owners:
        raise NotApplicable("the registered model lists no owner to demote")
    demote = [
        {"id": o["id"], "role": "USER", "shareRecipientType": o.get("shareRecipientType", "user")}
        for o in owners
    ]
    response = _share(client, registered_model_id, demote)
    if response.is_success:  # a faulty server applied it: give the owners back before reporting
        _share(client, registered_model_id, [{**d, "role": "OWNER"} for d in demote])
    _expect(response, {409}, "MM405", "a sharing change that leaves no owner was not refused", BASIS_NO_OWNER)
    return []


def check_sharing_unknown_user(client: httpx.Client, registered_model_id: str) -> list[str]:
    """MM406: a grant to a username that does not exist gets 422."""
    username = f"mmcontract-no-such-user-{_token()}@example.invalid"
    response = _share(
        client, registered_model_id, [{"username": username, "role": "USER", "shareRecipientType": "user"}]
    )
    _expect(
        response, {422}, "MM406", "a grant to a user that does not exist was not refused", BASIS_UNKNOWN_USER
    )
    return []


def created_package_id(response: httpx.Response) -> str | None:
    """The id of the package a 202 answer created: from its body (the official client reads the body as a
    model package) or a Location header."""
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        return body["id"]
    match = re.search(r"/modelPackages/([^/]+)/?$", response.headers.get("location", ""))
    return match.group(1) if match else None


def create_body(
    leaderboard_model_id: str, purpose: str, *, name_prefix: str = NAME_PREFIX, **extra: Any
) -> dict[str, Any]:
    """A fromLeaderboard body whose package and registered model carry one unique name, so clean-up can tell
    what this run created (`registeredModelName` is what the official client sends; the page's body is open)."""
    name = f"{name_prefix}{purpose}-{_token()}"
    return {"modelId": leaderboard_model_id, "name": name, "registeredModelName": name, **extra}


def discard_created(client: httpx.Client, response: httpx.Response, name: str) -> None:
    """Clean-up after a create (also one a faulty server should have refused); its outcome is not a check.
    Archives the package, and archives its registered model only if that model carries the unique name this
    run gave it (never a model someone else owns)."""
    package_id = created_package_id(response)
    body = _json(response)
    with contextlib.suppress(httpx.HTTPError, ValueError):
        if package_id:
            client.post(f"modelPackages/{package_id}/archive/")
        model_id = body.get("registeredModelId") if isinstance(body, dict) else None
        if isinstance(model_id, str) and model_id:
            model = client.get(f"registeredModels/{model_id}/")
            if model.status_code == 200 and (_json(model) or {}).get("name") == name:
                client.delete(f"registeredModels/{model_id}/")


def check_create_readable(
    client: httpx.Client, leaderboard_model_id: str, *, name_prefix: str = NAME_PREFIX
) -> list[str]:
    """MM407: POST fromLeaderboard answers 202 and the package it names is readable by id, with that id and
    the leaderboard model's id. Archives the package (and the registered model it made) afterwards."""
    if not leaderboard_model_id:
        raise NotApplicable("no leaderboard model id (--leaderboard-model-id) to create a package from")
    body = create_body(leaderboard_model_id, "created", name_prefix=name_prefix)
    response = client.post("modelPackages/fromLeaderboard/", json=body)
    package_id = created_package_id(response)
    try:
        _expect(
            response, {202}, "MM407", "creating a model package from a leaderboard model failed", BASIS_CREATE
        )
        if package_id is None:
            raise NotApplicable(
                "the 202 answer names no package (no body id, no Location): nothing to read back"
            )
        got = client.get(f"modelPackages/{package_id}/")
        _expect(got, {200}, "MM407", "the created model package is not readable", BASIS_CREATE)
        read = _json(got) or {}
        if read.get("id") != package_id or read.get("modelId") != leaderboard_model_id:
            raise ContractViolation(
                "MM407",
                "the created model package reads back with another id or model",
                basis=BASIS_CREATE,
                expected=f"id {package_id}, modelId {leaderboard_model_id}",
                actual=f"id {read.get('id')!r}, modelId {read.get('modelId')!r}",
                response=got,
            )
    finally:
        discard_created(client, response, body["name"])
    return []
