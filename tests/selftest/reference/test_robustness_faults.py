"""The robustness run fails when the server breaks the contract: each fault below must make it fail with the
Schemathesis check that names the defect. So a clean robustness run proves something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.socket]

ROBUSTNESS = Path(__file__).with_name("test_robustness.py")

# fault -> the Schemathesis failure code the run must report
EXPECTED = {
    "robust-500-negative-offset": "ST101",  # Server error
    "content-type-text": "ST105",  # Undocumented Content-Type
    "schema-wrong-type": "ST108",  # Response violates schema
}


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_robustness_run_fails_on_a_faulty_server(fault: str, tmp_path: Path) -> None:
    env = dict(os.environ, MMCONTRACT_ROBUSTNESS_FAULT=fault, MMCONTRACT_ROBUSTNESS_CASES="300")
    command = [sys.executable, "-m", "pytest", str(ROBUSTNESS), "-q", "-p", "no:cacheprovider", "--tb=short"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert result.returncode == 1, (
        f"the robustness run passed against --fault {fault}:\n{result.stdout[-2000:]}"
    )
    assert f"{EXPECTED[fault]} " in result.stdout, result.stdout[-3000:]
