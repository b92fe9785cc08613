"""`mmcontract contract [--level page|client] [--output FILE]`: the effective contract as YAML, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from mmcontract.cli import main
from mmcontract.spec import load_spec


@pytest.mark.parametrize("level", ["page", "client"])
def test_prints_the_effective_contract_of_a_level(capsys, level):
    assert main(["contract", "--level", level]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == load_spec(level)


def test_the_default_level_is_the_page(capsys):
    assert main(["contract"]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == load_spec("page")


def test_output_writes_a_file_and_prints_nothing(tmp_path, capsys):
    target = tmp_path / "client.yaml"
    assert main(["contract", "--level", "client", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert (
        document == load_spec("client")
        and "ClientRegisteredModelVersion" in document["components"]["schemas"]
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["contract", "--level", "vendor"], "argument --level: invalid choice: 'vendor'"),
        (["contract", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv, message):
    run = subprocess.run(
        [sys.executable, "-m", "mmcontract", *argv], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2 and run.stdout == ""
    assert message in run.stderr and run.stderr.count("\n") == 1


def test_an_unwritable_output_or_a_broken_overlay_exit_2_with_one_line(tmp_path):
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n- target: $.x\n  remove: true\n"
    )
    for argv, message in [
        (
            ["--level", "client", "--overlay", str(overlay)],
            "overlay action 1 (target $.x): the target matches nothing",
        ),
        (["--output", str(tmp_path / "missing" / "out.yaml")], "cannot write"),
    ]:
        run = subprocess.run(
            [sys.executable, "-m", "mmcontract", "contract", *argv],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 2, run.stderr
        assert message in run.stderr and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
