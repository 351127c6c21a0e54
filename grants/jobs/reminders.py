"""Scheduled notices and reminders. Each is one definition: a trigger and a function that
finds who must be told and calls notify() with a key per (event, recipient, object,
occasion), so running it twice, or late after a gap, tells nobody twice.

Adding one (the funded projects' reports and deliverables, for instance) is another
@scheduled function in the domain's own `grants/<domain>/jobs.py`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, or_, select

from grants import clock
from grants.accounts.models import Role, RoleName, User, user_roles
from grants.calls.models import Call, CallStatus
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs.registry import scheduled
from grants.notifications.services import absolute_url, notify

LOOKBACK = timedelta(days=7)  # how far back a late run still announces an opening or closing
DAILY = CronTrigger(hour=8, minute=0, timezone="Europe/Brussels")


def every(**interval) -> IntervalTrigger:
    """An interval trigger with a fixed start, so that its slots do not depend on when the
    process started (see scheduler._after)."""
    return IntervalTrigger(**interval, start_date=datetime(2020, 1, 1, tzinfo=UTC))


def users_with_roles(*roles: RoleName) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(user_roles, user_roles.c.user_id == User.id)
            .join(Role, Role.id == user_roles.c.role_id)
            .where(
                Role.name.in_([str(r) for r in roles]),
                User.is_active_account.is_(True),
                User.confirmed_at.is_not(None),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _brussels(moment: datetime) -> str:
    return clock.format_in_zone(moment, "Europe/Brussels")


def _days_left(due: datetime, now: datetime) -> str:
    hours = (due - now).total_seconds() / 3600
    if hours < 36:
        return "tomorrow" if hours >= 12 else "today"
    return f"in {round(hours / 24)} days"


# Calls open and close ---------------------------------------------------------------------------


@scheduled(
    "calls.notices",
    every(minutes=5),
    "Notices when calls for proposals open and close (checked every 5 minutes)",
)
def call_notices(fire_time: datetime) -> dict:
    now = clock.now()
    opened = closed = 0
    published = db.session.scalars(
        select(Call).where(
            Call.status.in_([CallStatus.PUBLISHED, CallStatus.CLOSED]),
            or_(
                Call.opens_at.between(now - LOOKBACK, now),
                Call.deadline_at.between(now - LOOKBACK, now),
            ),
        )
    ).all()
    if not published:
        return {"summary": "No call opened or closed."}
    applicants = users_with_roles(RoleName.APPLICANT)
    managers = users_with_roles(RoleName.PROGRAMME_MANAGER, RoleName.ADMIN)
    for call in published:
        link = absolute_url("calls.detail", call_id=call.id)
        if call.status == CallStatus.PUBLISHED and now - LOOKBACK <= call.opens_at <= now:
            opened += len(
                notify(
                    "call.opened",
                    applicants + managers,
                    call,
                    subject=f"Call {call.reference} is open until {_brussels(call.deadline_at)}",
                    template="mail/call_opened.txt",
                    link=link,
                    call=call,
                    deadline=_brussels(call.deadline_at),
                    audit=True,
                )
            )
        if now - LOOKBACK <= call.deadline_at <= now:
            closed += _call_closed(call, managers, link)
    db.session.commit()
    return {
        "summary": f"{count_of(opened, 'opening e-mail')} and "
        f"{count_of(closed, 'closing e-mail')} queued."
    }


def _call_closed(call: Call, managers: list[User], link: str) -> int:
    from grants.proposals.models import Proposal, ProposalStatus, Submission

    submitted = db.session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.call_id == call.id, Submission.is_current.is_(True))
    )
    sent = notify(
        "call.closed.manager",
        managers,
        call,
        subject=f"Call {call.reference} closed with {count_of(submitted, 'submitted proposal')}",
        template="mail/call_closed_manager.txt",
        link=absolute_url("proposals.call_submissions", call_id=call.id),
        call=call,
        submitted=submitted,
        audit=True,
    )
    drafts = db.session.scalars(
        select(Proposal).where(Proposal.call_id == call.id, Proposal.status == ProposalStatus.DRAFT)
    ).all()
    for proposal in drafts:
        members = [m.user for m in proposal.organisation.memberships]
        sent += notify(
            "call.closed",
            members,
            proposal,
            subject=f"Call {call.reference} has closed: {proposal.label} was not submitted",
            template="mail/call_closed_draft.txt",
            link=absolute_url("proposals.view", proposal_id=proposal.id),
            call=call,
            proposal=proposal,
        )
    return len(sent)


# Evaluations: reminders and overdue flags ---------------------------------------------------------


def _unfinished(now: datetime):
    """Open assignments whose evaluation is not submitted, with the evaluator and the call."""
    from grants.review.models import Assignment, AssignmentState, Evaluation, EvaluationState

    submitted = (
        select(Evaluation.assignment_id)
        .where(Evaluation.state == EvaluationState.SUBMITTED)
        .scalar_subquery()
    )
    return (
        select(Assignment)
        .join(Call, Call.id == Assignment.call_id)
        .where(
            Assignment.state.in_([AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE]),
            Assignment.id.not_in(submitted),
            Call.status.in_([CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.UNDER_EVALUATION]),
        )
        .order_by(Assignment.evaluator_id, Assignment.call_id, Assignment.due_at, Assignment.id)
    )


def _by_evaluator_and_call(assignments) -> dict[tuple[int, int], list]:
    grouped: dict[tuple[int, int], list] = {}
    for a in assignments:
        grouped.setdefault((a.evaluator_id, a.call_id), []).append(a)
    return grouped


@scheduled("review.reminders", DAILY, "Evaluators reminded 7 days and 1 day before the deadline")
def evaluation_reminders(fire_time: datetime) -> dict:
    from grants.review.models import Assignment

    now = clock.now()
    rows = db.session.scalars(
        _unfinished(now).where(Assignment.due_at > now, Assignment.due_at <= now + timedelta(7))
    ).all()
    sent = 0
    for (_, _), assignments in _by_evaluator_and_call(rows).items():
        first = assignments[0]
        due = min(a.due_at for a in assignments)
        occasion = "1d" if due - now <= timedelta(days=1) else "7d"
        sent += len(
            notify(
                "review.reminder",
                [first.evaluator],
                first.call,
                key=occasion,
                subject=(
                    f"Reminder: {count_of(len(assignments), 'evaluation')} for "
                    f"{first.call.reference} due {_days_left(due, now)}"
                ),
                template="mail/evaluation_reminder.txt",
                link=absolute_url("review.queue"),
                call=first.call,
                assignments=assignments,
                due=_brussels(due),
                when=_days_left(due, now),
                audit=True,
            )
        )
    db.session.commit()
    return {
        "summary": f"{count_of(sent, 'reminder')} queued for "
        f"{count_of(len(rows), 'unfinished evaluation')}."
    }


@scheduled("review.overdue", DAILY, "Evaluations past their deadline flagged")
def overdue_evaluations(fire_time: datetime) -> dict:
    from grants.review.models import Assignment

    now = clock.now()
    rows = db.session.scalars(_unfinished(now).where(Assignment.due_at <= now)).all()
    if not rows:
        return {"summary": "Nothing is overdue."}
    for a in rows:
        notify(
            "review.overdue",
            [a.evaluator],
            a,
            subject=f"Overdue: your evaluation of {a.submission.label} ({a.call.reference})",
            template="mail/evaluation_overdue.txt",
            link=absolute_url("review.assignment", assignment_id=a.id),
            assignment=a,
            due=_brussels(a.due_at),
            audit=True,
        )
    managers = users_with_roles(RoleName.PROGRAMME_MANAGER, RoleName.ADMIN)
    by_call: dict[int, list] = {}
    for a in rows:
        by_call.setdefault(a.call_id, []).append(a)
    day = clock.to_brussels(fire_time).date().isoformat()
    for late in by_call.values():
        call = late[0].call
        notify(
            "review.overdue.manager",
            managers,
            call,
            key=day,
            subject=f"{count_of(len(late), 'evaluation')} overdue in {call.reference}",
            template="mail/overdue_manager.txt",
            link=absolute_url("review.dashboard", call_id=call.id),
            call=call,
            late=late,
        )
    db.session.commit()
    return {
        "summary": f"{count_of(len(rows), 'overdue evaluation')} flagged in "
        f"{count_of(len(by_call), 'call')}."
    }


@scheduled("consensus.reminders", DAILY, "Rapporteurs reminded of consensus reports to write")
def consensus_reminders(fire_time: datetime) -> dict:
    """Weekly per report (the key is the ISO week), once every evaluation is in."""
    from grants.review.consensus import readiness
    from grants.review.models import ConsensusReport, ConsensusState

    reports = db.session.scalars(
        select(ConsensusReport)
        .join(Call, Call.id == ConsensusReport.call_id)
        .where(
            ConsensusReport.state == ConsensusState.DRAFT,
            ConsensusReport.rapporteur_id.is_not(None),
            Call.status == CallStatus.UNDER_EVALUATION,
        )
        .order_by(ConsensusReport.id)
    ).all()
    year, week, _ = clock.to_brussels(fire_time).isocalendar()
    sent = 0
    for report in reports:
        if readiness(report.submission):
            continue  # still waiting for evaluations: nothing to write yet
        label = report.submission.label
        sent += len(
            notify(
                "consensus.reminder",
                [report.rapporteur],
                report,
                key=f"{year}-W{week:02d}",
                subject=f"Reminder: the consensus report of {label} is still to write",
                template="mail/consensus_reminder.txt",
                link=absolute_url("review.consensus", submission_id=report.submission_id),
                label=label,
                call=report.call,
                returned=report.returned_reason,
                audit=True,
            )
        )
    db.session.commit()
    return {"summary": f"{count_of(sent, 'rapporteur reminder')} queued."}
