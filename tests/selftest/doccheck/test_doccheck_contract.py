"""The contract side: a schema object's stated type, and x-doc-gap entries found with their JSON pointers."""

from __future__ import annotations

import pytest

from mmcontract.doccheck.contract import Spec, normalise
from mmcontract.errors import SpecError


@pytest.mark.parametrize(
    ("schema", "nullable"),
    [
        ({"type": ["string", "null"]}, True),
        ({"type": ["string", "null"], "enum": ["a", None]}, True),
        ({"type": ["string", "null"], "enum": ["a"]}, False),  # the enum rejects null
        ({"type": "string", "nullable": True}, True),
        ({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}, True),
        ({"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]}, True),
        ({"$ref": "#/components/schemas/X"}, False),
        ({"type": "string"}, False),
    ],
)
def test_effective_nullability(schema, nullable):
    assert normalise(schema).nullable is nullable


@pytest.mark.parametrize(
    ("schema", "shape"),
    [
        ({"type": "string"}, "string"),
        ({"type": ["integer", "null"]}, "integer"),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}, "[Feature]"),
        ({"allOf": [{"$ref": "#/components/schemas/X"}], "description": "d"}, "X"),
        ({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}, "X"),
        ({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]}, "oneOf(A | B)"),
        ({}, "any"),
    ],
)
def test_shape_in_the_pages_notation(schema, shape):
    assert normalise(schema).shape() == shape


def test_bounds_of_the_schema_and_its_items():
    from mmcontract.doccheck.contract import all_bounds

    schema = {"type": "array", "maxItems": 4, "items": {"type": "string", "maxLength": 3}}
    assert all_bounds(normalise(schema)) == {"maxItems": 4, "items.maxLength": 3}


def test_gap_entries_are_found_with_their_pointers():
    record = {"aspect": "enum", "page": "p", "spec": "s", "why": "w", "evidence": "e"}
    spec = Spec({"openapi": "3.1.0", "paths": {"/a/b/": {"get": {"x-doc-gap": [record]}}}})
    [entry] = spec.all_entries()
    assert (entry.pointer, entry.index, entry.aspect) == ("#/paths/~1a~1b~1/get", 0, "enum")
    assert spec.malformed == []


def test_a_malformed_record_is_reported():
    spec = Spec({"openapi": "3.1.0", "paths": {"/a/": {"get": {"x-doc-gap": [{"aspect": "vibes"}]}}}})
    assert spec.malformed


def test_a_dangling_ref_is_a_spec_error():
    spec = Spec({"openapi": "3.1.0", "paths": {}})
    with pytest.raises(SpecError, match="dangling"):
        spec.lookup("#/components/schemas/Nope")
