"""Real ids on the target, found by listing: the suite never assumes an id exists.

`discover(client)` walks the lists with plain offset/limit requests (not `next`: following `next` is under
test elsewhere) within a small request budget, and tolerates any answer: a target that breaks the contract
here is failed by the checks, not by discovery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from mmcontract.target.paging import get_within_ceiling

PAGE = 100
MAX_ITEMS = 300  # per list walk
MAX_MODELS_DETAILED = 8  # registered models whose versions / sharing are listed
MAX_VERSIONS_PROBED = 50  # versions whose deployments are listed (one limit=1 request each)
MAX_PACKAGES_SIZED = 40  # model packages whose logs, features and sharing are counted (one request each)

RM_LIST = "GET /registeredModels/"
PACKAGE_LIST = "GET /modelPackages/"
VERSIONS = "GET /registeredModels/{registeredModelId}/versions/"
RM_ROLES = "GET /registeredModels/{registeredModelId}/sharedRoles/"
RM_DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/deployments/"
VERSION_DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/"
PACKAGE_SUBLISTS = {  # list operation -> its path under the package, and the query it needs
    "GET /modelPackages/{modelPackageId}/modelLogs/": ("modelLogs/", {}),
    "GET /modelPackages/{modelPackageId}/features/": ("features/", {"offset": 0}),
    "GET /modelPackages/{modelPackageId}/sharedRoles/": ("sharedRoles/", {"offset": 0}),
}


@dataclass
class Discovery:
    registered_model_ids: list[str] = field(default_factory=list)
    versions: list[tuple[str, str]] = field(default_factory=list)  # (registeredModelId, versionId)
    model_package_ids: list[str] = field(default_factory=list)
    archived_model_package_ids: list[str] = field(default_factory=list)
    deployment_versions: list[tuple[str, str]] = field(default_factory=list)  # versions with deployments
    recipients: list[dict[str, Any]] = field(default_factory=list)  # id, name, role, shareRecipientType
    registered_models: list[dict[str, Any]] = field(default_factory=list)  # list items as served
    model_packages: list[dict[str, Any]] = field(default_factory=list)  # list items as served
    # list operation -> path ids -> how many items the list holds (totalCount, else what one page showed):
    # where the full-page cases (mmcontract.st.full_pages) look, so item schemas and maxItems meet real items
    list_sizes: dict[str, dict[tuple[str, ...], int]] = field(default_factory=dict)

    def sized(self, operation: str, ids: tuple[str, ...], size: int | None) -> None:
        if size is not None:
            self.list_sizes.setdefault(operation, {})[ids] = size

    def versions_of(self, registered_model_id: str) -> list[str]:
        return [v for rm, v in self.versions if rm == registered_model_id]


def _get_json(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> Any:
    try:
        response = get_within_ceiling(client, path, params)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _walk(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """All items of a list, by offset/limit, up to MAX_ITEMS; stops at the first unusable or empty page, or
    at totalCount (a server may serve fewer than PAGE items a page: the page states no maximum)."""
    items: list[dict[str, Any]] = []
    offset = 0
    while len(items) < MAX_ITEMS:
        body = _get_json(client, path, {**(params or {}), "offset": offset, "limit": PAGE})
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not data:
            break
        items.extend(item for item in data if isinstance(item, dict))
        offset += len(data)
        total = body.get("totalCount")
        if not isinstance(total, int) or offset >= total:
            break
    return items


def _size(body: Any) -> int | None:
    """How many items a list holds, from one page: its totalCount, else the items it showed."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    total = body.get("totalCount")
    return total if isinstance(total, int) and not isinstance(total, bool) else len(body["data"])


def _count(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> int | None:
    return _size(_get_json(client, path, {**(params or {}), "limit": 1}))


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in items if isinstance(item.get("id"), str) and item["id"]]


def discover(client: httpx.Client) -> Discovery:
    """`client` has the target's base URL (ending with '/') and the auth header."""
    found = Discovery()
    found.registered_models = _walk(client, "registeredModels/")
    found.registered_model_ids = _ids(found.registered_models)
    found.sized(RM_LIST, (), len(found.registered_models))
    found.model_packages = _walk(client, "modelPackages/")
    found.model_package_ids = _ids(found.model_packages)
    found.sized(PACKAGE_LIST, (), len(found.model_packages))
    found.archived_model_package_ids = [
        str(item["id"]) for item in found.model_packages if item.get("isArchived") is True and item.get("id")
    ]
    seen_recipients: set[str] = set()
    for rm_id in found.registered_model_ids[:MAX_MODELS_DETAILED]:
        versions = _walk(client, f"registeredModels/{rm_id}/versions/")
        found.sized(VERSIONS, (rm_id,), len(versions))
        for version in versions:
            if isinstance(version.get("id"), str):
                found.versions.append((rm_id, version["id"]))
        found.sized(RM_DEPLOYMENTS, (rm_id,), _count(client, f"registeredModels/{rm_id}/deployments/"))
        body = _get_json(client, f"registeredModels/{rm_id}/sharedRoles/", {"offset": 0, "limit": PAGE})
        found.sized(RM_ROLES, (rm_id,), _size(body))
        for entry in body.get("data", []) if isinstance(body, dict) else []:
            if not isinstance(entry, dict) or not entry.get("id") or entry["id"] in seen_recipients:
                continue
            seen_recipients.add(entry["id"])
            found.recipients.append(
                {key: entry.get(key) for key in ("id", "name", "role", "shareRecipientType")}
            )
    for rm_id, version_id in found.versions[:MAX_VERSIONS_PROBED]:
        body = _get_json(client, f"registeredModels/{rm_id}/versions/{version_id}/deployments/", {"limit": 1})
        found.sized(VERSION_DEPLOYMENTS, (rm_id, version_id), _size(body))
        if isinstance(body, dict) and body.get("data"):
            found.deployment_versions.append((rm_id, version_id))
    live = [p for p in found.model_packages if p.get("isArchived") is not True]
    for package_id in _ids(live)[:MAX_PACKAGES_SIZED]:
        for operation, (tail, params) in PACKAGE_SUBLISTS.items():
            found.sized(
                operation, (package_id,), _count(client, f"modelPackages/{package_id}/{tail}", params)
            )
    return found
