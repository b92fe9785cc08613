"""The Schemathesis config for a target and profile, and the contract loaded with it.

- `load_schema(target)`: the contract loaded with a Schemathesis config built from the target and profile
  (base URL, auth header, request timeout, seed, example budget, phases, per-operation expected statuses);
  write operations only with --allow-writes; undeclared-method probes only where writes are allowed.
- The contract's recorded decisions are honoured through the public `filter_failure` hook (see
  `st.lenience` and `st.discretion`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmcontract.st.discretion import is_server_discretion, query_params_table
from mmcontract.st.hostile import install_hostile
from mmcontract.st.lenience import is_excused_negative, lenience_table
from mmcontract.st.steering import WRITE_METHODS, install_steering
from mmcontract.target import plugin
from mmcontract.target.config import TargetConfig
from mmcontract.target.operations import load_spec, spec_path

if TYPE_CHECKING:
    import schemathesis

# Documented answers to a valid request that depend on data, not on the request's shape
POSITIVE_EXTRA_STATUSES: dict[str, list[str]] = {
    "PATCH /registeredModels/{registeredModelId}/sharedRoles/": [
        "409",
        "422",
    ],  # no owner left / unknown user
    # page: 422 "Unable to process the Registered Model update request" (a name a server will not take, e.g. "")
    "PATCH /registeredModels/{registeredModelId}/": ["422"],
    "POST /modelPackages/fromLeaderboard/": ["422"],  # the model cannot be packaged
    "POST /modelPackages/fromLearningModel/": ["422"],
    "POST /modelPackages/{modelPackageId}/archive/": ["422"],
}
NEGATIVE_EXPECTED_STATUSES = ["400", "401", "403", "404", "405", "409", "413", "414", "415", "422"]


def build_config(target: TargetConfig) -> schemathesis.Config:
    import schemathesis

    profile = target.settings
    writes = target.allow_writes
    operation_configs: list[dict[str, Any]] = [
        {
            "include-name": label,
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx", *extra]
                }
            },
        }
        for label, extra in POSITIVE_EXTRA_STATUSES.items()
    ]
    data: dict[str, Any] = {
        "base-url": target.base_url,
        "headers": target.headers(),
        "request-timeout": target.request_timeout,
        "generation": {
            "mode": "all",
            "max-examples": profile.max_examples,
            "with-security-parameters": False,
            "allow-x00": False,
            "database": "none",
            "no-shrink": not profile.shrink,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {
                "enabled": profile.coverage_phase,
                # undeclared methods (DELETE, PUT, ...) only where writes are allowed
                "unexpected-methods": (
                    ["DELETE", "PATCH", "POST", "PUT", "TRACE", "OPTIONS"] if writes else []
                ),
            },
            "fuzzing": {"enabled": True},
            "stateful": {
                "enabled": bool(writes and profile.stateful_steps),
                "max-steps": max(2, profile.stateful_steps),
            },
        },
        "checks": {
            "negative_data_rejection": {"expected-statuses": NEGATIVE_EXPECTED_STATUSES},
            # the page documents no behaviour for OPTIONS; a server may list what it likes in Allow
            "allow_header_conformance": {"enabled": False},
            # the page documents no answer to an undeclared method: 405 with Allow and 404 are both plausible
            "unsupported_method": {"enabled": False},
            # not contract matters: object-level auth needs several identities the suite does not have
            "object_level_authorization": {"enabled": False},
            # DELETE of a registered model archives it; whether an archived model is still served is left to
            # the server by the page, so "deleted resource still available" is no finding here (MM402 checks
            # what the page does say: the model and its versions are archived)
            "use_after_free": {"enabled": False},
        },
        "operations": operation_configs,
    }
    if target.seed is not None:
        data["seed"] = target.seed
        data["generation"]["deterministic"] = False
    return schemathesis.Config.from_dict(data)


def load_schema(target: TargetConfig) -> Any:
    """The contract as a Schemathesis schema for `target`, filtered to what this run may send."""
    import schemathesis

    install_steering()
    install_hostile(target.seed)  # after the steering: it keeps the path ids the steering chose
    schema = schemathesis.openapi.from_path(str(spec_path()), config=build_config(target))
    if not target.allow_writes:
        schema = schema.exclude(method=list(WRITE_METHODS))
    if target.operations:
        schema = schema.include(name=list(target.operations))
    table = lenience_table(load_spec())
    query_params = query_params_table(load_spec())

    @schema.hook("filter_failure")
    def mmcontract_contract_lenience(context: Any, failure: Any, case: Any, response: Any) -> bool:
        # a dropped failure does not fail the case: the contract or the page leaves this answer to the server
        if failure.code == "ST201":
            return not is_excused_negative(case, table, query_params)
        if failure.code in ("ST202", "ST103"):
            return not is_server_discretion(case, response, query_params, plugin.session_state().client)
        return True

    return schema
