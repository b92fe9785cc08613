"""The contract suite's pytest plugin: target options, the fixtures every contract test uses, the `mm` marker,
and the per-test records the runner turns into a RunResult.

Loaded by the repository's root conftest.py and by `mmcontract run` (`-p mmcontract.target.plugin`), so
`pytest tests/contract --endpoint URL` and `mmcontract run` test the same way.

Fixture contract (tests/contract/test_semantics_*.py code against it):
- `target`: TargetConfig (base_url ends with /api/v2; `headers()` gives the auth header)
- `api`: httpx.Client on `target.base_url + "/"` with the auth header; every request lands in `api_log`. It is
  the process's one suite client (`session_state().client`), which Schemathesis's re-send uses too
- `api_log`: list of (method, url) of every request sent through `api`
- `discovered`: Discovery, ids found on the target by listing
- `writable_registered_model`: a registered model created by this test (only with --allow-writes)
- every resource a request of the run creates is recorded (`record_created`, a `created` record per resource)
  and cleaned up in the controller's `pytest_sessionfinish`, also after Ctrl-C/SIGTERM (see target/litter.py)
- marker `@pytest.mark.mm(code="MM101", operation="GET /registeredModels/")` (operation may be a list): what a
  test checks; a `ContractViolation` it raises becomes a report failure with a curl line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from mmcontract.checks.catalogue import found_by_schemathesis_tests
from mmcontract.errors import MMContractError
from mmcontract.report.model import LEVELS, SCHEMA_SHORTFALL
from mmcontract.st.records import failures_from_exception
from mmcontract.target import litter, writable
from mmcontract.target.config import (
    DEFAULT_REQUEST_TIMEOUT,
    ENV_ENDPOINT,
    ENV_TOKEN,
    PROFILES,
    TOKEN_PREFIXES,
    TargetConfig,
    normalize_base_url,
)
from mmcontract.target.discovery import Discovery, discover
from mmcontract.target.ratelimit import RetryAfterTransport
from mmcontract.target.reproduce import curl_for_httpx, response_excerpt, strip_secret

MARKER = "mm"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RESULTS_FILE_PREFIX = "results-"

_state: _SessionState | None = None


class CreatedModel(NamedTuple):
    """A registered model this run created (the suite writes only to what it created or the user named)."""

    registered_model_id: str
    model_package_id: str


# --------------------------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mmcontract", "mmcontract contract suite")
    group.addoption(
        "--endpoint", default=None, help=f"API base URL, http://HOST:PORT/api/v2 (${ENV_ENDPOINT})"
    )
    group.addoption("--token", default=None, help=f"API token (${ENV_TOKEN}); never printed")
    group.addoption("--token-prefix", default="Bearer", choices=TOKEN_PREFIXES, help="Authorization scheme")
    group.addoption("--allow-writes", action="store_true", default=False, help="allow POST/PATCH/DELETE")
    group.addoption("--leaderboard-model-id", default=None, help="model to create registered models from")
    group.addoption(
        "--writable-registered-model",
        dest="writable_registered_model",
        action="append",
        default=[],
        metavar="ID",
        help=writable.WRITABLE_HELP,
    )
    group.addoption("--profile", default="default", choices=PROFILES, help="example budget")
    group.addoption("--seed", type=int, default=None, help="reproduce a run")
    group.addoption("--report-dir", default=None, help="write reports of this run here")
    group.addoption(
        "--request-timeout", type=float, default=DEFAULT_REQUEST_TIMEOUT, help="seconds per request"
    )
    group.addoption(
        "--level",
        default="page",
        choices=LEVELS,
        help="the verdict: page (what the reference page states, default) or client (the page plus what the "
        "official datarobot client needs); failures of the other level are still reported",
    )
    group.addoption(
        "--min-schema-coverage",
        type=float,
        default=None,
        metavar="PERCENT",
        help="a response-schema coverage below PERCENT (nodes seen / nodes the target can show) makes the run "
        "incomplete and exit 1",
    )
    group.addoption("--mm-embedded", action="store_true", default=False, help=argparse.SUPPRESS)
    group.addoption("--mm-operation", action="append", default=[], help=argparse.SUPPRESS)
    group.addoption("--mm-results", default=None, help=argparse.SUPPRESS)
    group.addoption("--mm-check", action="append", default=[], help=argparse.SUPPRESS)
    group.addoption("--mm-run-id", default=None, help=argparse.SUPPRESS)  # the runner's, for its clean-up


def pytest_configure(config: pytest.Config) -> None:
    global _state
    config.addinivalue_line(
        "markers",
        f"{MARKER}(code, operation): the check code and operation(s) a contract test checks, e.g. "
        f'{MARKER}(code="MM101", operation="GET /registeredModels/")',
    )
    _state = _SessionState(config)
    if config.getoption("mm_results", None) and not _state.is_worker:
        # `mmcontract run`'s child: its SIGTERM unwinds like Ctrl-C, so pytest_sessionfinish still cleans up
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: each worker records into the controller's results directory, under the same run id."""
    if _state is not None:
        node.workerinput["mm_results_dir"] = str(_state.results_dir)
        node.workerinput["mm_run_id"] = _state.run_id


def pytest_unconfigure(config: pytest.Config) -> None:
    global _state
    if _state is not None and _state.config is config:
        _state.close()
        _state = None


# ------------------------------------------------------------------------------------- session state


class _SessionState:
    """Per pytest process: the target (built on first use), request counts, and the results file."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._target: TargetConfig | None = None
        self._embedded: Any = None
        # operation -> [sent, 2xx, 2xx list pages, 2xx list pages that held an item]
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.leaderboard_accepted = False  # a create from --leaderboard-model-id has succeeded
        self.usage_error: str | None = None  # the run cannot go on (the session stops after this test)
        self._matcher: Any = None
        self.notes: dict[str, list[dict[str, Any]]] = defaultdict(
            list
        )  # nodeid -> failures noted by the test
        # nodeid -> findings that do not stop the test (the client-level schema check, MM801), keyed so that a
        # finding repeated on many cases is reported once (the last example, the smallest after shrinking)
        self.findings: dict[str, dict[tuple[str, str, str], dict[str, Any]]] = defaultdict(dict)
        self.client_check_broken = False  # the client-level schema check could not run (reported once)
        self.created: list[CreatedModel] = []
        self.lookup: str | None = None  # how this server names a create's registered model (learned once)
        self.created_packages: list[str] = []  # packages the run created (archive tests need only a package)
        self.writable_said = False  # the one line about what writes go to was said
        self.spare: CreatedModel | None = None  # made by writable_line, handed to the first writer
        self.cases: dict[str, int] = defaultdict(int)  # nodeid -> cases a Schemathesis test sent
        self.timed_out: set[str] = set()
        self.discovering = False  # Schemathesis tests stopped by a request timeout
        worker_input: dict[str, Any] = getattr(config, "workerinput", {})
        results = worker_input.get("mm_results_dir") or config.getoption("mm_results", None)
        self._results_dir = (
            Path(results) if results else None
        )  # made on first use (most sessions never write)
        self.is_worker = hasattr(config, "workerinput")
        self.run_id = (
            worker_input.get("mm_run_id") or config.getoption("mm_run_id", None) or litter.new_run_id()
        )
        litter.set_run_id(self.run_id)
        self.recorded: set[tuple[str, str]] = set()
        self.cleanup: litter.CleanupReport | None = None
        self.api_log: list[tuple[str, str]] = []  # (method, url) of every request sent through `client`
        self.transport: httpx.BaseTransport | None = None  # below the 429 handling; None: the network
        self._client: httpx.Client | None = None
        self._schema_observer: Any = None  # response-schema coverage (target/schema_coverage.py)
        self.schema_line: str | None = (
            None  # plain pytest with --report-dir/--min-schema-coverage: the summary
        )
        self.shortfall: list[str] = []

    def observe_schema(self, method: str, url: str, status: int, body: Callable[[], Any]) -> None:
        """Response-schema coverage of one validated answer (`body` reads its JSON; not called otherwise). The
        client level is observed too at --level client."""
        if self._schema_observer is None:
            from mmcontract.target.schema_coverage import Observer

            self._schema_observer = Observer(
                ("page", "client") if self.target.level == "client" else ("page",)
            )
        try:
            parsed = body()
        except Exception:  # no JSON body: only the nodes of an empty answer
            parsed = None
        self._schema_observer.observe(method, url, status, parsed)

    @property
    def results_dir(self) -> Path:
        if self._results_dir is None:
            self._results_dir = Path(tempfile.mkdtemp(prefix="mmcontract-results-"))
        return self._results_dir

    @property
    def results_file(self) -> Path:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        return self.results_dir / f"{RESULTS_FILE_PREFIX}{worker}-{os.getpid()}.jsonl"

    @property
    def target(self) -> TargetConfig:
        if self._target is None:
            self._target = self._build_target()
        return self._target

    def _build_target(self) -> TargetConfig:
        opt = self.config.getoption
        endpoint = opt("endpoint") or os.environ.get(ENV_ENDPOINT) or ""
        token = opt("token") or os.environ.get(ENV_TOKEN) or ""
        operations = tuple(opt("mm_operation") or ())
        common = {
            "profile": opt("profile"),
            "seed": opt("seed"),
            "request_timeout": opt("request_timeout"),
            "operations": operations,
            "checks": tuple(opt("mm_check") or ()),
            "level": opt("level"),
            "writable_registered_models": tuple(opt("writable_registered_model") or ()),
            "min_schema_coverage": opt("min_schema_coverage"),
        }
        try:
            if endpoint:
                return TargetConfig(
                    base_url=normalize_base_url(endpoint),
                    token=token,
                    token_prefix=opt("token_prefix"),
                    allow_writes=bool(opt("allow_writes")),
                    leaderboard_model_id=opt("leaderboard_model_id"),
                    embedded=bool(opt("mm_embedded")),
                    **common,
                )
            from mmcontract.target.embedded import start_embedded

            self._embedded = start_embedded()
            return TargetConfig(
                base_url=self._embedded.base_url,
                token=self._embedded.token,
                token_prefix=opt("token_prefix"),
                allow_writes=True,
                leaderboard_model_id=self._embedded.leaderboard_model_id,
                embedded=True,
                **common,
            )
        except MMContractError as exc:
            raise pytest.UsageError(str(exc)) from None

    def count(self, method: str, url: str, status: int | None, listed: bool | None = None) -> str | None:
        """Count one request of an operation; `listed` (see list_items): a 2xx list page, and whether it held
        an item (the run is incomplete when a list never showed one)."""
        if self._matcher is None:
            from mmcontract.target.operations import OperationMatcher, operations

            self._matcher = OperationMatcher(operations())
        label = self._matcher.match(method, url)
        if label is not None:
            cell = self.counts[label]
            cell[0] += 1
            if status is not None and 200 <= status < 300:
                cell[1] += 1
                if listed is not None:
                    cell[2] += 1
                    cell[3] += int(listed)
        return label

    @property
    def client(self) -> httpx.Client:
        """The suite's own HTTP client, one per process: the `api` fixture (semantic checks, discovery) and the
        Schemathesis re-send (`mmcontract.st.discretion`). 429 + Retry-After is waited out, nothing is written
        without --allow-writes, every request lands in `api_log` and every answer is counted (but discovery's)."""
        if self._client is None:
            self._client = open_client(
                self.target,
                transport=self.transport,
                on_request=[self._on_request],
                on_response=[self._on_response],
            )
        return self._client

    def _on_request(self, request: httpx.Request) -> None:
        if request.method not in READ_METHODS and not self.target.allow_writes:
            # the one guard every contract test goes through: without --allow-writes nothing is written
            pytest.skip(f"{request.method} needs --allow-writes (no write request is sent without it)")
        self.api_log.append((request.method, str(request.url)))

    def _on_response(self, response: httpx.Response) -> None:
        request = response.request
        self.check_leaderboard_create(
            request.method, str(request.url), response.status_code, _json_body(request.content)
        )
        if response.is_success and litter.is_create(request.method, request.url.path):
            response.read()  # what it created is recorded for the clean-up, whoever sent it
            location = response.headers.get("location")
            record_created(_json_body(request.content), _json_body(response.content), location)
        if self.discovering:
            return  # discovery is not a test case
        listed = None
        if request.method == "GET" and response.is_success:
            response.read()
            listed = list_items(response)
        self.count(request.method, str(request.url), response.status_code, listed)
        response.read()
        self.observe_schema(request.method, str(request.url), response.status_code, response.json)

    def check_leaderboard_create(self, method: str, url: str, status: int, body: Any) -> None:
        """The first create from --leaderboard-model-id verifies it (lazily: no extra request, no litter). A
        404/422 before any create succeeded means the target does not know that model: a usage error for the
        whole run: recorded for the runner, the test is skipped and the session stops after it. Only a plain
        create (modelId, name, registeredModelName: what the suite sends to make a resource) verifies; a fuzzed
        or deliberately invalid body may be refused for other reasons."""
        target = self.target
        if (
            self.leaderboard_accepted
            or target.embedded
            or method.upper() != "POST"
            or not url.rstrip("/").endswith("/modelPackages/fromLeaderboard")
            or not target.leaderboard_model_id
            or not isinstance(body, dict)
            or body.get("modelId") != target.leaderboard_model_id
        ):
            return
        if not set(body) <= PLAIN_CREATE_FIELDS and not 200 <= status < 300:
            return
        if 200 <= status < 300:
            self.leaderboard_accepted = True
        elif status in (404, 422):
            message = (
                f"--leaderboard-model-id {target.leaderboard_model_id}: the target refused it "
                f"(POST /modelPackages/fromLeaderboard/ answered {status}); give the id of a leaderboard model "
                "this token can see"
            )
            if self.usage_error is None:
                self.usage_error = message
                self.write({"kind": "usage-error", "message": message})
            pytest.skip(message)

    def write(self, record: dict[str, Any]) -> None:
        token = self._target.token if self._target is not None else None
        line = strip_secret(json.dumps(record, default=str), token)
        with self.results_file.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def record_created(self, items: list[litter.Created]) -> None:
        """A `created` record per new resource, written at once (a crash later still leaves the record)."""
        for item in items:
            if (item.kind, item.id) not in self.recorded:
                self.recorded.add((item.kind, item.id))
                self.write(item.record())

    def close(self) -> None:
        """Write the request counts and stop the embedded server; safe to call twice."""
        if self.counts:
            self.write({"kind": "coverage", "counts": {op: list(c) for op, c in self.counts.items()}})
            self.counts.clear()
        if self._schema_observer is not None:
            record = self._schema_observer.record()
            if record is not None:
                self.write(record)
            self._schema_observer = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None


PLAIN_CREATE_FIELDS = frozenset({"modelId", "name", "registeredModelName"})


def list_items(response: Any) -> bool | None:
    """For a 2xx answer shaped like a list page ({"data": [...]}): whether it held an item; otherwise None."""
    try:
        body = response.json()
    except Exception:  # any body that is not JSON: not a list page
        return None
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return bool(body["data"])
    return None


def _json_body(content: bytes) -> Any:
    """A request's or response's JSON body, or None."""
    with contextlib.suppress(ValueError, TypeError, UnicodeDecodeError):
        return json.loads(content or b"null")
    return None


def session_state() -> _SessionState:
    if _state is None:
        raise RuntimeError("the mmcontract pytest plugin is not configured")
    return _state


def current_target() -> TargetConfig:
    """The target of this pytest process (test modules read it at import to configure Schemathesis)."""
    return session_state().target


def current_nodeid() -> str:
    """The running test's node id (pytest keeps it in PYTEST_CURRENT_TEST as "<nodeid> (<phase>)")."""
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]


def note_finding(nodeid: str, failure: dict[str, Any]) -> None:
    """A failure record that does not stop the test that found it (the client-level schema check, which must not
    cut a Schemathesis test short and hide page failures): it joins the test's record whatever its outcome."""
    message = str(failure.get("message") or "")
    key = (
        str(failure.get("check")),
        str(failure.get("operation")),
        message.splitlines()[0] if message else "",
    )
    session_state().findings[nodeid][key] = failure


def note_failure(nodeid: str, failure: dict[str, Any]) -> None:
    """A test records a failure's details (curl, excerpt) as it happens; the report keeps the last one per
    (check, operation), which after Hypothesis's shrinking is the minimal example."""
    session_state().notes[nodeid].append(failure)


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def target() -> TargetConfig:
    return current_target()


@pytest.fixture(scope="session")
def api_log() -> list[tuple[str, str]]:
    return session_state().api_log


@pytest.fixture(scope="session")
def api(target: TargetConfig, api_log: list[tuple[str, str]]) -> httpx.Client:
    return session_state().client


def open_client(
    target: TargetConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    on_request: list[Callable[[httpx.Request], None]] | None = None,
    on_response: list[Callable[[httpx.Response], None]] | None = None,
) -> httpx.Client:
    """An httpx client for `target`: base URL + "/", the auth header, the request timeout, and 429 +
    Retry-After waited out (`RetryAfterTransport` around `transport`, the network by default)."""
    return httpx.Client(
        base_url=target.base_url + "/",
        headers=target.headers(),
        timeout=target.request_timeout,
        transport=RetryAfterTransport(transport),
        event_hooks={"request": list(on_request or []), "response": list(on_response or [])},
    )


def record_created(request_body: Any, response_body: Any, location: str | None = None) -> None:
    """Record what a 2xx create answered (see litter.created_by); any process, any phase."""
    if _state is not None:
        _state.record_created(litter.created_by(request_body, response_body, location))


@pytest.fixture(scope="session")
def discovered(api: httpx.Client) -> Discovery:
    state = session_state()
    state.discovering = True
    try:
        return discover(api)
    finally:
        state.discovering = False


NO_MODEL = (
    "no registered model can be created on this target: a create's answer, its Location, the new package's "
    "registeredModelId and one search by its unique name name none (the server ignores the off-page "
    "registeredModelName)"
)
FIX_NOTHING_WRITABLE = "pass --writable-registered-model ID (a registered model the suite may change)"


def _create(api: httpx.Client, target: TargetConfig, purpose: str) -> tuple[CreatedModel | None, str]:
    """POST fromLeaderboard with a fresh unique name: (the registered model it made, "") or (None, why not).
    How this server names the new registered model is learned on the run's first create and used for every
    later one (mmcontract.target.writable): one lookup, no polling. A package made without a registered model
    is kept for the tests that need only a package (archive)."""
    state = session_state()
    if not target.allow_writes:
        return None, "writes are not allowed on this target (pass --allow-writes)"
    if not target.leaderboard_model_id:
        return None, "no --leaderboard-model-id, so nothing can be created to write to"
    if state.lookup == writable.NOTHING:
        return None, NO_MODEL
    name = f"{litter.name_prefix()}{purpose}-{uuid.uuid4().hex[:10]}"
    body = {"modelId": target.leaderboard_model_id, "name": name, "registeredModelName": name}
    response = api.post("modelPackages/fromLeaderboard/", json=body)
    if response.status_code not in (200, 201, 202):
        return (
            None,
            f"could not create a registered model: POST fromLeaderboard answered {response.status_code}",
        )
    package_id = writable.package_of(response) or ""
    if state.lookup is None:
        model_id, state.lookup = writable.learn(api, response, name)
        state.write({"kind": "lookup", "way": state.lookup})
    else:
        model_id = writable.find(api, response, name, state.lookup)
    made = [litter.Created(litter.MODEL_PACKAGE, package_id, name)] if package_id else []
    if model_id:
        made.append(litter.Created(litter.REGISTERED_MODEL, model_id, name))
    state.record_created(made)  # the `api` hook did when the answer named them; not when found another way
    if not model_id:
        if package_id:
            state.created_packages.append(package_id)
        why = (
            NO_MODEL
            if state.lookup == writable.NOTHING
            else "created a model package but could not find its registered model"
        )
        return None, why
    if not package_id:
        versions = api.get(f"registeredModels/{model_id}/versions/", params={"limit": 1})
        data = versions.json().get("data", []) if versions.status_code == 200 else []
        package_id = data[0].get("id") if data and isinstance(data[0], dict) else ""
    created = CreatedModel(str(model_id), str(package_id or ""))
    state.created.append(created)
    return created, ""


def _obtain(api: httpx.Client, target: TargetConfig, purpose: str) -> tuple[CreatedModel | None, str]:
    """A registered model created for the caller alone (the one `writable_line` made first, if unused)."""
    state = session_state()
    if state.spare is not None:
        spare, state.spare = state.spare, None
        return spare, ""
    return _create(api, target, purpose)


def create_registered_model(api: httpx.Client, target: TargetConfig, purpose: str) -> CreatedModel:
    """A registered model created for the caller; skip (never fail) when that is impossible."""
    created, why = _obtain(api, target, purpose)
    if created is None:
        pytest.skip(why)
    return created


def writable_line(api: httpx.Client, target: TargetConfig) -> str | None:
    """Once per run, before the first write test: whether the run can create registered models to write to
    (which also learns how this server names them). When it cannot, one line says so, why, what the writes go
    to instead and which option fixes it (on stderr, and a `writable` record the reports read)."""
    state = session_state()
    if state.writable_said or not target.allow_writes:
        return None
    state.writable_said = True
    created, why = _create(api, target, "writable")
    state.spare = created
    named = target.writable_registered_models
    if created is not None:
        return None
    if named:
        line = f"writes to registered models go to the named {', '.join(named)}: {why}"
    else:
        line = f"writes allowed, but no registered model to write to: {why}; {FIX_NOTHING_WRITABLE}"
        state.write({"kind": "nothing-writable", "reason": why, "packages": bool(state.created_packages)})
    if state.created_packages:
        line += "; archive tests use model packages the run creates"
    os.write(2, f"mmcontract: {line}\n".encode())
    return line


def _say_not_restored(problems: list[str]) -> None:
    for problem in problems:
        session_state().write({"kind": "not-restored", "line": problem})


def restore_named(api: httpx.Client, before: writable.Snapshot) -> None:
    """Put a named registered model back as it was; what could not be is reported (a leftover)."""
    try:
        problems = writable.restore(api, before)
    except httpx.HTTPError as exc:
        problems = [f"registered model {before.registered_model_id}: not restored: {type(exc).__name__}"]
    _say_not_restored(problems)


def writable_pair(api: httpx.Client, target: TargetConfig, purpose: str) -> tuple[str, str] | None:
    """(registered model, model package) a Schemathesis write operation may change: created ones, else the
    first named registered model and a package the run created; None when there is neither."""
    created, _ = _obtain(api, target, purpose)
    if created is not None:
        return created.registered_model_id, created.model_package_id
    state = session_state()
    named = target.writable_registered_models[0] if target.writable_registered_models else ""
    package = state.created_packages[-1] if state.created_packages else ""
    return (named, package) if named or package else None


@pytest.fixture
def writable_registered_model(api: httpx.Client, target: TargetConfig) -> Iterator[CreatedModel]:
    """A registered model (and its first version's model package) created for this test alone; when none can
    be created, the first --writable-registered-model (no package), restored after the test."""
    created, why = _obtain(api, target, "semantic")
    if created is not None:
        yield created
        return
    if not target.writable_registered_models:
        pytest.skip(f"{why}; {FIX_NOTHING_WRITABLE}")
    before = writable.snapshot(api, target.writable_registered_models[0])
    try:
        yield CreatedModel(before.registered_model_id, "")
    finally:
        restore_named(api, before)


@pytest.fixture
def deletable_registered_model(api: httpx.Client, target: TargetConfig) -> CreatedModel:
    """A registered model this test may DELETE: a created one, else the last --writable-registered-model (the
    test runs after every other test: DELETE archives it for good, as the run said up front)."""
    created, why = _obtain(api, target, "deleted")
    if created is not None:
        return created
    if not target.writable_registered_models:
        pytest.skip(f"{why}; {FIX_NOTHING_WRITABLE}")
    return CreatedModel(target.writable_registered_models[-1], "")


@pytest.fixture
def writable_model_package(api: httpx.Client, target: TargetConfig) -> str:
    """A model package this test may archive: one the run created with fromLeaderboard (a registered model is
    not needed), else a live version of a --writable-registered-model (archiving it is for good)."""
    created, why = _obtain(api, target, "package")
    state = session_state()
    if created is not None and created.model_package_id:
        return created.model_package_id
    if state.created_packages:
        return state.created_packages.pop()
    for rm in target.writable_registered_models:
        listed = api.get(f"registeredModels/{rm}/versions/", params={"limit": 100})
        data = listed.json().get("data", []) if listed.status_code == 200 else []
        live = [
            v["id"] for v in data if isinstance(v, dict) and v.get("id") and v.get("isArchived") is not True
        ]
        if live:
            return str(live[-1])
    pytest.skip(f"no model package to archive: {why or 'the created registered model has no known package'}")


# -------------------------------------------------------------------------------------------- results


def _marker_info(item: pytest.Item) -> tuple[str | None, list[str]]:
    marker = item.get_closest_marker(MARKER)
    if marker is None:
        return None, []
    code = marker.kwargs.get("code") or (marker.args[0] if marker.args else None)
    operation = marker.kwargs.get("operation") or marker.kwargs.get("operations")
    if operation is None and len(marker.args) > 1:
        operation = marker.args[1]
    operations = [operation] if isinstance(operation, str) else list(operation or [])
    return code, operations


def _iter_leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _iter_leaves(inner)
    else:
        yield exc


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _violation_record(exc: BaseException, code: str | None, operations: list[str]) -> dict[str, Any]:
    """A ContractViolation (or a plain assertion in an `mm` test) as a failure record."""
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None) if response is not None else None
    operation = getattr(exc, "operation", None) or (operations[0] if operations else None)
    if operation is None and request is not None:
        operation = session_state().count(request.method, str(request.url), None)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return {
        "check": getattr(exc, "code", None) or code,
        "operation": operation,
        "message": message,
        "basis": _text(getattr(exc, "basis", None)),
        "expected": _text(getattr(exc, "expected", None)),
        "actual": _text(getattr(exc, "actual", None)),
        "curl": curl_for_httpx(request) if request is not None else None,
        "response_excerpt": response_excerpt(response),
        "violation": type(exc).__name__ == "ContractViolation" or hasattr(exc, "code"),
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    state = _state
    if state is not None and state.usage_error and call.when == "teardown":
        item.session.shouldstop = state.usage_error  # a usage error found mid-run ends the session
    if state is None or not _is_contract_item(item):
        return report
    if call.when == "teardown" or (call.when == "setup" and report.passed):
        if report.failed:
            state.write({"kind": "error", "nodeid": item.nodeid, "error": _short(call.excinfo)})
        return report
    if report.skipped and item.nodeid in state.timed_out:
        notes = state.notes.pop(item.nodeid, [])
        state.write(_item_record(item, "failed", [n for n in notes if n.get("check") == "ST112"][-1:]))
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        state.write(_item_record(item, "skipped", [], skip_reason=str(reason).removeprefix("Skipped: ")))
    elif report.passed:
        state.write(_item_record(item, "passed", []))
    else:
        failures, error = _failures_of(item, call)
        state.write(_item_record(item, "failed" if failures else "error", failures, error=error))
    return report


def _short(excinfo: Any) -> str:
    if excinfo is None:
        return ""
    return f"{excinfo.type.__name__}: {str(excinfo.value).splitlines()[0] if str(excinfo.value) else ''}"


def _is_contract_item(item: pytest.Item) -> bool:
    return (
        "tests/contract/" in item.nodeid.replace(os.sep, "/")
        or item.get_closest_marker(MARKER) is not None
        or (getattr(item, "operation_label", None) is not None)
    )


def _failures_of(item: pytest.Item, call: pytest.CallInfo[None]) -> tuple[list[dict[str, Any]], str | None]:
    assert call.excinfo is not None
    exc = call.excinfo.value
    notes = session_state().notes.pop(item.nodeid, [])
    operation_label = getattr(item, "operation_label", None)
    code, operations = _marker_info(item)
    leaves = list(_iter_leaves(exc))
    if operation_label is not None or any(
        type(leaf).__module__.startswith("schemathesis") for leaf in leaves
    ):
        # a Schemathesis test (or state machine): it noted each failure with its curl line as it happened
        failures = failures_from_exception(
            exc, operation_label or (operations[0] if operations else ""), notes
        )
        return failures, None if failures else _short(call.excinfo)
    failures = [
        _violation_record(leaf, code, operations)
        for leaf in leaves
        if hasattr(leaf, "code") or (code is not None and isinstance(leaf, AssertionError))
    ]
    if failures and all(f["check"] for f in failures):
        return failures, None
    if any(isinstance(leaf, (httpx.TransportError, MMContractError)) for leaf in leaves):
        return [], _short(call.excinfo)  # the target went away: the run could not complete
    # The check crashed on an answer it could not read: a failure of what it checks, not a suite error
    # (the clean run against the reference server shows the checks themselves do not crash).
    return [
        {
            "check": code or "MM000",
            "operation": operations[0] if operations else None,
            "message": f"the check could not complete on the target's answers: {_short(call.excinfo)}",
            "basis": "the check reads the documented response shapes; the target's answers did not have them",
        }
    ], None


def _item_record(
    item: pytest.Item,
    outcome: str,
    failures: list[dict[str, Any]],
    *,
    error: str | None = None,
    skip_reason: str | None = None,
) -> dict[str, Any]:
    code, operations = _marker_info(item)
    operation_label = getattr(item, "operation_label", None)
    findings = list(session_state().findings.pop(item.nodeid, {}).values())
    if findings:  # a test that passed its own checks but noted findings failed what it checks
        failures = [*failures, *findings]
        outcome = "failed" if outcome == "passed" else outcome
    return {
        "kind": "item",
        "nodeid": item.nodeid,
        "outcome": outcome,
        "schemathesis": operation_label is not None,
        "operations": [operation_label] if operation_label else operations,
        "code": code,
        "cases": session_state().cases.pop(item.nodeid, 0),
        "failures": failures,
        "error": error,
        "skip_reason": skip_reason,
    }


class _Progress:
    """A live progress line on the controller: rewritten in place on a terminal, every 15 s otherwise."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.failed = 0
        self.skipped = 0
        self.tty = os.isatty(2)
        self.last = 0.0

    def update(self, report: pytest.TestReport) -> None:
        self.done += 1
        self.failed += report.failed
        self.skipped += report.skipped
        now = time.monotonic()
        if not self.tty and now - self.last < 15 and self.done != self.total:
            return
        self.last = now
        line = f"  [{self.done}/{self.total or '?'}] {self.failed} failed, {self.skipped} skipped"
        os.write(2, (f"\r{line}\x1b[K" if self.tty else line + "\n").encode())
        if self.tty and self.done == self.total:
            os.write(2, b"\n")


_progress = _Progress()


def _progress_on(config: pytest.Config | None) -> bool:
    return os.environ.get("MMCONTRACT_PROGRESS") == "1" and not hasattr(config, "workerinput")


def pytest_collection_finish(session: pytest.Session) -> None:
    _progress.total = len(session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    _progress.total = len(ids)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _progress_on(_state.config if _state else None):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _progress.update(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state
    if state is None or state.is_worker:
        return
    clean_up_run(state)
    report_dir = session.config.getoption("report_dir", None)
    floor = session.config.getoption("min_schema_coverage", None)
    if (report_dir or floor is not None) and session.config.getoption("mm_results", None) is None:
        # plain `pytest tests/contract --report-dir DIR`: the same reports `mmcontract run` writes
        from mmcontract.target.results import build_result, write_reports_guarded

        state.close()
        result, _ = build_result(state.results_dir, state.target, started_at=None)
        if report_dir:
            write_reports_guarded(result, Path(report_dir))
        state.schema_line = schema_coverage_line(result)
        state.shortfall = [r for r in result.incomplete if r.startswith(SCHEMA_SHORTFALL)]
        if state.shortfall and session.exitstatus == 0:
            session.exitstatus = 1  # the floor is a gate: a shortfall fails the pytest run too


def clean_up_run(state: _SessionState) -> None:
    """The controller's clean-up of everything any process of this run created (records from every worker),
    and of anything named with the run's prefix. Only with writes allowed; writes a `cleanup` record."""
    opt = state.config.getoption
    endpoint = opt("endpoint") or os.environ.get(ENV_ENDPOINT)
    if state._target is None and not endpoint:
        return  # no target was built here: the workers' own embedded servers are gone with them
    target = state.target
    if not target.allow_writes:
        return
    from mmcontract.target.results import read_records

    created, cleaned = litter.created_from_records(read_records(state.results_dir))

    def mark(item: litter.Created) -> None:
        state.write({"kind": "cleaned", "resource": item.kind, "id": item.id})

    with open_client(target, transport=state.transport) as client:
        state.cleanup = litter.clean_up(
            client,
            created,
            litter.name_prefix(state.run_id),
            cleaned=cleaned,
            on_cleaned=mark,
            protected=target.writable_registered_models,
        )
    state.write(state.cleanup.record())


def schema_coverage_line(result: Any) -> str | None:
    from mmcontract.report.view import schema_coverage_line as line

    return line(result)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    state = _state
    if state is not None and state.schema_line:
        terminalreporter.write_line(f"mmcontract {state.schema_line}")
        for reason in state.shortfall:
            terminalreporter.write_line(f"  incomplete: {reason}")
    if state is None or state.cleanup is None:
        return
    terminalreporter.write_line(f"mmcontract {state.cleanup.summary()}")
    for line in state.cleanup.leftovers:
        terminalreporter.write_line(f"  left over: {line}")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With --mm-check (fault proofs), do not even import the contract modules it cannot select: building
    the Schemathesis tests walks every operation's boundaries, which is wasted on a semantic proof."""
    checks = config.getoption("mm_check", None) or []
    name = collection_path.name
    if not checks or not name.startswith("test_") or collection_path.parent.name != "contract":
        return None
    schemathesis_module = name.startswith(("test_schemathesis", "test_stateful"))
    if not any(found_by_schemathesis_tests(code) for code in checks) and schemathesis_module:
        return True
    if all(found_by_schemathesis_tests(code) for code in checks) and name.startswith(
        ("test_semantics_", "test_client_")
    ):
        return True
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The test that DELETEs (it may archive a --writable-registered-model for good) runs after every other.
    Internal selection, used by the fault proofs to keep each run small:
    --mm-operation: only contract tests of those operations; --mm-check: only tests of those check codes (a
    Schemathesis test stays when any ST code is asked for)."""
    items.sort(key=lambda item: "deletable_registered_model" in getattr(item, "fixturenames", ()))
    wanted_ops = set(config.getoption("mm_operation", None) or ())
    wanted_checks = set(config.getoption("mm_check", None) or ())
    if not wanted_ops and not wanted_checks:
        return
    keep, drop = [], []
    for item in items:
        if not _is_contract_item(item):
            keep.append(item)
            continue
        label = getattr(item, "operation_label", None)
        code, marker_ops = _marker_info(item)
        ops = [label] if label else marker_ops
        selected = not wanted_ops or bool(wanted_ops.intersection(ops))
        if wanted_checks:
            if label is not None or item.nodeid.split("::")[0].endswith("test_stateful.py"):
                selected = selected and any(found_by_schemathesis_tests(c) for c in wanted_checks)
            else:
                selected = selected and code in wanted_checks
        (keep if selected else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
