"""The pure parts of the semantic checks: how orders are compared, how instants are written, which query
values the validation checks send (honouring the contract's lenient marks), and which probes auth sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mmcontract.checks import auth, isolation, validation
from mmcontract.checks.filtering import _forms, search_case_insensitive
from mmcontract.checks.listing import choose_limit
from mmcontract.checks.ordering import _disorder
from mmcontract.spec import load_spec


@pytest.mark.parametrize(
    "values",
    [
        ["Alpha", "beta", "Gamma"],  # case-insensitive
        ["Alpha", "Gamma", "beta"],  # code point
        ["model-a", "model b", "modelc"],  # locale collation: punctuation ignored
        ["a", "a", "b"],  # ties
    ],
)
def test_text_orders_any_reasonable_collation_accepts(values):
    assert _disorder(values, "text", descending=False) is None
    assert _disorder(list(reversed(values)), "text", descending=True) is None


def test_text_out_of_order_under_every_collation_is_found():
    assert _disorder(["b", "a", "c"], "text", descending=False) == 1
    assert _disorder(["a", "b", "c"], "text", descending=True) is not None


def test_numbers_and_instants():
    assert _disorder([1, 2, 2, 3], "number", descending=False) is None
    assert _disorder([3, 1, 2], "number", descending=True) == 2
    t1, t2 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
    assert _disorder([t2, t1], "datetime", descending=False) == 1


def test_one_instant_written_three_ways():
    instant = datetime(2024, 2, 1, 12, 0, 0, 123000, tzinfo=UTC)
    forms = _forms(instant)
    assert forms[0] == "2024-02-01T12:00:00.123000Z"
    assert forms[1] == "2024-02-01T17:30:00.123000+05:30"
    assert forms[2] == "2024-02-01T04:00:00.123000-08:00"
    assert {datetime.fromisoformat(f.replace("Z", "+00:00")) for f in forms} == {instant}


def test_limits_are_never_zero():
    assert choose_limit(0, 4) == 1 and choose_limit(13, 3) == 5 and choose_limit(2, 4) == 1


def test_query_cases_honour_the_contracts_marks():
    cases = validation.query_cases(load_spec())
    sent = {(c.operation, c.param, str(c.value), c.valid) for c in cases}
    rms = "GET /registeredModels/"
    assert (rms, "isGlobal", "true", True) in sent and (rms, "isGlobal", "false", True) in sent
    assert not any(c.param == "isGlobal" and c.value in ("True", "False") for c in cases)  # lenient values
    assert not any(c.param == "modelKind" for c in cases)  # x-mm-no-negative, no enum
    assert not any(c.param == "forChallenger" for c in cases)  # meaningful only with another parameter
    features = "GET /modelPackages/{modelPackageId}/features/"
    assert {v for o, p, v, ok in sent if o == features and p == "includeNonPredictionFeatures" and ok} == {
        "true",
        "false",
        "True",
        "False",
    }
    assert (rms, "sortKey", validation.INVALID_TEXT, False) in sent
    assert (rms, "offset", "-1", False) in sent
    versions = "GET /registeredModels/{registeredModelId}/versions/"
    assert not any(o == versions and p == "sortKey" and v == "modifiedAt" for o, p, v, _ in sent)


def test_search_case_rule_comes_from_the_page_or_the_contract():
    spec = load_spec()
    assert search_case_insensitive(
        spec, "GET /modelPackages/{modelPackageId}/features/"
    )  # page: "Case insensitive"
    spec["paths"]["/registeredModels/"]["get"]["parameters"] = [
        {"name": "search", "in": "query", "x-doc-gap": [{"spec": "case-insensitive", "why": "w"}]}
    ]
    assert search_case_insensitive(spec, "GET /registeredModels/").startswith("spec x-doc-gap")


def test_auth_probes_write_only_to_ids_that_exist_nowhere():
    real = {"registeredModelId": "rm-real", "versionId": "v-real", "modelPackageId": "mp-real"}
    read = auth.probe_for("GET /registeredModels/{registeredModelId}/versions/{versionId}/", real)
    assert read.path == "registeredModels/rm-real/versions/v-real/"
    for label in (
        "DELETE /registeredModels/{registeredModelId}/",
        "PATCH /registeredModels/{registeredModelId}/sharedRoles/",
        "POST /modelPackages/{modelPackageId}/archive/",
        "POST /modelPackages/fromLeaderboard/",
    ):
        probe = auth.probe_for(label, real)
        assert "real" not in probe.path and "real" not in str(probe.body)


def test_foreign_pairs_use_only_known_memberships():
    versions = [("a", "v1"), ("a", "v2"), ("b", "v3")]
    assert isolation.foreign_pairs(versions) == [("a", "v1", "b"), ("a", "v2", "b"), ("b", "v3", "a")]
    assert isolation.foreign_pairs([("a", "v1")]) == []


def test_carried_values_may_be_reserialised():
    from mmcontract.traffic.judge import same_value as _same_value

    assert _same_value("True", "true")
    assert _same_value("2999-01-01T00:00:00+00:00", "2999-01-01T00:00:00Z")
    assert _same_value("2999-01-01T05:30:00+05:30", "2999-01-01T00:00:00Z")
    assert not _same_value("2999-01-01T00:00:01Z", "2999-01-01T00:00:00Z")
    assert not _same_value("name", "createdAt")


def test_confirmed_reports_only_a_violation_that_happens_again():
    from mmcontract.checks.outcome import confirmed
    from mmcontract.checks.violation import ContractViolation

    calls = []

    def once():
        calls.append(1)
        if len(calls) == 1:
            raise ContractViolation("MM302", "left out an item", basis="page")
        return ["ok"]

    notes = confirmed(once)
    assert len(calls) == 2 and notes[0] == "ok" and "not reproduced" in notes[1]

    def always():
        raise ContractViolation("MM302", "left out an item", basis="page")

    with pytest.raises(ContractViolation):
        confirmed(always)
