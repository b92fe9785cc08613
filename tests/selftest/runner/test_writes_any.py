"""Writes on any server (issue 9 item 3), against the reference server's variant `no-registered-model-name` (the
create makes no registered model: the page documents no way to name one):
- nothing writable: archive still runs on a package the run created; one line and an incomplete reason name the
  fix (--writable-registered-model);
- named registered models: written to, restored after each write test (name, description, isGlobal, sharing),
  one DELETEd last (and only it), never cleaned away;
- one lookup of a created model per run: the first create learns how the server names its model, no polling.
Quick profile, a few checks each, the reference server started in this process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from runner_helpers import options_for

from mmcontract.errors import UsageError
from mmcontract.runner import RunOptions, run
from mmcontract.target.embedded import EmbeddedServer, start_embedded

pytestmark = pytest.mark.socket

NO_MODEL = frozenset({"no-registered-model-name"})
ARCHIVE = "POST /modelPackages/{modelPackageId}/archive/"
RM_PATCH = "PATCH /registeredModels/{registeredModelId}/"
RM_DELETE = "DELETE /registeredModels/{registeredModelId}/"
FIX = "--writable-registered-model"


class Searches:
    """ASGI middleware noting every `search` sent to the registered model list."""

    def __init__(self) -> None:
        self.app: Any = None
        self.values: list[str] = []

    def wrap(self, app: Any) -> Searches:
        self.app = app
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith("/registeredModels"):
            self.values += parse_qs(scope["query_string"].decode()).get("search", [])
        await self.app(scope, receive, send)


@pytest.fixture
def no_model_server() -> Iterator[tuple[EmbeddedServer, Searches]]:
    searches = Searches()
    server = start_embedded(variants=NO_MODEL, wrap=searches.wrap)
    try:
        yield server, searches
    finally:
        server.stop()


def _client(server: EmbeddedServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url + "/", headers={"Authorization": f"Bearer {server.token}"})


def _verdict(result: Any, operation: str, family: str = "writes") -> str:
    return next(v.status for v in result.verdicts if v.operation == operation and v.family == family)


def _state(client: httpx.Client, rm: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    body = client.get(f"registeredModels/{rm}/").json()
    roles = client.get(f"registeredModels/{rm}/sharedRoles/", params={"offset": 0, "limit": 100}).json()[
        "data"
    ]
    fields = {k: body.get(k) for k in ("name", "description", "isGlobal", "isArchived")}
    return fields, sorted((r["id"], r["role"]) for r in roles)


def _options(server: EmbeddedServer, tmp_path: Path, **extra: Any) -> RunOptions:
    return options_for(server, allow_writes=True, seed=7, report_dir=str(tmp_path), **extra)


def test_nothing_writable_says_why_and_archives_a_created_package(no_model_server, tmp_path: Path) -> None:
    server, searches = no_model_server
    result = run(_options(server, tmp_path, checks=("MM401", "MM403", "MM404")))
    assert result.outcome == "incomplete", result.incomplete
    reasons = [r for r in result.incomplete if FIX in r]
    assert len(reasons) == 1 and "registeredModelName" in reasons[0], result.incomplete
    assert _verdict(result, ARCHIVE) == "passed"  # archive needs only a package, which the run created
    assert _verdict(result, RM_PATCH) == "skipped"
    assert result.leftovers == []
    # one lookup per run: the first create tried a search by its unique name once; no later create searched
    lookups = [
        value for value in searches.values if not value.endswith("-")
    ]  # the clean-up searches a prefix
    assert len(lookups) == 1, lookups
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert FIX in summary


def test_named_models_are_written_restored_and_one_deleted_last(no_model_server, tmp_path: Path) -> None:
    server, _ = no_model_server
    with _client(server) as client:
        listed = client.get("registeredModels/", params={"limit": 100}).json()["data"]
        kept, deleted = listed[0]["id"], listed[1]["id"]
        before = _state(client, kept)
        result = run(
            _options(
                server,
                tmp_path,
                checks=("MM401", "MM402", "MM404", "MM405", "MM406"),
                writable_registered_models=(kept, deleted),
            )
        )
        assert not result.failures and not result.errors, (result.failures, result.errors)
        assert not [r for r in result.incomplete if FIX in r]  # the named models are what writes go to
        for operation in (RM_PATCH, RM_DELETE):
            assert _verdict(result, operation) == "passed", operation
        assert result.leftovers == []
        assert _state(client, kept) == before  # renamed, re-described, shared: all put back
        assert (
            _state(client, deleted)[0]["isArchived"] is True
        )  # MM402, the one DELETE, on the last named model


def test_writable_registered_model_bad_input_is_a_usage_error(no_model_server, tmp_path: Path) -> None:
    server, _ = no_model_server
    without_writes = _options(server, tmp_path, writable_registered_models=("65a000000000000000000001",))
    without_writes.allow_writes = False
    with pytest.raises(UsageError, match="--writable-registered-model needs --allow-writes"):
        run(without_writes)
    with pytest.raises(UsageError, match=r"--writable-registered-model 0badc0ffee.*answered 404"):
        run(_options(server, tmp_path, writable_registered_models=("0badc0ffee",)))
