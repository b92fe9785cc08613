"""A real `mmcontract proxy` process in front of an upstream: what the proofs and `make bench` start."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class Proxied:
    process: subprocess.Popen[str]
    endpoint: str  # http://127.0.0.1:PORT/api/v2
    report_dir: Path

    @property
    def port(self) -> int:
        return int(self.endpoint.split(":")[2].split("/")[0])


def start_proxy(
    upstream: str, report_dir: Path, *, args: Sequence[str] = (), ready_timeout: float = 30.0
) -> Proxied:
    """`mmcontract proxy --upstream UPSTREAM --listen 127.0.0.1:0 --report-dir DIR`, once it prints its URL."""
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "mmcontract", "proxy", "--upstream", upstream, "--listen", "127.0.0.1:0"]
    command += ["--report-dir", str(report_dir), *args]
    with open(report_dir / "proxy.log", "w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True
        )
    assert process.stdout is not None
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError(
                f"mmcontract proxy exited with {process.returncode}: {(report_dir / 'proxy.log').read_text()[-500:]}"
            )
        found = _LISTENING.search(line)
        if found:
            return Proxied(process, found.group(1), report_dir)
    process.kill()
    raise RuntimeError("mmcontract proxy did not print its URL in time")


def stop_proxy(proxied: Proxied, *, sig: int = signal.SIGINT, timeout: float = 120.0) -> int:
    """Signal the proxy, wait for its reports; its exit code."""
    if proxied.process.poll() is None:
        proxied.process.send_signal(sig)
    try:
        return proxied.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proxied.process.kill()
        proxied.process.wait(timeout=10)
        return -9
    finally:
        if proxied.process.stdout is not None:
            proxied.process.stdout.close()
