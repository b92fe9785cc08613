"""The same requests to two servers, and the differences that mean something.

Every request goes twice to the baseline and once to the candidate (Diffy's method): what differs between the
two baseline answers is volatile (request ids, clocks) and never reported. Bodies are compared as JSON values
(formatting and key order are not behaviour), list items keyed by id (order is judged on its own), headers only
for the media type without parameters. Ids that differ between the servers (e.g. UUIDs on the candidate) are
mapped by name and replaced in the candidate's answers before comparison.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from mmcontract.compare.fields import field_info
from mmcontract.compare.rules import RANK, RULES, Level
from mmcontract.report.redact import redact
from mmcontract.target.reproduce import curl_for_httpx, excerpt

SORT_PARAMS = ("sortKey", "orderBy")
EXCERPT = 600


@dataclass(frozen=True)
class Request:
    """One request of the plan, in the baseline's terms (ids of the baseline)."""

    operation: str  # "GET /path" (spec path)
    path: str  # spec path template
    path_params: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    kind: str = "generated"  # generated | no-params | walk | filter | sort | limit | error | auth | path
    walk: bool = False
    auth: str = "token"  # token | none | wrong
    raw_path: str | None = None  # a path outside the template (no trailing slash)
    method: str = "GET"

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)


@dataclass
class Answer:
    request: httpx.Request
    status: int
    media_type: str
    text: str
    body: Any  # parsed JSON, or None

    @property
    def curl(self) -> str:
        return redact(curl_for_httpx(self.request))

    @property
    def excerpt(self) -> str:
        return redact(excerpt(f"[{self.status}] {self.media_type} {self.text}", EXCERPT) or "")


@dataclass
class Difference:
    rule: str
    level: Level
    operation: str
    field: str  # Schema.field, or a pointer, or what the rule looks at
    message: str
    kind: str  # the request's kind (battery part or generated)
    baseline_request: str
    candidate_request: str
    baseline_response: str
    candidate_response: str
    occurrences: int = 1

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.operation, self.field)

    @property
    def order(self) -> tuple[int, str, str, str]:
        """Reports list the most severe first, then by rule, operation and field."""
        return (-RANK[self.level], *self.key)


def merge(found: dict[tuple[str, str, str], Difference], diff: Difference) -> None:
    """One finding per rule, operation and field: occurrences add up, the most severe one tells the story."""
    known = found.get(diff.key)
    if known is None:
        found[diff.key] = diff
        return
    kept = diff if RANK[diff.level] > RANK[known.level] else known
    found[diff.key] = replace(kept, occurrences=known.occurrences + diff.occurrences)


@dataclass
class Side:
    name: str  # baseline | candidate
    client: httpx.Client
    base_url: str
    wrong_token_client: httpx.Client | None = None
    bare_client: httpx.Client | None = None
    sent: int = 0


@dataclass
class IdMap:
    """baseline id -> candidate id (only where they differ), and its inverse."""

    forward: dict[str, str] = field(default_factory=dict)
    backward: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def add(self, baseline: str, candidate: str) -> None:
        if baseline and candidate and baseline != candidate and self.forward.get(baseline) != candidate:
            self.forward[baseline] = candidate
            self.backward[candidate] = baseline
            self._pattern = None

    def to_candidate(self, value: str) -> str:
        return self.forward.get(value, value)

    def normalise(self, text: str) -> str:
        """The candidate's text with its ids replaced by the baseline's (longest first)."""
        if not self.backward:
            return text
        if self._pattern is None:
            self._pattern = re.compile(
                "|".join(re.escape(k) for k in sorted(self.backward, key=len, reverse=True))
            )
        return self._pattern.sub(lambda m: self.backward[m.group(0)], text)


def send(side: Side, request: Request, ids: IdMap | None, url: str | None = None) -> Answer:
    """Send `request` (or the absolute/relative link `url`) to one side; ids mapped for the candidate."""
    client = side.client
    if request.auth == "none" and side.bare_client is not None:
        client = side.bare_client
    elif request.auth == "wrong" and side.wrong_token_client is not None:
        client = side.wrong_token_client
    mapped = (lambda v: ids.to_candidate(v)) if ids is not None else (lambda v: v)
    if url is not None:
        target = url if urlsplit(url).scheme else _relative(side.base_url, url)
        http_request = client.build_request(request.method, target)
    else:
        path = request.raw_path or request.path
        for name, value in request.path_params:
            path = path.replace("{" + name + "}", mapped(value))
        http_request = client.build_request(
            request.method, path.lstrip("/"), params=[(k, mapped(v)) for k, v in request.query]
        )
    text, status, media, _ = transmit(side, client, http_request)
    return Answer(http_request, status, media, text, json_body(text, media))


def transmit(
    side: Side, client: httpx.Client, http_request: httpx.Request
) -> tuple[str, int, str, str | None]:
    """Send one request, counted on `side`: its text, status, media type (no parameters) and Location header;
    a transport error is status 0 with the error's name as text."""
    side.sent += 1
    try:
        response = client.send(http_request)
    except httpx.HTTPError as exc:
        return f"<{type(exc).__name__}>", 0, "", None
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return response.text, response.status_code, media, response.headers.get("location")


def json_body(text: str, media: str = "") -> Any:
    """The JSON value of a body served as JSON (or without a media type), or None (empty, not JSON)."""
    if not text or not (media.endswith("json") or media == ""):
        return None
    try:
        return httpx.Response(200, content=text.encode()).json()
    except ValueError:
        return None


def _relative(base_url: str, link: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}{link if link.startswith('/') else '/' + link}"


# ---------------------------------------------------------------- flattening


def keyed(body: Any) -> Any:
    """A list body's `data` as a mapping id -> item (segments '#id'), so items compare whatever their order."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        items = body["data"]
        keys = [item_key(item) for item in items]
        if all(keys) and len(set(keys)) == len(keys):
            return {**body, "data": {"#" + str(k): item for k, item in zip(keys, items, strict=True)}}
    return body


def item_key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for key in ("id", "name", "featureName"):
        if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
            return str(item[key])
    return None


def flatten(value: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every node by pointer: containers as a type marker, scalars as themselves."""
    out: dict[tuple[str, ...], Any] = {}
    if isinstance(value, dict):
        out[prefix] = _OBJECT
        for k, v in value.items():
            out.update(flatten(v, (*prefix, str(k))))
    elif isinstance(value, list):
        out[prefix] = _ARRAY
        for i, v in enumerate(value):
            out.update(flatten(v, (*prefix, str(i))))
    else:
        out[prefix] = value
    return out


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_OBJECT, _ARRAY = _Marker("object"), _Marker("array")


def json_type(value: Any) -> str:
    if value is _OBJECT:
        return "object"
    if value is _ARRAY:
        return "array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def pointer_text(segments: Iterable[str]) -> str:
    return "/" + "/".join("*" if s.startswith("#") else s for s in segments)


def matches_ignore(segments: tuple[str, ...], patterns: list[tuple[str, ...]]) -> bool:
    """--ignore: a pointer and everything under it; `*` or a number matches any item."""
    for pattern in patterns:
        if len(pattern) > len(segments):
            continue
        if all(
            p == "*" or p == s or (p.isdigit() and s.startswith("#"))
            for p, s in zip(pattern, segments, strict=False)
        ):
            return True
    return False


def parse_pointer(text: str) -> tuple[str, ...]:
    if not text.startswith("/"):
        raise ValueError(f"--ignore takes a JSON pointer starting with '/', got {text!r}")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")) if text != "/" else ()


# ---------------------------------------------------------------- comparison


@dataclass
class Exchange:
    request: Request
    base: Answer
    again: Answer
    cand: Answer
    base_pages: list[Answer] = field(default_factory=list)  # walks: every page
    again_pages: list[Answer] = field(default_factory=list)
    cand_pages: list[Answer] = field(default_factory=list)


class Comparer:
    def __init__(
        self, spec: dict[str, Any], ids: IdMap, ignore: list[tuple[str, ...]], origins: tuple[str, str]
    ):
        self.spec = spec
        self.ids = ids
        self.ignore = ignore
        self.origins = origins  # (baseline origin, candidate origin)
        self.found: dict[tuple[str, str, str], Difference] = {}
        self.volatile_pointers = 0
        self.volatile_exchanges = 0

    # ---- recording
    def report(
        self,
        ex: Exchange,
        rule: str,
        field_name: str,
        message: str,
        level: Level | None = None,
        base: Answer | None = None,
        cand: Answer | None = None,
    ) -> None:
        base, cand = base or ex.base, cand or ex.cand
        diff = Difference(
            rule=rule,
            level=level or RULES[rule].level,
            operation=ex.request.operation,
            field=field_name,
            message=redact(message),
            kind=ex.request.kind,
            baseline_request=base.curl,
            candidate_request=cand.curl,
            baseline_response=base.excerpt,
            candidate_response=cand.excerpt,
        )
        merge(self.found, diff)

    def differences(self) -> list[Difference]:
        return sorted(self.found.values(), key=lambda d: d.order)

    # ---- one exchange
    def candidate_body(self, answer: Answer) -> Any:
        text = self.ids.normalise(answer.text).replace(self.origins[1], self.origins[0])
        return json_body(text) if answer.body is not None else None

    def compare(self, ex: Exchange) -> None:
        base, again, cand = ex.base, ex.again, ex.cand
        if base.status != again.status or base.status == 0:
            self.volatile_exchanges += 1
            return
        if base.status // 100 != cand.status // 100:
            limit = ex.request.param("limit")
            if (
                ex.request.kind == "limit"
                and limit is not None
                and base.status // 100 == 2
                and cand.status // 100 == 4
            ):
                self.report(
                    ex, "list-limit-rejected", "limit", f"limit={limit}: {base.status} -> {cand.status}"
                )
            else:
                self.report(ex, "response-status-class-changed", "status", f"{base.status} -> {cand.status}")
            return
        if base.status != cand.status:
            self.report(ex, "response-status-changed", "status", f"{base.status} -> {cand.status}")
        if base.status >= 400:
            self.compare_error(ex)
            return
        if base.media_type != cand.media_type:
            self.report(
                ex,
                "response-media-type-changed",
                "Content-Type",
                f"{base.media_type or 'none'} -> {cand.media_type or 'none'}",
            )
            return
        if base.body is None:
            return
        self.learn_ids(base.body, cand.body)
        cand_body = self.candidate_body(cand)
        volatile = self.volatile(base.body, again.body)
        self.compare_values(ex, keyed(base.body), keyed(cand_body), volatile)
        if (
            isinstance(base.body, dict)
            and isinstance(base.body.get("data"), list)
            and isinstance(cand_body, dict)
        ):
            self.compare_page(ex, base.body, again.body, cand_body)

    def learn_ids(self, base: Any, cand: Any) -> None:
        """Ids that differ between the servers, learned from the same answer on both (items matched by name)."""
        if isinstance(base, dict) and isinstance(cand, dict) and isinstance(base.get("data"), list):
            pair_items(self.ids, base["data"], cand.get("data") or [])
        elif isinstance(base, dict) and isinstance(cand, dict):
            pair_ids(self.ids, base, cand)

    def volatile(self, first: Any, second: Any) -> set[tuple[str, ...]]:
        a, b = flatten(keyed(first)), flatten(keyed(second))
        out = {k for k in a.keys() | b.keys() if not _same(a.get(k, _MISSING), b.get(k, _MISSING))}
        self.volatile_pointers += len(out)
        return out

    def skipped(self, segments: tuple[str, ...], volatile: set[tuple[str, ...]]) -> bool:
        if any(segments[:i] in volatile for i in range(len(segments) + 1)):
            return True
        if segments and segments[0] in ("next", "previous"):
            return True  # links: compare_links
        return matches_ignore(segments, self.ignore)

    def compare_values(self, ex: Exchange, base: Any, cand: Any, volatile: set[tuple[str, ...]]) -> None:
        a, b = flatten(base), flatten(cand)
        path, status = ex.request.path, ex.base.status
        reported: list[tuple[str, ...]] = []

        def under_reported(seg: tuple[str, ...]) -> bool:
            return any(seg[: len(r)] == r for r in reported)

        for seg in sorted(a.keys() | b.keys(), key=len):
            if self.skipped(seg, volatile) or under_reported(seg):
                continue
            in_a, in_b = seg in a, seg in b
            if in_a and in_b and _same(a[seg], b[seg]):
                continue
            if in_a and not in_b:
                parent = seg[:-1]
                if parent not in b or not _same(b[parent], a.get(parent)):
                    continue  # the parent itself differs: reported there
                if seg[-2:-1] == ("data",) and seg[-1].startswith("#"):
                    continue  # an item not listed: the item rules
                if seg[-1].isdigit():
                    continue  # a shorter array: not a property
                info = field_info(self.spec, path, status, list(seg), ex.request.method)
                # a write's answer the contract leaves undescribed (the page is silent): notable, not breaking
                unknown_breaks = not info.known and ex.request.method == "GET"
                level: Level = "breaking" if info.required or unknown_breaks else "notable"
                said = " (required by the contract)" if info.required else " (optional in the contract)"
                if not info.known:
                    said = " (not described by the contract)"
                self.report(
                    ex,
                    "response-property-removed",
                    info.name,
                    f"{info.name} ({pointer_text(seg)}) is missing" + said,
                    level,
                )
                reported.append(seg)
            elif in_b and not in_a:
                parent = seg[:-1]
                if parent not in a or not _same(a[parent], b.get(parent)):
                    continue
                if (seg[-2:-1] == ("data",) and seg[-1].startswith("#")) or seg[-1].isdigit():
                    continue
                info = field_info(self.spec, path, status, list(seg), ex.request.method)
                self.report(
                    ex, "response-property-added", info.name, f"{info.name} ({pointer_text(seg)}) appeared"
                )
                reported.append(seg)
            else:
                old, new = a[seg], b[seg]
                told, tnew = json_type(old), json_type(new)
                info = field_info(self.spec, path, status, list(seg), ex.request.method)
                if told != tnew:
                    if tnew == "null":
                        self.report(
                            ex,
                            "response-property-became-null",
                            info.name,
                            f"{info.name} is null (was {told})"
                            + ("; the contract says nullable" if info.nullable else ""),
                            "notable" if info.nullable else "breaking",
                        )
                    elif told == "null":
                        self.report(
                            ex,
                            "response-property-became-non-null",
                            info.name,
                            f"{info.name} is {tnew} (was null)",
                        )
                    else:
                        self.report(
                            ex,
                            "response-property-type-changed",
                            info.name,
                            f"{info.name} is {tnew} (was {told})",
                        )
                    reported.append(seg)
                    continue
                if told in ("object", "array"):
                    continue
                if seg == ("count",):
                    continue  # compare_page
                if seg == ("totalCount",):
                    self.report(ex, "list-total-count-changed", info.name, f"totalCount {old} -> {new}")
                    continue
                if info.enum and old in info.enum and new not in info.enum:
                    self.report(
                        ex,
                        "response-enum-value-changed",
                        info.name,
                        f"{info.name} {new!r} is outside the contract's enum (was {old!r})",
                    )
                elif info.format == "date-time" and _is_datetime(old) and not _is_datetime(new):
                    self.report(
                        ex,
                        "response-property-format-changed",
                        info.name,
                        f"{info.name} {new!r} is no date-time (was {old!r})",
                    )
                elif (
                    self.ids.forward
                    and isinstance(old, str)
                    and isinstance(new, str)
                    and _without_ids(old) == _without_ids(new)
                ):
                    continue  # only ids differ: their values are no behaviour, a new form is response-id-format-changed
                else:
                    self.report(
                        ex,
                        "response-value-changed",
                        info.name,
                        f"{info.name} ({pointer_text(seg)}) {_short(old)} -> {_short(new)}",
                    )

    def compare_error(self, ex: Exchange) -> None:
        base, again, cand = ex.base, ex.again, ex.cand
        if base.media_type != cand.media_type or (base.body is None) != (cand.body is None):
            self.report(
                ex,
                "error-body-changed",
                "error body",
                f"{base.media_type or 'none'} -> {cand.media_type or 'none'}",
            )
            return
        if base.body is None:
            if _without_ids(base.text) != _without_ids(cand.text) and base.text == again.text:
                self.report(ex, "error-message-changed", "error body", "the error text changed")
            return
        if not isinstance(base.body, dict) or not isinstance(cand.body, dict):
            if type(base.body) is not type(cand.body):
                self.report(ex, "error-body-changed", "error body", "the error body has another JSON type")
            return
        lost = [k for k in base.body if k not in cand.body and not matches_ignore((k,), self.ignore)]
        added = [k for k in cand.body if k not in base.body and not matches_ignore((k,), self.ignore)]
        if lost or added:
            level: Level = "breaking" if "message" in lost else "notable"
            self.report(
                ex,
                "error-body-changed",
                "error body",
                f"fields lost {lost or '[]'}, gained {added or '[]'}",
                level,
            )
            return
        volatile = self.volatile(base.body, again.body)
        cand_body = self.candidate_body(cand)
        for key in base.body:
            if (key,) in volatile or matches_ignore((key,), self.ignore) or not isinstance(cand_body, dict):
                continue
            if json_type(base.body[key]) != json_type(cand_body.get(key)):
                self.report(
                    ex,
                    "error-body-changed",
                    f"error.{key}",
                    f"{key} is {json_type(cand_body.get(key))} (was {json_type(base.body[key])})",
                    "notable",
                )
            elif base.body[key] != cand_body.get(key) and _without_ids(str(base.body[key])) != _without_ids(
                str(cand_body.get(key))
            ):
                self.report(ex, "error-message-changed", f"error.{key}", f"{key} text changed")

    # ---- lists
    def compare_page(
        self, ex: Exchange, base: dict[str, Any], again: dict[str, Any], cand: dict[str, Any]
    ) -> None:
        request = ex.request
        b_items, c_items = base.get("data") or [], cand.get("data") or []
        if not isinstance(c_items, list):
            return
        truncated = any(_link(x, "next") for x in (base, cand))
        limit = request.param("limit")
        if len(b_items) != len(c_items) and len(again.get("data") or []) == len(b_items):
            if limit is None and request.kind in ("no-params", "walk", "generated") and truncated:
                self.report(
                    ex,
                    "list-default-page-size-changed",
                    "page size",
                    f"{len(b_items)} -> {len(c_items)} items without limit",
                )
                return
            if limit is not None:
                asked = int(limit) if limit.lstrip("-").isdigit() else None
                more = asked is not None and asked >= 0 and len(c_items) > asked
                self.report(
                    ex,
                    "list-page-size-changed",
                    "page size",
                    f"limit={limit}: {len(b_items)} -> {len(c_items)} items",
                    "breaking" if more else "notable",
                )
                return
        elif (
            isinstance(base.get("count"), int)
            and isinstance(cand.get("count"), int)
            and base.get("count") != cand.get("count")
            and base.get("count") == again.get("count")
        ):
            self.report(
                ex, "list-count-changed", "count", f"count {base.get('count')} -> {cand.get('count')}"
            )
        self.compare_links(ex, base, again, cand, ex.base, ex.cand)
        if request.walk:
            return  # the walk judges items and order over all pages
        if not truncated and len(b_items) == len(again.get("data") or []):
            self.compare_items(ex, b_items, again.get("data") or [], c_items)

    def compare_links(
        self,
        ex: Exchange,
        base: dict[str, Any],
        again: dict[str, Any],
        cand: dict[str, Any],
        base_answer: Answer,
        cand_answer: Answer,
    ) -> None:
        for name in ("next", "previous"):
            b, g, c = _link(base, name), _link(again, name), _link(cand, name)
            if (b is None) != (g is None):
                continue
            if (b is None) != (c is None):
                if len(base.get("data") or []) == len(cand.get("data") or []):
                    self.report(
                        ex,
                        "list-next-presence-changed",
                        name,
                        f"{name} {'null' if b is None else 'a link'} -> {'null' if c is None else 'a link'}",
                        base=base_answer,
                        cand=cand_answer,
                    )
                continue
            if b is None or c is None:
                continue
            pb, pc = urlsplit(b), urlsplit(c)
            if bool(pb.netloc) != bool(pc.netloc):
                self.report(
                    ex,
                    "list-link-form-changed",
                    name,
                    f"{name} {'absolute' if pb.netloc else 'relative'} -> {'absolute' if pc.netloc else 'relative'}",
                    base=base_answer,
                    cand=cand_answer,
                )
                continue
            own_b = pb.netloc == urlsplit(str(base_answer.request.url)).netloc
            own_c = pc.netloc in (
                urlsplit(str(cand_answer.request.url)).netloc,
                urlsplit(self.origins[0]).netloc,
            )
            if pb.netloc and own_b != own_c:
                self.report(
                    ex,
                    "list-link-host-changed",
                    name,
                    f"{name} names {'the request host' if own_b else pb.netloc} -> "
                    f"{'the request host' if own_c else pc.netloc}",
                    base=base_answer,
                    cand=cand_answer,
                )
            qb = [(k, self.ids.normalise(v)) for k, v in parse_qsl(pb.query, keep_blank_values=True)]
            qc = [(k, self.ids.normalise(v)) for k, v in parse_qsl(pc.query, keep_blank_values=True)]
            if qb == qc:
                continue
            fixed = {"limit", "offset"}
            kb = {(k, v) for k, v in qb if k not in fixed}
            kc = {(k, v) for k, v in qc if k not in fixed}
            if kb - kc:
                self.report(
                    ex,
                    "list-link-params-dropped",
                    name,
                    f"{name} lost {sorted(kb - kc)}",
                    base=base_answer,
                    cand=cand_answer,
                )
            elif [k for k, _ in qb] != [k for k, _ in qc] or kc - kb:
                self.report(
                    ex,
                    "list-link-query-changed",
                    name,
                    f"{name} query {pb.query!r} -> {pc.query!r}",
                    base=base_answer,
                    cand=cand_answer,
                )

    def compare_items(self, ex: Exchange, base: list[Any], again: list[Any], cand_raw: list[Any]) -> None:
        """The same filter lists the same items; the same sort orders them the same way."""
        cand = [self.ids.normalise(str(item_key(i))) if item_key(i) else None for i in cand_raw]
        b_keys = [item_key(i) for i in base]
        g_keys = [item_key(i) for i in again]
        if None in b_keys or None in cand or sorted(b_keys) != sorted(g_keys):  # type: ignore[type-var]
            return
        request = ex.request
        b_set, c_set = set(b_keys), set(cand)
        if b_set != c_set:
            term = request.param("search")
            gone = [i for i in base if item_key(i) not in c_set]
            came = [i for i in cand_raw if self.ids.normalise(str(item_key(i))) not in b_set]
            # a case change: what went all matched only ignoring case and nothing like it stayed (or the
            # reverse for what came); items lost for another reason (a skipped page) leave such matches behind
            stayed = [i for i in cand_raw if self.ids.normalise(str(item_key(i))) in b_set]
            dropped_case = (
                bool(gone)
                and all(_case_only(term, i) for i in gone)
                and not any(_case_only(term, i) for i in stayed)
                if term
                else False
            )
            added_case = (
                bool(came)
                and all(_case_only(term, i) for i in came)
                and not any(_case_only(term, i) for i in base if item_key(i) in c_set)
                if term
                else False
            )
            if term and (dropped_case or added_case):
                self.report(
                    ex,
                    "search-case-changed",
                    "search",
                    f"search={term!r}: {len(gone)} item(s) no longer listed, {len(came)} new",
                )
                return
            if gone:
                self.report(
                    ex,
                    "list-items-removed",
                    _filter_name(request),
                    f"{len(gone)} item(s) no longer listed: {_names(gone)}",
                )
            if came:
                self.report(
                    ex,
                    "list-items-added",
                    _filter_name(request),
                    f"{len(came)} item(s) newly listed: {_names(came)}",
                )
            return
        if b_keys != g_keys or b_keys == cand:
            return
        sort = next((request.param(p) for p in SORT_PARAMS if request.param(p)), None)
        if sort is None:
            self.report(ex, "list-default-order-changed", "order", "the same items in another order")
            return
        key = sort.lstrip("-")
        by_id = {item_key(i): i for i in base}
        b_values = [_sort_value(i, key) for i in base]
        c_values = [_sort_value(by_id.get(k), key) for k in cand]
        if b_values == c_values:
            return  # ties broken differently: no order the request asked for
        if request.param("sortDirection") is None and request.param("sortKey") is not None:
            self.report(
                ex,
                "list-default-sort-direction-changed",
                f"sortKey={key}",
                "without sortDirection the items come the other way",
            )
        else:
            self.report(
                ex,
                "list-order-changed",
                f"{'orderBy' if request.param('orderBy') else 'sortKey'}={sort}",
                "the same sort orders the items differently",
            )

    def compare_walk(self, ex: Exchange) -> None:
        """A walk along `next`: every page's links, then the items over all pages."""
        for i, (b, c) in enumerate(zip(ex.base_pages, ex.cand_pages, strict=False)):
            g = ex.again_pages[i] if i < len(ex.again_pages) else b
            self.learn_ids(b.body, c.body)
            if i and all(isinstance(x.body, dict) for x in (b, g, c)):
                self.compare_links(ex, b.body, g.body, self.candidate_body(c) or {}, b, c)
        complete = all(_walk_complete(p) for p in (ex.base_pages, ex.again_pages, ex.cand_pages))
        if not complete:
            return
        items = [_items(p) for p in (ex.base_pages, ex.again_pages, ex.cand_pages)]
        self.compare_items(ex, *items)


_MISSING = object()


def _same(x: Any, y: Any) -> bool:
    return type(x) is type(y) and x == y


ID_KEY = re.compile(r"(^id$|Id$|Ids$)")
ID_TEXT = re.compile(r"\b[0-9a-f]{24}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def pair_ids(ids: IdMap, a: Any, b: Any, key: str = "") -> None:
    """Id-valued leaves at the same place of two answers for the same resource."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() & b.keys():
            pair_ids(ids, a[k], b[k], k)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for x, y in zip(a, b, strict=True):
            pair_ids(ids, x, y, key)
    elif isinstance(a, str) and isinstance(b, str) and ID_KEY.search(key) and len(a) >= 8:
        ids.add(a, b)


def pair_items(ids: IdMap, base: Iterable[Any], cand: Iterable[Any]) -> None:
    """Items matched by name (in order among equal names); their id-valued leaves paired."""
    pool: dict[str, list[Any]] = {}
    for item in cand:
        pool.setdefault(_label(item), []).append(item)
    for item in base:
        bucket = pool.get(_label(item))
        if bucket and _label(item):
            pair_ids(ids, item, bucket.pop(0))


def _label(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    for key in ("name", "label", "username", "featureName"):
        if isinstance(item.get(key), str):
            return f"{key}={item[key]}"
    return ""


def _without_ids(text: str) -> str:
    return ID_TEXT.sub("<id>", text)


def _link(body: Any, name: str) -> str | None:
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _items(pages: list[Answer]) -> list[Any]:
    out: list[Any] = []
    for page in pages:
        data = page.body.get("data") if isinstance(page.body, dict) else None
        out.extend(data if isinstance(data, list) else [])
    return out


def _walk_complete(pages: list[Answer]) -> bool:
    return (
        bool(pages)
        and all(p.status == 200 and isinstance(p.body, dict) for p in pages)
        and not _link(pages[-1].body, "next")
    )


def _case_only(term: str, item: Any) -> bool:
    """The item matches `term` ignoring case but not with it (what a case-sensitivity change adds or drops)."""
    texts = [v for v in (item.values() if isinstance(item, dict) else []) if isinstance(v, str)]
    return any(term.lower() in t.lower() and term not in t for t in texts)


def _names(items: list[Any]) -> str:
    names = [str(i.get("name") or item_key(i)) for i in items[:5] if isinstance(i, dict)]
    return ", ".join(names) + (" ..." if len(items) > 5 else "")


def _filter_name(request: Request) -> str:
    params = [f"{k}={v}" for k, v in request.query if k not in ("limit", "offset")]
    return "&".join(params) if params else "no filter"


def _sort_value(item: Any, key: str) -> Any:
    value = item.get(key) if isinstance(item, dict) else None
    return str(value).lower() if isinstance(value, str) else value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
