"""The official client (datarobot) can parse what the contract allows: every field it requires is allowed,
and the contract's own examples parse with the client's converters."""

from __future__ import annotations

import copy

import pytest

datarobot = pytest.importorskip("datarobot")
from datarobot.models.model_registry.deployment import VersionAssociatedDeployment  # noqa: E402
from datarobot.models.model_registry.registered_model import RegisteredModel  # noqa: E402
from datarobot.models.model_registry.registered_model_version import RegisteredModelVersion  # noqa: E402
from datarobot.utils import camelize  # noqa: E402

PARSED_AS = [
    (RegisteredModelVersion, "ModelPackageRetrieveResponse"),
    (RegisteredModel, "RegisteredModelResponse"),
    (VersionAssociatedDeployment, "RegisteredModelDeploymentResponse"),
]


def required_keys(api_object) -> set[str]:
    return {camelize(key.name) for key in api_object._converter.keys if not key.optional}


@pytest.mark.parametrize(("api_object", "schema_name"), PARSED_AS, ids=[s for _, s in PARSED_AS])
def test_every_field_the_client_requires_is_a_declared_property(spec, api_object, schema_name):
    properties = spec["components"]["schemas"][schema_name]["properties"]
    assert required_keys(api_object) <= set(properties)


def test_the_client_required_fields_missing_from_the_page_are_recorded(spec):
    properties = spec["components"]["schemas"]["ModelPackageRetrieveResponse"]["properties"]
    for name in ("registeredModelId", "registeredModelVersion"):
        assert name in required_keys(RegisteredModelVersion)
        assert [entry["aspect"] for entry in properties[name]["x-doc-gap"]] == ["added"]


def test_the_version_list_example_parses_as_client_versions(spec):
    example = spec["components"]["schemas"]["RegisteredModelVersionsListResponse"]["examples"][0]
    version = RegisteredModelVersion.from_server_data(copy.deepcopy(example["data"][0]))
    assert version.registered_model_version == 1


def test_the_registered_model_example_parses_as_a_client_registered_model(spec):
    example = spec["components"]["schemas"]["RegisteredModelResponse"]["examples"][0]
    assert RegisteredModel.from_server_data(copy.deepcopy(example)).last_version_num == 0


def test_the_deployment_example_parses_as_a_client_deployment(spec):
    example = spec["components"]["schemas"]["RegisteredModelDeploymentResponse"]["examples"][0]
    assert VersionAssociatedDeployment.from_server_data(copy.deepcopy(example)).registered_model_version == 0


def test_a_version_without_the_added_fields_does_not_parse(spec):
    # Proves the two tests above can fail: the page's own example (no registeredModelId/Version) is rejected.
    example = copy.deepcopy(spec["components"]["schemas"]["ModelPackageRetrieveResponse"]["examples"][0])
    with pytest.raises(Exception, match="registered_model"):
        RegisteredModelVersion.from_server_data(example)
