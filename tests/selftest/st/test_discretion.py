"""The ST202/ST103 re-send (mmcontract.st.discretion): a positive case the server rejected with 400/422 is sent
again with its free query values tamed, through the suite's own client, and only a 2xx answer excuses it.

Hand-built cases and responses; the target is an httpx.MockTransport under the plugin's session client, so the
429 handling and the request counts are the ones a real run uses."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import requests

from mmcontract.spec import load_spec
from mmcontract.st.discretion import is_server_discretion, query_params_table, tamed_request
from mmcontract.target.config import TargetConfig
from mmcontract.target.plugin import _SessionState
from mmcontract.target.ratelimit import MAX_RETRIES

BASE = "http://target.test/api/v2"
TOKEN = "selftest-token"
RM_LIST = "GET /registeredModels/"
# limit (no maximum) and search (free string) are left to the server; sortKey is an enum and stays
REJECTED_QUERY = "limit=100000&search=%F0%9F%98%80&sortKey=name"
TAMED_QUERY = "sortKey=name"
QUERY_PARAMS = query_params_table(load_spec())


class _Config:
    """Just enough of pytest.Config for the plugin's session state."""

    def getoption(self, name: str, default: Any = None) -> Any:
        return default


def _state(handler: Callable[[httpx.Request], httpx.Response]) -> _SessionState:
    state = _SessionState(_Config())  # type: ignore[arg-type]
    state._target = TargetConfig(base_url=BASE, token=TOKEN, request_timeout=2.0)
    state.transport = httpx.MockTransport(handler)
    return state


def _case(*, positive: bool = True, label: str = RM_LIST) -> Any:
    mode = SimpleNamespace(is_positive=positive)
    return SimpleNamespace(
        meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)), operation=SimpleNamespace(label=label)
    )


def _rejected(status: int = 400, query: str = REJECTED_QUERY) -> Any:
    """Schemathesis's response to the first request (its `request` is a requests.PreparedRequest)."""
    request = requests.Request(
        "GET", f"{BASE}/registeredModels/?{query}", headers={"Authorization": f"Bearer {TOKEN}"}
    ).prepare()
    return SimpleNamespace(status_code=status, request=request)


class _Target:
    """A target that answers the re-send with the given statuses in turn (the last one repeats)."""

    def __init__(self, *statuses: int, headers: dict[str, str] | None = None) -> None:
        self.statuses = list(statuses)
        self.headers = headers or {}
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        status = self.statuses[min(len(self.seen), len(self.statuses)) - 1]
        return httpx.Response(
            status, headers=self.headers, json={"data": []} if status < 300 else {"message": "no"}
        )


def _counted(target: _Target) -> tuple[bool, list[int], int]:
    state = _state(target)
    excused = is_server_discretion(_case(), _rejected(), QUERY_PARAMS, state.client)
    counts = list(state.counts[RM_LIST])
    logged = len(state.api_log)
    state.counts.clear()
    state.close()
    return excused, counts, logged


def test_a_2xx_answer_to_the_tamed_request_excuses_the_rejection() -> None:
    target = _Target(200)
    excused, counts, logged = _counted(target)
    assert excused
    (sent,) = target.seen
    assert sent.url.query.decode() == TAMED_QUERY
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert counts[:2] == [1, 1]  # the re-send is one request of the run, and it reached 2xx
    assert logged == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500, 503])
def test_any_other_answer_keeps_the_failure(status: int) -> None:
    target = _Target(status)
    excused, counts, _ = _counted(target)
    assert not excused
    assert len(target.seen) == 1
    assert counts[:2] == [1, 0]  # counted all the same


def test_a_429_is_waited_out_and_does_not_excuse_while_it_lasts() -> None:
    target = _Target(429, headers={"Retry-After": "0"})
    excused, counts, _ = _counted(target)
    assert not excused
    assert len(target.seen) == MAX_RETRIES + 1  # waited out as often as the suite's transport does
    assert counts[:2] == [1, 0]


def test_a_429_then_2xx_excuses() -> None:
    target = _Target(429, 200, headers={"Retry-After": "0"})
    excused, counts, _ = _counted(target)
    assert excused
    assert len(target.seen) == 2
    assert counts[:2] == [1, 1]


def test_no_answer_keeps_the_failure() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    state = _state(timeout)
    try:
        assert not is_server_discretion(_case(), _rejected(), QUERY_PARAMS, state.client)
    finally:
        state.counts.clear()
        state.close()


@pytest.mark.parametrize(
    ("case", "response"),
    [
        pytest.param(_case(positive=False), _rejected(), id="negative case"),
        pytest.param(_case(), _rejected(status=500), id="not a 400/422"),
        pytest.param(_case(), _rejected(query=TAMED_QUERY), id="nothing to tame"),
    ],
)
def test_nothing_is_sent_when_there_is_nothing_to_excuse(case: Any, response: Any) -> None:
    assert tamed_request(case, response, QUERY_PARAMS) is None
    target = _Target(200)
    state = _state(target)
    try:
        assert not is_server_discretion(case, response, QUERY_PARAMS, state.client)
    finally:
        state.close()
    assert target.seen == []


@pytest.mark.parametrize(("known", "excused"), [(True, False), (False, True)])
def test_a_404_excuses_only_where_the_path_id_is_unknown(known: bool, excused: bool) -> None:
    """One read in four keeps its generated id: then 404 is the right answer to the tamed request (it was
    well-formed); on an id the run found on the target, a 404 is no excuse."""
    from mmcontract.st.steering import STEERING

    rm_id = "65f0c0ffee0000000000abcd"
    case = _case()
    case.path_parameters = {"registeredModelId": rm_id}
    state = _state(_Target(404))
    saved = list(STEERING.registered_model_ids)
    STEERING.registered_model_ids[:] = [rm_id] if known else []
    try:
        assert is_server_discretion(case, _rejected(), QUERY_PARAMS, state.client) is excused
    finally:
        STEERING.registered_model_ids[:] = saved
        state.close()
