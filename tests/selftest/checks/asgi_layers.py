"""Thin ASGI layers around the reference server, for self-tests that need a server which differs from it in
one place: where the page is silent (a correct server may differ; the checks must pass) or where the fault
catalogue has no fault for a part of a check (the checks must fire)."""

from __future__ import annotations

import contextlib
import json
import re
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from conftest import BASE_URL, LEADERBOARD_MODEL_ID, TOKEN, Reference

from mmcontract.reference.app import create_app
from mmcontract.target.discovery import discover

App = Any
Layer = Callable[[App], App]


def matching(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(pattern)
    return lambda path: bool(regex.search(path))


def rewrite_query(
    change: Callable[[list[tuple[str, str]]], list[tuple[str, str]]], applies=lambda p: True
) -> Layer:
    """Pass the query of requests to paths `applies` accepts through `change` before the server sees it."""

    def layer(app: App) -> App:
        async def wrapped(scope, receive, send):
            if scope["type"] == "http" and applies(scope["path"]):
                pairs = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
                scope = {**scope, "query_string": urlencode(change(pairs)).encode()}
            await app(scope, receive, send)

        return wrapped

    return layer


def rewrite_json(change: Callable[[Any, dict[str, Any]], Any], applies=lambda p: True) -> Layer:
    """Pass JSON answers to requests for paths `applies` accepts through `change(body, scope)`."""

    def layer(app: App) -> App:
        async def wrapped(scope, receive, send):
            if scope["type"] != "http" or not applies(scope["path"]):
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def capture(message):
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body"):
                        body = b"".join(chunks)
                        with contextlib.suppress(ValueError):
                            body = json.dumps(change(json.loads(body), scope)).encode()
                        headers = [
                            (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
                        ]
                        headers.append((b"content-length", str(len(body)).encode()))
                        await send({**start, "headers": headers})
                        await send({"type": "http.response.body", "body": body})

            await app(scope, receive, capture)

        return wrapped

    return layer


def refuse_limit_above(ceiling: int, status: int) -> Layer:
    """Answer `status` with a JSON error to any request whose limit is above `ceiling` (a server's own largest
    page, refused rather than clamped)."""

    def layer(app: App) -> App:
        async def wrapped(scope, receive, send):
            query = (
                dict(parse_qsl(scope.get("query_string", b"").decode())) if scope["type"] == "http" else {}
            )
            if query.get("limit", "").isdigit() and int(query["limit"]) > ceiling:
                body = json.dumps({"message": f"limit must be at most {ceiling}"}).encode()
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return wrapped

    return layer


def reference_with(layer: Layer) -> Reference:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        app = layer(create_app(token=TOKEN, leaderboard_model_ids=[LEADERBOARD_MODEL_ID]))
        client = TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})
    return Reference(client, discover(client))
