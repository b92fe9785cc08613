"""HAR 1.2 in and out: the proxy records one (`--har FILE`), `check-traffic` reads any (the proxy's, a browser's,
mitmproxy's). Credentials are redacted on the way out (`Authorization: Token [Filtered]`: the scheme stays, so a
recorded file can still be judged for the auth scheme the client used).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mmcontract import __version__
from mmcontract.errors import UsageError
from mmcontract.traffic.exchange import Exchange, redacted_headers


def _text(raw: bytes) -> dict[str, Any]:
    try:
        return {"text": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(raw).decode("ascii"), "encoding": "base64"}


def _entry(ex: Exchange) -> dict[str, Any]:
    started = datetime.fromtimestamp(ex.started, UTC).isoformat().replace("+00:00", "Z")
    request_type = ex.request_header("content-type") or ""
    response_type = ex.response_header("content-type") or ""
    request: dict[str, Any] = {
        "method": ex.method,
        "url": ex.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in redacted_headers(ex.request_headers)],
        "queryString": [{"name": k, "value": v} for k, v in ex.query],
        "headersSize": -1,
        "bodySize": len(ex.request_body),
    }
    if ex.request_body:
        request["postData"] = {"mimeType": request_type, **_text(ex.request_body)}
    return {
        "startedDateTime": started,
        "time": round((ex.finished - ex.started) * 1000, 3),
        "request": request,
        "response": {
            "status": ex.status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in redacted_headers(ex.response_headers)],
            "content": {"size": len(ex.response_body), "mimeType": response_type, **_text(ex.response_body)},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(ex.response_body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round((ex.finished - ex.started) * 1000, 3), "receive": 0},
    }


def write_har(path: Path, exchanges: Iterable[Exchange]) -> Path:
    document = {
        "log": {
            "version": "1.2",
            "creator": {"name": "mmcontract proxy", "version": __version__},
            "entries": [_entry(e) for e in sorted(exchanges, key=lambda e: e.started)],
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=1) + "\n")
    tmp.replace(path)
    return path


def _body(holder: dict[str, Any] | None) -> bytes:
    if not holder or holder.get("text") is None:
        return b""
    text = str(holder["text"])
    if holder.get("encoding") == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def _headers(entries: Any) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(h["name"]), str(h["value"])) for h in entries or [] if not str(h["name"]).startswith(":")
    )


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def read_har(path: Path, first_seq: int = 1) -> list[Exchange]:
    """Every complete entry of a HAR file as an Exchange; a file that is not HAR is a UsageError (one line)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = document["log"]["entries"]
        if not isinstance(entries, list):
            raise TypeError("log.entries is not a list")
        out = []
        for n, entry in enumerate(entries):
            request, response = entry["request"], entry["response"]
            if not response or int(response.get("status") or 0) <= 0:
                continue  # a request that got no answer (a browser's aborted request)
            started = _instant(entry["startedDateTime"])
            headers = _headers(response.get("headers"))
            body = _body(response.get("content"))
            out.append(
                Exchange(
                    seq=first_seq + n,
                    method=str(request["method"]).upper(),
                    url=str(request["url"]),
                    request_headers=_headers(request.get("headers")),
                    request_body=_body(request.get("postData")),
                    status=int(response["status"]),
                    # a HAR's content.text is decoded already
                    response_headers=tuple((k, v) for k, v in headers if k.lower() != "content-encoding"),
                    response_body=body,
                    started=started,
                    finished=started + float(entry.get("time") or 0) / 1000,
                )
            )
        return out
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        what = f"{type(exc).__name__}: {exc}" if not isinstance(exc, KeyError) else f"missing {exc}"
        raise UsageError(f"{path} is not a HAR 1.2 file ({what})") from exc
