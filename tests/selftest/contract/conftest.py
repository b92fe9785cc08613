"""Fixtures for the contract-level tests: the effective contract at each level, and the overlay."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from mmcontract.spec import load_overlay, load_spec

# The page level's example validator (tests/selftest/spec/test_spec_examples.py) checks the client level too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "spec"))


@pytest.fixture(scope="session")
def page() -> dict[str, Any]:
    return load_spec("page")


@pytest.fixture(scope="session")
def client() -> dict[str, Any]:
    return load_spec("client")


@pytest.fixture(scope="session")
def overlay() -> dict[str, Any]:
    return load_overlay()
