"""Judgements over exchanges, offline: hand-made exchanges written as HAR and judged by `check-traffic`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mmcontract.cli import main
from mmcontract.traffic.exchange import Exchange
from mmcontract.traffic.har import read_har, write_har
from mmcontract.traffic.judge import JUDGEMENTS, count_problem, link_problem, repeated
from mmcontract.traffic.relay import rewrite_links

BASE = "http://server:8080/api/v2"
RM = "65a000000000000000001001"
JSON = (("content-type", "application/json"),)
TOKEN = "s3cret-token-value"


class Traffic:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    def add(
        self, method: str, path: str, status: int, body: Any = None, sent: Any = None, **kw: Any
    ) -> Exchange:
        t = float(len(self.exchanges))
        auth = kw.get("auth", f"Bearer {TOKEN}")
        exchange = Exchange(
            seq=len(self.exchanges) + 1,
            method=method,
            url=f"{BASE}{path}",
            request_headers=((("authorization", auth),) if auth else ()) + (JSON if sent is not None else ()),
            request_body=json.dumps(sent).encode() if sent is not None else b"",
            status=status,
            response_headers=JSON if body is not None else (),
            response_body=json.dumps(body).encode() if body is not None else b"",
            started=1_700_000_000 + t,
            finished=1_700_000_000 + t + 0.5,
        )
        self.exchanges.append(exchange)
        return exchange

    def check(self, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
        har = write_har(tmp_path / "t.har", self.exchanges)
        code = main(["check-traffic", str(har), "--report-dir", str(tmp_path / "r"), *args])
        return code, json.loads((tmp_path / "r" / "summary.json").read_text())


def model(name: str = "m", **extra: Any) -> dict[str, Any]:
    user = {"id": "5e0000000000000000000001", "email": "a@example.com", "name": "A"}
    return {
        "id": RM,
        "name": name,
        "description": "d",
        "createdAt": "2024-01-01T00:00:00Z",
        "modifiedAt": "2024-01-01T00:00:00Z",
        "createdBy": user,
        "modifiedBy": user,
        "isArchived": False,
        "isGlobal": False,
        "lastVersionNum": 1,
        "target": {"name": "t", "type": "Binary"},
        **extra,
    }


def page(items: list[Any], total: int, nxt: str | None, prev: str | None = None) -> dict[str, Any]:
    return {"count": len(items), "data": items, "next": nxt, "previous": prev, "totalCount": total}


def codes(summary: dict[str, Any], side: str = "server") -> set[str]:
    return {f["check"] for f in summary["failures"] if f.get("side", "server") == side}


def test_every_judgement_names_a_catalogued_check() -> None:
    from mmcontract.checks.catalogue import CHECKS

    assert all(j.code in CHECKS and j.title for j in JUDGEMENTS)
    assert {j.kind for j in JUDGEMENTS} == {"exchange", "related", "sequence", "request"}


def test_pure_judgements_shared_with_the_active_checks() -> None:
    assert count_problem({"data": [1, 2], "count": 2}, 2) is None
    assert count_problem({"data": [1, 2, 3]}, 2) is not None
    assert count_problem({"data": [1], "count": 2}, None) is not None
    assert repeated(["a", "b", "a", "c", "b"]) == ["a", "b"]
    import httpx

    base = httpx.URL(BASE + "/")
    ok, resolved = link_problem(
        f"{BASE}/registeredModels/?offset=1&limit=1&search=x",
        "next",
        request_url=f"{BASE}/registeredModels/?limit=1&search=x",
        base=base,
        carried={"search": "x", "limit": "1"},
        uri_links=True,
    )
    assert ok is None and resolved
    dropped, _ = link_problem(
        f"{BASE}/registeredModels/?offset=1",
        "next",
        request_url=f"{BASE}/registeredModels/",
        base=base,
        carried={"search": "x"},
        uri_links=True,
    )
    assert dropped is not None and "search=x" in dropped[0]


def test_a_conformant_walk_then_a_patch_read_back(tmp_path: Path) -> None:
    t = Traffic()
    a, b = model("a"), dict(model("b"), id="65a000000000000000001002")
    t.add(
        "GET", "/registeredModels/?limit=1", 200, page([a], 2, f"{BASE}/registeredModels/?limit=1&offset=1")
    )
    t.add(
        "GET",
        "/registeredModels/?limit=1&offset=1",
        200,
        page([b], 2, None, f"{BASE}/registeredModels/?limit=1&offset=0"),
    )
    t.add("PATCH", f"/registeredModels/{RM}/", 200, model("new"), sent={"name": "new"})
    t.add("GET", f"/registeredModels/{RM}/", 200, model("new"))
    code, summary = t.check(tmp_path)
    assert codes(summary) == set(), summary["failures"]
    assert code == 0


def test_faults_seen_in_traffic(tmp_path: Path) -> None:
    t = Traffic()
    a, b = model("a"), dict(model("b"), id="65a000000000000000001002")
    t.add(
        "GET", "/registeredModels/?limit=1", 200, page([a], 2, f"{BASE}/registeredModels/?limit=1&offset=1")
    )
    # the last page's next is not null (MM104), its count is off (MM101), and the walk repeats an item (MM103)
    last = page([a], 2, f"{BASE}/registeredModels/?limit=1&offset=2", f"{BASE}/registeredModels/?limit=1")
    last["count"] = 2
    t.add("GET", "/registeredModels/?limit=1&offset=1", 200, last)
    t.add("PATCH", f"/registeredModels/{RM}/", 200, model("new"), sent={"name": "new"})
    t.add("GET", f"/registeredModels/{RM}/", 200, model("old"))  # MM401
    t.add("GET", "/registeredModels/", 200, page([b], 1, None), auth=None)  # MM701: no token, 200
    code, summary = t.check(tmp_path)
    assert {"MM101", "MM103", "MM104", "MM401", "MM701"} <= codes(summary), summary["failures"]
    assert code == 1
    patch = next(f for f in summary["failures"] if f["check"] == "MM401")
    assert [e.split()[0] for e in patch["exchanges"][0].split(" , ")] == ["#3", "#4"]


def test_another_write_in_between_excuses_a_stale_read(tmp_path: Path) -> None:
    t = Traffic()
    t.add("PATCH", f"/registeredModels/{RM}/", 200, model("new"), sent={"name": "new"})
    t.add("PATCH", f"/registeredModels/{RM}/", 200, model("other"), sent={"description": "x"})
    t.add("GET", f"/registeredModels/{RM}/", 200, model("old"))
    t.exchanges[1].started = t.exchanges[0].started + 0.1  # overlaps: the order of the two writes is unknown
    _, summary = t.check(tmp_path)
    assert "MM401" not in codes(summary)


def test_client_requests_are_findings_that_never_fail_the_run(tmp_path: Path) -> None:
    t = Traffic()
    t.add("GET", "/registeredModels/?imported=True&madeUp=1", 200, page([], 0, None), auth=f"Token {TOKEN}")
    code, summary = t.check(tmp_path)
    assert codes(summary) == set()
    assert codes(summary, "client-request") == {"MM901", "MM902", "MM904"}
    levels = {f["check"]: f["level"] for f in summary["failures"]}
    assert levels == {"MM901": "page", "MM902": "client", "MM904": "client"}
    assert code == 0
    assert TOKEN not in (tmp_path / "t.har").read_text()
    assert "Token [Filtered]" in (tmp_path / "t.har").read_text()
    for name in ("summary.md", "junit.xml", "report.html", "summary.json"):
        assert TOKEN not in (tmp_path / "r" / name).read_text()


def test_har_round_trip(tmp_path: Path) -> None:
    t = Traffic()
    t.add("PATCH", f"/registeredModels/{RM}/", 200, model("new"), sent={"name": "new"})
    again = read_har(write_har(tmp_path / "x.har", t.exchanges))
    assert [(e.method, e.url, e.status, e.request_json, e.body) for e in again] == [
        (e.method, e.url, e.status, e.request_json, e.body) for e in t.exchanges
    ]


@pytest.mark.parametrize(
    "content", ["not json", '{"log": {}}', '{"log": {"entries": [{"request": {}}]}}', "[1, 2]"]
)
def test_a_malformed_har_is_one_line_and_exit_2(tmp_path: Path, content: str, capsys: Any) -> None:
    path = tmp_path / "bad.har"
    path.write_text(content)
    assert main(["check-traffic", str(path), "--report-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a HAR 1.2 file" in err and "Traceback" not in err


def test_a_missing_har_is_exit_2(tmp_path: Path, capsys: Any) -> None:
    assert main(["check-traffic", str(tmp_path / "none.har")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_links_to_the_upstream_are_moved_to_the_proxy_and_nothing_else() -> None:
    body = (
        b'{"next": "http://up:1/api/v2/x/?offset=1", "previous":"http://up:1/api/v2/x/",'
        b' "name": "http://up:1/api/v2/x/", "other": "http://up:12/api/v2/"}'
    )
    out = rewrite_links(body, "http://up:1", "http://proxy:9")
    assert out == (
        b'{"next": "http://proxy:9/api/v2/x/?offset=1", "previous":"http://proxy:9/api/v2/x/",'
        b' "name": "http://up:1/api/v2/x/", "other": "http://up:12/api/v2/"}'
    )


# ------------------------------------------------------------------------ repeated answers: memo and sharing


def _judged(ctx: Any, ex: Exchange) -> list[tuple[str, str, str | None]]:
    from mmcontract.traffic.judge import judge

    return sorted((f.code, f.message, f.actual) for f in judge(ctx, ex))


def test_the_schema_memo_changes_no_verdict() -> None:
    from mmcontract.traffic.judge import new_context

    ctx, t = new_context(BASE), Traffic()
    clean, faulty = model(), model()
    del faulty["name"]  # a required property
    url = f"/registeredModels/{RM}/"
    ok = _judged(ctx, t.add("GET", url, 200, clean))
    assert ok == []
    bad = _judged(ctx, t.add("GET", url, 200, faulty))  # same URL, clean answer memoized: its own finding
    assert [c for c, _, _ in bad] == ["ST108"] and '"name" is a required property' in bad[0][1]
    assert _judged(ctx, t.add("GET", url, 200, faulty)) == bad  # the same bytes again: the same findings
    assert _judged(ctx, t.add("GET", url, 200, clean)) == ok  # and back: the faulty answer's failure stays
    # what else validation reads is in the key too: the media type (not JSON: no schema to hold it to) ...
    odd = t.add("GET", url, 200, faulty)
    odd.response_headers = (("content-type", "text/plain"),)
    assert [c for c, _, _ in _judged(ctx, odd)] == ["ST104"]
    # ... and the status (a 404's body is held to the error schema, which a model does not fit)
    assert {c for c, _, _ in _judged(ctx, t.add("GET", url, 404, clean))} & {"ST108", "MM801"}
    assert _judged(ctx, t.add("GET", url, 200, faulty)) == bad


def test_a_repeated_answer_is_validated_once_per_level(monkeypatch: pytest.MonkeyPatch) -> None:
    from mmcontract.traffic import judge as judging

    calls: list[str] = []
    validate = judging._validate

    def counted(ctx: Any, level: Any, ex: Exchange) -> Any:
        calls.append(level)
        return validate(ctx, level, ex)

    monkeypatch.setattr(judging, "_validate", counted)
    ctx, t = judging.new_context(BASE), Traffic()
    for _ in range(3):  # a client call: judged at both levels
        _judged(ctx, t.add("GET", f"/registeredModels/{RM}/", 200, model()))
    assert sorted(calls) == ["client", "page"]
    assert judging.new_context(BASE).schema_memo is not ctx.schema_memo  # sessions share nothing


def test_the_schema_memo_is_bounded() -> None:
    from mmcontract.traffic.judge import SCHEMA_MEMO_ENTRIES, new_context

    ctx, t = new_context(BASE), Traffic()
    for i in range(SCHEMA_MEMO_ENTRIES + 10):  # not a client call: one entry each
        _judged(ctx, t.add("GET", f"/modelPackages/{RM}/", 404, {"message": f"not found {i}"}))
    assert len(ctx.schema_memo) == SCHEMA_MEMO_ENTRIES


def test_bounded_drops_the_least_recently_used_by_count_and_by_weight() -> None:
    from mmcontract.traffic.memo import MISSING, Bounded

    cache: Bounded[str, int] = Bounded(entries=3, weight=10)
    for key in "abc":
        cache.put(key, ord(key), 1)
    assert cache.get("a") == ord("a")  # now the most recent: b goes first
    cache.put("d", 4, 1)
    assert [cache.get(k) is MISSING for k in "abcd"] == [False, True, False, False]
    cache.put("e", 5, 9)  # 3 + 9 is over the weight: the oldest (c, then a) go until it fits
    assert [k for k in "acde" if cache.get(k) is not MISSING] == ["d", "e"] and cache.weight == 10
    cache.put("huge", 6, 11)  # heavier than the whole cache: not kept, nothing dropped for it
    assert cache.get("huge") is MISSING and cache.get("e") == 5


def test_equal_bodies_share_one_parse_within_a_session_only() -> None:
    from mmcontract.traffic.judge import new_context
    from mmcontract.traffic.memo import SHARE_FROM

    ctx, t = new_context(BASE), Traffic()
    listing = page([model()] * 20, 20, None)
    first, second = (t.add("GET", "/registeredModels/", 200, listing) for _ in range(2))
    assert len(first.response_body) >= SHARE_FROM and first.response_body is not second.response_body
    _judged(ctx, first)
    _judged(ctx, second)
    assert second.body is first.body and first.body == listing
    other = t.add("GET", "/registeredModels/", 200, listing)
    _judged(new_context(BASE), other)
    assert other.body is not first.body and other.body == listing
    small = [t.add("GET", f"/registeredModels/{RM}/", 200, model()) for _ in range(2)]
    for ex in small:
        _judged(ctx, ex)
    assert small[0].body == small[1].body and small[0].body is not small[1].body  # not worth an entry
    assert len(ctx.shared_json.cache) == 1
    unjudged = t.add("GET", "/registeredModels/", 200, listing)  # outside a session: parsed on its own
    assert unjudged.body == listing and unjudged.body is not first.body


def test_a_page_after_the_first_needs_previous_unless_it_was_asked_with_limit_0() -> None:
    from mmcontract.traffic.judge import new_context

    ctx, t = new_context(BASE), Traffic()
    empty = _judged(ctx, t.add("GET", "/registeredModels/?offset=1&limit=0", 200, page([], 3, None)))
    assert [c for c, _, _ in empty] == []  # limit-zero-empty: a legal empty page, its links null
    one = _judged(ctx, t.add("GET", "/registeredModels/?offset=1&limit=1", 200, page([model()], 3, None)))
    assert "MM104" in [c for c, _, _ in one]  # a previous page exists, and next too: null is wrong
