"""Fixtures for the reference server's in-process tests: the app behind httpx.ASGITransport, no sockets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from reference_helpers import Api


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """A shared, read-mostly server: tests that write use `fresh`."""
    client = Api()
    yield client
    client.close()


@pytest.fixture
def fresh() -> Iterator[Api]:
    """A server of its own (a new in-memory database), for tests that write."""
    client = Api()
    yield client
    client.close()


@pytest.fixture
def make_api() -> Iterator[Any]:
    made: list[Api] = []

    def make(**kwargs: Any) -> Api:
        client = Api(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
