"""`make bench`: how fast the reference server and the suite are, as ratios measured in one run.

Server part: `wrk` (Debian package `wrk`) drives `mmcontract serve` over a real socket: a list
(`GET /modelPackages/?limit=100`) and a get-by-id, at 1 and at 8 connections, each next to a control measured
in the same run: the same server's constant-JSON route (`GET /api/v2/_bench/constant?size=N`) answering a body
of the same size. Runs alternate target and control and the figures are medians, because this machine is small
and shared. Goals: get-by-id >= 0.5 of its control's requests/s, list >= 0.25.

Proxy part: the same wrk runs on a get-by-id and a list, directly and through `mmcontract proxy` (judging on),
alternating; reported: added p50 latency (goal <= 1 ms) and throughput ratio (goal >= 0.5), at 1 and 8
connections, and how many of the exchanges the proxy judged. Before every run the bench waits until the proxy's
judging process is idle (it judges in the pauses of traffic), so no run shares the machine with judging left
over from the one before; how long that took is reported too. Reported, not asserted.

Suite part: wall time of `mmcontract run` per profile against the embedded server, and the suite's test cases
per second next to plain `schemathesis run` on the same spec with the same example budget (goal >= 0.8);
`mmcontract compare` of two reference servers at the same profile and seed, as a ratio of that run's wall time
(goal <= 2.2; reported, not asserted); and the quick profile against the embedded server as variant
`no-registered-model-name` (a server that ignores the off-page registeredModelName, so the suite cannot create a
registered model) next to the plain embedded run, alternating (goal: within 1.2x; reported, not asserted).

`served()` is also what the socket self-tests use to run a real `mmcontract serve` process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from mmcontract.spec import SPEC_PATH

API_BASE = "/api/v2"
CONTROL_PATH = f"{API_BASE}/_bench/constant"
WRK_INSTALL = "apt-get update && apt-get install -y wrk"
GOALS = {"get": 0.5, "list": 0.25}
SUITE_RATE_GOAL = 0.8
COMPARE_RATIO_GOAL = 2.2  # mmcontract compare at most this many times one run of the same profile
REPO_ROOT = Path(__file__).resolve().parents[2]
PROFILE_GOALS_S = {"quick": 60.0, "default": 300.0}
VARIANT_GOAL = 1.2  # the quick profile on a server where nothing can be created, at most this x the plain run
BENCH_VARIANT = "no-registered-model-name"

# wrk reports through this script: one JSON line, latencies in microseconds.
_WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "socket_errors": %d, "non_2xx": %d, '
    .. '"p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


# --------------------------------------------------------------------------------------------------------------
# A real `mmcontract serve` process


@dataclass
class Served:
    """A running `mmcontract serve` process: where it listens and how to authenticate."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    token: str
    db: str
    log_path: Path

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """The official client's form of the target: `http://HOST:PORT/api/v2`."""
        return f"{self.origin}{API_BASE}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:]).replace(self.token, "[Filtered]")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_server(
    *,
    db: str | os.PathLike[str] = ":memory:",
    token: str | None = None,
    args: Sequence[str] = (),
    log_dir: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    ready_timeout: float = 30.0,
) -> Served:
    """Start `mmcontract serve` on a free port and wait until `GET /api/v2/version/` answers 200."""
    token = token or f"bench-{secrets.token_hex(8)}"
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="mmcontract-serve-"))
    last_error = ""
    for _attempt in range(3):  # the free port can be taken between probing and binding
        port = free_port(host)
        log_path = log_dir / f"serve-{port}.log"
        command = [sys.executable, "-m", "mmcontract", "serve", "--host", host, "--port", str(port)]
        command += ["--db", str(db), "--token", token, *args]
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        served = Served(process, host, port, token, str(db), log_path)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                last_error = f"exited with {process.returncode}: {served.log_tail()}"
                break
            try:
                response = httpx.get(f"{served.endpoint}/version/", headers=served.headers, timeout=2.0)
                if response.status_code == 200:
                    return served
                last_error = f"GET /api/v2/version/ answered {response.status_code}"
            except httpx.HTTPError as exc:
                last_error = type(exc).__name__
            time.sleep(0.05)
        else:
            stop_server(served)
            raise RuntimeError(f"mmcontract serve not ready within {ready_timeout}s: {last_error}")
    raise RuntimeError(f"mmcontract serve did not start: {last_error}")


def stop_server(served: Served, *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL with `kill=True`) the server process, and wait for it."""
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            served.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.wait(timeout=10)


@contextlib.contextmanager
def served(**kwargs: object) -> Iterator[Served]:
    """`with served(db=..., args=[...]) as server:` a `mmcontract serve` process, stopped on exit."""
    server = start_server(**kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        stop_server(server)


# --------------------------------------------------------------------------------------------------------------
# Server part: wrk


@dataclass
class WrkRun:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, headers: dict[str, str], *, connections: int, duration: float, script: Path) -> WrkRun:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s"]
    command += ["-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=duration + 60
    )
    line = next((ln for ln in reversed(result.stdout.splitlines()) if ln.startswith("{")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip()[:300]}")
    data = json.loads(line)
    seconds = data["duration_us"] / 1e6
    return WrkRun(
        requests_per_s=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        failed=data["socket_errors"] + data["non_2xx"],
    )


@dataclass
class Comparison:
    """One target next to its control at one connection count; medians over the runs."""

    name: str
    kind: str  # "get" or "list": selects the goal
    path: str
    body_bytes: int
    connections: int
    target: dict[str, float] = field(default_factory=dict)
    control: dict[str, float] | None = None
    ratio: float | None = None
    goal: float = 0.0
    runs: int = 0
    failed_requests: int = 0

    @property
    def met(self) -> bool | None:
        return None if self.ratio is None else self.ratio >= self.goal


def _median_of(runs: list[WrkRun]) -> dict[str, float]:
    return {
        "requests_per_s": round(statistics.median(r.requests_per_s for r in runs), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 3),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 3),
    }


def _pick_targets(server: Served) -> list[tuple[str, str, str, int]]:
    """(name, kind, path, body size) for the list and the get-by-id, read from the server's own data."""
    with httpx.Client(base_url=server.origin, headers=server.headers, timeout=10.0) as client:
        list_path = f"{API_BASE}/modelPackages/?limit=100"
        listing = client.get(list_path)
        listing.raise_for_status()
        items = listing.json()["data"]
        if not items:
            raise RuntimeError("the server lists no model packages: start it with its seed data")
        get_path = f"{API_BASE}/modelPackages/{items[0]['id']}/"
        got = client.get(get_path)
        got.raise_for_status()
        return [
            (f"list modelPackages ({len(items)} items)", "list", list_path, len(listing.content)),
            ("get modelPackage by id", "get", get_path, len(got.content)),
        ]


def _control_available(server: Served, size: int) -> bool:
    response = httpx.get(f"{server.origin}{CONTROL_PATH}?size={size}", headers=server.headers, timeout=10.0)
    return response.status_code == 200 and len(response.content) == size


def bench_server(
    *, runs: int, duration: float, connections: Sequence[int], log: bool = True
) -> list[Comparison]:
    say = print if log else (lambda *a, **k: None)
    with (
        tempfile.TemporaryDirectory(prefix="mmcontract-bench-") as tmp,
        served(db=Path(tmp) / "bench.db", log_dir=tmp) as server,
    ):
        script = Path(tmp) / "report.lua"
        script.write_text(_WRK_LUA)

        def measure(url: str, conns: int, seconds: float = duration) -> WrkRun:
            return run_wrk(url, server.headers, connections=conns, duration=seconds, script=script)

        targets = _pick_targets(server)
        control_ok = all(_control_available(server, size) for *_, size in targets)
        if not control_ok:
            say(f"warning: the server has no working {CONTROL_PATH}?size=N route: no control, no ratios")
        results: list[Comparison] = []
        for conns in connections:
            for name, kind, path, size in targets:
                comparison = Comparison(name, kind, path, size, conns, goal=GOALS[kind], runs=runs)
                target_url = f"{server.origin}{path}"
                control_url = f"{server.origin}{CONTROL_PATH}?size={size}"
                measure(target_url, conns, 1)  # warm-up: the first second of a fresh route is not measured
                target_runs: list[WrkRun] = []
                control_runs: list[WrkRun] = []
                for _ in range(runs):  # alternate, so drift on a shared machine hits both alike
                    target_runs.append(measure(target_url, conns))
                    if control_ok:
                        control_runs.append(measure(control_url, conns))
                comparison.target = _median_of(target_runs)
                comparison.failed_requests = sum(r.failed for r in target_runs + control_runs)
                if control_runs:
                    comparison.control = _median_of(control_runs)
                    comparison.ratio = round(
                        comparison.target["requests_per_s"] / comparison.control["requests_per_s"], 3
                    )
                say(f"  {name}, {conns} conn: ratio {comparison.ratio}")
                results.append(comparison)
        return results


def _verdict(met: bool | None) -> str:
    return {None: "-", True: "ok", False: "MISSED"}[met]


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True)))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def server_table(results: Sequence[Comparison]) -> str:
    headers = ["target", "conn", "bytes", "req/s", "p50 ms", "p99 ms", "control req/s", "p50 ms", "p99 ms"]
    headers += ["ratio", "goal", ""]
    rows = []
    for c in results:
        control = c.control or {}
        rows.append([
            c.name, c.connections, c.body_bytes,
            f"{c.target['requests_per_s']:.0f}", f"{c.target['p50_ms']:.2f}", f"{c.target['p99_ms']:.2f}",
            f"{control.get('requests_per_s', 0):.0f}", f"{control.get('p50_ms', 0):.2f}", f"{control.get('p99_ms', 0):.2f}",
            "-" if c.ratio is None else f"{c.ratio:.2f}", f">= {c.goal}", _verdict(c.met),
        ])  # fmt: skip
    return _table(headers, rows)


# --------------------------------------------------------------------------------------------------------------
# Suite part: `mmcontract run` per profile, next to plain `schemathesis run`


@dataclass
class ProfileRun:
    profile: str
    wall_s: float
    exit_code: int
    cases: int
    cases_per_s: float
    goal_s: float | None
    max_examples: int | None
    runs: int = 1
    plain_cases: int | None = None
    plain_wall_s: float | None = None
    plain_cases_per_s: float | None = None
    rate_ratio: float | None = None
    compare_wall_s: float | None = None  # `mmcontract compare` of two reference servers, same profile, seed
    compare_ratio: float | None = None  # compare wall / run wall (goal <= COMPARE_RATIO_GOAL; reported only)
    schema_coverage: str | None = None  # response-schema nodes seen, reported (no goal asserted)

    @property
    def met(self) -> bool | None:
        return None if self.goal_s is None else self.wall_s <= self.goal_s


def _schemathesis_command() -> str:
    local = Path(sys.executable).with_name("schemathesis")
    return str(local) if local.exists() else (shutil.which("schemathesis") or "schemathesis")


def plain_schemathesis(*, max_examples: int, seed: int, workdir: Path) -> tuple[int, float]:
    """(cases generated, wall time in s) of plain `schemathesis run`, every check on, against the
    same embedded reference server `mmcontract run` starts (same app, same socket set-up)."""
    from mmcontract.target.embedded import start_embedded

    server = start_embedded()
    try:
        return _plain_schemathesis(server.base_url, server.token, max_examples, seed, workdir)
    finally:
        server.stop()


def _plain_schemathesis(
    endpoint: str, token: str, max_examples: int, seed: int, workdir: Path
) -> tuple[int, float]:
    report = workdir / f"plain-{max_examples}.json"
    command = [
        _schemathesis_command(), "run", str(SPEC_PATH), "--url", endpoint,
        "--header", f"Authorization: Bearer {token}", "--checks", "all", "--mode", "all",
        "--max-examples", str(max_examples), "--seed", str(seed), "--generation-database", "none",
        "--report", "json", "--report-json-path", str(report), "--no-color",
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(command, capture_output=True, text=True, cwd=workdir, check=False, timeout=3600)
    wall = time.monotonic() - started  # what a user waits, as for `mmcontract run`
    document = json.loads(report.read_text())
    return int(document["test_cases"]["generated"]), wall


def run_profile(
    profile: str, *, seed: int, workdir: Path, variant: str | None = None
) -> tuple[float, int, dict[str, object]]:
    """Wall time, exit code and summary.json of `mmcontract run --profile P` on the embedded server (as
    `variant`, a legal variant of the reference server, if given)."""
    report_dir = workdir / f"run-{profile}{'-' + variant if variant else ''}"
    command = [sys.executable, "-m", "mmcontract", "run", "--profile", profile, "--seed", str(seed)]
    command += ["--report-dir", str(report_dir)] + (["--variant", variant] if variant else [])
    env = {k: v for k, v in os.environ.items() if k not in ("DATAROBOT_ENDPOINT", "DATAROBOT_API_TOKEN")}
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=3600)
    wall = time.monotonic() - started
    summary_path = report_dir / "summary.json"
    if not summary_path.exists():
        raise RuntimeError(
            f"mmcontract run --profile {profile} wrote no summary.json: {result.stderr[-500:]}"
        )
    return wall, result.returncode, json.loads(summary_path.read_text())


def run_compare(profile: str, *, seed: int, workdir: Path) -> float:
    """Wall time of `mmcontract compare --profile P` between two `mmcontract serve` processes (started before
    the clock starts: `run` starts its own embedded server, which costs well under a second)."""
    token = f"bench-{secrets.token_hex(8)}"
    with served(token=token) as first, served(token=token) as second:
        command = [sys.executable, "-m", "mmcontract", "compare", "--baseline-endpoint", first.endpoint]
        command += ["--endpoint", second.endpoint, "--profile", profile, "--seed", str(seed), "--quiet"]
        command += ["--report-dir", str(workdir / f"compare-{profile}")]
        env = {**os.environ, "DATAROBOT_API_TOKEN": token}
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=3600)
        wall = time.monotonic() - started
    if result.returncode not in (0, 1):
        raise RuntimeError(f"mmcontract compare --profile {profile} failed: {result.stderr[-500:]}")
    return wall


def bench_suite(*, profiles: Sequence[str], seed: int, runs: int, log: bool = True) -> list[ProfileRun]:
    """Each profile `runs` times, alternating with plain Schemathesis at the same budget; medians."""
    say = print if log else (lambda *a, **k: None)
    results: list[ProfileRun] = []
    with tempfile.TemporaryDirectory(prefix="mmcontract-bench-suite-") as tmp:
        workdir = Path(tmp)
        for profile in profiles:
            max_examples = _profile_max_examples(profile)
            suite: list[tuple[float, int, int]] = []  # wall, exit code, cases
            schema_figures: list[str] = []
            plain: list[tuple[float, int]] = []  # wall, cases
            compared: list[float] = []
            for _ in range(runs):
                compared.append(run_compare(profile, seed=seed, workdir=workdir))
                wall, code, summary = run_profile(profile, seed=seed, workdir=workdir)
                totals = summary["totals"]
                assert isinstance(totals, dict)
                suite.append((wall, code, int(totals["cases_sent"])))
                schema_figures.append(schema_figure(summary))
                if max_examples is not None:
                    plain_cases, plain_wall = plain_schemathesis(
                        max_examples=max_examples, seed=seed, workdir=workdir
                    )
                    plain.append((plain_wall, plain_cases))
            run = ProfileRun(
                profile=profile,
                wall_s=round(statistics.median(w for w, _, _ in suite), 1),
                exit_code=max(code for _, code, _ in suite),
                cases=int(statistics.median(c for _, _, c in suite)),
                cases_per_s=round(statistics.median(c / w for w, _, c in suite), 1),
                goal_s=PROFILE_GOALS_S.get(profile),
                max_examples=max_examples,
                runs=runs,
                schema_coverage=schema_figures[-1] if schema_figures else None,
            )
            run.compare_wall_s = round(statistics.median(compared), 1)
            run.compare_ratio = round(run.compare_wall_s / run.wall_s, 2) if run.wall_s else None
            if plain:
                run.plain_cases = int(statistics.median(c for _, c in plain))
                run.plain_wall_s = round(statistics.median(w for w, _ in plain), 1)
                run.plain_cases_per_s = round(statistics.median(c / w for w, c in plain), 1)
                run.rate_ratio = round(run.cases_per_s / run.plain_cases_per_s, 3)
            say(
                f"  profile {profile}: wall {run.wall_s} s, ratio {run.rate_ratio}; compare {run.compare_wall_s} s"
                f" = {run.compare_ratio}x run"
            )
            results.append(run)
    return results


@dataclass
class VariantRun:
    """The same profile on the embedded server plain and as a variant: wall times (medians) and their ratio."""

    profile: str
    variant: str
    runs: int
    plain_wall_s: float
    variant_wall_s: float
    plain_exit: int
    variant_exit: int
    ratio: float
    goal: float = VARIANT_GOAL
    errors: list[str] = field(default_factory=list)  # why a run could not run (its summary's errors), if any

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal


def bench_variant(*, profile: str, variant: str, seed: int, runs: int, log: bool = True) -> VariantRun:
    """`profile` on the plain embedded server and as `variant`, alternating `runs` times; medians."""
    say = print if log else (lambda *a, **k: None)
    plain: list[tuple[float, int]] = []
    varied: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory(prefix="mmcontract-bench-variant-") as tmp:
        errors: list[str] = []
        for _ in range(runs):
            for kind, out in ((None, plain), (variant, varied)):
                wall, code, summary = run_profile(profile, seed=seed, workdir=Path(tmp), variant=kind)
                out.append((wall, code))
                found = summary.get("errors")
                errors += [f"{kind or 'plain'}: {e}"[:300] for e in found] if isinstance(found, list) else []
    plain_wall = statistics.median(w for w, _ in plain)
    variant_wall = statistics.median(w for w, _ in varied)
    result = VariantRun(
        profile=profile,
        variant=variant,
        runs=runs,
        plain_wall_s=round(plain_wall, 1),
        variant_wall_s=round(variant_wall, 1),
        plain_exit=max(c for _, c in plain),
        variant_exit=max(c for _, c in varied),
        ratio=round(variant_wall / plain_wall, 2),
        errors=errors,
    )
    say(
        f"  {profile} as {variant}: {result.variant_wall_s} s vs {result.plain_wall_s} s, ratio {result.ratio}"
    )
    return result


def variant_table(results: Sequence[VariantRun]) -> str:
    headers = [
        "profile",
        "variant",
        "runs",
        "plain s",
        "variant s",
        "ratio",
        "goal",
        "",
        "exit plain/variant",
    ]
    rows = [
        [r.profile, r.variant, r.runs, f"{r.plain_wall_s:.1f}", f"{r.variant_wall_s:.1f}", f"{r.ratio:.2f}",
         f"<= {r.goal}", _verdict(r.met), f"{r.plain_exit}/{r.variant_exit}"]
        for r in results
    ]  # fmt: skip
    return _table(headers, rows)


def schema_figure(summary: dict[str, object]) -> str:
    """The response-schema coverage of a run's summary.json: "1193/1292 (92.3%), 66 not present"."""
    block = summary.get("schema_coverage")
    levels = block.get("levels") if isinstance(block, dict) else None
    page = levels.get("page") if isinstance(levels, dict) else None
    if not isinstance(page, dict):
        return "-"
    reachable = int(page["total"]) - int(page["not_present"])
    return f"{page['seen']}/{reachable} ({page['percent']:g}%), {page['not_present']} not present"


def _profile_max_examples(profile: str) -> int | None:
    """The fuzzing budget per operation a profile gives Schemathesis, as the suite defines it."""
    from mmcontract.target.config import PROFILE_SETTINGS

    chosen = PROFILE_SETTINGS.get(profile)
    return chosen.max_examples if chosen is not None else None


def suite_table(results: Sequence[ProfileRun]) -> str:
    headers = ["profile", "runs", "wall s", "goal", "", "exit", "cases", "cases/s"]
    headers += ["plain --max-examples", "plain cases", "plain cases/s", "ratio", "goal", ""]
    headers += ["response schema"]
    headers += ["compare s", "compare/run", "goal"]
    rows = []
    for r in results:
        rate_met = None if r.rate_ratio is None else r.rate_ratio >= SUITE_RATE_GOAL
        rows.append([
            r.profile, r.runs, f"{r.wall_s:.1f}", "-" if r.goal_s is None else f"<= {r.goal_s:.0f}", _verdict(r.met),
            r.exit_code, r.cases, f"{r.cases_per_s:.1f}",
            r.max_examples if r.max_examples is not None else "-", r.plain_cases if r.plain_cases is not None else "-",
            "-" if r.plain_cases_per_s is None else f"{r.plain_cases_per_s:.1f}",
            "-" if r.rate_ratio is None else f"{r.rate_ratio:.2f}", f">= {SUITE_RATE_GOAL}", _verdict(rate_met),
            r.schema_coverage or "-",
            "-" if r.compare_wall_s is None else f"{r.compare_wall_s:.1f}",
            "-" if r.compare_ratio is None else f"{r.compare_ratio:.2f}", f"<= {COMPARE_RATIO_GOAL}",
        ])  # fmt: skip
    return _table(headers, rows)


# --------------------------------------------------------------------------------------------------------------
# Proxy part: `mmcontract proxy` in front of the same server, next to the server reached directly

PROXY_GOALS = {"added_p50_ms": 1.0, "ratio": 0.5}


@dataclass
class JudgedTraffic:
    """What the proxy judged of the bench's traffic: wrk's completed requests through it, the proxy's count."""

    requests: int = 0
    judged: int = 0
    dropped: int = 0
    outcome: str = ""


def _judging_pid(proxy_pid: int) -> int | None:
    """The proxy's judging process: its child started by multiprocessing's spawn (another is its resource
    tracker)."""
    try:
        children = Path(f"/proc/{proxy_pid}/task/{proxy_pid}/children").read_text().split()
    except OSError:
        return None
    for child in children:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
    return None


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_judging_idle(proxy_pid: int, *, settle: float = 0.5, timeout: float = 300.0) -> float:
    """Wait until the proxy's judging process has used no CPU for `settle` seconds; the seconds waited."""
    started = time.monotonic()
    pid = _judging_pid(proxy_pid)
    if pid is None:
        return 0.0
    last, still_since = -1, started
    while time.monotonic() - started < timeout:
        try:
            ticks = _cpu_ticks(pid)
        except OSError:
            break
        now = time.monotonic()
        if ticks != last:
            last, still_since = ticks, now
        elif now - still_since >= settle:
            break
        time.sleep(0.05)
    return max(0.0, still_since - started)


@dataclass
class ProxyComparison:
    name: str
    path: str
    connections: int
    direct: dict[str, float] = field(default_factory=dict)
    proxied: dict[str, float] = field(default_factory=dict)
    added_p50_ms: float = 0.0
    ratio: float = 0.0
    runs: int = 0
    catch_up_s: float = 0.0  # median wait, after a proxied run, until judging was idle

    @property
    def met(self) -> bool:
        return self.added_p50_ms <= PROXY_GOALS["added_p50_ms"] and self.ratio >= PROXY_GOALS["ratio"]


def bench_proxy(
    *, runs: int, duration: float, connections: Sequence[int], log: bool = True
) -> tuple[list[ProxyComparison], JudgedTraffic]:
    """wrk on a get-by-id and a list, directly and through `mmcontract proxy` (judging on), alternating; each run
    starts once the proxy's judging is idle."""
    from mmcontract.traffic.process import start_proxy, stop_proxy

    say = print if log else (lambda *a, **k: None)
    with (
        tempfile.TemporaryDirectory(prefix="mmcontract-bench-proxy-") as tmp,
        served(db=Path(tmp) / "bench.db", log_dir=tmp) as server,
    ):
        script = Path(tmp) / "report.lua"
        script.write_text(_WRK_LUA)
        proxied = start_proxy(server.endpoint, Path(tmp) / "proxy")
        proxy_origin = proxied.endpoint.rsplit(API_BASE, 1)[0]
        results: list[ProxyComparison] = []
        judged = JudgedTraffic()
        pid = proxied.process.pid
        try:
            for conns in connections:
                for name, _kind, path, _size in _pick_targets(server):
                    comparison = ProxyComparison(name, path, conns, runs=runs)
                    urls = {"direct": f"{server.origin}{path}", "proxied": f"{proxy_origin}{path}"}
                    measured: dict[str, list[WrkRun]] = {"direct": [], "proxied": []}
                    warm = run_wrk(
                        urls["proxied"], server.headers, connections=conns, duration=1, script=script
                    )
                    judged.requests += warm.requests
                    catch_up: list[float] = []
                    for _ in range(runs):
                        for way, url in urls.items():
                            waited = wait_judging_idle(pid)
                            if way == "direct":
                                catch_up.append(waited)
                            run = run_wrk(
                                url, server.headers, connections=conns, duration=duration, script=script
                            )
                            measured[way].append(run)
                            judged.requests += run.requests if way == "proxied" else 0
                    comparison.catch_up_s = round(statistics.median(catch_up), 2)
                    comparison.direct = _median_of(measured["direct"])
                    comparison.proxied = _median_of(measured["proxied"])
                    comparison.added_p50_ms = round(
                        comparison.proxied["p50_ms"] - comparison.direct["p50_ms"], 3
                    )
                    comparison.ratio = round(
                        comparison.proxied["requests_per_s"] / comparison.direct["requests_per_s"], 3
                    )
                    say(
                        f"  {name}, {conns} conn: +{comparison.added_p50_ms} ms p50, ratio {comparison.ratio}"
                    )
                    results.append(comparison)
        finally:
            stop_proxy(proxied)
        summary = json.loads((Path(tmp) / "proxy" / "summary.json").read_text())
        judged.judged = int(summary["totals"]["cases_sent"])
        judged.outcome = str(summary["outcome"])
        judged.dropped = next(
            (int(r.split()[0]) for r in summary.get("incomplete", []) if "forwarded but not judged" in r), 0
        )
        return results, judged


def proxy_table(results: Sequence[ProxyComparison]) -> str:
    headers = ["target", "conn", "direct req/s", "p50 ms", "proxied req/s", "p50 ms", "added p50 ms", "ratio"]
    headers += ["goal", "", "p99 ms direct/proxied", "judging caught up s"]
    rows = [
        [
            c.name, c.connections, f"{c.direct['requests_per_s']:.0f}", f"{c.direct['p50_ms']:.2f}",
            f"{c.proxied['requests_per_s']:.0f}", f"{c.proxied['p50_ms']:.2f}", f"{c.added_p50_ms:.2f}",
            f"{c.ratio:.2f}", f"<= {PROXY_GOALS['added_p50_ms']} ms, >= {PROXY_GOALS['ratio']}", _verdict(c.met),
            f"{c.direct['p99_ms']:.2f}/{c.proxied['p99_ms']:.2f}", f"{c.catch_up_s:.2f}",
        ]
        for c in results
    ]  # fmt: skip
    return _table(headers, rows)


def judged_line(judged: JudgedTraffic) -> str:
    return (
        f"judged: {judged.judged} exchanges by the proxy, of {judged.requests} requests wrk completed through it "
        f"({judged.dropped} forwarded but not judged); the proxy's outcome: {judged.outcome}"
    )


# --------------------------------------------------------------------------------------------------------------
# Entry point


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mmcontract.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("server", "proxy", "suite", "all"), default="all")
    parser.add_argument("--runs", type=int, default=5, help="short runs per measurement; medians reported")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per wrk run")
    parser.add_argument("--connections", default="1,8", help="comma-separated connection counts")
    parser.add_argument("--profiles", default="quick,default", help="suite profiles to time, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="seed for the suite and plain Schemathesis runs")
    parser.add_argument(
        "--suite-runs", type=int, default=2, help="runs per profile (and of plain Schemathesis)"
    )
    parser.add_argument(
        "--variant",
        default=BENCH_VARIANT,
        help="reference server variant timed against the plain embedded server at quick ('' to skip)",
    )
    parser.add_argument(
        "--json", default=str(REPO_ROOT / "reports" / "bench.json"), help="where to write results"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    document: dict[str, object] = {
        "command": "python -m mmcontract.bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    exit_code = 0
    if args.part in ("server", "proxy", "all") and not wrk_available():
        # the suite part still runs; the missing tool is reported and the exit code says the bench is incomplete
        sys.stderr.write(f"mmcontract bench: error: wrk is not installed; install it with: {WRK_INSTALL}\n")
        document["server"] = {"skipped": f"wrk is not installed ({WRK_INSTALL})"}
        exit_code = 2
    elif args.part in ("server", "all"):
        connections = [int(c) for c in args.connections.split(",") if c.strip()]
        print(f"server: wrk, {args.runs} runs x {args.duration:g} s per measurement, medians")
        results = bench_server(runs=args.runs, duration=args.duration, connections=connections)
        document["server"] = [asdict(r) | {"met": r.met} for r in results]
        print(server_table(results))
    if args.part in ("proxy", "all") and wrk_available():
        connections = [int(c) for c in args.connections.split(",") if c.strip()]
        print(
            f"proxy: wrk direct vs through mmcontract proxy, {args.runs} runs x {args.duration:g} s, medians"
        )
        proxy_results, judged = bench_proxy(runs=args.runs, duration=args.duration, connections=connections)
        document["proxy"] = [asdict(r) | {"met": r.met} for r in proxy_results]
        document["proxy_judged"] = asdict(judged)
        print(proxy_table(proxy_results))
        print(judged_line(judged))
    if args.part in ("suite", "all"):
        profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
        print(
            f"suite: mmcontract run per profile on the embedded server, then plain schemathesis at the same "
            f"budget; {args.suite_runs} runs each, medians; seed {args.seed}"
        )
        runs = bench_suite(profiles=profiles, seed=args.seed, runs=args.suite_runs)
        document["suite"] = [
            asdict(r)
            | {"met": r.met, "rate_met": None if r.rate_ratio is None else r.rate_ratio >= SUITE_RATE_GOAL}
            for r in runs
        ]
        print(suite_table(runs))
        if args.variant:
            print(
                f"suite: quick on the embedded server as variant {args.variant} next to the plain embedded run, "
                f"alternating, {args.suite_runs} runs each, medians (goal <= {VARIANT_GOAL}x; reported, not asserted)"
            )
            variant = bench_variant(
                profile="quick", variant=args.variant, seed=args.seed, runs=args.suite_runs
            )
            document["variant"] = asdict(variant) | {"met": variant.met}
            print(variant_table([variant]))
            for error in variant.errors:
                print(f"  could not run: {error}")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results written to {out}")
    return exit_code


def run(argv: Sequence[str] | None = None) -> int:
    """`make bench`: a failure (a server that does not start, wrk failing) is one line and exit 2."""
    try:
        return main(argv)
    except (RuntimeError, OSError, subprocess.SubprocessError, httpx.HTTPError, KeyError, ValueError) as exc:
        sys.stderr.write(f"mmcontract bench: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("mmcontract bench: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(run())
