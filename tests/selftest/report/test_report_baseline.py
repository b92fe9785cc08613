"""Baseline: known deviations do not fail the run, new ones do, stale entries are reported."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from report_samples import SECRET, sample_result

from mmcontract.errors import UsageError
from mmcontract.report.baseline import apply_baseline, load_baseline, update_baseline
from mmcontract.report.model import RunResult


def fresh() -> RunResult:
    """The sample run as the runner produces it: nothing known yet, no stale entries."""
    result = sample_result(with_known=False)
    return result


def test_update_then_apply_makes_every_failure_known(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    result = fresh()
    assert result.exit_code == 1
    update_baseline(result, path)
    applied = apply_baseline(fresh(), path)
    assert all(f.known for f in applied.failures) and len(applied.failures) == 5
    assert applied.exit_code == 0 and applied.stale_baseline == []
    assert applied.new_failures == []


def test_file_format_is_documented_yaml_with_reason_to_fill(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    update_baseline(fresh(), path)
    text = path.read_text()
    assert text.startswith("# mmcontract baseline")
    data = yaml.safe_load(text)
    assert data["version"] == 1
    entry = data["entries"][0]
    assert list(entry) == ["operation", "check", "signature", "title", "message", "reason"]
    assert entry["reason"] == "" and entry["check"] == "MM101"
    assert SECRET not in text


def test_a_new_failure_still_fails_the_run(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    update_baseline(fresh(), path)
    result = fresh()
    new = dataclasses.replace(result.failures[0], message="count is missing from the page")
    result.failures.append(new)
    applied = apply_baseline(result, path)
    assert [f.message for f in applied.new_failures] == [new.message]
    assert applied.exit_code == 1


def test_stale_entries_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    update_baseline(fresh(), path)
    result = fresh()
    fixed = result.failures.pop(2)  # the schema violation got fixed
    applied = apply_baseline(result, path)
    assert [(e["operation"], e["check"], e["signature"]) for e in applied.stale_baseline] == [
        (fixed.operation, fixed.check, fixed.signature)
    ]
    assert applied.exit_code == 0


def test_reasons_survive_a_merge_and_new_entries_are_added(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    update_baseline(fresh(), path)
    data = yaml.safe_load(path.read_text())
    data["entries"][0]["reason"] = "vendor ticket VX-1"
    path.write_text(yaml.safe_dump(data))
    result = fresh()
    result.failures = result.failures[1:]  # the first no longer reproduces: kept, not dropped
    extra = dataclasses.replace(result.failures[0], message="something else entirely")
    result.failures.append(extra)
    update_baseline(result, path)
    entries = load_baseline(path)
    assert len(entries) == 6
    assert entries[0]["reason"] == "vendor ticket VX-1"
    assert entries[-1]["signature"] == extra.signature
    applied = apply_baseline(fresh(), path)
    assert applied.failures[0].baseline_reason == "vendor ticket VX-1"
    assert applied.failures[1].baseline_reason is None


def test_signature_ignores_generated_numbers_and_ids_in_the_message() -> None:
    a = dataclasses.replace(
        fresh().failures[0], message="count differs (offset=13&limit=1) for 65f0c0ffee1234567890abcd"
    )
    b = dataclasses.replace(a, message="count differs (offset=7&limit=20) for 65f0c0ffee0000000000abcd")
    c = dataclasses.replace(a, message="count differs (offset=7&limit=20) for the first page")
    assert a.signature == b.signature != c.signature
    # words and codes with digits in them are kept
    assert (
        dataclasses.replace(a, message="ST108 in v2").signature
        != dataclasses.replace(a, message="ST109 in v2").signature
    )


def test_signature_ignores_everything_but_operation_code_and_first_line() -> None:
    a = fresh().failures[0]
    b = dataclasses.replace(
        a, message=a.message + "\nseed-dependent detail 42", curl="curl other", actual="x"
    )
    assert a.signature == b.signature
    assert a.signature != dataclasses.replace(a, operation="GET /registeredModels/").signature
    assert a.signature != dataclasses.replace(a, check="MM102").signature


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "not found"),
        ("version: 1\nentries: [a: b", "not valid YAML (line"),
        ("- just a list", "expected a mapping"),
        ("version: 7\nentries: []", "format version 7 is not supported"),
        ("version: 1\nentries:\n  - operation: GET /x/\n    check: MM101\n", "entry 1 lacks signature"),
        ("version: 1\nentries:\n  - oops\n", "entry 1 is not a mapping"),
    ],
)
def test_bad_baseline_files_give_one_line_usage_errors(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "baseline.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=re.escape(message)) as info:
        apply_baseline(fresh(), path)
    assert "\n" not in str(info.value)


def test_empty_file_is_an_empty_baseline(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text("")
    assert apply_baseline(fresh(), path).exit_code == 1
    update_baseline(fresh(), path)
    assert len(load_baseline(path)) == 5
