"""The movable clock, time-zone display, and the error pages in the app's layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from grants import clock, create_app


def test_clock_freezes_and_travels():
    moment = datetime(2024, 8, 21, 15, 0, tzinfo=UTC)
    clock.freeze(moment)
    assert clock.now() == moment
    clock.travel(timedelta(seconds=1))
    assert clock.now() == moment + timedelta(seconds=1)
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    with pytest.raises(ValueError):
        clock.freeze(datetime(2024, 1, 1))


def test_brussels_conversions_follow_summer_and_winter_time():
    # AMIF-2024-TF2-AG-THB: deadline 21 August 2024 17:00 Brussels time = 15:00 UTC.
    assert clock.brussels_to_utc(datetime(2024, 8, 21, 17, 0)) == datetime(
        2024, 8, 21, 15, 0, tzinfo=UTC
    )
    assert clock.brussels_to_utc(datetime(2024, 1, 21, 17, 0)).hour == 16
    deadline = datetime(2024, 8, 21, 15, 0, tzinfo=UTC)
    assert clock.format_in_zone(deadline, "Europe/Brussels") == "21 Aug 2024 17:00 CEST"
    assert clock.format_in_zone(deadline, "Europe/Lisbon") == "21 Aug 2024 16:00 WEST"
    assert clock.format_in_zone(deadline, "Not/AZone").endswith("CEST")
    naive_from_sqlite = datetime(2024, 8, 21, 15, 0)
    assert clock.to_brussels(naive_from_sqlite).hour == 17


def test_stored_times_come_back_aware_utc(db, create_user):
    clock.freeze(datetime(2026, 5, 1, 8, 30, tzinfo=UTC))
    user = create_user()
    db.session.expire_all()
    assert user.created_at == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    assert user.created_at.tzinfo is not None


def test_404_page_uses_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Not found" in body and "Funding the EU Strategy on Combatting" in body


def test_413_explains_the_limit_and_403_is_in_the_layout(client, create_user, login_as):
    response = client.post("/login", data={"email": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413
    assert "limit of 10 MB" in response.get_data(as_text=True)
    login_as(create_user())
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_500_page_and_400_page(app):
    broken = create_app({**app.config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})

    @broken.route("/boom")
    def boom():
        raise RuntimeError("boom")

    client = broken.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    response = client.post("/login", data={})  # no CSRF token
    assert response.status_code == 400


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_row_url_builds_the_links_url_for_builds(app):
    from flask import url_for

    from grants.web import row_url

    with app.test_request_context("/"):
        review = row_url("review.proposal_review", "submission_id")
        esr = row_url("review.esr_pdf", "submission_id")
        listing = row_url("proposals.call_submissions", "call_id", status="submitted")
        for id_ in (1, 42, 7_654_321, 10**12):
            assert review(id_) == url_for("review.proposal_review", submission_id=id_)
            assert esr(id_) == url_for("review.esr_pdf", submission_id=id_)
            assert listing(id_) == url_for(
                "proposals.call_submissions", call_id=id_, status="submitted"
            )
        assert review("17") == url_for("review.proposal_review", submission_id=17)
        # the id twice in the URL: each link is built in full, and still right
        twice = row_url("proposals.call_submissions", "call_id", status=7_654_321_987)
        assert twice(5) == url_for("proposals.call_submissions", call_id=5, status=7_654_321_987)


def test_nowrap_amounts_keeps_each_amount_on_one_line_and_escapes_the_rest():
    from grants.web import nowrap_amounts

    text = "Selected: EUR 661\u202f500.00 fits; <b>left</b> EUR 12.50 and EUR 3"
    html = str(nowrap_amounts(text))
    assert '<span class="text-nowrap">EUR 661\u202f500.00</span> fits' in html
    assert '<span class="text-nowrap">EUR 12.50</span>' in html
    assert '<span class="text-nowrap">EUR 3</span>' in html
    assert "&lt;b&gt;left&lt;/b&gt;" in html and "<b>" not in html
    assert str(nowrap_amounts(None)) == ""


def test_quantity_drops_the_decimals_of_whole_numbers_and_keeps_real_ones():
    from grants.formatting import quantity

    assert quantity(Decimal("400.00")) == "400"  # as Numeric(14, 2) gives it back
    assert quantity("400.00") == "400"  # as a work plan stores it
    assert quantity(Decimal("12.50")) == "12.5"
    assert quantity(Decimal("0.05")) == "0.05"
    assert quantity(Decimal("4E+2")) == "400"  # a normalised Decimal: no exponent
    assert quantity(12345) == "12\u202f345" and quantity(Decimal("1234567.25")) == (
        "1\u202f234\u202f567.25"
    )
    assert quantity(0) == "0" and quantity(None) == "" and quantity("") == ""
    assert quantity("about forty") == "about forty"  # stored text is shown as it is


def test_count_of_says_one_and_many_without_brackets():
    from grants.formatting import count_of

    assert count_of(1, "result letter") == "1 result letter"
    assert count_of(0, "result letter") == "0 result letters"
    assert count_of(3, "country", "countries") == "3 countries"
    assert count_of(1, "country", "countries") == "1 country"
