"""Schemathesis over every operation of the contract: examples, coverage (boundaries) and fuzzing phases,
positive and negative generation, the built-in checks configured in mmcontract.checks.schemathesis_checks."""

from __future__ import annotations

from mmcontract.checks import schemathesis_checks
from mmcontract.target.plugin import current_target

TARGET = current_target()
schema = schemathesis_checks.load_schema(TARGET)


@schema.parametrize()
def test_operation(case, steering, created_for_writes):
    created_for_writes(case.operation.label)
    schemathesis_checks.run_case(case, TARGET)
