"""In-process reference servers (clean or with one fault) for the semantic checks' self-tests: no sockets,
a fresh in-memory database per server, the same discovery the contract suite runs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from mmcontract.checks.violation import NotApplicable
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
        assert response.status_code in (200, 201, 202), response.text
        # The page documents the 202 with no body: the answer may hold the package, only its id, or nothing.
        payload = response.json() if response.content else {}
        package = payload.get("id") or response.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
        if not payload.get("registeredModelId") and package:
            payload = self.client.get(f"modelPackages/{package}/").json()
        model = payload.get("registeredModelId")
        if not model:  # registeredModelId is off the page too: find the new model by its unique name
            listed = self.client.get("registeredModels/", params={"search": name}).json()["data"]
            model = next((m["id"] for m in listed if m.get("name") == name), None)
        if not model:
            # registeredModelName is off the page: a server may create no registered model from it
            raise NotApplicable("the server created no registered model from registeredModelName")
        return model, package


def _client(fault: str | None, variants: frozenset[str] = frozenset()) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient deprecation notice about httpx
        from starlette.testclient import TestClient

        app = create_app(
            token=TOKEN, fault=fault, variants=variants, leaderboard_model_ids=[LEADERBOARD_MODEL_ID]
        )
        return TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.fixture
def reference() -> Iterator[Callable[[str | None], Reference]]:
    """reference(fault, variants) -> a fresh in-process reference server with that fault (None: clean) and
    those legal variants (mmcontract.reference.variants)."""
    opened: list[httpx.Client] = []

    def make(fault: str | None = None, variants: frozenset[str] = frozenset()) -> Reference:
        client = _client(fault, variants)
        opened.append(client)
        return Reference(client, discover(client))

    yield make
    for client in opened:
        client.close()
