"""4 writers x 500 PATCHes on one registered model, over a real socket, lose no update.

Each writer owns what it writes: writer 1 the description, writer 2 `isGlobal`, writers 0 and 3 the name (each
with its own prefix). A server that reads the row, changes one field and writes the whole row back (a lost update)
restores another writer's older value; the final state then disagrees with that writer's last acknowledged write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mmcontract.bench import served

pytestmark = pytest.mark.socket

PATCHES_PER_WRITER = 500

# writer -> (field it owns, value of its i-th write)
WRITERS: dict[int, tuple[str, Callable[[int], Any]]] = {
    0: ("name", lambda i: f"concurrency w0 {i:03d}"),
    1: ("description", lambda i: f"concurrency w1 {i:03d}"),
    2: ("isGlobal", lambda i: i % 2 == 0),
    3: ("name", lambda i: f"concurrency w3 {i:03d}"),
}


def _first_live_registered_model(client: httpx.Client) -> str:
    listing = client.get("registeredModels/", params={"limit": 100})
    assert listing.status_code == 200, listing.text
    live = [item["id"] for item in listing.json()["data"] if not item.get("isArchived")]
    assert live, "the seed has no live registered model"
    return live[0]


def test_four_writers_lose_no_update(tmp_path: Path) -> None:
    with served(db=tmp_path / "concurrency.db", log_dir=tmp_path) as server:
        with httpx.Client(base_url=server.endpoint + "/", headers=server.headers, timeout=30) as client:
            model_id = _first_live_registered_model(client)
        url = f"{server.endpoint}/registeredModels/{model_id}/"
        barrier = threading.Barrier(len(WRITERS))
        acknowledged: dict[int, list[Any]] = {k: [] for k in WRITERS}
        problems: dict[int, list[str]] = {k: [] for k in WRITERS}

        def write(writer: int) -> None:
            field, value_of = WRITERS[writer]
            with httpx.Client(headers=server.headers, timeout=30) as session:
                barrier.wait()
                for i in range(PATCHES_PER_WRITER):
                    value = value_of(i)
                    try:
                        response = session.patch(url, json={field: value})
                    except httpx.HTTPError as exc:
                        problems[writer].append(f"write {i}: {type(exc).__name__}: {exc}")
                        continue
                    if response.status_code != 200:
                        problems[writer].append(f"write {i}: {response.status_code} {response.text[:200]}")
                        continue
                    echoed = response.json().get(field)
                    if echoed != value:
                        problems[writer].append(
                            f"write {i}: sent {field}={value!r}, response shows {echoed!r}"
                        )
                    acknowledged[writer].append(value)

        threads = [threading.Thread(target=write, args=(k,)) for k in WRITERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(thread.is_alive() for thread in threads), "a writer hung"

        failures = [f"writer {k}: {msg}" for k, msgs in problems.items() for msg in msgs[:3]]
        assert not failures, "\n".join(failures)
        assert all(len(values) == PATCHES_PER_WRITER for values in acknowledged.values())

        final = httpx.get(url, headers=server.headers, timeout=30).json()
        assert final["description"] == acknowledged[1][-1]
        assert final["isGlobal"] == acknowledged[2][-1]
        assert final["name"] in {acknowledged[0][-1], acknowledged[3][-1]}
