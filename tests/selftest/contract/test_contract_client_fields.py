"""The official client (datarobot 3.20) can parse what the client-level contract allows, and the page level does
not require what only the client needs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

datarobot = pytest.importorskip("datarobot")
from datarobot.models.model_registry.deployment import VersionAssociatedDeployment  # noqa: E402
from datarobot.models.model_registry.registered_model import RegisteredModel  # noqa: E402
from datarobot.models.model_registry.registered_model_version import RegisteredModelVersion  # noqa: E402
from datarobot.models.sharing import SharingRole  # noqa: E402
from datarobot.utils import camelize  # noqa: E402

PARSED_AS = [
    (RegisteredModelVersion, "ClientRegisteredModelVersion"),
    (RegisteredModel, "RegisteredModelResponse"),
    (VersionAssociatedDeployment, "RegisteredModelDeploymentResponse"),
]
CLIENT_ONLY = ("registeredModelId", "registeredModelVersion")


def required_keys(api_object) -> set[str]:
    return {camelize(key.name) for key in api_object._converter.keys if not key.optional}


def validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A validator for one component schema, its `$ref`s resolved inside the document."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def properties_of(document: dict[str, Any], name: str) -> set[str]:
    schema = document["components"]["schemas"][name]
    found = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            found |= properties_of(document, part["$ref"].rsplit("/", 1)[1])
        found |= set(part.get("properties", {}))
    return found


def client_version(page: dict[str, Any]) -> dict[str, Any]:
    example = copy.deepcopy(page["components"]["schemas"]["ModelPackageRetrieveResponse"]["examples"][0])
    return {**example, "registeredModelId": "string", "registeredModelVersion": 1}


@pytest.mark.parametrize(("api_object", "schema_name"), PARSED_AS, ids=[s for _, s in PARSED_AS])
def test_every_field_the_client_requires_is_a_declared_property(client, api_object, schema_name):
    assert required_keys(api_object) <= properties_of(client, schema_name)


def test_the_client_level_version_requires_what_the_client_requires(page, client):
    version = client_version(page)
    assert not list(validator(client, "ClientRegisteredModelVersion").iter_errors(version))
    assert RegisteredModelVersion.from_server_data(copy.deepcopy(version)).registered_model_version == 1
    for name in CLIENT_ONLY:
        partial = {k: v for k, v in version.items() if k != name}
        assert list(validator(client, "ClientRegisteredModelVersion").iter_errors(partial)), name
        with pytest.raises(Exception, match="registered_model"):
            RegisteredModelVersion.from_server_data(copy.deepcopy(partial))


def test_the_page_level_package_does_not_require_the_client_fields(page):
    schema = page["components"]["schemas"]["ModelPackageRetrieveResponse"]
    assert not set(CLIENT_ONLY) & (set(schema["properties"]) | set(schema["required"]))
    example = copy.deepcopy(schema["examples"][0])
    assert not list(validator(page, "ModelPackageRetrieveResponse").iter_errors(example))


def test_the_registered_model_example_parses_as_a_client_registered_model(client):
    example = client["components"]["schemas"]["RegisteredModelResponse"]["examples"][0]
    assert not list(validator(client, "RegisteredModelResponse").iter_errors(example))
    assert RegisteredModel.from_server_data(copy.deepcopy(example)).last_version_num == 0


@pytest.mark.parametrize(
    "change", [{"description": None}, {"name": ""}], ids=["null-description", "blank-name"]
)
def test_what_breaks_the_client_registered_model_is_outside_the_client_level_only(page, client, change):
    example = {**client["components"]["schemas"]["RegisteredModelResponse"]["examples"][0], **change}
    with pytest.raises((TypeError, Exception)):
        RegisteredModel.from_server_data(copy.deepcopy(example))
    assert list(validator(client, "RegisteredModelResponse").iter_errors(example))
    assert not list(validator(page, "RegisteredModelResponse").iter_errors(example))


def test_the_deployment_example_parses_as_a_client_deployment(client):
    example = client["components"]["schemas"]["RegisteredModelDeploymentResponse"]["examples"][0]
    assert not list(validator(client, "RegisteredModelDeploymentResponse").iter_errors(example))
    assert VersionAssociatedDeployment.from_server_data(copy.deepcopy(example)).registered_model_version == 0


@pytest.mark.parametrize(
    "role", ["OWNER", "READ_WRITE", "USER", "EDITOR", "READ_ONLY", "CONSUMER", "NO_ROLE"]
)
def test_every_role_the_client_level_allows_in_a_list_parses(client, role):
    entry = {"id": "u", "name": "n", "role": role, "shareRecipientType": "user"}
    assert not list(validator(client, "AccessControlV2").iter_errors(entry))
    assert SharingRole.from_server_data(entry).role == role


@pytest.mark.parametrize("role", ["ADMIN", "OBSERVER"])
def test_a_role_the_client_cannot_read_is_page_level_legal_and_client_level_illegal(page, client, role):
    entry = {"id": "u", "name": "n", "role": role, "shareRecipientType": "user"}
    with pytest.raises(KeyError):
        SharingRole.from_server_data(entry)
    assert list(validator(client, "AccessControlV2").iter_errors(entry))
    assert not list(validator(page, "AccessControlV2").iter_errors(entry))
