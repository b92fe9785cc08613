"""The contract suite. Fixtures come from `mmcontract.target.plugin` (loaded by the root conftest.py and by
`mmcontract run`): `target`, `api`, `api_log`, `discovered`, `writable_registered_model`, and the marker
`@pytest.mark.mm(code=..., operation=...)`. See that module's docstring for the contract."""

from __future__ import annotations

import pytest

from mmcontract.st.steering import STEERING, WRITE_METHODS, Steering
from mmcontract.target.config import TargetConfig
from mmcontract.target.discovery import Discovery
from mmcontract.target.plugin import create_registered_model


@pytest.fixture(scope="session")
def steering(target: TargetConfig, discovered: Discovery) -> Steering:
    """Points Schemathesis's path ids at resources that exist on the target (see mmcontract.st.steering)."""
    steer = STEERING
    steer.registered_model_ids = list(discovered.registered_model_ids)
    steer.versions = list(discovered.versions)
    steer.deployment_versions = list(discovered.deployment_versions)
    steer.model_package_ids = list(discovered.model_package_ids)
    steer.recipients = list(discovered.recipients)
    steer.leaderboard_model_id = target.leaderboard_model_id if target.allow_writes else None
    return steer


@pytest.fixture(scope="session")
def created_for_writes(api, target: TargetConfig, steering: Steering):
    """Creates, on first use by each write operation, a registered model that operation may change."""

    def ensure(label: str) -> None:
        if not target.allow_writes or label.split()[0] not in WRITE_METHODS:
            return
        if label in steering.created or "{" not in label:
            return
        created = create_registered_model(api, target, "schemathesis")
        steering.created[label] = (created.registered_model_id, created.model_package_id)
        steering.remember_created(created.registered_model_id, created.model_package_id)

    return ensure
