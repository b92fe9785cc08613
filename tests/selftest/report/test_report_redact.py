"""The token never appears in a report: patterns, registered secrets, and every file written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from report_samples import SECRET, sample_result

from mmcontract.report import write_reports
from mmcontract.report.baseline import update_baseline
from mmcontract.report.redact import clear_secrets, redact, register_secret


@pytest.fixture(autouse=True)
def _no_registered_secrets():
    clear_secrets()
    yield
    clear_secrets()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "curl -H 'Authorization: Bearer abc123XYZ' http://h/",
            "curl -H 'Authorization: [Filtered]' http://h/",
        ),
        ('-H "authorization: Token sk_live_0123456789"', '-H "authorization: [Filtered]"'),
        ("{'Authorization': 'Bearer abc123def'}", "{'Authorization': '[Filtered]'}"),
        ("sent Bearer a1b2c3d4e5 to the server", "sent Bearer [Filtered] to the server"),
        ("Token abcdefghijklmnopqrstuvwxyz", "Token [Filtered]"),
        ("DATAROBOT_API_TOKEN=s3cr3t-value make contract", "DATAROBOT_API_TOKEN=[Filtered] make contract"),
        ('{"token": "zz9yy8", "name": "m"}', '{"token": "[Filtered]", "name": "m"}'),
        ("http://h/api/v2/x/?api_key=k123&limit=3", "http://h/api/v2/x/?api_key=[Filtered]&limit=3"),
        ("Authorization: [Filtered]", "Authorization: [Filtered]"),  # idempotent
    ],
)
def test_redact_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(redact(text)) == expected


@pytest.mark.parametrize(
    "prose",
    [
        "A wrong token gets 401 on every operation",
        "expected 401 for a missing token: got 200",
        "Bearer authentication is required",
        "",
    ],
)
def test_redact_keeps_prose(prose: str) -> None:
    assert redact(prose) == prose


def test_registered_secret_is_removed_in_any_shape() -> None:
    secret = "plainletterstoken"  # no digit, short: no pattern would catch it on its own
    assert redact(f"echoed {secret} back") == f"echoed {secret} back"
    register_secret(secret)
    assert redact(f"echoed {secret} back") == "echoed [Filtered] back"
    assert redact(f"x={secret}&y").count(secret) == 0


def test_no_report_file_contains_the_token(tmp_path: Path) -> None:
    register_secret(SECRET)
    result = sample_result()
    # Put the token everywhere a careless runner might: message, expected, actual, excerpt, target, errors.
    leaky = dataclasses.replace(
        result.failures[0],
        message=f"server echoed {SECRET}",
        expected=f"Bearer {SECRET}",
        actual=f"token={SECRET}",
        response_excerpt=f'{{"headers": {{"Authorization": "Token {SECRET}"}}}}',
    )
    result.failures.append(leaky)
    result.target = f"http://127.0.0.1:1/api/v2?token={SECRET}"
    result.errors = [f"probe failed with Authorization: Bearer {SECRET}"]
    result.stale_baseline.append(
        {"operation": "GET /x/", "check": "MM101", "signature": "0" * 16, "reason": SECRET}
    )
    paths = write_reports(result, tmp_path / "reports")
    update_baseline(result, tmp_path / "baseline.yaml")
    for path in [*paths, tmp_path / "baseline.yaml"]:
        text = path.read_text()
        assert SECRET not in text, path.name
        assert "[Filtered]" in text or path.name == "baseline.yaml", path.name
