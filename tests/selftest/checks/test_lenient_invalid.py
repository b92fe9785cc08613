"""`x-mm-lenient-invalid` (offset/limit below their minimum, enum query parameters outside their enum): a server
may refuse or accept; only a 5xx fails."""

from __future__ import annotations

import httpx
import pytest

from mmcontract.checks import validation
from mmcontract.checks.violation import ContractViolation
from mmcontract.spec import load_spec
from mmcontract.st.lenience import _is_integer, lenience_table

RMS = "GET /registeredModels/"


def test_offset_and_limit_carry_lenient_invalid_in_the_lenience_table():
    table = lenience_table(load_spec())
    assert table[RMS][("query", "offset")].invalid and table[RMS][("query", "limit")].invalid
    assert not table[RMS][("query", "isGlobal")].invalid


@pytest.mark.parametrize(("value", "expected"), [(-1, True), ("-17", True), ("3", True), ("1.5", False),
                                                 ("abc", False), (True, False), (None, False)])  # fmt: skip
def test_only_an_integer_breaks_nothing_but_the_bounds(value, expected):
    assert _is_integer(value) is expected


def below_case() -> validation.QueryCase:
    cases = validation.query_cases(load_spec())
    return next(c for c in cases if c.operation == RMS and c.param == "offset" and not c.valid)


@pytest.mark.parametrize("status", [200, 400, 422])
def test_a_negative_offset_may_be_accepted_or_refused(status):
    case = below_case()
    assert case.either and case.value == -1
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={}))
    with httpx.Client(transport=transport, base_url="http://t/api/v2/") as client:
        assert validation.check_query_value(client, "registeredModels/", case) == []


def test_a_negative_offset_may_not_crash_the_server():
    transport = httpx.MockTransport(lambda request: httpx.Response(500, json={}))
    with (
        httpx.Client(transport=transport, base_url="http://t/api/v2/") as client,
        pytest.raises(ContractViolation) as caught,
    ):
        validation.check_query_value(client, "registeredModels/", below_case())
    assert caught.value.code == "MM501"


def test_enum_query_parameters_carry_lenient_invalid_in_the_lenience_table():
    table = lenience_table(load_spec())
    for name in ("sortKey", "sortDirection", "buildStatus", "stage"):
        assert table[RMS][("query", name)].invalid and table[RMS][("query", name)].enum, name
    assert not table[RMS][("query", "offset")].enum


def out_of_enum_cases() -> list[validation.QueryCase]:
    return [c for c in validation.query_cases(load_spec()) if not c.valid and isinstance(c.value, str)]


def test_every_out_of_enum_case_may_be_accepted_or_refused():
    cases = out_of_enum_cases()
    assert {c.param for c in cases} >= {"sortKey", "sortDirection", "buildStatus", "stage", "orderBy"}
    assert all(c.either and c.value == validation.INVALID_TEXT for c in cases)


@pytest.mark.parametrize("status", [200, 400, 422])
def test_an_out_of_enum_value_may_be_ignored_or_refused(status):
    case = next(c for c in out_of_enum_cases() if c.operation == RMS and c.param == "sortKey")
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={}))
    with httpx.Client(transport=transport, base_url="http://t/api/v2/") as client:
        assert validation.check_query_value(client, "registeredModels/", case) == []


@pytest.mark.parametrize("status", [500, 503, 302])
def test_an_out_of_enum_value_may_not_crash_the_server(status):
    case = next(c for c in out_of_enum_cases() if c.operation == RMS and c.param == "stage")
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={}))
    with (
        httpx.Client(transport=transport, base_url="http://t/api/v2/") as client,
        pytest.raises(ContractViolation) as caught,
    ):
        validation.check_query_value(client, "registeredModels/", case)
    assert caught.value.code == "MM501"
