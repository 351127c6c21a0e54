"""Submission: the deadline to the second, versions, idempotency, withdrawal, the receipt
(mail and PDF) and the programme's review of the checks."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from grants import clock
from grants.audit.models import AuditEntry
from grants.proposals import programme, sections, snapshot, submitting
from grants.proposals.errors import Incomplete, ProposalError, ProposalLocked, StaleProposal
from grants.proposals.models import ProposalStatus, Submission

DEADLINE = datetime(2024, 8, 21, 15, 0, tzinfo=UTC)  # 17:00 Brussels summer time


@pytest.fixture
def historic_call(create_call):
    return create_call(
        reference="AMIF-2024-TF2-AG-THB",
        opens_at=DEADLINE - timedelta(days=90),
        deadline_at=DEADLINE,
        min_applicants=3,
        min_countries=3,
    )


def _member(proposal):
    return proposal.organisation.memberships[0].user


def test_submit_one_second_before_the_deadline(create_proposal, historic_call, submit_proposal):
    clock.freeze(DEADLINE - timedelta(days=1))
    proposal = create_proposal(call=historic_call)
    clock.freeze(DEADLINE - timedelta(seconds=1))
    submission = submit_proposal(proposal)
    assert submission.submitted_at == DEADLINE - timedelta(seconds=1)
    assert submission.reference == f"AMIF-2024-TF2-AG-THB-{proposal.id:06d}-V1"
    assert proposal.status == ProposalStatus.SUBMITTED
    assert submission.admissible and submission.eligible


def test_submit_at_the_deadline_is_refused(create_proposal, historic_call, submit_proposal, db):
    clock.freeze(DEADLINE - timedelta(days=1))
    proposal = create_proposal(call=historic_call)
    clock.freeze(DEADLINE)
    with pytest.raises(ProposalLocked, match="deadline of call AMIF-2024-TF2-AG-THB passed"):
        submit_proposal(proposal)
    assert db.session.scalar(select(Submission.id)) is None
    with pytest.raises(ProposalLocked):
        sections.save_section(proposal, "summary", {"acronym": "LATE"}, _member(proposal), 1)


def test_incomplete_proposal_is_not_submitted(create_proposal, submit_proposal):
    proposal = create_proposal(complete=False)
    with pytest.raises(Incomplete) as info:
        submit_proposal(proposal)
    assert any("acronym" in m.message for m in info.value.missing)


def test_failed_rules_are_recorded_with_their_reasons(create_proposal, submit_proposal, db):
    proposal = create_proposal()
    proposal.partners[1].country = "DK"
    db.session.commit()
    submission = submit_proposal(proposal)
    assert submission.admissible and not submission.eligible
    assert any("Denmark" in f["message"] for f in submission.failures)


def test_versions_the_last_counts_and_history_stays(create_proposal, submit_proposal, db):
    proposal = create_proposal()
    first = submit_proposal(proposal)
    same = submit_proposal(proposal)  # nothing changed: the same submission still counts
    assert same.id == first.id
    user = _member(proposal)
    sections.save_section(
        proposal,
        "relevance",
        {"relevance": "Updated relevance", "objectives": "Same"},
        user,
        proposal.version,
    )
    assert submitting.has_unsubmitted_changes(proposal)
    second = submit_proposal(proposal)
    assert second.version == 2 and second.is_current
    assert not first.is_current and first.superseded_at is not None
    assert first.sha256 != second.sha256
    assert first.content["relevance"] != second.content["relevance"]
    assert [s.version for s in proposal.submissions] == [1, 2]
    assert proposal.current_submission.id == second.id


def test_the_same_token_gives_one_submission(create_proposal, db):
    proposal = create_proposal()
    user = _member(proposal)
    token = submitting.new_submit_token()
    version = proposal.version
    first = submitting.submit(proposal, user, token, version)
    again = submitting.submit(proposal, user, token, version)  # a double click, stale version
    assert again.id == first.id
    assert db.session.scalar(select(Submission.id).where(Submission.id != first.id)) is None


def test_hash_is_of_the_canonical_content(create_proposal, submit_proposal):
    submission = submit_proposal(create_proposal())
    assert submission.sha256 == snapshot.content_hash(submission.content)
    assert len(submission.sha256) == 64


def test_stale_version_is_refused(create_proposal, db):
    proposal = create_proposal()
    user = _member(proposal)
    old = proposal.version
    sections.save_section(proposal, "summary", {"acronym": "NEW"}, user, old)
    with pytest.raises(StaleProposal, match="Nothing was overwritten"):
        sections.save_section(proposal, "summary", {"acronym": "OLD TAB"}, user, old)
    db.session.expire_all()
    assert proposal.acronym == "NEW"
    with pytest.raises(StaleProposal):
        submitting.submit(proposal, user, submitting.new_submit_token(), old)


def test_withdraw_before_deadline_and_not_after(
    create_proposal, historic_call, submit_proposal, mailbox
):
    clock.freeze(DEADLINE - timedelta(days=2))
    proposal = create_proposal(call=historic_call)
    submission = submit_proposal(proposal)
    user = _member(proposal)
    submitting.withdraw(proposal, user, proposal.version)
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert submission.withdrawn_at == clock.now()
    assert "withdrawn" in mailbox.body(mailbox.last_to(user.email))
    again = submit_proposal(proposal)  # can come back before the deadline
    assert again.version == 2 and proposal.status == ProposalStatus.SUBMITTED
    clock.freeze(DEADLINE)
    with pytest.raises(ProposalLocked, match="passed"):
        submitting.withdraw(proposal, user, proposal.version)


def test_a_draft_cannot_be_withdrawn(create_proposal):
    proposal = create_proposal()
    with pytest.raises(ProposalError, match="Only a submitted"):
        submitting.withdraw(proposal, _member(proposal), proposal.version)


def test_receipt_mail_and_audit(create_proposal, submit_proposal, mailbox, db):
    clock.freeze(datetime(2024, 1, 10, 9, 30, 5, tzinfo=UTC))
    proposal = create_proposal(
        call=None,
    )
    user = _member(proposal)
    submission = submit_proposal(proposal)
    body = mailbox.body(mailbox.last_to(user.email))
    assert submission.reference in body
    assert "10 Jan 2024 09:30:05 UTC" in body
    assert "10 Jan 2024 10:30:05 CET (Brussels)" in body
    assert submission.sha256 in body
    assert "/submissions/" in body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "submit"))
    assert entry.changes["sha256"] == submission.sha256


def test_receipt_pdf_text(app, create_proposal, submit_proposal, db):
    clock.freeze(datetime(2024, 8, 21, 14, 59, 59, tzinfo=UTC))
    proposal = create_proposal(call=None, title="<script>alert('x')</script> Shelters <b>now</b>")
    submission = submit_proposal(proposal)
    with app.test_request_context():
        pdf = submitting.receipt_pdf(submission)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert submission.reference in flat
    assert "21 Aug 2024 14:59:59 UTC" in flat
    assert "21 Aug 2024 16:59:59 CEST (Brussels)" in flat
    assert submission.sha256 in flat.replace(" ", "") or submission.sha256[:32] in flat
    assert "<script>alert('x')</script> Shelters <b>now</b>" in flat  # shown as text, inert
    assert "Victims assisted" in flat  # the whole proposal, not just the receipt


def test_manager_override_is_logged(create_proposal, submit_proposal, create_user, db):
    proposal = create_proposal()
    proposal.partners[1].type = "private_company"
    db.session.commit()
    submission = submit_proposal(proposal)
    assert not submission.eligible
    manager = create_user(roles=("programme_manager",))
    with pytest.raises(ProposalError, match="reason"):
        programme.decide_checks(submission, manager, "overridden", " ", True, True)
    with pytest.raises(ProposalError, match="must change"):
        programme.decide_checks(submission, manager, "overridden", "why", True, False)
    programme.decide_checks(
        submission,
        manager,
        "overridden",
        "The partner is a non-profit social enterprise.",
        True,
        True,
    )
    assert submission.final_eligible
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review-overridden"))
    assert entry.actor_id == manager.id
    assert entry.changes["eligible"] == [False, True]
    assert "social enterprise" in entry.changes["reason"]


def test_manager_filters(create_proposal, submit_proposal, create_call, db):
    call = create_call(topics=[("T1", "Shelters", 3000000), ("T2", "Labour", 3000000)])
    a = create_proposal(call=call)
    b = create_proposal(call=call, topic_id=call.topics[1].id, countries=["IT"])
    b.partners[1].country = "DK"
    b.claims = [c for c in b.claims if c.priority_code == "gender"]
    db.session.commit()
    sa, sb = submit_proposal(a), submit_proposal(b)
    f = programme.SubmissionFilter
    ids = lambda filt: [s.id for s in programme.submissions_of_call(call, filt)]  # noqa: E731
    assert ids(f()) == [sa.id, sb.id]
    assert ids(f(topic="T2")) == [sb.id]
    assert ids(f(country="IT")) == [sb.id]
    assert ids(f(country="DK")) == [sb.id]
    assert ids(f(priority="child")) == [sa.id]
    assert ids(f(status="ineligible")) == [sb.id]
    assert ids(f(status="admissible")) == [sa.id]
    submitting.withdraw(a, _member(a), a.version)
    assert ids(f(status="withdrawn")) == [sa.id]
    assert ids(f(status="submitted")) == [sb.id]
