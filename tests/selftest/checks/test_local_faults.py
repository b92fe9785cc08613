"""Parts of the checks that no fault of the reference catalogue breaks, broken here by a thin ASGI layer
around the clean reference server: each must make its check fire with its code (and the same scenario passes
on the clean server: test_checks_fire.py and the scenarios below on `reference(None)`)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from asgi_layers import matching, reference_with, rewrite_json, rewrite_query
from scenarios import FEATURES, PACKAGES, RMS, VERSIONS, field_filter, paging, search, sort, time_range

from mmcontract.checks import writes
from mmcontract.checks.violation import ContractViolation

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RM_ROLES = "GET /registeredModels/{registeredModelId}/sharedRoles/"
DEPLOYMENTS = "GET /registeredModels/{registeredModelId}/deployments/"


def drop(param, path_regex):
    return rewrite_query(lambda pairs: [(k, v) for k, v in pairs if k != param], matching(path_regex))


def _links_to_elsewhere(body, scope):
    for key in ("next", "previous"):
        if isinstance(body, dict) and isinstance(body.get(key), str):
            body[key] = urlunsplit(urlsplit(body[key])._replace(netloc="elsewhere.example:8443"))
    return body


def _previous_on_first(body, scope):
    query = dict(parse_qsl(scope.get("query_string", b"").decode()))
    if isinstance(body, dict) and "data" in body and query.get("offset", "0") == "0":
        body["previous"] = f"http://testserver{scope['path']}?offset=0&limit={query.get('limit', '10')}"
    return body


def _unreadable_create(body, scope):
    if scope["method"] == "POST" and isinstance(body, dict):
        body["id"] = "f" * 24
    return body


def _read_back_nameless_elsewhere(body, scope):
    if scope["method"] == "GET" and isinstance(body, dict):
        body.pop("name", None)
        body["modelId"] = "e" * 24
    return body


def _links_without(param):
    def change(body, scope):
        for key in ("next", "previous"):
            if isinstance(body, dict) and isinstance(body.get(key), str):
                parts = urlsplit(body[key])
                kept = [(k, v) for k, v in parse_qsl(parts.query) if k != param]
                body[key] = urlunsplit(parts._replace(query=urlencode(kept)))
        return body

    return change


CREATE_READABLE = lambda ref: writes.check_create_readable(ref.client, ref.leaderboard_model_id)  # noqa: E731

LOCAL_FAULTS = {
    "buildStatus ignored on model packages": (
        drop("buildStatus", r"/modelPackages/$"),
        "MM302",
        field_filter(PACKAGES, "buildStatus", "buildStatus", "equal", ["inProgress", "complete", "failed"]),
    ),
    "targetType ignored on registered models": (
        drop("targetType", r"/registeredModels/$"),
        "MM302",
        field_filter(RMS, "targetType", "target.type", "equal", None),
    ),
    "shareRecipientType ignored on sharing lists": (
        drop("shareRecipientType", r"/sharedRoles/$"),
        "MM302",
        field_filter(
            RM_ROLES, "shareRecipientType", "shareRecipientType", "equal", ["user", "group", "organization"]
        ),
    ),
    "search ignored on features": (drop("search", r"/features/$"), "MM301", search(FEATURES)),
    "search ignored on versions": (drop("search", r"/versions/$"), "MM301", search(VERSIONS)),
    "sortDirection ignored on deployments": (
        drop("sortDirection", r"/deployments/$"),
        "MM201",
        sort(DEPLOYMENTS, "createdAt", "desc"),
    ),
    "sortDirection ignored on versions": (
        drop("sortDirection", r"/versions/$"),
        "MM201",
        sort(VERSIONS, "version", "desc"),
    ),
    "createdAtEndTs ignored": (
        drop("createdAtEndTs", r"/registeredModels/$"),
        "MM303",
        time_range("createdAtEndTs"),
    ),
    "links keep the sort but drop a filter": (
        rewrite_json(_links_without("createdAtEndTs"), matching(r"/registeredModels/$")),
        "MM105",
        paging("MM105", RMS),
    ),
    "links drop the features' filter": (
        rewrite_json(_links_without("includeNonPredictionFeatures"), matching(r"/features/$")),
        "MM105",
        paging("MM105", FEATURES),
    ),
    "links on another host": (rewrite_json(_links_to_elsewhere), "MM105", paging("MM105", RMS)),
    "previous on the first page": (rewrite_json(_previous_on_first), "MM104", paging("MM104", RMS)),
    "created package not readable": (
        rewrite_json(_unreadable_create, matching(r"/fromLeaderboard/$")),
        "MM407",
        CREATE_READABLE,
    ),
    # the read-back has no name: the clean-up after the violation must not stumble on it (KeyError)
    "created package reads back nameless under another model": (
        rewrite_json(_read_back_nameless_elsewhere, matching(r"/modelPackages/[0-9a-f]+/$")),
        "MM407",
        CREATE_READABLE,
    ),
}


@pytest.mark.parametrize("name", sorted(LOCAL_FAULTS))
def test_check_fires_on_a_local_fault(name):
    layer, code, scenario = LOCAL_FAULTS[name]
    ref = reference_with(layer)
    try:
        with pytest.raises(ContractViolation) as caught:
            scenario(ref)
    finally:
        ref.client.close()
    assert caught.value.code == code, str(caught.value)


@pytest.mark.parametrize("name", sorted(LOCAL_FAULTS))
def test_local_fault_scenario_is_clean_on_the_reference(name, reference):
    _, _, scenario = LOCAL_FAULTS[name]
    scenario(reference(None))
