"""`mmcontract doc-check PAGE [--spec PATH] [--format text|json]`: exit codes and output."""

from __future__ import annotations

import json

import pytest
import yaml
from doccheck_samples import PAGE, matching_spec

from mmcontract.cli import main


@pytest.fixture
def files(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(PAGE, encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(matching_spec()), encoding="utf-8")
    return page, spec


def test_exit_0_when_everything_is_excused(files, capsys):
    page, spec = files
    assert main(["doc-check", str(page), "--spec", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "no unexcused difference" in out
    assert "operations" in out and "2/2 matched" in out


def test_exit_1_lists_each_difference_on_one_line(files, capsys):
    page, spec = files
    document = matching_spec()
    document["components"]["schemas"]["Thing"]["properties"]["kind"]["type"] = "integer"
    document["paths"]["/things/"]["get"]["parameters"][0]["required"] = True
    spec.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert main(["doc-check", str(page), "--spec", str(spec)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("DIFF ")]
    assert len(lines) == 2
    assert any("Thing.kind: type: page string | spec integer" in line for line in lines)
    assert any("query parameter offset: required: page false | spec true" in line for line in lines)


def test_json_output(files, capsys):
    page, spec = files
    assert main(["doc-check", str(page), "--spec", str(spec), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["counts"]["parameters"] == {"matched": 5, "excused": 0, "unexcused": 0, "total": 5}
    assert report["x_doc_gap"]["entries"] == 1
    assert [s["name"] for s in report["sections"]][:2] == ["GrantById", "GrantByName"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p, s: (p.parent / "nope.txt", s), "cannot read the page"),
        (lambda p, s: (p.parent, s), "cannot read the page"),
        (lambda p, s: (s, s), "no operation found"),
        (lambda p, s: (p, p.parent / "nope.yaml"), "cannot read the contract"),
        (lambda p, s: (p, p), "not valid YAML"),
    ],
)
def test_exit_2_one_line_no_traceback(files, capsys, make, message):
    page, spec = make(*files)
    assert main(["doc-check", str(page), "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_exit_2_for_a_yaml_file_that_is_not_openapi(files, capsys):
    page, spec = files
    spec.write_text("just: a mapping\n", encoding="utf-8")
    assert main(["doc-check", str(page), "--spec", str(spec)]) == 2
    assert "not an OpenAPI document" in capsys.readouterr().err


def test_exit_2_for_a_page_that_is_not_utf8(files, capsys):
    page, spec = files
    page.write_bytes(b"\xff\xfe\x00GET")
    assert main(["doc-check", str(page), "--spec", str(spec)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_default_spec_is_the_shipped_contract():
    from mmcontract.doccheck.cli import default_spec_path
    from mmcontract.spec import SPEC_PATH

    assert default_spec_path() == SPEC_PATH
