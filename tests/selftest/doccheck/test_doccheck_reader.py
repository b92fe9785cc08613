"""The reader of the scraped page: small snippets written here, the sample page, and the real page."""

from __future__ import annotations

import functools
import re

import pytest
from doccheck_samples import PAGE
from hypothesis import given, settings
from hypothesis import strategies as st

from mmcontract.doccheck.reader import Page, parse_example, parse_page, parse_type

# --------------------------------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("raw", "kind", "nullable", "fmt", "ref", "items"),
    [
        ("string", "string", False, None, None, None),
        ("string,null", "string", True, None, None, None),
        ("string,null(uri)", "string", True, "uri", None, None),
        ("string(date-time)", "string", False, "date-time", None, None),
        ("integer,null", "integer", True, None, None, None),
        ("any", "any", False, None, None, None),
        ("[string]", "array", False, None, None, "string"),
        ("[ModelPackageCapability]", "array", False, None, None, "ModelPackageCapability"),
        ("ModelPackageCapabilities", "ref", False, None, "ModelPackageCapabilities", None),
        ("[oneOf]", "array", False, None, None, "oneOf"),
        ("[string],null", "array", True, None, None, "string"),
        ("[string(date-time)]", "array", False, None, None, "string"),
        ("array[string]", "array", False, None, None, "string"),
        ("number(float)", "number", False, "float", None, None),
    ],
)
def test_parse_type(raw, kind, nullable, fmt, ref, items):
    parsed = parse_type(raw)
    assert parsed is not None
    assert (parsed.kind, parsed.nullable, parsed.format, parsed.ref) == (kind, nullable, fmt, ref)
    if items is None:
        assert parsed.items is None
    else:
        assert parsed.items is not None
        assert (parsed.items.ref or parsed.items.kind) == items


def test_items_keep_their_format():
    parsed = parse_type("[string(date-time)]")
    assert parsed is not None and parsed.items is not None
    assert parsed.items.format == "date-time"


@pytest.mark.parametrize("prose", ["the", "foo bar", "maxLength:", "(uri)", "[", "string,"])
def test_prose_is_not_a_type(prose):
    assert parse_type(prose) is None


# --------------------------------------------------------------------------------------------- examples


def test_example_tree_is_rebuilt_from_indentation():
    tree = parse_example(
        [
            '  "count": 0,',
            '  "data": [',
            '      "name": "string",',
            '      "capabilities": {',
            '        "supportsRetraining": true',
            '      "tags": [',
            '  "next": ""',
        ]
    )
    assert set(tree.children) == {"count", "data", "next"}
    data = tree.children["data"]
    assert data.kind == "array" and data.item is not None and data.item.kind == "object"
    assert set(data.item.children) == {"name", "capabilities", "tags"}
    assert data.item.children["capabilities"].children["supportsRetraining"].value is True
    assert data.item.children["tags"].kind == "array" and data.item.children["tags"].item is None
    assert tree.children["next"].value == ""


def test_example_with_braces_has_the_same_shape_as_without():
    bare = parse_example(['  "a": {', '    "b": 1', '  "c": [', '      "d": null'])
    braced = parse_example(
        ["{", '  "a": {', '    "b": 1', "  },", '  "c": [', "    {", '      "d": null', "    }", "  ]", "}"]
    )
    assert bare.signature() == braced.signature()


# --------------------------------------------------------------------------------------------- operations

OPERATION = """\
GET /api/v2/widgets/{widgetId}/parts/

List the parts.

Code samples

curl -X GET{widgetId}/parts/?offset=0 \\
  -H "Authorization: Bearer {access-token}"


Name In Type Required Description
offset query integer true The number of parts to skip, defaults to 0.
since query string(date-time) false Parts made since.
flag query string false When True, all of them.
widgetId path string true ID of the widget.

Enumerated Values

Parameter Value
flag [false, False, true, True]

Example responses

200 Response

  "count": 0,
  "data": [
      "name": "string"


Status Meaning Description Schema
200 OK The parts. PartList
404 Not Found Either the widget does not exist or the user may not see it. None
422 Unprocessable Entity None

To perform this operation, you must be authenticated by means of one of the following methods:
"""


def test_operation_parameters_enums_and_responses():
    page = parse_page(OPERATION)
    assert [op.key for op in page.operations] == ["GET /widgets/{widgetId}/parts/"]
    op = page.operations[0]
    assert op.summary == "List the parts." and not op.deprecated
    params = {(p.name, p.location): p for p in op.parameters}
    assert set(params) == {("offset", "query"), ("since", "query"), ("flag", "query"), ("widgetId", "path")}
    assert params[("offset", "query")].required and params[("offset", "query")].type.kind == "integer"
    assert params[("since", "query")].type.format == "date-time"
    assert params[("flag", "query")].enum == ["false", "False", "true", "True"]
    assert params[("widgetId", "path")].required
    assert [(r.status, r.meaning, r.schema) for r in op.responses] == [
        ("200", "OK", "PartList"),
        ("404", "Not Found", None),
        ("422", "Unprocessable Entity", None),
    ]
    assert op.responses[1].description.startswith("Either the widget")
    assert set(op.response_examples["200"].children) == {"count", "data"}
    assert page.notes == []


@pytest.mark.parametrize(
    ("description", "deprecated"),
    [
        ("(Deprecated in v2.32) Permanently archive a thing.", True),
        ("Create a thing.\n\n.. minversion:: v2.31 DEPRECATED: please use the following route instead", True),
        ("Retrieve the deprecated flag of a thing.", False),
        ("Get a thing.", False),
    ],
)
def test_deprecated_markers(description, deprecated):
    page = parse_page(f"POST /api/v2/things/\n\n{description}\n\nCode samples\n\ncurl\n")
    assert page.operations[0].deprecated is deprecated


def test_body_parameter_names_the_schema():
    text = """\
PATCH /api/v2/things/{thingId}/

Update a thing.

Body parameter

  "name": "string"


Name In Type Required Description
thingId path string true ID.
body body ThingUpdate false none


Status Meaning Description Schema
200 OK none None
"""
    op = parse_page(text).operations[0]
    assert op.body is not None and op.body.schema == "ThingUpdate" and op.body.required is False
    assert [p.name for p in op.parameters] == ["thingId"]
    assert op.body_example is not None and set(op.body_example.children) == {"name"}


def test_whitespace_and_line_endings_do_not_change_the_model():
    messy = "\r\n".join(line + "   " if line else "" for line in PAGE.split("\n"))
    messy = messy.replace("\r\n\r\n", "\r\n\r\n\r\n")
    clean, noisy = parse_page(PAGE), parse_page(messy)
    assert _summary(clean) == _summary(noisy)


def _summary(page: Page) -> object:
    return (
        [
            (o.key, o.deprecated, [(p.name, p.type.raw, p.required, p.enum) for p in o.parameters])
            for o in page.operations
        ],
        [
            (
                s.name,
                [(p.name, p.type.raw, p.required, p.restrictions, p.enum, p.enum_lost) for p in s.properties],
            )
            for s in page.sections
        ],
    )


# --------------------------------------------------------------------------------------------- schema sections


def test_sample_sections_are_identified_with_their_evidence():
    page = parse_page(PAGE)
    names = [s.name for s in page.sections]
    assert names == ["GrantById", "GrantByName", "Thing", "ThingListResponse", "ThingUpdate"]
    by_name = {s.name: s for s in page.sections}
    assert any(e.startswith("response") for e in by_name["ThingListResponse"].evidence)
    assert any(e.startswith("body") for e in by_name["ThingUpdate"].evidence)
    assert any(e.startswith("reference+example") for e in by_name["Thing"].evidence)
    # GrantById/GrantByName: only the order of the referenced names places them, and the page says so.
    assert any("alphabetical slot" in e for e in by_name["GrantByName"].evidence)


def test_sample_properties_restrictions_and_enums():
    thing = parse_page(PAGE).section("Thing")
    assert thing is not None
    props = {p.name: p for p in thing.properties}
    assert props["name"].type.nullable and props["name"].restrictions == {"maxLength": 10}
    assert props["name"].description == "Name of the thing."
    assert props["tags"].restrictions == {"maxItems": 5, "minItems": 1}
    assert props["url"].type.format == "uri" and props["url"].required
    assert props["kind"].enum == ["alpha", "beta"]
    # The empty enum table goes to the one string property whose example is not a placeholder.
    assert props["level"].enum_lost and props["level"].enum is None
    assert not props["kind"].enum_lost


def test_oneof_rows_without_the_oneof_word_stay_in_their_section():
    update = parse_page(PAGE).section("ThingUpdate")
    assert update is not None
    grants = update.property("grants")
    assert grants is not None
    assert [v.ref for v in grants.variants] == ["GrantById", "GrantByName"]
    assert [p.name for p in update.properties] == ["grants", "name"]


SECTIONS = """\
GET /api/v2/a/

A.

Status Meaning Description Schema
200 OK none Zeta

To perform this operation, you must be authenticated by means of one of the following methods:


  "x": "string"


Name Type Required Restrictions Description
x string true X.


  "y": 0


Name Type Required Restrictions Description
y integer true Y.
inner Thing false Something.
"""


def test_a_section_nothing_names_is_reported_not_guessed():
    page = parse_page(SECTIONS)
    assert len(page.sections) == 2
    assert all(s.name is None for s in page.sections)
    assert page.sections[0].conflict == "no evidence on the page names it"
    assert "Zeta" in page.lost_schemas and "Thing" in page.lost_schemas


def test_out_of_order_candidate_is_rejected():
    # Two sections; the response names the second "Alpha", which cannot sort after "Beta" (named by a heading).
    text = """\
GET /api/v2/a/

A.

Example responses

200 Response

  "y": 0


Status Meaning Description Schema
200 OK none Alpha

To perform this operation, you must be authenticated by means of one of the following methods:

Beta

  "x": "string"


Name Type Required Restrictions Description
x string true X.


  "y": 0


Name Type Required Restrictions Description
y integer true Y.
"""
    page = parse_page(text)
    assert page.sections[0].name == "Beta" and page.sections[0].evidence == ["heading"]
    assert page.sections[1].name is None
    assert page.sections[1].conflict is not None


def test_unknown_text_is_noted_not_fatal():
    text = SECTIONS + "\nSome new paragraph the generator added.\nName Wibble\n"
    page = parse_page(text)
    assert len(page.sections) == 2
    assert page.notes


# --------------------------------------------------------------------------------------------- the real page


def test_real_page_operations(reference_page):
    page = reference_page
    assert len(page.operations) == 19
    assert len({op.key for op in page.operations}) == 19
    assert all(op.path.startswith("/") and op.path.endswith("/") for op in page.operations)
    deprecated = sorted(op.key for op in page.operations if op.deprecated)
    assert deprecated == [
        "GET /modelPackages/{modelPackageId}/sharedRoles/",
        "POST /modelPackages/fromLearningModel/",
        "POST /modelPackages/{modelPackageId}/archive/",
    ]
    assert sum(op.body is not None for op in page.operations) == 4
    assert sum(len(op.responses) for op in page.operations) == 35


def test_real_page_parameters_match_the_raw_rows(reference_page):
    text = _raw_text()
    rows = re.findall(r"^\S+ (?:query|path|header|cookie) \S+ (?:true|false)", text, flags=re.MULTILINE)
    params = [p for op in reference_page.operations for p in op.parameters]
    assert len(params) == len(rows) == 98
    dates = sorted(p.name for p in params if p.type.format == "date-time")
    assert dates == ["createdAtEndTs", "createdAtStartTs", "modifiedAtEndTs", "modifiedAtStartTs"]
    assert sorted({p.name for p in params if p.type.kind == "any"}) == ["modelKind"]


def test_real_page_enum_tables(reference_page):
    text = _raw_text()
    param_tables = text.count("\nParameter Value\n")
    with_enum = [
        (op.key, p.name, p.enum) for op in reference_page.operations for p in op.parameters if p.enum
    ]
    assert param_tables == 8
    assert len(with_enum) == 18
    features = reference_page.operation("GET", "/modelPackages/{modelPackageId}/features/")
    assert features is not None
    flags = {p.name: p.enum for p in features.parameters if p.enum}
    assert flags["includeNonPredictionFeatures"] == ["false", "False", "true", "True"]
    props = [p for s in reference_page.sections for p in s.all_properties()]
    # 11 properties in 10 tables (buildStatus and modelExecutionType share one), plus 2 emptied tables.
    assert sum(1 for p in props if p.enum) == 11
    lost = sorted(f"{s.name}.{p.name}" for s in reference_page.sections for p in s.properties if p.enum_lost)
    assert lost == ["ModelPackageModelLogsEntry.level", "ModelPackageTimeseries.forecastDistancesTimeUnit"]
    assert text.count("\nProperty Value\n") == 10 + 2


def test_real_page_sections_are_all_identified_in_order(reference_page):
    names = [s.name for s in reference_page.sections]
    assert len(names) == 37
    assert None not in names, [s.conflict for s in reference_page.sections if s.name is None]
    assert names == sorted(names, key=str.casefold)
    assert names[:7] == [
        "AccessControlV2",
        "CustomModelDetails",
        "DeploymentPredictionEnvironmentResponse",
        "Feature",
        "FeatureListResponse",
        "GrantAccessControlWithId",
        "GrantAccessControlWithUsername",
    ]
    assert reference_page.lost_schemas == {}


def test_real_page_property_facts(reference_page):
    def prop(schema: str, name: str):
        section = reference_page.section(schema)
        assert section is not None
        found = section.property(name)
        assert found is not None
        return found

    class_count = prop("ModelPackageTarget", "classCount")
    assert class_count.type.nullable and class_count.restrictions == {"minimum": 0} and class_count.required
    formats = prop("DeploymentPredictionEnvironmentResponse", "supportedModelFormats")
    assert formats.type.kind == "array" and formats.restrictions == {"maxItems": 4, "minItems": 1}
    assert prop("ModelPackageSourceMeta", "environmentUrl").type.format == "uri"
    assert prop("RegisteredModelResponse", "createdAt").type.format == "date-time"
    roles = prop("SharedRolesUpdate", "roles")
    assert [v.ref for v in roles.variants] == ["GrantAccessControlWithUsername", "GrantAccessControlWithId"]
    assert roles.restrictions == {"maxItems": 100, "minItems": 1}
    assert prop("ModelPackageCreateFromLeaderboard", "predictionThreshold").restrictions == {
        "maximum": 1,
        "minimum": 0,
    }
    window = prop("ModelPackageTimeseries", "effectiveFeatureDerivationWindowEnd")
    assert window.restrictions == {"maximum": 0} and window.description.startswith("Same concept")


@functools.cache
def _contract() -> dict:
    from mmcontract.spec import load_spec

    return load_spec()


def _raw_text() -> str:
    from doccheck_samples import reference_page_path

    return reference_page_path().read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------- other copies of the page


def test_a_copy_with_headings_and_combinator_words_reads_the_same(reference_page):
    """A newer or better scrape may keep the headings and the oneOf/xor words: same model, names now from
    the headings too."""
    lines = _raw_text().splitlines()
    starts = {s.line - 1: s.name for s in reference_page.sections}
    out: list[str] = []
    combinators = iter(["oneOf", "xor"])
    for i, line in enumerate(lines):
        if i in starts:
            out += ["", str(starts[i]), "", "Properties", ""]
        if line == "Name Type Required Restrictions Description" and lines[i + 1].startswith("» anonymous"):
            out += [next(combinators), ""]
        out.append(line)
    copy = parse_page("\n".join(out))
    assert _summary(copy) == _summary(reference_page)
    assert all("heading" in s.evidence for s in copy.sections)


def test_a_copy_with_other_whitespace_reads_the_same(reference_page):
    messy = "\r\n".join(f"{line}  " if line.strip() else "\t" for line in _raw_text().splitlines())
    assert _summary(parse_page(messy)) == _summary(reference_page)


def test_a_truncated_copy_reports_what_it_lost():
    lines = _raw_text().splitlines()
    page = parse_page("\n".join(lines[:2080]))  # ends inside ModelPackageTimeseries
    assert len(page.operations) == 19
    last = page.sections[-1]
    assert last.name == "ModelPackageTimeseries" and last.truncated
    assert "seriesColumnName" in last.example_only
    assert "SharingListV2Response" in page.lost_schemas and "UserMetadata" in page.lost_schemas
    # AccessControlV2 was named only by SharingListV2Response: without it the section stays unnamed, with
    # the places its example structure occurs.
    first = page.sections[0]
    assert first.name is None and first.window == (None, "CustomModelDetails")
    assert any("sharedRoles" in str(p) for p in first.positions)


_JUNK = [
    "»",
    "» anonymous",
    "»» y string false",
    "Name Type Required Restrictions Description",
    "Name In Type Required Description",
    "Status Meaning Description Schema",
    "Enumerated Values",
    "Property Value",
    "Parameter Value",
    '  "x": {',
    "oneOf",
    "200 Response",
    "GET /api/v2/",
    "x body Foo true",
    "Body parameter",
    "]",
    "\t",
    "AB",
]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    edits=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.sampled_from(_JUNK)), max_size=30)
)
def test_a_damaged_copy_never_crashes_the_reader_or_the_comparison(edits):
    from mmcontract.doccheck.compare import compare

    lines = _raw_text().splitlines()
    for kind, position, junk in edits:
        i = position % len(lines)
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, junk)
        elif kind == 2:
            lines.insert(i, lines[(i * 7) % len(lines)])
        else:
            lines[i] = lines[i][: len(lines[i]) // 2]
    compare(parse_page("\n".join(lines)), _contract())


def test_without_the_authentication_lines_the_schemas_are_still_found(reference_page):
    text = "\n".join(
        line for line in _raw_text().splitlines() if not line.startswith("To perform this operation")
    )
    assert _summary(parse_page(text)) == _summary(reference_page)


def test_a_one_word_description_line_before_the_next_example_is_not_a_heading():
    text = PAGE.replace("ID of the grantee.\n", "ID of the grantee.\nDeprecated\n")
    page = parse_page(text)
    grant = page.section("GrantById")
    assert grant is not None and grant.property("id").description == "ID of the grantee. Deprecated"
    assert [s.heading for s in page.sections] == [None] * 5
