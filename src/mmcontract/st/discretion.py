"""Server discretion over free-form query values (ST202 / ST103).

The page leaves maximum page sizes and value ranges of free-form filters to the server ("default and maximum
page size ... a correct server may differ"). So a positive case rejected with 400/422 is only an alarm when the
server also rejects the same request with its free values tamed: optional unbounded numbers and free strings
dropped, required ones set to a plain value. The re-send is one extra request per suspected failure, through
the suite's own client (429 waited out, counted), and only a 2xx answer to it excuses the rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from mmcontract.st.lenience import resolve
from mmcontract.target.operations import operations

DISCRETION_STATUSES = frozenset({400, 422})
TAME_INTEGER = 10
TAME_NUMBER = 0.5
# recomputed by the client for the re-sent request
_HOP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})


@dataclass(frozen=True)
class QueryParam:
    name: str
    required: bool
    schema: dict[str, Any]

    @property
    def is_free(self) -> bool:
        """Values the page leaves to the server: numbers without both bounds, strings without enum/pattern."""
        types = self.schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "enum" in self.schema or "const" in self.schema or "boolean" in types:
            return False
        if "integer" in types or "number" in types:
            return not ("minimum" in self.schema and "maximum" in self.schema)
        return "pattern" not in self.schema

    def tame(self) -> str:
        for key in ("default", "example"):
            if key in self.schema and self.schema[key] not in (None, 0):
                return (
                    str(self.schema[key]).lower()
                    if isinstance(self.schema[key], bool)
                    else str(self.schema[key])
                )
        types = self.schema.get("type")
        types = types if isinstance(types, list) else [types]
        if "integer" in types or "number" in types:
            low = self.schema.get("minimum", 0)
            high = self.schema.get("maximum", TAME_INTEGER if "integer" in types else 1)
            value = min(max(TAME_INTEGER if "integer" in types else TAME_NUMBER, low), high)
            return str(int(value)) if "integer" in types else str(value)
        return "mmcontract"


@dataclass(frozen=True)
class TamedRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | str | None


def query_params_table(spec: dict[str, Any]) -> dict[str, dict[str, QueryParam]]:
    table: dict[str, dict[str, QueryParam]] = {}
    for op in operations(spec):
        path_item = spec["paths"].get(op.path, {})
        found: dict[str, QueryParam] = {}
        for raw in [*(path_item.get("parameters") or []), *(op.definition.get("parameters") or [])]:
            param = resolve(spec, raw)
            if isinstance(param, dict) and param.get("in") == "query" and "name" in param:
                schema = resolve(spec, param.get("schema")) or {}
                found[param["name"]] = QueryParam(param["name"], bool(param.get("required")), dict(schema))
        table[op.label] = found
    return table


def tamed_query(sent: list[tuple[str, str]], params: dict[str, QueryParam]) -> list[tuple[str, str]]:
    tamed: list[tuple[str, str]] = []
    for name, value in sent:
        param = params.get(name)
        if param is None:
            continue  # undeclared: a server may reject what it does not know
        if not param.is_free:
            tamed.append((name, value))
        elif param.required:
            tamed.append((name, param.tame()))
    return tamed


def tamed_request(case: Any, response: Any, table: dict[str, dict[str, QueryParam]]) -> TamedRequest | None:
    """The request to send again for a positive case the server rejected with 400/422: the same method, URL
    path, headers and body, its free query values tamed. None when there is nothing to tame (the rejection
    stands as it is)."""
    if response.status_code not in DISCRETION_STATUSES or case.meta is None:
        return None
    if not case.meta.generation.mode.is_positive:
        return None
    request = response.request
    parts = urlsplit(request.url)
    sent = parse_qsl(parts.query, keep_blank_values=True)
    tamed = tamed_query(sent, table.get(case.operation.label, {}))
    if tamed == sent:
        return None
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(tamed), ""))
    headers = {
        name: value for name, value in dict(request.headers).items() if name.lower() not in _HOP_HEADERS
    }
    return TamedRequest(str(request.method), url, headers, request.body)


def is_server_discretion(
    case: Any, response: Any, table: dict[str, dict[str, QueryParam]], client: httpx.Client
) -> bool:
    """Whether a rejected positive case is accepted once its free query values are tamed (see above).

    The re-send goes through `client`, the suite's own client (`mmcontract.target.plugin`'s session client:
    429 + Retry-After waited out, the request counted in the run's coverage). Only a 2xx answer shows the
    first rejection was the server's discretion; any other answer (400/422 again, 401, 403, a 429 still there
    after waiting, a 5xx) or no answer keeps the failure: nothing shows the request was acceptable. A 404 does
    too, unless a path id of the case is one the run does not know (one read in four keeps its generated id):
    then 404 is the right answer to the tamed request, which shows it was well-formed.
    """
    again = tamed_request(case, response, table)
    if again is None:
        return False
    try:
        answer = client.send(
            client.build_request(again.method, again.url, headers=again.headers, content=again.body)
        )
    except httpx.HTTPError:
        return False
    answer.close()
    if answer.status_code == 404:
        from mmcontract.st.steering import STEERING

        return any(not STEERING.knows(v) for v in (getattr(case, "path_parameters", None) or {}).values())
    return 200 <= answer.status_code < 300
