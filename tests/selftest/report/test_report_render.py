"""report.html rendered in headless Chromium: the matrix is shown, nothing is fetched, no console errors.

Needs the Debian package `chromium` (`apt-get install -y --no-install-recommends chromium`). Skipped when it is
absent on a developer machine; a failure under CI=true, where .ci/run installs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cdp_pipe import find_chromium, load_page
from report_samples import OPERATIONS, clean_result, sample_result

from mmcontract.report import write_reports
from mmcontract.report.model import RunResult

MATRIX_PROBE = """(() => {
  const table = document.querySelector('table.matrix');
  const box = table ? table.getBoundingClientRect() : null;
  const cell = document.querySelector('td.cell[data-status="failed"] a');
  return {
    rows: table ? table.querySelectorAll('tbody tr').length : 0,
    columns: table ? table.querySelectorAll('thead th').length : 0,
    visible: !!box && box.width > 600 && box.height > 300,
    fitsWidth: document.documentElement.scrollWidth <= window.innerWidth,  // the card scrolls, not the page
    failed: document.querySelectorAll('td.cell[data-status="failed"]').length,
    failedColour: cell ? getComputedStyle(cell).backgroundColor : null,
    passedColour: (document.querySelector('td.cell[data-status="passed"] span') || {}).nodeType
      ? getComputedStyle(document.querySelector('td.cell[data-status="passed"] span')).backgroundColor : null,
    failures: document.querySelectorAll('details.failure').length,
    resources: performance.getEntriesByType('resource').length,
  };
})()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        message = "chromium is not installed (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: required under CI")
        pytest.skip(message)
    return binary


def render(result: RunResult, directory: Path) -> Path:
    return next(p for p in write_reports(result, directory) if p.name == "report.html")


def test_report_shows_the_matrix_without_console_errors(chromium: str, tmp_path: Path) -> None:
    page = render(sample_result(), tmp_path)
    loaded = load_page(chromium, page, MATRIX_PROBE, screenshot=True)
    assert loaded.console_errors == []
    info = loaded.value
    assert info["rows"] == len(OPERATIONS)
    assert info["columns"] >= 2 + 9  # operation, families, coverage
    assert info["visible"] and info["fitsWidth"], info
    assert info["failed"] == 3 and info["failures"] == 5
    assert info["failedColour"] != info["passedColour"]  # coloured cells, not plain text
    assert info["resources"] == 0  # self-contained: nothing fetched
    assert loaded.screenshot and loaded.screenshot.startswith(b"\x89PNG")
    (tmp_path / "report.png").write_bytes(loaded.screenshot)


def test_clean_report_renders_without_console_errors(chromium: str, tmp_path: Path) -> None:
    loaded = load_page(chromium, render(clean_result(), tmp_path), MATRIX_PROBE)
    assert loaded.console_errors == []
    assert loaded.value["rows"] == len(OPERATIONS) and loaded.value["failed"] == 0


VERDICT_PROBE = """(() => {
  const verdicts = [...document.querySelectorAll('#verdicts b')].map(b => [b.dataset.level, b.dataset.verdict]);
  const section = document.querySelector('#incomplete');
  const client = document.querySelector('td.cell[data-status="client"] a');
  return {
    verdicts,
    incompleteShown: !!section && section.getBoundingClientRect().height > 20,
    reasons: section ? section.querySelectorAll('li').length : 0,
    clientCells: document.querySelectorAll('td.cell[data-status="client"]').length,
    clientColour: client ? getComputedStyle(client).backgroundColor : null,
    leftovers: document.querySelectorAll('#leftovers li').length,
  };
})()"""


def test_incomplete_report_with_a_client_breakage_renders(chromium: str, tmp_path: Path) -> None:
    import dataclasses

    result = clean_result()
    result.failures = [dataclasses.replace(sample_result().failures[2], level="client")]
    result.incomplete = [
        "1 operation never reached a 2xx answer: GET /modelPackages/",
        "1 list never returned an item",
    ]
    result.leftovers = ["registered model 65f0c0ffee: DELETE answered 500"]
    loaded = load_page(chromium, render(result, tmp_path), VERDICT_PROBE)
    assert loaded.console_errors == []
    info = loaded.value
    assert info["verdicts"] == [["page", "conformant"], ["client", "violations"]]
    assert info["incompleteShown"] and info["reasons"] == 2 and info["leftovers"] == 1
    assert info["clientCells"] == 1 and info["clientColour"] not in (None, "rgba(0, 0, 0, 0)")


def test_the_probe_catches_console_errors_and_blocked_fetches(chromium: str, tmp_path: Path) -> None:
    """Control: the same harness on a broken page reports its errors, so a clean result means something."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        "</head><body><p>no matrix</p>"
        '<img src="data:image/png;base64,AAAA">'
        "<script>console.error('boom'); undefinedFunction();</script></body></html>"
    )
    loaded = load_page(chromium, page, MATRIX_PROBE)
    joined = "\n".join(loaded.console_errors)
    assert "console.error: boom" in joined
    assert "undefinedFunction" in joined
    assert "Content Security Policy" in joined  # the blocked image
    assert loaded.value["rows"] == 0
