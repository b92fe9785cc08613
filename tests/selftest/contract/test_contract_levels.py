"""The two levels: the overlay applies cleanly, every action cites the client, the client level is a valid
OpenAPI 3.1 document Schemathesis loads, and the page level keeps none of the client's needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonpath_rfc9535
import pytest
import schemathesis
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from mmcontract.contract.levels import client_checks, effective_contract
from mmcontract.contract.overlay import validate_overlay
from mmcontract.errors import SpecError, UsageError
from mmcontract.spec import OVERLAY_PATH, SPEC_PATH, load_spec, shipped_path

REPO = Path(__file__).resolve().parents[3]
CLIENT_SOURCE = ("rest.py", "client.py", "enums.py", "models/", "utils/")
CLIENT_CHECK_IDS = {
    "token-auth",
    "version-endpoint",
    "create-answers-a-package",
    "registered-model-name-creates-a-model",
    "sharing-role-names",
    "boolean-spelling",
    "datetime-without-offset",
    "next-followed-as-given",
}


def operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return document["paths"][path][method]


def response(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    node = operation(document, path, method)["responses"][status]
    if "$ref" in node:
        node = document["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
    return node


def parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    return next(p for p in operation(document, path, "get")["parameters"] if p["name"] == name)


# ------------------------------------------------------------------------------------------------ the overlay
def test_the_overlay_ships_like_the_contract():
    assert OVERLAY_PATH.name == "datarobot-client.yaml" and OVERLAY_PATH.parent.name == "data"
    repo_copy = REPO / "openapi" / "overlays" / "datarobot-client.yaml"
    if repo_copy.exists():
        assert shipped_path(OVERLAY_PATH).read_bytes() == repo_copy.read_bytes()


def test_the_overlay_is_an_overlay_1_0_document_on_the_contract(overlay):
    assert overlay["overlay"] == "1.0.0"
    assert overlay["info"]["title"] and overlay["info"]["version"]
    assert (OVERLAY_PATH.parent / overlay["extends"]).name == SPEC_PATH.name
    assert validate_overlay(overlay)


def test_every_action_cites_the_client_and_says_what_breaks(overlay):
    for index, action in enumerate(overlay["actions"], 1):
        evidence, breaks = action.get("x-evidence"), action.get("x-breaks")
        assert isinstance(evidence, str) and isinstance(breaks, str), index
        if evidence.startswith("see the previous action"):
            assert index > 1 and breaks.startswith("see the previous action"), index
            continue
        assert "datarobot 3.20.x" in evidence and any(m in evidence for m in CLIENT_SOURCE), index
        assert len(breaks) > 20, index


def test_every_action_target_matches_in_order(page, overlay):
    # Applied one by one, each target selects something in the document as the actions before it left it.
    document = page
    for index, action in enumerate(overlay["actions"], 1):
        assert jsonpath_rfc9535.find(action["target"], document), f"action {index}: {action['target']}"
        document = effective_contract("client", document, {**overlay, "actions": [action]})


def test_the_client_checks_are_listed_with_evidence(overlay):
    checks = client_checks(overlay)
    assert {check["id"] for check in checks} == CLIENT_CHECK_IDS
    for check in checks:
        assert set(check) == {"id", "need", "evidence", "breaks"}, check["id"]
        assert "datarobot 3.20.x" in check["evidence"], check["id"]


def test_the_effective_contract_drops_nothing_but_applies_the_overlay(page, client):
    assert "x-client-checks" not in client
    assert set(page["paths"]) == set(client["paths"])
    assert set(page["components"]["schemas"]) | {"ErrorResponse", "ClientRegisteredModelVersion"} == set(
        client["components"]["schemas"]
    )


# ------------------------------------------------------------------------------------------- the client level
def test_the_client_level_is_a_valid_openapi_3_1_document(client):
    validate(client)


def test_schemathesis_loads_every_client_level_operation(client):
    schema = schemathesis.openapi.from_dict(client)
    results = list(schema.get_all_operations())
    assert len(results) == 19
    assert all(result.ok() for result in results)


def test_load_spec_gives_fresh_copies_of_each_level():
    first = load_spec("client")
    first["paths"].clear()
    assert load_spec("client")["paths"]
    assert load_spec("page") != load_spec("client")


def test_an_unknown_level_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown contract level 'vendor'"):
        load_spec("vendor")  # type: ignore[arg-type]


def test_a_broken_overlay_fails_with_one_line(tmp_path):
    bad = tmp_path / "overlay.yaml"
    bad.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n- target: $.nowhere\n  remove: true\n"
    )
    with pytest.raises(
        SpecError, match=r"overlay action 1 \(target \$\.nowhere\): the target matches nothing"
    ):
        load_spec("client", overlay_path=bad)
    bad.write_text("openapi: 3.1.0\npaths: {}\n")
    with pytest.raises(SpecError, match="is not an OpenAPI Overlay"):
        load_spec("client", overlay_path=bad)


# The client's needs: present at the client level, absent from the page level (node -> what the client needs).
def test_create_and_update_answers_are_read_as_resources_only_at_the_client_level(page, client):
    cases = [
        ("/modelPackages/fromLeaderboard/", "post", "202", "ClientRegisteredModelVersion"),
        ("/registeredModels/{registeredModelId}/", "patch", "200", "RegisteredModelResponse"),
    ]
    for path, method, status, schema in cases:
        assert "content" not in response(page, path, method, status)
        assert response(client, path, method, status)["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{schema}"
        }
    # The client does not call the deprecated route: no level requires its body.
    assert "content" not in response(client, "/modelPackages/fromLearningModel/", "post", "201")


def test_error_bodies_are_json_only_at_the_client_level(page, client):
    cases = [
        ("/modelPackages/", "get", "400"),
        ("/modelPackages/", "get", "404"),
        ("/modelPackages/fromLeaderboard/", "post", "422"),
        ("/registeredModels/{registeredModelId}/", "get", "404"),
        ("/registeredModels/{registeredModelId}/", "patch", "422"),
        ("/registeredModels/{registeredModelId}/sharedRoles/", "patch", "409"),
        ("/registeredModels/{registeredModelId}/versions/", "get", "422"),  # a component response
    ]
    for path, method, status in cases:
        assert "content" not in response(page, path, method, status), (path, status)
        schema = response(client, path, method, status)["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
    # The client reads no body on 401 (a fixed message): left open at both levels.
    assert "content" not in response(client, "/registeredModels/", "get", "401")
    assert "ErrorResponse" not in page["components"]["schemas"]


def test_the_error_body_schema(client):
    validator = Draft202012Validator(client["components"]["schemas"]["ErrorResponse"])
    assert validator.is_valid({"message": "Not found"})
    assert validator.is_valid(
        {"message": {"name": "too long"}, "errors": {"name": "x"}, "errorName": "E", "x": 1}
    )
    assert not validator.is_valid({"detail": "Not found"})
    assert not validator.is_valid({"message": 3})


def test_sharing_roles_the_page_names_and_the_client_adds(page, client):
    assert "enum" not in page["components"]["schemas"]["AccessControlV2"]["properties"]["role"]
    assert client["components"]["schemas"]["AccessControlV2"]["properties"]["role"]["enum"] == [
        "OWNER", "READ_WRITE", "USER", "EDITOR", "READ_ONLY", "CONSUMER", "NO_ROLE",
    ]  # fmt: skip
    for name in ("GrantAccessControlWithId", "GrantAccessControlWithUsername"):
        page_role = page["components"]["schemas"][name]["properties"]["role"]
        client_role = client["components"]["schemas"][name]["properties"]["role"]
        assert page_role["enum"] == ["OWNER", "USER", "OBSERVER"]
        assert page_role["x-mm-lenient-values"] == [
            "NO_ROLE",
            "CONSUMER",
            "EDITOR",
            "READ_ONLY",
            "READ_WRITE",
        ]
        assert client_role["enum"] == ["OWNER", "USER", "OBSERVER", *page_role["x-mm-lenient-values"]]
        assert "x-mm-lenient-values" not in client_role


def test_what_the_client_sends_is_lenient_at_the_page_level_and_required_at_the_client_level(page, client):
    rms, versions = "/registeredModels/", "/registeredModels/{registeredModelId}/versions/"
    for path, name in [(rms, "imported"), (rms, "forChallenger"), (versions, "imported")]:
        assert parameter(page, path, name)["x-mm-lenient-values"] == ["True", "False"]
        client_param = parameter(client, path, name)
        assert client_param["schema"]["enum"] == [True, False, "True", "False"]
        assert "x-mm-lenient-values" not in client_param and "type" not in client_param["schema"]
    # isGlobal is not sent by the client: lenient at both levels.
    assert parameter(client, rms, "isGlobal")["x-mm-lenient-values"] == ["True", "False"]
    naive = "2024-02-01T00:00:00"
    page_param, client_param = (
        parameter(page, rms, "createdAtStartTs"),
        parameter(client, rms, "createdAtStartTs"),
    )
    assert page_param["x-mm-lenient-values"] == [naive]
    checker = Draft202012Validator.FORMAT_CHECKER
    assert not Draft202012Validator(page_param["schema"], format_checker=checker).is_valid(naive)
    assert Draft202012Validator(client_param["schema"], format_checker=checker).is_valid(naive)
    assert Draft202012Validator(client_param["schema"], format_checker=checker).is_valid(
        "2024-02-01T00:00:00Z"
    )
    assert not Draft202012Validator(client_param["schema"], format_checker=checker).is_valid("yesterday")
    assert "modifiedAt" not in parameter(page, versions, "sortKey")["schema"]["enum"]
    assert "modifiedAt" in parameter(client, versions, "sortKey")["schema"]["enum"]


def test_the_page_level_keeps_no_client_only_requirement(page):
    schemas = page["components"]["schemas"]
    assert "registeredModelId" not in schemas["ModelPackageRetrieveResponse"]["properties"]
    assert "minLength" not in schemas["RegisteredModelUpdate"]["properties"]["name"]
    assert "x-mm-lenient-values" not in schemas["RegisteredModelUpdate"]["properties"]["name"]
    assert "description" not in schemas["RegisteredModelResponse"]["required"]
    assert "enum" not in schemas["ModelPackageTimeseries"]["properties"]["forecastDistancesTimeUnit"]
    assert "enum" not in schemas["ModelPackageModelLogsEntry"]["properties"]["level"]
    assert "registeredModelName" not in schemas["ModelPackageCreateFromLeaderboard"]["properties"]


def test_every_client_level_example_validates_against_its_schema(client):
    from test_spec_examples import collect_examples, example_errors

    examples = collect_examples(client)
    assert len(examples) > 30
    problems = {
        pointer: errors
        for pointer, schema, value in examples
        if (errors := example_errors(client, schema, value))
    }
    assert problems == {}
