"""The contract file itself: valid OpenAPI 3.1, shipped with the package, loadable, hashable, lint-clean."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from mmcontract.errors import SpecError
from mmcontract.spec import SPEC_PATH, load_spec, shipped_path, spec_hash

REPO = Path(__file__).resolve().parents[3]
REPO_SPEC = REPO / "openapi" / "model_management.yaml"


def test_the_contract_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema


def test_the_validator_rejects_a_broken_contract(spec):
    # Proves the check above can fail: a parameter in a location OpenAPI does not have.
    broken = load_spec()
    broken["paths"]["/registeredModels/"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_spec_path_ships_the_repository_file():
    assert SPEC_PATH.name == "model_management.yaml"
    assert SPEC_PATH.parent.name == "data"
    if REPO_SPEC.exists():  # a source checkout (editable install): the shipped file is the edited one
        assert SPEC_PATH.read_bytes() == REPO_SPEC.read_bytes()


def test_a_symlink_checked_out_as_text_is_followed(tmp_path):
    (tmp_path / "openapi").mkdir()
    contract = tmp_path / "openapi" / "model_management.yaml"
    contract.write_text("openapi: 3.1.0\npaths: {}\n")
    stub = tmp_path / "pkg" / "data" / "model_management.yaml"
    stub.parent.mkdir(parents=True)
    stub.write_text("../../openapi/model_management.yaml")  # what git writes with core.symlinks=false
    assert shipped_path(stub) == contract.resolve()
    assert shipped_path(contract) == contract  # a real contract file is used as it is


def test_spec_hash_is_the_sha256_of_the_file():
    assert spec_hash() == hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()
    assert len(spec_hash()) == 64


def test_load_spec_returns_independent_copies():
    first = load_spec()
    first["paths"].clear()
    first["info"]["title"] = "changed"
    second = load_spec()
    assert second["paths"] and second["info"]["title"] == "DataRobot Model Management API"


def test_load_spec_and_spec_hash_take_another_path(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
    assert load_spec(path=other)["info"]["title"] == "t"
    assert spec_hash(other) == hashlib.sha256(other.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("openapi: [unclosed\n", "not valid YAML at line"),
        ("just a string\n", "not an OpenAPI document"),
        ("info: {title: t}\n", "not an OpenAPI document"),
    ],
)
def test_load_spec_fails_with_one_clear_line(tmp_path, content, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    with pytest.raises(SpecError) as caught:
        load_spec(path=bad)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_contract_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read the contract"):
        load_spec(path=tmp_path / "absent.yaml")
    with pytest.raises(SpecError, match="cannot read the contract"):
        spec_hash(tmp_path / "absent.yaml")


def test_server_base_and_global_bearer_security(spec):
    assert spec["servers"] == [spec["servers"][0]]
    assert spec["servers"][0]["url"] == "https://app.datarobot.com/api/v2"
    assert spec["security"] == [{"BearerAuth": []}]
    scheme = spec["components"]["securitySchemes"]["BearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "Token" in scheme["description"]


def test_info_description_explains_the_markers(spec):
    text = spec["info"]["description"]
    for marker in ("x-doc-gap", "x-mm-lenient-missing", "x-mm-lenient-values", "x-mm-no-negative"):
        assert marker in text


REDOCLY = REPO / "node_modules" / ".bin" / "redocly"


@pytest.mark.skipif(not REDOCLY.exists() or shutil.which("node") is None, reason="Redocly CLI not installed")
def test_redocly_lint_reports_no_error_and_no_warning():
    done = subprocess.run(
        [str(REDOCLY), "lint", "--config", "redocly.yaml", "--format", "summary", str(REPO_SPEC)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # The summary format prints one "<severity> <rule>: <count>" line per rule that found anything.
    assert not re.findall(r"^(?:error|warning)\s+[\w-]+: \d+", output, re.M), output
