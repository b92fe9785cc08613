"""The client-level checks (mmcontract.checks.client, MM802-MM808) one by one, in process: each passes on the
reference server and fails, with its code and the client call that breaks, on the reference server's `literal`
variant (the page's letter only) where the official client needs more, or on answers the client cannot take. Their tables agree with the installed
datarobot client."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mmcontract.checks import client
from mmcontract.checks.catalogue import CHECKS, CLIENT_FAMILY, level_of
from mmcontract.checks.violation import ContractViolation
from mmcontract.reference.app import create_app
from mmcontract.reference.variants import expand
from mmcontract.target.discovery import discover

TOKEN = "levels-selftest-token"
RMS = "registeredModels/"
LEADERBOARD_MODEL_ID = "5d1f0c9e2c6b4f0001a1b2c3"


@pytest.fixture
def server() -> Iterator[Callable[[bool], httpx.Client]]:
    opened: list[httpx.Client] = []

    def make(breaking: bool) -> httpx.Client:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from starlette.testclient import TestClient

            variants = expand({"literal"}) if breaking else frozenset()
            app = create_app(token=TOKEN, leaderboard_model_ids=[LEADERBOARD_MODEL_ID], variants=variants)
            opened.append(
                TestClient(
                    app,
                    base_url="http://testserver/api/v2/",
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
            )
        return opened[-1]

    yield make
    for c in opened:
        c.close()


def _own_model(api: httpx.Client) -> str:
    """A registered model made for the check (as the suite's writable_registered_model fixture makes one)."""
    body = {"modelId": LEADERBOARD_MODEL_ID, "name": "levels shared", "registeredModelName": "levels shared"}
    assert api.post("modelPackages/fromLeaderboard/", json=body).status_code == 202
    listed = api.get("registeredModels/", params={"search": "levels shared"}).json()["data"]
    return next(m["id"] for m in listed if m["name"] == "levels shared")


def _checks(api: httpx.Client) -> dict[str, Callable[[], Any]]:
    found = discover(api)
    models = list(found.registered_model_ids)
    return {
        "MM802": lambda: client.check_token_scheme(api),
        "MM803": lambda: client.check_version(api),
        "MM804": lambda: client.check_create_parses(api, LEADERBOARD_MODEL_ID),
        "MM805": lambda: client.check_registered_model_name(api, LEADERBOARD_MODEL_ID),
        "MM806": lambda: client.check_role_names(api, models),
        "MM807": lambda: [
            note
            for template, param in client.BOOLEAN_FILTERS
            for note in client.check_capital_booleans(api, template, param, models)
        ],
        "MM808": lambda: client.check_naive_datetimes(api),
        "MM809": lambda: client.check_next_as_given(api),
        "MM810": lambda: client.check_role_names_accepted(api, _own_model(api), list(found.recipients)),
    }


def test_every_need_has_a_client_code_and_a_check() -> None:
    codes = sorted(code for code, info in CHECKS.items() if info.family == CLIENT_FAMILY)
    assert codes == ["MM801", *sorted(client.NEEDS)]
    assert all(level_of(code) == "client" for code in codes)
    assert {level_of(code) for code in CHECKS if code not in codes} == {"page"}


@pytest.mark.parametrize("code", sorted(client.NEEDS))
def test_passes_on_the_reference_server(code: str, server: Callable[[bool], httpx.Client]) -> None:
    assert not _checks(server(False))[code](), code  # no notes either: every part of it looked at something


# The needs `literal` breaks (MM807-MM809: the page's letter allows what the client sends or follows there too,
# so literal keeps them; the answers below break them).
BROKEN_BY_LITERAL = ("MM802", "MM803", "MM804", "MM805", "MM806")


@pytest.mark.parametrize("code", BROKEN_BY_LITERAL)
def test_fails_on_the_page_letter_where_the_client_needs_more(
    code: str, server: Callable[[bool], httpx.Client]
) -> None:
    with pytest.raises(ContractViolation) as caught:
        _checks(server(True))[code]()
    violation = caught.value
    assert violation.code == code and violation.family == CLIENT_FAMILY
    assert violation.message.startswith(client.NEEDS[code].call)
    assert violation.basis.startswith("client: ") and "; breaks: " in violation.basis
    assert TOKEN not in str(violation)


def test_role_names_boolean_and_datetime_needs_fire(server: Callable[[bool], httpx.Client]) -> None:
    """MM806-MM810 on answers the client cannot take: an ADMIN role, True/False refused, no offset refused, a
    last page without next, a client role name refused, NO_ROLE ignored."""
    api = server(False)
    models = list(discover(api).registered_model_ids)

    def refusing(predicate: Callable[[httpx.Request], bool], answer: httpx.Response) -> httpx.Client:
        transport = api._transport

        class Refuse(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                if predicate(request):
                    answer.request = request
                    return answer
                return transport.handle_request(request)

        return httpx.Client(transport=Refuse(), base_url=api.base_url, headers=api.headers)

    roles = httpx.Response(200, json={"count": 1, "data": [{"id": "u", "name": "n", "role": "ADMIN"}]})
    with pytest.raises(ContractViolation, match="ADMIN") as caught:
        client.check_role_names(refusing(lambda r: r.url.path.endswith("/sharedRoles/"), roles), models)
    assert caught.value.code == "MM806"
    refused = httpx.Response(422, json={"message": "invalid boolean"})
    with pytest.raises(ContractViolation) as caught:
        client.check_capital_booleans(
            refusing(lambda r: "=True" in str(r.url), refused), RMS, "imported", models
        )
    assert caught.value.code == "MM807"
    with pytest.raises(ContractViolation) as caught:
        client.check_naive_datetimes(refusing(lambda r: "T00%3A00%3A00&" in str(r.url), refused))
    assert caught.value.code == "MM808"
    last = httpx.Response(200, json={"count": 1, "totalCount": 1, "data": [{"id": "a"}], "previous": None})
    with pytest.raises(ContractViolation, match="no next") as caught:
        client.check_next_as_given(refusing(lambda r: r.url.path.endswith("/registeredModels/"), last))
    assert caught.value.code == "MM809"
    own = _own_model(api)
    recipients = list(discover(api).recipients)
    with pytest.raises(ContractViolation, match="READ_ONLY") as caught:
        client.check_role_names_accepted(
            refusing(lambda r: r.method == "PATCH" and b"READ_ONLY" in r.content, refused), own, recipients
        )
    assert caught.value.code == "MM810"
    kept = httpx.Response(204)
    with pytest.raises(ContractViolation, match="NO_ROLE") as caught:
        client.check_role_names_accepted(
            refusing(lambda r: r.method == "PATCH" and b"NO_ROLE" in r.content, kept), own, recipients
        )
    assert caught.value.code == "MM810"


def test_tables_agree_with_the_installed_client() -> None:
    pytest.importorskip("datarobot")
    from datarobot.enums import SHARING_ROLE
    from datarobot.models.model_registry.registered_model_version import RegisteredModelVersion

    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    required = [camel(key.name) for key in RegisteredModelVersion._converter.keys if not key.optional]
    assert list(client.PACKAGE_KEYS) == required
    assert client.known_role_names() == frozenset(SHARING_ROLE.__members__)
