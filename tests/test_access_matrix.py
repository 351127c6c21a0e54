"""Every URL rule of the app, for every role: the expected statuses sit in one table per
domain (tests/access/), merged here. A route missing from the tables fails the test, so no
new route escapes the rules.

The roles: anonymous; an applicant (member of the world's organisation `org`, whose
proposals the world holds); an applicant of another organisation; an evaluator; a programme
manager; an admin; the coordinator of another funded project (tests/access/projects.py
builds them and their projects).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from tests.access.common import LOGIN, ROLES
from tests.conftest import login

_MODULES = [
    importlib.import_module(f"tests.access.{m.name}")
    for m in pkgutil.iter_modules([str(Path(__file__).parent / "access")])
    if m.name != "common"
]
EXPECTED: dict = {}
for _module in _MODULES:
    duplicated = EXPECTED.keys() & _module.EXPECTED.keys()
    assert not duplicated, f"endpoints in two access tables: {duplicated}"
    EXPECTED.update(_module.EXPECTED)


@pytest.fixture
def world(request, db, create_user, create_organisation):
    org, other_org = create_organisation(), create_organisation()
    users = {
        "applicant": create_user(organisation=org),
        "other_applicant": create_user(organisation=other_org),
        "evaluator": create_user(roles=("evaluator",)),
        "manager": create_user(roles=("programme_manager",)),
        "admin": create_user(roles=("admin",)),
    }
    world = {
        "org": org.id,
        "other_org": other_org.id,
        "users": users,
        "applicant": users["applicant"].id,
    }
    fixtures = _FixtureGetter(request)
    for module in _MODULES:
        module.build(world, fixtures)
    return world


class _FixtureGetter(dict):
    """Gives domain `build` functions any fixture by name: fixtures["create_call"]."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def __missing__(self, name):
        return self.request.getfixturevalue(name)


def test_every_rule_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "routes without access expectations"
    assert EXPECTED.keys() - endpoints == set(), "expectations for routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role):
    from flask import url_for

    client = app.test_client()
    if role != "anonymous":
        assert login(client, world["users"][role]).status_code == 302
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        method, arguments, expected = EXPECTED[rule.endpoint]
        assert method in rule.methods, f"{rule.endpoint} does not accept {method}"
        with app.test_request_context():
            url = url_for(rule.endpoint, **arguments(world))
        response = client.post(url) if method == "POST" else client.get(url)
        index = ROLES.index(role)
        if len(expected) < len(ROLES) and role == "other_coordinator":
            index = ROLES.index("other_applicant")
        want = expected[index]
        if want == LOGIN:
            ok = response.status_code == 302 and "/login" in response.location
        else:
            ok = response.status_code == want
        if not ok:
            failures.append(f"{method} {url}: expected {want}, got {response.status_code}")
        logs_out = ("accounts.logout", "accounts.log_out_everywhere")
        if rule.endpoint in logs_out and role != "anonymous":
            login(client, world["users"][role])  # back in for the remaining rules
    assert failures == []
