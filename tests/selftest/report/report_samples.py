"""Hand-built RunResults: the report writers are tested without running the suite (uniquely named so
that test modules can import it next to other test directories' helpers)."""

from __future__ import annotations

from mmcontract.checks.catalogue import CHECKS
from mmcontract.report.model import Coverage, Failure, RunResult, Verdict

# A token the writers must never let through: in curl lines, excerpts, messages and the target.
SECRET = "mmSECRET-7f3a9c2e-token"

OPERATIONS = [
    "GET /modelPackages/",
    "POST /modelPackages/fromLeaderboard/",
    "POST /modelPackages/fromLearningModel/",
    "GET /modelPackages/{modelPackageId}/",
    "POST /modelPackages/{modelPackageId}/archive/",
    "GET /modelPackages/{modelPackageId}/capabilities/",
    "GET /modelPackages/{modelPackageId}/features/",
    "GET /modelPackages/{modelPackageId}/modelLogs/",
    "GET /modelPackages/{modelPackageId}/sharedRoles/",
    "GET /registeredModels/",
    "DELETE /registeredModels/{registeredModelId}/",
    "GET /registeredModels/{registeredModelId}/",
    "PATCH /registeredModels/{registeredModelId}/",
    "GET /registeredModels/{registeredModelId}/deployments/",
    "GET /registeredModels/{registeredModelId}/sharedRoles/",
    "PATCH /registeredModels/{registeredModelId}/sharedRoles/",
    "GET /registeredModels/{registeredModelId}/versions/",
    "GET /registeredModels/{registeredModelId}/versions/{versionId}/",
    "GET /registeredModels/{registeredModelId}/versions/{versionId}/deployments/",
]


LISTS = {
    "modelPackages",
    "features",
    "modelLogs",
    "sharedRoles",
    "registeredModels",
    "deployments",
    "versions",
}


def failure(operation: str, code: str, message: str, **extra) -> Failure:
    check = CHECKS[code]
    return Failure(
        operation=operation,
        check=code,
        title=check.title,
        family=check.family,
        message=message,
        basis=extra.pop("basis", "page: the operation's documented responses"),
        **extra,
    )


def curl(operation: str, query: str = "") -> str:
    method, path = operation.split(" ", 1)
    return (
        f"curl -X {method} -H 'Authorization: Bearer {SECRET}' "
        f"'http://127.0.0.1:41234/api/v2{path.replace('{modelPackageId}', '65f0c0ffee').replace('{registeredModelId}', '65f0beef')}{query}'"
    )


def sample_result(*, with_known: bool = True) -> RunResult:
    """A realistic run: 19 operations, most cells passing, a few violations, one known, one stale entry."""
    failures = [
        failure(
            "GET /modelPackages/",
            "MM101",
            "count is 11 but data has 10 items (limit=10)",
            expected="count == len(data) <= limit (10)",
            actual="count=11, len(data)=10",
            curl=curl("GET /modelPackages/", "?limit=10&offset=0"),
            response_excerpt='{"count": 11, "totalCount": 42, "next": "http://127.0.0.1:41234/api/v2/modelPackages/?offset=10&limit=10", "data": [ ... ]}',
            basis="page: ModelPackageListResponse.count = number of items returned on this page",
        ),
        failure(
            "GET /modelPackages/",
            "MM104",
            "previous is not null on the first page",
            expected="previous: null at offset 0",
            actual='previous: "http://127.0.0.1:41234/api/v2/modelPackages/?offset=0&limit=10"',
            curl=curl("GET /modelPackages/", "?offset=0"),
        ),
        failure(
            "GET /registeredModels/{registeredModelId}/",
            "ST108",
            "Response violates schema: 'target' is a required property",
            expected="RegisteredModelResponse with required 'target'",
            actual='{"id": "65f0beef", "name": "churn", "isArchived": false}',
            curl=curl("GET /registeredModels/{registeredModelId}/"),
            response_excerpt='{"id": "65f0beef", "name": "churn", "isArchived": false, "debug": "Authorization: Bearer '
            + SECRET
            + '"}',
        ),
        failure(
            "PATCH /registeredModels/{registeredModelId}/",
            "MM401",
            "description did not persist after PATCH",
            expected='GET after PATCH shows description "nightly <b>build</b>"',
            actual='description "old"',
            curl=curl("PATCH /registeredModels/{registeredModelId}/")
            + " -H 'Content-Type: application/json' -d '{\"description\": \"nightly <b>build</b>\"}'",
        ),
        failure(
            "GET /registeredModels/",
            "MM701",
            "GET /registeredModels/ without a token answered 200",
            expected="401",
            actual="200",
            curl="curl -X GET 'http://127.0.0.1:41234/api/v2/registeredModels/'",
            basis="spec x-doc-gap: 401 on a missing token (added: the page lists no 401)",
            known=with_known,
            baseline_reason="vendor X serves anonymous reads on purpose; ticket VX-12"
            if with_known
            else None,
        ),
    ]
    failed_cells = {(f.operation, f.family) for f in failures}
    verdicts = []
    coverage = []
    for i, op in enumerate(OPERATIONS):
        method = op.split()[0]
        families = ["server-error", "status", "content-type", "schema", "validation", "auth"]
        if method == "GET" and op.rstrip("/").rsplit("/", 1)[-1] in LISTS:
            families += ["pagination", "ordering", "filtering"]
        if method != "GET":
            families.append("writes")
        if "versionId" in op:
            families.append("isolation")
        for fam in families:
            if fam == "writes" and method == "DELETE":
                status = "not-run"
            elif fam == "ordering" and "sharedRoles" in op:
                status = "skipped"
            else:
                status = "passed"
            n_fail = sum(1 for f in failures if (f.operation, f.family) == (op, fam))
            if (op, fam) in failed_cells:
                status = "failed"
            verdicts.append(
                Verdict(op, fam, status, cases=0 if status == "not-run" else 20 + 7 * i % 50, failures=n_fail)
            )
        sent = 60 + 13 * i % 90
        coverage.append(Coverage(op, cases_sent=sent, cases_2xx=sent * (3 + i % 5) // 10))
    return RunResult(
        target="http://127.0.0.1:41234/api/v2",
        spec_path="openapi/model_management.yaml",
        spec_hash="9b1d3f0a6c2e4b7d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
        seed=12345,
        profile="default",
        started_at="2026-11-27T01:02:03Z",
        finished_at="2026-11-27T01:04:58Z",
        allow_writes=True,
        verdicts=verdicts,
        coverage=coverage,
        failures=failures,
        stale_baseline=[
            {
                "operation": "GET /modelPackages/{modelPackageId}/features/",
                "check": "ST103",
                "signature": "0123456789abcdef",
                "reason": "fixed in vendor release 2.3?",
            }
        ]
        if with_known
        else [],
    )


def clean_result() -> RunResult:
    result = sample_result(with_known=False)
    result.failures = []
    for v in result.verdicts:
        if v.status == "failed":
            v.status, v.failures = "passed", 0
    return result
