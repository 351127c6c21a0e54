"""Factory fixtures of the review domain: `create_evaluator(...)`, `closed_call(...)` (a call
past its deadline with submitted proposals) and `create_assignment(...)`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants import clock
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictDeclaration,
    ConflictKind,
    EvaluatorProfile,
)


@pytest.fixture
def create_evaluator(db, create_user):
    """An evaluator with a profile; `organisation` is the name of their own organisation."""

    def make(organisation="Independent Experts Ltd", ties=(), max_load=8, expertise=(), **kw):
        user = create_user(roles=("evaluator",), **kw)
        db.session.add(
            EvaluatorProfile(
                user_id=user.id,
                organisation_name=organisation,
                organisation_country="BE",
                recent_ties=list(ties),
                priorities=list(expertise),
                exploitation_forms=[],
                languages=["en"],
                countries=[],
                max_load=max_load,
            )
        )
        db.session.commit()
        return user

    return make


def close_call(db, call) -> None:
    """Move the call's deadline into the past (as if time had passed)."""
    now = clock.now()
    call.opens_at = now - timedelta(days=60)
    call.deadline_at = now - timedelta(days=1)
    db.session.commit()


@pytest.fixture
def closed_call(db, create_call, create_proposal, submit_proposal):
    """A call past its deadline with `n` submitted, eligible proposals: (call, submissions)."""

    def make(n=3, **call_fields):
        call = create_call(**call_fields)
        submissions = [submit_proposal(create_proposal(call=call)) for _ in range(n)]
        close_call(db, call)
        return call, submissions

    return make


@pytest.fixture
def create_assignment(db):
    def make(submission, evaluator, state=AssignmentState.PENDING_DECLARATION):
        assignment = Assignment(
            call_id=submission.call_id,
            proposal_id=submission.proposal_id,
            submission_id=submission.id,
            evaluator_id=evaluator.id,
            state=state,
            due_at=clock.now() + timedelta(days=21),
        )
        if state == AssignmentState.ACTIVE:
            assignment.declarations.append(ConflictDeclaration(kind=ConflictKind.NONE))
        db.session.add(assignment)
        db.session.commit()
        return assignment

    return make


# Consensus and ranking ------------------------------------------------------------------------

# Long enough for every criterion's minimum comment length (200 characters by default).
LONG_COMMENT = (
    "The consortium sets out a credible referral mechanism between shelters, labour "
    "inspectors and the police for non-EU victims of trafficking; the work plan, the "
    "indicators and the budget are consistent with the objectives and priorities of the call."
)
EVALUATOR_NAMES = ("Ingrid Halvorsen", "Tomasz Wierzbicki", "Lucia Benedetti", "Mathis Dupont")


def consensus_data(call, points: dict, overall: str = "", comment: str = LONG_COMMENT) -> dict:
    """Form data for a consensus report or an evaluation: {criterion id: {points, comment}}
    from {criterion code: points}; a criterion not in `points` gets no score."""
    data = {
        c.id: {"points": str(points.get(c.code, "")), "comment": comment} for c in call.criteria
    }
    data["overall"] = overall
    return data


@pytest.fixture
def evaluated_call(
    db,
    create_call,
    create_proposal,
    create_organisation,
    submit_proposal,
    create_evaluator,
    create_assignment,
):
    """A call past its deadline with `n` submitted, eligible proposals, each assigned to the
    same `evaluators` evaluators (active: no conflict declared) who have submitted their
    evaluations, so that the consensus can start. Returns a namespace with call, submissions,
    ineligible, evaluators and assignments {(submission id, evaluator id): Assignment}.

    - `points[i]` lists, per evaluator, {criterion code: points} for proposal i (a criterion
      not given scores 80 % of its maximum, above every default threshold);
    - `submitted=k`: only the first k evaluators of each proposal have submitted;
    - `ineligible=m`: m more proposals whose coordinator is in Denmark (not eligible, never
      assigned);
    - `steps`: {criterion code: step} set before anyone scores;
    - `shares[i]`: instead of `points`, every evaluator scores every criterion of proposal i
      at this share of its maximum (rounded to the step);
    - any other keyword goes to `create_call` (topics=..., reserve_size=...).
    """
    from decimal import Decimal
    from types import SimpleNamespace

    from grants.review import evaluation as ev

    def make(
        n=3,
        evaluators=3,
        points=None,
        submitted=None,
        ineligible=0,
        steps=None,
        shares=None,
        **fields,
    ):
        call = create_call(**fields)
        for c in call.criteria:
            if steps and c.code in steps:
                c.step = Decimal(str(steps[c.code]))
        db.session.commit()
        submissions = [submit_proposal(create_proposal(call=call)) for _ in range(n)]
        excluded = [
            submit_proposal(create_proposal(call=call, organisation=create_organisation(country=c)))
            for c in ["DK"] * ineligible
        ]
        close_call(db, call)
        people = [
            create_evaluator(name=EVALUATOR_NAMES[k] if k < len(EVALUATOR_NAMES) else None)
            for k in range(evaluators)
        ]
        assignments = {}
        for i, submission in enumerate(submissions):
            for k, person in enumerate(people):
                a = create_assignment(submission, person, AssignmentState.ACTIVE)
                assignments[(submission.id, person.id)] = a
                if submitted is not None and k >= submitted:
                    continue
                given = ((points or {}).get(i) or [{}] * len(people))[k]
                if shares is not None:  # every criterion at this share of its maximum
                    given = {
                        c.code: (c.max_points * shares[i] / c.step).to_integral() * c.step
                        for c in call.criteria
                    }
                scores = {
                    c.code: given.get(c.code, c.max_points * Decimal("0.8")) for c in call.criteria
                }
                ev.submit_evaluation(a, consensus_data(call, scores), 0, person)
        return SimpleNamespace(
            call=call,
            submissions=submissions,
            ineligible=excluded,
            evaluators=people,
            assignments=assignments,
        )

    return make


@pytest.fixture
def approve_consensus(db, create_user):
    """Appoint the rapporteur (`rapporteur`, the current one, or else the proposal's first
    active evaluator), send the consensus with {criterion code: points} (a criterion not given
    keeps its pre-filled aggregate) and approve it as a programme manager; returns the report.
    """
    from grants.review import consensus

    managers = []

    def approve(submission, points=None, rapporteur=None, manager=None, overall="Agreed."):
        if manager is None:
            if not managers:
                managers.append(create_user(roles=("programme_manager",)))
            manager = managers[0]
        report = consensus.report_of(submission)
        if rapporteur is None:
            if report is not None and report.rapporteur is not None:
                rapporteur = report.rapporteur
            else:
                rapporteur = consensus.active_assignments(submission)[0].evaluator
        if report is None or report.rapporteur_id != rapporteur.id:
            consensus.appoint(submission, rapporteur, manager)
            report = consensus.report_of(submission)
        views = consensus.criterion_views(submission, rapporteur.id, names=False)
        scores = {v.criterion.code: v.prefill for v in views} | dict(points or {})
        data = consensus_data(submission.call, scores, overall)
        consensus.submit_consensus(report, data, report.version, rapporteur)
        consensus.approve(report, manager)
        return report

    return approve
