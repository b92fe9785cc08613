"""Steering: real ids for path parameters, installed as global Schemathesis hooks.

`Steering` (a global `before_call` hook, which also applies in the coverage phase) points path ids at resources
that exist on the target, so operations with a path id reach 2xx on real data; writes are steered only to
resources this run created. The `after_call` hook remembers what the run created and records it for the clean-up
(mmcontract.target.litter); the `before_call` hook also starts the names in generated create bodies with the run's
prefix (`name_create_bodies`), so what a run leaves behind can be found by `search`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from mmcontract.checks.auth import nowhere_id
from mmcontract.st.lenience import negated_parameters
from mmcontract.target import litter

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
NAME_FIELDS = ("name", "registeredModelName")  # of the create bodies; free strings (no enum, no pattern)
STEER_SHARE = 4  # 3 cases in 4 with a path id go to an existing resource, 1 in 4 keeps its random id


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
    named: set[str] = field(default_factory=set)  # --writable-registered-model ids: written to, never DELETEd
    pinned: set[int] = field(
        default_factory=set
    )  # id() of added cases (st.full_pages): their ids stay as built
    recipients: list[dict[str, Any]] = field(default_factory=list)  # sharing recipients found on the target
    leaderboard_model_id: str | None = None
    steered: int = 0

    def knows(self, value: Any) -> bool:
        """Whether `value` is an id of a resource found on the target or created by this run."""
        known = {*self.registered_model_ids, *self.model_package_ids, *self.created_ids}
        known.update(v for pair in self.versions for v in pair)
        return str(value) in known

    def remember_created(self, *ids: str) -> None:
        self.created_ids.update(i for i in ids if i)

    def choose(self, case: Any) -> dict[str, str] | None:
        """Path parameters to send instead of the generated ones, or None to keep them."""
        path = case.path_parameters or {}
        if not path or id(case) in self.pinned:
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
        if case.method.upper() == "DELETE" and rm_id in self.named:
            rm_id = ""  # only MM402 DELETEs a named registered model (last, as the run said up front)
        return {name: (rm_id if name == "registeredModelId" else package_id) or nowhere_id() for name in path}


STEERING = Steering()


def _model_id_is_valid_part(case: Any) -> bool:
    """Whether `modelId` is not what a (negative) case negates, so it may be replaced by a real model id."""
    from schemathesis.core.parameters import ParameterLocation

    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return True
    negated = negated_parameters(case)
    if not negated:
        return False
    return all(location != "body" or (path and path[0] != "modelId") for location, path, _ in negated)


def name_create_bodies(case: Any, prefix: str) -> None:
    """A create body's `name` and `registeredModelName` (when strings) start with the run's prefix (a value at
    least as long keeps its length, so a length boundary still holds); a negative case keeps a name it negates
    as generated (and all of them when what it negated is unknown)."""
    from schemathesis.core.parameters import ParameterLocation

    if not litter.is_create(case.method, case.operation.path) or not isinstance(case.body, dict):
        return
    meta = case.meta
    kept: set[Any] = set()
    if meta is not None and meta.is_negative_at(ParameterLocation.BODY):
        negated = negated_parameters(case)
        body_paths = [path for location, path, _ in negated or [] if location == "body"]
        if negated is None or any(not path for path in body_paths):
            return
        kept = {path[0] for path in body_paths}
    named = {
        key: litter.prefixed(value, prefix)
        for key in NAME_FIELDS
        if key not in kept and isinstance(value := case.body.get(key), str)
    }
    if named:
        case.body = {**case.body, **named}


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
        name_create_bodies(case, litter.name_prefix())

    @schemathesis.hook("after_call")
    def mmcontract_remember_created(context: Any, case: Any, response: Any) -> None:
        if case.method.upper() != "POST" or not 200 <= response.status_code < 300:
            return
        try:
            body = response.json()
        except Exception:
            body = None
        if isinstance(body, dict):
            STEERING.remember_created(str(body.get("id") or ""), str(body.get("registeredModelId") or ""))
        if litter.is_create(case.method, case.operation.path):
            from mmcontract.target import plugin

            location = (response.headers.get("location") or [None])[0]  # lower-case names, lists of values
            plugin.record_created(case.body, body, location)  # for the clean-up at the end of the run
