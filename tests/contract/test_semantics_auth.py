"""MM701 (no token) and MM702 (a wrong token) on every operation of the contract.

Write operations are probed only with --allow-writes, and then only on ids that exist nowhere. Such a probe
could not change anything even on a server that ignored authentication (see mmcontract.checks.auth), but
the suite promises that without --allow-writes not one POST/PATCH/DELETE reaches the target (an audit log or
a WAF would still see them), so without it those probes are skipped and say so."""

from __future__ import annotations

import pytest

from mmcontract.checks import auth
from mmcontract.checks.outcome import run_check
from mmcontract.target.operations import operations

LABELS = [op.label for op in operations()]
CASES = [
    pytest.param(label, wrong, marks=pytest.mark.mm(code=code, operation=label), id=f"{code}-{label}")
    for code, wrong in (("MM701", False), ("MM702", True))
    for label in LABELS
]


def _real_ids(discovered) -> dict[str, str]:
    ids: dict[str, str] = {}
    if discovered.versions:
        ids["registeredModelId"], ids["versionId"] = discovered.versions[0]
    elif discovered.registered_model_ids:
        ids["registeredModelId"] = discovered.registered_model_ids[0]
    if discovered.model_package_ids:
        ids["modelPackageId"] = discovered.model_package_ids[0]
    return ids


@pytest.mark.parametrize(("label", "wrong"), CASES)
def test_auth(label, wrong, api, discovered, target):
    probe = auth.probe_for(label, _real_ids(discovered))
    if probe.method != "GET" and not target.allow_writes:
        pytest.skip(
            "no write request without --allow-writes (the probe would go to an id that exists nowhere)"
        )
    run_check(target.covers, label, lambda: auth.check_auth(api, probe, wrong=wrong))
