"""The contract's operations as the suite names them ("METHOD /path"), and matching a sent request to one.

The contract is read through `mmcontract.spec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mmcontract import spec

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
API_BASE_PATH = "/api/v2"


def spec_path() -> Path:
    return spec.SPEC_PATH


@cache
def load_spec() -> dict[str, Any]:
    """The contract, parsed once per process (callers must not mutate it)."""
    return spec.load_spec()


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # spec path, relative to /api/v2, e.g. "/registeredModels/{registeredModelId}/"
    operation_id: str
    definition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


def operations(spec: dict[str, Any] | None = None) -> list[Operation]:
    spec = spec if spec is not None else load_spec()
    found = []
    for path, item in spec["paths"].items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            definition = item.get(method)
            if isinstance(definition, dict):
                found.append(
                    Operation(method.upper(), path, str(definition.get("operationId", "")), definition)
                )
    return found


class OperationMatcher:
    """Maps a sent request (method, absolute URL) to the contract operation it exercises."""

    def __init__(self, ops: list[Operation]) -> None:
        self._patterns: list[tuple[str, re.Pattern[str], str]] = []
        for op in ops:
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
            self._patterns.append((op.method, re.compile(f"^{regex}$"), op.label))
        # literal segments beat parameters: "/modelPackages/fromLeaderboard/" before "/modelPackages/{id}/"
        self._patterns.sort(key=lambda entry: entry[1].pattern.count("[^/]+"))

    def match(self, method: str, url: str) -> str | None:
        path = urlsplit(url).path
        index = path.find(API_BASE_PATH + "/")
        if index >= 0:
            path = path[index + len(API_BASE_PATH) :]
        method = method.upper()
        for op_method, pattern, label in self._patterns:
            if op_method == method and pattern.match(path):
                return label
        return None
