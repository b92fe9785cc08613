"""In-process reference servers (clean or with one fault) for the semantic checks' self-tests: no sockets,
a fresh in-memory database per server, the same discovery the contract suite runs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from mmcontract.reference.app import create_app
from mmcontract.target.discovery import Discovery, discover

TOKEN = "selftest-token"
LEADERBOARD_MODEL_ID = "5d1f0c9e2c6b4f0001a1b2c3"
BASE_URL = "http://testserver/api/v2/"


@dataclass
class Reference:
    client: httpx.Client
    discovered: Discovery
    leaderboard_model_id: str = LEADERBOARD_MODEL_ID

    def create_registered_model(self, name: str) -> tuple[str, str]:
        """(registered model id, model package id) of a new registered model, as the suite creates one."""
        body = {"modelId": self.leaderboard_model_id, "name": name, "registeredModelName": name}
        response = self.client.post("modelPackages/fromLeaderboard/", json=body)
        assert response.status_code in (200, 202), response.text
        payload = response.json()
        return payload["registeredModelId"], payload["id"]


def _client(fault: str | None) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient deprecation notice about httpx
        from starlette.testclient import TestClient

        app = create_app(token=TOKEN, fault=fault, leaderboard_model_ids=[LEADERBOARD_MODEL_ID])
        return TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.fixture
def reference() -> Iterator[Callable[[str | None], Reference]]:
    """reference(fault) -> a fresh in-process reference server with that fault (None: clean)."""
    opened: list[httpx.Client] = []

    def make(fault: str | None = None) -> Reference:
        client = _client(fault)
        opened.append(client)
        return Reference(client, discover(client))

    yield make
    for client in opened:
        client.close()
