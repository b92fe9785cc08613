"""One lookup of a created model per run (mmcontract.target.writable): the first create learns how the server
names the registered model it made, each later create uses that one way (one request at most); a server that makes
none is told apart. In-process reference servers, legal variants."""

from __future__ import annotations

import uuid

import pytest

from mmcontract.target import writable

CREATE = "modelPackages/fromLeaderboard/"


def _create(ref) -> tuple[object, str]:
    name = f"mmcontract-lookup-{uuid.uuid4().hex[:8]}"
    body = {"modelId": ref.leaderboard_model_id, "name": name, "registeredModelName": name}
    response = ref.client.post(CREATE, json=body)
    assert response.status_code == 202, response.text
    return response, name


@pytest.mark.parametrize(
    ("variants", "way"),
    [
        (frozenset(), "body"),
        (frozenset({"create-202-id-only"}), "package"),
        (frozenset({"create-202-id-only", "package-page-properties-only"}), "search"),
        (frozenset({"no-registered-model-name"}), writable.NOTHING),
    ],
)
def test_the_first_create_learns_the_way_and_later_ones_use_it(reference, variants, way) -> None:
    ref = reference(None, variants)
    response, name = _create(ref)
    model, learned = writable.learn(ref.client, response, name)
    assert learned == way
    assert (model is None) == (way == writable.NOTHING)
    if model is not None:
        assert ref.client.get(f"registeredModels/{model}/").json()["name"] == name
        again, name = _create(ref)
        found = writable.find(ref.client, again, name, learned)
        assert found and found != model
        assert ref.client.get(f"registeredModels/{found}/").json()["name"] == name
