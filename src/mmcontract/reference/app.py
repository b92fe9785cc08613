"""The reference server's HTTP layer: a Starlette application serving the 19 documented operations.

An independent implementation of the reference page: nothing here reads the YAML contract. Routing is a
small table of path shapes; every request is authenticated first (401), then routed (404 unknown path, 405
with `Allow` for an undeclared method), then handled. Every error is JSON `{"message", "errors"?}`; an
unexpected exception becomes a JSON 500 (a defect the suite must see) instead of a dropped connection.

`--fault NAME` (see faults.py) switches on one deviation; each is a single `self.fault == ...` test at the
one place it concerns. `--variant NAME` (see variants.py) switches on legal choices where the page is silent
the same way (`"name" in self.variants`); several combine, and a fault may come on top.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette

from mmcontract.reference import queries
from mmcontract.reference.documents import (
    DEPLOYMENT_OPTIONAL,
    PACKAGE_OFF_PAGE,
    PACKAGE_OPTIONAL,
    REGISTERED_MODEL_OPTIONAL,
    build_package_doc,
    build_target,
    capability_list,
    iso,
    shape_optional,
)
from mmcontract.reference.faults import BY_NAME
from mmcontract.reference.params import (
    BODY_ERROR,
    MAX_BODY_BYTES,
    MAX_LOG_LIMIT,
    ApiError,
    Query,
    body_error,
    field,
    is_missing,
    parse_json_body,
    query_error,
    want_bool,
    want_number,
    want_string,
)
from mmcontract.reference.seed import CALLER, build_seed, features_for, leaderboard_model, logs_for
from mmcontract.reference.store import Store, dumps
from mmcontract.reference.variants import expand

log = logging.getLogger("mmcontract.reference")

DEV_TOKEN = "mmcontract-dev-token"
TOKEN_ENV = "MMCONTRACT_SERVE_TOKEN"
API_PREFIX = "/api/v2/"
PACKAGES_PATH = API_PREFIX + "modelPackages/"
# The pinned official client (datarobot 3.20) expects server 2.49 and warns when the server is older.
VERSION_BODY = b'{"major":2,"minor":49,"versionString":"2.49.0"}'
MAX_ID_LENGTH = 256
MAX_BENCH_BYTES = 16 << 20

# Request role names -> the stored (and returned) role. OBSERVER is stored as CONSUMER: the official client
# raises on OBSERVER in a response, and CONSUMER is its read-only role.
ROLE_ALIASES = {
    "OWNER": "OWNER",
    "USER": "USER",
    "OBSERVER": "CONSUMER",
    "CONSUMER": "CONSUMER",
    "EDITOR": "EDITOR",
    "READ_ONLY": "READ_ONLY",
    "READ_WRITE": "READ_WRITE",
    "NO_ROLE": "NO_ROLE",
}

# variant roles-observer-as-observer: OBSERVER is stored as OBSERVER; stored roles as listed
OBSERVER_ROLE_ALIASES = {**ROLE_ALIASES, "OBSERVER": "OBSERVER"}
LISTED_ROLE_SQL = "CASE role WHEN 'CONSUMER' THEN 'OBSERVER' WHEN 'EDITOR' THEN 'ADMIN' ELSE role END"

CLIENT_SET = {("description",)}  # optional nullable properties a client sets (PATCH registered model)

# variant uuid-ids: a 24-hex id <-> a UUID (version 8, "vendor-specific") holding its digits
_OID = re.compile(rb"(?<![0-9a-fA-F-])([0-9a-f]{12})([0-9a-f]{3})([0-9a-f]{9})(?![0-9a-fA-F-])")
_UUID = re.compile(
    rb"(?<![0-9a-fA-F-])([0-9a-f]{8})-([0-9a-f]{4})-8([0-9a-f]{3})-8([0-9a-f]{3})-([0-9a-f]{6})000000"
    rb"(?![0-9a-fA-F-])"
)


# Ids of other systems that the caller gives (a leaderboard model) are echoed as given, never re-minted.
_FOREIGN = re.compile(rb'"(?:modelId|distributionPredictionModelId)"\s*:\s*"[0-9a-f]{24}"')


def oid_to_uuid(text: bytes) -> bytes:
    def mint(m: re.Match[bytes]) -> bytes:
        return b"%s-%s-8%s-8%s-%s000000" % (m[1][:8], m[1][8:], m[2], m[3][:3], m[3][3:])

    kept = _FOREIGN.split(text)
    foreign = _FOREIGN.findall(text)
    out = [_OID.sub(mint, part) for part in kept]
    return b"".join(x for pair in zip(out, [*foreign, b""], strict=True) for x in pair)


def uuid_to_oid(text: bytes) -> bytes:
    return _UUID.sub(lambda m: m[1] + m[2] + m[3] + m[4] + m[5], text)


Headers = list[tuple[bytes, bytes]]


class Reply:
    __slots__ = ("body", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "application/json",
        headers: Headers | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.headers: Headers = list(headers or [])
        if content_type is not None and status != 204:
            self.headers.append((b"content-type", content_type.encode()))


def json_reply(status: int, doc: Any) -> Reply:
    return Reply(status, dumps(doc).encode())


def error_reply(error: ApiError) -> Reply:
    return json_reply(error.status, error.body())


class Req:
    """What a handler needs of one request."""

    __slots__ = ("_query", "args", "headers", "method", "path", "receive", "scope", "variants")

    def __init__(
        self, scope: dict[str, Any], receive: Any, args: list[str], variants: frozenset[str] = frozenset()
    ) -> None:
        self.scope = scope
        self.variants = variants
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.args = args
        self.headers: dict[bytes, bytes] = dict(scope["headers"])
        self._query: Query | None = None

    @property
    def query(self) -> Query:
        if self._query is None:
            self._query = Query(self.scope.get("query_string", b""), self.variants)
        return self._query

    def base_url(self) -> str:
        scheme = self.scope.get("scheme", "http")
        host = self.headers.get(b"host")
        server = self.scope.get("server")
        if "links-server-address" in self.variants and server and server[0] not in ("0.0.0.0", "::"):
            netloc = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
        elif host:
            netloc = host.decode("latin-1")
        else:
            server = self.scope.get("server") or ("127.0.0.1", 80)
            netloc = f"{server[0]}:{server[1]}"
        return f"{scheme}://{netloc}{self.scope.get('root_path', '')}{self.path}"

    async def body(self) -> bytes:
        too_large = 422 if "oversize-body-422" in self.variants else 413
        length = self.headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise ApiError(
                too_large, f"Request body larger than {MAX_BODY_BYTES} bytes", {"body": "too large"}
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ApiError(
                    too_large, f"Request body larger than {MAX_BODY_BYTES} bytes", {"body": "too large"}
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        return uuid_to_oid(body) if "uuid-ids" in self.variants else body

    async def json(self, *, required: bool) -> Any:
        content_type = self.headers.get(b"content-type")
        if "content-type-lenient" in self.variants:
            content_type = b"application/json"
        return parse_json_body(
            await self.body(), content_type.decode("latin-1") if content_type else None, required=required
        )


Handler = Callable[[Req], Awaitable[Reply]]


class ReferenceApi:
    """The ASGI application every request reaches (the Starlette router's default); one per server."""

    def __init__(
        self, store: Store, token: str, fault: str | None, variants: frozenset[str] = frozenset()
    ) -> None:
        self.store = store
        self.fault = fault
        self.variants = variants
        token_bytes = token.encode()
        self._credentials: tuple[bytes, ...] = (b"bearer " + token_bytes, b"token " + token_bytes)
        if "token-bearer-only" in variants:
            self._credentials = self._credentials[:1]
        self._bench_cache: dict[int, bytes] = {}
        self._routes = self._route_table()

    # ---- ASGI entry ---------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if "uuid-ids" in self.variants:
            scope = dict(scope)
            scope["path"] = uuid_to_oid(scope["path"].encode()).decode()
            scope["query_string"] = uuid_to_oid(scope.get("query_string", b""))
        try:
            reply = await self._dispatch(scope, receive)
        except ApiError as error:
            reply = error_reply(error)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            reply = json_reply(500, {"message": "Internal server error"})
        if self.variants:
            self._vary(reply, scope["path"])
        body = b"" if scope["method"] == "HEAD" else reply.body
        headers = reply.headers
        if reply.status != 204:
            headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _vary(self, reply: Reply, path: str) -> None:
        """The variants that act on every response: error bodies, extra properties and header, UUID ids."""
        variants = self.variants
        # GET /modelPackages/ documents 400 "Request invalid": it keeps it
        if reply.status == 400 and "bad-query-422" in variants and path.rstrip("/") + "/" != PACKAGES_PATH:
            reply.status = 422
        json_body = any(k == b"content-type" and v == b"application/json" for k, v in reply.headers)
        if 400 <= reply.status < 500 and json_body and variants & {"error-body-plain", "error-body-text"}:
            doc = json.loads(reply.body)
            other = [(k, v) for k, v in reply.headers if k != b"content-type"]
            if "error-body-text" in variants:
                reply.body = f"{reply.status} {doc['message']}\n".encode()
                reply.headers = [*other, (b"content-type", b"text/plain; charset=utf-8")]
                json_body = False
            else:
                reply.body = dumps({"error": doc["message"], "detail": doc.get("errors") or {}}).encode()
        if "extra-properties" in variants:
            reply.headers.append((b"x-vendor-trace", b"mmcontract-reference"))
            if json_body and reply.body:
                reply.body = dumps(_with_vendor(json.loads(reply.body))).encode()
        if "uuid-ids" in variants:
            reply.body = oid_to_uuid(reply.body)
            reply.headers = [(k, oid_to_uuid(v) if k == b"location" else v) for k, v in reply.headers]

    async def _dispatch(self, scope: dict[str, Any], receive: Any) -> Reply:
        path: str = scope["path"]
        method: str = scope["method"]
        if not self._authorised(scope, method, path):
            return Reply(
                401,
                b'{"message":"Missing or invalid credentials: send Authorization: Bearer <token>"}',
                headers=[(b"www-authenticate", b'Bearer realm="api"')],
            )
        if not path.startswith(API_PREFIX):
            return json_reply(404, {"message": f"Not found: {path[:200]}"})
        route = self._match(path[len(API_PREFIX) :])
        if route is None and "no-trailing-slash-served" in self.variants and not path.endswith("/"):
            route = self._match(path[len(API_PREFIX) :] + "/")
        if route is None:
            return json_reply(404, {"message": f"Not found: {path[:200]}"})
        handlers, args = route
        handler = handlers.get("GET" if method == "HEAD" else method)
        if handler is None and "unknown-method-404" in self.variants:
            return json_reply(404, {"message": f"Not found: {method} {path[:200]}"})
        if handler is None:
            allowed = ", ".join(sorted([*handlers, *(["HEAD"] if "GET" in handlers else [])]))
            return Reply(
                405,
                dumps({"message": f"Method {method} not allowed; allowed: {allowed}"}).encode(),
                headers=[(b"allow", allowed.encode())],
            )
        if self.fault == "robust-500-long-path-id" and any(len(arg) > 64 for arg in args):
            raise ValueError("id does not fit the 64-character column")  # the injected defect: a crash
        for arg in args:
            if len(arg) > MAX_ID_LENGTH:
                return json_reply(404, {"message": "Not found: id too long", "errors": {"id": "unknown id"}})
        return await handler(Req(scope, receive, args, self.variants))

    def _authorised(self, scope: dict[str, Any], method: str, path: str) -> bool:
        value = None
        for key, header in scope["headers"]:
            if key == b"authorization":
                value = header
                break
        if value is None:
            return (
                self.fault == "auth-missing-token-accepted"
                and method == "GET"
                and path == API_PREFIX + "registeredModels/"
            )
        scheme, _, credential = value.partition(b" ")
        normalised = scheme.lower() + b" " + credential.strip()
        if self.fault == "auth-wrong-token-accepted":
            return scheme.lower() in (b"bearer", b"token") and bool(credential.strip())
        return any(hmac.compare_digest(normalised, expected) for expected in self._credentials)

    # ---- routing ------------------------------------------------------------------------------------
    def _route_table(self) -> dict[str, dict[str, Handler]]:
        """Path shapes (`*` is one id segment) -> {method: handler}."""
        off_page: dict[str, dict[str, Handler]] = {
            "version/": {"GET": self.get_version},
            "_bench/constant/": {"GET": self.bench_constant},
            "_bench/constant": {"GET": self.bench_constant},
        }
        return {
            **({} if "page-routes-only" in self.variants else off_page),
            "modelPackages/": {"GET": self.list_model_packages},
            "modelPackages/fromLeaderboard/": {"POST": self.create_from_leaderboard},
            "modelPackages/fromLearningModel/": {"POST": self.create_from_learning_model},
            "modelPackages/*/": {"GET": self.get_model_package},
            "modelPackages/*/archive/": {"POST": self.archive_model_package},
            "modelPackages/*/capabilities/": {"GET": self.get_capabilities},
            "modelPackages/*/features/": {"GET": self.list_features},
            "modelPackages/*/modelLogs/": {"GET": self.list_model_logs},
            "modelPackages/*/sharedRoles/": {"GET": self.list_package_shared_roles},
            "registeredModels/": {"GET": self.list_registered_models},
            "registeredModels/*/": {
                "GET": self.get_registered_model,
                "PATCH": self.update_registered_model,
                "DELETE": self.delete_registered_model,
            },
            "registeredModels/*/deployments/": {"GET": self.list_registered_model_deployments},
            "registeredModels/*/sharedRoles/": {
                "GET": self.list_registered_model_shared_roles,
                "PATCH": self.update_shared_roles,
            },
            "registeredModels/*/versions/": {"GET": self.list_versions},
            "registeredModels/*/versions/*/": {"GET": self.get_version_of_model},
            "registeredModels/*/versions/*/deployments/": {"GET": self.list_version_deployments},
        }

    def _match(self, rest: str) -> tuple[dict[str, Handler], list[str]] | None:
        # a literal `*` in an id segment is an id, never the table's wildcard
        handlers = self._routes.get(rest) if "*" not in rest else None
        if handlers is not None:
            return handlers, []
        segments = rest.split("/")
        if len(segments) < 3 or segments[-1] != "":
            return None
        args: list[str] = []
        shape: list[str] = []
        for index, segment in enumerate(segments[:-1]):
            if index % 2 == 1 and not (index == 1 and segment in ("fromLeaderboard", "fromLearningModel")):
                if not segment:
                    return None
                args.append(segment)
                shape.append("*")
            else:
                shape.append(segment)
        handlers = self._routes.get("/".join(shape) + "/")
        return (handlers, args) if handlers is not None else None

    # ---- shared helpers -----------------------------------------------------------------------------
    def _list_reply(
        self,
        req: Req,
        total: int,
        docs: Sequence[str],
        offset: int,
        limit: int,
        *,
        count_offset: int = 0,
        count_required: bool = False,
    ) -> Reply:
        """count/data/next/previous/totalCount with absolute links carrying every filter and sort."""
        fault = self.fault
        base = req.base_url()
        if fault == "page-next-relative" or (count_required and "sharing-links-relative" in self.variants):
            base = req.path
        if fault == "page-next-drops-filter":
            kept: list[tuple[str, str]] = []
        else:
            kept = [(k, v) for k, v in req.query.pairs if k not in ("offset", "limit")]
        reordered = "links-query-order" in self.variants

        def link(at: int) -> str:
            if reordered:  # limit and offset first, then the filters, then the effective default direction
                names = {k for k, _ in kept}
                explicit = []
                if "sortKey" in names and "sortDirection" not in names:
                    explicit = [("sortDirection", "desc" if "sort-default-desc" in self.variants else "asc")]
                pairs = [("limit", str(limit)), ("offset", str(at)), *kept, *explicit]
                return f"{base}?{urlencode(pairs)}"
            return f"{base}?{urlencode([*kept, ('offset', str(at)), ('limit', str(limit))])}"

        has_next = offset + limit < total
        next_url = link(offset + limit) if has_next or fault == "page-next-last-not-null" else None
        previous_url = link(max(0, offset - limit)) if offset > 0 else None
        if limit == 0:  # limit-zero-empty: an empty page has no neighbours
            next_url = previous_url = None
        total_count = len(docs) if fault == "page-total-page-local" else total
        # count is Required false on every list but the sharing lists (SharingListV2Response)
        omit_count = "omit-optional" in self.variants and not count_required
        count = "" if omit_count else f'"count":{len(docs) + count_offset},'
        body = (
            f'{{{count}"data":[{",".join(docs)}],'
            f'"next":{dumps(next_url)},"previous":{dumps(previous_url)},"totalCount":{total_count}}}'
        )
        return Reply(200, body.encode())

    def _page(
        self,
        table: str,
        clauses: queries.Clauses,
        order: str,
        offset: int,
        limit: int | None,
        select: str = "doc",
    ) -> tuple[int, list[str]]:
        skip = offset + 1 if self.fault == "page-offset-skip" and offset > 0 else offset
        return self.store.page(table, clauses.sql(), clauses.params, order, skip, limit, select)

    def _package_docs(self, docs: list[str]) -> list[str]:
        """Model package bodies as served (the response-schema faults and variants of packages act here)."""
        shaped = self.variants & {"omit-optional", "null-optional-nullable", "package-page-properties-only"}
        if self.fault not in ("schema-wrong-type", "schema-bad-enum") and not shaped:
            return docs
        out = []
        for text in docs:
            doc = json.loads(text)
            if self.fault == "schema-wrong-type":
                doc["activeDeploymentCount"] = str(doc["activeDeploymentCount"])
            elif self.fault == "schema-bad-enum":
                doc["buildStatus"] = "done"
            self._shape(doc, PACKAGE_OPTIONAL)
            if "package-page-properties-only" in self.variants:
                for key in PACKAGE_OFF_PAGE:
                    doc.pop(key, None)
            out.append(dumps(doc))
        return out

    def _shape(self, doc: dict[str, Any], optional: dict[tuple[str, ...], bool]) -> None:
        """The variants null-optional-nullable and omit-optional on one document."""
        if "null-optional-nullable" in self.variants:
            # what a PATCH sets is stored and served; the rest is not tracked and served as null
            untracked = {path: nullable for path, nullable in optional.items() if path not in CLIENT_SET}
            shape_optional(doc, untracked, omit=False)
        if "omit-optional" in self.variants:
            shape_optional(doc, optional, omit=True)

    def _deployment_docs(self, docs: list[str], *, faulty: bool = False) -> list[str]:
        if not faulty and not self.variants & {"omit-optional", "null-optional-nullable"}:
            return docs
        out = []
        for text in docs:
            doc = json.loads(text)
            if faulty and self.fault == "item-deployments-missing-required":
                doc.pop("status", None)
            elif faulty:  # item-version-deployments-wrong-type
                doc["registeredModelVersion"] = str(doc["registeredModelVersion"])
            self._shape(doc, DEPLOYMENT_OPTIONAL)
            out.append(dumps(doc))
        return out

    def _rm_docs(self, docs: list[str]) -> list[str]:
        """Registered model bodies as served (the response-schema faults and variants act here)."""
        shaped = self.variants & {"omit-optional", "null-optional-nullable"}
        if self.fault not in ("schema-null-not-nullable", "schema-bad-datetime") and not shaped:
            return docs
        out = []
        for text in docs:
            doc = json.loads(text)
            if self.fault == "schema-null-not-nullable":
                doc["name"] = None
            elif self.fault == "schema-bad-datetime":
                doc["createdAt"] = "24/08/2019"
            self._shape(doc, REGISTERED_MODEL_OPTIONAL)
            out.append(dumps(doc))
        return out

    def _require_rm(self, rm_id: str) -> str:
        doc = self.store.registered_model_doc(rm_id)
        if doc is None:
            status = 410 if self.fault == "status-missing-410" else 404
            raise ApiError(
                status, f"Registered model {rm_id[:64]!r} not found", {"registeredModelId": "unknown id"}
            )
        return doc

    def _require_package(self, package_id: str) -> str:
        doc = self.store.package_doc(package_id)
        if doc is None:
            raise ApiError(
                404, f"Model package {package_id[:64]!r} not found", {"modelPackageId": "unknown id"}
            )
        return doc

    def _require_version(self, rm_id: str, version_id: str, *, any_model: bool) -> dict[str, Any]:
        self._require_rm(rm_id)
        row = self.store.package_row(version_id)
        if row is None or (row["rm_id"] != rm_id and not any_model):
            raise ApiError(
                404,
                f"Version {version_id[:64]!r} not found in registered model {rm_id[:64]!r}",
                {"versionId": "unknown id for this registered model"},
            )
        return row

    # ---- handlers: misc -----------------------------------------------------------------------------
    async def get_version(self, req: Req) -> Reply:
        return Reply(200, VERSION_BODY)

    async def bench_constant(self, req: Req) -> Reply:
        """Benchmark control only: a constant JSON body of exactly `size` bytes (default 1024)."""
        size = req.query.integer("size", 1024, maximum=MAX_BENCH_BYTES)
        if size < 12:
            raise query_error("size", "must be >= 12")
        body = self._bench_cache.get(size)
        if body is None:
            body = b'{"data":"' + b"x" * (size - 11) + b'"}'
            self._bench_cache[size] = body
        return Reply(200, body)

    # ---- handlers: model packages -------------------------------------------------------------------
    async def list_model_packages(self, req: Req) -> Reply:
        q = req.query
        offset, limit = q.page(documented_400=True)
        clauses, order = queries.model_packages(q, self.store, fault=self.fault, variants=self.variants)
        page_limit = None if self.fault == "page-limit-ignored" else limit
        total, docs = self._page("packages", clauses, order, offset, page_limit)
        return self._list_reply(req, total, self._package_docs(docs), offset, limit)

    async def get_model_package(self, req: Req) -> Reply:
        doc = self._require_package(req.args[0])
        return Reply(200, self._package_docs([doc])[0].encode())

    async def archive_model_package(self, req: Req) -> Reply:
        package_id = req.args[0]
        self._require_package(package_id)
        if self.fault != "write-archive-noop":
            self.store.archive_package(package_id)
        if self.fault == "status-archive-200":
            return Reply(200, self._package_docs([self._require_package(package_id)])[0].encode())
        return Reply(204, content_type=None)

    async def get_capabilities(self, req: Req) -> Reply:
        doc = json.loads(self._require_package(req.args[0]))
        body = dumps({"data": capability_list(doc["capabilities"])}).encode()
        if self.fault == "content-type-missing":
            return Reply(200, body, content_type=None)
        return Reply(200, body)

    async def list_features(self, req: Req) -> Reply:
        package_id = req.args[0]
        self._require_package(package_id)
        q = req.query
        offset, limit = q.page(default_limit=0)  # the page: limit "defaults to 0" (no explicit limit)
        clauses, order = queries.features(q, package_id, fault=self.fault)
        total, docs = self._page("features", clauses, order, offset, limit)
        if self.fault == "item-features-wrong-type":
            docs = [dumps({**(f := json.loads(doc)), "importance": str(f["importance"])}) for doc in docs]
        return self._list_reply(req, total, docs, offset, limit)

    async def list_model_logs(self, req: Req) -> Reply:
        package_id = req.args[0]
        self._require_package(package_id)
        offset, limit = req.query.page(maximum=MAX_LOG_LIMIT)
        clauses = queries.Clauses()
        clauses.add("package_id = ?", package_id)
        order = "pos DESC" if "order-newest-first" in self.variants else "pos ASC"
        served = None if self.fault == "item-model-logs-over-max" else limit
        total, docs = self._page("model_logs", clauses, order, offset, served)
        return self._list_reply(req, total, docs, offset, limit)

    async def list_package_shared_roles(self, req: Req) -> Reply:
        package_doc = json.loads(self._require_package(req.args[0]))
        # a package of no registered model (variant no-registered-model-name) keeps its grants under its id
        return self._shared_roles_reply(
            req,
            package_doc["registeredModelId"] or package_doc["id"],
            faulty=self.fault == "item-package-shared-roles-missing-required",
        )

    def _shared_roles_reply(self, req: Req, rm_id: str, *, faulty: bool = False) -> Reply:
        q = req.query
        offset, limit = q.page()
        where, params = queries.shared_roles(q)
        clauses = queries.Clauses()
        clauses.add("rm_id = ?", rm_id)
        if where:
            clauses.add(where, *params)
        role = LISTED_ROLE_SQL if "roles-observer-as-observer" in self.variants else "role"
        total, docs = self._page(
            "shared_roles",
            clauses,
            "seq DESC" if queries.unsorted(q, self.variants) else "seq ASC",
            offset,
            limit,
            select=f"json_object('id', recipient_id, 'name', name, 'role', {role}, 'shareRecipientType', type)",
        )
        if faulty and self.fault == "item-shared-roles-bad-enum":
            docs = [dumps({**json.loads(doc), "shareRecipientType": "USER"}) for doc in docs]
        elif faulty:  # item-package-shared-roles-missing-required
            docs = [dumps({k: v for k, v in json.loads(doc).items() if k != "name"}) for doc in docs]
        return self._list_reply(req, total, docs, offset, limit, count_required=True)

    async def create_from_leaderboard(self, req: Req) -> Reply:
        if self.fault == "reject-create-name-null":
            raw = await req.body()
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if isinstance(body, dict) and "name" in body and body["name"] is None:
                raise ApiError(422, "Unable to process the Model Package creation request", {"name": "null"})
            req.receive = _replay(raw)
        doc = await self._create_package(req)
        return self._created(req, 200 if self.fault == "status-create-200" else 202, doc)

    async def create_from_learning_model(self, req: Req) -> Reply:
        return self._created(req, 201, await self._create_package(req))

    def _created(self, req: Req, status: int, doc: str) -> Reply:
        """The package document, or (variants) {"id"} only, or no body and a Location header."""
        if "create-empty-body" in self.variants:
            package_id = json.loads(doc)["id"]
            location = req.base_url().split(API_PREFIX)[0] + f"{API_PREFIX}modelPackages/{package_id}/"
            return Reply(status, content_type=None, headers=[(b"location", location.encode())])
        if "create-202-id-only" in self.variants:
            return json_reply(status, {"id": json.loads(doc)["id"]})
        return Reply(status, self._package_docs([doc])[0].encode())

    async def _create_package(self, req: Req) -> str:
        """Both create operations. An unknown modelId or registeredModelId is 404 (the page documents 404 for
        fromLearningModel and only 422 for fromLeaderboard; one answer for both keeps a valid-looking request
        from being "rejected")."""
        body = await req.json(required=True)
        if not isinstance(body, dict):
            raise body_error("body", "expected a JSON object")
        model_id = field(body, "modelId")
        if is_missing(model_id):
            raise body_error("modelId", "required")
        model_id = want_string("modelId", model_id)
        name = self._optional(body, "name", nullable=True, max_length=1024)
        description = self._optional(body, "description", nullable=True, max_length=2048)
        self._optional(body, "distributionPredictionModelId", nullable=True)
        threshold = field(body, "predictionThreshold")
        if not is_missing(threshold):
            if self.fault == "validation-bounds-ignored":
                threshold = want_number("predictionThreshold", threshold)
            else:
                threshold = want_number("predictionThreshold", threshold, minimum=0, maximum=1)
        else:
            threshold = None
        if not is_missing(field(body, "computeAllTsIntervals")):
            want_bool("computeAllTsIntervals", body["computeAllTsIntervals"], nullable=True)
        standalone = "no-registered-model-name" in self.variants
        if standalone:  # off-page fields: ignored
            rm_name = rm_id = rm_description = None
        else:
            rm_name = self._optional(body, "registeredModelName", nullable=True, max_length=1024)
            rm_id = self._optional(body, "registeredModelId", nullable=True)
            rm_description = self._optional(
                body, "registeredModelDescription", nullable=True, max_length=2048
            )
        if rm_name is not None and rm_id is not None:
            raise ApiError(
                BODY_ERROR,
                "registeredModelName and registeredModelId are mutually exclusive",
                {"registeredModelId": "give either registeredModelName or registeredModelId"},
            )
        tags = [] if standalone else self._tags(body, "tags")
        if not standalone:
            self._tags(body, "registeredModelTags")
        model = self.store.leaderboard_model(model_id) if model_id else None
        if model is None:
            raise ApiError(
                404,
                f"Leaderboard model {model_id[:64]!r} not found",
                {"modelId": "unknown leaderboard model"},
            )
        target = build_target(model["targetType"], model["targetName"], model["classNames"], threshold)
        package_name = name or model["modelName"]
        project = model["project"]

        def build(
            package_id: str, registered_model_id: str, version: int, created_ts: float
        ) -> dict[str, Any]:
            return build_package_doc(
                package_id=package_id,
                name=package_name,
                model_id=model_id,
                registered_model_id=registered_model_id,
                version=version,
                execution_type="dedicated",
                build_status="complete",
                stage="Registered",
                target=target,
                model_kind=model.get("modelKind") or {},
                model_name=model["modelName"],
                description=description,
                creator=CALLER,
                created_ts=created_ts,
                project=project,
                timeseries=model.get("timeseries"),
                tags=[{"id": f"{package_id[:16]}{i:08x}", **tag} for i, tag in enumerate(tags)],
                scoring_code_location=None if model.get("timeseries") else "local_leaderboard",
            )

        doc, problem = self.store.create_package(
            build,
            rm_id=rm_id,
            rm_name=rm_name or package_name,
            rm_description=rm_description or "",
            creator=CALLER,
            target=target,
            features=features_for(len(model_id), model["targetName"]),
            logs=logs_for(1, time.time(), 3),
            standalone=standalone,
        )
        if doc is None:
            if problem == "unknown":
                raise ApiError(
                    404,
                    f"Registered model {rm_id!r} not found",
                    {"registeredModelId": "unknown registered model"},
                )
            messages = {
                "archived": "the registered model is archived",
                "target": "the registered model has another target",
            }
            raise body_error("registeredModelId", messages[problem])
        return doc

    @staticmethod
    def _optional(
        body: dict[str, Any], name: str, *, nullable: bool, max_length: int | None = None
    ) -> str | None:
        value = field(body, name)
        if is_missing(value):
            return None
        return want_string(name, value, nullable=nullable, max_length=max_length)

    @staticmethod
    def _tags(body: dict[str, Any], name: str) -> list[dict[str, str]]:
        value = field(body, name)
        if is_missing(value) or value is None:
            return []
        if not isinstance(value, list):
            raise body_error(name, "expected an array of {name, value} objects")
        tags = []
        for index, tag in enumerate(value):
            if (
                not isinstance(tag, dict)
                or not isinstance(tag.get("name"), str)
                or not isinstance(tag.get("value"), str)
            ):
                raise body_error(f"{name}[{index}]", "expected an object with string name and value")
            tags.append({"name": tag["name"], "value": tag["value"]})
        return tags

    # ---- handlers: registered models ----------------------------------------------------------------
    async def list_registered_models(self, req: Req) -> Reply:
        q = req.query
        if self.fault == "robust-500-negative-offset":
            raw = q.raw("offset")
            if raw is not None and raw.startswith("-") and raw[1:].isdigit() and int(raw) < 0:
                raise ValueError(f"negative offset {raw}")  # the injected defect: an unhandled crash
        if self.fault == "robust-500-search-percent" and "%" in (q.raw("search") or ""):
            raise ValueError("unsupported format character in the search template")  # the injected defect
        if self.fault == "reject-valid-sort-desc" and q.raw("sortDirection") == "desc":
            raise ApiError(422, "Invalid sortDirection", {"sortDirection": "'desc' is not accepted"})
        offset, limit = q.page()
        clauses, order = queries.registered_models(q, self.store, fault=self.fault, variants=self.variants)
        total, docs = self._page("registered_models", clauses, order, offset, limit)
        reply = self._list_reply(
            req,
            total,
            self._rm_docs(docs),
            offset,
            limit,
            count_offset=1 if self.fault == "page-count-mismatch" else 0,
        )
        if self.fault == "content-type-text":
            reply.headers = [(b"content-type", b"text/plain")]
        return reply

    async def get_registered_model(self, req: Req) -> Reply:
        doc = self._rm_docs([self._require_rm(req.args[0])])[0]
        if self.fault == "schema-missing-required":
            parsed = json.loads(doc)
            del parsed["createdBy"]
            doc = dumps(parsed)
        return Reply(200, doc.encode())

    async def update_registered_model(self, req: Req) -> Reply:
        rm_id = req.args[0]
        self._require_rm(rm_id)
        body = await req.json(required=True)
        if not isinstance(body, dict):
            raise body_error("body", "expected a JSON object")
        changes: dict[str, Any] = {}
        max_name = None if self.fault == "validation-maxlength-ignored" else 1024
        if not is_missing(field(body, "name")):
            changes["name"] = want_string("name", body["name"], max_length=max_name)
            if not changes["name"]:
                raise body_error("name", "must not be empty")
        if not is_missing(field(body, "description")):
            changes["description"] = want_string("description", body["description"], max_length=2048)
        if not is_missing(field(body, "isGlobal")):
            changes["isGlobal"] = want_bool("isGlobal", body["isGlobal"])
        if self.fault == "write-lost-update":
            doc = await self._update_without_transaction(rm_id, changes)
        else:
            doc = self.store.update_registered_model(
                rm_id, changes, CALLER, persist=self.fault != "write-patch-not-persisted"
            )
        if doc is None:  # archived-and-gone cannot happen (nothing deletes rows), but never answer 200 empty
            raise ApiError(
                404, f"Registered model {rm_id[:64]!r} not found", {"registeredModelId": "unknown id"}
            )
        if "patch-200-empty" in self.variants:
            return Reply(200, content_type=None)
        return Reply(200, self._rm_docs([doc])[0].encode())

    async def _update_without_transaction(self, rm_id: str, changes: dict[str, Any]) -> str | None:
        """The defect of write-lost-update: read the document, let other requests run, write it all back."""
        text = self.store.registered_model_doc(rm_id)
        if text is None:
            return None
        doc = json.loads(text)
        await asyncio.sleep(0.002)  # another PATCH reads the same old document meanwhile
        if changes:
            doc.update(changes)
            doc["modifiedAt"] = iso(time.time())
            text = dumps(doc)
            self.store.replace_registered_model(rm_id, text)
        return text

    async def delete_registered_model(self, req: Req) -> Reply:
        rm_id = req.args[0]
        self._require_rm(rm_id)
        self.store.archive_registered_model(
            rm_id, CALLER, with_versions=self.fault != "write-delete-keeps-versions"
        )
        if self.fault == "status-delete-200":
            return Reply(200, self._rm_docs([self._require_rm(rm_id)])[0].encode())
        return Reply(204, content_type=None)

    async def list_registered_model_deployments(self, req: Req) -> Reply:
        rm_id = req.args[0]
        self._require_rm(rm_id)
        q = req.query
        offset, limit = q.page()
        clauses, order = queries.deployments(q, rm_id=rm_id, package_id=None, variants=self.variants)
        total, docs = self._page("deployments", clauses, order, offset, limit)
        docs = self._deployment_docs(docs, faulty=self.fault == "item-deployments-missing-required")
        return self._list_reply(req, total, docs, offset, limit)

    async def list_registered_model_shared_roles(self, req: Req) -> Reply:
        rm_id = req.args[0]
        self._require_rm(rm_id)
        return self._shared_roles_reply(req, rm_id, faulty=self.fault == "item-shared-roles-bad-enum")

    async def update_shared_roles(self, req: Req) -> Reply:
        rm_id = req.args[0]
        self._require_rm(rm_id)
        body = await req.json(required=True)
        if not isinstance(body, dict):
            raise body_error("body", "expected a JSON object")
        operation = field(body, "operation")
        if is_missing(operation):
            raise body_error("operation", "required")
        if operation != "updateRoles":
            raise body_error("operation", "must be 'updateRoles'")
        roles = field(body, "roles")
        if is_missing(roles):
            raise body_error("roles", "required")
        if not isinstance(roles, list):
            raise body_error("roles", "expected an array of grants")
        if not 1 <= len(roles) <= 100:
            raise body_error("roles", f"expected 1 to 100 grants, got {len(roles)}")
        grants: list[tuple[str, str, str, str]] = []
        for index, grant in enumerate(roles):
            resolved = self._grant(index, grant)
            if resolved is not None:
                grants.append(resolved)
        ok = self.store.update_roles(
            rm_id,
            grants,
            require_owner=self.fault != "write-sharing-no-owner-allowed",
            persist=self.fault != "write-sharing-invisible",
        )
        if not ok:
            raise ApiError(
                409,
                "The request would leave the registered model without an owner",
                {"roles": "at least one OWNER must remain"},
            )
        return Reply(204, content_type=None)

    def _grant(self, index: int, grant: Any) -> tuple[str, str, str, str] | None:
        """(type, id, name, stored role) of one grant; None for an unknown user under the fault that
        accepts them."""
        where = f"roles[{index}]"
        if not isinstance(grant, dict):
            raise body_error(where, "expected an object")
        role = grant.get("role")
        if is_missing(field(grant, "role")):
            raise body_error(f"{where}.role", "required")
        if not isinstance(role, str) or role not in ROLE_ALIASES:
            raise body_error(f"{where}.role", f"expected one of {', '.join(ROLE_ALIASES)}")
        if is_missing(field(grant, "shareRecipientType")):
            raise body_error(f"{where}.shareRecipientType", "required")
        rtype = grant["shareRecipientType"]
        if not isinstance(rtype, str) or rtype not in queries.RECIPIENT_TYPES:
            raise body_error(f"{where}.shareRecipientType", "expected one of user, group, organization")
        if "canShare" in grant:
            want_bool(f"{where}.canShare", grant["canShare"], nullable=True)
        username, rid = grant.get("username"), grant.get("id")
        if username is None and rid is None:
            raise body_error(where, "give username or id")
        found_by_name = found_by_id = None
        if username is not None:
            want_string(f"{where}.username", username)
            found_by_name = self.store.recipient(rtype, name=username)
        if rid is not None:
            want_string(f"{where}.id", rid)
            found_by_id = self.store.recipient(rtype, rid=rid)
        found = found_by_id or found_by_name
        unknown = (username is not None and found_by_name is None) or (
            rid is not None and found_by_id is None
        )
        if unknown or found is None:
            if self.fault == "write-sharing-unknown-user-accepted":
                return None
            key = f"{where}.username" if username is not None and found_by_name is None else f"{where}.id"
            raise body_error(key, f"no such {rtype}")
        if found_by_id and found_by_name and found_by_id != found_by_name:
            raise body_error(where, "username and id name different recipients")
        aliases = OBSERVER_ROLE_ALIASES if "roles-observer-as-observer" in self.variants else ROLE_ALIASES
        return rtype, found[0], found[1], aliases[role]

    async def list_versions(self, req: Req) -> Reply:
        rm_id = req.args[0]
        self._require_rm(rm_id)
        q = req.query
        offset, limit = q.page()
        clauses, order = queries.versions(q, self.store, rm_id, self.variants)
        total, docs = self._page("packages", clauses, order, offset, limit)
        docs = self._package_docs(docs)
        if self.fault == "item-versions-bad-enum":
            docs = [dumps({**json.loads(doc), "modelExecutionType": "leaderboard"}) for doc in docs]
        return self._list_reply(req, total, docs, offset, limit)

    async def get_version_of_model(self, req: Req) -> Reply:
        row = self._require_version(
            req.args[0], req.args[1], any_model=self.fault == "isolation-version-any-model"
        )
        return Reply(200, self._package_docs([row["doc"]])[0].encode())

    async def list_version_deployments(self, req: Req) -> Reply:
        any_model = self.fault == "isolation-deployments-any-model"
        row = self._require_version(req.args[0], req.args[1], any_model=any_model)
        q = req.query
        offset, limit = q.page()
        clauses, order = queries.deployments(
            q, rm_id=None if any_model else req.args[0], package_id=row["id"], variants=self.variants
        )
        total, docs = self._page("deployments", clauses, order, offset, limit)
        docs = self._deployment_docs(docs, faulty=self.fault == "item-version-deployments-wrong-type")
        return self._list_reply(req, total, docs, offset, limit)


def create_app(
    db: str = ":memory:",
    token: str | None = None,
    fault: str | None = None,
    seed: bool = True,
    leaderboard_model_ids: Sequence[str] = (),
    variants: frozenset[str] = frozenset(),
) -> Starlette:
    """The reference server as an ASGI app (tests drive it in-process with httpx.ASGITransport).

    token: None reads MMCONTRACT_SERVE_TOKEN, else the documented development token `mmcontract-dev-token`.
    variants: names from variants.py (`literal` stands for the variants it includes); ValueError if unknown.
    """
    if fault is not None and fault not in BY_NAME:
        raise ValueError(f"unknown fault {fault!r}")
    in_effect = expand(variants)
    if token is None:
        token = os.environ.get(TOKEN_ENV) or DEV_TOKEN
    store = Store(db)
    extra = [leaderboard_model(model_id) for model_id in leaderboard_model_ids]
    store.load_seed(build_seed(with_registry=seed), extra)
    if fault == "write-ack-before-commit":
        store.defer_commits()
    api = ReferenceApi(store, token, fault, in_effect)
    # Every request goes to the API's own router: Starlette's path patterns ('.' does not match a newline)
    # would answer a percent-encoded %0A in an id with a text/plain 404.
    app = Starlette()
    app.router.default = api
    app.state.api = api
    app.state.store = store
    return app


def _replay(body: bytes) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An ASGI receive that hands `body` over again (a handler that read the body passes it on)."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _with_vendor(value: Any) -> Any:
    """Variant extra-properties: every object gains "x-vendor"."""
    if isinstance(value, dict):
        return {**{k: _with_vendor(v) for k, v in value.items()}, "x-vendor": {"source": "mmcontract"}}
    if isinstance(value, list):
        return [_with_vendor(v) for v in value]
    return value


__all__ = ["DEV_TOKEN", "TOKEN_ENV", "ReferenceApi", "create_app"]
