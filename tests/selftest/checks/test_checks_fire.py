"""Each semantic check passes on the clean reference server and fires, with its own code, on the fault that
breaks what it checks (the fault -> check table is scenarios.FAULT_SCENARIOS)."""

from __future__ import annotations

import pytest
from scenarios import FAULT_SCENARIOS

from mmcontract.checks.catalogue import CHECKS, CLIENT_FAMILY
from mmcontract.checks.violation import ContractViolation
from mmcontract.reference.faults import BY_NAME

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_every_mm_check_is_proven_by_a_fault():
    proven = {code for code, _ in FAULT_SCENARIOS.values()}
    # the client-level checks are proven on the reference server's literal variant: tests/selftest/levels;
    # the request family (what a client sent) on observed traffic: tests/selftest/traffic
    assert proven == {
        code
        for code, c in CHECKS.items()
        if code.startswith("MM") and c.family not in (CLIENT_FAMILY, "request")
    }
    assert set(FAULT_SCENARIOS) <= set(BY_NAME)


@pytest.mark.parametrize("fault", sorted(FAULT_SCENARIOS))
def test_scenario_is_clean_on_the_reference(fault, reference):
    _, scenario = FAULT_SCENARIOS[fault]
    scenario(reference(None))  # neither a violation nor NotApplicable


@pytest.mark.parametrize("fault", sorted(FAULT_SCENARIOS))
def test_check_fires_on_its_fault(fault, reference):
    code, scenario = FAULT_SCENARIOS[fault]
    with pytest.raises(ContractViolation) as caught:
        scenario(reference(fault))
    violation = caught.value
    assert violation.code == code, str(violation)
    assert violation.basis.startswith(("page:", "spec", "selftest"))
    assert violation.response is not None and violation.curl and "selftest-token" not in violation.curl
