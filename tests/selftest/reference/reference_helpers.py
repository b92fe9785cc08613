"""Helpers of the reference server's in-process tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urljoin

import httpx

from mmcontract.reference.app import create_app

TOKEN = "selftest-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "http://testserver/api/v2"


class Api:
    """A synchronous client of one in-process reference server (httpx.AsyncClient over ASGITransport,
    driven by a private event loop), authenticated unless told otherwise."""

    def __init__(self, **app_kwargs: Any) -> None:
        self.app = create_app(db=app_kwargs.pop("db", ":memory:"), token=TOKEN, **app_kwargs)
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE)

    def request(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> httpx.Response:
        headers = {**(AUTH if auth else {}), **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else BASE + path
        return self._loop.run_until_complete(self._client.request(method, url, headers=headers, **kwargs))

    def concurrently(self, *calls: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
        """(method, path, kwargs) requests sent at once (interleaved on the server's event loop)."""

        async def send(method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
            return await self._client.request(method, BASE + path, headers=AUTH, **kwargs)

        async def all_of() -> list[httpx.Response]:
            return list(await asyncio.gather(*(send(*call) for call in calls)))

        return self._loop.run_until_complete(all_of())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def ok(self, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def walk(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a list, following `next` as given (a relative link resolved against the server)."""
        page = self.ok(path, params=params or {})
        items = list(page["data"])
        while page["next"] is not None:
            page = self.ok(urljoin(BASE, page["next"]))
            items.extend(page["data"])
        return items

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()
        self.app.state.store.close()
