"""The diff's findings as text (terminal), JSON (versioned, for tools) or Markdown (a PR comment)."""

from __future__ import annotations

import json
from collections import Counter

from mmcontract.specdiff.compare import Finding
from mmcontract.specdiff.rules import LEVELS, RULES

JSON_VERSION = "1.0"


def counts(findings: list[Finding]) -> dict[str, int]:
    found = Counter(f.level for f in findings)
    return {level: found.get(level, 0) for level in reversed(LEVELS)}


def _summary(findings: list[Finding]) -> str:
    if not findings:
        return "no changes"
    parts = ", ".join(f"{n} {level}" for level, n in counts(findings).items() if n)
    return f"{len(findings)} change{'s' * (len(findings) != 1)} ({parts})"


def render_text(findings: list[Finding], old: str, new: str) -> str:
    lines = [f"{old} -> {new}: {_summary(findings)}"]
    for f in findings:
        lines.append(f"{f.level:<4}  {f.id}  {f.operation}")
        lines.append(f"      {f.text}")
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], old: str, new: str, fail_on: str) -> str:
    document = {
        "version": JSON_VERSION,
        "old": old,
        "new": new,
        "fail_on": fail_on,
        "counts": counts(findings),
        "findings": [
            {
                "id": f.id,
                "level": f.level,
                "operation": f.operation,
                "location": f.location,
                "message": f.message,
                "text": f.text,
                "description": RULES[f.id].description,
            }
            for f in findings
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(findings: list[Finding], old: str, new: str) -> str:
    icon = "❌" if any(f.level == "ERR" for f in findings) else ("⚠️" if findings else "✅")
    lines = [f"### {icon} API changes: {_summary(findings)}", "", f"`{old}` → `{new}`", ""]
    if findings:
        lines += ["| level | rule | operation | change |", "|---|---|---|---|"]
        lines += [f"| {f.level} | `{f.id}` | `{_md(f.operation)}` | {_md(f.text)} |" for f in findings]
    return "\n".join(lines) + "\n"
