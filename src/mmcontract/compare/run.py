"""`compare(options)`: probe both servers, discover, plan, send every request to both, classify differences."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from mmcontract.compare import plan
from mmcontract.compare.engine import (
    Answer,
    Comparer,
    Difference,
    Exchange,
    IdMap,
    Request,
    Side,
    pair_items,
    parse_pointer,
    send,
)
from mmcontract.errors import UsageError
from mmcontract.report.redact import register_secret
from mmcontract.spec import load_spec
from mmcontract.target.config import TargetConfig
from mmcontract.target.discovery import Discovery, discover

MAX_PAGES = 15  # per walk and side
PARENTS_PROBED = 40


@dataclass
class CompareOptions:
    baseline: TargetConfig
    candidate: TargetConfig
    ignore: tuple[str, ...] = ()
    probe: bool = True
    allow_writes: bool = (
        False  # the write battery (compare/writes.py), mirrored, each side on its own resources
    )
    leaderboard_model_id: str | None = None  # the candidate's, for the creates
    baseline_leaderboard_model_id: str | None = None  # default: leaderboard_model_id


@dataclass
class CompareResult:
    baseline_url: str
    candidate_url: str
    profile: str
    seed: int
    differences: list[Difference] = field(default_factory=list)
    requests: int = 0  # distinct requests of the plan
    sent_baseline: int = 0
    sent_candidate: int = 0
    volatile_pointers: int = 0
    volatile_exchanges: int = 0
    operations: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    error: str | None = None  # could not run
    writes: bool = False  # the write battery ran
    leftovers: list[str] = field(default_factory=list)  # what the clean-up of the writes could not clean


def _client(target: TargetConfig, auth: str = "token") -> httpx.Client:
    from mmcontract.target.ratelimit import RetryAfterTransport

    headers = target.headers() if auth == "token" else {}
    if auth == "wrong":
        headers = {"Authorization": f"{target.token_prefix} mmcontract-compare-not-a-token"}
    return httpx.Client(
        base_url=target.base_url + "/",
        headers=headers,
        timeout=target.request_timeout,
        transport=RetryAfterTransport(),
    )


def _side(name: str, target: TargetConfig) -> Side:
    return Side(name, _client(target), target.base_url, _client(target, "wrong"), _client(target, "none"))


def id_map(base: Discovery, cand: Discovery) -> IdMap:
    ids = IdMap()
    pair_items(ids, base.registered_models, cand.registered_models)
    pair_items(ids, base.model_packages, cand.model_packages)
    pair_items(ids, base.recipients, cand.recipients)
    return ids


def generated_requests(spec: dict[str, Any], found: Discovery, target: TargetConfig) -> list[Request]:
    """Schemathesis's positive cases for each GET operation, seeded; path ids real (the baseline's)."""
    import schemathesis

    schema = schemathesis.openapi.from_dict(spec)
    parents = plan.path_param_choices(found)
    budget = target.settings.max_examples
    out: list[Request] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation is None or operation.method.upper() != "GET":
            continue
        if target.operations and operation.label not in target.operations:
            continue
        choices = plan.params_for(operation.path, parents)
        if not choices:
            continue
        strategy = operation.as_strategy(path_parameters=choices[0] or None)
        cases = _draw(strategy, budget, target.seed or 0)

        seen: set[tuple[Any, ...]] = set()
        for case in cases[:budget]:
            query = tuple(
                (k, _text(v))
                for k, v in sorted((case.query or {}).items())
                for v in (v if isinstance(v, list) else [v])
            )
            key = (query,)
            if key in seen:
                continue
            seen.add(key)
            out.append(Request(operation.label, operation.path, tuple((choices[0] or {}).items()), query))
    return out


def _draw(strategy: Any, budget: int, seed: int) -> list[Any]:
    """Up to `budget` examples of `strategy`, the same for the same seed (Hypothesis, no database)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    cases: list[Any] = []

    @hseed(seed)
    @settings(
        max_examples=budget,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(strategy)
    def collect(case: Any) -> None:
        cases.append(case)

    with contextlib.suppress(Exception):  # an operation Hypothesis cannot generate for adds no case
        collect()
    return cases


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def battery(spec: dict[str, Any], found: Discovery, target: TargetConfig, base: Side) -> list[Request]:
    parents = plan.path_param_choices(found)
    out: list[Request] = []
    for path, item in spec.get("paths", {}).items():
        operation = item.get("get")
        if not operation:
            continue
        params = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        if "limit" not in params or (target.operations and f"GET {path}" not in target.operations):
            continue
        choices = plan.params_for(path, parents)
        largest = _largest_parent(base, path, found)
        if largest and largest not in choices:
            choices = [*choices, largest]
        for path_params in choices:
            probe_request = Request(f"GET {path}", path, tuple(path_params.items()), (("limit", "100"),))
            first = send(base, probe_request, None)
            items = first.body.get("data") if isinstance(first.body, dict) else None
            out += plan.list_battery(operation, path, path_params, items if isinstance(items, list) else [])
    out += plan.once_battery(found)
    return out


def _largest_parent(base: Side, path: str, found: Discovery) -> dict[str, str] | None:
    """The parent (registered model or package) whose list here is longest: a server's page ceiling or hidden
    items only show on a long list. Baseline only, limit=1, at most PARENTS_PROBED parents."""
    if path.count("{") != 1:
        return None
    name = path[path.index("{") + 1 : path.index("}")]
    pool = found.registered_model_ids if name == "registeredModelId" else found.model_package_ids
    best, best_total = None, -1
    for parent in pool[:PARENTS_PROBED]:
        answer = send(base, Request(f"GET {path}", path, ((name, parent),), (("limit", "1"),)), None)
        total = answer.body.get("totalCount") if isinstance(answer.body, dict) else None
        if isinstance(total, int) and total > best_total:
            best, best_total = {name: parent}, total
    return best


def _walk(side: Side, request: Request, ids: IdMap | None) -> list[Answer]:
    pages = [send(side, request, ids)]
    while len(pages) < MAX_PAGES:
        body = pages[-1].body
        link = body.get("next") if isinstance(body, dict) and pages[-1].status == 200 else None
        if not isinstance(link, str) or not link:
            break
        pages.append(send(side, request, ids, url=link))
    return pages


def compare(options: CompareOptions) -> CompareResult:
    started = time.monotonic()
    base_t, cand_t = options.baseline, options.candidate
    for target in (base_t, cand_t):
        register_secret(target.token)
    try:
        ignore = [parse_pointer(p) for p in options.ignore]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if options.probe:
        from mmcontract.target.probe import probe

        for label, target in (("baseline", base_t), ("candidate", cand_t)):
            try:
                probe(target)
            except Exception as exc:  # one line naming the side
                raise type(exc)(f"{label}: {exc}") from None
    spec = load_spec("page")
    base, cand = _side("baseline", base_t), _side("candidate", cand_t)
    result = CompareResult(base_t.base_url, cand_t.base_url, base_t.profile, base_t.seed or 0)
    try:
        found = discover(base.client)
        cand_found = discover(cand.client)
        ids = id_map(found, cand_found)
        origins = (base_t.origin, cand_t.origin)
        comparer = Comparer(spec, ids, ignore, origins)
        requests = battery(spec, found, base_t, base) + generated_requests(spec, found, base_t)
        result.requests = len(requests)
        for request in requests:
            if request.walk:
                b, g, c = _walk(base, request, None), _walk(base, request, None), _walk(cand, request, ids)
                exchange = Exchange(request, b[0], g[0], c[0], b, g, c)
                comparer.compare(exchange)
                comparer.compare_walk(exchange)
            else:
                exchange = Exchange(
                    request, send(base, request, None), send(base, request, None), send(cand, request, ids)
                )
                comparer.compare(exchange)
        result.operations = sorted({r.operation for r in requests})
        differences = comparer.differences()
        id_format = id_format_changed(ids)
        if id_format is not None:
            differences.insert(0, id_format)
        if options.allow_writes:
            result.writes = True
            write_ids = IdMap(dict(ids.forward), dict(ids.backward))
            differences += _writes(
                options, result, Comparer(spec, write_ids, ignore, origins), base, cand, found, cand_found
            )
            differences.sort(key=lambda d: d.order)
        result.differences = differences
        result.volatile_pointers += comparer.volatile_pointers
        result.volatile_exchanges += comparer.volatile_exchanges
    finally:
        result.sent_baseline, result.sent_candidate = base.sent, cand.sent
        for side in (base, cand):
            for client in (side.client, side.wrong_token_client, side.bare_client):
                if client is not None:
                    client.close()
    result.duration_s = round(time.monotonic() - started, 2)
    return result


def _writes(
    options: CompareOptions,
    result: CompareResult,
    comparer: Comparer,
    base: Side,
    cand: Side,
    found: Discovery,
    cand_found: Discovery,
) -> list[Difference]:
    """The write battery: twice on the baseline, once on the candidate, each run cleaned up after (always)."""
    from mmcontract.compare import writes
    from mmcontract.target import litter

    cand_model = options.leaderboard_model_id or ""
    base_model = options.baseline_leaderboard_model_id or cand_model
    base_user, cand_user = writes.user_pair(found.recipients, cand_found.recipients)
    runs = [writes.WriteRun(litter.name_prefix(litter.new_run_id())) for _ in range(3)]
    plan_ = ((base, runs[0], base_model, base_user), (base, runs[1], base_model, base_user))
    try:
        for side, run, model, user in (*plan_, (cand, runs[2], cand_model, cand_user)):
            try:
                writes.run_battery(side, run, model, user)
            finally:
                writes.clean(side, run)
    finally:
        result.leftovers = [line for run in runs for line in run.leftovers]
    result.operations = sorted({*result.operations, *(s.request.operation for s in runs[0].steps)})
    result.requests += len(runs[0].steps)
    found_differences = writes.compare_runs(comparer, *runs)
    result.volatile_pointers += comparer.volatile_pointers
    result.volatile_exchanges += comparer.volatile_exchanges
    return found_differences


def id_form(value: str) -> str:
    """What an id looks like, not which one it is: hex digits as `h`, other letters as `a`, the rest kept."""
    return "".join("h" if c in "0123456789abcdef" else "a" if c.isalpha() else c for c in value)


def id_format_changed(ids: IdMap) -> Difference | None:
    """Ids of the same resources in another form (24 hex digits -> a UUID). Ids that only differ in value (two
    databases) are no behaviour: the id map hides them from the comparison and nothing is reported."""
    changed = [(old, new) for old, new in ids.forward.items() if id_form(old) != id_form(new)]
    if not changed:
        return None
    old, new = changed[0]
    return Difference(
        rule="response-id-format-changed",
        level="notable",
        operation="GET /registeredModels/",
        field="id",
        message=f"{len(changed)} ids have another form on the candidate (matched by name), e.g. {old} -> {new}",
        kind="discovery",
        baseline_request="",
        candidate_request="",
        baseline_response=old,
        candidate_response=new,
    )
