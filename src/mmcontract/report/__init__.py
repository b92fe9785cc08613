"""Run results and the report writers (JUnit, JSON, HTML, Markdown) and the baseline.

`write_reports(result, report_dir)` writes every format; each writer redacts credentials itself. The writers
are imported on first use, so that importing `mmcontract.report.model` (as every test process does) stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mmcontract.report.model import RunResult

FILENAMES = ("junit.xml", "summary.json", "report.html", "summary.md")

Writer = Callable[[RunResult, Path], Path]


def writers() -> tuple[Writer, ...]:
    """One writer per format, in the order of FILENAMES."""
    from mmcontract.report import html, junit, markdown, summary_json

    return (junit.write, summary_json.write, html.write, markdown.write)


def write_reports(result: RunResult, report_dir: Path) -> list[Path]:
    """Write junit.xml, summary.json, report.html and summary.md into `report_dir` (created if missing).

    Each writer runs even if another failed (nothing is lost); the first failure is raised afterwards.
    """
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    failures: list[Exception] = []
    for write in writers():
        try:
            written.append(write(result, report_dir))
        except Exception as exc:  # re-raised below, once the other formats are written
            failures.append(exc)
    if failures:
        raise failures[0]
    return written


__all__ = ["FILENAMES", "write_reports", "writers"]
