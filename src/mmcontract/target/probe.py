"""One request before anything else: is the target there, and does it take the token?

`mmcontract run` calls `probe(target)` first, so an unreachable target or a refused token ends the run with
one clear line (exit 2) within the request timeout, instead of a wall of failed test cases.
"""

from __future__ import annotations

import httpx

from mmcontract.errors import TargetUnreachable
from mmcontract.target.config import TargetConfig

PROBE_PATH = "/registeredModels/?limit=1"


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
        raise TargetUnreachable(
            f"{target.base_url} answered 404 to GET {PROBE_PATH}: is the endpoint the API base (http://HOST:PORT/api/v2)?"
        )
    if not 200 <= status < 300:
        raise TargetUnreachable(
            f"{target.base_url} answered {status} to GET {PROBE_PATH}; cannot run the suite"
        )
