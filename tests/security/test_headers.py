"""Response headers and the Origin check (issue 10, point 6)."""

from __future__ import annotations

from grants.security.headers import HSTS


def test_pages_carry_permissions_policy_and_no_server_version(client):
    response = client.get("/")
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Server" not in response.headers


def test_hsts_only_when_cookies_are_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        assert client.get("/").headers["Strict-Transport-Security"] == HSTS
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_every_page_of_a_logged_in_person_is_no_store(client, create_user, login_as):
    user = create_user(roles=("programme_manager",))
    assert client.get("/").headers.get("Cache-Control") != "no-store"  # anonymous home page
    login_as(user)
    for path in ("/", "/dashboard", "/account", "/audit/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.get("/static/app.css").headers.get("Cache-Control") != "no-store"


def test_post_from_another_site_is_refused_and_changes_nothing(client, db, create_user, login_as):
    user = create_user()
    login_as(user)
    data = {"full_name": "Changed By Another Site", "timezone": "Europe/Paris"}
    for origin in ("https://evil.example", "null"):
        response = client.post("/account", data=data, headers={"Origin": origin})
        assert response.status_code == 403
        assert "sent from another site" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.full_name != "Changed By Another Site"
    # The same form from this site is accepted.
    response = client.post("/account", data=data, headers={"Origin": "http://localhost"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.full_name == "Changed By Another Site"
