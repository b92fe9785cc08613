"""The contract suite. Fixtures come from `mmcontract.target.plugin` (loaded by the root conftest.py and by
`mmcontract run`): `target`, `api`, `api_log`, `discovered`, `writable_registered_model`,
`deletable_registered_model`, `writable_model_package`, and the marker
`@pytest.mark.mm(code=..., operation=...)`. See that module's docstring for the contract."""

from __future__ import annotations

import pytest

from mmcontract.st.steering import STEERING, WRITE_METHODS, Steering
from mmcontract.target import writable
from mmcontract.target.config import TargetConfig
from mmcontract.target.discovery import Discovery
from mmcontract.target.plugin import restore_named, writable_line, writable_pair


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The added full-page cases (test_schemathesis_full_pages.py) are Schemathesis tests of their operation."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "full_page_operation" in params:
            item.operation_label = params["full_page_operation"]


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
    steer.named = set(target.writable_registered_models) if target.allow_writes else set()
    return steer


@pytest.fixture(scope="session", autouse=True)
def writable_said(api, target: TargetConfig, discovered: Discovery) -> str | None:
    """Before the first test (after discovery, which must see only what was there before the run): whether
    registered models can be created to write to; if not, one line says so."""
    return writable_line(api, target)


@pytest.fixture(autouse=True)
def named_models_restored(request, api, target: TargetConfig):
    """After each Schemathesis write test (and state machine), the --writable-registered-model models are put back
    as they were (name, description, isGlobal, sharing); the semantic tests restore through their fixture."""
    label = getattr(request.node, "operation_label", None) or ""
    stateful = request.node.nodeid.split("::")[0].endswith("test_stateful.py")
    named = target.writable_registered_models if target.allow_writes else ()
    if not named or not (stateful or label.split(" ", 1)[0] in WRITE_METHODS):
        yield
        return
    before = [writable.snapshot(api, rm) for rm in named]
    yield
    for snapshot in before:
        restore_named(api, snapshot)


@pytest.fixture(scope="session")
def created_for_writes(api, target: TargetConfig, steering: Steering):
    """Creates, on first use by each write operation, a registered model that operation may change."""

    def ensure(label: str) -> None:
        if not target.allow_writes or label.split()[0] not in WRITE_METHODS:
            return
        if label in steering.created or "{" not in label:
            return
        pair = writable_pair(api, target, "schemathesis")
        if pair is None:
            return  # nothing to write to: the writes go to ids that exist nowhere (the run said why)
        steering.created[label] = pair
        steering.remember_created(*(ident for ident in pair if ident not in steering.named))

    return ensure
