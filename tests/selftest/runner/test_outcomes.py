"""`mmcontract run`'s outcomes: incomplete (and --require-complete), could-not-run with reports that say so, and
the usage errors that are ours (a wrong endpoint, a token that may not write, a refused leaderboard model id, an
option typo), each with its exit code and one line naming the option."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_runner import RM_GET, RM_LIST, _cli, _closed_port

from mmcontract.target.embedded import start_embedded


def _last_line(proc: Any) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    return [line for line in proc.stderr.splitlines() if line.strip()][-1]


def _summary(report_dir: Path) -> dict[str, Any]:
    return json.loads((report_dir / "summary.json").read_text())


def test_an_empty_target_is_incomplete_and_require_complete_fails_it(tmp_path: Path) -> None:
    server = start_embedded(seed=False)
    bare_host = server.base_url.removesuffix("/api/v2")
    try:
        proc = _cli(
            "--endpoint", bare_host, "--token", server.token, "--profile", "quick", "--seed", "1",
            "--operation", RM_LIST, "--operation", RM_GET, "--require-complete", "--report-dir", str(tmp_path),
        )  # fmt: skip
    finally:
        server.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"--endpoint {bare_host} has no /api/v2; testing {server.base_url}" in out  # said, not silent
    last = out.strip().splitlines()
    assert last[-1].startswith("result: incomplete, 2 reasons (exit 1; --require-complete)"), out
    assert last[-2] == "Conforms to the page: yes · Official client: works"
    assert f"incomplete: 1 operation never reached a 2xx answer: {RM_GET}" in out
    assert (
        f"incomplete: 1 list never returned an item (nothing to check items, filters and ordering on): {RM_LIST}"
        in out
    )
    assert " skipped: GET /registeredModels/: fewer than 2 distinct" in out  # skip reasons, grouped
    doc = _summary(tmp_path)
    assert doc["outcome"] == "incomplete" and doc["exit_code"] == 1 and len(doc["incomplete"]) == 2
    assert doc["totals"]["operations"] == 2 and doc["totals"]["reached_2xx"] == 1
    assert "incomplete" in (tmp_path / "summary.md").read_text().splitlines()[0]


STALE = {"junit.xml": "<testsuites/>", "summary.json": "{}", "report.html": "conformant", "summary.md": "✅"}


def _stale_reports(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in STALE.items():
        (directory / name).write_text(text)


def test_could_not_run_replaces_the_previous_reports(tmp_path: Path) -> None:
    _stale_reports(tmp_path)
    endpoint = f"http://127.0.0.1:{_closed_port()}/api/v2"
    proc = _cli(
        "--endpoint", endpoint, "--token", "x1", "--request-timeout", "3", "--report-dir", str(tmp_path)
    )
    line = _last_line(proc)
    assert "cannot reach" in line
    doc = _summary(tmp_path)
    assert doc["outcome"] == "could-not-run" and doc["exit_code"] == 2 and "cannot reach" in doc["errors"][0]
    for name in STALE:
        text = (tmp_path / name).read_text()
        assert text != STALE[name] and "cannot reach" in text, name
    assert "x1" not in json.dumps(doc)


def test_a_bad_option_after_the_report_dir_is_known_is_reported(tmp_path: Path) -> None:
    _stale_reports(tmp_path)
    proc = _cli("--workers", "0", "--report-dir", str(tmp_path), cwd=tmp_path)
    assert "--workers must be at least 1" in _last_line(proc)
    assert "--workers must be at least 1" in _summary(tmp_path)["errors"][0]


class _NotTheApi(BaseHTTPRequestHandler):
    mode = "html"

    def do_GET(self) -> None:
        if self.mode == "404":
            self.send_response(404)
            self.end_headers()
            return
        html = self.mode == "html"
        body = b"<html>welcome</html>" if html else json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if html else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def not_the_api() -> Iterator[tuple[str, type[_NotTheApi]]]:
    handler = type("Handler", (_NotTheApi,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", handler
    finally:
        server.shutdown()


@pytest.mark.parametrize("mode", ["html", "json", "404"])
def test_an_endpoint_that_is_not_this_api_is_a_usage_error(
    not_the_api: tuple[str, type[_NotTheApi]], mode: str, tmp_path: Path
) -> None:
    endpoint, handler = not_the_api
    handler.mode = mode
    line = _last_line(_cli("--endpoint", endpoint, "--token", "x1", "--report-dir", str(tmp_path)))
    assert line.startswith(f"mmcontract run: error: --endpoint {endpoint} is not the Model Management API")


class _NoWrites:
    """ASGI middleware: the token may read, not write (403 on every write)."""

    def __init__(self) -> None:
        self.app: Any = None

    def wrap(self, app: Any) -> _NoWrites:
        self.app = app
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in {"POST", "PATCH", "DELETE"}:
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


def test_allow_writes_with_a_token_that_may_not_write_is_a_usage_error(tmp_path: Path) -> None:
    server = start_embedded(wrap=_NoWrites().wrap)
    try:
        proc = _cli("--endpoint", server.base_url, "--token", server.token, "--allow-writes",
                    "--report-dir", str(tmp_path))  # fmt: skip
    finally:
        server.stop()
    line = _last_line(proc)
    assert "--allow-writes: the token may not write" in line and server.token not in proc.stderr


def test_a_refused_leaderboard_model_id_is_a_usage_error_not_a_violation(tmp_path: Path) -> None:
    server = start_embedded()
    try:
        proc = _cli(
            "--endpoint", server.base_url, "--token", server.token, "--allow-writes",
            "--leaderboard-model-id", "0123456789abcdef01234567", "--profile", "quick", "--seed", "1",
            "--operation", "POST /modelPackages/fromLeaderboard/", "--check", "MM407",
            "--report-dir", str(tmp_path),
        )  # fmt: skip
    finally:
        server.stop()
    line = _last_line(proc)
    assert line.startswith(
        "mmcontract run: error: --leaderboard-model-id 0123456789abcdef01234567: the target refused it"
    )
    doc = _summary(tmp_path)
    assert doc["outcome"] == "could-not-run" and doc["failures"] == []  # no MM407 server violation


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["run", "--enpoint", "http://x"], "--enpoint: did you mean --endpoint?"),
        (["run", "--alow-writes"], "--alow-writes: did you mean --allow-writes?"),
        (["run", "--end", "http://x"], "--end: options are not abbreviated, did you mean --endpoint?"),
        (["run", "--allow"], "--allow: options are not abbreviated, did you mean --allow-writes?"),
        (["serve", "--no-sed"], "--no-sed: did you mean --no-seed?"),
        (["doc-check", "page.txt", "--formt", "json"], "--formt: did you mean --format?"),
    ],
)
def test_option_typos_suggest_the_closest_option_and_abbreviations_are_refused(
    argv: list[str], hint: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "mmcontract", *argv], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    line = _last_line(proc)
    assert "unrecognized arguments" in line and hint in line
    assert not (tmp_path / "reports").exists()


# --- completeness rules, on what a run saw (no run needed) ------------------------------------------------


def _sight(
    coverage: dict[str, tuple[int, int]], lists: dict[str, tuple[int, int]] | None = None, **target: Any
):
    from mmcontract.report.model import Coverage
    from mmcontract.target.config import TargetConfig
    from mmcontract.target.results import RunSight

    config = TargetConfig(base_url="http://127.0.0.1:9/api/v2", token="x1", **target)
    return RunSight([Coverage(op, *n) for op, n in coverage.items()], lists or {}, config)


PATCH_RM = "PATCH /registeredModels/{registeredModelId}/"
DELETE_RM = "DELETE /registeredModels/{registeredModelId}/"


def test_complete_when_every_operation_reached_a_2xx_and_lists_held_items() -> None:
    from mmcontract.target.results import incomplete_reasons

    sight = _sight({RM_LIST: (10, 8), RM_GET: (5, 2), PATCH_RM: (0, 0)}, {RM_LIST: (8, 8)})
    assert incomplete_reasons(sight) == []  # writes off: PATCH was not promised


def test_writes_allowed_but_impossible_is_one_reason_naming_the_missing_option() -> None:
    from mmcontract.target.results import incomplete_reasons

    sight = _sight({RM_LIST: (10, 8), PATCH_RM: (0, 0), DELETE_RM: (3, 0)}, allow_writes=True)
    assert incomplete_reasons(sight) == [
        "writes were allowed (--allow-writes) but none of the 2 write operations succeeded: no "
        "--leaderboard-model-id, so nothing could be created to write to"
    ]


def test_a_check_selection_promises_only_what_it_sent() -> None:
    from mmcontract.target.results import incomplete_reasons

    sight = _sight({RM_LIST: (10, 8), RM_GET: (0, 0)}, checks=("MM101",))
    assert incomplete_reasons(sight) == []
    sight = _sight({RM_LIST: (10, 8), RM_GET: (0, 0)})
    assert incomplete_reasons(sight) == [f"1 operation never reached a 2xx answer: {RM_GET}"]


def test_a_selection_that_exercised_nothing_is_incomplete_not_a_pass() -> None:
    from mmcontract.target.results import incomplete_reasons

    sight = _sight({RM_LIST: (0, 0), DELETE_RM: (0, 0)}, checks=("MM402",))  # a write check, writes off
    assert incomplete_reasons(sight) == [
        "the run exercised no operation: the selection (--check, --operation) left nothing to send (write "
        "operations need --allow-writes)"
    ]
    sight = _sight({DELETE_RM: (0, 0)})  # --operation "DELETE ..." without --allow-writes
    assert len(incomplete_reasons(sight)) == 1


def test_a_schema_coverage_floor_that_measured_nothing_fails() -> None:
    from mmcontract.report.model import SCHEMA_SHORTFALL, SchemaCoverage
    from mmcontract.target.results import incomplete_reasons

    sight = _sight({RM_LIST: (10, 8)}, {RM_LIST: (8, 8)}, min_schema_coverage=90.0)
    sight.schema_coverage = [SchemaCoverage(RM_LIST, "200", "page", total=0, seen=0)]
    (reason,) = incomplete_reasons(sight)
    assert reason.startswith(SCHEMA_SHORTFALL) and "measured nothing" in reason
