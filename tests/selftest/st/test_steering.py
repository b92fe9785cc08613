"""Steering (mmcontract.st.steering) on hand-built cases: reads go mostly to resources that exist, writes only
to resources this run created (or to ids that exist nowhere)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from mmcontract.st.steering import STEER_SHARE, Steering

RM_IDS = [f"65a00000000000000000000{i}" for i in range(3)]
CREATED = ("65b000000000000000000001", "65b000000000000000000002")  # (registered model, model package)


def _case(method: str, path: str, **path_parameters: str) -> Any:
    operation = SimpleNamespace(method=method.lower(), path=path)
    return SimpleNamespace(method=method, operation=operation, path_parameters=path_parameters)


def _steering() -> Steering:
    steering = Steering(registered_model_ids=list(RM_IDS), model_package_ids=["65c000000000000000000001"])
    steering.created["PATCH /registeredModels/{registeredModelId}/"] = CREATED
    steering.remember_created(*CREATED)
    return steering


def test_reads_go_to_existing_resources_except_one_in_four() -> None:
    steering = _steering()
    chosen = [
        steering.choose(_case("GET", "/registeredModels/{registeredModelId}/", registeredModelId=f"{i:024x}"))
        for i in range(200)
    ]
    steered = [c for c in chosen if c is not None]
    assert all(c["registeredModelId"] in RM_IDS for c in steered)
    kept = len(chosen) - len(steered)
    assert 200 / STEER_SHARE / 2 < kept < 200 / STEER_SHARE * 2  # about one in STEER_SHARE keeps its id


def test_writes_never_reach_a_resource_the_run_did_not_create() -> None:
    steering = _steering()
    for i in range(200):
        for method, path in [
            ("PATCH", "/registeredModels/{registeredModelId}/"),
            ("DELETE", "/registeredModels/{registeredModelId}/"),
        ]:
            chosen = steering.choose(_case(method, path, registeredModelId=RM_IDS[i % len(RM_IDS)]))
            assert chosen is not None
            assert chosen["registeredModelId"] not in RM_IDS  # a created one, or one that exists nowhere


def test_a_write_to_a_created_resource_is_left_alone() -> None:
    steering = _steering()
    case = _case("PATCH", "/registeredModels/{registeredModelId}/", registeredModelId=CREATED[0])
    assert steering.choose(case) is None


def test_a_case_without_path_parameters_is_left_alone() -> None:
    assert _steering().choose(_case("GET", "/registeredModels/")) is None
