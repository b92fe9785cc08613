"""Stable codes, titles and families of every check the suite reports.

Codes never change meaning once released: reports, baselines and CI gates key on them. ST codes are
Schemathesis's own (its checks run as they are); MM codes are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmcontract import spec
from mmcontract.report.model import Level

FAMILIES = (
    "server-error",
    "status",
    "content-type",
    "schema",
    "pagination",
    "ordering",
    "filtering",
    "writes",
    "validation",
    "isolation",
    "auth",
    "client",
    "request",
)
# The family whose checks judge the client level (what the official datarobot client needs beyond the page):
# their failures carry level "client" (report.model.Failure.level); every other family's carry "page".
CLIENT_FAMILY = "client"


@dataclass(frozen=True)
class CheckInfo:
    code: str
    name: str
    family: str
    title: str


_CHECKS = [
    # Schemathesis built-ins (run through its engine, mapped to families for the matrix)
    CheckInfo("ST101", "not_a_server_error", "server-error", "No 5xx response"),
    CheckInfo("ST103", "status_code_conformance", "status", "Status code is documented"),
    CheckInfo("ST104", "content_type_conformance", "content-type", "Content-Type is documented"),
    CheckInfo("ST108", "response_schema_conformance", "schema", "Response body matches its schema"),
    CheckInfo("ST107", "response_headers_conformance", "schema", "Response headers match the spec"),
    CheckInfo("ST201", "negative_data_rejection", "validation", "Invalid request is rejected"),
    CheckInfo("ST202", "positive_data_acceptance", "validation", "Valid request is accepted"),
    CheckInfo("ST203", "missing_required_header", "auth", "Missing required header is rejected"),
    CheckInfo("ST204", "unsupported_method", "status", "Undeclared method gets 405 with Allow"),
    CheckInfo("ST301", "use_after_free", "writes", "Deleted resource is not served as live"),
    CheckInfo("ST302", "ensure_resource_availability", "writes", "Created resource is readable"),
    CheckInfo("ST401", "ignored_auth", "auth", "Authentication is not ignored"),
    # Further failure codes the same built-in checks raise (one check, several kinds of failure)
    CheckInfo(
        "ST102", "not_a_server_error", "server-error", "No 5xx response (with an undocumented Content-Type)"
    ),
    CheckInfo("ST105", "content_type_conformance", "content-type", "Content-Type is one the spec documents"),
    CheckInfo(
        "ST106", "content_type_conformance", "content-type", "Content-Type is a well-formed media type"
    ),
    CheckInfo("ST109", "response_schema_conformance", "schema", "JSON response body is well-formed"),
    CheckInfo("ST110", "response_schema_conformance", "schema", "Response body can be deserialised"),
    CheckInfo("ST111", "response_schema_conformance", "schema", "Discriminator value is known"),
    CheckInfo("ST112", "max_response_time", "server-error", "Response arrives within the request timeout"),
    CheckInfo("ST205", "allow_header_conformance", "status", "Allow header matches the spec"),
    CheckInfo("ST402", "object_level_authorization", "auth", "No object-level authorization bypass"),
    CheckInfo("ST901", "custom_check", "schema", "Custom check passes"),
    # Ours: what a schema cannot say
    CheckInfo("MM101", "page_count", "pagination", "count equals len(data) and is at most limit"),
    CheckInfo("MM102", "page_total_stable", "pagination", "totalCount is stable and matches the walk"),
    CheckInfo("MM103", "page_walk", "pagination", "Walking next yields every item exactly once"),
    CheckInfo("MM104", "page_ends", "pagination", "previous is null on the first page, next on the last"),
    CheckInfo(
        "MM105", "page_links", "pagination", "next/previous are absolute, on the target, and keep filters"
    ),
    CheckInfo("MM201", "sort_key_direction", "ordering", "sortKey/sortDirection order the list"),
    CheckInfo("MM202", "order_by", "ordering", "orderBy orders the list"),
    CheckInfo("MM301", "filter_search", "filtering", "search returns the items that match and only them"),
    CheckInfo("MM302", "filter_value", "filtering", "Documented value filters are honoured"),
    CheckInfo("MM303", "filter_time_range", "filtering", "Time-range filters honour Z and numeric offsets"),
    CheckInfo("MM401", "patch_persists", "writes", "PATCH of a registered model persists"),
    CheckInfo("MM402", "delete_archives_all", "writes", "DELETE archives the model and all its versions"),
    CheckInfo("MM403", "archive_sets_flag", "writes", "Archive sets isArchived"),
    CheckInfo("MM404", "sharing_visible", "writes", "Sharing changes are visible in sharedRoles"),
    CheckInfo("MM405", "sharing_no_owner", "writes", "A change that leaves no owner gets 409"),
    CheckInfo("MM406", "sharing_unknown_user", "writes", "An unknown user gets 422"),
    CheckInfo("MM407", "create_readable", "writes", "A created model package is readable and well-formed"),
    CheckInfo("MM501", "rejects_invalid", "validation", "Documented bounds and enums are enforced"),
    CheckInfo("MM502", "accepts_valid", "validation", "Documented values are accepted"),
    CheckInfo(
        "MM503", "accepts_valid_pair", "validation", "A documented value is accepted where its pair is"
    ),
    CheckInfo("MM601", "version_isolation", "isolation", "A version is not readable under another model"),
    CheckInfo("MM701", "auth_missing", "auth", "No token gets 401 on every operation"),
    CheckInfo("MM702", "auth_wrong", "auth", "A wrong token gets 401 on every operation"),
    # What a client sent, judged on observed traffic (mmcontract proxy / check-traffic; side "client-request")
    CheckInfo("MM901", "request_parameters", "request", "Query parameters sent are documented"),
    CheckInfo("MM902", "request_values", "request", "Query values sent fit their documented schema"),
    CheckInfo("MM903", "request_body", "request", "Body properties sent are documented"),
    CheckInfo("MM904", "request_auth", "request", "The documented authorization scheme is sent"),
    # Client level: what the official datarobot client (3.20.x) needs beyond the page
    # (openapi/overlays/datarobot-client.yaml); see mmcontract.checks.client
    CheckInfo("MM801", "client_schema", "client", "Response is what the official client parses"),
    CheckInfo("MM802", "client_token_scheme", "client", "The Token authorization scheme is accepted"),
    CheckInfo("MM803", "client_version", "client", "GET /version/ answers a versionString of major 2"),
    CheckInfo("MM804", "client_create_parses", "client", "A create answer parses as a model package"),
    CheckInfo(
        "MM805", "client_registered_model_name", "client", "registeredModelName creates a registered model"
    ),
    CheckInfo("MM806", "client_role_names", "client", "Shared roles are role names the client knows"),
    CheckInfo("MM807", "client_capital_booleans", "client", "True/False query booleans are accepted"),
    CheckInfo("MM808", "client_naive_datetimes", "client", "Date-times without an offset are accepted"),
    CheckInfo("MM809", "client_next_as_given", "client", "next, followed as given, walks the whole list"),
    CheckInfo(
        "MM810", "client_role_grants", "client", "The client's role names are accepted on a sharing change"
    ),
]

CHECKS: dict[str, CheckInfo] = {c.code: c for c in _CHECKS}
# A check name maps to its primary code (the first listed); CHECKS has every code it can raise.
BY_NAME: dict[str, CheckInfo] = {}
for _check in _CHECKS:
    BY_NAME.setdefault(_check.name, _check)


def info(code: str) -> CheckInfo:
    return CHECKS[code]


def level_of(code: str) -> Level:
    """The level a failure of `code` breaks: "client" for the client family, "page" for every other check."""
    known = CHECKS.get(code)
    return "client" if known is not None and known.family == CLIENT_FAMILY else "page"


def found_by_schemathesis_tests(code: str) -> bool:
    """Whether the Schemathesis tests (tests/contract/test_schemathesis.py, test_stateful.py) report `code`:
    Schemathesis's own checks, and the client-level schema check run on every response they validate."""
    return code.startswith("ST") or code == "MM801"


FAMILIES_OF_SCHEMATHESIS_TEST = ("server-error", "status", "content-type", "schema", "validation", "auth")


def family_of(code: str) -> str:
    return CHECKS[code].family if code in CHECKS else "schema"


def title_of(code: str, fallback: str = "") -> str:
    if code in CHECKS:
        return CHECKS[code].title
    try:
        from schemathesis.failure_codes import get_failure_class

        cls = get_failure_class(code)
    except ImportError:
        cls = None
    return getattr(cls, "kind_title", None) or fallback or code


def basis_of(code: str, operation: str) -> str:
    """What requires the check, in one line (the suite fails only on the page or a recorded decision)."""
    family = family_of(code)
    where = f"contract {spec.SPEC_PATH.name}, {operation}"
    return {
        "server-error": f"page: a request never gets a 5xx ({where})",
        "status": f"page: the documented status codes ({where}; 401 added, see x-doc-gap)",
        "content-type": f"page: the documented media type application/json ({where})",
        "schema": f"page: the documented response schema ({where}; recorded decisions marked x-doc-gap)",
        "validation": f"page: the documented parameter types, bounds and enums ({where})",
        "auth": f"page: every operation needs the Authorization header ({where}; 401 per x-doc-gap)",
        "writes": f"page: the documented resource lifecycle ({where})",
    }.get(family, where)
