"""The result of one suite run: what the runner produces and every report writer reads.

The runner (mmcontract.runner) fills a RunResult; mmcontract.report writes it out. Nothing here knows pytest
or Schemathesis, so a writer can be tested on a hand-built RunResult.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

VerdictStatus = Literal["passed", "failed", "skipped", "not-run"]
# The two verdicts (see ARCHITECTURE.md, "Three kinds of statement"): `page` is what the reference page states;
# `client` is the page plus what the official datarobot client needs beyond it (openapi/overlays/). A run asks
# for one level; its exit code follows that level, and the other level's findings are still reported.
Level = Literal["page", "client"]
LEVELS: tuple[Level, ...] = ("page", "client")
Outcome = Literal["conformant", "violations", "incomplete", "could-not-run"]
# Whose side of the wire a finding is about: the server's answers (every check of `run`), or what a client sent
# (`mmcontract proxy` / `check-traffic` judge requests too). Client-request findings never fail a run.
Side = Literal["server", "client-request"]
# The incomplete reason of a response-schema coverage below --min-schema-coverage (it fails the run by itself)
SCHEMA_SHORTFALL = "response-schema coverage "

# Values in a message that vary from run to run (generated ids, offsets, counts), blanked in the signature so that
# a baseline entry matches the same problem found with other data: long hex ids, then free-standing numbers.
_VOLATILE = re.compile(r"\b[0-9a-f]{12,}\b|(?<!\w)\d+(?:\.\d+)?(?!\w)")


@dataclass(frozen=True)
class Failure:
    """One deduplicated contract violation."""

    operation: str  # "GET /registeredModels/{registeredModelId}/" (spec path, no base path)
    check: str  # stable code: "MM101" (ours) or "ST103" (Schemathesis's)
    title: str  # one line: "Pagination: count equals len(data) and is at most limit"
    family: str  # check family, see mmcontract.checks.catalogue.FAMILIES
    message: str  # what went wrong, one or a few lines
    basis: str  # what requires it: "page: ..." or "spec x-doc-gap: ..." (the suite fails only on these)
    expected: str | None = None
    actual: str | None = None
    curl: str | None = None  # token redacted
    response_excerpt: str | None = None
    known: bool = False  # matched a baseline entry: reported, does not fail the run
    level: Level = "page"  # page: the page's words are broken; client: only the official client breaks
    baseline_reason: str | None = None  # the matching baseline entry's `reason` (set with known)
    side: Side = "server"  # client-request: a finding about what a client sent (traffic judgements only)
    # Observed traffic only: the exchanges a finding comes from, one line each ("#12 GET http://... -> 200").
    exchanges: tuple[str, ...] = ()

    @property
    def signature(self) -> str:
        """Stable across runs and seeds: operation, check code and the message's first line, with the numbers
        and generated ids in it blanked (see _VOLATILE)."""
        first = self.message.splitlines()[0] if self.message else ""
        raw = f"{self.operation}|{self.check}|{_VOLATILE.sub('#', first)}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def breaks(self, level: Level) -> bool:
        """Whether this finding breaks `level`: a page failure breaks both levels (the client level is the page
        plus the overlay); a client failure only the client level. Client-request findings break neither."""
        return self.side == "server" and (level == "client" or self.level == "page")


@dataclass
class Verdict:
    """One cell of the conformance matrix: an operation x a check family."""

    operation: str
    family: str
    status: VerdictStatus
    cases: int = 0
    failures: int = 0


@dataclass
class Coverage:
    operation: str
    cases_sent: int = 0
    cases_2xx: int = 0


@dataclass
class SchemaCoverage:
    """Response-schema coverage of one operation's answer at one documented status, at one level (see
    mmcontract.target.schema_coverage): nodes seen in a validated answer, nodes the target holds nothing to show
    (`not_present`), and the rest (`not_seen`, the run's gaps), named like
    `ModelPackageRetrieveResponse.timeseries.forecastDistancesTimeUnit = null`."""

    operation: str
    status: str
    level: Level
    total: int
    seen: int
    not_present: list[str] = field(default_factory=list)
    not_seen: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        """seen / (total - not present), in percent (100 when nothing is left to see)."""
        return percent(self.seen, self.total - len(self.not_present))


def percent(seen: int, reachable: int) -> float:
    return 100.0 if reachable <= 0 else round(100.0 * seen / reachable, 1)


@dataclass
class RunResult:
    target: str  # base URL, never with credentials
    spec_path: str
    spec_hash: str  # sha256 of the contract file
    seed: int | None
    profile: str
    started_at: str  # ISO 8601, UTC
    finished_at: str
    allow_writes: bool = False
    verdicts: list[Verdict] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    stale_baseline: list[dict[str, Any]] = field(default_factory=list)  # baseline entries not reproduced
    errors: list[str] = field(default_factory=list)  # could-not-run problems
    level: Level = "page"  # the level the run was asked to judge at (its exit code follows it)
    # Why the run could not look at what its profile promises (e.g. "3 operations never reached a 2xx: ...").
    incomplete: list[str] = field(default_factory=list)
    require_complete: bool = False  # --require-complete: incomplete exits 1
    # Resources the run created and could not clean up (archive/delete failed or was interrupted), one line each
    # ("registered model 65f0... (mmcontract-1a2b-...): DELETE answered 500"): every report lists them.
    leftovers: list[str] = field(default_factory=list)
    # Why tests were skipped, grouped: reason -> number of tests ("no writable registered model": 18).
    skipped: dict[str, int] = field(default_factory=dict)
    # Response-schema coverage per operation and status (the page level; also the client level at --level client)
    schema_coverage: list[SchemaCoverage] = field(default_factory=list)
    min_schema_coverage: float | None = (
        None  # --min-schema-coverage PERCENT (a shortfall makes the run incomplete)
    )

    def schema_totals(self, level: Level | None = None) -> tuple[int, int, int]:
        """(seen, total, not present) over every operation at `level` (default: the requested level)."""
        rows = [c for c in self.schema_coverage if c.level == (level or self.level)]
        return (
            sum(c.seen for c in rows),
            sum(c.total for c in rows),
            sum(len(c.not_present) for c in rows),
        )

    def failures_at(self, level: Level) -> list[Failure]:
        """Failures that break `level` (Failure.breaks)."""
        return [f for f in self.failures if f.breaks(level)]

    @property
    def new_failures(self) -> list[Failure]:
        """Failures not in the baseline at the requested level: these fail the run."""
        return [f for f in self.failures_at(self.level) if not f.known]

    @property
    def outcome(self) -> Outcome:
        if self.errors:
            return "could-not-run"
        if self.new_failures:
            return "violations"
        return "incomplete" if self.incomplete else "conformant"

    @property
    def exit_code(self) -> int:
        return {"could-not-run": 2, "violations": 1, "conformant": 0}.get(
            self.outcome, 1 if self.incomplete_fails else 0
        )

    @property
    def incomplete_fails(self) -> bool:
        """An incomplete run exits 1: with --require-complete, or when the response-schema coverage is below
        --min-schema-coverage (that reason alone; other reasons need --require-complete)."""
        return self.require_complete or any(r.startswith(SCHEMA_SHORTFALL) for r in self.incomplete)

    @property
    def gate(self) -> str:
        """The option that makes this incomplete run fail."""
        return "--require-complete" if self.require_complete else "--min-schema-coverage"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for raw, failure in zip(data["failures"], self.failures, strict=True):
            raw["signature"] = failure.signature
        data["exit_code"] = self.exit_code
        data["outcome"] = self.outcome
        return data
