"""Observed traffic as a run: exchanges in, judgements (traffic.judge) applied, a `report.model.RunResult` out.

Thread-safe, so that a report may be written while exchanges are added (the proxy's judging process does both
from one thread; the lock costs nothing there).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from mmcontract.checks.catalogue import info
from mmcontract.checks.listing import LIST_OPERATIONS
from mmcontract.report.model import Coverage, Failure, Level, RunResult, Verdict
from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.judge import Finding, judge, new_context

MAX_EXCHANGES_PER_FINDING = 10
ALWAYS = ("server-error", "status", "content-type", "schema", "auth")


def now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class _Seen:
    failure: Failure
    exchanges: list[str] = field(default_factory=list)
    more: int = 0


class Session:
    """Judges exchanges as they come and builds the run's result on demand."""

    def __init__(self, target: str, *, level: Level = "page", profile: str = "traffic") -> None:
        self.target = target
        self.level: Level = level
        self.profile = profile
        self.context = new_context(target, level)
        self.started_at = now_iso()
        self._lock = threading.Lock()
        self._seen: dict[str, _Seen] = {}
        self._sent: Counter[str] = Counter()
        self._ok: Counter[str] = Counter()
        self._outside: Counter[str] = Counter()
        self.dropped = 0  # exchanges the proxy could not judge (its queue was full)
        self.errors: list[str] = []
        self.incomplete: list[str] = []

    def add(self, exchange: Exchange) -> list[Finding]:
        with self._lock:
            try:
                found = judge(self.context, exchange)
            except Exception as exc:  # a judgement that cannot read this exchange: say so, judge the rest
                note = f"an exchange could not be judged ({exchange.label()}): {type(exc).__name__}: {exc}"
                if len(self.incomplete) < 20:
                    self.incomplete.append(note[:300])
                found = []
            if exchange.operation is None:
                path = self.context.router.relative(exchange.url)
                self._outside[f"{exchange.method} {path if path is not None else exchange.url}"] += 1
                return found
            self._sent[exchange.operation] += 1
            self._ok[exchange.operation] += 200 <= exchange.status < 300
            for finding in found:
                self._record(finding)
            return found

    def _record(self, finding: Finding) -> None:
        last = finding.exchanges[-1]
        check = info(finding.code)
        failure = Failure(
            operation=finding.operation,
            check=finding.code,
            title=check.title,
            family=check.family,
            message=finding.message,
            basis=finding.basis,
            expected=finding.expected,
            actual=finding.actual,
            curl=last.curl(),
            response_excerpt=last.excerpt() if finding.side == "server" else None,
            level=finding.effective_level,
            side=finding.side,
        )
        seen = self._seen.setdefault(failure.signature, _Seen(failure))
        labels = " , ".join(e.label() for e in finding.exchanges)
        if len(seen.exchanges) < MAX_EXCHANGES_PER_FINDING:
            seen.exchanges.append(labels)
        else:
            seen.more += 1

    @property
    def exchanges_seen(self) -> int:
        return sum(self._sent.values()) + sum(self._outside.values())

    def result(self) -> RunResult:
        from mmcontract import spec

        with self._lock:
            failures = []
            for seen in self._seen.values():
                extra = (f"... and {seen.more} more",) if seen.more else ()
                failures.append(_with_exchanges(seen.failure, (*seen.exchanges, *extra)))
            verdicts = []
            for operation in sorted(self._sent):
                families = [*ALWAYS]
                if operation in LIST_OPERATIONS:
                    families += ["pagination", "ordering", "filtering"]
                families += sorted({f.family for f in failures if f.operation == operation} - set(families))
                for family in families:
                    bad = [f for f in failures if f.operation == operation and f.family == family]
                    verdicts.append(
                        Verdict(
                            operation,
                            family,
                            "failed" if bad else "passed",
                            cases=self._sent[operation],
                            failures=len(bad),
                        )
                    )
            incomplete = list(self.incomplete)
            if not self.exchanges_seen:
                incomplete.append("no exchanges were observed: nothing was judged")
            if self.dropped:
                incomplete.append(
                    f"{self.dropped} exchanges were forwarded but not judged (the judging backlog was full)"
                )
            return RunResult(
                target=self.target,
                spec_path=str(spec.SPEC_PATH),
                spec_hash=spec.spec_hash(),
                seed=None,
                profile=self.profile,
                started_at=self.started_at,
                finished_at=now_iso(),
                verdicts=verdicts,
                coverage=[Coverage(op, self._sent[op], self._ok[op]) for op in sorted(self._sent)],
                failures=failures,
                errors=list(self.errors),
                level=self.level,
                incomplete=incomplete,
                skipped={f"outside the contract's operations: {k}": n for k, n in self._outside.items()},
            )


def _with_exchanges(failure: Failure, exchanges: tuple[str, ...]) -> Failure:
    from dataclasses import replace

    return replace(failure, exchanges=exchanges)


def summary_line(result: RunResult) -> str:
    server = [f for f in result.failures if f.side == "server"]
    client = [f for f in result.failures if f.side != "server"]
    new = len(result.new_failures)
    return (
        f"traffic: {sum(c.cases_sent for c in result.coverage)} exchanges judged; {new} server finding(s) at "
        f"level {result.level} ({len(server)} in all), {len(client)} client-request finding(s); "
        f"outcome {result.outcome} (exit {result.exit_code})"
    )
