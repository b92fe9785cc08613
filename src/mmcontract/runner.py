"""`mmcontract run`: the contract suite against a target, with reports and an exit code.

No --endpoint (and no DATAROBOT_ENDPOINT): the embedded reference server is started on a free loopback port
with a token made for this run, and tested with writes allowed. Otherwise the target is probed first
(GET /registeredModels/?limit=1, and with --allow-writes a harmless PATCH): unreachable, not this API, refusing
the token or refusing writes -> one line, exit 2.

Three outcomes (and could-not-run): conformant (exit 0), violations (exit 1), incomplete (exit 0, or 1 with
--require-complete): the run saw no violation but could not look at everything (target/results.py says why).
Every outcome is reported: once the report directory is known, even a run that could not run (exit 2) writes
its four reports saying so, replacing the previous run's.

The suite is pytest underneath: it runs `tests/contract` in a child pytest process (so each run starts from
fresh Schemathesis and Hypothesis state) with the plugin `mmcontract.target.plugin`; the token travels in the
child's environment, never on a command line. The plugin writes one JSON record per test; they become the
RunResult that the reports and the exit code come from.

Leave no litter (writes runs): the child records every resource it creates and cleans them up at its end (also
after Ctrl-C: the runner forwards one SIGINT, and SIGTERM to either process unwinds the same way). When the
child dies before its clean-up is complete, the runner finishes it from the child's records
(mmcontract.target.litter); what could not be cleaned is RunResult.leftovers and printed.

Where the suite is: `tests/contract` next to the package's source tree (a checkout or an editable install),
or the directory named by MMCONTRACT_SUITE_DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import mmcontract
from mmcontract.checks.catalogue import found_by_schemathesis_tests
from mmcontract.errors import EXIT_CANNOT_RUN, EXIT_INTERRUPTED, MMContractError, UsageError
from mmcontract.report.model import LEVELS, Level, RunResult
from mmcontract.target import litter
from mmcontract.target.config import (
    DEFAULT_REQUEST_TIMEOUT,
    ENV_ENDPOINT,
    ENV_TOKEN,
    PROFILES,
    TOKEN_PREFIXES,
    TargetConfig,
    normalize_base_url,
)
from mmcontract.target.reproduce import strip_secret
from mmcontract.target.writable import UP_FRONT_DELETE, WRITABLE_HELP

SUITE_ENV = "MMCONTRACT_SUITE_DIR"
DEFAULT_REPORT_DIR = "reports"
MAX_LISTED_FAILURES = 20
MAX_SKIP_LINES = 6
CLEANUP_GRACE = 120.0  # seconds an interrupted child gets to clean up before it is killed

if TYPE_CHECKING:
    from mmcontract.target.results import Tally


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint",
        help=f"API base URL, http://HOST:PORT/api/v2 (default ${ENV_ENDPOINT}; "
        "none: the embedded reference server)",
    )
    parser.add_argument("--token", help=f"API token (default ${ENV_TOKEN}); never printed or written")
    parser.add_argument(
        "--token-prefix", choices=TOKEN_PREFIXES, default="Bearer", help="Authorization scheme"
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="allow POST/PATCH/DELETE (only on resources the suite creates, and on the registered models "
        "named by --writable-registered-model); without it not one write request is sent",
    )
    parser.add_argument("--leaderboard-model-id", help="leaderboard model to create registered models from")
    parser.add_argument(
        "--writable-registered-model",
        dest="writable_registered_models",
        action="append",
        default=[],
        metavar="ID",
        help=WRITABLE_HELP,
    )
    parser.add_argument(
        "--profile", choices=PROFILES, default="default", help="example budget (default: default)"
    )
    parser.add_argument(
        "--report-dir", default=DEFAULT_REPORT_DIR, help="where reports go (default: reports)"
    )
    parser.add_argument(
        "--level",
        choices=LEVELS,
        default="page",
        help="the verdict the exit code follows: page (what the reference page states; default) or client (the "
        "page plus what the official datarobot client needs, openapi/overlays/datarobot-client.yaml); "
        "failures of the other level are reported either way",
    )
    parser.add_argument("--seed", type=int, help="reproduce a run (printed by every run)")
    parser.add_argument("--workers", type=int, default=1, help="parallel pytest-xdist workers (default 1)")
    parser.add_argument(
        "--require-complete",
        action="store_true",
        help="an incomplete run (operations never reached a 2xx, writes impossible, lists empty) exits 1",
    )
    parser.add_argument(
        "--min-schema-coverage",
        type=float,
        metavar="PERCENT",
        help="a response-schema coverage below PERCENT (nodes seen / nodes the target can show) makes the run "
        "incomplete and exit 1",
    )
    parser.add_argument("--baseline", help="known deviations: reported, but do not fail the run")
    parser.add_argument(
        "--baseline-update", action="store_true", help="write or merge --baseline from this run"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        help=f"seconds per request (default {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    # internal: the fault proofs run the embedded server with one fault, on the operations that matter
    parser.add_argument("--fault", help=argparse.SUPPRESS)
    # internal: the embedded server as a legal variant (mmcontract.reference.variants), e.g. for `make bench`
    parser.add_argument("--variant", dest="variants", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--operation", dest="operations", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--check", dest="checks", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)


@dataclass
class RunOptions:
    endpoint: str | None = None
    token: str | None = None
    token_prefix: str = "Bearer"
    allow_writes: bool = False
    leaderboard_model_id: str | None = None
    profile: str = "default"
    report_dir: str | None = DEFAULT_REPORT_DIR
    seed: int | None = None
    workers: int = 1
    baseline: str | None = None
    baseline_update: bool = False
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    require_complete: bool = False
    fault: str | None = None
    operations: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    quiet: bool = False
    level: Level = "page"
    writable_registered_models: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    min_schema_coverage: float | None = None


def execute(args: argparse.Namespace) -> int:
    # Every RunOptions field has an option of the same name (dest); lists become tuples.
    values = {f.name: getattr(args, f.name) for f in fields(RunOptions)}
    options = RunOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
    result = run(options)
    return result.exit_code


def suite_dir() -> Path:
    configured = os.environ.get(SUITE_ENV)
    candidates = [Path(configured)] if configured else []
    # A checkout or editable install: the source tree's tests/contract. A wheel: the copy shipped as package
    # data under mmcontract/suite (a symlink to tests/contract in the source tree, followed at build time).
    candidates.append(Path(mmcontract.__file__).resolve().parents[2] / "tests" / "contract")
    candidates.append(Path(mmcontract.__file__).resolve().parent / "suite")
    for candidate in candidates:
        if (candidate / "conftest.py").is_file():
            return candidate
    raise UsageError(
        f"the contract suite (tests/contract) was not found next to the package nor shipped in it; "
        f"reinstall mmcontract or set {SUITE_ENV}"
    )


def _validate_report_dir(options: RunOptions) -> None:
    if options.report_dir:
        directory = Path(options.report_dir)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create --report-dir {directory}: {exc.strerror or exc}") from None
        if not os.access(directory, os.W_OK):
            raise UsageError(f"--report-dir {directory} is not writable")


def _validate(options: RunOptions) -> None:
    if options.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {options.workers}")
    if options.baseline_update and not options.baseline:
        raise UsageError("--baseline-update needs --baseline FILE")
    if options.fault and (options.endpoint or os.environ.get(ENV_ENDPOINT)):
        raise UsageError("--fault applies to the embedded reference server only (give no --endpoint)")
    if options.baseline and not (options.baseline_update and not Path(options.baseline).exists()):
        from mmcontract.report.baseline import load_baseline

        load_baseline(
            Path(options.baseline)
        )  # a missing or malformed baseline stops the run before it starts
    if options.fault:
        from mmcontract.reference.faults import BY_NAME

        if options.fault not in BY_NAME:
            raise UsageError(f"unknown fault {options.fault!r}")


def run(options: RunOptions) -> RunResult:
    """Run the suite; return its RunResult (reports written, summary printed unless quiet).
    Raises MMContractError (exit 2) when the run cannot run; once the report directory is known, the reports
    then say "could not run" and why (no previous run's verdict survives in that directory)."""
    _validate_report_dir(options)
    seed = options.seed if options.seed is not None else random.randrange(1, 2**31)
    started = now_iso_safe()
    try:
        return _run(options, seed)
    except MMContractError as exc:
        written = _write_could_not_run(options, seed, started, str(exc)) if options.report_dir else []
        if written and not options.quiet:  # the reason itself is the one line on stderr (cli.main)
            print(f"  reports: {', '.join(str(p) for p in written)}")
            print(f"result: could not run (exit {exc.exit_code})", flush=True)
        raise


def now_iso_safe() -> str:
    from mmcontract.target.results import now_iso

    return now_iso()


def _write_could_not_run(options: RunOptions, seed: int, started: str, reason: str) -> list[Path]:
    """Reports for a run that could not run: they say so and why, replacing the previous run's."""
    from mmcontract import spec
    from mmcontract.report import write_reports
    from mmcontract.report.redact import redact

    endpoint = options.endpoint or os.environ.get(ENV_ENDPOINT) or "embedded reference server"
    try:
        target = normalize_base_url(endpoint) if "://" in endpoint else endpoint
    except MMContractError:
        target = strip_secret(endpoint.split("?", 1)[0], options.token) or ""
    try:
        spec_hash = spec.spec_hash()
    except Exception:  # the contract itself may be why the run could not run
        spec_hash = ""
    result = RunResult(
        target=redact(target),
        spec_path=str(spec.SPEC_PATH),
        spec_hash=spec_hash,
        seed=seed,
        profile=options.profile,
        started_at=started,
        finished_at=now_iso_safe(),
        allow_writes=options.allow_writes,
        errors=[reason],
        level=options.level,
        require_complete=options.require_complete,
    )
    try:
        return write_reports(result, Path(options.report_dir or DEFAULT_REPORT_DIR))
    except OSError:
        return []  # the one-line error on stderr still says why


def _run(options: RunOptions, seed: int) -> RunResult:
    from mmcontract.report.redact import register_secret
    from mmcontract.target.probe import probe
    from mmcontract.target.results import build_result, now_iso, usage_error, write_reports_guarded

    _validate(options)
    endpoint = options.endpoint or os.environ.get(ENV_ENDPOINT) or ""
    token = options.token or os.environ.get(ENV_TOKEN) or ""
    suite = suite_dir()
    embedded = None
    common = {
        "profile": options.profile,
        "seed": seed,
        "request_timeout": options.request_timeout,
        "operations": tuple(options.operations),
        "checks": tuple(options.checks),
        "level": options.level,
        "writable_registered_models": tuple(options.writable_registered_models),
        "min_schema_coverage": options.min_schema_coverage,
    }
    if endpoint:
        base_url = normalize_base_url(endpoint)
        if base_url != endpoint.strip().rstrip("/"):
            _say(options, f"mmcontract run: --endpoint {endpoint.strip()} has no /api/v2; testing {base_url}")
        target = TargetConfig(
            base_url=base_url,
            token=token,
            token_prefix=options.token_prefix,
            allow_writes=options.allow_writes,
            leaderboard_model_id=options.leaderboard_model_id,
            **common,
        )
    else:
        from mmcontract.reference.variants import parse
        from mmcontract.target.embedded import start_embedded

        try:
            variants = parse(options.variants)
        except ValueError as exc:
            raise UsageError(f"--variant: {exc}") from None
        embedded = start_embedded(fault=options.fault, variants=variants)
        target = TargetConfig(
            base_url=embedded.base_url,
            token=embedded.token,
            token_prefix=options.token_prefix,
            allow_writes=True,
            leaderboard_model_id=embedded.leaderboard_model_id,
            embedded=True,
            **common,
        )
    register_secret(target.token)
    try:
        probe(target)
        where = "embedded reference server" + (f", fault {options.fault}" if options.fault else "")
        where += f", variant {','.join(options.variants)}" if options.variants else ""
        _say(
            options,
            f"mmcontract run: {target.base_url} ({where if embedded else 'target'}), "
            f"profile {target.profile}, seed {seed}, writes {'allowed' if target.allow_writes else 'off'}",
        )
        if target.allow_writes and target.writable_registered_models:
            named = ", ".join(target.writable_registered_models)
            _say(
                options,
                f"mmcontract run: writable registered models {named}: "
                + UP_FRONT_DELETE.format(model=target.writable_registered_models[-1]),
            )
        started = now_iso()
        with tempfile.TemporaryDirectory(prefix="mmcontract-run-") as tmp, _sigterm_interrupts():
            errors = _run_pytest(target, suite, Path(tmp), options)
            refused = usage_error(Path(tmp))
            if refused:
                raise UsageError(refused)
            result, tally = build_result(
                Path(tmp), target, started_at=started, finished_at=now_iso(), errors=errors
            )
            result.require_complete = options.require_complete  # result.level is target.level already
    finally:
        if embedded is not None:
            embedded.stop()
    if options.baseline:
        from mmcontract.report.baseline import apply_baseline, update_baseline

        if options.baseline_update:
            update_baseline(result, Path(options.baseline))
        result = apply_baseline(result, Path(options.baseline))
    written = write_reports_guarded(result, Path(options.report_dir)) if options.report_dir else []
    if not options.quiet:
        _print_summary(result, tally, written)
    return result


def _say(options: RunOptions, line: str) -> None:
    if not options.quiet:
        print(line, flush=True)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends the run as Ctrl-C does (the child is stopped and the clean-up still runs)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_child(process: subprocess.Popen[bytes]) -> int:
    """One SIGINT (the child cleans up in its sessionfinish), CLEANUP_GRACE to finish, then kill."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=CLEANUP_GRACE)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):  # a second Ctrl-C: do not wait
        process.kill()
        return process.wait()


def _finish_cleanup(target: TargetConfig, results: Path, run_id: str) -> None:
    """Clean what the child recorded and did not clean (it died, or was killed during its clean-up); its
    record joins the child's, so the RunResult's leftovers come from the last clean-up."""
    from mmcontract.target.plugin import open_client
    from mmcontract.target.results import last_cleanup, read_records

    records = read_records(results)
    last = last_cleanup(records)
    if last is not None and last.get("complete"):
        return
    created, cleaned = litter.created_from_records(records)
    with open_client(target) as client:
        report = litter.clean_up(
            client,
            created,
            litter.name_prefix(run_id),
            cleaned=cleaned,
            protected=target.writable_registered_models,
        )
    record = strip_secret(json.dumps(report.record()), target.token) or ""
    (results / f"results-runner-{os.getpid()}.jsonl").write_text(record + "\n", encoding="utf-8")


def _run_pytest(target: TargetConfig, suite: Path, results: Path, options: RunOptions) -> list[str]:
    """Run the suite in a child pytest; return could-not-run problems (empty when it ran). Writes runs end
    with the clean-up (the child's, finished here when it could not)."""
    run_id = litter.new_run_id()
    interrupted = False
    try:
        errors = _run_child(target, suite, results, options, run_id)
    except KeyboardInterrupt:
        interrupted = True
        errors = []
    if target.allow_writes:
        _finish_cleanup(target, results, run_id)
    if interrupted:  # no reports: the clean-up's outcome is said here
        from mmcontract.target.results import last_cleanup, read_records

        record = last_cleanup(read_records(results))
        if record is not None:
            _say(options, f"  {record.get('summary')}")
            for line in record.get("leftovers") or []:
                _say(options, f"  left over: {line}")
        raise KeyboardInterrupt
    return errors


def _run_child(
    target: TargetConfig, suite: Path, results: Path, options: RunOptions, run_id: str
) -> list[str]:
    from mmcontract.target.results import usage_error

    log = results / "pytest.log"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(suite),
        "-p",
        "mmcontract.target.plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "--tb=short",
        "-rN",
        "--capture=sys",
        "-o",
        "addopts=",
        f"--mm-results={results}",
        f"--mm-run-id={run_id}",
        *target.pytest_args(),
    ]
    argv += ["-n", str(options.workers)] if options.workers > 1 else ["-p", "no:xdist"]
    if target.checks and not any(found_by_schemathesis_tests(code) for code in target.checks):
        argv += [
            "-p",
            "no:schemathesis",
        ]  # a semantic-only selection (fault proofs) needs no Schemathesis plugin
    env = {**os.environ, ENV_TOKEN: target.token, "MMCONTRACT_PROGRESS": "0" if options.quiet else "1"}
    env.pop(ENV_ENDPOINT, None)
    env.setdefault("PYTHONHASHSEED", "0")
    with log.open("wb") as out:
        try:
            process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                cwd=str(suite.parents[1]),
                start_new_session=True,  # a terminal's Ctrl-C reaches the runner only, which forwards one
            )
        except OSError as exc:
            return [f"cannot start pytest: {exc}"]
        stderr_tail: list[str] = []
        relay = threading.Thread(
            target=_relay, args=(process, target.token, options.quiet, stderr_tail), daemon=True
        )
        relay.start()
        try:
            code = process.wait()
        except KeyboardInterrupt:
            _stop_child(process)
            relay.join(timeout=5)
            raise
        relay.join(timeout=5)
    if code in (0, 1):
        return []
    if code == 2:
        collection = _collection_errors(log, target.token)
        if collection:
            return collection
        if usage_error(results):
            return []  # the suite stopped on a usage error: run() reports it
        raise KeyboardInterrupt
    tail = strip_secret(log.read_text("utf-8", "replace"), target.token) or ""
    last = [line for line in tail.splitlines() + stderr_tail if line.strip()][-1:] or ["no output"]
    meaning = {3: "internal error", 4: "usage error", 5: "no contract test was collected"}.get(
        code, f"exit {code}"
    )
    return [f"the suite could not run (pytest {meaning}): {last[0][:300]}"]


def _relay(process: subprocess.Popen[bytes], token: str, quiet: bool, tail: list[str]) -> None:
    """Progress lines from the child's stderr to ours, with the token stripped (it is never in them anyway);
    the last lines are kept for the error message when the child fails."""
    assert process.stderr is not None
    for raw in process.stderr:
        line = strip_secret(raw.decode("utf-8", "replace"), token) or ""
        tail.append(line.rstrip("\r\n"))
        del tail[:-20]
        if not quiet:
            sys.stderr.write(line)
            sys.stderr.flush()


def _collection_errors(log: Path, token: str) -> list[str]:
    text = strip_secret(log.read_text("utf-8", "replace"), token) or ""
    return [
        f"the suite could not be collected: {line.strip('_ ').strip()}"
        for line in text.splitlines()
        if line.startswith("_") and "ERROR collecting" in line
    ]


def _print_summary(result: RunResult, tally: Tally, written: list[Path]) -> None:
    """The terminal's last lines: the same counts, verdicts and reasons as every report (report.view)."""
    from mmcontract.report.view import (
        build_view,
        client_call,
        counts_line,
        schema_coverage_line,
        skip_lines,
        stale_line,
    )

    view = build_view(result)
    print(
        f"  {counts_line(view)}; tests: {tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped"
    )
    for level in dict.fromkeys(("page", result.level)):
        line = schema_coverage_line(result, level)  # type: ignore[arg-type]
        if line:
            print(f"  {line}")
    groups = skip_lines(view)
    for line in groups[:MAX_SKIP_LINES]:
        print(f"  {line}")
    if len(groups) > MAX_SKIP_LINES:
        print(f"  ... and {len(groups) - MAX_SKIP_LINES} more skip reasons (see the reports)")
    listed = [f for f in result.failures if f.known or f in result.new_failures]
    for failure in listed[:MAX_LISTED_FAILURES]:
        mark = "known" if failure.known else "FAIL "
        first = failure.message.splitlines()[0] if failure.message else ""
        print(f"  {mark} {failure.check} {failure.operation}: {failure.title}: {first[:160]}")
    if len(listed) > MAX_LISTED_FAILURES:
        print(f"  ... and {len(listed) - MAX_LISTED_FAILURES} more (see the reports)")
    info = [f for f in view.client_breakages if f not in result.new_failures]
    for failure in info[:MAX_LISTED_FAILURES]:
        print(f"  client (information) {client_call(failure)[:220]}")
    for entry in result.stale_baseline:
        print(f"  stale baseline entry (not reproduced: remove it if fixed): {stale_line(entry)}")
    for leftover in result.leftovers:
        print(f"  LEFT BEHIND (delete by hand): {leftover}")
    for error in result.errors[:5]:
        print(f"  ERROR {error[:300]}")
    for reason in result.incomplete:
        print(f"  incomplete: {reason}")
    if tally.cleanup:
        print(f"  {tally.cleanup}")
    if written:
        print(f"  reports: {', '.join(str(p) for p in written)}")
    print(view.verdict_line)
    print(view.outcome_line, flush=True)


def main() -> int:  # pragma: no cover - `python -m mmcontract.runner` for debugging
    from mmcontract.cli import main as cli_main

    return cli_main(["run", *sys.argv[1:]])


__all__ = ["EXIT_CANNOT_RUN", "EXIT_INTERRUPTED", "RunOptions", "configure", "execute", "run", "suite_dir"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
