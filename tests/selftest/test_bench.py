"""`make bench`'s proxy part waits for the proxy's judging to go idle before every run: that wait must find the
judging process and return only once it has stopped using CPU."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from mmcontract.bench import _cpu_ticks, _judging_pid, served, wait_judging_idle
from mmcontract.traffic.process import start_proxy, stop_proxy

pytestmark = [pytest.mark.socket]


def test_wait_judging_idle_returns_once_judging_stopped(tmp_path: Path) -> None:
    with served(log_dir=tmp_path) as server:
        proxied = start_proxy(server.endpoint, tmp_path / "proxy")
        try:
            pid = _judging_pid(proxied.process.pid)
            assert pid is not None and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            before = _cpu_ticks(pid)
            with httpx.Client(headers=server.headers, timeout=30) as client:
                for _ in range(300):  # enough judging to take CPU ticks (10 ms each)
                    assert client.get(f"{proxied.endpoint}/modelPackages/?limit=100").status_code == 200
            wait_judging_idle(proxied.process.pid, settle=0.5)
            settled = _cpu_ticks(pid)
            assert settled > before  # it judged the traffic ...
            time.sleep(0.5)
            assert _cpu_ticks(pid) == settled  # ... and had finished when the wait returned
        finally:
            assert stop_proxy(proxied) == 0
