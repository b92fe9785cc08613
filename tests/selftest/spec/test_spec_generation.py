"""Schemathesis can generate requests for every operation from the contract, in both modes: a contract that
generates nothing (unsatisfiable oneOf, contradictory bounds) would silently test nothing."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode

from mmcontract.spec import SPEC_PATH, load_spec

SCHEMA = schemathesis.openapi.from_path(str(SPEC_PATH))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
SPEC = load_spec()


def _body_validator(operation):
    body = operation.definition.raw.get("requestBody")
    if not body:
        return None
    schema = {**body["content"]["application/json"]["schema"], "components": SPEC["components"]}
    return Draft202012Validator(schema)


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_positive_requests_can_be_generated_and_match_the_contract(operation):
    validator = _body_validator(operation)
    seen = []

    @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def draw(case):
        seen.append(case)
        if validator is not None:
            assert validator.is_valid(case.body), case.body

    draw()
    assert seen


@pytest.mark.parametrize(
    "operation",
    [op for op in OPERATIONS if op.definition.raw.get("parameters") or op.definition.raw.get("requestBody")],
    ids=lambda op: op.label,
)
def test_negative_requests_can_be_generated(operation):
    seen = []

    @given(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def draw(case):
        seen.append(case)

    draw()
    assert seen


def test_an_unsatisfiable_body_fails_generation():
    # The failure the tests above guard against: a required name that must be both longer than 10 and
    # shorter than 2 characters admits no body.
    broken = load_spec()
    update = broken["components"]["schemas"]["RegisteredModelUpdate"]
    update["required"] = ["name"]
    update["properties"]["name"].update(minLength=10, maxLength=2)
    operation = schemathesis.openapi.from_dict(broken)["/registeredModels/{registeredModelId}/"]["PATCH"]

    @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=1, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def draw(case):
        pass

    with pytest.raises(Unsatisfiable):
        draw()
