"""An ASGI layer that makes the reference server keep to the page's letter where the official client needs more
(what the reference server's `--variant literal` does): no GET /version/, the Bearer scheme only, creates that
ignore registeredModelName, model packages (created or listed as versions) without registeredModelId and
registeredModelVersion. Each breakage is one the client-level checks must name; none breaks the page. (The
variant's create answer {id} alone is not here: the page contract requires a whole model package on the 202.)"""

from __future__ import annotations

import json
import re
from typing import Any

CREATE = re.compile(r"/modelPackages/fromLeaderboard/$")
VERSIONS = re.compile(r"/registeredModels/[^/]+/versions/([^/]+/)?$")
VERSION_KEYS = ("registeredModelId", "registeredModelVersion")

# breakage -> the client-level check code that must name it
BREAKAGES = {
    "no GET /version/": "MM803",
    "Bearer only": "MM802",
    "create answers a package without registeredModelId/registeredModelVersion": "MM804",
    "registeredModelName ignored": "MM805",
    "versions without registeredModelId/registeredModelVersion": "MM801",
}


async def _answer(send: Any, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})


def _strip_versions(body: Any) -> Any:
    items = body.get("data") if isinstance(body, dict) and "data" in body else [body]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            for key in VERSION_KEYS:
                item.pop(key, None)
    return body


def literal(app: Any) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        headers = dict(scope.get("headers") or [])
        if headers.get(b"authorization", b"").startswith(b"Token "):
            await _answer(send, 401, {"message": "Unauthorized"})
            return
        if path.endswith("/api/v2/version/"):
            await _answer(send, 404, {"message": "Not found"})
            return
        create = method == "POST" and bool(CREATE.search(path))
        versions = method == "GET" and bool(VERSIONS.search(path))
        if create:
            chunks = []
            more = True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            raw = b"".join(chunks)
            try:
                sent = json.loads(raw)
                if isinstance(sent, dict):
                    sent.pop("registeredModelName", None)
                    raw = json.dumps(sent).encode()
            except ValueError:
                pass
            done = False

            async def replay() -> dict[str, Any]:
                nonlocal done
                if done:
                    return await receive()
                done = True
                return {"type": "http.request", "body": raw, "more_body": False}

            scope = {
                **scope,
                "headers": [(k, v) for k, v in scope["headers"] if k != b"content-length"]
                + [(b"content-length", str(len(raw)).encode())],
            }
            receive_next = replay
        else:
            receive_next = receive
        if not (create or versions):
            await app(scope, receive_next, send)
            return
        start: dict[str, Any] = {}
        chunks_out: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks_out.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks_out)
            if 200 <= start.get("status", 500) < 300:
                try:
                    parsed = json.loads(body)
                    if create or versions:
                        parsed = _strip_versions(parsed)
                    body = json.dumps(parsed).encode()
                except ValueError:
                    pass
            out = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            out.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": out})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive_next, capture)

    return wrapped
