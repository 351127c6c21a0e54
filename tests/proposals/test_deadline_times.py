"""Times as the reader needs them (issue 15, point 9): the deadline in Brussels time (the
legal one) and in the zone of the reader's profile, named; what is left in words from the
server; and a nudge to submit early in the last three days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from grants import clock
from grants.review.models import AssignmentState

DEADLINE = datetime(2026, 8, 21, 15, 0, tzinfo=UTC)  # 17:00 CEST


def test_countdown_words():
    assert clock.countdown(DEADLINE, moment=DEADLINE - timedelta(days=3, hours=4)) == (
        "closes in 3 days 4 hours"
    )
    # on the day itself, in Brussels: the hour, and what is left
    assert clock.countdown(DEADLINE, moment=DEADLINE - timedelta(hours=2, minutes=5)) == (
        "closes today at 17:00 Brussels time, in 2 hours 5 minutes"
    )
    # 23:30 the evening before, in Brussels, is not "today"
    assert clock.countdown(DEADLINE, moment=datetime(2026, 8, 20, 21, 30, tzinfo=UTC)).startswith(
        "closes in 17 hours"
    )
    assert clock.countdown(DEADLINE, moment=DEADLINE) == "closed: the deadline has passed"
    assert clock.countdown(DEADLINE, "due", moment=DEADLINE + timedelta(days=1)) == "overdue"
    assert clock.closing_soon(DEADLINE, 3, DEADLINE - timedelta(days=2, hours=23))
    assert not clock.closing_soon(DEADLINE, 3, DEADLINE - timedelta(days=3, hours=1))
    assert not clock.closing_soon(DEADLINE, 3, DEADLINE + timedelta(seconds=1))


def test_your_time_names_the_zone_of_the_profile_and_is_left_out_in_brussels_time():
    assert clock.your_time(DEADLINE, "America/New_York") == (
        "21 Aug 2026 11:00 EDT, America/New_York"
    )
    assert clock.your_time(DEADLINE, "Europe/Brussels") == ""
    assert clock.your_time(DEADLINE, "Europe/Paris") == ""  # the same clock as Brussels
    assert clock.your_time(DEADLINE, "") == ""


def test_my_proposals_and_the_proposal_pages_show_both_times_and_the_countdown(
    db, client, login_as, create_call, create_proposal
):
    clock.freeze(DEADLINE - timedelta(days=2, hours=4))
    call = create_call(opens_at=DEADLINE - timedelta(days=60), deadline_at=DEADLINE)
    proposal = create_proposal(call=call)
    user = proposal.created_by
    user.timezone = "Asia/Manila"
    db.session.commit()
    login_as(user)
    for url in ("/proposals", f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/submit"):
        html = client.get(url).get_data(as_text=True)
        assert "21 Aug 2026 17:00 CEST</time> Brussels time" in html, url
        assert "(21 Aug 2026 23:00 PST, Asia/Manila, your time)" in html, url
        assert 'data-countdown="2026-08-21T15:00:00+00:00"' in html, url
        assert "closes in 2 days 4 hours" in html, url
        assert "submit-early" in html, url  # a draft, less than three days before the deadline
    submit = client.get(f"/proposals/{proposal.id}/submit").get_data(as_text=True)
    # The deadline to the second in UTC, readable: not "2026-08-21T15:00:00+00:00" in the text.
    assert '<time datetime="2026-08-21T15:00:00+00:00">15:00:00 UTC</time>' in submit
    assert ">2026-08-21T15:00:00+00:00<" not in submit and "(2026-08-21T" not in submit
    assert "Submit this proposal early" in client.get(f"/proposals/{proposal.id}").get_data(
        as_text=True
    )


def test_no_nudge_with_more_than_three_days_left_nor_once_submitted_without_changes(
    db, client, login_as, create_call, create_proposal, submit_proposal
):
    clock.freeze(DEADLINE - timedelta(days=3, hours=1))
    call = create_call(opens_at=DEADLINE - timedelta(days=60), deadline_at=DEADLINE)
    proposal = create_proposal(call=call)
    login_as(proposal.created_by)
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "closes in 3 days 1 hour" in html and "submit-early" not in html
    assert "your time" not in html  # the profile's zone is Brussels: one time is enough
    clock.freeze(DEADLINE - timedelta(hours=3))
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "closes today at 17:00 Brussels time, in 3 hours" in html
    assert "Submit this proposal early" in html
    submit_proposal(proposal)
    for url in ("/proposals", f"/proposals/{proposal.id}"):
        assert "submit-early" not in client.get(url).get_data(as_text=True), url


def test_the_review_queue_counts_down_to_each_due_date_in_the_profile_zone(
    db, client, login_as, closed_call, create_evaluator, create_assignment
):
    call, submissions = closed_call(n=1)
    evaluator = create_evaluator()
    evaluator.timezone = "America/New_York"
    assignment = create_assignment(submissions[0], evaluator, state=AssignmentState.ACTIVE)
    assignment.due_at = DEADLINE
    db.session.commit()
    clock.freeze(DEADLINE - timedelta(days=5, hours=2))
    login_as(evaluator)
    html = client.get("/review").get_data(as_text=True)
    assert "21 Aug 2026 17:00 CEST</time> Brussels time" in html
    assert "(21 Aug 2026 11:00 EDT, America/New_York, your time)" in html
    assert "due in 5 days 2 hours" in html
    clock.freeze(DEADLINE + timedelta(hours=1))
    assert "overdue" in client.get("/review").get_data(as_text=True)
