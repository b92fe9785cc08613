"""Every example in the contract, at any depth, validates against the schema it illustrates."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mmcontract.spec import load_spec

SPEC_URI = "urn:mmcontract:spec"
SCHEMA_KEYWORDS = {"type", "properties", "items", "$ref", "oneOf", "anyOf", "allOf", "enum", "const"}

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    # RFC 3986 absolute URI: a scheme and something after it ("" and "/path" are not URIs).
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def collect_examples(document: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(pointer of the example, pointer of its schema, example value) for every example in the document.

    Schema objects carry `examples` (a list, JSON Schema) or `example`; media types and parameters carry
    `example` or `examples` (a map of Example objects with `value`) next to their `schema`.
    """
    found: list[tuple[str, str, Any]] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            if "schema" in node and isinstance(node["schema"], dict):  # media type or parameter
                if "example" in node:
                    found.append((f"{pointer}/example", f"{pointer}/schema", node["example"]))
                for name, example in (node.get("examples") or {}).items():
                    if isinstance(example, dict) and "value" in example:
                        found.append((f"{pointer}/examples/{name}", f"{pointer}/schema", example["value"]))
            elif SCHEMA_KEYWORDS & node.keys():  # a schema
                if isinstance(node.get("examples"), list):
                    for index, value in enumerate(node["examples"]):
                        found.append((f"{pointer}/examples/{index}", pointer, value))
                if "example" in node:
                    found.append((f"{pointer}/example", pointer, node["example"]))
            for key, value in node.items():
                if key in ("example", "examples"):
                    continue
                walk(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(document, "")
    return found


def example_errors(document: dict[str, Any], schema_pointer: str, value: Any) -> list[str]:
    """Why `value` does not validate against the schema at `schema_pointer` (empty when it does)."""
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{schema_pointer}"}, registry=registry, format_checker=FORMATS
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(value)
    ]


SPEC = load_spec()
EXAMPLES = collect_examples(SPEC)


def test_the_contract_carries_examples_for_every_named_schema():
    schemas_with_examples = {
        pointer.split("/")[3] for pointer, _, _ in EXAMPLES if pointer.startswith("/components/schemas/")
    }
    assert schemas_with_examples == set(SPEC["components"]["schemas"])


@pytest.mark.parametrize(("pointer", "schema_pointer", "value"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_validates_against_its_schema(pointer, schema_pointer, value):
    assert example_errors(SPEC, schema_pointer, value) == []


# The page's own examples break its own schemas in these ways; the validator must catch each of them.
def _page_list_example() -> dict[str, Any]:
    example = copy.deepcopy(SPEC["components"]["schemas"]["RegisteredModelListResponse"]["examples"][0])
    example.update({"next": "", "previous": ""})  # the page's placeholder for a string,null(uri)
    return example


@pytest.mark.parametrize(
    ("schema_name", "broken", "expected"),
    [
        ("RegisteredModelListResponse", _page_list_example(), "is not a 'uri'"),
        (
            "SharedRolesUpdate",
            {
                "operation": "updateRoles",
                "roles": [{"role": "string", "shareRecipientType": "user", "username": "u"}],
            },
            "is not valid under any",
        ),
        (
            "ModelPackageTarget",
            {
                **SPEC["components"]["schemas"]["ModelPackageTarget"]["examples"][0],
                "type": "Fortnightly",
            },
            "is not one of",
        ),
        (
            "RegisteredModelResponse",
            {
                **SPEC["components"]["schemas"]["RegisteredModelResponse"]["examples"][0],
                "createdAt": "24/08/2019",
            },
            "is not a 'date-time'",
        ),
        (
            "ModelPackageTarget",
            {
                **SPEC["components"]["schemas"]["ModelPackageTarget"]["examples"][0],
                "predictionThreshold": 1.5,
            },
            "is greater than the maximum",
        ),
        ("UserMetadata", {"email": None, "name": None}, "'id' is a required property"),
    ],
)
def test_the_example_validator_catches_invalid_examples(schema_name, broken, expected):
    errors = example_errors(SPEC, f"/components/schemas/{schema_name}", broken)
    assert any(expected in error for error in errors), errors


def test_collect_examples_finds_media_type_and_parameter_examples():
    document = {
        "paths": {
            "/x/": {
                "get": {
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "integer"}, "example": "nope"}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "string"},
                                    "examples": {"one": {"value": 3}},
                                }
                            },
                        }
                    },
                }
            }
        }
    }
    found = {pointer: (schema, value) for pointer, schema, value in collect_examples(document)}
    assert set(found) == {
        "/paths/~1x~1/get/parameters/0/example",
        "/paths/~1x~1/get/responses/200/content/application~1json/examples/one",
    }
    assert all(example_errors(document, schema, value) for schema, value in found.values())
