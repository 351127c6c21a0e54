"""notify(): one call per event fans out to the notification centre and to mail by each
user's preference; mandatory events always by e-mail; the daily digest; the centre's pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from grants import clock
from grants.audit.models import AuditEntry
from grants.jobs.scheduler import run_now, tick
from grants.jobs.worker import run_jobs
from grants.notifications.models import Channel, Notification, NotificationPreference
from grants.notifications.services import deliver_now, notify, save_preferences
from tests.conftest import login


def _tell(db, users, code="review.assigned", key="", **kwargs):
    messages = notify(
        code,
        users,
        None,
        key=key,
        subject=kwargs.pop("subject", "2 proposals assigned to you"),
        link="http://localhost/review",
        **kwargs,
    )
    db.session.commit()
    return messages


def test_one_call_notifies_in_the_app_and_by_mail_once(db, create_user, mailbox):
    a, b = create_user(roles=("evaluator",)), create_user(roles=("evaluator",))
    assert len(_tell(db, [a, b, a], audit=True)) == 2
    assert _tell(db, [a, b]) == []  # the same (event, recipient, object): nothing twice
    deliver_now()
    assert [m["To"] for m in mailbox.messages].count(a.email) == 1
    notices = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [(n.user_id, n.link, n.channel) for n in notices] == [
        (a.id, "/review", Channel.EMAIL),
        (b.id, "/review", Channel.EMAIL),
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notify"))
    assert "2 recipients" in entry.summary


def test_preferences_are_respected_and_mandatory_events_always_mail(db, create_user, mailbox):
    app_only, digest, default = (create_user(roles=("evaluator",)) for _ in range(3))
    save_preferences(app_only, {"review.assigned": "app", "results.published": "app"})
    save_preferences(digest, {"review.assigned": "digest"})
    _tell(db, [app_only, digest, default])
    _tell(db, [app_only], code="results.published", subject="Result of X")
    deliver_now()
    assert sorted(m["To"] for m in mailbox.messages) == sorted([default.email, app_only.email])
    assert mailbox.last_to(app_only.email)["Subject"] == "Result of X"  # mandatory
    channels = dict(db.session.execute(select(Notification.user_id, Notification.channel)).all())
    assert channels[digest.id] == Channel.DIGEST
    # results.published is mandatory: a stored preference for it is ignored, never saved
    stored = db.session.scalars(
        select(NotificationPreference.event).where(NotificationPreference.user_id == app_only.id)
    ).all()
    assert stored == ["review.assigned"]


def test_daily_digest_lists_the_notices_once(db, create_user, mailbox):
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    user = create_user(roles=("evaluator",))
    other = create_user(roles=("evaluator",))
    save_preferences(user, {"review.assigned": "digest", "review.reminder": "digest"})
    _tell(db, [user, other], subject="3 proposals assigned to you")
    _tell(db, [user], code="review.reminder", subject="Reminder: 3 evaluations due in 7 days")
    deliver_now()
    mailbox.clear()
    tick()  # registers the schedules: the digest fires next at 07:00 Brussels
    clock.travel(timedelta(days=1))  # 3 March, 10:00 Brussels
    assert {j.payload["name"] for j in tick()} >= {"notifications.digest"}
    run_jobs()
    digest = mailbox.last_to(user.email)
    body = mailbox.body(digest)
    assert digest["Subject"].startswith("Your daily summary: 2 notices")
    assert "3 proposals assigned to you" in body and "Reminder: 3 evaluations" in body
    assert "http://localhost/review" in body and "/notifications/preferences" in body
    assert "<li>" in digest.get_body(preferencelist=("html",)).get_content()
    assert mailbox.to(other.email) == []  # the other one got it at once, not in a digest
    mailbox.clear()
    run_now("notifications.digest")
    run_jobs()
    assert mailbox.messages == []  # a second run sends nothing again


def test_the_centre_lists_opens_and_marks_read(client, db, create_user, login_as):
    user, stranger = create_user(), create_user()
    for n in range(3):
        _tell(db, [user], code="job.finished", key=str(n), subject=f"Export {n} is ready")
    login_as(user)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Export 2 is ready" in page and "3 unread of 3" in page
    assert "Notifications: 3 unread" in client.get("/dashboard").get_data(as_text=True)
    first = db.session.scalars(select(Notification).order_by(Notification.id)).first()
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.location == "/review"
    assert "2 unread of 3" in client.get("/notifications").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert "0 unread of 3" in client.get("/notifications").get_data(as_text=True)
    assert "unread" not in client.get("/dashboard").get_data(as_text=True).split("<main")[0]
    client.post("/logout")
    login_as(stranger)
    assert client.post(f"/notifications/{first.id}/open").status_code == 404
    assert client.post("/notifications/99999999999999999999/open").status_code == 404


def test_the_bell_counts_what_the_request_itself_adds_or_reads(app, client, db, create_user):
    """The count read with the session at the start of a request (issue 16) is asked again
    once the request has added or read a notice: a page rendered after it shows the new one."""
    from grants.accounts import sessions
    from grants.notifications.services import mark_all_read, unread_count

    user = create_user()
    _tell(db, [user], code="job.finished", key="1", subject="Export 1 is ready")
    assert login(client, user).status_code == 302
    with client.session_transaction() as cookie:
        ident = cookie["_user_id"]
    with app.app_context():
        loaded = sessions.load(ident)
        assert loaded.read_along["unread_notifications"] == 1
        _tell(db, [loaded], code="job.finished", key="2", subject="Export 2 is ready")
        assert unread_count(loaded) == 2
        mark_all_read(loaded)
        assert unread_count(loaded) == 0
    with app.app_context():
        assert unread_count(sessions.load(ident)) == 0


def test_preferences_form_saves_and_refuses_bad_values(client, db, create_user, login_as):
    evaluator = create_user(roles=("evaluator",))
    login_as(evaluator)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Reminders of evaluations due" in page and "Receipts of submitted proposals" in page
    assert "Selected for funding" not in page
    response = client.post(
        "/notifications/preferences",
        data={"event_review_reminder": "sms", "event_review_assigned": "digest"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # the error at the group, every option tied to it, the summary linking to the first one
    assert 'id="event_review_reminder-error"' in html and "Not a valid choice" in html
    assert 'href="#event_review_reminder-0"' in html
    at = html.index('id="event_review_reminder-0"')
    first = html[html.rindex("<", 0, at) : html.index(">", at)]
    assert 'aria-invalid="true"' in first and "event_review_reminder-error" in first
    assert 'id="event_review_assigned-error"' not in html
    assert db.session.scalars(select(NotificationPreference)).all() == []
    data = {
        "event_" + code.replace(".", "_"): "email"
        for code in ("review.assigned", "review.reminder", "review.overdue", "call.opened")
    }
    data.update(
        {
            "event_consensus_appointed": "email",
            "event_consensus_returned": "email",
            "event_consensus_reminder": "email",
            "event_job_finished": "app",
            "event_review_reminder": "digest",
        }
    )
    response = client.post("/notifications/preferences", data=data)
    assert response.status_code == 302
    stored = dict(
        db.session.execute(
            select(NotificationPreference.event, NotificationPreference.channel)
        ).all()
    )
    assert stored == {
        "review.reminder": Channel.DIGEST,
        "call.opened": Channel.EMAIL,
    }
