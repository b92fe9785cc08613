"""The target of a run: where it is, how to authenticate, and how hard to test it.

One `TargetConfig` is built from the command line or pytest options (and DATAROBOT_ENDPOINT /
DATAROBOT_API_TOKEN) and handed to every part of the suite. The token lives only here and in the
`Authorization` header it produces; `repr()` never shows it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from mmcontract.errors import UsageError
from mmcontract.report.model import LEVELS, Level

ENV_ENDPOINT = "DATAROBOT_ENDPOINT"
ENV_TOKEN = "DATAROBOT_API_TOKEN"
TOKEN_PREFIXES = ("Bearer", "Token")
PROFILES = ("quick", "default", "thorough")
DEFAULT_REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True)
class Profile:
    """How many examples Schemathesis generates per operation, and which phases run."""

    name: str
    max_examples: int  # fuzzing phase budget per operation
    coverage_phase: bool  # the boundary walk of every constraint (deterministic, many cases)
    stateful_steps: int  # state machine: steps per scenario (0: no stateful run)
    stateful_examples: int  # state machine: scenarios
    shrink: bool = True  # minimise failing examples (costs requests; the quick profile skips it)


PROFILE_SETTINGS: dict[str, Profile] = {
    "quick": Profile(
        "quick", max_examples=5, coverage_phase=True, stateful_steps=0, stateful_examples=0, shrink=False
    ),
    "default": Profile(
        "default", max_examples=30, coverage_phase=True, stateful_steps=6, stateful_examples=10
    ),
    "thorough": Profile(
        "thorough", max_examples=200, coverage_phase=True, stateful_steps=10, stateful_examples=50
    ),
}


def normalize_base_url(url: str) -> str:
    """`http://host:port` or `http://host:port/api/v2/` -> `http://host:port/api/v2` (the client's form)."""
    raw = url.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--endpoint must be an http(s) URL such as http://HOST:PORT/api/v2, got {url!r}")
    if parts.query or parts.fragment:
        raise UsageError(f"--endpoint must not carry a query or fragment, got {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/api/v2"):
        path = f"{path}/api/v2"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True)
class TargetConfig:
    base_url: str  # ends with /api/v2, no trailing slash
    token: str = field(repr=False)
    token_prefix: str = "Bearer"
    allow_writes: bool = False
    leaderboard_model_id: str | None = None
    profile: str = "default"
    seed: int | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    embedded: bool = False  # the target is the reference server this run started (safe to probe anything)
    operations: tuple[str, ...] = ()  # internal: restrict the run to these "METHOD /path" labels (empty: all)
    checks: tuple[str, ...] = ()  # internal: only the tests of these check codes (empty: all)
    level: Level = (
        "page"  # the verdict asked for: page, or client (the page plus the official client's needs)
    )
    # registered models the user lets the suite write to (--writable-registered-model): restored after each write
    # test, but one test (MM402) DELETEs one of them, for good
    writable_registered_models: tuple[str, ...] = ()
    min_schema_coverage: float | None = (
        None  # --min-schema-coverage: a lower response-schema coverage is incomplete
    )

    def __post_init__(self) -> None:
        if self.token_prefix not in TOKEN_PREFIXES:
            raise UsageError(
                f"--token-prefix must be one of {', '.join(TOKEN_PREFIXES)}, got {self.token_prefix!r}"
            )
        if self.profile not in PROFILES:
            raise UsageError(f"--profile must be one of {', '.join(PROFILES)}, got {self.profile!r}")
        if not self.request_timeout > 0:
            raise UsageError(
                f"--request-timeout must be a positive number of seconds, got {self.request_timeout!r}"
            )
        if self.level not in LEVELS:
            raise UsageError(f"--level must be one of {', '.join(LEVELS)}, got {self.level!r}")
        if self.min_schema_coverage is not None and not 0 <= self.min_schema_coverage <= 100:
            raise UsageError(
                f"--min-schema-coverage must be a percent between 0 and 100, got {self.min_schema_coverage:g}"
            )
        if not self.token:
            raise UsageError(f"no API token: pass --token or set {ENV_TOKEN}")
        if self.writable_registered_models and not self.allow_writes:
            raise UsageError(
                "--writable-registered-model needs --allow-writes (it names what writes may change)"
            )
        if any(not ident.strip() or "/" in ident for ident in self.writable_registered_models):
            raise UsageError(
                "--writable-registered-model takes a registered model id (no empty value, no '/')"
            )

    def headers(self) -> dict[str, str]:
        """The auth header every request of the suite carries."""
        return {"Authorization": f"{self.token_prefix} {self.token}"}

    @property
    def settings(self) -> Profile:
        return PROFILE_SETTINGS[self.profile]

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def covers(self, operation: str) -> bool:
        """Whether this run tests `operation` ("METHOD /path"); all operations unless restricted."""
        return not self.operations or operation in self.operations

    def pytest_args(self) -> list[str]:
        """The pytest options that hand this target to a pytest process; the token goes in the environment
        (`ENV_TOKEN`), never on a command line."""
        args = [
            f"--endpoint={self.base_url}",
            f"--token-prefix={self.token_prefix}",
            f"--profile={self.profile}",
            f"--request-timeout={self.request_timeout}",
            f"--level={self.level}",
        ]
        if self.allow_writes:
            args.append("--allow-writes")
        if self.leaderboard_model_id:
            args.append(f"--leaderboard-model-id={self.leaderboard_model_id}")
        if self.seed is not None:
            args.append(f"--seed={self.seed}")
        args += [f"--writable-registered-model={ident}" for ident in self.writable_registered_models]
        if self.embedded:
            args.append("--mm-embedded")
        if self.min_schema_coverage is not None:
            args.append(f"--min-schema-coverage={self.min_schema_coverage:g}")
        args += [f"--mm-operation={op}" for op in self.operations]
        args += [f"--mm-check={code}" for code in self.checks]
        return args


def env_token() -> str:
    return os.environ.get(ENV_TOKEN, "")


def env_endpoint() -> str:
    return os.environ.get(ENV_ENDPOINT, "")
