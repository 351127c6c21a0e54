"""Drafts are a 404 for every role but managers, on the call page and its PDF."""

import pytest

from grants.calls.models import CallStatus
from tests.access.calls import DRAFT_ROWS
from tests.access.common import BASE_ROLES, ROLES
from tests.conftest import login


@pytest.mark.parametrize("role", BASE_ROLES)
def test_drafts_are_hidden(app, db, create_call, create_user, create_organisation, role):
    draft = create_call(status=CallStatus.DRAFT)
    roles = {
        "applicant": ("applicant",),
        "other_applicant": ("applicant",),
        "evaluator": ("evaluator",),
        "manager": ("programme_manager",),
        "admin": ("admin",),
    }
    client = app.test_client()
    if role != "anonymous":
        user = create_user(roles=roles[role], organisation=create_organisation())
        assert login(client, user).status_code == 302
    for endpoint, expected in DRAFT_ROWS.items():
        path = {"calls.detail": "", "calls.document": "/call-document.pdf"}[endpoint]
        response = client.get(f"/calls/{draft.id}{path}")
        assert response.status_code == expected[ROLES.index(role)], endpoint
