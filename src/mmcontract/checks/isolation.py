"""MM601: a registered model's version is not readable under another registered model's id.

Path hierarchy is the contract: `/registeredModels/{registeredModelId}/versions/{versionId}/` names a version
of that model. The contract records that a foreign id in the path is answered 404 (`components/responses/
NotFound`); this check fails a server only when it *serves* the foreign version (any 2xx), and leaves the exact
error status to the status-code checks.
"""

from __future__ import annotations

import httpx

from mmcontract.checks.violation import ContractViolation, NotApplicable

BASIS = (
    "spec x-doc-gap (components/responses/NotFound): an unknown or foreign id in the path can only be answered "
    '404; page: "GET /registeredModels/{registeredModelId}/versions/{versionId}/ Get a registered model\'s version"'
)

TARGETS = {
    "version": (
        "GET /registeredModels/{registeredModelId}/versions/{versionId}/",
        "registeredModels/{rm}/versions/{v}/",
    ),
    "deployments": (
        "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/",
        "registeredModels/{rm}/versions/{v}/deployments/",
    ),
}


def foreign_pairs(versions: list[tuple[str, str]], limit: int = 3) -> list[tuple[str, str, str]]:
    """(owner model, version, another model that does not hold that version), from known memberships."""
    members: dict[str, set[str]] = {}
    for rm, v in versions:
        members.setdefault(rm, set()).add(v)
    models = list(members)
    pairs = []
    for rm, v in versions:
        other = next((m for m in models if m != rm and v not in members[m]), None)
        if other is not None:
            pairs.append((rm, v, other))
        if len(pairs) >= limit:
            break
    return pairs


def check_version_isolation(client: httpx.Client, versions: list[tuple[str, str]], what: str) -> list[str]:
    """MM601: for a few versions, GET it (`what`: "version" or "deployments") under a registered model that
    does not hold it; the answer must not be a 2xx. The same request under its own model must work (else the
    check cannot tell anything and says so)."""
    _, template = TARGETS[what]
    pairs = foreign_pairs(versions)
    if not pairs:
        raise NotApplicable("needs two registered models with known versions on the target")
    checked = 0
    for owner, version, other in pairs:
        own = client.get(template.format(rm=owner, v=version))
        if own.status_code != 200:
            continue
        checked += 1
        foreign = client.get(template.format(rm=other, v=version))
        if foreign.is_success:
            raise ContractViolation(
                "MM601",
                f"version {version} of registered model {owner} is served under registered model {other}",
                basis=BASIS,
                expected="HTTP 404 (not readable under a model it does not belong to)",
                actual=f"HTTP {foreign.status_code}",
                response=foreign,
            )
    if not checked:
        raise NotApplicable("no version was readable under its own registered model")
    return []
