"""Stateful workflows from the contract's OpenAPI links (create -> read -> update -> read -> archive -> read),
only with --allow-writes and a profile that runs them. Writes reach only resources the run created (see
Steering in mmcontract.st.steering)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from mmcontract.st.config import load_schema
from mmcontract.st.execute import validate_step
from mmcontract.target.plugin import current_target

TARGET = current_target()
PROFILE = TARGET.settings
WRITE_OPERATIONS = [
    "POST /modelPackages/fromLeaderboard/",
    "POST /modelPackages/{modelPackageId}/archive/",
    "PATCH /registeredModels/{registeredModelId}/",
    "DELETE /registeredModels/{registeredModelId}/",
    "PATCH /registeredModels/{registeredModelId}/sharedRoles/",
]
ENABLED = TARGET.allow_writes and PROFILE.stateful_steps > 0 and not TARGET.operations

pytestmark = [
    pytest.mark.mm(code="ST302", operation=WRITE_OPERATIONS),
    pytest.mark.skipif(
        not ENABLED, reason="stateful workflows need --allow-writes and the default/thorough profile"
    ),
]

if ENABLED:
    schema = load_schema(TARGET)

    class ContractWorkflow(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            validate_step(super().validate_response, response, case, additional_checks, kwargs)

    TestStatefulWorkflows = ContractWorkflow.TestCase
    TestStatefulWorkflows.settings = settings(
        max_examples=PROFILE.stateful_examples,
        stateful_step_count=PROFILE.stateful_steps,
        deadline=None,
        database=None,
        derandomize=TARGET.seed is not None,
        suppress_health_check=list(HealthCheck),
    )

    @pytest.fixture(autouse=True)
    def _steering(steering, created_for_writes):
        for label in WRITE_OPERATIONS:
            created_for_writes(label)
