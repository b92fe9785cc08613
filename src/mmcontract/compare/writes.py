"""`mmcontract compare --allow-writes`: a fixed write battery, mirrored on both servers, each on its own resources.

Three runs of the same battery, each with its own name prefix (`litter.name_prefix`): two on the baseline (what
differs between them is volatile: created ids, timestamps) and one on the candidate. Each run creates a package
(fromLeaderboard with a registeredModelName) and reads it and its registered model back; renames the model and
changes its description, reads it back; grants a known user a role on it and takes it back, reading sharedRoles
each time; archives the package, reads it back; deletes the registered model, reads it and its versions back.
A run's prefix is replaced by one placeholder in every answer, so names compare as equal across runs.
Differences on a write's own status are `write-status-changed`; a read-back that shows other values or items is
`write-readback-changed`. Everything a run created is cleaned up at the end (`litter.clean_up` with its prefix),
also after an error; what could not be cleaned is listed as leftovers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mmcontract.compare.engine import (
    Answer,
    Comparer,
    Difference,
    Exchange,
    Request,
    Side,
    json_body,
    merge,
    transmit,
)
from mmcontract.target import litter

PLACEHOLDER = "mmcontract-RUN-"
RM = "/registeredModels/{registeredModelId}/"
PKG = "/modelPackages/{modelPackageId}/"
READBACK_RULES = {
    "response-status-class-changed",
    "response-status-changed",
    "response-value-changed",
    "response-property-removed",
    "response-property-became-null",
    "list-items-added",
    "list-items-removed",
    "list-count-changed",
    "list-total-count-changed",
}


@dataclass
class Step:
    request: Request
    answer: Answer
    readback: bool


@dataclass
class WriteRun:
    prefix: str
    steps: list[Step] = field(default_factory=list)
    created: list[litter.Created] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)


def _send(
    side: Side,
    run: WriteRun,
    method: str,
    path: str,
    params: dict[str, str],
    body: Any = None,
    *,
    readback: bool,
) -> Answer:
    url = path
    for name, value in params.items():
        url = url.replace("{" + name + "}", value)
    http_request = side.client.build_request(method, url.lstrip("/"), json=body)
    text, status, media, location = transmit(side, side.client, http_request)
    if litter.is_create(method, path) and 200 <= status < 300:
        run.created += litter.created_by(body, json_body(text, media), location)
    placeheld = text.replace(run.prefix, PLACEHOLDER)
    answer = Answer(http_request, status, media, placeheld, json_body(placeheld, media))
    request = Request(f"{method} {path}", path, tuple(params.items()), (), "write", method=method)
    run.steps.append(Step(request, answer, readback))
    return answer


def _ident(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def run_battery(side: Side, run: WriteRun, leaderboard_model_id: str, user: dict[str, Any] | None) -> None:
    """The battery on one side; it stops where an id it needs is missing (the differences show why)."""
    p = run.prefix
    create = {"modelId": leaderboard_model_id, "name": p + "package", "registeredModelName": p + "model"}
    answer = _send(side, run, "POST", "/modelPackages/fromLeaderboard/", {}, create, readback=False)
    package_id = next((c.id for c in run.created if c.kind == litter.MODEL_PACKAGE), None)
    if package_id is None:
        return
    pkg = {"modelPackageId": package_id}
    package = _send(side, run, "GET", PKG, pkg, readback=True)
    source = (
        answer.body
        if isinstance(answer.body, dict) and answer.body.get("registeredModelId")
        else package.body
    )
    model_id = _ident(source.get("registeredModelId")) if isinstance(source, dict) else None
    if model_id is not None and all(c.id != model_id for c in run.created):
        run.created.append(litter.Created(litter.REGISTERED_MODEL, model_id, p + "model"))
    rm = {"registeredModelId": model_id} if model_id else {}
    if rm:
        _send(side, run, "GET", RM, rm, readback=True)
        patch = {"name": p + "model-renamed", "description": "changed by mmcontract compare"}
        _send(side, run, "PATCH", RM, rm, patch, readback=False)
        _send(side, run, "GET", RM, rm, readback=True)
        roles = RM + "sharedRoles/"
        listed = _send(side, run, "GET", roles, rm, readback=True).body
        owners = {
            str(r.get("id"))
            for r in (listed.get("data") if isinstance(listed, dict) else None) or []
            if isinstance(r, dict) and r.get("role") == "OWNER"
        }
        if user is not None and str(user["id"]) not in owners:  # never change the caller's own role
            for role in ("USER", "NO_ROLE"):
                grant = {"id": user["id"], "role": role, "shareRecipientType": "user"}
                body = {"operation": "updateRoles", "roles": [grant]}
                _send(side, run, "PATCH", roles, rm, body, readback=False)
                _send(side, run, "GET", roles, rm, readback=True)
    _send(side, run, "POST", PKG + "archive/", pkg, readback=False)
    _send(side, run, "GET", PKG, pkg, readback=True)
    if rm:
        _send(side, run, "DELETE", RM, rm, readback=False)
        _send(side, run, "GET", RM, rm, readback=True)
        _send(side, run, "GET", RM + "versions/", rm, readback=True)


def clean(side: Side, run: WriteRun) -> None:
    report = litter.clean_up(side.client, run.created, run.prefix)
    run.leftovers += [f"{side.name}: {line}" for line in report.leftovers]


def user_pair(base: list[dict[str, Any]], cand: list[dict[str, Any]]) -> tuple[Any, Any]:
    """A user both servers know (the same name), not the caller: someone to grant a role to."""

    def users(pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            r
            for r in pool
            if r.get("shareRecipientType") == "user" and r.get("id") and r.get("role") != "OWNER"
        ]

    by_name = {str(r.get("name")): r for r in users(cand)}
    for user in users(base):
        if str(user.get("name")) in by_name:
            return user, by_name[str(user.get("name"))]
    return None, None


def compare_runs(comparer: Comparer, base: WriteRun, again: WriteRun, cand: WriteRun) -> list[Difference]:
    """The candidate's run against the baseline's (its second run tells the volatile values)."""
    for b, g, c in zip(base.steps, again.steps, cand.steps, strict=False):
        if b.request.operation != c.request.operation:
            break
        comparer.compare(Exchange(b.request, b.answer, g.answer, c.answer))
    if len(cand.steps) < len(base.steps) and base.steps:
        missing = base.steps[len(cand.steps)]
        last = cand.steps[-1] if cand.steps else base.steps[0]
        comparer.report(
            Exchange(missing.request, missing.answer, missing.answer, last.answer),
            "write-readback-changed",
            "battery",
            f"the candidate's battery stopped before {missing.request.operation}: an id it needs was not given",
            level="breaking",
        )
    readback_ops = {s.request.operation for s in base.steps if s.readback}
    write_ops = {s.request.operation for s in base.steps if not s.readback}
    merged: dict[tuple[str, str, str], Difference] = {}
    for d in comparer.differences():
        if d.operation in write_ops and d.rule in (
            "response-status-class-changed",
            "response-status-changed",
        ):
            level = "breaking" if d.rule == "response-status-class-changed" else "notable"
            d = replace(d, rule="write-status-changed", level=level)
        elif d.operation in readback_ops and d.rule in READBACK_RULES:
            message = f"after the writes: {d.message} ({d.rule})"
            d = replace(d, rule="write-readback-changed", level="breaking", message=message)
        merge(merged, d)
    return list(merged.values())
