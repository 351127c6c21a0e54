"""Operations of the review domain: conflicts of interest (the evaluator pool and invitations
are in pool.py), manual and automatic assignment, and the evaluator's review queue. Each
state change writes the audit log and queues the mail that must go, in one transaction."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from grants import clock
from grants.accounts.models import RoleName, User
from grants.audit import services as audit
from grants.calls.models import Call, CallPhase
from grants.extensions import db
from grants.formatting import count_of
from grants.notifications.services import absolute_url, deliver_pending, notify
from grants.proposals.models import Submission, labelled_only
from grants.review.assignment import EvaluatorSlot, Plan, ProposalNeed, plan_assignments
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictDeclaration,
    ConflictKind,
    ConflictOverride,
    Evaluation,
    EvaluatorProfile,
    FinalRanking,
)
from grants.review.pool import DEFAULT_MAX_LOAD, evaluators, profile_of
from grants.review.transitions import ReviewError, move
from grants.transactions import commit_or  # noqa: F401 (review's services end with it)

DEFAULT_DUE_DAYS = 21
EVALUATION_PHASES = (CallPhase.CLOSED, CallPhase.UNDER_EVALUATION)


LOCKED = "The ranking of this call is final: its evaluations can no longer change."


def ranking_final(call_id: int) -> bool:
    """Whether the call's ranking is finalised (reading only; a writer uses
    `ranking_final_locking_call`). Once it is, its assignments, evaluations and consensus lock."""
    return (
        db.session.scalar(select(FinalRanking.id).where(FinalRanking.call_id == call_id))
        is not None
    )


def ranking_final_locking_call(call_id: int) -> bool:
    """`ranking_final` for a service about to write: it first takes a shared lock on the
    call's row (PostgreSQL; SQLite serialises writers anyway) until its commit, and finalising
    takes the exclusive one (`lock_call`), so nothing slips in between the ranking's reading
    and its record. A writer that finds the ranking final has its transaction rolled back."""
    db.session.execute(select(Call.id).where(Call.id == call_id).with_for_update(read=True))
    final = ranking_final(call_id)
    if final:  # the writer is refused: end its transaction so that the lock goes at once
        db.session.rollback()
    return final


def lock_call(call_id: int) -> None:
    """The exclusive lock on a call's row, held until commit: finalising and publishing."""
    db.session.execute(select(Call.id).where(Call.id == call_id).with_for_update())


def normalise_organisation(name: str) -> str:
    """A key to compare organisation names: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^\w]+", " ", (name or "").casefold()).split())


# Conflicts ----------------------------------------------------------------------------------


def consortium(submission: Submission) -> list[dict]:
    """Name, country and role of every organisation in the submitted consortium."""
    return [
        {"name": x.name, "country": x.country, "role": x.role} for x in submission.snapshot.partners
    ]


def proposal_keys(submission: Submission) -> dict[str, str]:
    """Keys identifying the consortium's organisations -> the name to show."""
    keys: dict[str, str] = {}
    c = submission.snapshot
    rows = [(c.organisation.id, c.organisation.name)]
    rows += [(x.organisation_id, x.name) for x in c.partners]
    for ident, name in rows:
        if ident:
            keys[f"id:{ident}"] = name
        if normalise_organisation(name):
            keys[normalise_organisation(name)] = name
    return keys


def evaluator_keys(user: User, profile: EvaluatorProfile | None) -> set[str]:
    """The evaluator's own organisation, declared recent ties and memberships."""
    keys = {f"id:{m.organisation_id}" for m in user.memberships}
    keys |= {normalise_organisation(m.organisation.name) for m in user.memberships}
    if profile is not None:
        keys.add(normalise_organisation(profile.organisation_name))
        keys |= {normalise_organisation(t) for t in profile.recent_ties or []}
    return {k for k in keys if k}


def likely_conflicts(submission: Submission, user: User, profile=None) -> list[str]:
    """Names of consortium organisations the evaluator belongs to or has ties with."""
    if profile is None:
        profile = profile_of(user)
    keys = proposal_keys(submission)
    return sorted({keys[k] for k in keys.keys() & evaluator_keys(user, profile)})


# Assignment ---------------------------------------------------------------------------------


def evaluable_submissions(call: Call, published: bool = False) -> list[Submission]:
    """The current, counting, admissible and eligible submissions of a closed call (and, with
    `published`, of a call whose results are out)."""
    phases = (*EVALUATION_PHASES, CallPhase.RESULTS_PUBLISHED) if published else EVALUATION_PHASES
    if call.phase not in phases:
        return []
    return [s for s in current_submissions(call) if s.final_admissible and s.final_eligible]


def current_submissions(call: Call, *load) -> list[Submission]:
    """Every current, not withdrawn submission of the call (evaluable or not); `load` are
    loader options for what the caller reads of each (its reviews, its proposal ...)."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(
                Submission.call_id == call.id,
                Submission.is_current.is_(True),
                Submission.withdrawn_at.is_(None),
            )
            .options(selectinload(Submission.checks_decisions), *load)
            .order_by(Submission.id)
        )
    )


def call_assignments(call: Call) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment).where(Assignment.call_id == call.id).order_by(Assignment.id)
        )
    )


def submission_assignments(submission: Submission) -> list[Assignment]:
    """One submission's assignments (ended ones too) with the evaluator and evaluation each
    shows, and the evaluations' scores, found by the submission's index rather than by
    filtering the whole call's. `evaluation.counted_among` finds the counted evaluations in
    them without reading them again."""
    rows = db.session.scalars(_submission_assignments(), {"submission_id": submission.id})
    return list(rows.unique())


@cache
def _submission_assignments():
    """Built once per process, the submission bound; of each row only what the proposal's
    manager page shows and scores by (a column left out is read if something asks for it)."""
    return (
        select(Assignment)
        .where(Assignment.submission_id == bindparam("submission_id"))
        .options(  # one evaluator, at most one evaluation and its few scores: joined
            load_only(
                Assignment.submission_id,
                Assignment.evaluator_id,
                Assignment.state,
                Assignment.due_at,
            ),
            joinedload(Assignment.evaluator)
            .load_only(User.full_name)
            .options(lazyload(User.roles), lazyload(User.memberships)),
            joinedload(Assignment.evaluation)
            .load_only(
                Evaluation.assignment_id,
                Evaluation.state,
                Evaluation.submitted_at,
                Evaluation.version,
            )
            .joinedload(Evaluation.scores),
        )
        .order_by(Assignment.id)
    )


def open_loads() -> dict[int, int]:
    """Open assignments per evaluator, across calls; a call whose ranking is final no longer
    weighs on anyone."""
    loads: dict[int, int] = {}
    for evaluator_id in db.session.scalars(
        select(Assignment.evaluator_id)
        .outerjoin(FinalRanking, FinalRanking.call_id == Assignment.call_id)
        .where(
            Assignment.state.in_([AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE]),
            FinalRanking.id.is_(None),
        )
    ):
        loads[evaluator_id] = loads.get(evaluator_id, 0) + 1
    return loads


def _due_or_default(due_at: datetime | None) -> datetime:
    return due_at or (clock.now() + timedelta(days=DEFAULT_DUE_DAYS)).replace(microsecond=0)


def _assign(
    submission: Submission,
    evaluator: User,
    actor: User,
    due_at: datetime,
    override_reason: str = "",
) -> Assignment:
    if submission.call.phase not in EVALUATION_PHASES:
        raise ReviewError("Evaluators are assigned only after the call's deadline.")
    if ranking_final_locking_call(submission.call_id):
        raise ReviewError(LOCKED)
    if not submission.is_current or submission.withdrawn_at is not None:
        raise ReviewError("Only the current submission of a proposal is evaluated.")
    if not evaluator.has_role(RoleName.EVALUATOR):
        raise ReviewError(f"{evaluator.full_name} is not an evaluator.")
    existing = db.session.scalar(
        select(Assignment).where(
            Assignment.proposal_id == submission.proposal_id,
            Assignment.evaluator_id == evaluator.id,
        )
    )
    label = submission.label
    if existing is not None and existing.state != AssignmentState.REMOVED:
        raise ReviewError(
            f"{evaluator.full_name} is already assigned to {label} "
            f"({existing.state.label.lower()})."
        )
    conflicts = likely_conflicts(submission, evaluator)
    if conflicts and not override_reason.strip():
        raise ReviewError(
            f"{evaluator.full_name} has a likely conflict with {label} "
            f"({', '.join(conflicts)}): only a programme manager may override it, with a reason."
        )
    assignment = existing or Assignment(
        call_id=submission.call_id,
        proposal_id=submission.proposal_id,
        evaluator_id=evaluator.id,
    )
    assignment.submission_id = submission.id
    assignment.assigned_by_id = actor.id
    assignment.assigned_at = clock.now()
    assignment.due_at = due_at
    db.session.add(assignment)
    move(
        assignment,
        AssignmentState.PENDING_DECLARATION,
        actor,
        "assign",
        f"{evaluator.email} assigned to {label}",
        {"submission": submission.reference, "due_at": due_at.isoformat()},
    )
    if conflicts:
        db.session.add(
            ConflictOverride(
                assignment_id=assignment.id,
                manager_id=actor.id,
                reason=override_reason.strip(),
                conflicts=conflicts,
            )
        )
        audit.record(
            "assignment",
            assignment.id,
            "override-conflict",
            f"Likely conflict of {evaluator.email} with {label} overridden: {override_reason}",
            {"conflicts": conflicts},
            actor=actor,
        )
    return assignment


def _notify(assignments: list[Assignment]) -> list:
    """One notice per evaluator: how many proposals, by when (no content before declaring)."""
    by_evaluator: dict[int, list[Assignment]] = {}
    for a in assignments:
        by_evaluator.setdefault(a.evaluator_id, []).append(a)
    messages = []
    for rows in by_evaluator.values():
        messages += notify(
            "review.assigned",
            [rows[0].evaluator],
            rows[0],  # the first new assignment: one notice per evaluator and batch
            subject=f"{count_of(len(rows), 'proposal')} assigned to you for evaluation",
            template="review/mail/assigned.txt",
            assignments=rows,
            link=absolute_url("review.queue"),
        )
    return messages


def assign(
    submissions: list[Submission],
    evaluators_: list[User],
    actor: User,
    due_at: datetime | None = None,
    override_reason: str = "",
) -> tuple[list[Assignment], list[str]]:
    """Assign each evaluator to each submission by hand; refusals are returned, not raised."""
    created, errors = [], []
    for submission in submissions:
        for evaluator in evaluators_:
            try:
                # _assign checks everything before it writes, so a refusal leaves no trace
                created.append(
                    _assign(submission, evaluator, actor, _due_or_default(due_at), override_reason)
                )
            except ReviewError as exc:
                errors.append(str(exc))
    messages = _notify(created)
    db.session.commit()
    deliver_pending([m.id for m in messages])
    return created, errors


@dataclass
class PlanView:
    plan: Plan
    digest: str
    submissions: dict[int, Submission]  # proposal id -> submission
    evaluators: dict[int, User]
    required: int
    current: dict[int, list[Assignment]]  # proposal id -> open assignments


def build_plan(call: Call) -> PlanView:
    """The automatic assignment of the call's remaining needs, not applied yet."""
    submissions = {s.proposal_id: s for s in evaluable_submissions(call)}
    pool = evaluators()
    profiles = {
        p.user_id: p
        for p in db.session.scalars(select(EvaluatorProfile))
        if p.user_id in {u.id for u in pool}
    }
    loads = open_loads()
    rows = call_assignments(call)
    current: dict[int, list[Assignment]] = {}
    excluded: dict[int, set[int]] = {}
    for a in rows:
        excluded.setdefault(a.proposal_id, set()).add(a.evaluator_id)
        if a.state.is_open:
            current.setdefault(a.proposal_id, []).append(a)
    needs = []
    for proposal_id, s in submissions.items():
        c = s.snapshot
        tags = c.claimed_priorities | set(c.exploitation_forms) | set(c.countries)
        needs.append(
            ProposalNeed(
                key=proposal_id,
                needed=max(0, call.evaluators_per_proposal - len(current.get(proposal_id, []))),
                organisations=frozenset(proposal_keys(s)),
                expertise_tags=frozenset(t for t in tags if t),
                excluded=frozenset(excluded.get(proposal_id, set())),
            )
        )
    slots = []
    for user in pool:
        profile = profiles.get(user.id)
        max_load = profile.max_load if profile else DEFAULT_MAX_LOAD
        expertise = set()
        if profile:
            expertise = set(profile.priorities) | set(profile.exploitation_forms)
            expertise |= set(profile.countries)
        slots.append(
            EvaluatorSlot(
                key=user.id,
                capacity=max(0, max_load - loads.get(user.id, 0)),
                organisations=frozenset(evaluator_keys(user, profile)),
                expertise=frozenset(expertise),
                load=loads.get(user.id, 0),
            )
        )
    plan = plan_assignments(needs, slots)
    state = {
        "call": call.id,
        "pairs": sorted(plan.pairs),
        "assignments": sorted((a.id, a.state.value) for a in rows),
    }
    digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
    return PlanView(
        plan=plan,
        digest=digest,
        submissions=submissions,
        evaluators={u.id: u for u in pool},
        required=call.evaluators_per_proposal,
        current=current,
    )


def apply_plan(
    call: Call, digest: str, actor: User, due_at: datetime | None = None
) -> list[Assignment]:
    """Apply the plan the manager saw; a plan that no longer matches is refused."""
    view = build_plan(call)
    if view.digest != digest:
        raise ReviewError(
            "The assignments changed since this plan was made: check the new plan and apply it."
        )
    if not view.plan.pairs:
        raise ReviewError("The plan proposes no assignment.")
    try:
        created = [
            _assign(view.submissions[p], view.evaluators[e], actor, _due_or_default(due_at))
            for p, e in view.plan.pairs
        ]
    except ReviewError:
        db.session.rollback()  # all or nothing
        raise
    audit.record(
        "call",
        call.id,
        "auto-assign",
        f"{len(created)} assignments made automatically for {call.reference}",
        {"shortfalls": [s.proposal for s in view.plan.shortfalls]},
        actor=actor,
    )
    messages = _notify(created)
    db.session.commit()
    deliver_pending([m.id for m in messages])
    return created


def declare(assignment: Assignment, kind: ConflictKind, details: str, actor: User) -> None:
    """The evaluator's declaration: no conflict opens the content, a conflict ends it."""
    if assignment.state != AssignmentState.PENDING_DECLARATION:
        raise ReviewError("You have already declared for this proposal.")
    kind = ConflictKind(kind)
    if kind == ConflictKind.OTHER and not details.strip():
        raise ReviewError("Describe the conflict of interest.")
    if ranking_final_locking_call(assignment.call_id):
        raise ReviewError(LOCKED)
    assignment.declarations.append(ConflictDeclaration(kind=kind, details=details.strip()))
    move(
        assignment,
        AssignmentState.ACTIVE if kind == ConflictKind.NONE else AssignmentState.CONFLICT,
        actor,
        "declare",
        f"{actor.email} declared: {kind.label}",
        {"kind": kind.value, "details": details.strip()},
        reason=f"Conflict declared: {kind.label}",
    )
    db.session.commit()


def decline(assignment: Assignment, reason: str, actor: User) -> None:
    """The evaluator declines (e.g. unavailable); the manager is offered a replacement."""
    if not assignment.state.is_open:
        raise ReviewError("This assignment has already ended.")
    if ranking_final_locking_call(assignment.call_id):
        raise ReviewError(LOCKED)
    move(
        assignment,
        AssignmentState.DECLINED,
        actor,
        "decline",
        f"{actor.email} declined: {reason}",
        reason=reason.strip() or "Declined",
    )
    db.session.commit()


def remove(assignment: Assignment, reason: str, actor: User) -> None:
    if not assignment.state.is_open:
        raise ReviewError("This assignment has already ended.")
    if not reason.strip():
        raise ReviewError("Give a reason for removing the evaluator.")
    if ranking_final_locking_call(assignment.call_id):
        raise ReviewError(LOCKED)
    move(
        assignment,
        AssignmentState.REMOVED,
        actor,
        "remove",
        f"{assignment.evaluator.email} removed: {reason}",
        reason=reason.strip(),
    )
    db.session.commit()


# The queue ----------------------------------------------------------------------------------

QUEUE_STATES = {
    "to_declare": "To declare",
    "to_evaluate": "To evaluate",
    "draft": "Draft",
    "submitted": "Submitted",
}
QUEUE_ORDERS = ("due", "acronym", "call")
OPEN_STATES = (AssignmentState.PENDING_DECLARATION, AssignmentState.ACTIVE)


def queue_state(assignment: Assignment) -> str:
    """Where an open assignment stands for its evaluator: one of QUEUE_STATES."""
    if assignment.state == AssignmentState.PENDING_DECLARATION:
        return "to_declare"
    evaluation = assignment.evaluation
    if evaluation is None:
        return "to_evaluate"
    return "submitted" if evaluation.is_submitted else "draft"


@dataclass
class Queue:
    rows: list[Assignment]
    total: int
    done: int
    due_at: datetime | None
    calls: list[Call]
    states: dict[int, str]


@cache
def _open_assignments():
    """Built once per process (its building cost a tenth of a millisecond a request)."""
    return (
        select(Assignment)
        .where(
            Assignment.evaluator_id == bindparam("evaluator_id"),
            Assignment.state.in_(OPEN_STATES),
        )
        .options(  # each is one row per assignment: joined, not a statement each; and of
            # each only what the queue shows, sorts and counts by (not the call's JSON
            # columns, the times nobody reads, nor the submission's snapshot or list columns)
            load_only(
                Assignment.call_id,
                Assignment.submission_id,
                Assignment.evaluator_id,
                Assignment.state,
                Assignment.due_at,
            ),
            joinedload(Assignment.evaluation).load_only(
                Evaluation.assignment_id, Evaluation.state, Evaluation.version
            ),
            joinedload(Assignment.call).load_only(Call.reference),
            joinedload(Assignment.submission).load_only(*labelled_only()),
        )
    )


def queue(user: User, state: str = "", call_id: int | None = None, order: str = "due") -> Queue:
    """The evaluator's open assignments, filtered and ordered, with the overall progress:
    done are the submitted evaluations."""
    open_rows = list(db.session.scalars(_open_assignments(), {"evaluator_id": user.id}))
    states = {a.id: queue_state(a) for a in open_rows}
    rows = [
        a
        for a in open_rows
        if (not state or states[a.id] == state) and (call_id is None or a.call_id == call_id)
    ]
    keys = {
        "due": lambda a: (a.due_at, a.id),
        "acronym": lambda a: (a.submission.acronym.casefold(), a.id),
        "call": lambda a: (a.call.reference, a.due_at, a.id),
    }
    # open work (to declare, to evaluate, draft) before what is submitted, then the order asked
    rows.sort(key=lambda a: (states[a.id] == "submitted", *keys.get(order, keys["due"])(a)))
    calls = sorted({a.call_id: a.call for a in open_rows}.values(), key=lambda c: c.reference)
    pending = [a.due_at for a in open_rows if states[a.id] != "submitted"]
    return Queue(
        rows=rows,
        total=len(open_rows),
        done=sum(1 for s in states.values() if s == "submitted"),
        due_at=min(pending, default=None),
        calls=calls,
        states=states,
    )
