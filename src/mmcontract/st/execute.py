"""One generated case, or one state-machine step: sent (waiting out 429 + Retry-After), counted, validated.

Failures are noted with their curl line and response excerpt before they propagate, so the report can show the
request that failed.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from schemathesis.core.failures import FailureGroup

from mmcontract.checks.catalogue import family_of
from mmcontract.st.records import bundle_names
from mmcontract.target import plugin
from mmcontract.target.config import TargetConfig
from mmcontract.target.ratelimit import MAX_RETRIES, retry_after_seconds
from mmcontract.target.reproduce import response_excerpt


def _count(state: Any, case: Any, response: Any) -> None:
    """Count a Schemathesis answer (with whether a 2xx list page held an item), and let the first create from
    --leaderboard-model-id verify that id."""
    method = response.request.method or case.method
    url = response.request.url or ""
    status = response.status_code
    if status == 404 or 200 <= status < 300:  # a generated body may earn a 422 for its other values
        state.check_leaderboard_create(method, url, status, case.body)
    listed = plugin.list_items(response) if method.upper() == "GET" and 200 <= status < 300 else None
    state.count(method, url, status, listed)
    state.observe_schema(method, url, status, response.json)  # response-schema coverage (validated next)


def run_case(case: Any, target: TargetConfig) -> Any:
    """Send one generated case (waiting out 429 + Retry-After), count it, and validate the answer.

    Failures are noted with their curl line and response excerpt before they propagate, so the report can
    show the request that failed. A request timeout is a failure of the operation; the test stops there
    rather than spend the budget (and shrinking) on more timeouts. Returns the (validated) response.
    """
    state = plugin.session_state()
    nodeid = plugin.current_nodeid()
    state.cases[nodeid] += 1
    label = case.operation.label
    try:
        for _ in range(MAX_RETRIES + 1):
            response = case.call()
            header = response.headers.get("retry-after")
            delay = (
                retry_after_seconds(header[0] if header else None) if response.status_code == 429 else None
            )
            if delay is None:
                break
            time.sleep(delay)
    except requests.Timeout:
        curl = case.as_curl_command()
        state.count(case.method, case.formatted_path, None)
        plugin.note_failure(
            nodeid,
            {
                "check": "ST112",
                "operation": label,
                "title": "Response within the request timeout",
                "family": family_of("ST112"),
                "message": f"no response within {target.request_timeout:g} s",
                "basis": f"--request-timeout {target.request_timeout:g} s",
                "expected": f"a response within {target.request_timeout:g} s",
                "actual": "timeout",
                "curl": curl,
                "response_excerpt": None,
            },
        )
        state.timed_out.add(nodeid)
        pytest.skip(f"request timeout after {target.request_timeout:g} s")
    _count(state, case, response)
    note_client_findings(case, response, target)
    try:
        # the auth header named as the caller's own, so `ignored_auth` knows it is real and probes without it
        case.validate_response(response, headers=target.headers())
    except FailureGroup as exc:
        _note_failures(nodeid, case, response, exc)
        raise
    return response


def _note_failures(nodeid: str, case: Any, response: Any, group: FailureGroup) -> None:
    """Note each failure of a validation with the request's curl line, the response excerpt and the bundle."""
    curl = case.as_curl_command(headers=dict(response.request.headers))
    excerpt = response_excerpt(response)
    names = bundle_names(case.operation)
    for failure in group.exceptions:
        plugin.note_failure(
            nodeid, {"check": failure.code, "curl": curl, "response_excerpt": excerpt, "bundle": names}
        )


def note_client_findings(case: Any, response: Any, target: TargetConfig) -> None:
    """The client-level schema check (MM801) on a validated response: findings noted, never raised (see
    st.client_schema). A check that cannot run is a run error (the client level could not be judged)."""
    from mmcontract.st import client_schema
    from mmcontract.st.config import build_config

    nodeid = plugin.current_nodeid()
    try:
        findings = client_schema.schema_findings(case, response, lambda: build_config(target))
    except client_schema.ClientCheckError as exc:
        state = plugin.session_state()
        if not state.client_check_broken:
            state.client_check_broken = True
            state.write({"kind": "error", "nodeid": nodeid, "error": str(exc)[:500]})
        return
    for finding in findings:
        plugin.note_finding(nodeid, finding)


def validate_step(
    machine: Any, response: Any, case: Any, additional_checks: Any, kwargs: dict[str, Any]
) -> None:
    """A state machine step's validation, counted and noted like `run_case` (curl line per failure)."""
    state = plugin.session_state()
    _count(state, case, response)
    note_client_findings(case, response, state.target)
    try:
        case.validate_response(
            response,
            additional_checks=additional_checks,
            headers=state.target.headers(),
            transport_kwargs=kwargs or None,
            recorder=getattr(machine, "recorder", None),
        )
    except FailureGroup as exc:
        _note_failures(plugin.current_nodeid(), case, response, exc)
        raise
