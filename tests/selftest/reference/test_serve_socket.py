"""`mmcontract serve` as a user runs it: a real socket, the start line, CLI errors, kill -9 durability."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mmcontract.reference.faults import FAULTS
from mmcontract.reference.seed import KIND_RM, oid

pytestmark = pytest.mark.socket

TOKEN = "socket-test-token-1234"
RM = oid(KIND_RM, 2)


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mmcontract", "serve", *args]


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, str]]:
    """Start the server on a free port; yield (API base URL, start line); kill it on exit."""
    process = subprocess.Popen(
        _command("--port", "0", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("mmcontract serve: http://127.0.0.1:"), line
        url = line.split()[2]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/version/", headers={"Authorization": "Bearer x"}, timeout=2).status_code:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url, line
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_serves_over_a_socket_with_auth_and_never_prints_the_token(tmp_path: Path) -> None:
    with serving("--db", str(tmp_path / "a.db"), "--token", TOKEN) as (url, line):
        assert TOKEN not in line and "--token" in line
        assert httpx.get(f"{url}/registeredModels/").status_code == 401
        for scheme in ("Bearer", "Token"):
            response = httpx.get(
                f"{url}/registeredModels/?limit=2", headers={"Authorization": f"{scheme} {TOKEN}"}
            )
            assert response.status_code == 200
            assert response.json()["next"].startswith(url + "/registeredModels/?")
        assert (
            httpx.request(
                "PUT", f"{url}/registeredModels/", headers={"Authorization": f"Bearer {TOKEN}"}
            ).headers["allow"]
            == "GET, HEAD"
        )


def test_token_from_the_environment(tmp_path: Path) -> None:
    env = {"MMCONTRACT_SERVE_TOKEN": "from-env-token"}
    with serving("--db", ":memory:", env=env) as (url, line):
        assert "MMCONTRACT_SERVE_TOKEN" in line and "from-env-token" not in line
        assert (
            httpx.get(f"{url}/version/", headers={"Authorization": "Bearer from-env-token"}).status_code
            == 200
        )
        assert (
            httpx.get(f"{url}/version/", headers={"Authorization": "Bearer mmcontract-dev-token"}).status_code
            == 401
        )


def test_acknowledged_writes_survive_kill_9_and_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "durable.db")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with serving("--db", db, "--token", TOKEN) as (url, _):
        for i in range(20):
            response = httpx.patch(
                f"{url}/registeredModels/{RM}/", json={"name": f"durable {i}"}, headers=headers
            )
            assert response.status_code == 200
        assert httpx.delete(f"{url}/registeredModels/{oid(KIND_RM, 3)}/", headers=headers).status_code == 204
        created = httpx.post(
            f"{url}/modelPackages/fromLeaderboard/",
            json={"modelId": "5d0000000000000000000901", "registeredModelName": "made before the kill"},
            headers=headers,
        )
        assert created.status_code == 202
    # the context manager killed the server with SIGKILL; start again on the same file
    with serving("--db", db, "--token", TOKEN) as (url, _):
        assert httpx.get(f"{url}/registeredModels/{RM}/", headers=headers).json()["name"] == "durable 19"
        assert (
            httpx.get(f"{url}/registeredModels/{oid(KIND_RM, 3)}/", headers=headers).json()["isArchived"]
            is True
        )
        package = created.json()
        again = httpx.get(f"{url}/modelPackages/{package['id']}/", headers=headers)
        assert again.status_code == 200 and again.json() == package
        # the seed is not loaded twice
        names = [
            m["name"]
            for m in httpx.get(f"{url}/registeredModels/?limit=1000", headers=headers).json()["data"]
        ]
        assert names.count("Churn Predictor") == 1


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(*args), capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fault", "no-such-fault", "--db", ":memory:"), "unknown fault 'no-such-fault'"),
        (("--db", "/nonexistent/dir/x.db"), "cannot open database"),
        (("--port", "70000", "--db", ":memory:"), "--port must be 0..65535"),
        (("--token", "has space", "--db", ":memory:"), "the token must be non-empty"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["not-sqlite", "directory"])
def test_an_unusable_database_file_is_one_line_and_exit_2(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "db"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_text("this is not a database\n" * 100)
    result = _run("--db", str(path), "--port", "0")
    assert result.returncode == 2
    assert "cannot open database" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with serving("--db", ":memory:") as (url, _):
        port = url.split(":")[2].split("/")[0]
        result = _run("--port", port, "--db", ":memory:")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_list_faults_prints_the_catalogue() -> None:
    result = _run("--list-faults")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0].split() == ["NAME", "CLASS", "DESCRIPTION"]
    assert len(lines) == len(FAULTS) + 1
    for fault, line in zip(FAULTS, lines[1:], strict=True):
        assert line.split(None, 2) == [fault.name, fault.fault_class, fault.description]


def test_a_fault_is_served_over_the_socket() -> None:
    with serving("--db", ":memory:", "--token", TOKEN, "--fault", "status-missing-410") as (url, line):
        assert "fault status-missing-410" in line
        response = httpx.get(f"{url}/registeredModels/unknown/", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 410
