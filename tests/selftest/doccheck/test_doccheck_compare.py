"""The comparison fires on each kind of difference, and only an x-doc-gap of the right aspect on the right
node excuses it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from doccheck_samples import PAGE, gap, matching_spec, node_at

from mmcontract.doccheck.compare import Comparison, compare
from mmcontract.doccheck.reader import parse_page
from mmcontract.errors import SpecError

SAMPLE = parse_page(PAGE)

LIST = "#/paths/~1things~1/get"
PATCH = "#/paths/~1things~1{thingId}~1/patch"
SCHEMAS = "#/components/schemas"
THING = f"{SCHEMAS}/Thing"


def run(spec: dict[str, Any]) -> Comparison:
    return compare(SAMPLE, spec)


def test_the_matching_spec_has_no_difference():
    result = run(matching_spec())
    assert result.ok, [str(d) for d in result.differences]
    assert result.counts["operations"].matched == 2
    assert result.counts["parameters"].matched == 5
    assert result.counts["properties"].matched == 12
    assert result.counts["lost enum tables"].excused == 1
    assert result.counts["defaults"].matched == 2
    assert result.counts["examples"].matched == 4
    assert result.counts["descriptions"].matched == 22
    assert result.stale == [] and result.unchecked == []


def _param(spec, name):
    params = node_at(spec, f"{LIST}/parameters")
    return next(p for p in params if p.get("name") == name)


def _prop(spec, schema, name):
    return spec["components"]["schemas"][schema]["properties"][name]


Mutation = Callable[[dict[str, Any]], None]

# (id, mutation, aspect, pointer of the node that must carry the x-doc-gap ("" = nothing can excuse it))
MUTATIONS: list[tuple[str, Mutation, str, str]] = [
    ("operation missing", lambda s: s["paths"]["/things/"].pop("get"), "removed", "#/paths/~1things~1"),
    (
        "operation added",
        lambda s: s["paths"]["/things/"].update(post={"responses": {}}),
        "added",
        "#/paths/~1things~1/post",
    ),
    ("deprecated dropped", lambda s: node_at(s, PATCH).pop("deprecated"), "deprecated", PATCH),
    ("parameter missing", lambda s: node_at(s, f"{LIST}/parameters").pop(0), "removed", LIST),
    (
        "parameter added",
        lambda s: node_at(s, f"{LIST}/parameters").append(
            {"name": "q", "in": "query", "schema": {"type": "string"}}
        ),
        "added",
        f"{LIST}/parameters/4",
    ),
    (
        "parameter required",
        lambda s: _param(s, "offset").update(required=True),
        "required",
        f"{LIST}/parameters/0",
    ),
    ("parameter location", lambda s: _param(s, "offset").update({"in": "header"}), "removed", LIST),
    (
        "parameter type",
        lambda s: _param(s, "offset")["schema"].update(type="string"),
        "type",
        f"{LIST}/parameters/0",
    ),
    (
        "parameter format",
        lambda s: _param(s, "createdAtStartTs")["schema"].pop("format"),
        "format",
        f"{LIST}/parameters/1",
    ),
    (
        "parameter enum value missing",
        lambda s: _param(s, "sortKey")["schema"]["enum"].remove("name"),
        "enum",
        f"{LIST}/parameters/2",
    ),
    (
        "parameter enum value extra",
        lambda s: _param(s, "sortKey")["schema"]["enum"].append("size"),
        "enum",
        f"{LIST}/parameters/2",
    ),
    (
        "string enum written as booleans",
        lambda s: s["components"]["parameters"]["IncludeAll"]["schema"].update(
            enum=[False, "False", True, "True"]
        ),
        "enum",
        "#/components/parameters/IncludeAll",
    ),
    (
        "parameter bound the page does not state",
        lambda s: _param(s, "offset")["schema"].update(minimum=0),
        "bounds",
        f"{LIST}/parameters/0",
    ),
    ("body missing", lambda s: node_at(s, PATCH).pop("requestBody"), "removed", PATCH),
    (
        "body required",
        lambda s: node_at(s, f"{PATCH}/requestBody").update(required=True),
        "required",
        f"{PATCH}/requestBody",
    ),
    (
        "body schema",
        lambda s: node_at(s, f"{PATCH}/requestBody/content/application~1json/schema").update(
            {"$ref": "#/components/schemas/Thing"}
        ),
        "body",
        f"{PATCH}/requestBody",
    ),
    ("documented status missing", lambda s: node_at(s, f"{LIST}/responses").pop("400"), "removed", LIST),
    (
        "status added",
        lambda s: node_at(s, f"{LIST}/responses").update({"401": {"description": "no token"}}),
        "added",
        f"{LIST}/responses/401",
    ),
    (
        "response body the page says is None",
        lambda s: node_at(s, f"{LIST}/responses/400").update(
            content={"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
        ),
        "body",
        f"{LIST}/responses/400",
    ),
    (
        "response schema name",
        lambda s: node_at(s, f"{LIST}/responses/200/content/application~1json/schema").update(
            {"$ref": "#/components/schemas/Thing"}
        ),
        "body",
        f"{LIST}/responses/200",
    ),
    ("schema missing", lambda s: s["components"]["schemas"].pop("GrantById"), "removed", ""),
    (
        "schema added",
        lambda s: s["components"]["schemas"].update(Error={"type": "object"}),
        "added",
        f"{SCHEMAS}/Error",
    ),
    ("schema type", lambda s: s["components"]["schemas"]["Thing"].update(type="array"), "type", THING),
    (
        "property missing",
        lambda s: s["components"]["schemas"]["Thing"]["properties"].pop("url"),
        "removed",
        THING,
    ),
    (
        "property added",
        lambda s: s["components"]["schemas"]["Thing"]["properties"].update(extra={"type": "string"}),
        "added",
        f"{THING}/properties/extra",
    ),
    (
        "property type",
        lambda s: _prop(s, "Thing", "kind").update(type="integer"),
        "type",
        f"{THING}/properties/kind",
    ),
    (
        "property array item type",
        lambda s: _prop(s, "Thing", "tags")["items"].update(type="integer"),
        "type",
        f"{THING}/properties/tags",
    ),
    (
        "property ref",
        lambda s: _prop(s, "ThingListResponse", "data")["items"].update(
            {"$ref": "#/components/schemas/GrantById"}
        ),
        "type",
        f"{SCHEMAS}/ThingListResponse/properties/data",
    ),
    (
        "nullability dropped",
        lambda s: _prop(s, "Thing", "name").update(type="string"),
        "nullable",
        f"{THING}/properties/name",
    ),
    (
        "nullability added",
        lambda s: _prop(s, "Thing", "kind").update(type=["string", "null"], enum=["alpha", "beta", None]),
        "nullable",
        f"{THING}/properties/kind",
    ),
    (
        "required list",
        lambda s: s["components"]["schemas"]["Thing"]["required"].remove("url"),
        "required",
        f"{THING}/properties/url",
    ),
    (
        "optional made required",
        lambda s: s["components"]["schemas"]["Thing"]["required"].append("level"),
        "required",
        f"{THING}/properties/level",
    ),
    (
        "property format",
        lambda s: _prop(s, "Thing", "url").pop("format"),
        "format",
        f"{THING}/properties/url",
    ),
    (
        "property enum",
        lambda s: _prop(s, "Thing", "kind").update(enum=["alpha", "gamma"]),
        "enum",
        f"{THING}/properties/kind",
    ),
    (
        "maxLength",
        lambda s: _prop(s, "Thing", "name").update(maxLength=11),
        "bounds",
        f"{THING}/properties/name",
    ),
    (
        "minItems dropped",
        lambda s: _prop(s, "Thing", "tags").pop("minItems"),
        "bounds",
        f"{THING}/properties/tags",
    ),
    (
        "item bound the page does not state",
        lambda s: _prop(s, "Thing", "tags")["items"].update(maxLength=3),
        "bounds",
        f"{THING}/properties/tags",
    ),
    (
        "bound as a string",
        lambda s: _prop(s, "Thing", "name").update(maxLength="10"),
        "bounds",
        f"{THING}/properties/name",
    ),
    (
        "oneOf member",
        lambda s: _prop(s, "ThingUpdate", "grants")["items"]["oneOf"].pop(),
        "type",
        f"{SCHEMAS}/ThingUpdate/properties/grants",
    ),
    (
        "parameter deprecated",
        lambda s: _param(s, "offset").update(deprecated=True),
        "deprecated",
        f"{LIST}/parameters/0",
    ),
    (
        "property deprecated",
        lambda s: _prop(s, "Thing", "kind").update(deprecated=True),
        "deprecated",
        f"{THING}/properties/kind",
    ),
    (
        "example value",
        lambda s: s["components"]["schemas"]["Thing"]["examples"][0].update(kind="beta"),
        "other",
        THING,
    ),
    (
        "example value missing",
        lambda s: s["components"]["schemas"]["Thing"]["examples"][0].pop("url"),
        "other",
        THING,
    ),
    (
        "description reworded",
        lambda s: _prop(s, "Thing", "url").update(description="Its address."),
        "other",
        f"{THING}/properties/url",
    ),
    ("description dropped", lambda s: node_at(s, LIST).pop("description"), "other", LIST),
    (
        "default changed",
        lambda s: _param(s, "offset")["schema"].update(default=1),
        "default",
        f"{LIST}/parameters/0",
    ),
    (
        "default dropped",
        lambda s: _param(s, "offset")["schema"].pop("default"),
        "default",
        f"{LIST}/parameters/0",
    ),
    (
        "literal default where the page describes one",
        lambda s: _param(s, "createdAtStartTs")["schema"].update(default="2020-01-01T00:00:00Z"),
        "default",
        f"{LIST}/parameters/1",
    ),
    (
        "default invented",
        lambda s: _prop(s, "Thing", "kind").update(default="alpha"),
        "default",
        f"{THING}/properties/kind",
    ),
    (
        "response not JSON",
        lambda s: node_at(s, f"{LIST}/responses/200").update(
            content={"text/plain": {"schema": {"$ref": "#/components/schemas/ThingListResponse"}}}
        ),
        "body",
        f"{LIST}/responses/200",
    ),
    (
        "security scheme",
        lambda s: s.setdefault("components", {}).update(
            securitySchemes={"B": {"type": "http", "scheme": "bearer"}}
        ),
        "added",
        "#/components/securitySchemes/B",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "aspect", "pointer"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_each_difference_fires_and_only_the_right_aspect_excuses_it(mutation, aspect, pointer):
    spec = matching_spec()
    mutation(spec)
    result = run(spec)
    assert not result.ok
    found = [d for d in result.differences if d.aspect == aspect and d.pointer == pointer]
    assert found, [str(d) for d in result.differences]
    if not pointer:
        return  # nothing in the spec can carry an excuse for it
    wrong = "other" if aspect != "other" else "type"
    node_at(spec, pointer).setdefault("x-doc-gap", []).append(gap(wrong))
    still = run(spec)
    assert [d for d in still.differences if d.aspect == aspect and d.pointer == pointer], (
        "wrong aspect excused it"
    )
    node_at(spec, pointer)["x-doc-gap"].append(gap(aspect))
    excused = run(spec)
    assert not [d for d in excused.differences if d.aspect == aspect and d.pointer == pointer]
    assert any(d.aspect == aspect and d.pointer == pointer for d, _ in excused.excused)


def test_the_lost_enum_needs_its_record():
    spec = matching_spec()
    del spec["components"]["schemas"]["Thing"]["properties"]["level"]["x-doc-gap"]
    result = run(spec)
    assert [(d.location, d.aspect) for d in result.differences] == [("Thing.level", "enum")]
    spec["components"]["schemas"]["Thing"]["properties"]["level"].pop("enum")
    # Leaving the enum open is a judgement call too: still a difference.
    assert [(d.location, d.aspect) for d in run(spec).differences] == [("Thing.level", "enum")]


def test_a_gap_on_the_referenced_schema_does_not_excuse_the_property():
    spec = matching_spec()
    spec["components"]["schemas"]["ThingListResponse"]["properties"]["data"]["items"] = {
        "$ref": "#/components/schemas/GrantById"
    }
    spec["components"]["schemas"]["GrantById"]["x-doc-gap"] = [gap("type")]
    result = run(spec)
    assert any(d.location == "ThingListResponse.data" and d.aspect == "type" for d in result.differences)


def test_a_gap_on_a_referenced_parameter_component_counts():
    spec = matching_spec()
    include = spec["components"]["parameters"]["IncludeAll"]
    include["required"] = True
    assert not run(spec).ok
    include["x-doc-gap"] = [gap("required")]
    assert run(spec).ok


def test_stale_and_unchecked_gaps_are_reported():
    spec = matching_spec()
    _param(spec, "offset")["x-doc-gap"] = [gap("type"), gap("other")]
    result = run(spec)
    assert result.ok
    assert [(g.pointer, g.aspect) for g in result.stale] == [(f"{LIST}/parameters/0", "type")]
    assert [(g.pointer, g.aspect) for g in result.unchecked] == [(f"{LIST}/parameters/0", "other")]


def test_a_malformed_gap_fails_the_check():
    spec = matching_spec()
    _param(spec, "offset")["x-doc-gap"] = [{"aspect": "type", "page": "p"}]
    result = run(spec)
    assert not result.ok and result.invalid_gaps


def test_path_item_parameters_are_compared():
    spec = matching_spec()
    spec["paths"]["/things/{thingId}/"]["parameters"][0]["schema"]["type"] = "integer"
    result = run(spec)
    assert [(d.location, d.aspect) for d in result.differences] == [
        ("PATCH /things/{thingId}/ path parameter thingId", "type")
    ]


def test_openapi_30_nullable_and_anyof_null_count_as_nullable():
    spec = matching_spec()
    _prop(spec, "Thing", "name").update(type="string", nullable=True)
    _prop(spec, "Thing", "url").pop("type")
    _prop(spec, "Thing", "url").update(anyOf=[{"type": "string", "format": "uri"}, {"type": "null"}])
    _prop(spec, "Thing", "url").pop("format")
    assert run(spec).ok, [str(d) for d in run(spec).differences]


@pytest.mark.parametrize(
    "document",
    [
        {"openapi": "3.1.0"},
        {"openapi": "3.1.0", "paths": []},
        {
            "openapi": "3.1.0",
            "paths": {"/things/": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}]}}},
        },
        {"openapi": "3.1.0", "paths": {"/things/": {"get": {"parameters": [{"$ref": "other.yaml#/x"}]}}}},
    ],
)
def test_a_broken_contract_is_a_spec_error(document):
    with pytest.raises(SpecError):
        run(document)


def _without_variant_tables(page_text: str) -> str:
    cut = page_text.index("\n\nName Type Required Restrictions Description\n» anonymous GrantById")
    end = page_text.index("Updated March 25, 2025")
    return page_text[:cut].replace("grants [oneOf] false", "grants [string] false") + "\n\n" + page_text[end:]


def test_unnamed_sections_are_bound_by_their_properties_inside_their_window():
    page = parse_page(_without_variant_tables(PAGE))
    assert [s.name for s in page.sections[:2]] == [None, None]
    spec = matching_spec()
    _prop(spec, "ThingUpdate", "grants")["items"] = {"type": "string"}
    result = compare(page, spec)
    assert result.ok, [str(d) for d in result.differences]
    assert len(result.bindings) == 2 and "GrantById" in result.bindings[0]
    # Without a spec schema of exactly those properties, the documented section is missing from the spec.
    del spec["components"]["schemas"]["GrantByName"]
    result = compare(page, spec)
    assert [d.aspect for d in result.differences] == ["removed"]
    assert result.differences[0].pointer == ""


def test_a_truncated_section_still_documents_its_example_keys():
    cut = PAGE.index("name string false maxLength: 10\nNew name.")
    page = parse_page(PAGE[:cut])
    update = page.section("ThingUpdate")
    assert update is not None and update.truncated and update.example_only == ["name"]
    spec = matching_spec()
    assert not [d for d in compare(page, spec).differences if d.location == "ThingUpdate.name"]
    del spec["components"]["schemas"]["ThingUpdate"]["properties"]["name"]
    removed = [d for d in compare(page, spec).differences if d.location == "ThingUpdate.name"]
    assert [(d.aspect, d.pointer) for d in removed] == [("removed", f"{SCHEMAS}/ThingUpdate")]


def test_the_real_spec_against_a_truncated_copy_lists_what_the_copy_no_longer_documents():
    from doccheck_samples import reference_page_path

    from mmcontract.spec import load_spec

    lines = reference_page_path().read_text(encoding="utf-8").splitlines()
    result = compare(parse_page("\n".join(lines[:2080])), load_spec())
    assert result.differences and all(d.aspect == "added" for d in result.differences)
    assert any(d.location == "schema UserMetadata" for d in result.differences)
    # AccessControlV2 is bound by its properties and confirmed where the page's examples show it.
    assert any(
        "bound to AccessControlV2" in b and "the spec uses AccessControlV2" in b for b in result.bindings
    )
    assert not [w for w in result.warnings if "bound to" in w]
    # The lost UserMetadata section still documents its property names through the examples that show it.
    spec = load_spec()
    del spec["components"]["schemas"]["UserMetadata"]["properties"]["email"]
    result = compare(parse_page("\n".join(lines[:2080])), spec)
    removed = [(d.location, d.pointer) for d in result.differences if d.aspect == "removed"]
    assert removed == [("UserMetadata.email", f"{SCHEMAS}/UserMetadata")]


def test_an_other_record_on_a_schema_is_never_stale_for_matching_examples():
    spec = matching_spec()
    spec["components"]["schemas"]["Thing"]["x-doc-gap"] = [gap("other")]
    result = run(spec)
    assert result.ok and result.stale == []
    assert [(g.pointer, g.aspect) for g in result.unchecked] == [(THING, "other")]
    spec["components"]["schemas"]["Thing"]["examples"][0]["kind"] = "beta"
    result = run(spec)
    assert result.ok and result.unchecked == [] and result.stale == []


def test_a_description_may_add_to_the_pages_text():
    spec = matching_spec()
    _prop(spec, "Thing", "url")["description"] = "Where the thing lives. Absolute, on the API host."
    assert run(spec).ok
