"""MM802, MM803, MM806-MM809: what the official datarobot client needs beyond the page, read-only.

Client level: a failure breaks the official client, not the page's words; it fails a run only at --level client
(see mmcontract.checks.client, and the overlay's x-client-checks)."""

from __future__ import annotations

import pytest

from mmcontract.checks import client
from mmcontract.checks.outcome import run_check

RM_LIST = "GET /registeredModels/"
ROLES = "GET /registeredModels/{registeredModelId}/sharedRoles/"
VERSION = "GET /version/"  # not on the page: the client-level contract's


def mm(code, operation):
    return pytest.mark.mm(code=code, operation=operation)


@mm("MM802", RM_LIST)
def test_token_scheme(api, target):
    run_check(target.covers, RM_LIST, lambda: client.check_token_scheme(api))


@mm("MM803", VERSION)
def test_version(api, target):
    run_check(target.covers, VERSION, lambda: client.check_version(api))


@mm("MM806", ROLES)
def test_role_names(api, target, discovered):
    run_check(
        target.covers, ROLES, lambda: client.check_role_names(api, list(discovered.registered_model_ids))
    )


@pytest.mark.parametrize(
    ("template", "param"),
    [
        pytest.param(t, p, marks=mm("MM807", f"GET /{t}"), id=f"MM807-GET /{t}-{p}")
        for t, p in client.BOOLEAN_FILTERS
    ],
)
def test_capital_booleans(template, param, api, target, discovered):
    ids = list(discovered.registered_model_ids)
    run_check(
        target.covers,
        f"GET /{template}",
        lambda: client.check_capital_booleans(api, template, param, ids),
        confirm=True,
    )


@mm("MM808", RM_LIST)
def test_naive_datetimes(api, target):
    run_check(target.covers, RM_LIST, lambda: client.check_naive_datetimes(api), confirm=True)


@mm("MM809", RM_LIST)
def test_next_as_given(api, target):
    run_check(target.covers, RM_LIST, lambda: client.check_next_as_given(api), confirm=True)
