"""Without --allow-writes the semantic contract tests send not one POST/PATCH/DELETE: they run against a
recording reference server over a real socket, as a user would run them against production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmcontract.target.embedded import start_embedded

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.socket, pytest.mark.slow]


def test_semantic_tests_send_no_write_without_allow_writes(tmp_path):
    seen: list[tuple[str, str]] = []

    def record(app):
        async def wrapped(scope, receive, send):
            if scope["type"] == "http":
                seen.append((scope["method"], scope["path"]))
            await app(scope, receive, send)

        return wrapped

    server = start_embedded(wrap=record)
    try:
        env = {**os.environ, "DATAROBOT_API_TOKEN": server.token}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *sorted(map(str, (ROOT / "tests/contract").glob("test_semantics_*.py"))),
                f"--endpoint={server.base_url}",
                "--profile=quick",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--rootdir={ROOT}",
                "-x",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    writes = [(m, p) for m, p in seen if m not in ("GET", "HEAD", "OPTIONS")]
    assert not writes, writes[:10]
    assert len(seen) > 500  # the tests did run against this server
    assert "skipped" in result.stdout  # the write checks said why they did not run
