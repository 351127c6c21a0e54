"""The applicant's dashboard sections: drafts with their deadline countdown and what is still
missing, and the proposals submitted (grants.main.dashboard collects them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from grants import clock
from grants.calls.models import Call
from grants.extensions import db
from grants.main.dashboard import Section, days_left, section
from grants.proposals import checks, sections
from grants.proposals.models import Proposal, ProposalStatus, Submission

MISSING_SHOWN = 3  # the first missing items listed; the rest counted


@dataclass
class DraftRow:
    proposal_id: int
    label: str
    call_reference: str
    deadline_at: datetime
    days_left: str
    missing: list[str]  # the first MISSING_SHOWN of them
    missing_count: int


@dataclass
class SubmittedRow:
    submission_id: int
    label: str
    call_reference: str
    reference: str
    submitted_at: datetime
    phase: str


def _organisation_ids(user) -> list[int]:
    return [m.organisation_id for m in user.memberships]


def _label(acronym: str, title: str) -> str:
    return acronym or title or "Untitled proposal"


# The sections' statements are built once per process (building the drafts' one cost 0.2 ms,
# a twentieth of the page); what changes per request is bound: the organisations and now.
@cache
def _drafts_query():
    return (
        select(Proposal)
        .join(Call, Call.id == Proposal.call_id)
        .where(
            Proposal.organisation_id.in_(bindparam("ids", expanding=True)),
            Proposal.status == ProposalStatus.DRAFT,
            Call.deadline_at > bindparam("now"),
        )
        .options(  # everything missing_items reads, one query per relation
            *sections.CHECKLIST_ROWS,
            selectinload(Proposal.call).selectinload(Call.topics),
        )
        .order_by(Call.deadline_at, Proposal.id)
    )


@section(10)
def drafts(user) -> Section | None:
    ids = _organisation_ids(user)
    if not ids:
        return None
    now = clock.now()
    proposals = db.session.scalars(_drafts_query(), {"ids": ids, "now": now}).unique()
    rows = []
    for p in proposals:
        missing = [c.message for c in checks.missing_items(p)]
        rows.append(
            DraftRow(
                proposal_id=p.id,
                label=_label(p.acronym, p.title),
                call_reference=p.call.reference,
                deadline_at=p.call.deadline_at,
                days_left=days_left(p.call.deadline_at, now),
                missing=missing[:MISSING_SHOWN],
                missing_count=len(missing),
            )
        )
    return Section(
        "applicant-drafts",
        "Drafts to finish before the deadline",
        "proposals/_dashboard_drafts.html",
        rows,
        empty="No draft is waiting for a deadline.",
        more_url=url_for("proposals.mine"),
        more_label="All your proposals",
    )


@cache
def _submitted_query():
    return (
        select(
            Submission.id,
            Submission.reference,
            Submission.submitted_at,
            Proposal.acronym,
            Proposal.title,
            Call,
        )
        .join(Proposal, Proposal.id == Submission.proposal_id)
        .join(Call, Call.id == Submission.call_id)
        .where(
            Proposal.organisation_id.in_(bindparam("ids", expanding=True)),
            Proposal.status == ProposalStatus.SUBMITTED,
            Submission.is_current.is_(True),
        )
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
    )


@section(20)
def submitted(user) -> Section | None:
    ids = _organisation_ids(user)
    if not ids:
        return None
    now = clock.now()
    found = db.session.execute(_submitted_query(), {"ids": ids}).all()
    rows = [
        SubmittedRow(
            submission_id=sid,
            label=_label(acronym, title),
            call_reference=call.reference,
            reference=reference,
            submitted_at=at,
            phase=call.phase_at(now).label,
        )
        for sid, reference, at, acronym, title, call in found
    ]
    return Section(
        "applicant-submitted",
        "Submitted proposals",
        "proposals/_dashboard_submitted.html",
        rows,
        empty="Nothing submitted yet.",
    )
