"""No input answers 500: every route of app.url_map gets absurd values for each of its path
parameters (and for ?page=), as an admin and as an applicant, over the access matrix's world."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.conftest import login
from tests.test_access_matrix import EXPECTED, world  # noqa: F401  (the fixture)

BAD_VALUES = ["0", "-1", str(2**63), str(10**30), "\x00", "x" * 10240, "１２３"]
PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _url(rule, values: dict) -> str:
    return PARAMETER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)


def _request(client, method: str, url: str):
    return client.post(url) if method == "POST" else client.get(url)


@pytest.mark.parametrize("role", ["admin", "applicant"])
def test_no_route_answers_500_to_absurd_values(app, world, role):  # noqa: F811
    client = app.test_client()
    assert login(client, world["users"][role]).status_code == 302
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint in ("accounts.logout", "accounts.log_out_everywhere"):
            continue  # they end the session the test runs in; they take no parameters
        method, arguments, _ = EXPECTED[rule.endpoint]
        valid = arguments(world)
        cases = [(name, bad) for name in sorted(rule.arguments) for bad in BAD_VALUES]
        for name, bad in cases:
            url = _url(rule, {**valid, name: bad})
            status = _request(client, method, url).status_code
            if status >= 500:
                failures.append(f"{method} {url[:120]} ({name}={bad[:12]!r}): {status}")
        if method == "GET":
            base = _url(rule, valid)
            for bad in BAD_VALUES:
                url = f"{base}?page={quote(bad, safe='')}"
                status = client.get(url).status_code
                if status >= 500:
                    failures.append(f"GET {url[:120]}: {status}")
    assert failures == []


def test_absurd_audit_filters_are_a_message_not_a_500(app, client, create_user):
    manager = create_user(roles=("programme_manager",))
    login(client, manager)
    for since in ("0001-01-01", "9999-12-31", "2026-13-01", "x" * 10240):
        response = client.get(f"/audit/?since={since}&until={since}")
        assert response.status_code == 200, since
        page = response.get_data(as_text=True)
        assert "is out of range" in page or "is not a date" in page


def test_page_numbers_far_past_the_end_show_the_last_page(app, client, create_user):
    manager = create_user(roles=("programme_manager",))
    login(client, manager)
    for page in (10**24, 2**63, -5):
        assert client.get(f"/audit/?page={page}").status_code == 200


def test_ids_above_the_column_range_are_404(app, client, create_user):
    applicant = create_user()
    login(client, applicant)
    for value in (2**31, 2**63, 10**30):
        assert client.get(f"/organisations/{value}").status_code == 404


def test_a_nul_character_is_a_400_with_a_message(app, client, create_user):
    login(client, create_user())
    for url in ("/account?x=a%00b", "/confirm/ab%00cd", "/password/reset/x%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "NUL character" in response.get_data(as_text=True)
    # in a form, the form says it at the field
    response = client.post("/account", data={"full_name": "A\x00B", "timezone": "Europe/Brussels"})
    assert response.status_code == 422
    assert 'id="full_name-error"' in response.get_data(as_text=True)
