"""Schemathesis over every operation of the contract: examples, coverage (boundaries) and fuzzing phases,
positive and negative generation, the built-in checks configured in mmcontract.st."""

from __future__ import annotations

from mmcontract.st.config import load_schema
from mmcontract.st.execute import run_case
from mmcontract.target.plugin import current_target

TARGET = current_target()
schema = load_schema(TARGET)


@schema.parametrize()
def test_operation(case, steering, created_for_writes):
    created_for_writes(case.operation.label)
    run_case(case, TARGET)
