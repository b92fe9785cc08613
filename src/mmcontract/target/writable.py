"""What a writes run may write to, learned once per run: registered models it creates, registered models the user
named (--writable-registered-model), and model packages it created.

- One lookup per run: the page documents the create's 202 with no body, so how a server names the registered
  model a create made is learned on the first create (`learn`: the answer's body, its Location header, the new
  package's `registeredModelId`, or one search by the create's unique name) and that one way is used for every
  later create (`find`): no polling, no per-test loop. A server on which none works (it ignores the off-page
  `registeredModelName`) creates packages only: the run stops creating registered models and uses the named ones.
- Named registered models are restored after each write test (`snapshot` / `restore`: name, description,
  isGlobal, sharing); what cannot be restored is said: DELETE archives for good (one test deletes, last),
  archiving a version is permanent.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from mmcontract.target.litter import package_id_of

LOOKUPS = ("body", "location", "package", "search")
NOTHING = "none"  # the server names no registered model for a create: none is made from registeredModelName
RESTORED_FIELDS = ("name", "description", "isGlobal")
_MODEL_IN_LOCATION = re.compile(r"/registeredModels/([^/?#]+)/?")

WRITABLE_HELP = (
    "a registered model the suite may PATCH, share, archive versions of and DELETE when it cannot create its own "
    "(repeatable; needs --allow-writes). Its name, description, isGlobal and sharing are restored after each write "
    "test; archived versions stay archived and DELETE archives it for good (one test, MM402, deletes one named "
    "model, after every other test). The clean-up never touches it"
)
UP_FRONT_DELETE = (
    "DELETE archives a registered model for good: one test (MM402) deletes {model}, after every other test; "
    "name, description, isGlobal and sharing of the named models are restored after each write test; archived "
    "versions stay archived"
)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def package_of(response: httpx.Response) -> str | None:
    """The package a create answer names (litter.package_id_of)."""
    return package_id_of(_json(response), response.headers.get("location"))


def _by(
    way: str, api: httpx.Client, response: httpx.Response, name: str, package_id: str | None
) -> str | None:
    """The new registered model's id found one way (one request at most), or None."""
    if way == "body":
        body = _json(response)
        value = body.get("registeredModelId") if isinstance(body, dict) else None
        return value if isinstance(value, str) and value else None
    if way == "location":
        match = _MODEL_IN_LOCATION.search(response.headers.get("location", ""))
        return match.group(1) if match else None
    if way == "package":
        if not package_id:
            return None
        with contextlib.suppress(httpx.HTTPError):
            got = api.get(f"modelPackages/{package_id}/")
            body = _json(got) if got.status_code == 200 else None
            value = body.get("registeredModelId") if isinstance(body, dict) else None
            return value if isinstance(value, str) and value else None
        return None
    if way == "search":
        with contextlib.suppress(httpx.HTTPError):
            listed = api.get("registeredModels/", params={"search": name, "limit": 10})
            body = _json(listed) if listed.status_code == 200 else None
            data = body.get("data") if isinstance(body, dict) else None
            for item in data if isinstance(data, list) else []:
                if isinstance(item, dict) and item.get("name") == name and isinstance(item.get("id"), str):
                    return item["id"]
        return None
    return None


def learn(api: httpx.Client, response: httpx.Response, name: str) -> tuple[str | None, str]:
    """The first create of a run: (the registered model it made, the way found), trying each way once;
    (None, NOTHING) when no way names one."""
    package_id = package_of(response)
    for way in LOOKUPS:
        found = _by(way, api, response, name, package_id)
        if found:
            return found, way
    return None, NOTHING


def find(api: httpx.Client, response: httpx.Response, name: str, way: str) -> str | None:
    """A later create's registered model, the way the run learned (one request at most)."""
    return _by(way, api, response, name, package_of(response)) if way in LOOKUPS else None


@dataclass
class Snapshot:
    """A named registered model as it was before a write test: what `restore` puts back."""

    registered_model_id: str
    fields: dict[str, Any] = field(default_factory=dict)
    roles: list[dict[str, Any]] | None = None  # None: the sharing could not be read


def _roles(api: httpx.Client, registered_model_id: str) -> list[dict[str, Any]] | None:
    out: list[dict[str, Any]] = []
    offset = 0
    for _ in range(20):
        got = api.get(
            f"registeredModels/{registered_model_id}/sharedRoles/", params={"offset": offset, "limit": 100}
        )
        body = _json(got) if got.status_code == 200 else None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            return None
        out += [entry for entry in data if isinstance(entry, dict)]
        if not data or not body.get("next"):
            return out
        offset += len(data)
    return out


def snapshot(api: httpx.Client, registered_model_id: str) -> Snapshot:
    got = api.get(f"registeredModels/{registered_model_id}/")
    body = _json(got) if got.status_code == 200 else None
    fields = {k: body[k] for k in RESTORED_FIELDS if isinstance(body, dict) and k in body}
    return Snapshot(registered_model_id, fields, _roles(api, registered_model_id))


def _grant(entry: dict[str, Any], role: str) -> dict[str, Any]:
    return {
        "id": entry.get("id"),
        "role": role,
        "shareRecipientType": entry.get("shareRecipientType") or "user",
    }


def restore(api: httpx.Client, before: Snapshot) -> list[str]:
    """Put a named model's name, description, isGlobal and sharing back as `before` had them; what could not be
    put back, one line each (a model archived by DELETE is not restored: the page offers no way back)."""
    rm = before.registered_model_id
    problems: list[str] = []
    now = snapshot(api, rm)
    changed = {k: v for k, v in before.fields.items() if now.fields.get(k) != v and v is not None}
    nulled = sorted(k for k, v in before.fields.items() if v is None and now.fields.get(k) is not None)
    if nulled:  # the page's PATCH takes strings and a boolean: a null cannot be sent back
        problems.append(f"registered model {rm}: {nulled} were null and cannot be set back to null")
    if changed:
        answer = api.patch(f"registeredModels/{rm}/", json=changed)
        if answer.status_code != 200:
            problems.append(
                f"registered model {rm}: {sorted(changed)} not restored (PATCH {answer.status_code})"
            )
    if before.roles is None or now.roles is None:
        return problems
    was = {entry.get("id"): entry for entry in before.roles if entry.get("id")}
    grants = [
        _grant(entry, str(was[key].get("role")))
        for entry in now.roles
        if (key := entry.get("id")) in was and entry.get("role") != was[key].get("role")
    ]
    grants += [
        _grant(entry, str(entry.get("role")))
        for key, entry in was.items()
        if key not in {e.get("id") for e in now.roles}
    ]
    # the page documents no way to remove a grant; NO_ROLE is the official client's (a server may refuse it)
    added = [
        _grant(entry, "NO_ROLE") for entry in now.roles if entry.get("id") and entry.get("id") not in was
    ]
    path = f"registeredModels/{rm}/sharedRoles/"
    if grants:
        answer = api.patch(path, json={"operation": "updateRoles", "roles": grants})
        if answer.status_code != 204:
            problems.append(
                f"registered model {rm}: sharing not restored (PATCH sharedRoles {answer.status_code})"
            )
    if added:
        answer = api.patch(path, json={"operation": "updateRoles", "roles": added})
        if answer.status_code != 204:
            ids = ", ".join(str(g["id"]) for g in added)
            problems.append(
                f"registered model {rm}: grants to {ids} left in place (removal answered {answer.status_code})"
            )
    return problems
