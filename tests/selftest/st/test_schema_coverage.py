"""Response-schema coverage (mmcontract.target.schema_coverage) on hand-built schemas and answers: properties at
every depth, array items, enum values, both sides of a nullable, $ref/allOf/oneOf as the contracts use them, and
"not present on the target" only after a complete walk. No server: milliseconds."""

from __future__ import annotations

from typing import Any

import pytest

from mmcontract.report.model import RunResult, SchemaCoverage
from mmcontract.target import schema_coverage as sc

ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string", "enum": ["user", "group"]},
        "status": {"type": ["string", "null"], "enum": ["ok", "failed", None]},
        "meta": {
            "type": "object",
            "properties": {
                "note": {"type": ["string", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/things/": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingList"}}}}}}},
        "/things/{thingId}/": {"get": {"responses": {
            "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
            "404": {"$ref": "#/components/responses/NotFound"},
        }}},
    },
    "components": {
        "responses": {"NotFound": {"description": "no body"}},
        "schemas": {
            "Thing": ITEM,
            "ThingList": {
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                    "next": {"type": ["string", "null"]},
                },
            },
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Composed": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"message": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"detail": {"type": "string"}}}]}}},
                ]
            },
            "Tree": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Tree"}, "name": {"type": "string"}}},
        },
    },
}  # fmt: skip
LIST = "GET /things/"
ONE = "GET /things/{thingId}/"


def test_every_node_of_a_schema_is_named_from_the_answer_schema() -> None:
    nodes = sc.nodes_of(SPEC, ONE, "200")
    assert set(nodes) == {
        "Thing.id",
        "Thing.kind",
        'Thing.kind = "group"',
        'Thing.kind = "user"',
        "Thing.meta",
        "Thing.meta.note",
        "Thing.meta.note != null",
        "Thing.meta.note = null",
        "Thing.meta.tags",
        "Thing.meta.tags[]",
        "Thing.status",
        'Thing.status = "failed"',
        'Thing.status = "ok"',
        "Thing.status != null",
        "Thing.status = null",  # `null` in the enum is the nullable side, not an enum value of its own
    }
    assert sc.nodes_of(SPEC, ONE, "404") == {}  # no body documented: nothing to cover


def test_list_items_are_keyed_by_their_own_schema() -> None:
    nodes = sc.nodes_of(SPEC, LIST, "200")
    assert nodes["ThingList.data[].kind"].key == "Thing.kind" and nodes["ThingList.data[].kind"].item
    assert nodes["ThingList.data[]"].key == "Thing"
    assert not nodes["ThingList.next = null"].item  # a page's own nodes are never "not present"


def test_an_answer_shows_what_it_holds_and_nothing_else() -> None:
    body = {"id": "a", "kind": "user", "status": None, "meta": {"note": "x", "tags": []}}
    seen, keys = sc.observe_instance(SPEC, ONE, "200", body)
    assert seen == {
        "Thing.id",
        "Thing.kind",
        'Thing.kind = "user"',
        "Thing.status",
        "Thing.status = null",
        "Thing.meta",
        "Thing.meta.note",
        "Thing.meta.note != null",
        "Thing.meta.tags",  # present, but empty: its items are not seen
    }
    assert keys == seen
    seen, _ = sc.observe_instance(SPEC, ONE, "200", {"kind": "USER", "status": "ok", "meta": {"tags": ["t"]}})
    assert (
        'Thing.kind = "user"' not in seen and "Thing.kind" in seen
    )  # a value outside the enum covers no value
    assert {'Thing.status = "ok"', "Thing.status != null", "Thing.meta.tags[]"} <= seen


def test_ref_all_of_one_of_and_recursion() -> None:
    spec = {**SPEC, "paths": {"/c/": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Composed"}}}}}}},
                              "/t/": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tree"}}}}}}}}}  # fmt: skip
    assert sorted(sc.nodes_of(spec, "GET /c/", "200")) == [
        "Composed.id",
        "Composed.message",
        "Composed.message.detail",
    ]
    seen, _ = sc.observe_instance(spec, "GET /c/", "200", {"id": "1", "message": {"detail": "d"}})
    assert seen == {"Composed.id", "Composed.message", "Composed.message.detail"}
    tree = sc.nodes_of(spec, "GET /t/", "200")
    assert sorted(tree) == ["Tree.child", "Tree.name"]  # a recursive $ref is not walked again below itself


@pytest.fixture
def observer(monkeypatch: pytest.MonkeyPatch) -> sc.Observer:
    monkeypatch.setattr(sc, "_spec", lambda level: SPEC)
    monkeypatch.setattr(sc, "_targets", lambda level: _targets())
    observer = sc.Observer(("page",))

    class Matcher:
        def match(self, method: str, url: str) -> str | None:
            return LIST if url.split("?")[0].endswith("/things/") else ONE

    observer._matcher = Matcher()
    return observer


def _targets() -> dict[tuple[str, str], tuple[Any, str]]:
    return {
        (LIST, "200"): (SPEC["paths"]["/things/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"], "ThingList"),
        (ONE, "200"): (SPEC["paths"]["/things/{thingId}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"], "Thing"),
    }  # fmt: skip


URL = "http://h/api/v2/things/"
A = {"id": "a", "kind": "user", "status": "ok", "meta": {"note": None, "tags": ["x"]}}
B = {"id": "b", "kind": "user", "status": None, "meta": {"note": "n", "tags": []}}


def _rows(observer: sc.Observer) -> dict[str, SchemaCoverage]:
    merged = sc.merge([observer.record() or {}])  # through the record, as the runner reads it
    return {f"{r.operation} {r.status}": r for r in sc.coverage_of("page", merged)}


def test_not_present_needs_a_complete_walk(observer: sc.Observer) -> None:
    observer.observe("GET", URL + "?offset=0&limit=1", 200, {"data": [A], "next": URL + "?offset=1&limit=1"})
    observer.observe("GET", URL + "a/", 200, A)
    rows = _rows(observer)
    assert rows[f"{LIST} 200"].not_present == []  # one page of two: the rest was never looked at
    assert 'ThingList.data[].kind = "group"' in rows[f"{LIST} 200"].not_seen
    # the last page: the list was walked from offset 0 to a page whose next is null
    observer.observe("GET", URL + "?offset=1&limit=1", 200, {"data": [B], "next": None})
    rows = _rows(observer)
    listed = rows[f"{LIST} 200"]
    assert 'ThingList.data[].kind = "group"' in listed.not_present  # no item of the target has it
    assert "ThingList.data[].status = null" not in listed.not_present + listed.not_seen  # B has it
    assert "ThingList.next != null" not in listed.not_seen + listed.not_present  # the first page had a next
    one = rows[f"{ONE} 200"]
    assert 'Thing.kind = "group"' in one.not_present  # the resource has the list item's schema
    assert "Thing.status = null" in one.not_seen  # B holds it, but no answer of this operation showed it
    assert one.seen + len(one.not_present) + len(one.not_seen) == one.total


def test_a_filtered_page_is_no_walk(observer: sc.Observer) -> None:
    observer.observe("GET", URL + "?search=a", 200, {"data": [A], "next": None})
    assert _rows(observer)[f"{LIST} 200"].not_present == []


def test_totals_and_percent() -> None:
    row = SchemaCoverage(
        "GET /x/", "200", "page", total=10, seen=6, not_present=["a", "b"], not_seen=["c", "d"]
    )
    assert row.percent == 75.0
    result = RunResult("t", "s", "h", 1, "quick", "a", "b", schema_coverage=[row])
    assert result.schema_totals() == (6, 10, 2)
    from mmcontract.report.view import schema_coverage_line

    assert (
        schema_coverage_line(result) == "response schema: 6/8 nodes seen (75%); 2 not present on the target"
    )


def test_the_shipped_contracts() -> None:
    """Both levels as shipped: the page's nullable under an object, and the client overlay's allOf (a version is
    the page's model package plus the registered model it belongs to)."""
    page = sc.nodes_of(sc._spec("page"), "GET /modelPackages/{modelPackageId}/", "200")
    assert "ModelPackageRetrieveResponse.timeseries.forecastDistancesTimeUnit = null" in page
    assert "ModelPackageRetrieveResponse.isArchived" in page
    client_targets = sc._targets("client")
    version = "GET /registeredModels/{registeredModelId}/versions/{versionId}/"
    schema, root = client_targets[(version, "200")]
    nodes = sc.nodes_of(sc._spec("client"), version, "200", schema, root)
    assert {f"{root}.registeredModelId", f"{root}.timeseries.forecastDistancesTimeUnit = null"} <= set(nodes)


def test_every_writer_shows_it(tmp_path: Any) -> None:
    from mmcontract.report import write_reports
    from mmcontract.report.summary_json import build_summary, validate

    rows = [
        SchemaCoverage(
            "GET /x/", "200", "page", total=4, seen=2, not_present=["X.a = null"], not_seen=["X.b"]
        ),
        SchemaCoverage("GET /x/", "200", "client", total=5, seen=5),
    ]
    when = "2026-11-30T03:00:00Z"
    result = RunResult(
        "http://t/api/v2", "s", "h", 1, "quick", when, when, level="client", schema_coverage=rows
    )
    result.min_schema_coverage = 90.0
    result.incomplete = [
        "response-schema coverage 66.7% is below --min-schema-coverage 90%: 1 node not seen: X"
    ]
    assert result.exit_code == 1 and result.outcome == "incomplete"  # the floor fails the run on its own
    document = build_summary(result)
    validate(document)
    assert document["schema_coverage"]["levels"]["page"] == {
        "seen": 2,
        "total": 4,
        "not_present": 1,
        "percent": 66.7,
    }
    write_reports(result, tmp_path)
    md = (tmp_path / "summary.md").read_text()
    assert "response schema: 2/3 nodes seen (66.7%); 1 not present on the target" in md and "`X.b`" in md
    assert "response schema (client level): 5/5 nodes seen (100%)" in md
    html = (tmp_path / "report.html").read_text()
    assert "X.b" in html and "X.a = null" in html and "fails the run (--min-schema-coverage)" in html
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="schema_coverage.client"' in junit and 'name="schema_coverage.page"' in junit


def test_sub_lists_are_complete_when_every_parent_was_walked_and_widening_was_asked_for() -> None:
    """On the shipped contract: a package's logs are all seen once the package list and each package's logs were
    walked; its features only when asked with includeNonPredictionFeatures=true (the default leaves some out)."""
    base = "http://h/api/v2/modelPackages/"
    observer = sc.Observer(("page",))
    observer.observe(
        "GET", base + "?offset=0&limit=100", 200, {"data": [{"id": "p1"}, {"id": "p2"}], "next": None}
    )
    for package in ("p1", "p2"):
        observer.observe("GET", f"{base}{package}/modelLogs/?limit=100", 200, {"data": [], "next": None})
        observer.observe("GET", f"{base}{package}/features/?limit=100", 200, {"data": [], "next": None})
    observer.observe(
        "GET", f"{base}p1/features/?includeNonPredictionFeatures=true", 200, {"data": [], "next": None}
    )
    complete = sc.complete_schemas("page", sc.merge([observer.record() or {}]))
    assert {"ModelPackageRetrieveResponse", "ModelPackageModelLogsEntry"} <= complete
    assert "Feature" not in complete  # p2's features were only listed without the widening parameter
    observer.observe(
        "GET", f"{base}p2/features/?includeNonPredictionFeatures=True", 200, {"data": [], "next": None}
    )
    assert "Feature" in sc.complete_schemas("page", sc.merge([observer.record() or {}]))
