"""MM801: every response the Schemathesis tests validate is validated again against the client-level contract.

The client-level contract is `mmcontract.spec.load_spec("client")`: the page contract with the overlay
`openapi/overlays/datarobot-client.yaml` applied. The validation goes through Schemathesis's public
`APIOperation.validate_response` on a schema loaded from that document with the run's config, so it judges a
body exactly as ST108 does at the page level. A schema mismatch the page contract does not flag itself is a
finding of level `client`, attributed to the overlay action(s) that introduce it (the action whose application
first makes it fail, and the components that action refers to): their `x-evidence` and `x-breaks` are the
basis. Findings never raise: a client finding must not cut a Schemathesis test short (Hypothesis would shrink it
and stop) and hide page failures; `execute.run_case` notes them with `plugin.note_finding`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from mmcontract.checks.catalogue import info
from mmcontract.st.records import _failure_names, schema_field

SCHEMA_CODE = "MM801"
SCHEMA_FAILURES = frozenset(
    {"ST108"}
)  # a body that does not match the schema (other ST codes are page matters)


class ClientSchemaCheck:
    """Validates responses against the client-level contract (see the module docstring). One per process."""

    def __init__(self, config: Any) -> None:  # a schemathesis.Config
        from mmcontract.spec import load_overlay, load_spec

        self.config = config
        self.page = load_spec("page")
        self.client = load_spec("client")
        self.overlay = load_overlay()
        self.actions: list[dict[str, Any]] = list(self.overlay.get("actions") or [])
        self._schemas: dict[int, Any] = {}  # number of overlay actions applied -> Schemathesis schema
        self._blame: dict[tuple[str, int, tuple[Any, ...], str], list[int]] = {}

    def _schema(self, applied: int) -> Any:
        """The Schemathesis schema of the page contract with the first `applied` overlay actions."""
        if applied not in self._schemas:
            import schemathesis

            from mmcontract.contract.overlay import apply_overlay

            document = self.page
            if applied:
                partial = {**copy.deepcopy(self.overlay), "actions": self.actions[:applied]}
                document = apply_overlay(self.page, partial)
            self._schemas[applied] = schemathesis.openapi.from_dict(document, config=self.config)
        return self._schemas[applied]

    def _failures(self, applied: int, path: str, method: str, response: Any) -> dict[tuple[Any, ...], Any]:
        from schemathesis.core.failures import Failure, FailureGroup

        try:
            operation = self._schema(applied)[path][method]
        except LookupError:
            return {}
        try:
            operation.validate_response(response)
        except FailureGroup as group:  # several failures
            found: list[Any] = list(group.exceptions)
        except Failure as failure:  # exactly one
            found = [failure]
        else:
            return {}
        return {_key(f): f for f in found if getattr(f, "code", None) in SCHEMA_FAILURES}

    def findings(self, case: Any, response: Any) -> list[dict[str, Any]]:
        """MM801 records for `response` (empty when the client contract adds nothing it breaks)."""
        if not self.actions:
            return []
        path, method = case.operation.path, case.method.upper()
        client = self._failures(len(self.actions), path, method, response)
        if not client:
            return []
        page = self._failures(0, path, method, response)
        records = []
        for key, failure in client.items():
            if key in page:
                continue  # the page contract flags it already (ST108, level page)
            blamed = self._blamed(path, method, response, key)
            records.append(self._record(case, response, failure, blamed))
        return records

    def _blamed(self, path: str, method: str, response: Any, key: tuple[Any, ...]) -> list[int]:
        """The overlay action whose application first makes `key` fail, and the earlier actions it builds on
        (components it refers to)."""
        memo = (f"{method} {path}", response.status_code, key[0], key[1])
        if memo not in self._blame:
            culprit = len(self.actions) - 1
            for applied in range(1, len(self.actions) + 1):
                if key in self._failures(applied, path, method, response):
                    culprit = applied - 1
                    break
            text = repr(self.actions[culprit].get("update"))
            used = [
                i
                for i, action in enumerate(self.actions[:culprit])
                if action.get("target") == "$.components.schemas"
                and any(f"#/components/schemas/{name}'" in text for name in (action.get("update") or {}))
            ]
            self._blame[memo] = [*used, culprit]
        return self._blame[memo]

    def _record(self, case: Any, response: Any, failure: Any, blamed: list[int]) -> dict[str, Any]:
        from mmcontract.target.reproduce import response_excerpt

        label = case.operation.label
        status = response.status_code
        field = "/".join(map(str, failure.instance_path)) or "(root)"
        # `Schema.field` of the contract, as st.records names page schema failures (ST108)
        schema = schema_field(failure, _failure_names(failure, None)) or self._schema_name(
            case.operation.path, case.method.lower(), status
        )
        actions = [self.actions[i] for i in blamed]
        evidence = "; ".join(
            str(a.get("x-evidence") or a.get("description") or a.get("target")) for a in actions
        )
        breaks = "; ".join(str(a["x-breaks"]) for a in actions if a.get("x-breaks"))
        message = failure.validation_message or str(failure.message).splitlines()[0]
        return {
            "check": SCHEMA_CODE,
            "operation": label,
            "title": info(SCHEMA_CODE).title,
            "family": info(SCHEMA_CODE).family,
            "level": "client",
            "message": f"client contract {schema} ({status}), at {field}: {message}",
            "basis": f"client: {evidence}; breaks: {breaks or 'the client cannot parse the answer'}",
            "expected": f"{schema} as overlay action(s) {', '.join(str(i + 1) for i in blamed)} "
            f"({', '.join(str(a.get('target')) for a in actions)}) make it",
            "actual": f"{field} = {failure.instance!r}"[:200],
            "curl": case.as_curl_command(headers=dict(response.request.headers)),
            "response_excerpt": response_excerpt(response),
        }

    def _schema_name(self, path: str, method: str, status: int) -> str:
        responses = ((self.client["paths"].get(path) or {}).get(method) or {}).get("responses") or {}
        response = (
            responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        )
        schema = (((response or {}).get("content") or {}).get("application/json") or {}).get("schema") or {}
        refs = re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", repr(schema))
        return refs[-1] if refs else f"of {method.upper()} {path}"


def _key(failure: Any) -> tuple[Any, ...]:
    return (tuple(failure.instance_path), failure.validation_message or str(failure.message).splitlines()[0])


_CHECK: ClientSchemaCheck | None = None


def schema_findings(case: Any, response: Any, config: Callable[[], Any]) -> list[dict[str, Any]]:
    """MM801 findings for one validated response (see ClientSchemaCheck). Raises ClientCheckError when the
    check itself cannot run (e.g. an overlay that does not apply): that is no finding about the target."""
    global _CHECK
    try:
        if _CHECK is None:
            _CHECK = ClientSchemaCheck(config())
        return _CHECK.findings(case, response)
    except Exception as exc:
        raise ClientCheckError(
            f"the client-level schema check could not run: {type(exc).__name__}: {exc}"
        ) from exc


class ClientCheckError(Exception):
    """The client-level schema check could not run (the run could not judge the client level)."""
