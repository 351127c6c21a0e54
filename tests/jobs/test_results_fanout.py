"""Publishing results notifies every applicant (the submitter and the coordinating
organisation's contacts) in the app and by e-mail without a query per proposal: the
statements publish_results runs are the same for a call of 2 proposals and of 6 (on SQLite,
but for the INSERTs of the new rows, which SQLAlchemy writes one by one there)."""

from __future__ import annotations

from sqlalchemy import event, func, select

from grants.extensions import db as _db
from grants.jobs.models import Job
from grants.notifications.models import Notification, OutboxMessage


def _publish_counting(call, manager) -> tuple[int, int]:
    from grants.review import ranking

    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    ranking.finalise(call, ranking.build(call).digest, manager)
    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        ranking.publish_results(call, manager)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    inserts = sum(s.lstrip().startswith("INSERT") for s in statements)
    return len(statements) - inserts, inserts


def test_publishing_results_runs_the_same_statements_for_2_and_6_proposals(
    lazy, db, evaluated, approve_all, create_user
):
    manager = create_user(roles=("programme_manager",))
    counts = {}
    for n in (2, 6):
        call, submissions, _ = evaluated(n=n)
        approve_all(call, submissions, manager)
        counts[n] = _publish_counting(call, manager)
        recipients = {
            (s.id, u.id) for s in submissions for u in s.submitter_and_contacts().values()
        }
        notices = db.session.execute(
            select(Notification.object_id, Notification.user_id).where(
                Notification.event == "results.published",
                Notification.object_id.in_([str(s.id) for s in submissions]),
            )
        ).all()
        assert {(int(o), u) for o, u in notices} == recipients
        letters = db.session.scalar(
            select(func.count()).where(
                OutboxMessage.subject.startswith("Result of"),
                OutboxMessage.subject.contains(f"under {call.reference}:"),
            )
        )
        assert letters == len(recipients)
    (reads_2, inserts_2), (reads_6, inserts_6) = counts[2], counts[6]
    assert reads_2 == reads_6, counts  # every SELECT and UPDATE: none per proposal
    if db.engine.dialect.name == "postgresql":
        assert inserts_2 == inserts_6, counts  # each table's new rows in one INSERT
    else:
        # SQLite: the ORM inserts row by row (SQLite cannot return a multi-row INSERT's ids
        # in order), in process, without a round trip to a server.
        assert inserts_6 > inserts_2
    assert db.session.scalar(select(func.count()).where(Job.kind == "pdf.esr")) == 8
