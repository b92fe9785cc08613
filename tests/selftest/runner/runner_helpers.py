"""Helpers of the runner's self-tests that run `mmcontract run` in this process against a reference server
started here (imported by the test modules)."""

from __future__ import annotations

from typing import Any

import httpx

from mmcontract.runner import RunOptions
from mmcontract.target.embedded import EmbeddedServer

LISTS = ("registeredModels/", "modelPackages/")


def options_for(server: EmbeddedServer, *, allow_writes: bool = False, **options: Any) -> RunOptions:
    """RunOptions against `server`: quick profile, quiet, no reports unless `options` say otherwise; a writes run
    creates from the server's leaderboard model."""
    defaults: dict[str, Any] = {"profile": "quick", "report_dir": None, "quiet": True}
    if allow_writes:
        defaults["leaderboard_model_id"] = server.leaderboard_model_id
    return RunOptions(
        endpoint=server.base_url, token=server.token, allow_writes=allow_writes, **{**defaults, **options}
    )


def live_ids(server: EmbeddedServer) -> dict[str, set[str]]:
    """Every id of the registered model and model package lists, walked to their end."""
    found: dict[str, set[str]] = {}
    with httpx.Client(
        base_url=server.base_url + "/", headers={"Authorization": f"Bearer {server.token}"}
    ) as client:
        for path in LISTS:
            ids: set[str] = set()
            offset = 0
            while True:
                page = client.get(path, params={"offset": offset, "limit": 100})
                assert page.status_code == 200, page.text
                data = page.json()["data"]
                ids |= {item["id"] for item in data}
                offset += len(data)
                if not data or not page.json().get("next"):
                    break
            found[path] = ids
    return found
