"""Operations, parameters, responses, schema names and links: the names everybody else codes against."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemathesis
from spec_helpers import iter_operations, resolve

from mmcontract.spec import SPEC_PATH, load_spec

ARCHITECTURE = Path(__file__).resolve().parents[3] / "ARCHITECTURE.md"
ROW = re.compile(r"^\|\s*(\w+)(\s*\(deprecated\))?\s*\|\s*(GET|POST|PATCH|DELETE|PUT)\s+(/\S+)\s*\|", re.M)

# The page's schema names (its references; the scrape lost the headings); nothing else at the page level.
PAGE_SCHEMAS = {
    "AccessControlV2",
    "CustomModelDetails",
    "DeploymentPredictionEnvironmentResponse",
    "Feature",
    "FeatureListResponse",
    "GrantAccessControlWithId",
    "GrantAccessControlWithUsername",
    "MlpkgFileContents",
    "ModelPackageCapabilities",
    "ModelPackageCapabilitiesRetrieveResponse",
    "ModelPackageCapability",
    "ModelPackageCreateFromLeaderboard",
    "ModelPackageCreateFromLearningModel",
    "ModelPackageDatasets",
    "ModelPackageImportMeta",
    "ModelPackageListResponse",
    "ModelPackageModelDescription",
    "ModelPackageModelKind",
    "ModelPackageModelLogsEntry",
    "ModelPackageModelLogsListResponse",
    "ModelPackageRetrieveResponse",
    "ModelPackageScoringCodeMeta",
    "ModelPackageSourceMeta",
    "ModelPackageTarget",
    "ModelPackageTimeseries",
    "RegisteredModelCreatedBy",
    "RegisteredModelDeploymentResponse",
    "RegisteredModelDeploymentsListResponse",
    "RegisteredModelListResponse",
    "RegisteredModelResponse",
    "RegisteredModelTarget",
    "RegisteredModelUpdate",
    "RegisteredModelVersionsListResponse",
    "SharedRolesUpdate",
    "SharingListV2Response",
    "UseCaseDetails",
    "UserMetadata",
}


def architecture_table() -> dict[str, tuple[str, str, bool]]:
    """operationId -> (method, path, deprecated), read from ARCHITECTURE.md's fixed table."""
    rows = {m[1]: (m[3].lower(), m[4], bool(m[2])) for m in ROW.finditer(ARCHITECTURE.read_text())}
    assert len(rows) == 19, f"ARCHITECTURE.md's operation table changed shape: {sorted(rows)}"
    return rows


@pytest.mark.skipif(not ARCHITECTURE.exists(), reason="ARCHITECTURE.md not in this tree")
def test_operation_ids_paths_and_deprecation_match_architecture(spec):
    actual = {
        op["operationId"]: (method, path, op.get("deprecated", False))
        for path, method, op in iter_operations(spec)
    }
    assert actual == architecture_table()


def test_every_operation_has_tags_summary_description_and_a_401(spec):
    tags = {tag["name"] for tag in spec["tags"]}
    assert tags == {"Model Packages", "Registered Models"}
    for path, method, op in iter_operations(spec):
        label = f"{method.upper()} {path}"
        assert op["tags"] and set(op["tags"]) <= tags, label
        assert op["summary"].strip() and op["description"].strip(), label
        assert op["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}, label
        assert "content" not in resolve(spec, op["responses"]["401"]), label  # any body at the page level


def test_every_path_keeps_its_trailing_slash_and_declares_its_path_parameters(spec):
    for path, method, op in iter_operations(spec):
        assert path.startswith("/") and path.endswith("/") and not path.startswith("/api/v2"), path
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"
        assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")


def test_every_id_in_a_path_can_be_answered_404(spec):
    for path, method, op in iter_operations(spec):
        if "{" in path:
            assert "404" in op["responses"], f"{method.upper()} {path}"


def test_error_answers_accept_any_body_and_every_body_is_json(spec):
    # The page gives every error answer schema None: no content, so any body (or none) in any media type.
    # The JSON error body the official client reads is client level (tests/selftest/contract).
    for path, method, op in iter_operations(spec):
        for status, response in op["responses"].items():
            response = resolve(spec, response)
            content = response.get("content", {})
            assert set(content) <= {"application/json"}, f"{method} {path} {status}"
            if status.startswith(("4", "5")) or status == "204":
                assert not content, f"{method} {path} {status}"


def test_schemas_use_the_page_names(spec):
    assert set(spec["components"]["schemas"]) == PAGE_SCHEMAS


def test_every_reference_resolves(spec):
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(spec, node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)


def test_response_objects_stay_open_to_additional_properties(spec):
    for name, schema in spec["components"]["schemas"].items():
        assert schema.get("additionalProperties", True) is not False, name


# -------------------------------------------------------------------------------------------------- links
REQUIRED_LINKS = {
    ("listRegisteredModels", "200", "getRegisteredModel"),
    ("listModelPackages", "200", "getModelPackage"),
    ("createModelPackageFromLeaderboard", "202", "getModelPackage"),
    ("getRegisteredModel", "200", "updateRegisteredModel"),
    ("updateRegisteredModel", "200", "getRegisteredModel"),
    ("deleteRegisteredModel", "204", "getRegisteredModel"),
    ("updateRegisteredModelSharedRoles", "204", "listRegisteredModelSharedRoles"),
    ("listRegisteredModelVersions", "200", "getRegisteredModelVersion"),
}


def _links(spec):
    for _, _, op in iter_operations(spec):
        for status, response in op["responses"].items():
            for name, link in resolve(spec, response).get("links", {}).items():
                yield op["operationId"], status, name, link


def test_the_workflow_links_exist(spec):
    present = {(source, status, link["operationId"]) for source, status, _, link in _links(spec)}
    assert present >= REQUIRED_LINKS


def test_every_link_targets_a_real_operation_and_parameter(spec):
    operations = {op["operationId"]: op for _, _, op in iter_operations(spec)}
    for source, status, name, link in _links(spec):
        target = operations[link["operationId"]]
        names = {p["name"] for p in target.get("parameters", [])}
        assert set(link["parameters"]) <= names, f"{source} {status} {name}"
        path_names = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert path_names <= set(link["parameters"]), (
            f"{source} {status} {name} leaves a path parameter unset"
        )
        for expression in link["parameters"].values():
            assert re.fullmatch(r"\$(response\.body#/[\w/]+|request\.path\.\w+)", expression), expression


def test_schemathesis_builds_a_state_machine_from_the_links():
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    assert len(list(schema.get_all_operations())) == 19
    machine = schema.as_state_machine()
    assert machine.bundles  # one bundle per link source: the links were understood
    # Schemathesis 4.32 starts scenarios from "reliable" roots only when there are any, and counts a POST with
    # outgoing links as one: a link on archive's 204 made archive-with-random-ids the only entry point. The
    # lists must be among the entry points, or no scenario ever reaches a real id.
    roots = getattr(machine, "_root_labels", None)
    if roots is None:
        pytest.skip("this Schemathesis version does not expose its stateful entry points")
    assert {"GET /registeredModels/", "GET /modelPackages/"} <= roots


def test_a_link_on_archive_would_starve_the_stateful_run(spec):
    # The failure the test above guards against, shown on a copy of the contract.
    broken = load_spec()
    archive = broken["paths"]["/modelPackages/{modelPackageId}/archive/"]["post"]
    archive["responses"]["204"]["links"] = {
        "Get": {
            "operationId": "getModelPackage",
            "parameters": {"modelPackageId": "$request.path.modelPackageId"},
        }
    }
    roots = getattr(schemathesis.openapi.from_dict(broken).as_state_machine(), "_root_labels", None)
    if roots is None:
        pytest.skip("this Schemathesis version does not expose its stateful entry points")
    assert "GET /registeredModels/" not in roots
