"""The official-client scenario fails when the server breaks what the client relies on.

Runs the scenario (test_official_client.py) in a child pytest against `mmcontract serve --fault NAME` and
expects the named scenario test to fail: so a clean scenario run proves something.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_official_client import FAULT_VARIABLE

pytestmark = [pytest.mark.socket, pytest.mark.slow]

SCENARIO = Path(__file__).with_name("test_official_client.py")

# fault -> the scenario test that must fail (the client call that notices it)
EXPECTED = {
    "schema-missing-required": "test_get_and_update",  # RegisteredModel cannot be built without createdBy
    "page-next-relative": "test_list_walks_every_page_with_search_and_sorting",  # the client follows `next`
    "page-next-drops-filter": "test_list_walks_every_page_with_search_and_sorting",
    "page-offset-skip": "test_versions_list_get_and_filters",
    "order-direction-ignored": "test_list_walks_every_page_with_search_and_sorting",
    "write-patch-not-persisted": "test_get_and_update",
    "write-sharing-invisible": "test_share_and_shared_roles",
    "write-sharing-no-owner-allowed": "test_share_and_shared_roles",
    "write-delete-keeps-versions": "test_archive_archives_the_model_and_its_versions",
}


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_scenario_fails_on_a_faulty_server(fault: str, tmp_path: Path) -> None:
    expected = EXPECTED[fault]
    env = dict(os.environ, **{FAULT_VARIABLE: fault})
    command = [sys.executable, "-m", "pytest", str(SCENARIO), "-q", "-p", "no:cacheprovider", "-k", expected]
    command += ["--junitxml", str(tmp_path / "scenario.xml"), "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert result.returncode == 1, f"scenario passed against --fault {fault}:\n{result.stdout[-2000:]}"
    cases = ElementTree.parse(tmp_path / "scenario.xml").getroot().iter("testcase")
    failed = {
        case.get("name")
        for case in cases
        if case.find("failure") is not None or case.find("error") is not None
    }
    assert expected in failed, result.stdout[-3000:]
