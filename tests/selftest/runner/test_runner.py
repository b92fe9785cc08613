"""`mmcontract run` itself: exit codes and one-line errors, no write without --allow-writes, the token never
shown, --seed reproduces the cases. Runs against the reference server started in this process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import live_ids, options_for

from mmcontract.runner import run
from mmcontract.target.embedded import EmbeddedServer, start_embedded

RM_LIST = "GET /registeredModels/"
RM_GET = "GET /registeredModels/{registeredModelId}/"


class RequestRecorder:
    """ASGI middleware that notes every request the server receives."""

    def __init__(self) -> None:
        self.app: Any = None
        self.requests: list[tuple[str, str, str]] = []

    def wrap(self, app: Any) -> RequestRecorder:
        self.app = app
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"], scope["query_string"].decode()))
        await self.app(scope, receive, send)


@pytest.fixture
def recorded_server() -> Iterator[tuple[EmbeddedServer, RequestRecorder]]:
    recorder = RequestRecorder()
    server = start_embedded(wrap=recorder.wrap)
    try:
        yield server, recorder
    finally:
        server.stop()


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mmcontract", "run", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=cwd,
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_unreachable_endpoint_exits_2_with_one_line_within_the_timeout(tmp_path: Path) -> None:
    started = time.monotonic()
    proc = _cli(
        "--endpoint", f"http://127.0.0.1:{_closed_port()}/api/v2", "--token", "x1", "--request-timeout", "3",
        "--report-dir", str(tmp_path),
    )  # fmt: skip
    line = _one_line_error(proc)
    assert "cannot reach" in line
    assert time.monotonic() - started < 30
    assert "cannot reach" in (tmp_path / "summary.md").read_text()  # the reports say it could not run


def test_refused_token_exits_2_with_one_line(
    recorded_server: tuple[EmbeddedServer, RequestRecorder], tmp_path: Path
) -> None:
    server, _ = recorded_server
    proc = _cli(
        "--endpoint", server.base_url, env={"DATAROBOT_API_TOKEN": "not-the-token-4242"}, cwd=tmp_path
    )
    line = _one_line_error(proc)
    assert "refused the token" in line
    assert "not-the-token-4242" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--profile", "fast"),
        ("--workers", "0"),
        ("--endpoint", "ftp://example.com", "--token", "x1"),
        ("--endpoint", "http://127.0.0.1:9/api/v2"),  # no token
        ("--baseline-update",),
        ("--fault", "no-such-fault"),
        ("--request-timeout", "ten"),
        ("--report-dir", "/proc/mmcontract-reports"),
        ("--baseline", "/nonexistent/baseline.yaml"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: tuple[str, ...], tmp_path: Path) -> None:
    _one_line_error(_cli(*args, cwd=tmp_path))  # cwd: the default --report-dir reports/ lands in tmp_path


def test_no_write_request_is_sent_without_allow_writes(
    recorded_server: tuple[EmbeddedServer, RequestRecorder], tmp_path: Path
) -> None:
    server, recorder = recorded_server
    result = run(options_for(server, seed=7))
    methods = {method for method, _, _ in recorder.requests}
    assert len(recorder.requests) > 100, "the run sent almost nothing: the proof would be empty"
    assert methods <= {"GET", "HEAD", "OPTIONS"}, sorted(methods)
    assert not result.errors, result.errors
    assert result.exit_code == 0, [f"{f.check} {f.operation}" for f in result.failures]


def test_the_token_never_appears_in_output_or_reports(tmp_path: Path) -> None:
    token = "MMCTOKEN-zq7x-31415926-distinctive"
    server = start_embedded(token=token, fault="schema-missing-required")
    try:
        proc = _cli(
            "--endpoint", server.base_url, "--token", token, "--profile", "quick", "--seed", "5",
            "--allow-writes", "--leaderboard-model-id", server.leaderboard_model_id,
            "--operation", RM_GET, "--operation", RM_LIST, "--report-dir", str(tmp_path),
        )  # fmt: skip
    finally:
        server.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr  # failures were found, so curl lines were written
    assert "curl" in (tmp_path / "summary.json").read_text()
    assert token not in proc.stdout + proc.stderr
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert token not in file.read_text(errors="replace"), file


def test_the_same_seed_sends_the_same_cases() -> None:
    def requests_of_one_run() -> list[tuple[str, str, str]]:
        recorder = RequestRecorder()
        server = start_embedded(wrap=recorder.wrap)
        try:
            run(options_for(server, seed=99, operations=(RM_GET,)))
        finally:
            server.stop()
        return recorder.requests

    first, second = requests_of_one_run(), requests_of_one_run()
    assert len(first) > 5
    assert first == second


def test_writes_reach_only_resources_the_run_created(
    recorded_server: tuple[EmbeddedServer, RequestRecorder],
) -> None:
    """With --allow-writes, Schemathesis (including the state machine, whose linked ids come from real
    responses) writes to nothing that existed before the run."""
    server, recorder = recorded_server
    before = set().union(*live_ids(server).values())
    result = run(
        options_for(
            server,
            allow_writes=True,
            profile="default",
            seed=13,
            checks=("ST302",),  # the Schemathesis and stateful tests only
        )
    )
    assert not result.errors, result.errors
    writes = [
        (method, path)
        for method, path, _ in recorder.requests
        if method in {"POST", "PATCH", "DELETE", "PUT"}
    ]
    assert len(writes) > 50
    touched = [(method, path) for method, path in writes if any(f"/{i}/" in path for i in before)]
    assert touched == []


def test_a_baseline_accepts_known_deviations_and_only_new_ones_fail(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    common = (
        "--profile",
        "quick",
        "--seed",
        "3",
        "--report-dir",
        str(tmp_path / "reports"),
        "--check",
        "ST103",
    )
    known = ("--fault", "status-missing-410", "--operation", RM_GET)
    first = _cli(*common, *known, "--baseline", str(baseline), "--baseline-update")
    assert first.returncode == 0, first.stdout + first.stderr  # recorded, so known
    assert "ST103" in baseline.read_text()
    again = _cli(*common, *known, "--baseline", str(baseline))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "known" in again.stdout
    other = _cli(*common, "--fault", "status-create-200", "--operation", "POST /modelPackages/fromLeaderboard/",
                 "--baseline", str(baseline))  # fmt: skip
    assert other.returncode == 1, other.stdout + other.stderr  # a new deviation still fails the run
