"""The write checks clean up what they create: a package made by fromLeaderboard is archived, and so is the
registered model made for it (and only that one)."""

from __future__ import annotations

import httpx
import pytest

from mmcontract.checks import validation, writes
from mmcontract.checks.violation import ContractViolation
from mmcontract.target import litter

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _record_creates(client):
    created = []
    post = client.post

    def recording(url, *args, **kwargs):
        response = post(url, *args, **kwargs)
        if "fromLeaderboard" in str(url) and response.is_success:
            created.append(response.json())
        return response

    client.post = recording
    return created


def _assert_archived(client, created):
    assert created, "the check created nothing: nothing was proven"
    for body in created:
        assert client.get(f"modelPackages/{body['id']}/").json()["isArchived"] is True
        assert client.get(f"registeredModels/{body['registeredModelId']}/").json()["isArchived"] is True


def test_create_check_archives_what_it_created(reference):
    ref = reference(None)
    created = _record_creates(ref.client)
    untouched = ref.discovered.registered_model_ids[0]
    writes.check_create_readable(ref.client, ref.leaderboard_model_id)
    _assert_archived(ref.client, created)
    assert ref.client.get(f"registeredModels/{untouched}/").json()["isArchived"] is False


def test_threshold_check_cleans_up_a_create_a_faulty_server_accepted(reference):
    ref = reference("validation-bounds-ignored")
    created = _record_creates(ref.client)
    with pytest.raises(ContractViolation):
        validation.check_create_threshold(ref.client, ref.leaderboard_model_id, 1.5)
    _assert_archived(ref.client, created)


# --- the run's clean-up (mmcontract.target.litter) -------------------------------------------------------

PREFIX = "mmcontract-0badcafe-"


def _listed_ids(client, path):
    return {item["id"] for item in client.get(path, params={"limit": 100}).json()["data"]}


def test_clean_up_removes_what_the_run_made_and_nothing_else(reference):
    ref = reference(None)
    before = {path: _listed_ids(ref.client, path) for path in ("registeredModels/", "modelPackages/")}
    made = [ref.create_registered_model(f"{PREFIX}made-{i}") for i in range(2)]
    unrecorded = ref.create_registered_model(f"{PREFIX}unrecorded")  # e.g. a create answered without ids
    others = ref.create_registered_model("someone-else-mmcontract-0badcafe-")  # not the run's prefix
    recorded = [
        litter.Created(kind, ident, f"{PREFIX}made")
        for rm_id, package_id in made
        for kind, ident in ((litter.REGISTERED_MODEL, rm_id), (litter.MODEL_PACKAGE, package_id))
    ]
    cleaned = []
    report = litter.clean_up(ref.client, recorded, PREFIX, on_cleaned=cleaned.append)
    assert report.leftovers == [] and report.complete
    assert set(cleaned) == {
        *recorded,
        litter.Created(litter.REGISTERED_MODEL, unrecorded[0], f"{PREFIX}unrecorded"),
    }
    assert report.unrecorded == 1 and report.deleted == 3
    assert _listed_ids(ref.client, "registeredModels/") == before["registeredModels/"] | {others[0]}
    assert _listed_ids(ref.client, "modelPackages/") == before["modelPackages/"] | {others[1]}
    assert ref.client.get(f"registeredModels/{unrecorded[0]}/").json()["isArchived"] is True


def test_what_could_not_be_cleaned_is_listed_one_line_each(reference):
    ref = reference(None)
    rm_id, package_id = ref.create_registered_model(f"{PREFIX}stuck")
    request = ref.client.request

    def refusing(method, url, **kwargs):
        if method in ("DELETE", "POST"):
            return httpx.Response(500, json={"message": "no"}, request=httpx.Request(method, "http://x/"))
        return request(method, url, **kwargs)

    ref.client.request = refusing
    report = litter.clean_up(
        ref.client, [litter.Created(litter.REGISTERED_MODEL, rm_id, f"{PREFIX}stuck")], PREFIX
    )
    assert report.leftovers == [
        f"registered model {rm_id} ({PREFIX}stuck): DELETE answered 500",
        f"model package {package_id} ({PREFIX}stuck): archive answered 500",  # found by the prefix search
    ]


def test_a_create_that_adds_a_version_to_an_existing_model_records_only_the_package():
    answer = {"id": "p1", "registeredModelId": "rm-existing", "name": "x"}
    assert litter.created_by({"modelId": "m", "registeredModelId": "rm-existing"}, answer) == [
        litter.Created(litter.MODEL_PACKAGE, "p1", "x")
    ]
    made = litter.created_by(
        {"modelId": "m", "registeredModelName": f"{PREFIX}n"}, {**answer, "registeredModelId": "rm-new"}
    )
    assert made == [
        litter.Created(litter.MODEL_PACKAGE, "p1", "x"),
        litter.Created(litter.REGISTERED_MODEL, "rm-new", f"{PREFIX}n"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("abc", PREFIX + "abc"), ("x" * 40, PREFIX + "x" * (40 - len(PREFIX))), (PREFIX + "a", PREFIX + "a")],
)
def test_a_generated_name_gets_the_prefix_and_keeps_a_length_at_least_the_prefixs(value, expected):
    assert litter.prefixed(value, PREFIX) == expected


def test_a_model_read_from_a_package_is_deleted_only_when_every_version_is_the_runs(reference):
    """A create answer that names no registered model: the clean-up reads it from the package, and leaves a
    model alone that has a version the run did not create (here: the run added a version to an existing one)."""
    ref = reference(None)
    existing, _ = ref.create_registered_model("someone-else")  # made before the run, by someone else
    body = {"modelId": ref.leaderboard_model_id, "name": f"{PREFIX}v", "registeredModelId": existing}
    added = ref.client.post("modelPackages/fromLeaderboard/", json=body).json()["id"]
    own_rm, own_package = ref.create_registered_model(f"{PREFIX}own")
    answered_nothing = [
        litter.Created(litter.MODEL_PACKAGE, added, f"{PREFIX}v", made_model=True),  # as if misreported
        litter.Created(litter.MODEL_PACKAGE, own_package, f"{PREFIX}own", made_model=True),
    ]
    report = litter.clean_up(ref.client, answered_nothing, PREFIX)
    assert report.leftovers == []
    assert ref.client.get(f"registeredModels/{existing}/").json()["isArchived"] is False
    assert ref.client.get(f"registeredModels/{own_rm}/").json()["isArchived"] is True
    assert ref.client.get(f"modelPackages/{added}/").json()["isArchived"] is True  # the run's own version


def test_a_clean_up_the_server_acknowledged_but_did_not_do_is_a_leftover(reference):
    ref = reference("write-archive-noop")  # archive answers 204 and archives nothing
    body = {
        "modelId": ref.leaderboard_model_id,
        "name": f"{PREFIX}noop",
        "registeredModelName": "not-the-runs",
    }
    package_id = ref.client.post("modelPackages/fromLeaderboard/", json=body).json()["id"]
    report = litter.clean_up(
        ref.client, [litter.Created(litter.MODEL_PACKAGE, package_id, f"{PREFIX}noop")], PREFIX
    )
    assert report.leftovers == [
        f"model package {package_id} ({PREFIX}noop): still listed and not archived after a 2xx answer"
    ]


def test_a_recorded_model_with_a_version_the_run_did_not_create_is_not_deleted(reference):
    """Were a target to answer a create with an existing model's id, the records would name a model that is
    not the run's: its versions show it, and it is listed as left over instead of deleted."""
    ref = reference(None)
    existing, theirs = ref.create_registered_model("someone-else")
    misreported = litter.Created(litter.REGISTERED_MODEL, existing, f"{PREFIX}x")
    report = litter.clean_up(ref.client, [misreported], PREFIX)
    assert report.leftovers == [
        f"registered model {existing} ({PREFIX}x): not deleted: it has version {theirs}, not the run's"
    ]
    assert ref.client.get(f"registeredModels/{existing}/").json()["isArchived"] is False
