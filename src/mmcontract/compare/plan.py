"""What `mmcontract compare` sends: a fixed battery per list operation, plus cases generated from the contract.

Battery, per list operation (path ids from discovery on the baseline): no parameters; a walk along `next`;
each documented filter with a value present on the target (enum values all; search with a swapped-case part
of a listed name; time ranges in a +05:00 offset); each sort (key alone, asc, desc; orderBy values); `limit`
boundaries (0, 1, a middle value, a large one above any usual maximum); invalid values (an error body). Once:
no token, a wrong token, a path without its trailing slash, an unknown id, a version under another model.
Generated: Schemathesis's positive cases for each GET operation (`as_strategy`), seeded, path ids real.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from mmcontract.compare.engine import Request
from mmcontract.target.discovery import Discovery

LIST_SKIP = {"offset", "limit", "sortKey", "sortDirection", "orderBy", "search"}
LIMITS = ("0", "1", "7", "2000")
WALK_LIMIT = "3"
UNKNOWN_ID = "000000000000000000000000"


def path_param_choices(found: Discovery) -> dict[str, list[dict[str, str]]]:
    """Real path ids per path template shape (the first of each, plus one more where it helps)."""
    out: dict[str, list[dict[str, str]]] = {}
    out["registeredModelId"] = [{"registeredModelId": r} for r in found.registered_model_ids[:1]]
    out["modelPackageId"] = [{"modelPackageId": p} for p in found.model_package_ids[:1]]
    pairs = found.deployment_versions[:1] or found.versions[:1]
    out["versionId"] = [{"registeredModelId": r, "versionId": v} for r, v in pairs]
    return out


def params_for(path: str, parents: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    if "{versionId}" in path:
        return parents.get("versionId", [])
    if "{registeredModelId}" in path:
        return parents.get("registeredModelId", [])
    if "{modelPackageId}" in path:
        return parents.get("modelPackageId", [])
    return [{}]


def _search_term(items: list[dict[str, Any]]) -> str | None:
    for item in items:
        name = item.get("name") or item.get("featureName") or item.get("label")
        if isinstance(name, str):
            word = max(name.split(), key=len, default="")
            if len(word) >= 3 and word.swapcase() != word:
                return word[:6].swapcase()
    return None


def _offset_time(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment - timedelta(minutes=1)).astimezone(timezone(timedelta(hours=5))).isoformat()


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float) and value != "":
        return str(value)
    return None


def list_battery(
    operation: dict[str, Any], path: str, path_params: dict[str, str], items: list[dict[str, Any]]
) -> list[Request]:
    label = f"GET {path}"
    pp = tuple(path_params.items())
    params = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
    out = [
        Request(label, path, pp, (), "no-params"),
        Request(label, path, pp, (("limit", WALK_LIMIT),), "walk", walk=True),
    ]
    if "limit" in params:
        out += [Request(label, path, pp, (("limit", n),), "limit") for n in LIMITS]
        out.append(Request(label, path, pp, (("limit", "not-a-number"),), "error"))
    if "offset" in params:
        out.append(Request(label, path, pp, (("offset", "-1"),), "error"))
    first = items[0] if items else {}
    walk = (("limit", WALK_LIMIT),) if "limit" in params else ()
    for name, spec in params.items():
        if name in LIST_SKIP and name != "search":
            continue
        schema = spec.get("schema", {})
        values: list[str] = []
        if name == "search":
            term = _search_term(items)
            values = [term] if term else []
            values.append("é")
        elif schema.get("enum"):
            values = [str(v) for v in schema["enum"]]
        elif name.endswith("StartTs") or name.endswith("EndTs"):
            base = name.removesuffix("StartTs").removesuffix("EndTs")
            value = _offset_time(first.get(base))
            values = [value] if value else []
        elif name in first and _scalar(first[name]) is not None:
            values = [_scalar(first[name])]  # type: ignore[list-item]
        elif schema.get("type") == "boolean":
            values = ["true", "false"]
        for value in values:
            out.append(Request(label, path, pp, ((name, value), *walk), "filter", walk=bool(walk)))
    if "sortKey" in params:
        for key in params["sortKey"].get("schema", {}).get("enum", []):
            out.append(Request(label, path, pp, (("sortKey", key),), "sort"))
            for direction in params.get("sortDirection", {}).get("schema", {}).get("enum", []):
                out.append(Request(label, path, pp, (("sortKey", key), ("sortDirection", direction)), "sort"))
        out.append(Request(label, path, pp, (("sortKey", "notAKey"),), "error"))
    if "orderBy" in params:
        for key in params["orderBy"].get("schema", {}).get("enum", []):
            out.append(Request(label, path, pp, (("orderBy", key),), "sort"))
    return out


def once_battery(found: Discovery) -> list[Request]:
    out = [
        Request("GET /registeredModels/", "/registeredModels/", (), (("limit", "1"),), "auth", auth="none"),
        Request("GET /registeredModels/", "/registeredModels/", (), (("limit", "1"),), "auth", auth="wrong"),
        Request("GET /registeredModels/", "/registeredModels/", (), (), "path", raw_path="/registeredModels"),
        Request(
            "GET /registeredModels/{registeredModelId}/",
            "/registeredModels/{registeredModelId}/",
            (("registeredModelId", UNKNOWN_ID),),
            (),
            "error",
        ),
        Request(
            "GET /modelPackages/{modelPackageId}/",
            "/modelPackages/{modelPackageId}/",
            (("modelPackageId", UNKNOWN_ID),),
            (),
            "error",
        ),
    ]
    others = [r for r in found.registered_model_ids if found.versions and r != found.versions[0][0]]
    if found.versions and others:
        _, version = found.versions[0]
        path = "/registeredModels/{registeredModelId}/versions/{versionId}/"
        out.append(
            Request(
                f"GET {path}", path, (("registeredModelId", others[0]), ("versionId", version)), (), "error"
            )
        )
    if found.deployment_versions:
        rm, version = found.deployment_versions[0]
        other = next((r for r in found.registered_model_ids if r != rm), None)
        path = "/registeredModels/{registeredModelId}/versions/{versionId}/deployments/"
        if other:
            out.append(
                Request(
                    f"GET {path}", path, (("registeredModelId", other), ("versionId", version)), (), "error"
                )
            )
    return out
