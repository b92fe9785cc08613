"""`mmcontract diff`: exit codes, --fail-on, the three formats, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from specdiff_cases import BASE, DEL, pair

from mmcontract.cli import main


def write_pair(tmp_path: Path, edits: list) -> tuple[str, str]:
    old, new = pair(edits)
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(old, sort_keys=False))
    (tmp_path / "new.json").write_text(json.dumps(new))  # JSON input works too
    return str(tmp_path / "old.yaml"), str(tmp_path / "new.json")


# One change of each level: ERR (limit's maximum tightened), WARN (sortKey removed), INFO (endpoint added).
ERR = ("new", ("paths", "/items/", "get", "parameters", 0, "schema", "maximum"), 50)
WARN = ("new", ("paths", "/items/", "get", "parameters", 6), DEL)
INFO = ("new", ("paths", "/new/"), {"get": {"responses": {"200": {"description": "ok"}}}})


@pytest.mark.parametrize(
    ("edits", "fail_on", "code"),
    [
        ([], "ERR", 0),
        ([], "INFO", 0),
        ([INFO], "ERR", 0),
        ([INFO], "WARN", 0),
        ([INFO], "INFO", 1),
        ([WARN], "ERR", 0),
        ([WARN], "WARN", 1),
        ([WARN], "info", 1),  # case-insensitive
        ([ERR], "ERR", 1),
        ([ERR, INFO], "ERR", 1),
    ],
)
def test_exit_code_follows_fail_on(tmp_path: Path, capsys, edits: list, fail_on: str, code: int) -> None:
    old, new = write_pair(tmp_path, edits)
    assert main(["diff", old, new, "--fail-on", fail_on]) == code
    out = capsys.readouterr().out
    assert ("no changes" in out) == (not edits)


def test_default_fail_on_is_err(tmp_path: Path, capsys) -> None:
    old, new = write_pair(tmp_path, [WARN])
    assert main(["diff", old, new]) == 0
    old, new = write_pair(tmp_path, [ERR])
    assert main(["diff", old, new]) == 1


def test_text_format(tmp_path: Path, capsys) -> None:
    old, new = write_pair(tmp_path, [ERR, WARN, INFO])
    main(["diff", old, new])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("3 changes (1 ERR, 1 WARN, 1 INFO)")
    assert lines[1].split() == ["ERR", "request-parameter-max-decreased", "GET", "/items/"]
    assert lines[2].strip() == "query parameter 'limit': maximum changed from 100 to 50"
    assert lines[3].split()[:2] == ["WARN", "request-parameter-removed"]
    assert lines[5].split()[:2] == ["INFO", "endpoint-added"]


def test_json_format(tmp_path: Path, capsys) -> None:
    old, new = write_pair(tmp_path, [ERR, INFO])
    assert main(["diff", old, new, "--format", "json", "--fail-on", "WARN"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == "1.0" and doc["fail_on"] == "WARN"
    assert doc["counts"] == {"ERR": 1, "WARN": 0, "INFO": 1}
    first = doc["findings"][0]
    assert first["id"] == "request-parameter-max-decreased" and first["level"] == "ERR"
    assert first["operation"] == "GET /items/" and first["location"] == "query parameter 'limit'"
    assert first["description"]


def test_markdown_format_and_output_file(tmp_path: Path, capsys) -> None:
    old, new = write_pair(tmp_path, [ERR])
    out = tmp_path / "diff.md"
    assert main(["diff", old, new, "--format", "markdown", "--output", str(out)]) == 1
    assert capsys.readouterr().out == ""
    md = out.read_text()
    assert md.startswith("### ❌ API changes: 1 change (1 ERR)")
    assert "| ERR | `request-parameter-max-decreased` | `GET /items/` |" in md


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("openapi: 3.1.0\npaths: [unclosed", "not valid YAML or JSON at line"),
        ("just: a mapping\n", "not an OpenAPI document"),
        ("swagger: '2.0'\npaths: {}\n", "is not supported"),
        ("openapi: 3.1.0\npaths: [1, 2]\n", "'paths' is not a mapping"),
        (
            "openapi: 3.1.0\npaths:\n  /x/:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n",
            "unresolvable $ref",
        ),
        ("openapi: 3.1.0\npaths:\n  /x/:\n    get:\n      parameters: 7\n", "malformed OpenAPI"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, capsys, content: str | None, message: str
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(BASE))
    bad = tmp_path / "bad.yaml"
    if content is not None:
        bad.write_text(content)
    # A missing file against a good one; a broken one against itself, so the walk reaches its broken parts.
    old = good if content is None else bad
    assert main(["diff", str(old), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mmcontract diff: error: ") and message in lines[0], (
        captured.err
    )
    assert "Traceback" not in captured.err


def test_bad_fail_on_level_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["diff", "a.yaml", "b.yaml", "--fail-on", "FATAL"])
    assert info.value.code == 2
    assert "expected one of ERR, WARN, INFO but got 'FATAL'" in capsys.readouterr().err
