"""`mmcontract compare --baseline-endpoint URL --endpoint URL`: behaviour differences between two servers.

Read-only by default: GET requests only. --allow-writes adds a mirrored write battery (compare/writes.py): each
side writes only to resources it creates (names with its run's prefix), cleaned up at the end, also after an error. Exit 0 when no difference at or above --fail-on (default breaking), 1 otherwise,
2 when it could not run (bad input, a side unreachable, not this API, a refused token; one line).
Tokens: --baseline-token or MMCONTRACT_BASELINE_TOKEN (falling back to DATAROBOT_API_TOKEN) for the baseline,
--token or DATAROBOT_API_TOKEN for the other server; never printed or written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
from pathlib import Path

from mmcontract.compare.rules import LEVELS, RULES
from mmcontract.errors import EXIT_OK, EXIT_VIOLATIONS, MMContractError, UsageError
from mmcontract.target.config import (
    DEFAULT_REQUEST_TIMEOUT,
    ENV_ENDPOINT,
    ENV_TOKEN,
    PROFILES,
    TOKEN_PREFIXES,
    TargetConfig,
    normalize_base_url,
)

ENV_BASELINE_ENDPOINT = "MMCONTRACT_BASELINE_ENDPOINT"
ENV_BASELINE_TOKEN = "MMCONTRACT_BASELINE_TOKEN"
FAIL_ON = ("breaking", "any", "none")
DEFAULT_REPORT_DIR = "reports/compare"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline-endpoint",
        help=f"today's server, http://HOST:PORT/api/v2 (default ${ENV_BASELINE_ENDPOINT})",
    )
    parser.add_argument("--endpoint", help=f"the server to compare with it (default ${ENV_ENDPOINT})")
    parser.add_argument(
        "--baseline-token",
        help=f"token for the baseline (default ${ENV_BASELINE_TOKEN}, then ${ENV_TOKEN}); never printed",
    )
    parser.add_argument("--token", help=f"token for --endpoint (default ${ENV_TOKEN}); never printed")
    parser.add_argument(
        "--token-prefix", choices=TOKEN_PREFIXES, default="Bearer", help="Authorization scheme"
    )
    parser.add_argument(
        "--profile", choices=PROFILES, default="default", help="generated cases per operation, as for run"
    )
    parser.add_argument("--seed", type=int, help="reproduce a comparison (printed by every run)")
    parser.add_argument(
        "--report-dir", default=DEFAULT_REPORT_DIR, help=f"where reports go (default: {DEFAULT_REPORT_DIR})"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="breaking",
        help="exit 1 on a difference at this level: breaking (default), any, or none (report only)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="JSONPOINTER",
        help="a response field never to compare, e.g. /data/*/modifiedAt (`*` or a number: any item); "
        "repeatable",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        help=f"seconds per request (default {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="also send the write battery, mirrored: each side creates, changes and cleans up its own resources",
    )
    parser.add_argument(
        "--leaderboard-model-id",
        help="a leaderboard model of --endpoint to create packages from (needed with --allow-writes)",
    )
    parser.add_argument(
        "--baseline-leaderboard-model-id",
        help="the baseline's leaderboard model (default: --leaderboard-model-id)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary line")
    parser.epilog = f"{len(RULES)} rules, levels {', '.join(reversed(LEVELS))}; see README 'Check an upgrade'"


def _target(
    url: str | None, token: str | None, args: argparse.Namespace, seed: int, what: str, token_from: str
) -> TargetConfig:
    if not url:
        raise UsageError(f"{what} is missing (give the API base, http://HOST:PORT/api/v2)")
    if not token:
        raise UsageError(f"no API token for {what}: pass {token_from}")
    return TargetConfig(
        base_url=normalize_base_url(url),
        token=token,
        token_prefix=args.token_prefix,
        profile=args.profile,
        seed=seed,
        request_timeout=args.request_timeout,
    )


def execute(args: argparse.Namespace) -> int:
    from mmcontract.compare.run import CompareOptions, CompareResult, compare
    from mmcontract.report.compare_writers import failing, level_counts, write_compare_reports

    seed = args.seed if args.seed is not None else random.randrange(1, 2**31)
    baseline_token = args.baseline_token or os.environ.get(ENV_BASELINE_TOKEN) or os.environ.get(ENV_TOKEN)
    baseline = _target(
        args.baseline_endpoint or os.environ.get(ENV_BASELINE_ENDPOINT),
        baseline_token,
        args,
        seed,
        "--baseline-endpoint",
        f"--baseline-token or set {ENV_BASELINE_TOKEN} (or {ENV_TOKEN})",
    )
    candidate = _target(
        args.endpoint or os.environ.get(ENV_ENDPOINT),
        args.token or os.environ.get(ENV_TOKEN),
        args,
        seed,
        "--endpoint",
        f"--token or set {ENV_TOKEN}",
    )
    if args.allow_writes and not args.leaderboard_model_id:
        raise UsageError(
            "--allow-writes needs --leaderboard-model-id (a leaderboard model to create packages from)"
        )
    if not args.quiet:
        print(
            f"mmcontract compare: {baseline.base_url} -> {candidate.base_url}, profile {args.profile}, seed {seed}, "
            + ("writes allowed (own resources, cleaned up)" if args.allow_writes else "read-only")
        )
    options = CompareOptions(
        baseline,
        candidate,
        tuple(args.ignore),
        allow_writes=args.allow_writes,
        leaderboard_model_id=args.leaderboard_model_id,
        baseline_leaderboard_model_id=args.baseline_leaderboard_model_id,
    )
    try:
        result = compare(options)
    except MMContractError as exc:
        # could not run: the reports say so and why (replacing the previous comparison's), then one line, exit 2
        failed = CompareResult(baseline.base_url, candidate.base_url, args.profile, seed, error=str(exc))
        with contextlib.suppress(OSError):
            write_compare_reports(failed, Path(args.report_dir), args.fail_on)
        raise
    written = write_compare_reports(result, Path(args.report_dir), args.fail_on)
    if not args.quiet:
        for d in result.differences[:20]:
            print(f"  {d.level:<8} {d.rule}  {d.operation}  {d.field}: {d.message}")
        if len(result.differences) > 20:
            print(f"  ... {len(result.differences) - 20} more in {args.report_dir}/summary.md")
        for line in result.leftovers:
            print(f"  left over: {line}")
    line = ", ".join(f"{n} {level}" for level, n in level_counts(result.differences).items())
    sys.stdout.write(
        f"{len(result.differences)} difference(s) ({line}) over {result.requests} requests "
        f"({result.sent_baseline} + {result.sent_candidate} sent) in {result.duration_s:g} s; reports: "
        f"{', '.join(str(p) for p in written)}\n"
    )
    return EXIT_VIOLATIONS if failing(result, args.fail_on) else EXIT_OK
