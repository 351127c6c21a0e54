"""Submitting a proposal (one transaction, idempotent), withdrawing it, the status
transitions with their mail, and the receipt PDF."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import literal, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from grants import clock
from grants.accounts.models import OrganisationType, User
from grants.audit import services as audit
from grants.extensions import db
from grants.jobs.services import eager, enqueue
from grants.notifications.services import absolute_url, deliver_pending, notify
from grants.proposals import checks
from grants.proposals import snapshot as snap
from grants.proposals.annexes import upload_dir
from grants.proposals.budget import BudgetSummary
from grants.proposals.errors import Incomplete, ProposalError, ProposalLocked, StaleProposal
from grants.proposals.models import (
    BudgetCategory,
    ItemKind,
    PartnerRole,
    Proposal,
    ProposalStatus,
    Submission,
    submission_status,
)
from grants.proposals.sections import locked_reason, submit_block_reason
from grants.proposals.snapshot import Snapshot, content_hash
from grants.transactions import commit_or

# Submission -------------------------------------------------------------------------------


def take_snapshot(proposal: Proposal, report: checks.CheckReport | None = None) -> Snapshot:
    """The proposal's content as it would be submitted now: what is hashed and evaluated."""
    report = report or checks.check(proposal)
    p = proposal
    partners = {x.id: x for x in p.partners}

    def lead(partner_id) -> str:
        return partners[partner_id].name if partner_id in partners else ""

    call, topic, organisation, _ = _outside(p)
    return Snapshot(
        call=call,
        topic=topic,
        organisation=organisation,
        acronym=p.acronym or "",
        title=p.title or "",
        duration_months=p.duration_months,
        partners=tuple(
            snap.PartnerEntry(
                x.position, x.organisation_id, x.name, x.country, x.type, PartnerRole(x.role).value
            )
            for x in p.partners
        ),
        claims=tuple(
            snap.ClaimEntry(c.priority_code, c.justification or "")
            for c in sorted(p.claims, key=lambda c: c.priority_code)
        ),
        work_packages=_work_packages(p, lead),
        indicators=tuple(
            snap.IndicatorEntry(
                i.name or "",
                i.unit or "",
                i.target,
                bool(i.by_sex),
                bool(i.by_age),
                tuple(i.priorities or ()),
            )
            for i in p.indicators
        ),
        budget=_budget(p, report.budget, lead),
        annexes=tuple(
            snap.AnnexEntry(a.kind, a.filename, a.size, a.sha256) for a in p.current_annexes
        ),
        texts={name: getattr(p, name) or "" for name in snap.TEXTS},
        **{name: tuple(getattr(p, name) or ()) for name in snap.CODE_LISTS},
    )


def _outside(p: Proposal) -> tuple:
    """What a snapshot takes from rows that are not the proposal's own (its call, topic and
    organisation, the call's funding rate in the budget): these change without moving the
    proposal's version."""
    return (
        snap.CallRef(p.call.reference, p.call.title),
        snap.TopicRef(p.topic.code, p.topic.title) if p.topic else None,
        snap.OrganisationRef(p.organisation_id, p.organisation.name, p.organisation.country),
        Decimal(p.call.funding_rate),
    )


def _work_packages(p: Proposal, lead) -> tuple[snap.WorkPackageEntry, ...]:
    return tuple(
        snap.WorkPackageEntry(
            wp.number,
            wp.title or "",
            wp.description or "",
            lead(wp.lead_partner_id),
            wp.start_month,
            wp.end_month,
            tuple(wp.priorities or ()),
            tuple(
                snap.ItemEntry(
                    ItemKind(i.kind).value,
                    i.title or "",
                    i.description or "",
                    i.month,
                    tuple(i.priorities or ()),
                )
                for i in wp.items
            ),
        )
        for wp in p.work_packages
    )


def _budget(p: Proposal, b: BudgetSummary, lead) -> snap.BudgetEntry:
    return snap.BudgetEntry(
        tuple(
            snap.BudgetLineEntry(
                lead(line.partner_id),
                BudgetCategory(line.category).value,
                line.description or "",
                line.amount,
                tuple(line.priorities or ()),
            )
            for line in p.budget_lines
        ),
        b.direct,
        b.indirect,
        b.total,
        b.eligible,
        b.funding_rate,
        b.eu_contribution,
    )


def new_submit_token() -> str:
    return secrets.token_urlsafe(24)


def submission_by_token(token: str) -> Submission | None:
    if not token:
        return None
    return db.session.scalar(select(Submission).where(Submission.idempotency_key == token[:64]))


def unchanged_since_submitted(proposal: Proposal) -> bool:
    """Whether the proposal is known to be as its current submission without building its
    snapshot: it still has the version recorded with the submission (every change of it or
    of one of its rows moves the version), and what the snapshot takes from other rows (the
    call, topic and organisation) reads as submitted. False when that does not settle it."""
    current = proposal.current_submission
    if current is None or current.proposal_version != proposal.version:
        return False  # also a submission written before the version was recorded (None)
    head = current.head
    return (head.call, head.topic, head.organisation, head.funding_rate) == _outside(proposal)


def has_unsubmitted_changes(proposal: Proposal, report: checks.CheckReport | None = None) -> bool:
    """Whether the proposal differs from its current submission (`report`: its checklist, when
    the caller has it already). The versions settle it in the common case; otherwise the
    proposal's snapshot is compared with the submitted one."""
    current = proposal.current_submission
    if current is None or unchanged_since_submitted(proposal):
        return False
    return take_snapshot(proposal, report) != current.snapshot


def submit(proposal: Proposal, user: User, token: str, version) -> Submission:
    """Submit the proposal as it is now: one transaction writes the snapshot, its SHA-256,
    the time, the checks, the audit entry and the receipt mail; the mail leaves after commit.

    Idempotent: the same token (a double click, a retry after a timeout) returns the same
    submission, and so does submitting content identical to the current submission.
    """
    token = (token or "")[:64]
    if len(token) < 16:
        raise ProposalError("The submission form had expired. Reload the page and submit again.")
    try:
        submission, messages = _submit(proposal, user, token, version)
    except ProposalError:
        # A token already used (the second of a double click) is looked up only here: its
        # first submission moved the proposal's version, so a repeat always lands here.
        existing = submitted_with(proposal, token)
        if existing is not None:
            return existing
        raise
    except IntegrityError:  # at a flush: this token's submission may exist (another form's)
        db.session.rollback()
        existing = submitted_with(proposal, token)
        if existing is not None:
            return existing
        raise  # a concurrent submit numbered first: security.races answers with the winner
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        again = submitted_with(proposal, token)
        if again is not None:  # the same form posted twice at once: the first one won
            return again
        raise StaleProposal(
            "The proposal was submitted or changed at the same moment from another page. "
            "Reload to see the submission that counts."
        ) from exc
    deliver_pending([m.id for m in messages] if eager() else [])  # else queued by notify()
    return submission


@dataclass(frozen=True)
class Version:
    """One submitted version of a proposal as the list of versions shows it."""

    id: int
    version: int
    submitted_at: datetime
    status_label: str


def versions(submission: Submission) -> list[Version]:
    """The submitted versions of the submission's proposal, oldest first: the columns the list
    shows, not the submitted content (a column projection: no version's snapshot is read).
    A current first version is the only one (a later one would have superseded it): no query."""
    if submission.is_current and submission.version == 1:
        return [Version(submission.id, 1, submission.submitted_at, submission.status_label)]
    rows = db.session.execute(
        select(
            Submission.id,
            Submission.version,
            Submission.submitted_at,
            Submission.withdrawn_at,
            Submission.is_current,
        )
        .where(Submission.proposal_id == submission.proposal_id)
        .order_by(Submission.version)
    )
    return [
        Version(r.id, r.version, r.submitted_at, submission_status(r.withdrawn_at, r.is_current))
        for r in rows
    ]


def submitted_with(proposal: Proposal, token: str) -> Submission | None:
    """The submission this form's token made already, if any; a token of another
    proposal's form is refused."""
    with db.session.no_autoflush:
        existing = submission_by_token(token)
    if existing is not None and existing.proposal_id != proposal.id:
        raise ProposalError("The submission form had expired. Reload the page and try again.")
    return existing


def _submit(proposal: Proposal, user: User, token: str, version) -> tuple[Submission, list]:
    """The writes of a submission, not committed (ProposalError when it cannot be made),
    and the receipt mail it queues."""
    now = clock.now()
    reason = submit_block_reason(proposal, now)
    if reason:
        raise ProposalLocked(reason)
    if str(version) != str(proposal.version):
        raise StaleProposal(
            "The proposal changed after you opened this page (perhaps in another tab), so it "
            "was not submitted. Check the latest version below and submit again."
        )
    report = checks.check(proposal)
    if report.missing:
        raise Incomplete(report.missing)
    taken = take_snapshot(proposal, report)
    content = taken.as_json()
    digest = content_hash(content)
    current = proposal.current_submission
    if (
        current is not None
        and current.snapshot == taken
        and proposal.status == ProposalStatus.SUBMITTED
    ):
        return current, []  # nothing changed since: the same submission still counts

    submission = _new_version(proposal, user, token, now, report, taken, content, digest)
    messages = _set_status(proposal, ProposalStatus.SUBMITTED, user, now, submission)
    # Keyed by the new submission's id: no job can have these keys yet (no look-up).
    enqueue(
        "pdf.receipt",
        {"submission_id": submission.id},
        key=f"pdf.receipt:{submission.id}",
        fresh=True,
    )
    enqueue(
        "review.alignment",
        {"submission_id": submission.id},
        key=f"alignment:{submission.id}",
        fresh=True,
    )
    return submission, messages


def _new_version(
    proposal: Proposal,
    user: User,
    token: str,
    now: datetime,
    report: checks.CheckReport,
    taken: Snapshot,
    content: dict,
    digest: str,
) -> Submission:
    """The next numbered submission, current from now on; the one it supersedes stays.
    The number follows the proposal's submissions (loaded already for the current one; a
    draft has none); a concurrent submit that numbered first fails this one at the flush
    (unique version)."""
    current = proposal.current_submission
    number = max((s.version for s in proposal.submitted_versions), default=0) + 1
    if current is not None:
        current.is_current = False
        current.superseded_at = now
        db.session.flush()  # before the new current row, for the partial unique index
    recorded = report.recorded
    submission = Submission(
        reference=f"{proposal.call.reference}-{proposal.id:06d}-V{number}",
        proposal=proposal,
        call_id=proposal.call_id,
        version=number,
        submitted_at=now,
        submitted_by_id=user.id,
        content=content,
        sha256=digest,
        idempotency_key=token,
        checks=recorded,
        **snap.listed(taken, recorded),
        admissible=report.admissible,
        eligible=report.eligible,
        eu_contribution=report.budget.eu_contribution,
        is_current=True,
        # Read in the INSERT, which the flush sends after the proposal's UPDATE (the status
        # change moves its version): the version the proposal has once submitted.
        proposal_version=select(Proposal.version)
        .where(Proposal.id == proposal.id)
        .scalar_subquery(),
    )
    db.session.add(submission)
    return submission


def _queue_receipts(proposal: Proposal, submission: Submission, submitter: User) -> list:
    recipients = submission.submitter_and_contacts(submitter)
    return notify(
        "proposal.receipt",
        [person for _, person in sorted(recipients.items())],
        submission,
        fresh=True,  # the submission was inserted in this transaction
        subject=f"Receipt: {proposal.label} submitted to {proposal.call.reference}",
        template="proposals/mail/receipt.txt",
        link=absolute_url("proposals.submission", submission_id=submission.id),
        submission=submission,
        proposal=proposal,
        utc=clock.as_utc(submission.submitted_at).strftime("%d %b %Y %H:%M:%S UTC"),
        brussels=brussels_seconds(submission.submitted_at),
    )


def brussels_seconds(moment: datetime) -> str:
    local = clock.to_brussels(moment)
    return local.strftime("%d %b %Y %H:%M:%S ") + (local.tzname() or "") + " (Brussels)"


# The one place where a proposal's status changes: guard, audit, the mail it sends.
TRANSITIONS = {
    (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED),
    (ProposalStatus.SUBMITTED, ProposalStatus.SUBMITTED),  # a new version
    (ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN),
    (ProposalStatus.WITHDRAWN, ProposalStatus.SUBMITTED),  # submitted again before the deadline
}


def _set_status(
    proposal: Proposal,
    status: ProposalStatus,
    user: User,
    now: datetime,
    submission: Submission | None = None,
) -> list:
    """Returns the queued mail (the receipt of a submission, the notice of a withdrawal), to
    be delivered after the caller's commit."""
    before = ProposalStatus(proposal.status)
    if (before, status) not in TRANSITIONS:
        raise ProposalError(f"A {before.value} proposal cannot become {status.value}.")
    proposal.status = status
    proposal.updated_at = now
    proposal.withdrawn_at = now if status == ProposalStatus.WITHDRAWN else None
    if before != status:
        audit.record(
            "proposal",
            proposal.id,
            "status",
            f"{proposal.label}: {before.value} -> {status.value}",
            {"status": [before.value, status.value]},
            actor=user,
        )
    if status == ProposalStatus.SUBMITTED:
        _record_submit(proposal, submission, user)  # one INSERT with the status entry above
        db.session.flush()  # the receipt links to the submission by its id
        return _queue_receipts(proposal, submission, user)
    return _queue_withdrawn(proposal, user, now)


def _record_submit(proposal: Proposal, submission: Submission, user: User) -> None:
    """The audit entry of a submission: its reference, hash and checks."""
    audit.record(
        "proposal",
        proposal.id,
        "submit",
        f"{proposal.label} submitted as version {submission.version} ({submission.reference})",
        {
            "submission": submission.reference,
            "sha256": submission.sha256,
            "admissible": submission.admissible,
            "eligible": submission.eligible,
        },
        actor=user,
    )


def _queue_withdrawn(proposal: Proposal, user: User, now: datetime) -> list:
    return notify(
        "proposal.withdrawn",
        [user],
        proposal,
        key=now.isoformat(),
        subject=f"Withdrawn: {proposal.label} ({proposal.call.reference})",
        template="proposals/mail/withdrawn.txt",
        link=absolute_url("proposals.view", proposal_id=proposal.id),
        proposal=proposal,
        deadline=clock.format_in_zone(proposal.call.deadline_at, "Europe/Brussels"),
    )


def withdraw(proposal: Proposal, user: User, version) -> None:
    """Withdraw a submitted proposal before the deadline; it can be submitted again until then."""
    reason = locked_reason(proposal)
    if reason:
        raise ProposalLocked(reason)
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ProposalError("Only a submitted proposal can be withdrawn.")
    if str(version) != str(proposal.version):
        raise StaleProposal(
            "The proposal changed after you opened this page; reload it and try again."
        )
    now = clock.now()
    current = proposal.current_submission
    if current is not None:
        current.withdrawn_at = now
    messages = _set_status(proposal, ProposalStatus.WITHDRAWN, user, now)
    commit_or(StaleProposal(), conflicts=(StaleDataError,))
    deliver_pending([m.id for m in messages])


# Receipt PDF ------------------------------------------------------------------------------


def receipt_pdf(submission: Submission) -> bytes:
    """The whole submitted proposal with its receipt, rendered once and cached by hash."""
    from grants.pdf import cached, render_pdf

    path = Path(upload_dir()) / "receipts" / f"{submission.id}-{submission.sha256}.pdf"
    return cached(
        path,
        lambda: render_pdf(
            "proposals/receipt_pdf.html",
            submission=submission,
            c=submission.snapshot,
            utc=clock.as_utc(submission.submitted_at).strftime("%d %b %Y %H:%M:%S UTC"),
            brussels=brussels_seconds(submission.submitted_at),
            labels=labels(),
        ),
    )


def labels() -> dict:
    """Titles of the codes a snapshot uses, for display (the three reference tables in one
    statement)."""
    from grants.taxonomy.models import ExploitationForm, Priority, TargetGroup

    titles = {"target_groups": {}, "exploitation": {}, "priorities": {}}
    tables = (
        ("target_groups", TargetGroup),
        ("exploitation", ExploitationForm),
        ("priorities", Priority),
    )
    rows = db.session.execute(
        union_all(*(select(literal(kind), t.code, t.title) for kind, t in tables))
    )
    for kind, code, title in rows:
        titles[kind][code] = title
    return {
        **titles,
        "types": {t.value: t.label for t in OrganisationType},
        "categories": {c.value: c.label for c in BudgetCategory},
        "roles": {r.value: r.label for r in PartnerRole},
    }
