"""Leave no litter: a writes run leaves the target's lists as it found them (every registered model and model
package it created is deleted or archived), also when it is interrupted or its pytest child dies; what it could
not clean would be listed. Quick profile, against the reference server started in this process."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from runner_helpers import LISTS, live_ids, options_for

from mmcontract.runner import run
from mmcontract.target import litter
from mmcontract.target.embedded import EmbeddedServer, start_embedded

pytestmark = pytest.mark.socket

ROOT = Path(__file__).resolve().parents[3]
CREATE = "POST /modelPackages/fromLeaderboard/"
CREATES = (CREATE, "POST /modelPackages/fromLearningModel/")


class CreateCounter:
    """ASGI middleware counting the create requests the server receives, and the names they carry."""

    def __init__(self) -> None:
        self.app: Any = None
        self.creates = 0
        self.names: list[str] = []

    def wrap(self, app: Any) -> CreateCounter:
        self.app = app
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].endswith("/fromLeaderboard/")
        ):
            self.creates += 1
            chunks: list[bytes] = []

            async def reading() -> Any:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    with contextlib.suppress(ValueError):
                        body = json.loads(b"".join(chunks))
                        if isinstance(body, dict) and isinstance(body.get("name"), str):
                            self.names.append(body["name"])
                return message

            await self.app(scope, reading, send)
            return
        await self.app(scope, receive, send)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[tuple[EmbeddedServer, CreateCounter]]:
    """The reference server (parametrized indirectly: a set of legal variants of it)."""
    counter = CreateCounter()
    started = start_embedded(wrap=counter.wrap, variants=frozenset(getattr(request, "param", ())))
    try:
        yield started, counter
    finally:
        started.stop()


def _writes_run(server: EmbeddedServer, **options: Any) -> Any:
    return run(options_for(server, allow_writes=True, seed=11, **options))


@pytest.mark.parametrize(
    "server", [(), ("page-default-20", "order-newest-first")], ids=["reference", "variant"], indirect=True
)
def test_a_writes_run_leaves_both_lists_as_it_found_them(
    server: tuple[EmbeddedServer, CreateCounter],
) -> None:
    target, counter = server
    before = live_ids(target)
    result = _writes_run(target)
    assert result.exit_code == 0, [f"{f.check} {f.operation}: {f.message}" for f in result.failures]
    created = next(c for c in result.coverage if c.operation == CREATE)
    assert created.cases_2xx >= 5, "the run created (almost) nothing: the proof would be empty"
    assert live_ids(target) == before
    assert result.leftovers == []
    prefixes = {m.group(0) for name in counter.names if (m := re.match(r"mmcontract-[0-9a-f]{8}-", name))}
    assert len(prefixes) == 1, prefixes  # one run, one prefix: what it leaves is found by `search`
    # a string name goes without the prefix only where it is what a negative case negates (longer than 1024)
    prefix = prefixes.pop()
    unnamed = [name for name in counter.names if not name.startswith(prefix) and len(name) <= 1024]
    assert not unnamed, unnamed[:5]


def test_workers_record_into_the_controllers_clean_up(server: tuple[EmbeddedServer, CreateCounter]) -> None:
    """Two pytest-xdist workers create; the controller cleans what both recorded."""
    target, counter = server
    before = live_ids(target)
    result = _writes_run(target, workers=2, operations=CREATES)
    assert not result.errors, result.errors
    assert counter.creates >= 10
    assert live_ids(target) == before
    assert result.leftovers == []


@pytest.mark.parametrize("server", [("create-empty-body",)], ids=["create-empty-body"], indirect=True)
def test_creates_whose_answers_name_nothing_are_cleaned_too(
    server: tuple[EmbeddedServer, CreateCounter],
) -> None:
    """A legal server that answers a create with no body (a Location header only): the packages come from
    Location, their registered models from the packages (every version the run's own) or the prefix search."""
    target, counter = server
    before = live_ids(target)
    result = _writes_run(target, operations=CREATES)
    assert not result.errors, result.errors
    assert counter.creates >= 10
    assert live_ids(target) == before
    assert result.leftovers == []


def _cli(server: EmbeddedServer, tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    env["DATAROBOT_API_TOKEN"] = server.token
    argv = [
        "--endpoint", server.base_url, "--allow-writes", "--leaderboard-model-id", server.leaderboard_model_id,
        "--profile", "quick", "--seed", "11", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "mmcontract", "run", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _interrupt_during_writes(
    server: tuple[EmbeddedServer, CreateCounter],
    tmp_path: Path,
    stop: Callable[[subprocess.Popen[str]], None],
) -> tuple[subprocess.Popen[str], str, dict[str, set[str]]]:
    target, counter = server
    before = live_ids(target)
    proc = _cli(target, tmp_path)
    deadline = time.monotonic() + 120
    while counter.creates < 3:  # the writes are under way
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never created anything"
        time.sleep(0.05)
    stop(proc)
    out, err = proc.communicate(timeout=180)
    return proc, out + err, before


def _leftover_ids(output: str) -> set[str]:
    return {line.split()[4] for line in output.splitlines() if line.strip().startswith("left over:")}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_still_cleans_up(
    server: tuple[EmbeddedServer, CreateCounter], tmp_path: Path, signum: int
) -> None:
    """Ctrl-C (or SIGTERM) to `mmcontract run` during the writes: the child cleans up in its sessionfinish."""
    proc, output, before = _interrupt_during_writes(server, tmp_path, lambda p: p.send_signal(signum))
    assert proc.returncode == 130, output[-2000:]
    after = live_ids(server[0])
    for path in LISTS:  # what is still there is listed as left over (on the reference server: nothing)
        assert after[path] - before[path] <= _leftover_ids(output), output[-2000:]
    assert after == before, output[-2000:]
    assert re.search(r"clean-up \(mmcontract-[0-9a-f]{8}-\*\): .*, 0 left over", output), output[-2000:]
    assert "Traceback" not in output


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def test_the_runner_cleans_up_when_its_pytest_child_dies(
    server: tuple[EmbeddedServer, CreateCounter], tmp_path: Path
) -> None:
    """The child is killed outright (no sessionfinish): the runner cleans up from the child's records."""

    def kill_child(proc: subprocess.Popen[str]) -> None:
        for child in _children(proc.pid):
            os.kill(child, signal.SIGKILL)

    proc, output, before = _interrupt_during_writes(server, tmp_path, kill_child)
    assert proc.returncode == 2, output[-2000:]  # the suite could not run to its end
    assert live_ids(server[0]) == before, output[-2000:]
    assert "0 left over" in output, output[-2000:]


def test_plain_pytest_cleans_up_in_its_sessionfinish(server: tuple[EmbeddedServer, CreateCounter]) -> None:
    """`pytest tests/contract --allow-writes` without the runner: the plugin's sessionfinish cleans up."""
    target, counter = server
    before = live_ids(target)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAROBOT_")}
    env["DATAROBOT_API_TOKEN"] = target.token
    suite = ROOT / "tests" / "contract"
    argv = [
        str(suite / "test_semantics_writes.py"), str(suite / "test_semantics_validation.py"),
        f"--endpoint={target.base_url}", "--allow-writes", f"--leaderboard-model-id={target.leaderboard_model_id}",
        "--profile=quick", "-q", "-p", "no:cacheprovider", f"--rootdir={ROOT}",
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert counter.creates >= 8
    assert live_ids(target) == before
    assert "0 left over" in proc.stdout, proc.stdout[-2000:]


def test_a_versions_answer_that_is_not_a_page_does_not_stop_the_clean_up() -> None:
    """A registered model whose versions read back as something other than a list page (here a JSON array) is
    treated as unreadable versions (no foreign version known), as a non-200 is: the clean-up goes on."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/versions/"):
            return httpx.Response(200, json=["not a page"])
        if request.method == "GET":
            return httpx.Response(200, json={"data": [], "next": None})
        return httpx.Response(204)

    with httpx.Client(base_url="http://target/api/v2/", transport=httpx.MockTransport(handler)) as client:
        report = litter.clean_up(
            client, [litter.Created(litter.REGISTERED_MODEL, "rm1", "a-name")], "mmcontract-0123abcd-"
        )
    assert report.complete and report.deleted == 1 and report.leftovers == []
