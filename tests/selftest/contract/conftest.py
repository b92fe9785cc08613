"""Fixtures for the contract-level tests: the effective contract at each level, and the overlay."""

from __future__ import annotations

from typing import Any

import pytest

from mmcontract.spec import load_overlay, load_spec


@pytest.fixture(scope="session")
def page() -> dict[str, Any]:
    return load_spec("page")


@pytest.fixture(scope="session")
def client() -> dict[str, Any]:
    return load_spec("client")


@pytest.fixture(scope="session")
def overlay() -> dict[str, Any]:
    return load_overlay()
