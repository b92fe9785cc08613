"""`x-mm-lenient-bounds` (offset/limit below their minimum): a server may refuse or accept; only a 5xx fails."""

from __future__ import annotations

import httpx
import pytest

from mmcontract.checks import validation
from mmcontract.checks.violation import ContractViolation
from mmcontract.spec import load_spec
from mmcontract.st.lenience import _is_integer, lenience_table

RMS = "GET /registeredModels/"


def test_offset_and_limit_carry_lenient_bounds_in_the_lenience_table():
    table = lenience_table(load_spec())
    assert table[RMS][("query", "offset")].bounds and table[RMS][("query", "limit")].bounds
    assert not table[RMS][("query", "isGlobal")].bounds


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
