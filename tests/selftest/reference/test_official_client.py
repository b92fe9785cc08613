"""The official DataRobot Python client (`datarobot` 3.20, pinned in the dev extra) against `mmcontract serve`.

Every registry call the client offers on the 19 documented operations, each asserted on values read back:
connecting (`GET /version/`), `RegisteredModel.list` (filters, sorting, paging over several pages), `get`,
`update`, `archive`, `share`, `get_shared_roles`, `list_versions`, `get_version`,
`list_associated_deployments` (model and version), `RegisteredModelVersion.create_for_leaderboard_item`.
Any warning the client emits fails the test, so a server that makes the client complain is caught too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

dr = pytest.importorskip("datarobot")

from datarobot.client import set_client  # noqa: E402
from datarobot.enums import (  # noqa: E402
    SHARING_RECIPIENT_TYPE,
    SHARING_ROLE,
    RegisteredModelDeploymentSortKey,
    RegisteredModelSortDirection,
    RegisteredModelSortKey,
    RegisteredModelVersionSortKey,
)
from datarobot.errors import ClientError  # noqa: E402
from datarobot.models.model_registry import RegisteredModel, RegisteredModelVersion  # noqa: E402
from datarobot.models.model_registry.registered_model import (  # noqa: E402
    RegisteredModelListFilters,
    RegisteredModelVersionsListFilters,
)
from datarobot.models.sharing import SharingRole  # noqa: E402

from mmcontract.bench import Served, start_server, stop_server  # noqa: E402

pytestmark = [
    pytest.mark.socket,
    # The client must not complain about the server: any warning it emits is a failure. The one exception is
    # urllib3's FutureWarning about the client's own Retry configuration, raised whatever the server does.
    pytest.mark.filterwarnings("error"),
    pytest.mark.filterwarnings("ignore:Using an empty collection for 'allowed_methods':FutureWarning"),
]

LEADERBOARD_MODEL_ID = "65f0c0ffee00000000001eab"
UNKNOWN_ID = "65f0c0ffee0000000000dead"
CALLER = "mm.owner@example.com"  # the user the reference server's token acts as
COLLEAGUE = "alex.analyst@example.com"  # a user in the reference server's directory
UTC = dt.UTC
FAULT_VARIABLE = "MMCONTRACT_CLIENT_SCENARIO_FAULT"
# A directory: the client talks to the server through `mmcontract proxy` (its reports, HAR and exit code go
# there); how tests/selftest/traffic proves the proxy on the official client's traffic.
PROXY_VARIABLE = "MMCONTRACT_CLIENT_SCENARIO_PROXY"


class RequestLog:
    """Records (method, path, query) of every request the client sends."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict[str, list[str]]]] = []

    def paths(self, method: str, suffix: str) -> list[dict[str, list[str]]]:
        return [query for m, path, query in self.entries if m == method and path.endswith(suffix)]

    def clear(self) -> None:
        self.entries.clear()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("official-client")
    args = ["--leaderboard-model-id", LEADERBOARD_MODEL_ID]
    if os.environ.get(
        FAULT_VARIABLE
    ):  # how the fault test below proves that this scenario fails when it should
        args += ["--fault", os.environ[FAULT_VARIABLE]]
    served = start_server(db=":memory:", args=args, log_dir=tmp)
    proxy_dir = os.environ.get(PROXY_VARIABLE)
    if not proxy_dir:
        yield served
    else:
        from mmcontract.traffic.process import start_proxy, stop_proxy

        directory = Path(proxy_dir)
        proxied = start_proxy(served.endpoint, directory, args=["--har", str(directory / "traffic.har")])
        yield dataclasses.replace(served, port=proxied.port)
        (directory / "exit_code").write_text(str(stop_proxy(proxied)))
    stop_server(served)
    assert served.token not in served.log_path.read_text(errors="replace"), "the server logged its token"


@pytest.fixture(scope="module")
def client(server: Served) -> Iterator[Any]:
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("DATAROBOT_")}
    rest = dr.Client(endpoint=server.endpoint, token=server.token)
    yield rest
    set_client(None)  # type: ignore[arg-type]
    os.environ.update(saved)


@pytest.fixture
def requests_sent(client: Any, monkeypatch: pytest.MonkeyPatch) -> RequestLog:
    log = RequestLog()
    original = client.request

    def spy(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = original(method, url, *args, **kwargs)
        parts = urlsplit(response.request.url)
        log.entries.append((method.upper(), parts.path, parse_qs(parts.query)))
        return response

    monkeypatch.setattr(client, "request", spy)
    return log


def new_model(name: str, **kwargs: Any) -> RegisteredModelVersion:
    """A new registered model (version 1) made by the client from the leaderboard model."""
    return RegisteredModelVersion.create_for_leaderboard_item(
        LEADERBOARD_MODEL_ID, name=f"{name} package", registered_model_name=name, **kwargs
    )


# --------------------------------------------------------------------------------------------------------------


def test_connect_reads_the_version_and_sends_the_token(server: Served, client: Any) -> None:
    assert client.endpoint == server.endpoint
    assert client.headers["Authorization"] == f"Token {server.token}"
    with pytest.raises(ClientError) as refused:
        dr.Client(endpoint=server.endpoint, token="not-the-token")
    assert refused.value.status_code == 401
    set_client(client)


def test_create_for_leaderboard_item_new_model_then_new_version(client: Any) -> None:
    first = new_model(
        "cc create",
        description="made by the official client",
        prediction_threshold=0.4,
        tags=[{"name": "team", "value": "compat"}],
        registered_model_tags=[{"name": "area", "value": "registry"}],
        registered_model_description="registered by the official client",
    )
    assert first.model_id == LEADERBOARD_MODEL_ID
    assert first.name == "cc create package"
    assert first.registered_model_version == 1
    assert first.is_archived is False
    model = RegisteredModel.get(first.registered_model_id)
    assert (model.name, model.description, model.last_version_num) == (
        "cc create",
        "registered by the official client",
        1,
    )
    assert model.created_by["email"] == CALLER

    second = RegisteredModelVersion.create_for_leaderboard_item(
        LEADERBOARD_MODEL_ID, name="cc create v2", registered_model_id=model.id
    )
    assert (second.registered_model_id, second.registered_model_version) == (model.id, 2)
    assert RegisteredModel.get(model.id).last_version_num == 2

    # Neither a registered model name nor an id: a new registered model named after the package.
    alone = RegisteredModelVersion.create_for_leaderboard_item(LEADERBOARD_MODEL_ID, name="cc lone package")
    assert alone.registered_model_id not in (model.id,)
    assert RegisteredModel.get(alone.registered_model_id).name == "cc lone package"


def test_create_for_leaderboard_item_rejects_an_unknown_leaderboard_model(client: Any) -> None:
    with pytest.raises(ClientError) as rejected:
        RegisteredModelVersion.create_for_leaderboard_item(UNKNOWN_ID, registered_model_name="cc never")
    assert rejected.value.status_code in (404, 422)


def test_list_walks_every_page_with_search_and_sorting(client: Any, requests_sent: RequestLog) -> None:
    names = [f"cc page {i:02d}" for i in range(12)]
    ids = {new_model(name).registered_model_id for name in reversed(names)}
    requests_sent.clear()

    ascending = RegisteredModel.list(
        limit=5,
        search="CC PAGE",  # search is case-insensitive
        sort_key=RegisteredModelSortKey.NAME,
        sort_direction=RegisteredModelSortDirection.ASC,
    )
    assert [m.name for m in ascending] == names
    assert {m.id for m in ascending} == ids
    pages = requests_sent.paths("GET", "/registeredModels/")
    assert len(pages) == 3, pages  # 5 + 5 + 2, each page reached through the previous page's `next`
    assert all(page["search"] == ["CC PAGE"] and page["sortKey"] == ["name"] for page in pages)

    descending = RegisteredModel.list(
        limit=5,
        search="cc page",
        sort_key=RegisteredModelSortKey.NAME,
        sort_direction=RegisteredModelSortDirection.DESC,
    )
    assert [m.name for m in descending] == names[::-1]

    by_creation = RegisteredModel.list(
        search="cc page",
        sort_key=RegisteredModelSortKey.CREATED_AT,
        sort_direction=RegisteredModelSortDirection.ASC,
    )
    created = [m.created_at for m in by_creation]
    assert created == sorted(created)
    assert len(by_creation) == 12


def test_list_filters(client: Any) -> None:
    before = dt.datetime.now(UTC) - dt.timedelta(seconds=5)
    version = new_model("cc filter subject", prediction_threshold=0.4)
    target_type = version.target["type"]
    after = dt.datetime.now(UTC) + dt.timedelta(hours=1)

    def ids(**filters: Any) -> set[str]:
        found = RegisteredModel.list(search="cc filter", filters=RegisteredModelListFilters(**filters))
        return {m.id for m in found}

    subject = version.registered_model_id
    assert subject in ids(created_at_start=before)
    assert subject not in ids(created_at_start=after)
    assert subject in ids(created_at_end=after)
    assert subject not in ids(created_at_end=before)
    assert subject in ids(modified_at_start=before, modified_at_end=after)
    # A naive datetime: the client sends it without an offset (isoformat); the server reads it as UTC.
    assert subject in ids(created_at_start=before.replace(tzinfo=None))
    assert subject in ids(target_type=target_type, target_name=version.target["name"])
    other_type = "Regression" if target_type != "Regression" else "Binary"
    assert subject not in ids(target_type=other_type)
    assert subject in ids(created_by=CALLER)
    assert subject not in ids(created_by=COLLEAGUE)
    assert subject in ids(compatible_with_leaderboard_model_id=LEADERBOARD_MODEL_ID)
    assert subject not in ids(compatible_with_leaderboard_model_id=UNKNOWN_ID)
    assert subject in ids(imported=False)  # a leaderboard package is not imported; sent as `imported=False`
    assert subject not in ids(imported=True)
    assert version.build_status
    assert subject in ids(build_status=version.build_status)
    assert subject not in ids(build_status="failed" if version.build_status != "failed" else "complete")
    assert subject in ids(prediction_threshold=0.4)
    assert subject not in ids(prediction_threshold=0.9)
    assert subject in ids(compatible_with_model_package_id=version.id)
    assert subject in ids(
        compatible_with_model_package_id=version.id, for_challenger=True
    )  # `forChallenger=True`
    assert subject not in ids(prediction_environment_id=UNKNOWN_ID)

    everything = RegisteredModel.list(filters=RegisteredModelListFilters(target_type=target_type))
    assert everything and all(m.target["type"] == target_type for m in everything)


def test_get_and_update(client: Any) -> None:
    model = RegisteredModel.get(new_model("cc rename me").registered_model_id)
    updated = RegisteredModel.update(model.id, "cc renamed")
    assert (updated.id, updated.name) == (model.id, "cc renamed")
    assert updated.modified_at >= model.modified_at
    again = RegisteredModel.get(model.id)
    assert again.name == "cc renamed"
    assert again.description == model.description
    assert [m.id for m in RegisteredModel.list(search="cc renamed")] == [model.id]


def test_versions_list_get_and_filters(client: Any, requests_sent: RequestLog) -> None:
    first = new_model("cc versions")
    model = RegisteredModel.get(first.registered_model_id)
    for n in (2, 3):
        RegisteredModelVersion.create_for_leaderboard_item(
            LEADERBOARD_MODEL_ID, name=f"cc versions v{n}", registered_model_id=model.id
        )
    requests_sent.clear()
    versions = model.list_versions(limit=1)
    assert sorted(v.registered_model_version for v in versions) == [1, 2, 3]
    assert len(requests_sent.paths("GET", f"/registeredModels/{model.id}/versions/")) == 3
    assert all(v.registered_model_id == model.id for v in versions)

    newest_first = model.list_versions(
        sort_key=RegisteredModelVersionSortKey.VERSION, sort_direction=RegisteredModelSortDirection.DESC
    )
    assert [v.registered_model_version for v in newest_first] == [3, 2, 1]

    for listed in versions:
        got = model.get_version(listed.id)
        assert (got.id, got.name, got.registered_model_version) == (
            listed.id,
            listed.name,
            listed.registered_model_version,
        )

    target = first.target

    def numbers(**filters: Any) -> list[int]:
        found = model.list_versions(filters=RegisteredModelVersionsListFilters(**filters))
        return sorted(v.registered_model_version for v in found)

    assert numbers(target_type=target["type"], target_name=target["name"]) == [1, 2, 3]
    assert numbers(target_type="Regression" if target["type"] != "Regression" else "Binary") == []
    assert numbers(compatible_with_leaderboard_model_id=LEADERBOARD_MODEL_ID) == [1, 2, 3]
    assert numbers(compatible_with_leaderboard_model_id=UNKNOWN_ID) == []
    assert numbers(imported=False) == [1, 2, 3]  # sent as `imported=False`
    assert numbers(imported=True) == []
    assert numbers(build_status=first.build_status) == [1, 2, 3]
    assert numbers(tags=["a", "b"]) == [1, 2, 3]  # not on the page: sent as tags=a&tags=b, ignored
    found = model.list_versions(search="cc versions v3")
    assert [v.registered_model_version for v in found] == [3]

    with pytest.raises(ClientError) as missing:
        model.get_version(UNKNOWN_ID)
    assert missing.value.status_code == 404


def test_deployments_of_a_model_and_of_its_versions(client: Any) -> None:
    deployed = [(m, m.list_associated_deployments()) for m in RegisteredModel.list()]
    deployed = [(m, ds) for m, ds in deployed if len(ds) >= 2]
    assert deployed, "the seed has no registered model with two deployments"
    model, deployments = deployed[0]
    version_numbers = {v.registered_model_version: v for v in model.list_versions()}
    assert all(d.registered_model_version in version_numbers for d in deployments)

    per_version: set[str] = set()
    for version in version_numbers.values():
        for d in version.list_associated_deployments():
            assert d.registered_model_version == version.registered_model_version
            per_version.add(d.id)
    assert per_version == {d.id for d in deployments}

    paged = model.list_associated_deployments(limit=1)
    assert sorted(d.id for d in paged) == sorted(d.id for d in deployments)
    by_label = model.list_associated_deployments(
        sort_key=RegisteredModelDeploymentSortKey.LABEL, sort_direction=RegisteredModelSortDirection.ASC
    )
    labels = [d.label for d in by_label]
    assert labels == sorted(labels)
    searched = model.list_associated_deployments(search=labels[0].upper())
    assert labels[0] in [d.label for d in searched]
    assert all(labels[0].lower() in (d.label or "").lower() for d in searched)
    assert (
        RegisteredModel.get(new_model("cc undeployed").registered_model_id).list_associated_deployments()
        == []
    )


def test_share_and_shared_roles(client: Any) -> None:
    model = RegisteredModel.get(new_model("cc shared").registered_model_id)

    def roles() -> dict[str, str]:
        return {r.username: r.role for r in model.get_shared_roles()}

    assert roles() == {CALLER: SHARING_ROLE.OWNER}

    model.share([SharingRole(SHARING_ROLE.CONSUMER, SHARING_RECIPIENT_TYPE.USER, username=COLLEAGUE)])
    assert roles() == {CALLER: SHARING_ROLE.OWNER, COLLEAGUE: SHARING_ROLE.CONSUMER}

    colleague = next(r for r in model.get_shared_roles() if r.username == COLLEAGUE)
    assert colleague.id and colleague.share_recipient_type == SHARING_RECIPIENT_TYPE.USER
    model.share(
        [SharingRole(SHARING_ROLE.EDITOR, SHARING_RECIPIENT_TYPE.USER, id=colleague.id, can_share=True)]
    )
    assert roles()[COLLEAGUE] == SHARING_ROLE.EDITOR

    paged = model.get_shared_roles(limit=1)
    assert {r.username for r in paged} == {CALLER, COLLEAGUE}
    only = model.get_shared_roles(id=colleague.id)
    assert [r.username for r in only] == [COLLEAGUE]

    with pytest.raises(ClientError) as unknown:
        model.share(
            [SharingRole(SHARING_ROLE.CONSUMER, SHARING_RECIPIENT_TYPE.USER, username="nobody@example.com")]
        )
    assert unknown.value.status_code == 422
    with pytest.raises(ClientError) as ownerless:
        model.share([SharingRole(SHARING_ROLE.NO_ROLE, SHARING_RECIPIENT_TYPE.USER, username=CALLER)])
    assert ownerless.value.status_code == 409
    assert roles()[CALLER] == SHARING_ROLE.OWNER

    model.share([SharingRole(SHARING_ROLE.NO_ROLE, SHARING_RECIPIENT_TYPE.USER, username=COLLEAGUE)])
    assert roles() == {CALLER: SHARING_ROLE.OWNER}


def test_archive_archives_the_model_and_its_versions(client: Any) -> None:
    first = new_model("cc archive")
    RegisteredModelVersion.create_for_leaderboard_item(
        LEADERBOARD_MODEL_ID, name="cc archive v2", registered_model_id=first.registered_model_id
    )
    RegisteredModel.archive(first.registered_model_id)
    model = RegisteredModel.get(first.registered_model_id)
    assert model.is_archived is True
    versions = model.list_versions()
    assert len(versions) == 2 and all(v.is_archived for v in versions)


def test_unknown_registered_model_is_a_client_error_with_a_message(client: Any) -> None:
    with pytest.raises(ClientError) as missing:
        RegisteredModel.get(UNKNOWN_ID)
    assert missing.value.status_code == 404
    assert "message" in missing.value.json
