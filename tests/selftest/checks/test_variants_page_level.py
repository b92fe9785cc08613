"""The semantic checks raise nothing against any page-legal server: every check scenario (the same ones that
fire on their faults, scenarios.FAULT_SCENARIOS) passes on the reference server under each legal variant, all
of them at once, and `literal` (the page's letter only). A scenario that cannot look on a variant (no registered
model can be created where registeredModelName is ignored) says so with NotApplicable, never a violation; the
write scenarios that can still run there are required to run (so a variant cannot pass by hiding everything).

The whole suite (Schemathesis included) on each variant: tests/selftest/runner/test_levels_on_variants.py.
"""

from __future__ import annotations

import pytest
from scenarios import FAULT_SCENARIOS, stage

from mmcontract.checks.violation import NotApplicable
from mmcontract.reference.variants import VARIANTS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SINGLE = sorted(v.name for v in VARIANTS if v.name != "literal")
SERVERS = {
    **{name: frozenset({name}) for name in SINGLE},
    "every-variant": frozenset(SINGLE),
    "literal": frozenset({"literal"}),
}
# Variants under which the suite cannot create a registered model (registeredModelName is off the page)
NO_REGISTERED_MODEL = {"no-registered-model-name", "every-variant", "literal"}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_every_check_passes_on_a_page_legal_server(reference, server: str) -> None:  # type: ignore[no-untyped-def]
    ref = reference(variants=SERVERS[server])
    could_not_look = []
    for fault, (code, scenario) in sorted(FAULT_SCENARIOS.items()):
        try:
            scenario(ref)
        except NotApplicable as why:
            could_not_look.append(f"{code} ({fault}): {why}")
    if server in NO_REGISTERED_MODEL:
        assert could_not_look, "every write scenario ran although no registered model can be created"
        assert all("registered model" in line for line in could_not_look), could_not_look
    else:
        assert could_not_look == []


STAGES = ("Registered", "Development", "Staging", "Production", "Archived")
BUILD_STATUSES = ("inProgress", "complete", "failed")


@pytest.mark.parametrize("server", ["versions-hide-archived", "archived-listed", "default"])
def test_version_filters_pass_where_archived_versions_are_hidden_or_listed(reference, server: str) -> None:  # type: ignore[no-untyped-def]
    """The registered-model filters that read the versions (stage, buildStatus), on every documented value:
    a versions list that hides archived versions (legal) cannot show that a model has no matching version."""
    ref = reference(variants=frozenset() if server == "default" else frozenset({server}))
    for value in STAGES:
        stage(value)(ref)
    for value in BUILD_STATUSES:
        stage(value, "buildStatus")(ref)
