"""Acknowledged writes to `mmcontract serve --db FILE` survive `kill -9` and a restart.

The server is killed with SIGKILL (no shutdown hook runs) while a writer is still sending PATCHes, then started
again on the same file. Every write the server acknowledged must be there: the last acknowledged name (or the one
in flight at the kill, which the server may or may not have committed), a created version, an archived model, a
sharing grant.

`lost_acknowledged_writes` is the test's core; `test_lost_acknowledged_writes_are_detected` shows it fires on
`--fault write-ack-before-commit`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from mmcontract.bench import served, start_server, stop_server

pytestmark = pytest.mark.socket

LEADERBOARD_MODEL_ID = "65f0c0ffee0000000000d0ab"
GRANTEE = "eli.ops@example.com"  # a user of the reference server's directory


def _live_models(client: httpx.Client) -> list[dict]:
    listing = client.get("registeredModels/", params={"limit": 100})
    assert listing.status_code == 200, listing.text
    return [item for item in listing.json()["data"] if not item.get("isArchived")]


def _roles(client: httpx.Client, model_id: str) -> dict[str, str]:
    roles = client.get(f"registeredModels/{model_id}/sharedRoles/", params={"offset": 0, "limit": 100})
    assert roles.status_code == 200, roles.text
    return {r["name"]: r["role"] for r in roles.json()["data"] if r["shareRecipientType"] == "user"}


def lost_acknowledged_writes(tmp_path: Path, extra_args: Sequence[str] = ()) -> list[str]:
    """Write, kill -9, restart (without `extra_args`), read back: every acknowledged write that is missing."""
    db = tmp_path / "durable.db"
    args = ["--leaderboard-model-id", LEADERBOARD_MODEL_ID]
    server = start_server(db=db, args=[*args, *extra_args], log_dir=tmp_path)
    try:
        client = httpx.Client(base_url=server.endpoint + "/", headers=server.headers, timeout=30)
        models = _live_models(client)
        assert len(models) >= 3, "the seed needs at least 3 live registered models"
        renamed, archived, streamed = models[0]["id"], models[1]["id"], models[2]["id"]

        # Discrete writes, each acknowledged before the next.
        assert (
            client.patch(f"registeredModels/{renamed}/", json={"name": "durable renamed"}).status_code == 200
        )
        assert client.delete(f"registeredModels/{archived}/").status_code == 204
        created = client.post(
            "modelPackages/fromLeaderboard/",
            json={"modelId": LEADERBOARD_MODEL_ID, "registeredModelName": "durable created"},
        )
        assert created.status_code == 202, created.text
        version = created.json()
        grant = {"role": "EDITOR", "shareRecipientType": "user", "username": GRANTEE}
        shared = client.patch(
            f"registeredModels/{version['registeredModelId']}/sharedRoles/",
            json={"operation": "updateRoles", "roles": [grant]},
        )
        assert shared.status_code == 204, shared.text

        # A stream of writes that the kill interrupts.
        acknowledged: list[str] = []
        sent: list[str] = []
        stop = threading.Event()

        def stream() -> None:
            with httpx.Client(headers=server.headers, timeout=30) as session:
                i = 0
                while not stop.is_set():
                    name = f"durable stream {i:05d}"
                    sent.append(name)
                    try:
                        response = session.patch(
                            f"{server.endpoint}/registeredModels/{streamed}/", json={"name": name}
                        )
                    except httpx.HTTPError:
                        return  # the kill
                    if response.status_code == 200:
                        acknowledged.append(name)
                    i += 1

        writer = threading.Thread(target=stream)
        writer.start()
        time.sleep(1.5)
        stop_server(server, kill=True)
        stop.set()
        writer.join(timeout=60)
        client.close()
        assert len(acknowledged) >= 10, f"only {len(acknowledged)} writes acknowledged before the kill"
    finally:
        stop_server(server, kill=True)

    lost: list[str] = []
    with served(db=db, args=args, log_dir=tmp_path) as restarted:
        client = httpx.Client(base_url=restarted.endpoint + "/", headers=restarted.headers, timeout=30)
        if client.get(f"registeredModels/{renamed}/").json().get("name") != "durable renamed":
            lost.append("the rename")
        if client.get(f"registeredModels/{archived}/").json().get("isArchived") is not True:
            lost.append("the archive")
        rm_id = version["registeredModelId"]
        if client.get(f"registeredModels/{rm_id}/versions/{version['id']}/").status_code != 200:
            lost.append("the created version")
        if client.get(f"registeredModels/{rm_id}/").json().get("name") != "durable created":
            lost.append("the created registered model")
        final = client.get(f"registeredModels/{streamed}/").json().get("name")
        # The last acknowledged write, or the one in flight when the kill came (committed, not yet answered).
        in_flight = sent[len(acknowledged)] if len(sent) > len(acknowledged) else None
        if final not in {acknowledged[-1], in_flight}:
            lost.append(f"the streamed name: {final!r}, last acknowledged {acknowledged[-1]!r}")
        roles = client.get(f"registeredModels/{rm_id}/sharedRoles/", params={"offset": 0, "limit": 100})
        if roles.status_code != 200 or _roles(client, rm_id).get(GRANTEE) != "EDITOR":
            lost.append("the sharing grant")
        client.close()
    return lost


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    lost = lost_acknowledged_writes(tmp_path)
    assert not lost, f"acknowledged writes lost by kill -9: {lost}"


def test_lost_acknowledged_writes_are_detected(tmp_path: Path) -> None:
    """The test above fails on a server that answers before it commits (the fault write-ack-before-commit)."""
    lost = lost_acknowledged_writes(tmp_path, ["--fault", "write-ack-before-commit"])
    assert lost, "kill -9 of --fault write-ack-before-commit lost nothing: the test cannot fire"
