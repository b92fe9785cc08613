"""Which negative cases the contract excuses (mmcontract.st.lenience), on hand-built cases against the real
contract's x-mm-* marks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mmcontract.spec import load_spec
from mmcontract.st.discretion import query_params_table
from mmcontract.st.lenience import is_excused_negative, lenience_table

SPEC = load_spec()
TABLE = lenience_table(SPEC)
QUERY = query_params_table(SPEC)
RM_LIST = "GET /registeredModels/"
RM_PATCH = "PATCH /registeredModels/{registeredModelId}/"
SHARE = "PATCH /registeredModels/{registeredModelId}/sharedRoles/"


def _negative(label: str, location: str, parameter: str, *, query: Any = None, body: Any = None) -> Any:
    """A fuzzing-phase negative case that negated one parameter (or body property)."""
    data = SimpleNamespace(
        parameter_location=SimpleNamespace(value=location),
        parameter=parameter,
        location=f"/{parameter}" if location == "body" else None,
        mutations=(),
    )
    return SimpleNamespace(
        meta=SimpleNamespace(phase=SimpleNamespace(data=data)),
        operation=SimpleNamespace(label=label),
        query=query or {},
        body=body,
        path_parameters={},
        headers={},
    )


def test_the_table_reads_the_contract_marks() -> None:
    assert TABLE[RM_LIST][("query", "isGlobal")].values == ["True", "False"]
    assert TABLE[RM_LIST][("query", "modelKind")].no_negative
    assert TABLE[RM_PATCH][("body", "")].missing


@pytest.mark.parametrize(
    ("case", "excused"),
    [
        pytest.param(
            _negative(RM_LIST, "query", "isGlobal", query={"isGlobal": "True"}), True, id="lenient value"
        ),
        pytest.param(
            _negative(RM_LIST, "query", "isGlobal", query={"isGlobal": "yes"}), False, id="other value"
        ),
        pytest.param(
            _negative(RM_LIST, "query", "modelKind", query={"modelKind": "x"}), True, id="no negative"
        ),
        pytest.param(
            _negative(RM_LIST, "query", "stage", query={"stage": "Nope"}), True, id="out-of-enum value"
        ),
        pytest.param(
            _negative(RM_LIST, "query", "sortKey", query={"sortKey": ["a", 0]}), True, id="out-of-enum array"
        ),
        pytest.param(_negative(RM_LIST, "query", "offset", query={"offset": "-1"}), True, id="below bound"),
        pytest.param(
            _negative(RM_LIST, "query", "offset", query={"offset": "abc"}), False, id="not an integer"
        ),
        pytest.param(
            _negative(RM_LIST, "query", "createdAtStartTs", query={"createdAtStartTs": "Nope"}),
            False,
            id="unmarked value",
        ),
        pytest.param(
            _negative(
                SHARE,
                "body",
                "roles/0/role",
                body={"operation": "updateRoles", "roles": [{"role": "CONSUMER"}]},
            ),
            True,
            id="lenient body value",
        ),
        pytest.param(_negative(RM_PATCH, "body", "name", body={"name": "x" * 5000}), False, id="too long"),
    ],
)
def test_only_what_the_contract_leaves_open_is_excused(case: Any, excused: bool) -> None:
    assert is_excused_negative(case, TABLE, QUERY) is excused


def test_a_case_without_metadata_is_not_excused() -> None:
    case = _negative(RM_LIST, "query", "isGlobal", query={"isGlobal": "True"})
    case.meta = None
    assert not is_excused_negative(case, TABLE, QUERY)
