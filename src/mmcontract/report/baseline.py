"""The baseline: known deviations that are reported but do not fail a run.

File format (YAML, documented in docs/reports.md):

    version: 1
    target: http://HOST:PORT/api/v2               # where it was recorded (informative: rewritten by each update)
    contract: 9b1d3f0a6c2e...                     # sha256 of the contract it was recorded against
    level: page                                   # the level the recording run judged at
    recorded: 2026-11-30T02:10:00Z                # when
    entries:
      - operation: GET /registeredModels/        # "METHOD /path" as in the reports
        check: MM701                             # check code
        signature: 3f2a9c0d1b7e4a56              # Failure.signature: operation, code, message's first line
        title: No token gets 401 on every operation   # informative only
        message: GET /registeredModels/ without a token answered 200   # informative only
        reason: "vendor serves anonymous reads; ticket VX-12"   # why it is accepted: fill this in

An entry matches a failure on (operation, check, signature) exactly. `apply_baseline` marks matching failures
known and lists unmatched entries as stale; `update_baseline` adds the run's failures to the file and keeps
every existing entry with its reason (a stale entry is only ever removed by hand: nothing is lost).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from mmcontract.errors import UsageError
from mmcontract.report.model import Failure, RunResult
from mmcontract.report.redact import redact

FORMAT_VERSION = 1
KEY_FIELDS = ("operation", "check", "signature")
HEADER = """\
# mmcontract baseline: known deviations of the target from the contract.
# A failure listed here is still reported, but does not fail `mmcontract run` (exit 0);
# only failures not listed here do (exit 1). Entries match on operation + check + signature.
# Fill in each `reason`. Entries the run no longer reproduces are reported as stale: delete them by hand.
# Written by `mmcontract run --baseline FILE --baseline-update`; format: docs/reports.md.
"""

Key = tuple[str, str, str]


def _key(entry: dict[str, Any]) -> Key:
    return (str(entry["operation"]), str(entry["check"]), str(entry["signature"]))


def failure_key(failure: Failure) -> Key:
    return (failure.operation, failure.check, failure.signature)


def load_baseline(path: Path) -> list[dict[str, Any]]:
    """The entries of a baseline file; UsageError (exit 2, one line) if it is missing or malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"baseline file {path} not found (create it with --baseline {path} --baseline-update)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read baseline file {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" (line {line + 1})" if line is not None else ""
        raise UsageError(f"baseline file {path} is not valid YAML{where}") from None
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise UsageError(f"baseline file {path}: expected a mapping with 'version' and a list 'entries'")
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise UsageError(
            f"baseline file {path}: format version {data.get('version')!r} is not supported "
            f"(this mmcontract reads version {FORMAT_VERSION})"
        )
    entries = data.get("entries") or []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise UsageError(f"baseline file {path}: entry {index} is not a mapping")
        missing = [f for f in KEY_FIELDS if not entry.get(f)]
        if missing:
            raise UsageError(f"baseline file {path}: entry {index} lacks {', '.join(missing)}")
    return entries


def apply_baseline(result: RunResult, path: Path) -> RunResult:
    """A copy of `result` whose failures in the baseline are known (with the entry's reason), and whose
    stale_baseline lists the entries this run did not reproduce."""
    entries = load_baseline(path)
    by_key = {_key(e): e for e in entries}
    failures = []
    seen: set[Key] = set()
    for failure in result.failures:
        entry = by_key.get(failure_key(failure))
        if entry is None:
            failures.append(failure)
            continue
        seen.add(failure_key(failure))
        reason = str(entry.get("reason") or "").strip() or None
        failures.append(dataclasses.replace(failure, known=True, baseline_reason=reason))
    stale = [dict(e) for e in entries if _key(e) not in seen]
    return dataclasses.replace(result, failures=failures, stale_baseline=stale)


def _entry(failure: Failure) -> dict[str, Any]:
    return {
        "operation": failure.operation,
        "check": failure.check,
        "signature": failure.signature,
        "title": failure.title,
        "message": redact(failure.message.splitlines()[0] if failure.message else ""),
        "reason": "",
    }


def update_baseline(result: RunResult, path: Path) -> None:
    """Write the baseline, or merge into an existing one: add an entry for each failure not yet in it,
    keep every existing entry (and its reason); the header fields (target, contract hash, level, date) say
    which run updated it last. Written atomically."""
    path = Path(path)
    entries = load_baseline(path) if path.exists() else []
    known = {_key(e) for e in entries}
    for failure in result.failures:
        if failure_key(failure) not in known:
            known.add(failure_key(failure))
            entries.append(_entry(failure))
    document = {
        "version": FORMAT_VERSION,
        "target": redact(result.target),
        "contract": result.spec_hash,
        "level": result.level,
        "recorded": result.finished_at,
        "entries": entries,
    }
    text = HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would surprise a file meant to be committed
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
