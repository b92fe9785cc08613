"""The write checks clean up what they create: a package made by fromLeaderboard is archived, and so is the
registered model made for it (and only that one)."""

from __future__ import annotations

import pytest

from mmcontract.checks import validation, writes
from mmcontract.checks.violation import ContractViolation

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
