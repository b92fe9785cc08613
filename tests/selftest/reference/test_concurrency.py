"""4 writers x 500 PATCHes on one registered model, over a real socket, lose no update.

Each writer owns what it writes: writer 1 the description, writer 2 `isGlobal`, writers 0 and 3 the name (each
with its own prefix). A server that reads the row, changes one field and writes the whole row back (a lost update)
restores another writer's older value: a later response shows a description older than one already acknowledged
(every PATCH answers the whole document), or the final state disagrees with a writer's last acknowledged write.

`lost_updates` is the test's core; `test_lost_updates_are_detected` shows it fires on `--fault write-lost-update`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
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


def lost_updates(tmp_path: Path, args: Sequence[str] = (), patches: int = PATCHES_PER_WRITER) -> list[str]:
    """Run the 4 writers against `mmcontract serve ARGS`; every problem seen (empty: no update was lost)."""
    with served(db=tmp_path / "concurrency.db", args=list(args), log_dir=tmp_path) as server:
        with httpx.Client(base_url=server.endpoint + "/", headers=server.headers, timeout=30) as client:
            model_id = _first_live_registered_model(client)
        url = f"{server.endpoint}/registeredModels/{model_id}/"
        barrier = threading.Barrier(len(WRITERS))
        acknowledged: dict[int, list[Any]] = {k: [] for k in WRITERS}
        problems: dict[int, list[str]] = {k: [] for k in WRITERS}
        # the index of writer 1's last acknowledged description; a response to a PATCH sent after that
        # acknowledgement must show that description or a later one
        described = [-1]

        def write(writer: int) -> None:
            field, value_of = WRITERS[writer]
            with httpx.Client(headers=server.headers, timeout=30) as session:
                barrier.wait()
                for i in range(patches):
                    value = value_of(i)
                    floor = described[0]
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
                    if writer == 1:
                        described[0] = i
                        continue
                    shown = response.json().get("description") or ""
                    index = int(shown[-3:]) if shown.startswith("concurrency w1 ") else -1
                    if index < floor:
                        problems[writer].append(
                            f"write {i}: the response shows description {shown!r}, older than"
                            f" 'concurrency w1 {floor:03d}' acknowledged before it was sent"
                        )

        threads = [threading.Thread(target=write, args=(k,)) for k in WRITERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        if any(thread.is_alive() for thread in threads):
            return ["a writer hung"]

        failures = [f"writer {k}: {msg}" for k, msgs in problems.items() for msg in msgs[:3]]
        if failures:
            return failures
        if not all(len(values) == patches for values in acknowledged.values()):
            return ["a writer's write was not acknowledged"]

        final = httpx.get(url, headers=server.headers, timeout=30).json()
        if final["description"] != acknowledged[1][-1]:
            failures.append(f"description is {final['description']!r}, last written {acknowledged[1][-1]!r}")
        if final["isGlobal"] != acknowledged[2][-1]:
            failures.append(f"isGlobal is {final['isGlobal']!r}, last written {acknowledged[2][-1]!r}")
        if final["name"] not in {acknowledged[0][-1], acknowledged[3][-1]}:
            failures.append(
                f"name is {final['name']!r}, last written {acknowledged[0][-1]!r}/{acknowledged[3][-1]!r}"
            )
        return failures


def test_four_writers_lose_no_update(tmp_path: Path) -> None:
    problems = lost_updates(tmp_path)
    assert not problems, "\n".join(problems)


def test_lost_updates_are_detected(tmp_path: Path) -> None:
    """The test above fails on a server that loses updates (the fault write-lost-update)."""
    problems = lost_updates(tmp_path, ["--fault", "write-lost-update"], patches=100)
    assert problems, "4 concurrent writers on --fault write-lost-update lost nothing: the test cannot fire"
