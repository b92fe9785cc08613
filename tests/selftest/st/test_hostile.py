"""Hostile strings (mmcontract.st.hostile) on hand-built cases: the corpus holds every class the issue names, only
free strings receive them, the values stay schema-valid (path ids Schemathesis would send, bodies within
maxLength, create names with the run's prefix), positive cases keep their real path ids, and the choice follows
the seed and the case alone."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

from schemathesis.core.parameters import ParameterLocation

from mmcontract.spec import load_spec
from mmcontract.st import hostile
from mmcontract.st.hostile import Slots, corpus, fits_path, free_strings, make_hostile, path_form

REAL = "65b000000000000000000004"
CLASSES = {
    "wildcards",
    "quotes",
    "backslashes",
    "format-strings",
    "non-ascii",
    "emoji-and-bidi",
    "control-characters",
    "whitespace",
    "very-long",
    "url-encoded",
    "path-traversal",
    "markup-and-literals",
}


class _Meta:
    def __init__(self, positive: bool, negative_at: ParameterLocation | None = None) -> None:
        mode = SimpleNamespace(is_positive=positive)
        self.generation = SimpleNamespace(mode=mode)
        self.phase = SimpleNamespace(name="coverage")
        self._negative_at = negative_at

    def is_negative_at(self, location: ParameterLocation) -> bool:
        return location == self._negative_at


def _case(method: str, label: str, *, positive: bool = True, **parts: Any) -> Any:
    meta = _Meta(positive, parts.pop("negative_at", None))
    operation = SimpleNamespace(label=label)
    return SimpleNamespace(method=method, operation=operation, meta=meta, **parts)


def test_the_corpus_holds_every_class_and_no_nul() -> None:
    strings = corpus()
    assert {h.kind for h in strings} == CLASSES
    assert not any("\x00" in h.value for h in strings)
    assert any("%" in h.value for h in strings) and any(len(h.value) > 64 for h in strings)
    assert any(not h.value.isascii() for h in strings) and any("\u202e" in h.value for h in strings)


def test_free_strings_are_the_unconstrained_ones() -> None:
    table = free_strings(load_spec())
    rms = table["GET /registeredModels/"]
    assert "search" in rms.query and "sortKey" not in rms.query and "createdAtStartTs" not in rms.query
    assert table["GET /registeredModels/{registeredModelId}/versions/{versionId}/"].path == {
        "registeredModelId",
        "versionId",
    }
    create = table["POST /modelPackages/fromLeaderboard/"].body
    assert create["name"] == 1024 and "modelId" not in create and "predictionThreshold" not in create


def test_path_forms_are_what_schemathesis_sends() -> None:
    assert not fits_path("../") and not fits_path("%2e%2e%2f") and not fits_path("..") and not fits_path("{}")
    assert fits_path("100%") and unquote(path_form("100%")) == "100%"
    assert "/" not in path_form("a b?c#d")


def test_positive_reads_keep_real_ids_and_unknown_ids_become_hostile() -> None:
    slots = Slots(path={"modelPackageId"})
    label = "GET /modelPackages/{modelPackageId}/features/"
    for i in range(50):
        real = _case("GET", label, path_parameters={"modelPackageId": REAL}, query={"x": str(i)}, body=None)
        make_hostile(real, slots, 1, known=lambda v: v == REAL, prefix=None)
        assert real.path_parameters["modelPackageId"] == REAL
    unknown = _case("GET", label, path_parameters={"modelPackageId": "zz"}, query={}, body=None)
    assert make_hostile(unknown, slots, 1, known=lambda v: v == REAL, prefix=None) == ["path.modelPackageId"]
    assert fits_path(unquote(unknown.path_parameters["modelPackageId"]))


def _creates(seed: int) -> list[Any]:
    """Forty create cases through make_hostile, from a fresh sweep."""
    hostile._SWEPT.clear()
    slots = Slots(query={"search"}, body={"name": 1024, "description": 2048})
    label = "POST /modelPackages/fromLeaderboard/"
    cases = []
    for i in range(40):
        body = {"modelId": "m", "name": f"n{i}", "description": "d"}
        case = _case("POST", label, path_parameters={}, query={}, body=body)
        make_hostile(case, slots, seed, known=lambda v: False, prefix="mmcontract-run-")
        negative = _case("POST", label, positive=False, path_parameters={}, query={}, body=dict(body))
        assert make_hostile(negative, slots, seed, known=lambda v: False, prefix=None) == []
        cases.append(case)
    return cases


def test_query_and_body_strings_of_positive_cases_only_and_reproducibly() -> None:
    cases = _creates(7)
    changed = [c for c in cases if c.body["name"] != f"n{cases.index(c)}"]
    assert 10 < len(changed) < 30  # about 1 in HOSTILE_SHARE
    for case in changed:
        assert case.body["name"].startswith("mmcontract-run-") and len(case.body["name"]) <= 1024
        assert case.body["modelId"] == "m"
    assert [c.body for c in _creates(7)] == [
        c.body for c in cases
    ]  # the same seed and cases: the same strings
    heads = {c.body["description"] for c in changed[:12]}
    assert {"%", "'", "\\"} <= heads  # the sweep: each class's first string before any repeats


def test_write_path_ids_are_left_to_the_steering() -> None:
    slots = Slots(path={"registeredModelId"})
    case = _case(
        "DELETE", "DELETE /registeredModels/{registeredModelId}/", path_parameters={"registeredModelId": "x"}
    )
    case.query, case.body = {}, None
    make_hostile(case, slots, 3, known=lambda v: False, prefix=None)
    assert case.path_parameters == {"registeredModelId": "x"}
