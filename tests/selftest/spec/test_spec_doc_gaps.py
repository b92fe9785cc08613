"""Every judgement call is recorded in the fixed `x-doc-gap` format, and every suite marker is justified."""

from __future__ import annotations

from collections import Counter

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from spec_helpers import iter_operations, resolve

from mmcontract.spec import DOC_GAP_ASPECTS, doc_gap_problems, iter_doc_gaps

GOOD = {"aspect": "enum", "page": "lost", "spec": "enum [A]", "why": "because", "evidence": "client enums.py"}


def test_every_doc_gap_record_is_well_formed(spec):
    assert doc_gap_problems(spec) == []


def test_the_contract_records_its_judgement_calls(spec):
    aspects = Counter(entry["aspect"] for _, records in iter_doc_gaps(spec) for entry in records)
    # The decisions the page level makes: added (401, auth), lost enums left open, lenient required
    # offset/limit, bounds on offset/limit, schema-less answers left open and lenient values (other).
    for aspect in ("added", "enum", "required", "bounds", "other"):
        assert aspects[aspect] > 0, aspect
    assert set(aspects) <= DOC_GAP_ASPECTS


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ({"x-doc-gap": [{**GOOD, "aspect": "vibes"}]}, "aspect 'vibes' is not one of"),
        ({"x-doc-gap": [{k: v for k, v in GOOD.items() if k != "evidence"}]}, "missing evidence"),
        ({"x-doc-gap": [{**GOOD, "why": "  "}]}, "why must be non-empty text"),
        ({"x-doc-gap": [{**GOOD, "reason": "x"}]}, "unknown field(s) reason"),
        ({"x-doc-gap": GOOD}, "must be a non-empty list"),
        ({"x-doc-gap": []}, "must be a non-empty list"),
        ({"x-doc-gap": ["enum"]}, "a record must be a mapping"),
        (
            {"paths": {"/a/": {"get": {"x-doc-gap": [{"aspect": "added"}]}}}},
            "/paths/~1a~1/get x-doc-gap[0]: missing",
        ),
    ],
)
def test_the_record_validator_rejects_malformed_records(broken, expected):
    problems = doc_gap_problems(broken)
    assert any(expected in problem for problem in problems), problems


def test_the_record_validator_accepts_a_good_record():
    assert doc_gap_problems({"components": {"schemas": {"A": {"x-doc-gap": [GOOD]}}}}) == []


def test_iter_doc_gaps_names_the_node_that_carries_each_record():
    document = {"paths": {"/a/{id}/": {"get": {"parameters": [{"name": "id", "x-doc-gap": [GOOD]}]}}}}
    assert list(iter_doc_gaps(document)) == [("/paths/~1a~1{id}~1/get/parameters/0", [GOOD])]


# ------------------------------------------------------------------------------------------ suite markers
def _nodes_with(spec, key):
    def walk(node, pointer):
        if isinstance(node, dict):
            if key in node:
                yield pointer, node
            for child_key, value in node.items():
                yield from walk(value, f"{pointer}/{child_key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{pointer}/{index}")

    return list(walk(spec, ""))


@pytest.mark.parametrize(
    "marker", ["x-mm-lenient-missing", "x-mm-lenient-values", "x-mm-lenient-invalid", "x-mm-no-negative"]
)
def test_every_suite_marker_sits_next_to_its_recorded_decision(spec, marker):
    nodes = _nodes_with(spec, marker)
    assert nodes, f"{marker} is used nowhere"
    for pointer, node in nodes:
        assert node.get("x-doc-gap"), f"{pointer} carries {marker} without an x-doc-gap"


def test_lenient_missing_is_only_on_required_inputs(spec):
    for pointer, node in _nodes_with(spec, "x-mm-lenient-missing"):
        assert node["x-mm-lenient-missing"] is True, pointer
        assert node.get("required") is True, f"{pointer}: only a required input can be leniently missing"


def test_lenient_values_lie_outside_their_schema(spec):
    # A lenient value the schema already accepts would mean nothing; each must be invalid for the schema.
    for pointer, node in _nodes_with(spec, "x-mm-lenient-values"):
        schema = node.get("schema", node)  # a parameter carries it next to `schema`; a property on itself
        validator = Draft202012Validator(
            {k: v for k, v in schema.items() if not k.startswith("x-")}, format_checker=FormatChecker()
        )
        for value in node["x-mm-lenient-values"]:
            assert isinstance(value, str), pointer
            if schema.get("type") in ("boolean", "integer", "number"):
                continue  # query text: "True" is outside type boolean by construction
            assert not validator.is_valid(value), f"{pointer}: {value!r} is already valid"


def test_lenient_invalid_is_only_on_query_parameters_with_a_bound_or_an_enum(spec):
    nodes = _nodes_with(spec, "x-mm-lenient-invalid")
    for pointer, node in nodes:
        assert node["x-mm-lenient-invalid"] is True and node["in"] == "query", pointer
        schema = node["schema"]
        bounded = schema["type"] == "integer" and "minimum" in schema
        enumerated = schema["type"] == "string" and isinstance(schema.get("enum"), list)
        assert bounded or enumerated, pointer
    assert {node["name"] for _, node in nodes} >= {"offset", "limit", "sortKey", "buildStatus"}


def test_every_enum_query_parameter_may_refuse_or_accept_a_value_outside_its_enum(spec):
    # the page lists Enumerated Values but never says that another value is refused
    for path, method, op in iter_operations(spec):
        for parameter in op.get("parameters", []):
            if parameter["in"] == "query" and "enum" in parameter.get("schema", {}):
                assert parameter.get("x-mm-lenient-invalid") is True, f"{method} {path} {parameter['name']}"


def test_no_negative_is_only_on_parameters_without_invalid_values(spec):
    for pointer, node in _nodes_with(spec, "x-mm-no-negative"):
        assert node["x-mm-no-negative"] is True and node["schema"] == {}, pointer


def test_required_offset_and_limit_are_lenient_when_missing(spec):
    for path, method, op in iter_operations(spec):
        for parameter in op.get("parameters", []):
            if parameter["name"] in ("offset", "limit"):
                assert parameter["schema"]["minimum"] == 0 and "maximum" not in parameter["schema"]
                assert parameter.get("x-mm-lenient-invalid") is True, f"{method} {path} {parameter['name']}"
                if parameter["required"]:
                    assert parameter.get("x-mm-lenient-missing") is True, (
                        f"{method} {path} {parameter['name']}"
                    )


def test_answers_the_page_gives_no_schema_accept_any_body_and_say_so(spec):
    # Schema None on the page: no content at the page level (any body, any media type, or none), and a record
    # that says so; what the official client reads there is client level (tests/selftest/contract).
    schema_none = {
        ("createModelPackageFromLeaderboard", "202"),
        ("createModelPackageFromLearningModel", "201"),
        ("updateRegisteredModel", "200"),
    }
    seen = set()
    for _, _, op in iter_operations(spec):
        for status, response in op["responses"].items():
            response = resolve(spec, response)
            if (op["operationId"], status) in schema_none or status.startswith("4"):
                assert "content" not in response, (op["operationId"], status)
                records = response.get("x-doc-gap") or []
                if "$ref" not in op["responses"][status]:
                    assert any("no content" in entry["spec"] for entry in records), (
                        op["operationId"],
                        status,
                    )
                seen.add((op["operationId"], status))
    assert schema_none <= seen


def test_only_the_features_search_ignores_letter_case(spec):
    # The page says so of the features search alone; the registry searches decide nothing on letter case.
    from mmcontract.checks.filtering import search_case_insensitive

    found = {
        f"{method.upper()} {path}"
        for path, method, op in iter_operations(spec)
        if any(p["name"] == "search" for p in op.get("parameters", []))
        and search_case_insensitive(spec, f"{method.upper()} {path}")
    }
    assert found == {"GET /modelPackages/{modelPackageId}/features/"}
