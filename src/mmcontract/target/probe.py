"""One request before anything else: is the target there, is it this API, and does it take the token?

`mmcontract run` calls `probe(target)` first, so an unreachable target, an endpoint that is not the Model
Management API, a refused token or (with --allow-writes) a token that may not write ends the run with one clear
line (exit 2) within the request timeout, instead of a wall of failed test cases.

The write probe is a PATCH of a registered model id that cannot exist (24 zeros) with an empty body: nothing can
change; a token that may write gets 404 (or 4xx), one that may not gets 403. Only a 403 stops the run.
"""

from __future__ import annotations

from typing import Any

import httpx

from mmcontract.errors import TargetUnreachable, UsageError
from mmcontract.target.config import TargetConfig

PROBE_PATH = "/registeredModels/?limit=1"
WRITE_PROBE_PATH = "/registeredModels/000000000000000000000000/"


def probe(target: TargetConfig) -> None:
    """Raise TargetUnreachable with a one-line reason unless GET /registeredModels/?limit=1 answers 2xx."""
    url = target.base_url + PROBE_PATH
    timeout = httpx.Timeout(target.request_timeout)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.get(url, headers=target.headers())
    except httpx.TimeoutException:
        raise TargetUnreachable(
            f"{target.base_url} did not answer GET {PROBE_PATH} within {target.request_timeout:g} s"
        ) from None
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise TargetUnreachable(f"cannot reach {target.base_url}: {reason}") from None
    status = response.status_code
    if status in (401, 403):
        raise TargetUnreachable(
            f"{target.base_url} refused the token ({status} on GET {PROBE_PATH}); "
            f"check --token / DATAROBOT_API_TOKEN and --token-prefix (now {target.token_prefix})"
        )
    if status == 404:
        raise UsageError(
            f"--endpoint {target.base_url} is not the Model Management API: GET {PROBE_PATH} answered 404 "
            "(give the API base, http://HOST:PORT/api/v2)"
        )
    if not 200 <= status < 300:
        raise TargetUnreachable(
            f"{target.base_url} answered {status} to GET {PROBE_PATH}; cannot run the suite"
        )
    if not _is_list_page(response):
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        raise UsageError(
            f"--endpoint {target.base_url} is not the Model Management API: GET {PROBE_PATH} answered {status} "
            f"with {kind}, not a JSON list with data/count (give the API base, http://HOST:PORT/api/v2)"
        )
    if target.allow_writes and not target.embedded:
        _probe_write(target, timeout)
    _probe_named(target, timeout)


def _probe_named(target: TargetConfig, timeout: httpx.Timeout) -> None:
    """Each --writable-registered-model must be a registered model the token reads: one line naming it, else."""
    for ident in target.writable_registered_models:
        try:
            with httpx.Client(timeout=timeout, follow_redirects=False) as client:
                response = client.get(
                    f"{target.base_url}/registeredModels/{ident}/", headers=target.headers()
                )
        except httpx.HTTPError:
            return  # the read probe answered: the suite reports what follows
        if response.status_code != 200:
            raise UsageError(
                f"--writable-registered-model {ident}: GET /registeredModels/{ident}/ answered "
                f"{response.status_code}; give the id of a registered model this token can see"
            )


def _is_list_page(response: httpx.Response) -> bool:
    """A JSON object with `data` or `count`: the API's list shape (a missing one is the suite's to report)."""
    try:
        body: Any = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and ("data" in body or "count" in body)


def _probe_write(target: TargetConfig, timeout: httpx.Timeout) -> None:
    """--allow-writes with a token that may not write: one line naming both, before any test runs."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.patch(target.base_url + WRITE_PROBE_PATH, json={}, headers=target.headers())
    except httpx.HTTPError:
        return  # the read probe answered: a failed write probe is for the suite to report
    if response.status_code == 403:
        raise UsageError(
            f"--allow-writes: the token may not write on {target.base_url} (PATCH {WRITE_PROBE_PATH} answered "
            "403); use a token with write permission, or run without --allow-writes"
        )
