"""The official client scenario on `literal` (the page's letter only) breaks at exactly the calls the client
level predicts, and on the reference server at none: each step below is an official-client call; the suite's client-level run on literal (conftest.py)
predicts that a step fails when it reports a failure the step depends on (a client need of the overlay's
x-client-checks, or MM801, the overlay's schema for an operation the step calls). The steps that fail with the
real client must be exactly those.

dr.Client() cannot connect to literal at all (no GET /version/), so the steps after the connection use the
client's REST object directly, in the Bearer scheme (which literal accepts), as a script that skips the version
check would. RegisteredModel.share is not a step: its client need (MM810) writes only to a registered model the run
creates, and literal makes none (registeredModelName ignored), so the client level cannot predict it there."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

dr = pytest.importorskip("datarobot")

from datarobot.client import set_client  # noqa: E402
from datarobot.models.model_registry import RegisteredModel, RegisteredModelVersion  # noqa: E402
from datarobot.models.model_registry.registered_model import RegisteredModelListFilters  # noqa: E402
from datarobot.rest import RESTClientObject  # noqa: E402

from mmcontract.reference.variants import expand  # noqa: E402
from mmcontract.report.model import RunResult  # noqa: E402
from mmcontract.target.embedded import EmbeddedServer, start_embedded  # noqa: E402

pytestmark = [
    pytest.mark.socket,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

RM = "GET /registeredModels/{registeredModelId}/"
# step -> what the suite reports when the step's call breaks: (check code, operation or None for any)
DEPENDS: dict[str, set[tuple[str, str | None]]] = {
    "dr.Client() (Token)": {("MM802", None), ("MM803", None)},
    "dr.Client(token_type='Bearer')": {("MM803", None)},
    "RegisteredModel.list()": {("MM801", "GET /registeredModels/"), ("MM809", None)},
    "RegisteredModel.list(imported=False)": {("MM801", "GET /registeredModels/"), ("MM807", None)},
    "RegisteredModel.list(created_at_start=naive)": {("MM801", "GET /registeredModels/"), ("MM808", None)},
    "RegisteredModel.get()": {("MM801", RM)},
    "RegisteredModel.list_versions()": {("MM801", "GET /registeredModels/{registeredModelId}/versions/")},
    "RegisteredModel.get_version()": {
        ("MM801", "GET /registeredModels/{registeredModelId}/versions/{versionId}/")
    },
    "RegisteredModel.get_shared_roles()": {
        ("MM806", None),
        ("MM801", "GET /registeredModels/{registeredModelId}/sharedRoles/"),
    },
    "RegisteredModelVersion.create_for_leaderboard_item(registered_model_name=...)": {
        ("MM804", None),
        ("MM805", None),
        ("MM801", "POST /modelPackages/fromLeaderboard/"),
    },
}


@pytest.fixture(scope="module", params=["literal", "reference"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[EmbeddedServer, RunResult]]:
    """(server, the suite's client-level run on the same kind of server)."""
    literal = request.param == "literal"
    server = start_embedded(variants=expand({"literal"}) if literal else frozenset())
    run = request.getfixturevalue("literal_client_run" if literal else "reference_client_run")
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("DATAROBOT_")}
    yield server, run
    set_client(None)  # type: ignore[arg-type]
    os.environ.update(saved)
    server.stop()


def _steps(server: EmbeddedServer) -> dict[str, Callable[[], Any]]:
    rest = RESTClientObject(auth=server.token, endpoint=server.base_url, authentication_type="Bearer")

    def models() -> list[Any]:
        set_client(rest)
        return RegisteredModel.list()

    def first() -> Any:
        return RegisteredModel.get(models()[0].id)

    def with_versions() -> Any:
        return next(m for m in models() if m.last_version_num)

    naive = dt.datetime(2000, 1, 1)
    return {
        "dr.Client() (Token)": lambda: dr.Client(endpoint=server.base_url, token=server.token),
        "dr.Client(token_type='Bearer')": lambda: dr.Client(
            endpoint=server.base_url, token=server.token, token_type="Bearer"
        ),
        "RegisteredModel.list()": models,
        "RegisteredModel.list(imported=False)": lambda: (
            models(),
            RegisteredModel.list(filters=RegisteredModelListFilters(imported=False)),
        ),
        "RegisteredModel.list(created_at_start=naive)": lambda: (
            models(),
            RegisteredModel.list(filters=RegisteredModelListFilters(created_at_start=naive)),
        ),
        "RegisteredModel.get()": first,
        "RegisteredModel.list_versions()": lambda: with_versions().list_versions(),
        "RegisteredModel.get_version()": lambda: _get_version(rest, with_versions()),
        "RegisteredModel.get_shared_roles()": lambda: [
            m.get_shared_roles() for m in (models()[:3] if models() else [])
        ],
        "RegisteredModelVersion.create_for_leaderboard_item(registered_model_name=...)": lambda: (
            models(),
            RegisteredModelVersion.create_for_leaderboard_item(
                server.leaderboard_model_id, name="literal package", registered_model_name="literal model"
            ),
        ),
    }


def _get_version(rest: RESTClientObject, model: Any) -> Any:
    """get_version on an id read from the raw list (list_versions itself may be what breaks)."""
    listed = rest.get(f"registeredModels/{model.id}/versions/").json()["data"]
    return model.get_version(listed[0]["id"])


def _predicted(run: RunResult) -> set[str]:
    reported = {(f.check, f.operation) for f in run.failures if f.level == "client"}
    codes = {code for code, _ in reported}
    return {
        step
        for step, needs in DEPENDS.items()
        if any((code in codes) if op is None else ((code, op) in reported) for code, op in needs)
    }


def test_the_official_client_breaks_where_the_client_level_predicts(
    served: tuple[EmbeddedServer, RunResult],
) -> None:
    """On literal some steps break, each predicted; on the reference server none breaks and none is predicted."""
    server, run = served
    failed: dict[str, str] = {}
    for step, call in _steps(server).items():
        try:
            call()
        except Exception as exc:  # any way the client breaks: ClientError, DataError, KeyError, ...
            # (the client's own error message quotes the token: never shown)
            failed[step] = f"{type(exc).__name__}: {str(exc).replace(server.token, '[token]')[:120]}"
    predicted = _predicted(run)
    assert set(failed) == predicted, {
        "failed, not predicted": {s: failed[s] for s in set(failed) - predicted},
        "predicted, did not fail": sorted(predicted - set(failed)),
    }
    if run.failures:  # literal: the proof has teeth
        assert "dr.Client() (Token)" in failed and "RegisteredModel.list()" not in failed
    else:  # the reference server
        assert failed == {} and run.exit_code == 0
