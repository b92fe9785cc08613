"""ContractViolation carries what the report needs, and its curl line never shows a token."""

from __future__ import annotations

import httpx
import pytest

from mmcontract.checks.catalogue import CHECKS
from mmcontract.checks.violation import FILTERED, ContractViolation, curl_for


def _response(headers: dict[str, str], body: bytes | None = None) -> httpx.Response:
    request = httpx.Request(
        "PATCH", "http://127.0.0.1:9/api/v2/registeredModels/x/?a=b c", headers=headers, content=body
    )
    return httpx.Response(422, json={"message": "bad"}, request=request)


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_curl_redacts_every_credential(scheme):
    secret = "s3cr3t-value-123"
    response = _response(
        {"Authorization": f"{scheme} {secret}", "Cookie": f"session={secret}"}, b'{"name": "n"}'
    )
    line = curl_for(response.request)
    assert secret not in line
    assert f"'Authorization: {FILTERED}'" in line
    assert line.startswith("curl -X PATCH")
    assert "'http://127.0.0.1:9/api/v2/registeredModels/x/?a=b%20c'" in line
    assert """-d '{"name": "n"}'""" in line


def test_violation_fields_and_rendering():
    response = _response({"Authorization": "Bearer tok-xyz"})
    exc = ContractViolation(
        "MM501", "not refused", basis="page: maxLength 1024", expected="4xx", actual="200", response=response
    )
    assert isinstance(exc, AssertionError)
    assert (exc.code, exc.family, exc.title) == ("MM501", "validation", CHECKS["MM501"].title)
    assert exc.expected == "4xx" and exc.actual == "200" and exc.response is response
    text = str(exc)
    assert "MM501" in text and "Basis: page: maxLength 1024" in text and "tok-xyz" not in text
    assert exc.curl is not None and FILTERED in exc.curl
    assert exc.response_excerpt.startswith("HTTP 422")


def test_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError):
        ContractViolation("MM999", "x", basis="page")
