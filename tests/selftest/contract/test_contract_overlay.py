"""The Overlay 1.0.0 applier: update merges, remove, order, and the errors that name the action."""

from __future__ import annotations

import copy

import pytest

from mmcontract.contract.overlay import OverlayError, apply_overlay, deep_merge

DOC = {
    "openapi": "3.1.0",
    "paths": {},
    "components": {
        "schemas": {
            "A": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            "B": {"type": "string", "enum": ["x"]},
        }
    },
    "tags": [{"name": "one"}],
}


def overlay(*actions: dict) -> dict:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_update_deep_merges_objects_and_appends_arrays():
    result = apply_overlay(
        DOC,
        overlay(
            {
                "target": "$.components.schemas.A",
                "update": {"required": ["name"], "properties": {"name": {"type": "string"}}},
            }
        ),
    )
    schema = result["components"]["schemas"]["A"]
    assert schema["required"] == ["id", "name"]
    assert set(schema["properties"]) == {"id", "name"}
    assert schema["type"] == "object"


def test_update_replaces_scalars_and_appends_to_an_array_target():
    result = apply_overlay(
        DOC,
        overlay(
            {"target": "$.components.schemas.B", "update": {"type": "integer"}},
            {"target": "$.tags", "update": {"name": "two"}},
            {"target": "$.components.schemas.B.enum", "update": ["y", "z"]},
        ),
    )
    assert result["components"]["schemas"]["B"] == {"type": "integer", "enum": ["x", "y", "z"]}
    assert result["tags"] == [{"name": "one"}, {"name": "two"}]


def test_remove_deletes_every_selected_node():
    result = apply_overlay(
        DOC,
        overlay(
            {"target": "$.components.schemas.*.type", "remove": True},
            {"target": "$.tags[0]", "remove": True},
        ),
    )
    assert "type" not in result["components"]["schemas"]["A"]
    assert "type" not in result["components"]["schemas"]["B"]
    assert result["tags"] == []


def test_actions_apply_in_order_each_to_the_previous_result():
    result = apply_overlay(
        DOC,
        overlay(
            {"target": "$.components.schemas", "update": {"C": {"type": "object"}}},
            {"target": "$.components.schemas.C", "update": {"title": "added by the first action"}},
            {"target": "$.components.schemas.C.title", "remove": True},
        ),
    )
    assert result["components"]["schemas"]["C"] == {"type": "object"}


def test_the_document_is_left_unchanged():
    before = copy.deepcopy(DOC)
    apply_overlay(DOC, overlay({"target": "$.components.schemas.A", "update": {"required": ["x"]}}))
    assert before == DOC


def test_a_filter_selector_targets_matching_nodes_only():
    result = apply_overlay(
        DOC, overlay({"target": "$.components.schemas[?@.type == 'string']", "update": {"minLength": 1}})
    )
    assert result["components"]["schemas"]["B"]["minLength"] == 1
    assert "minLength" not in result["components"]["schemas"]["A"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            overlay({"target": "$.nothing.here", "update": {"a": 1}}),
            "overlay action 1 (target $.nothing.here): the target matches nothing",
        ),
        (
            overlay({"target": "$.tags", "update": {"a": 1}}, {"target": "$.gone", "remove": True}),
            "overlay action 2 (target $.gone): the target matches nothing",
        ),
        (overlay({"target": "$[", "update": {}}), "overlay action 1 (target $[): invalid JSONPath"),
        (
            overlay({"target": "$.components.schemas.B.type", "update": {"a": 1}}),
            "selects a str, not an object or array",
        ),
        (overlay({"target": "$.components", "update": ["x"]}), "an object target needs an object update"),
        (overlay({"target": "$.tags"}), "exactly one of 'update' or 'remove: true'"),
        (
            overlay({"target": "$.tags", "update": {}, "remove": True}),
            "exactly one of 'update' or 'remove: true'",
        ),
        (overlay({"target": "$", "remove": True}), "cannot remove the document's root"),
        (overlay({"target": "$.tags", "update": {}, "bogus": 1}), "unknown field(s) bogus"),
        ({**overlay({"target": "$", "update": {}}), "overlay": "2.0.0"}, "must be a 1.0.x version"),
        ({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": []}, "non-empty 'actions'"),
        ({"overlay": "1.0.0", "actions": [{"target": "$", "update": {}}]}, "info.title and info.version"),
    ],
)
def test_bad_overlays_fail_with_one_line_naming_the_action(document, message):
    with pytest.raises(OverlayError) as caught:
        apply_overlay(DOC, document)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_extension_fields_are_ignored():
    result = apply_overlay(
        DOC, overlay({"target": "$.tags", "update": {"name": "x"}, "x-evidence": "e", "x-breaks": "b"})
    )
    assert result["tags"][-1] == {"name": "x"}


def test_deep_merge_copies_the_update():
    target: dict = {}
    update = {"a": {"b": [1]}}
    deep_merge(target, update)
    target["a"]["b"].append(2)
    assert update == {"a": {"b": [1]}}
