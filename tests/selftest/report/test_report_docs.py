"""The CI example and the docs stay true to the code: flags exist, the token stays a secret, rules are listed."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mmcontract.cli import build_parser
from mmcontract.specdiff.rules import RULES

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / "examples" / "github-actions.yml"


def _steps(job: str) -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]


def _commands(job: str) -> list[list[str]]:
    """The mmcontract command lines of a job, shell variables replaced by plain values."""
    lines = []
    for step in _steps(job):
        script = re.sub(r"\\\n\s*", " ", step.get("run", ""))
        for line in script.splitlines():
            line = line.strip()
            if line.startswith("mmcontract "):
                line = re.sub(r'"\$\{baseline\[@\]\}"', "--baseline .mmcontract/baseline.yaml", line)
                line = line.replace('"$PROFILE"', "default")
                line = re.sub(r'"?\$[A-Z_]+(/[\w.]+)?"?', "value", line)
                lines.append(line.split()[1:])
    return lines


def test_workflow_runs_the_suite_with_flags_the_cli_accepts() -> None:
    (run,) = _commands("contract")
    args = build_parser("run").parse_args(run)
    assert args.report_dir == "reports" and args.baseline == ".mmcontract/baseline.yaml"
    choices = yaml.safe_load(WORKFLOW.read_text())[True]["workflow_dispatch"]["inputs"]["profile"]["options"]
    for profile in choices:  # every profile the dispatch form offers is one the CLI knows
        build_parser("run").parse_args([*run, "--profile", profile])


def test_workflow_diff_flags_are_accepted() -> None:
    (diff,) = _commands("contract-diff")
    args = build_parser("diff").parse_args(diff)
    assert args.fail_on == "ERR" and args.format == "markdown"


def test_workflow_keeps_the_token_in_secrets_and_publishes_reports() -> None:
    text = WORKFLOW.read_text()
    assert "--token" not in text  # never on a command line
    (run_step,) = [s for s in _steps("contract") if "mmcontract run" in s.get("run", "")]
    assert run_step["env"] == {
        "DATAROBOT_ENDPOINT": "${{ secrets.DATAROBOT_ENDPOINT }}",
        "DATAROBOT_API_TOKEN": "${{ secrets.DATAROBOT_API_TOKEN }}",
    }
    upload = next(
        s for s in _steps("contract") if str(s.get("uses", "")).startswith("actions/upload-artifact")
    )
    assert upload["with"]["path"] == "reports/" and upload["if"] == "always()"
    summary = next(s for s in _steps("contract") if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "reports/summary.md" in summary["run"] and summary["if"] == "always()"


def test_specdiff_doc_lists_every_rule_with_its_level() -> None:
    doc = (ROOT / "docs" / "specdiff.md").read_text()
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.level} |" in doc, rule.id
