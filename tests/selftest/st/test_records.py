"""Schema failures name the contract's schema and field (`ModelPackageRetrieveResponse.activeDeploymentCount`),
never Schemathesis's bundle (`x-bundled/schema000002/...`): in the record (mmcontract.st.records), and end to
end in the terminal line, every report and the baseline entry of a restricted `mmcontract run`."""

from __future__ import annotations

import datetime
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from mmcontract.reference.app import create_app
from mmcontract.report.baseline import update_baseline
from mmcontract.runner import RunOptions, run
from mmcontract.spec import SPEC_PATH
from mmcontract.st.records import failure_record, unbundle_text

TOKEN = "selftest-token"
MP_LIST = "GET /modelPackages/"
MP_GET = "GET /modelPackages/{modelPackageId}/"
RM_GET = "GET /registeredModels/{registeredModelId}/"
BUNDLE_MARKS = ("x-bundled", "schema0000")


@pytest.fixture(scope="module")
def contract() -> Any:
    return schemathesis.openapi.from_path(str(SPEC_PATH))


@pytest.fixture(scope="module")
def model_packages() -> dict[str, Any]:
    """A real list of model packages, as the reference server answers it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        client = TestClient(create_app(token=TOKEN), base_url="http://testserver/api/v2/")
    with client:
        answer = client.get("modelPackages/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    return answer.json()


def _records(contract: Any, label: str, body: Any) -> list[dict[str, Any]]:
    """The ST108 records Schemathesis's own validation of `body` (a 200 answer to `label`) gives."""
    method, path = label.split(" ", 1)
    operation = contract[path][method]
    params = {name: "65a000000000000000000006" for name in ("modelPackageId",) if f"{{{name}}}" in path}
    case = operation.Case(path_parameters=params)
    url = "http://testserver/api/v2" + path.format(**params)
    raw = requests.Response()
    raw.status_code = 200
    raw._content = json.dumps(body).encode()
    raw.headers = requests.structures.CaseInsensitiveDict({"Content-Type": "application/json"})
    raw.request = requests.Request(method, url).prepare()
    raw.url = url
    raw.elapsed = datetime.timedelta(milliseconds=5)
    with pytest.raises(FailureGroup) as caught:
        case.validate_response(
            Response.from_requests(raw, verify=True), checks=[schemathesis.checks.response_schema_conformance]
        )
    return [failure_record(f, label) for f in caught.value.exceptions if f.code == "ST108"]


def _no_bundle(record: dict[str, Any]) -> None:
    for key in ("message", "expected", "actual", "title"):
        text = str(record.get(key) or "")
        assert not any(mark in text for mark in BUNDLE_MARKS), (key, text)


def test_a_missing_required_property_is_named_by_schema_and_field(
    contract: Any, model_packages: dict
) -> None:
    package = dict(model_packages["data"][0])
    del package["activeDeploymentCount"]
    records = _records(contract, MP_GET, package)
    assert records
    (record,) = records
    first = record["message"].splitlines()[0]
    assert "ModelPackageRetrieveResponse.activeDeploymentCount" in first
    assert record["expected"].startswith("ModelPackageRetrieveResponse.activeDeploymentCount: required")
    assert "#/components/schemas/ModelPackageRetrieveResponse" in record["expected"]
    _no_bundle(record)


def test_a_wrong_type_inside_a_list_names_the_item_schema(contract: Any, model_packages: dict) -> None:
    page = json.loads(json.dumps(model_packages))
    page["data"][0]["activeDeploymentCount"] = "3"
    records = _records(contract, MP_LIST, page)
    assert records
    (record,) = records
    assert "ModelPackageRetrieveResponse.activeDeploymentCount" in record["message"].splitlines()[0]
    assert record["expected"].startswith('ModelPackageRetrieveResponse.activeDeploymentCount: type "integer"')
    assert record["actual"] == "data/0/activeDeploymentCount = '3'"
    _no_bundle(record)


def test_a_bundled_pointer_in_any_text_becomes_the_contract_pointer() -> None:
    names = {
        "schema000001": "file:///x/model_management.yaml#/components/schemas/SharedRolesUpdate",
        "schema000002": "file:///x/model_management.yaml#/components/schemas/GrantAccessControlWithId",
    }
    text = "violates `enum` at /properties/roles/items/$ref/schema000002/properties/role (was 'USER')"
    assert unbundle_text(text, names) == (
        "violates `enum` at /properties/roles/items/$ref/components/schemas/GrantAccessControlWithId"
        "/properties/role (was 'USER')"
    )
    assert unbundle_text("see #/x-bundled/schema000001/required", names) == (
        "see #/components/schemas/SharedRolesUpdate/required"
    )
    assert "x-bundled" not in (unbundle_text("at x-bundled/schema000009/type", names) or "")


@pytest.mark.parametrize(
    ("fault", "operation", "named"),
    [
        ("schema-missing-required", RM_GET, "RegisteredModelResponse.createdBy"),
        ("schema-wrong-type", MP_GET, "ModelPackageRetrieveResponse.activeDeploymentCount"),
    ],
)
def test_the_terminal_reports_and_baseline_name_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: str, operation: str, named: str
) -> None:
    reports, baseline = tmp_path / "reports", tmp_path / "baseline.yaml"
    options = RunOptions(
        profile="quick",
        seed=20261127,
        fault=fault,
        checks=("ST108",),
        operations=(operation,),
        report_dir=str(reports),
    )
    result = run(options)
    update_baseline(result, baseline)  # what --baseline-update writes
    terminal = [line for line in capsys.readouterr().out.splitlines() if "ST108" in line]
    assert terminal and all(named in line for line in terminal), terminal
    written = [baseline, *sorted(reports.iterdir())]
    names = {path.name for path in written}
    assert names >= {"baseline.yaml", "summary.json", "summary.md", "junit.xml", "report.html"}, names
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert named in text, path.name
        assert not any(mark in text for mark in BUNDLE_MARKS), path.name
    assert not any(mark in line for line in terminal for mark in BUNDLE_MARKS)
