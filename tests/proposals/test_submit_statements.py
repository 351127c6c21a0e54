"""The submit request sends only the statements it needs (issue 10, point 10): the token of
the form is looked up only when a submit is refused (a double click lands there), the keys of
the jobs, the notice and the mail of a submission made in this transaction are not looked up,
the version number comes from the submissions already loaded; and a pooled connection is
pinged only after it sat idle, not at every checkout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, select, text

from grants import clock
from grants import extensions as ext
from grants.jobs.models import Job
from grants.notifications.models import Notification, OutboxMessage
from grants.proposals import submitting
from grants.proposals.errors import ProposalError
from grants.proposals.models import Submission


def _member(proposal):
    return proposal.organisation.memberships[0].user


def _statements_of(db, do):
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        result = do()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return result, seen


def test_a_submit_reads_no_key_it_just_made(create_proposal, db, monkeypatch):
    monkeypatch.setattr(submitting, "eager", lambda: False)  # the mail left to the worker
    proposal = create_proposal()
    db.session.commit()
    db.session.expire_all()
    user = _member(proposal)
    submission, seen = _statements_of(
        db,
        lambda: submitting.submit(proposal, user, submitting.new_submit_token(), proposal.version),
    )
    selects = [s for s in seen if s.startswith("SELECT")]
    for table in ("job", "notification", "outbox_message"):
        assert not any(f"FROM {table}" in s for s in selects), table
    assert not any("max(submission.version)" in s for s in selects)
    assert sum("FROM submission " in s or s.endswith("FROM submission") for s in selects) <= 1
    # What the submit must write is all there.
    keys = set(db.session.scalars(select(Job.dedupe_key)))
    assert {f"pdf.receipt:{submission.id}", f"alignment:{submission.id}"} <= keys
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    assert mail is not None and f"mail:{mail.message_id}" in keys
    assert db.session.scalar(
        select(Notification).where(Notification.object_id == str(submission.id))
    )


def test_a_double_click_after_the_deadline_still_gets_its_submission(create_proposal, db):
    proposal = create_proposal()
    user = _member(proposal)
    token, version = submitting.new_submit_token(), proposal.version
    first = submitting.submit(proposal, user, token, version)
    clock.freeze(proposal.call.deadline_at + timedelta(seconds=1))  # reset after each test
    again = submitting.submit(proposal, user, token, version)
    assert again.id == first.id


def test_the_token_of_another_proposals_form_is_refused(create_proposal, db):
    one = create_proposal()
    other = create_proposal(call=one.call)
    token = submitting.new_submit_token()
    submitting.submit(one, _member(one), token, one.version)
    with pytest.raises(ProposalError, match="expired"):
        submitting.submit(other, _member(other), token, other.version)
    db.session.rollback()
    assert db.session.scalar(select(Submission).where(Submission.proposal_id == other.id)) is None


def test_a_connection_is_pinged_only_after_sitting_idle(tmp_path, monkeypatch):
    engine = create_engine(f"sqlite:///{tmp_path / 'ping.sqlite'}")
    try:

        def break_the_pooled_connection():
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                raw = connection.connection.dbapi_connection
            raw.close()  # back in the pool, then gone: as after a server restart

        # In steady use (idle less than the limit): not pinged, so the broken one is used.
        monkeypatch.setattr(ext, "PING_AFTER_IDLE_SECONDS", 3600)
        break_the_pooled_connection()
        with pytest.raises(Exception, match="closed"), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        # Idle past the limit: pinged at checkout, found broken and replaced before use.
        monkeypatch.setattr(ext, "PING_AFTER_IDLE_SECONDS", 0)
        break_the_pooled_connection()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


# The requests of the deadline rush (benchmarks/profile_rush.py) ----------------------------


def test_the_submit_request_sends_one_audit_insert_and_reads_no_submission_of_a_draft(
    client, login_as, create_proposal, db, monkeypatch
):
    from benchmarks import rush
    from grants.audit.models import AuditEntry

    monkeypatch.setattr(submitting, "eager", lambda: False)  # the mail left to the worker
    proposal = create_proposal()
    login_as(_member(proposal))
    page, seen = _statements_of(
        db, lambda: client.get(f"/proposals/{proposal.id}/submit").get_data(as_text=True)
    )
    # The submit page of a draft: nothing submitted yet, known without reading submissions.
    assert not any("FROM submission" in s for s in seen), seen
    form = rush.form_fields(page, "token")
    response, seen = _statements_of(
        db, lambda: client.post(f"/proposals/{proposal.id}/submit", data=form, csrf=False)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert "/submissions/" in response.headers["Location"]
    # The status change and the submission are audited in one flush: one INSERT on PostgreSQL
    # (SQLAlchemy's insertmanyvalues; SQLite's driver sends one per row); no submission is
    # read (a draft has none); the whole request stays at its fixed number of statements.
    postgres = db.engine.dialect.name == "postgresql"
    audit_inserts = sum(s.startswith("INSERT INTO audit_entry") for s in seen)
    assert audit_inserts == (1 if postgres else 2), seen
    selects = [s for s in seen if s.startswith("SELECT")]
    assert not any("FROM submission" in s for s in selects), selects
    # The session with its user, the proposal, its 7 kinds of rows, the organisation's contacts.
    assert len(selects) <= 10, "\n".join(s[:120] for s in selects)
    if postgres:  # and the writes: audit, proposal, submission, notice, mail, jobs
        assert len(seen) <= 16, "\n".join(s[:120] for s in seen)
    actions = db.session.execute(
        select(AuditEntry.action, AuditEntry.changes)
        .where(AuditEntry.entity_type == "proposal", AuditEntry.entity_id == str(proposal.id))
        .order_by(AuditEntry.id)
    ).all()
    assert [a for a, _ in actions][-2:] == ["status", "submit"]
    submission = db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))
    assert actions[-1].changes["sha256"] == submission.sha256
    assert actions[-1].changes["submission"] == submission.reference


def test_the_receipt_of_a_first_version_lists_no_versions_and_later_ones_skip_the_content(
    client, login_as, create_proposal, submit_proposal, db
):
    proposal = create_proposal()
    user = _member(proposal)
    first = submit_proposal(proposal)
    url, digest = f"/submissions/{first.id}", first.sha256
    login_as(user)
    response, seen = _statements_of(db, lambda: client.get(url))
    assert response.status_code == 200
    assert digest in response.get_data(as_text=True)
    # Only its own row: a current first version is the only version.
    assert sum("FROM submission " in s for s in seen if s.startswith("SELECT")) == 1, "\n".join(
        s[:200] for s in seen
    )
    proposal.title = "A changed title"
    db.session.commit()
    second = submit_proposal(proposal)
    second_id = second.id
    db.session.expire_all()
    response, seen = _statements_of(db, lambda: client.get(url))
    html = response.get_data(as_text=True)
    assert "Other versions" in html and f"/submissions/{second_id}" in html
    assert "Superseded" in html
    # The list of versions reads their columns, not their submitted content.
    listing = [s for s in seen if "FROM submission" in s and "submission.version" in s]
    assert len([s for s in listing if "submission.content" not in s]) == 1, listing
