"""Full pages (mmcontract.st.full_pages) catch item defects at the quick profile: a wrapped reference server whose
sharedRoles items say shareRecipientType "USER" (generated cases used to land on empty sharing pages), and one
whose modelLogs ignore `limit` (a page of 130 entries, over the documented maxItems 100). The catalogue's own
faults for these defects, where this tree has them, are caught by `mmcontract run --profile quick`. Plus the plan itself: the resource with the most items, the documented maxItems, the server's
ceiling, the same cases for the same seed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asgi_layers import matching, rewrite_json

from mmcontract.reference.faults import BY_NAME
from mmcontract.runner import RunOptions, run
from mmcontract.spec import load_spec
from mmcontract.st import full_pages
from mmcontract.target import paging
from mmcontract.target.discovery import Discovery
from mmcontract.target.embedded import start_embedded

pytestmark = pytest.mark.socket

RM_ROLES = "GET /registeredModels/{registeredModelId}/sharedRoles/"
LOGS = "GET /modelPackages/{modelPackageId}/modelLogs/"
SEED = 11


def _upper_recipient(body: Any, scope: dict[str, Any]) -> Any:
    for entry in body.get("data", []) if isinstance(body, dict) else []:
        if isinstance(entry, dict) and entry.get("shareRecipientType") == "user":
            entry["shareRecipientType"] = "USER"
    return body


def _every_log(body: Any, scope: dict[str, Any]) -> Any:
    """A server that ignores `limit`: every entry from the offset on (padded from the page it was given)."""
    data = body.get("data") if isinstance(body, dict) else None
    total = body.get("totalCount") if isinstance(body, dict) else None
    if isinstance(data, list) and data and isinstance(total, int) and total > len(data):
        body["data"] = (data * (total // len(data) + 1))[:total]
    return body


def _both(app: Any) -> Any:
    """sharedRoles items with shareRecipientType "USER", and modelLogs that ignore `limit` (130 > maxItems 100)."""
    roles = rewrite_json(_upper_recipient, matching(r"/registeredModels/[^/]+/sharedRoles/$"))
    return roles(rewrite_json(_every_log, matching(r"/modelLogs/$"))(app))


# the reference catalogue's own faults for the same defects (issue 9 item 4), where this tree has them
FAULTS = {
    name: op
    for name, op in (("item-shared-roles-bad-enum", RM_ROLES), ("item-model-logs-over-max", LOGS))
    if name in BY_NAME
}


ROOT = Path(__file__).resolve().parents[3]


def _full_pages_only(layer: Any, operations: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """The added cases alone (tests/contract/test_schemathesis_full_pages.py) against a wrapped server, quick."""
    server = start_embedded(wrap=layer)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
        env["DATAROBOT_API_TOKEN"] = server.token
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "tests/contract/test_schemathesis_full_pages.py"),
        ]
        command += ["--endpoint", server.base_url, "--profile", "quick", "--seed", str(SEED), "-q"]
        command += ["-p", "no:randomly", "-p", "no:cacheprovider", "-o", "addopts=", "-rN"]
        command += [f"--mm-operation={operation}" for operation in operations]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    finally:
        server.stop()


def test_full_pages_catch_item_defects_at_quick() -> None:
    """Each defect is caught by a full page (offset 0, the documented maxItems as limit) of its list; the clean
    server passes the same cases in every quick run (tests/selftest/faults: the clean run)."""
    proc = _full_pages_only(_both, (RM_ROLES, LOGS))
    assert proc.returncode == 1, proc.stdout[-3000:]
    # the two full pages, and the walk of every registered model's sharing (test_sharing_lists)
    assert "3 failed" in proc.stdout, proc.stdout[-3000:]
    assert "test_sharing_lists[GET /registeredModels/{registeredModelId}/sharedRoles/]" in proc.stdout
    for route, limit in (("registeredModels/[0-9a-f]+/sharedRoles", 1000), ("modelLogs", 100)):
        assert re.search(rf"ST108.*\n(.*\n)*?.*curl .*/{route}/\?offset=0&limit={limit}'", proc.stdout), route
    assert "shareRecipientType" in proc.stdout or "USER" in proc.stdout
    assert "has more than 100 items" in proc.stdout


@pytest.mark.parametrize("fault", list(FAULTS))
def test_full_page_catches_catalogue_faults_at_quick(fault: str, tmp_path: Path) -> None:
    operation = FAULTS[fault]
    options = RunOptions(
        fault=fault,
        profile="quick",
        seed=SEED,
        operations=(operation,),
        checks=("ST108",),
        report_dir=str(tmp_path),
        quiet=True,
    )
    result = run(options)
    assert any(f.check == "ST108" and f.operation == operation for f in result.failures), result.failures


def _discovered() -> Discovery:
    found = Discovery()
    found.list_sizes = {
        LOGS: {("a",): 3, ("b",): 130, ("c",): 0},
        RM_ROLES: {("x",): 4, ("y",): 4, ("z",): 2},
    }
    return found


def test_plan_takes_the_fullest_resource_and_the_documented_max_items() -> None:
    spec = load_spec()
    logs = full_pages.plan(LOGS, _discovered(), spec, SEED)
    assert logs is not None and logs.path_parameters == {"modelPackageId": "b"} and logs.limit == 100
    roles = full_pages.plan(RM_ROLES, _discovered(), spec, SEED)
    assert (
        roles is not None and roles.path_parameters["registeredModelId"] in ("x", "y") and roles.limit == 1000
    )
    assert (
        full_pages.plan("GET /registeredModels/{registeredModelId}/versions/", _discovered(), spec, SEED)
        is None
    )


def test_plan_is_seeded_and_stays_under_the_servers_ceiling() -> None:
    spec = load_spec()
    items = [{"id": f"u{n}", "name": f"user{n}", "shareRecipientType": "user"} for n in range(6)]

    def drawn(seed: int) -> list[Any]:
        found = full_pages.plan(RM_ROLES, _discovered(), spec, seed)
        assert found is not None
        return [found.path_parameters, *full_pages.queries(found, spec, items)]

    assert drawn(SEED) == drawn(SEED)
    assert len({repr(drawn(seed)) for seed in range(12)}) > 1  # another seed, other draws
    _, filtered = drawn(SEED)[-1]
    assert any(
        filtered.get(k) in {v for item in items for v in item.values()}
        for k in ("id", "name", "shareRecipientType")
    )
    paging.learn_ceiling("http://example.invalid/api/v2/", "registeredModels/y/sharedRoles/", 50)
    paging.learn_ceiling("http://example.invalid/api/v2/", "registeredModels/x/sharedRoles/", 50)
    try:
        found = full_pages.plan(RM_ROLES, _discovered(), spec, SEED)
        assert found is not None and found.limit == 50
    finally:
        paging._ceilings.clear()


def _package(n: int, status: str, kind: str, location: str | None, tags: list[str]) -> dict[str, Any]:
    return {
        "id": f"p{n}",
        "name": f"package {n}",  # one value per item: not an enum, never a reason to retrieve
        "buildStatus": status,
        "isArchived": n % 2 == 0,
        "target": {"type": kind, "name": f"t{n}"},
        "modelDescription": {"location": location},
        "tags": tags,
    }


def test_diverse_retrieves_cover_every_listed_value() -> None:
    """The packages retrieved by id show every enum value, null and non-null, boolean and empty list the listed
    items showed, with fewer retrieves than items."""
    items = [_package(n, "complete", "Binary", None, ["a"]) for n in range(20)]
    items += [
        _package(20, "failed", "Binary", None, ["a"]),
        _package(21, "complete", "Multilabel", None, ["a"]),
        _package(22, "inProgress", "Regression", "s3://x", []),
    ]
    chosen = full_pages.diverse(items)
    assert len(chosen) < len(items) and len(chosen) <= full_pages.MAX_DIVERSE
    assert {p["buildStatus"] for p in chosen} == {"complete", "failed", "inProgress"}
    assert {p["target"]["type"] for p in chosen} == {"Binary", "Multilabel", "Regression"}
    assert {p["isArchived"] for p in chosen} == {True, False}
    assert {p["modelDescription"]["location"] is None for p in chosen} == {True, False}
    assert {bool(p["tags"]) for p in chosen} == {True, False}
    assert full_pages.diverse(items) == chosen  # the same picks every run
    assert len(full_pages.diverse(items, bound=2)) == 2
    assert full_pages.diverse([]) == []


def test_versions_with_deployments_are_bounded() -> None:
    found = Discovery()
    found.deployment_versions = [("r1", "v1")]
    versions = [("r1", {"id": "v1", "activeDeploymentCount": 2})]
    versions += [(f"r{n}", {"id": f"v{n}", "activeDeploymentCount": n % 2}) for n in range(2, 60)]
    picked = full_pages.with_deployments(versions, found)
    assert picked[0] == ("r1", "v1") and len(picked) == full_pages.MAX_DEPLOYMENT_LISTS
    assert all(int(v[1:]) % 2 == 1 for _, v in picked)
