"""Every URL rule of the app, for every role: the expected status sits in one table.

A route that is missing from the table fails the test, so no new route escapes the rules.
"""

from __future__ import annotations

import pytest

from tests.conftest import login

ROLES = ("anonymous", "applicant", "other_applicant", "evaluator", "manager", "admin")
LOGIN = "login"  # a redirect to the login page

OK_ALL = (200,) * 6
PUBLIC_FORM = (200, 302, 302, 302, 302, 302)  # logged-in users are sent to their dashboard
MEMBERS = (LOGIN, 200, 200, 200, 200, 200)

# endpoint: (method, url arguments from the world, expected per role in ROLES order)
EXPECTED = {
    "static": ("GET", lambda w: {"filename": "app.css"}, OK_ALL),
    "main.index": ("GET", lambda w: {}, OK_ALL),
    "main.health": ("GET", lambda w: {}, OK_ALL),
    "main.dashboard": ("GET", lambda w: {}, MEMBERS),
    "accounts.register": ("GET", lambda w: {}, PUBLIC_FORM),
    "accounts.login": ("GET", lambda w: {}, PUBLIC_FORM),
    "accounts.confirm": ("GET", lambda w: {"token": "not-a-token"}, (302,) * 6),
    "accounts.logout": ("POST", lambda w: {}, (302,) * 6),
    "accounts.forgot_password": ("GET", lambda w: {}, OK_ALL),
    "accounts.reset_password": ("GET", lambda w: {"token": "not-a-token"}, (302,) * 6),
    "accounts.profile": ("GET", lambda w: {}, MEMBERS),
    "accounts.organisations": ("GET", lambda w: {}, MEMBERS),
    "accounts.new_organisation": ("GET", lambda w: {}, (LOGIN, 200, 200, 403, 403, 403)),
    "accounts.organisation": (
        "GET",
        lambda w: {"organisation_id": w["org"]},
        (LOGIN, 200, 404, 404, 200, 200),
    ),
    "accounts.edit_organisation": (
        "GET",
        lambda w: {"organisation_id": w["org"]},
        (LOGIN, 200, 404, 404, 404, 200),
    ),
    "accounts.add_member": (
        "POST",
        lambda w: {"organisation_id": w["org"]},
        (LOGIN, 302, 404, 404, 404, 302),
    ),
    "accounts.admin_users": ("GET", lambda w: {}, (LOGIN, 403, 403, 403, 403, 200)),
    "accounts.admin_user": (
        "GET",
        lambda w: {"user_id": w["applicant"]},
        (LOGIN, 403, 403, 403, 403, 200),
    ),
    "taxonomy.index": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.priority": ("GET", lambda w: {"code": "child"}, OK_ALL),
    "taxonomy.strategy_2012": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.funds": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.exploitation": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.target_groups": ("GET", lambda w: {}, OK_ALL),
    "taxonomy.countries": ("GET", lambda w: {}, OK_ALL),
    "audit.index": ("GET", lambda w: {}, (LOGIN, 403, 403, 403, 200, 200)),
}


@pytest.fixture
def world(db, create_user, create_organisation):
    org, other_org = create_organisation(), create_organisation()
    users = {
        "applicant": create_user(organisation=org),
        "other_applicant": create_user(organisation=other_org),
        "evaluator": create_user(roles=("evaluator",)),
        "manager": create_user(roles=("programme_manager",)),
        "admin": create_user(roles=("admin",)),
    }
    return {"org": org.id, "users": users, "applicant": users["applicant"].id}


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
        want = expected[ROLES.index(role)]
        if want == LOGIN:
            ok = response.status_code == 302 and "/login" in response.location
        else:
            ok = response.status_code == want
        if not ok:
            failures.append(f"{method} {url}: expected {want}, got {response.status_code}")
        if method == "POST" and rule.endpoint == "accounts.logout" and role != "anonymous":
            login(client, world["users"][role])
    assert failures == []
