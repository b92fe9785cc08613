"""Every diff rule fires on its pair of small specs; unchanged specs (the real contract too) give nothing."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest
from specdiff_cases import BASE, CASES, DEL, I, U, edit, pair

from mmcontract.specdiff import RULES, diff_documents, diff_files

CONTRACT = Path(__file__).resolve().parents[3] / "openapi" / "model_management.yaml"


def test_every_rule_has_a_case_and_the_catalogue_is_broad() -> None:
    assert sorted(rule for rule, _ in CASES) == sorted(RULES)
    levels = Counter(r.level for r in RULES.values())
    assert len(RULES) >= 25 and all(levels[level] >= 5 for level in ("ERR", "WARN", "INFO")), levels


@pytest.mark.parametrize(("rule", "edits"), CASES, ids=[rule for rule, _ in CASES])
def test_rule_fires_on_its_pair(rule: str, edits: list) -> None:
    old, new = pair(edits)
    findings = diff_documents(old, new)
    fired = [f for f in findings if f.id == rule]
    assert fired, f"{rule} did not fire; got {[(f.id, f.text) for f in findings]}"
    assert all(f.level == RULES[rule].level for f in fired)
    assert all(f.operation and f.message for f in fired)


def test_base_against_itself_gives_nothing() -> None:
    assert diff_documents(BASE, copy.deepcopy(BASE)) == []


def test_the_real_contract_against_itself_gives_nothing() -> None:
    assert diff_files(CONTRACT, CONTRACT) == []


def test_findings_name_operation_and_location() -> None:
    old, new = pair([("new", ("paths", "/items/", "get", "parameters", 1, "schema", "maxLength"), 20)])
    (finding,) = diff_documents(old, new)
    assert finding.operation == "GET /items/"
    assert finding.location == "query parameter 'search'"
    assert finding.message == "maxLength changed from 50 to 20"


def test_refs_are_followed_into_every_operation_that_uses_them() -> None:
    """Item is reached from GET /items/ (ItemList.data[]) and from GET/PATCH/PUT /items/{itemId}/."""
    old, new = pair([("new", I("stage", "enum", 2), "Archived")])
    fired = {(f.operation, f.location) for f in diff_documents(old, new)}
    assert ("GET /items/", "response 200 property 'data/items/stage'") in fired
    assert ("GET /items/{itemId}/", "response 200 property 'stage'") in fired
    assert ("PATCH /items/{itemId}/", "response 200 property 'stage'") in fired


def test_recursive_schemas_terminate_and_nested_properties_are_walked() -> None:
    old, new = pair([("new", ("components", "schemas", "Tag", "properties", "name", "type"), "integer")])
    fired = {(f.id, f.location) for f in diff_documents(old, new)}
    assert ("response-property-type-changed", "response 200 property 'tags/items/name'") in fired


def test_read_only_request_and_write_only_response_properties_are_ignored() -> None:
    old, new = pair([("new", U("id"), DEL), ("new", I("secret"), DEL)])
    assert diff_documents(old, new) == []


def test_renaming_a_path_parameter_is_not_a_removal() -> None:
    old = copy.deepcopy(BASE)
    new = copy.deepcopy(BASE)
    item = new["paths"].pop("/items/{itemId}/")
    item["parameters"][0]["name"] = "id"
    new["paths"]["/items/{id}/"] = item
    assert diff_documents(old, new) == []


def test_openapi_30_nullable_is_understood() -> None:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    edit(old, U("code", "nullable"), True)
    edit(new, U("code", "nullable"), False)
    assert [f.id for f in diff_documents(old, new)] == ["request-property-became-not-nullable"]


def test_a_realistic_upgrade_of_the_contract(tmp_path: Path) -> None:
    """The shipped contract with two changes a careless upgrade might make."""
    import yaml

    document = yaml.safe_load(CONTRACT.read_text())
    new = copy.deepcopy(document)
    params = new["paths"]["/modelPackages/"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    limit["required"] = True
    del new["paths"]["/registeredModels/{registeredModelId}/"]["delete"]
    findings = diff_documents(document, new)
    ids = {(f.id, f.operation) for f in findings}
    assert ("request-parameter-became-required", "GET /modelPackages/") in ids
    assert ("api-removed-without-deprecation", "DELETE /registeredModels/{registeredModelId}/") in ids
    assert all(f.level == "ERR" for f in findings)
