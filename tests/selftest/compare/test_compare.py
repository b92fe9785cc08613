"""`mmcontract compare`: the reference server against itself reports nothing; against each legal variant and
each fault the read-only battery can see, the difference is reported under the rule that names it.

VISIBLE is the table variant/fault -> rule; NOT_VISIBLE says why the others cannot show in a read-only
comparison. The default run proves the identity (three seeds) and a representative subset; the whole table is
behind the `exhaustive` marker (`make test-exhaustive`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mmcontract.cli import main
from mmcontract.compare.engine import Difference, IdMap, merge
from mmcontract.compare.rules import RULES
from mmcontract.compare.run import CompareOptions, CompareResult, compare, id_format_changed
from mmcontract.reference.faults import FAULTS
from mmcontract.reference.variants import VARIANTS
from mmcontract.report.compare_writers import build_summary, validate, write_compare_reports
from mmcontract.target.config import TargetConfig
from mmcontract.target.embedded import EMBEDDED_LEADERBOARD_MODEL_ID, EmbeddedServer, start_embedded

# (kind, name) -> the rule that names the change
VISIBLE: dict[tuple[str, str], str] = {
    ("variant", "page-default-20"): "list-default-page-size-changed",
    ("variant", "page-max-50"): "list-page-size-changed",
    ("variant", "limit-over-max-rejected"): "list-limit-rejected",
    ("variant", "limit-over-max-422"): "list-limit-rejected",
    ("variant", "limit-zero-empty"): "list-page-size-changed",
    ("variant", "bad-query-422"): "response-status-changed",
    ("variant", "unknown-query-values-ignored"): "response-status-class-changed",
    ("variant", "search-case-sensitive"): "search-case-changed",
    ("variant", "archived-listed"): "list-items-added",
    ("variant", "versions-hide-archived"): "list-items-removed",
    ("variant", "order-newest-first"): "list-default-order-changed",
    ("variant", "sort-default-desc"): "list-default-sort-direction-changed",
    ("variant", "links-query-order"): "list-link-query-changed",
    ("variant", "links-server-address"): "list-link-host-changed",
    ("variant", "sharing-links-relative"): "list-link-form-changed",
    ("variant", "error-body-plain"): "error-body-changed",
    ("variant", "error-body-text"): "error-body-changed",
    ("variant", "no-trailing-slash-served"): "response-status-class-changed",
    ("variant", "omit-optional"): "response-property-removed",
    ("variant", "null-optional-nullable"): "response-property-became-null",
    ("variant", "extra-properties"): "response-property-added",
    ("variant", "uuid-ids"): "response-id-format-changed",
    ("variant", "package-page-properties-only"): "response-property-removed",
    ("variant", "page-routes-only"): "error-message-changed",  # the sortKey error lists no modifiedAt
    ("variant", "roles-observer-as-observer"): "response-value-changed",  # EDITOR grants listed as ADMIN
    ("variant", "literal"): "response-property-removed",
    ("fault", "schema-missing-required"): "response-property-removed",
    ("fault", "schema-wrong-type"): "response-property-type-changed",
    ("fault", "schema-bad-enum"): "response-enum-value-changed",
    ("fault", "schema-null-not-nullable"): "response-property-became-null",
    ("fault", "schema-bad-datetime"): "response-property-format-changed",
    ("fault", "status-missing-410"): "response-status-changed",
    ("fault", "content-type-text"): "response-media-type-changed",
    ("fault", "content-type-missing"): "response-media-type-changed",
    ("fault", "page-count-mismatch"): "list-count-changed",
    ("fault", "page-limit-ignored"): "list-page-size-changed",
    ("fault", "page-next-relative"): "list-link-form-changed",
    ("fault", "page-next-last-not-null"): "list-next-presence-changed",
    ("fault", "page-offset-skip"): "list-items-removed",
    ("fault", "page-next-drops-filter"): "list-link-params-dropped",
    ("fault", "page-total-page-local"): "list-total-count-changed",
    ("fault", "order-direction-ignored"): "list-order-changed",
    ("fault", "order-orderby-ignored"): "list-order-changed",
    ("fault", "filter-features-search-case-sensitive"): "search-case-changed",
    ("fault", "filter-stage-ignored"): "list-items-added",
    ("fault", "filter-isglobal-inverted"): "list-items-removed",
    ("fault", "filter-time-offset-ignored"): "list-items-removed",
    ("fault", "robust-500-unknown-sort-key"): "response-status-class-changed",
    ("fault", "reject-valid-sort-desc"): "response-status-class-changed",
    ("fault", "reject-valid-capital-true"): "response-status-class-changed",
    ("fault", "robust-500-negative-offset"): "response-status-class-changed",
    ("fault", "robust-500-non-ascii-search"): "response-status-class-changed",
    ("fault", "auth-missing-token-accepted"): "response-status-class-changed",
    ("fault", "auth-wrong-token-accepted"): "response-status-class-changed",
    ("fault", "isolation-version-any-model"): "response-status-class-changed",
    ("fault", "isolation-deployments-any-model"): "response-status-class-changed",
    ("fault", "item-deployments-missing-required"): "response-property-removed",
    ("fault", "item-features-wrong-type"): "response-property-type-changed",
    ("fault", "item-model-logs-over-max"): "list-default-page-size-changed",
    ("fault", "item-package-shared-roles-missing-required"): "response-property-removed",
    ("fault", "item-shared-roles-bad-enum"): "response-enum-value-changed",
    ("fault", "item-version-deployments-wrong-type"): "response-property-type-changed",
    ("fault", "item-versions-bad-enum"): "response-enum-value-changed",
}
NOT_VISIBLE: dict[tuple[str, str], str] = {
    ("variant", "unknown-method-404"): "needs an undeclared method (a write probe); compare sends GET only",
    ("variant", "oversize-body-422"): "needs a request body (writes)",
    ("variant", "content-type-lenient"): "needs a request body (writes)",
    ("variant", "token-bearer-only"): "both sides are sent the same Bearer token",
    (
        "fault",
        "write-delete-keeps-versions",
    ): "the model's versions read 404 after its DELETE on both servers",
    ("fault", "write-sharing-no-owner-allowed"): "needs a grant that removes the owner (not in the battery)",
    ("fault", "write-sharing-unknown-user-accepted"): "writes",
    ("fault", "write-lost-update"): "concurrent writes",
    ("fault", "reject-create-name-null"): "the write battery names its packages (never sends name: null)",
    ("fault", "robust-500-long-path-id"): "no request has an over-long path id",
    ("fault", "robust-500-search-percent"): "no search term has a '%'",
    ("fault", "write-ack-before-commit"): "writes and a crash",
    ("fault", "validation-maxlength-ignored"): "a PATCH body (writes)",
    ("fault", "validation-bounds-ignored"): "a create body (writes)",
}
# visible with --allow-writes (the mirrored write battery, compare/writes.py): (kind, name) -> rule
WRITES: dict[tuple[str, str], str] = {
    ("fault", "write-patch-not-persisted"): "write-readback-changed",
    ("fault", "status-create-200"): "write-status-changed",
    ("fault", "status-archive-200"): "write-status-changed",
    ("fault", "write-sharing-invisible"): "write-readback-changed",
    ("fault", "write-archive-noop"): "write-readback-changed",
    ("fault", "status-delete-200"): "write-status-changed",
    ("variant", "create-202-id-only"): "response-property-removed",
    ("variant", "create-empty-body"): "response-media-type-changed",
    ("variant", "patch-200-empty"): "response-media-type-changed",
    ("variant", "no-registered-model-name"): "write-readback-changed",
}

# the default run: the identity and this subset (each about 3 s on the reference server)
SUBSET = (
    ("variant", "page-default-20"),
    ("variant", "search-case-sensitive"),
    ("variant", "sort-default-desc"),
    ("variant", "error-body-plain"),
    ("variant", "uuid-ids"),
    ("fault", "schema-null-not-nullable"),
)


ONLY_PACKAGES = ("GET /modelPackages/", "GET /modelPackages/{modelPackageId}/")


def _target(server: EmbeddedServer, seed: int, host: str = "127.0.0.1") -> TargetConfig:
    return TargetConfig(
        server.base_url.replace("127.0.0.1", host), server.token, profile="quick", seed=seed, embedded=True
    )


@pytest.fixture(scope="module")
def baseline() -> Iterator[EmbeddedServer]:
    server = start_embedded()
    yield server
    server.stop()


def _start(kind: str, name: str) -> EmbeddedServer:
    """The reference server with one variant or one fault switched on."""
    return start_embedded(
        variants=frozenset({name}) if kind == "variant" else frozenset(),
        fault=name if kind == "fault" else None,
    )


def _compare(baseline: EmbeddedServer, kind: str, name: str, seed: int = 1) -> CompareResult:
    host = "localhost" if name == "links-server-address" else "127.0.0.1"
    other = _start(kind, name)
    try:
        return compare(CompareOptions(_target(baseline, seed, host), _target(other, seed, host)))
    finally:
        other.stop()


def test_the_table_names_every_variant_and_known_rules() -> None:
    names = {("variant", v.name) for v in VARIANTS} | {("fault", f.name) for f in FAULTS}
    table = VISIBLE.keys() | NOT_VISIBLE.keys() | WRITES.keys()
    assert {k for k in names if k not in table} == set(), "every variant and fault is in the table"
    assert table <= names
    assert not (WRITES.keys() & (VISIBLE.keys() | NOT_VISIBLE.keys()))
    assert set(VISIBLE.values()) | set(WRITES.values()) <= set(RULES)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_reference_server_against_itself_differs_in_nothing(seed: int) -> None:
    first, second = start_embedded(), start_embedded()
    try:
        result = compare(CompareOptions(_target(first, seed), _target(second, seed)))
    finally:
        first.stop()
        second.stop()
    assert result.requests > 100
    assert [(d.rule, d.operation, d.field, d.message) for d in result.differences] == []


def _check(baseline: EmbeddedServer, kind: str, name: str) -> None:
    result = _compare(baseline, kind, name)
    rules = {d.rule for d in result.differences}
    assert VISIBLE[(kind, name)] in rules, f"{kind} {name}: reported {sorted(rules)}"


@pytest.mark.parametrize(("kind", "name"), SUBSET, ids=[n for _, n in SUBSET])
def test_a_representative_change_is_reported_under_its_rule(
    baseline: EmbeddedServer, kind: str, name: str
) -> None:
    _check(baseline, kind, name)


@pytest.mark.exhaustive
@pytest.mark.parametrize(("kind", "name"), sorted(VISIBLE), ids=[n for _, n in sorted(VISIBLE)])
def test_every_visible_change_is_reported_under_its_rule(
    baseline: EmbeddedServer, kind: str, name: str
) -> None:
    _check(baseline, kind, name)


def test_ids_that_differ_only_in_value_are_no_id_format_change() -> None:
    other_database = IdMap()
    other_database.add("65a000000000000000000001", "65a0000000000000000000ff")
    assert id_format_changed(other_database) is None
    uuids = IdMap()
    uuids.add("65a000000000000000000001", "65a00000-0000-8000-8000-000000000001")
    uuids.add("65a000000000000000000002", "65a000000000000000000003")
    found = id_format_changed(uuids)
    assert found is not None and found.rule == "response-id-format-changed"
    assert found.message.startswith("1 ids have another form")


def test_findings_merge_by_rule_operation_and_field() -> None:
    def finding(level: Any, message: str) -> Difference:
        op = "PATCH /registeredModels/{registeredModelId}/sharedRoles/"
        return Difference("write-status-changed", level, op, "status", message, "write", "", "", "", "")

    found: dict[tuple[str, str, str], Difference] = {}
    for level, message in (("notable", "200 -> 201"), ("breaking", "200 -> 500"), ("notable", "200 -> 202")):
        merge(found, finding(level, message))
    (merged,) = found.values()
    assert (merged.level, merged.message, merged.occurrences) == ("breaking", "200 -> 500", 3)


def test_reports_validate_and_never_hold_the_token(baseline: EmbeddedServer, tmp_path: Path) -> None:
    result = _compare(baseline, "variant", "page-default-20")
    written = write_compare_reports(result, tmp_path, "breaking")
    assert [p.name for p in written] == ["junit.xml", "summary.json", "report.html", "summary.md"]
    document = json.loads((tmp_path / "summary.json").read_text())
    validate(document)
    assert document["exit_code"] == 1 and document["counts"]["breaking"] >= 1
    assert document["differences"][0]["baseline"]["curl"].startswith("curl -X GET")
    for path in written:
        assert baseline.token not in path.read_text()
    assert "list-default-page-size-changed" in (tmp_path / "report.html").read_text()
    assert build_summary(result, "none")["exit_code"] == 0


def test_ignore_takes_json_pointers(baseline: EmbeddedServer) -> None:
    other = start_embedded(variants=frozenset({"null-optional-nullable"}))
    try:
        result = compare(
            CompareOptions(
                replace(_target(baseline, 1), operations=ONLY_PACKAGES),
                replace(_target(other, 1), operations=ONLY_PACKAGES),
                ignore=("/data/*/buildStatus", "/buildStatus"),
            )
        )
    finally:
        other.stop()
    assert not [d for d in result.differences if d.field.endswith(".buildStatus")]
    assert any(d.rule == "response-property-became-null" for d in result.differences)


def test_cli_exit_codes(
    baseline: EmbeddedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATAROBOT_API_TOKEN", baseline.token)
    common = [
        "compare",
        "--baseline-endpoint",
        baseline.base_url,
        "--report-dir",
        str(tmp_path),
        "--profile",
        "quick",
    ]
    assert main([*common, "--endpoint", "http://127.0.0.1:9/api/v2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "candidate: cannot reach" in err
    document = json.loads((tmp_path / "summary.json").read_text())
    validate(document)
    assert document["outcome"] == "could-not-run" and "cannot reach" in document["reason"]
    assert "could not run" in (tmp_path / "summary.md").read_text()
    assert "Could not run" in (tmp_path / "report.html").read_text()
    assert main([*common, "--endpoint", baseline.base_url, "--token", "refused-token-1234"]) == 2
    err = capsys.readouterr().err
    assert "refused the token" in err and "refused-token-1234" not in err
    assert main([*common, "--endpoint", baseline.base_url, "--seed", "1", "--quiet"]) == 0
    assert "0 difference(s)" in capsys.readouterr().out
    assert main([*common, "--endpoint", baseline.base_url, "--ignore", "no-slash"]) == 2
    assert main([*common, "--endpoint", baseline.base_url, "--allow-writes"]) == 2
    assert "--allow-writes needs --leaderboard-model-id" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([*common, "--endpiont", baseline.base_url])
    assert exit_info.value.code == 2
    assert "did you mean --endpoint?" in capsys.readouterr().err


REPO = Path(__file__).resolve().parents[3]


def test_readme_lists_every_rule_and_the_example_flags_parse() -> None:
    from mmcontract.cli import build_parser

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Check an upgrade") :]
    shown = [
        r for r in RULES if f"`{r}`" in section or f"`-{r.removeprefix('response-property-')}`" in section
    ]
    assert sorted(set(RULES) - set(shown)) == []
    example = (REPO / "examples" / "compare-upgrade.yml").read_text()
    line = example[example.index("mmcontract compare --") :].split("\n\n")[0].split("\n      - name")[0]
    words = line.replace("\\\n", " ").replace("\"${{ inputs.fail_on || 'breaking' }}\"", "breaking").split()
    args = build_parser("compare").parse_args(words[1:])
    assert args.fail_on == "breaking" and args.report_dir == "reports/compare"
    assert "secrets.DATAROBOT_API_TOKEN" in example and "--token" not in example


def _stamped(app: Any) -> Any:
    """An ASGI wrapper that adds a volatile `requestId` (a new value per request) to every JSON object body."""
    counter = itertools.count()

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            with contextlib.suppress(ValueError):
                document = json.loads(body)
                if isinstance(document, dict):
                    document["requestId"] = f"req-{next(counter)}"
                    body = json.dumps(document).encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture)

    return wrapped


def test_values_that_change_between_two_baseline_sends_are_noise() -> None:
    first, second = start_embedded(wrap=_stamped), start_embedded(wrap=_stamped)
    try:
        result = compare(
            CompareOptions(
                replace(_target(first, 1), operations=ONLY_PACKAGES),
                replace(_target(second, 1), operations=ONLY_PACKAGES),
            )
        )
    finally:
        first.stop()
        second.stop()
    assert result.volatile_pointers > 0
    assert result.differences == []


# ---- --allow-writes: the mirrored write battery


def _writes(first: EmbeddedServer, second: EmbeddedServer, seed: int = 1) -> CompareResult:
    return compare(
        CompareOptions(
            _target(first, seed),
            _target(second, seed),
            allow_writes=True,
            leaderboard_model_id=EMBEDDED_LEADERBOARD_MODEL_ID,
        )
    )


def _lists(server: EmbeddedServer) -> dict[str, Any]:
    """What a client sees of both collections (ids and names, archived included), and anything with a prefix."""
    import httpx

    headers = {"Authorization": f"Bearer {server.token}"}
    out: dict[str, Any] = {}
    with httpx.Client(base_url=server.base_url + "/", headers=headers) as client:
        for path in ("registeredModels/", "modelPackages/"):
            for query in ({"limit": "1000"}, {"limit": "1000", "search": "mmcontract-"}):
                body = client.get(path, params=query).json()
                out[f"{path}?{sorted(query.items())}"] = sorted(
                    (i["id"], i["name"], i.get("isArchived")) for i in body["data"]
                )
    return out


def _methods(app: Any, seen: list[str]) -> Any:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(scope["method"])
        await app(scope, receive, send)

    return wrapped


def test_without_allow_writes_no_write_is_sent() -> None:
    seen: list[str] = []
    first, second = (
        start_embedded(wrap=lambda a: _methods(a, seen)),
        start_embedded(wrap=lambda a: _methods(a, seen)),
    )
    try:
        options = CompareOptions(
            replace(_target(first, 1), operations=ONLY_PACKAGES),
            replace(_target(second, 1), operations=ONLY_PACKAGES),
            leaderboard_model_id=EMBEDDED_LEADERBOARD_MODEL_ID,
        )
        result = compare(options)
    finally:
        first.stop()
        second.stop()
    assert seen and set(seen) == {"GET"}
    assert not result.writes and result.leftovers == []


def test_writes_mirrored_on_two_reference_servers_differ_in_nothing_and_leave_no_litter(
    tmp_path: Path,
) -> None:
    seen: list[str] = []
    first, second = start_embedded(wrap=lambda a: _methods(a, seen)), start_embedded()
    try:
        before = (_lists(first), _lists(second))
        result = _writes(first, second)
        after = (_lists(first), _lists(second))
    finally:
        first.stop()
        second.stop()
    assert {"POST", "PATCH", "DELETE"} <= set(seen), "the write battery ran"
    assert [(d.rule, d.operation, d.field, d.message) for d in result.differences] == []
    assert result.writes and result.leftovers == []
    assert "PATCH /registeredModels/{registeredModelId}/sharedRoles/" in result.operations
    assert after == before, "every resource the comparison created is cleaned up"
    write_compare_reports(result, tmp_path, "breaking")
    document = json.loads((tmp_path / "summary.json").read_text())
    validate(document)
    assert document["writes"] is True and document["leftovers"] == []
    assert "Writes: mirrored" in (tmp_path / "summary.md").read_text()


def test_writes_are_cleaned_up_after_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from mmcontract.compare import writes

    real = writes.run_battery

    def broken(side: Any, run: Any, model: str, user: Any) -> None:
        """The candidate's battery creates its package, then fails: the clean-up must still remove it."""
        if side.name == "baseline":
            real(side, run, model, user)
            return
        create = {
            "modelId": model,
            "name": run.prefix + "package",
            "registeredModelName": run.prefix + "model",
        }
        writes._send(side, run, "POST", "/modelPackages/fromLeaderboard/", {}, create, readback=False)
        assert run.created, "the candidate created something to clean up"
        raise RuntimeError("the candidate's battery failed")

    monkeypatch.setattr(writes, "run_battery", broken)
    first, second = start_embedded(), start_embedded()
    try:
        before = _lists(second)
        with pytest.raises(RuntimeError):
            _writes(first, second)
        after = _lists(second)
    finally:
        first.stop()
        second.stop()
    assert after == before


@pytest.mark.parametrize(("kind", "name"), sorted(WRITES), ids=[n for _, n in sorted(WRITES)])
def test_a_write_change_is_reported_under_its_rule(baseline: EmbeddedServer, kind: str, name: str) -> None:
    other = _start(kind, name)
    try:
        before = (_lists(baseline), _lists(other))
        result = _writes(baseline, other)
        after = (_lists(baseline), _lists(other))
    finally:
        other.stop()
    rules = {d.rule for d in result.differences}
    assert WRITES[(kind, name)] in rules, f"{kind} {name}: reported {sorted(rules)}"
    assert after[0] == before[0], "the baseline keeps no litter"
    if name != "write-archive-noop":  # a package that cannot be archived stays; it is listed as a leftover
        assert after[1] == before[1] and result.leftovers == []
