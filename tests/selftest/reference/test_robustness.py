"""Plain Schemathesis, every check on, positive and negative cases, against `mmcontract serve`: no 5xx, no
conformance failure.

The budget is a number of generated test cases (Schemathesis's own count, from its JSON run report):
`MMCONTRACT_ROBUSTNESS_CASES` (default 1500, what `make test` runs). The full run the issue asks for:

    MMCONTRACT_ROBUSTNESS_CASES=10000 .venv/bin/pytest -m slow tests/selftest/reference/test_robustness.py
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mmcontract.bench import served
from mmcontract.spec import SPEC_PATH

pytestmark = [pytest.mark.slow, pytest.mark.socket]

CASES = int(os.environ.get("MMCONTRACT_ROBUSTNESS_CASES", "1500"))
SEED = int(os.environ.get("MMCONTRACT_ROBUSTNESS_SEED", "20261127"))
FAULT = os.environ.get("MMCONTRACT_ROBUSTNESS_FAULT")  # test_robustness_faults.py: this run must fail
LEADERBOARD_MODEL_ID = "65f0c0ffee000000000000b5"
# Schemathesis's --max-examples bounds the fuzzing (positive and negative) and stateful phases per operation;
# over this contract's 19 operations one unit of it yields about 25 cases, on top of a fixed examples and
# coverage phase of about 1,400 cases. The assertion below holds the floor whatever the spec's size.
CASES_PER_EXAMPLE = 25
MAX_EXAMPLES = max(1, math.ceil(CASES / CASES_PER_EXAMPLE))


# Plain Schemathesis, every check on, configured only where the page leaves the answer to the server (each with
# its reason); nothing here turns a check off for an operation the page does say something about.
#
# One check is excluded on the command line (a config file cannot switch off what `--checks all` switches on):
# use_after_free. The page: DELETE "Permanently archive a registered model and all of its versions". An archived
# model stays readable with isArchived true (the official client reads it back), so "deleted resource still
# available" is no finding; the suite checks the archive itself (MM402). DELETE of a registered model is the
# contract's only DELETE, so that is the check's whole scope.
EXCLUDED_CHECKS = "use_after_free"
CONFIG = """
# Where the contract records that a server may accept what the page's letter forbids (x-mm-lenient-missing,
# x-mm-lenient-values, x-mm-no-negative: e.g. sharedRoles' offset/limit, required by the page's table, optional
# for the official client), the hook below drops "schema-violating request accepted" for that negation only,
# with the suite's own reading of those records.
hooks = "robustness_hooks"

[generation]
# The page is silent on undeclared query parameters. DataRobot, like the reference server, ignores them (the
# official client sends `tags` to GET .../versions/, a parameter the page does not list), so an undeclared
# parameter is not a negative case.
allow-extra-parameters = false

[[operations]]
include-operation-id = "updateRegisteredModelSharedRoles"
# The page: 422 "One of the users in the request does not exist". A schema-valid grant names a random user.
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""


HOOKS = """
import schemathesis

from mmcontract.st.discretion import query_params_table
from mmcontract.st.lenience import is_excused_negative, lenience_table
from mmcontract.spec import load_spec

_SPEC = load_spec()
_LENIENCE = lenience_table(_SPEC)
_QUERY = query_params_table(_SPEC)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    return not (failure.code == "ST201" and is_excused_negative(case, _LENIENCE, _QUERY))
"""


def _schemathesis() -> str:
    local = Path(sys.executable).with_name("schemathesis")
    return str(local) if local.exists() else (shutil.which("schemathesis") or "schemathesis")


def _summary(document: dict) -> str:
    lines = [f"generated={document['test_cases']['generated']} exit={document['exit_code']}"]
    for failure in document["failures"]:
        lines.append(
            f"  {failure['code']} {failure['title']} x{failure['count']}: {', '.join(failure['operations'])}"
        )
    for error in document["errors"]:
        lines.append(f"  error: {error['title']} x{error['count']}")
    return "\n".join(lines)


def test_reference_server_passes_plain_schemathesis_with_every_check(
    tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    report = tmp_path / "schemathesis-run.json"
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    (tmp_path / "robustness_hooks.py").write_text(HOOKS)
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    )
    args = ["--leaderboard-model-id", LEADERBOARD_MODEL_ID, *(["--fault", FAULT] if FAULT else [])]
    with served(db=tmp_path / "robustness.db", args=args, log_dir=tmp_path) as server:
        command = [
            _schemathesis(), "--config-file", str(config), "run", str(SPEC_PATH),
            "--url", server.endpoint,
            "--header", f"Authorization: Bearer {server.token}",
            "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS,
            "--mode", "all",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", str(SEED),
            "--generation-database", "none",
            "--request-timeout", "30",
            "--report", "json", "--report-json-path", str(report),
            "--no-color",
        ]  # fmt: skip
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=tmp_path, env=env, check=False, timeout=3600
        )
        server_log = server.log_tail(40)
    assert report.exists(), (
        f"no JSON report; schemathesis said:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
    )
    document = json.loads(report.read_text())
    summary = _summary(document)
    record_property("schemathesis_cases_generated", document["test_cases"]["generated"])
    print(f"schemathesis: {summary.splitlines()[0]} in {document['running_time']:.0f} s (seed {SEED})")
    assert not document["failures"] and not document["errors"], (
        f"{summary}\n--- schemathesis output (tail) ---\n{result.stdout[-6000:]}\n--- server log ---\n{server_log}"
    )
    assert result.returncode == 0, summary
    assert document["test_cases"]["generated"] >= CASES, summary
