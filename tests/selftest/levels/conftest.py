"""The runs the level proofs share (each takes ~20 s): the suite's client checks at --level client on the
reference server and on its `literal` variant (the page's letter only). Runner Python API (the code path of
`mmcontract run`), quick profile, fixed seed, only the client checks (MM801 runs inside the Schemathesis tests,
so those run too, on the operations the overlay and the client checks touch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmcontract.checks.catalogue import CHECKS, CLIENT_FAMILY
from mmcontract.reference.variants import expand
from mmcontract.report.model import RunResult
from mmcontract.runner import RunOptions, run

SEED = 20261130
CLIENT_CODES = tuple(sorted(code for code, info in CHECKS.items() if info.family == CLIENT_FAMILY))
OPERATIONS = (
    "GET /version/",
    "GET /registeredModels/",
    "GET /registeredModels/{registeredModelId}/",
    "GET /registeredModels/{registeredModelId}/sharedRoles/",
    "GET /registeredModels/{registeredModelId}/versions/",
    "GET /registeredModels/{registeredModelId}/versions/{versionId}/",
    "POST /modelPackages/fromLeaderboard/",
)


def client_run(report_dir: Path, variants: frozenset[str] = frozenset()) -> RunResult:
    common = {
        "profile": "quick",
        "seed": SEED,
        "level": "client",
        "checks": CLIENT_CODES,
        "operations": OPERATIONS,
        "report_dir": str(report_dir),
        "quiet": True,
    }
    # no endpoint: the runner's own embedded server, as that variant, writes allowed
    return run(RunOptions(variants=tuple(sorted(variants)), **common))


@pytest.fixture(scope="session")
def reference_client_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return client_run(tmp_path_factory.mktemp("levels-reference"))


@pytest.fixture(scope="session")
def literal_client_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    return client_run(tmp_path_factory.mktemp("levels-literal"), expand({"literal"}))
