"""Service tests of the consensus: appointing rapporteurs, readiness, the pre-filled aggregates,
the optimistic lock, completeness on submission, approval and return; and the evaluation
dashboard (counts, late evaluators, disagreements)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from grants import clock
from grants.audit.models import AuditEntry
from grants.notifications.models import OutboxMessage
from grants.review import consensus, progress, services
from grants.review import evaluation as ev
from grants.review.evaluation import EvaluationError, StaleEvaluation
from grants.review.models import (
    AssignmentState,
    ConflictKind,
    ConsensusReport,
    ConsensusState,
)
from grants.review.services import ReviewError
from tests.factories.review import LONG_COMMENT, consensus_data

AGREED = {"relevance": "25", "quality": "24.5", "team": "16", "impact": "15.5"}


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


def audit_entries(db, entity_type="consensus") -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.id)
        )
    )


def outbox_to(db, address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def acronym(submission) -> str:
    return submission.content["acronym"]


def saved_points(db, report) -> dict[str, Decimal | None]:
    db.session.expire_all()
    report = db.session.get(ConsensusReport, report.id)
    return {s.criterion.code: s.points for s in report.scores}


# Appointing the rapporteur ---------------------------------------------------------------------


def test_only_an_active_conflict_free_evaluator_can_be_rapporteur(
    db, evaluated_call, create_evaluator, create_assignment, manager, mailbox
):
    setup = evaluated_call(n=1, evaluators=1)
    (s,) = setup.submissions
    (active,) = setup.evaluators
    pending = create_evaluator()
    create_assignment(s, pending)
    conflicted = create_evaluator()
    services.declare(create_assignment(s, conflicted), ConflictKind.PERSONAL, "Cousin", conflicted)
    removed = create_evaluator()
    services.remove(create_assignment(s, removed, AssignmentState.ACTIVE), "Replaced", manager)
    stranger = create_evaluator()
    for person in (pending, conflicted, removed, stranger):
        with pytest.raises(ReviewError, match="cannot be the rapporteur"):
            consensus.appoint(s, person, manager)
        assert outbox_to(db, person.email) == []
    assert consensus.report_of(s) is None

    consensus.appoint(s, active, manager)
    report = consensus.report_of(s)
    assert report.rapporteur_id == active.id and report.appointed_by_id == manager.id
    assert report.state == ConsensusState.DRAFT and report.call_id == s.call_id
    message = mailbox.last_to(active.email)
    assert message["Subject"] == f"You are the rapporteur of {acronym(s)}"
    assert f"/review/submissions/{s.id}/consensus" in mailbox.body(message)
    assert [(e.action, e.actor_id) for e in audit_entries(db)] == [("appoint", manager.id)]
    assert consensus.rapporteur_reports(active) == [report]

    # appointing the same rapporteur again changes nothing and sends nothing
    consensus.appoint(s, active, manager)
    assert len(outbox_to(db, active.email)) == 1
    assert len(audit_entries(db)) == 1


def test_a_new_rapporteur_is_logged_and_an_approved_consensus_keeps_its_rapporteur(
    db, evaluated_call, approve_consensus, manager, mailbox
):
    setup = evaluated_call(n=1, evaluators=2)
    (s,) = setup.submissions
    first, second = setup.evaluators
    consensus.appoint(s, first, manager)
    consensus.appoint(s, second, manager)
    assert consensus.report_of(s).rapporteur_id == second.id
    assert audit_entries(db)[-1].changes == {"rapporteur": [first.email, second.email]}
    assert mailbox.last_to(second.email)["Subject"] == f"You are the rapporteur of {acronym(s)}"
    approve_consensus(s, AGREED)
    with pytest.raises(ReviewError, match="approved; its rapporteur stays"):
        consensus.appoint(s, first, manager)
    assert consensus.report_of(s).rapporteur_id == second.id


def test_appoint_all_balances_the_rapporteurs_and_reports_what_it_cannot_do(
    db, evaluated_call, manager, mailbox
):
    setup = evaluated_call(n=4, evaluators=3)
    s0, s1, s2, s3 = setup.submissions
    e1, e2, e3 = setup.evaluators
    for person in setup.evaluators:  # nobody left on s3
        services.remove(setup.assignments[(s3.id, person.id)], "Unavailable", manager)
    consensus.appoint(s0, e1, manager)

    count, problems = consensus.appoint_all(setup.call, setup.submissions, manager)

    assert count == 2
    assert problems == [f"{acronym(s3)}: no evaluator has declared no conflict yet."]
    rapporteurs = {
        s.id: getattr(consensus.report_of(s), "rapporteur_id", None) for s in (s0, s1, s2, s3)
    }
    # e1 already reports for s0: the two others get one proposal each
    assert rapporteurs == {s0.id: e1.id, s1.id: e2.id, s2.id: e3.id, s3.id: None}
    for person in setup.evaluators:
        assert len(outbox_to(db, person.email)) == 1, person.email
    assert mailbox.last_to(e3.email)["Subject"] == f"You are the rapporteur of {acronym(s2)}"

    # a second run has nothing left to do
    count, problems = consensus.appoint_all(setup.call, setup.submissions, manager)
    assert count == 0 and len(problems) == 1
    assert sum(len(outbox_to(db, p.email)) for p in setup.evaluators) == 3


def test_appoint_all_spreads_the_load_over_many_proposals(db, evaluated_call, manager):
    setup = evaluated_call(n=6, evaluators=3)
    count, problems = consensus.appoint_all(setup.call, setup.submissions, manager)
    assert (count, problems) == (6, [])
    loads = db.session.execute(
        select(ConsensusReport.rapporteur_id, func.count()).group_by(ConsensusReport.rapporteur_id)
    ).all()
    assert sorted(n for _, n in loads) == [2, 2, 2]


# Readiness and the pre-filled form -------------------------------------------------------------


def test_the_consensus_waits_for_every_evaluation(
    db, evaluated_call, create_evaluator, create_assignment, manager
):
    setup = evaluated_call(n=1, evaluators=3, submitted=2)
    (s,) = setup.submissions
    rapporteur, _, late = setup.evaluators
    consensus.appoint(s, rapporteur, manager)
    report = consensus.report_of(s)
    assert consensus.readiness(s) == [
        "1 evaluation of this proposal is not submitted yet; the consensus is written once "
        "every evaluator has submitted."
    ]
    version = report.version
    with pytest.raises(EvaluationError, match="not submitted yet"):
        consensus.save_consensus(report, consensus_data(setup.call, AGREED), version, rapporteur)
    assert saved_points(db, report) == {}
    report = db.session.get(ConsensusReport, report.id)
    assert report.version == version

    late_assignment = setup.assignments[(s.id, late.id)]
    data = consensus_data(setup.call, {c.code: "20" for c in setup.call.criteria})
    ev.submit_evaluation(late_assignment, data, 0, late)
    assert consensus.readiness(s) == []
    consensus.save_consensus(report, consensus_data(setup.call, AGREED), version, rapporteur)
    assert saved_points(db, report) == {k: Decimal(v) for k, v in AGREED.items()}

    # a newly assigned evaluator (still to declare) blocks it again
    create_assignment(s, create_evaluator())
    assert "1 evaluation of this proposal is not" in consensus.readiness(s)[0]


def test_nothing_to_write_without_any_submitted_evaluation(db, evaluated_call):
    setup = evaluated_call(n=1, evaluators=1, submitted=0)
    problems = consensus.readiness(setup.submissions[0])
    assert problems[-1] == "No evaluation of this proposal has been submitted."
    assert consensus.proposal_score(setup.submissions[0]) is None
    views = consensus.criterion_views(setup.submissions[0], None, names=True)
    assert [v.prefill for v in views] == [None] * 4


def test_prefill_is_the_mean_rounded_to_each_criterions_step(db, evaluated_call, manager):
    individual = [
        {"relevance": "20", "quality": "20", "team": "15", "impact": "10"},
        {"relevance": "21.5", "quality": "20", "team": "15.5", "impact": "12"},
        {"relevance": "23.5", "quality": "20.5", "team": "16", "impact": "12"},
    ]
    setup = evaluated_call(n=1, evaluators=3, points={0: individual}, steps={"impact": 2})
    (s,) = setup.submissions
    views = {v.criterion.code: v for v in consensus.criterion_views(s, None, names=False)}
    means = {code: v.result.aggregate for code, v in views.items()}
    assert means == {
        "relevance": Decimal("21.67"),
        "quality": Decimal("20.17"),
        "team": Decimal("15.50"),
        "impact": Decimal("11.33"),
    }
    prefill = {code: v.prefill for code, v in views.items()}
    # the nearest allowed score: steps of 0.5, and of 2 for impact
    assert prefill == {
        "relevance": Decimal("21.5"),
        "quality": Decimal("20"),
        "team": Decimal("15.5"),
        "impact": Decimal("12"),
    }
    for code, v in views.items():
        assert ev.rule(v.criterion).check(prefill[code]) == prefill[code]
        assert [points for _, points, _ in v.individual] == [
            Decimal(row[code]) for row in individual
        ]


def test_prefill_rounds_half_up(db, evaluated_call):
    individual = [
        {"relevance": "20", "quality": "20", "team": "15", "impact": "10"},
        {"relevance": "20.5", "quality": "21.5", "team": "15", "impact": "11"},
    ]
    setup = evaluated_call(n=1, evaluators=2, points={0: individual})
    views = consensus.criterion_views(setup.submissions[0], None, names=False)
    assert [(v.result.aggregate, v.prefill) for v in views] == [
        (Decimal("20.25"), Decimal("20.5")),
        (Decimal("20.75"), Decimal("21")),
        (Decimal("15"), Decimal("15")),
        (Decimal("10.5"), Decimal("10.5")),
    ]


def test_evaluator_letters_are_one_rule_on_the_evaluation_and_consensus_pages(
    db, evaluated_call, create_user
):
    """The evaluations that count are those of standing assignments, lettered in the order
    they were submitted, the viewer left out: "Evaluator A" is the same person on the
    evaluation page (`others`) and on the consensus page, and a removed evaluator's
    evaluation is on neither."""
    relevance = [{"relevance": str(10 + k)} for k in range(4)]
    setup = evaluated_call(n=1, evaluators=4, points={0: relevance})
    (s,) = setup.submissions
    first, second, third, fourth = setup.evaluators
    manager = create_user(roles=("programme_manager",))
    services.remove(setup.assignments[(s.id, first.id)], "Conflict found later", manager)
    own = setup.assignments[(s.id, third.id)]

    def points(scores):
        return next(sc.points for c, sc in scores if c.code == "relevance")

    on_evaluation = {o.label: points(o.scores) for o in ev.others(own, third)}
    (view,) = [
        v
        for v in consensus.criterion_views(s, third.id, names=False)
        if v.criterion.code == "relevance"
    ]
    on_consensus = {label: value for label, value, _ in view.individual}
    assert on_evaluation == {"Evaluator A": Decimal(11), "Evaluator B": Decimal(13)}
    assert on_consensus == {
        "Evaluator A": Decimal(11),
        "You": Decimal(12),
        "Evaluator B": Decimal(13),
    }
    named = [o.label for o in ev.others(own, manager)]
    assert named == [second.full_name, fourth.full_name]
    labels = ev.evaluator_labels(ev.submitted_evaluations(s), fourth.id, names=False)
    assert sorted(labels.values()) == ["Evaluator A", "Evaluator B", "You"]


def test_individual_scores_are_anonymous_for_evaluators_and_named_for_managers(db, evaluated_call):
    setup = evaluated_call(n=1, evaluators=3)
    (s,) = setup.submissions
    first, second, third = setup.evaluators
    views = consensus.criterion_views(s, second.id, names=False)
    labels = [label for label, _, _ in views[0].individual]
    assert labels == ["Evaluator A", "You", "Evaluator B"]
    assert all(comment == LONG_COMMENT for _, _, comment in views[0].individual)
    named = consensus.criterion_views(s, None, names=True)
    assert [label for label, _, _ in named[0].individual] == [
        first.full_name,
        second.full_name,
        third.full_name,
    ]


# Saving and submitting -------------------------------------------------------------------------


@pytest.fixture
def drafting(evaluated_call, manager):
    """One proposal evaluated by three, with the first evaluator appointed rapporteur."""
    setup = evaluated_call(n=1, evaluators=3)
    (s,) = setup.submissions
    rapporteur = setup.evaluators[0]
    consensus.appoint(s, rapporteur, manager)
    return setup, s, consensus.report_of(s), rapporteur


def test_a_stale_version_is_refused_and_nothing_is_overwritten(db, drafting):
    setup, s, report, rapporteur = drafting
    opened = report.version
    consensus.save_consensus(
        report, consensus_data(setup.call, AGREED, "First tab"), opened, rapporteur
    )
    assert report.version == opened + 1
    other = {"relevance": "10", "quality": "10", "team": "5", "impact": "5"}
    with pytest.raises(StaleEvaluation, match="changed elsewhere"):
        consensus.save_consensus(
            report, consensus_data(setup.call, other, "Second tab"), opened, rapporteur
        )
    with pytest.raises(StaleEvaluation):
        consensus.submit_consensus(
            report, consensus_data(setup.call, other, "Second tab"), opened, rapporteur
        )
    assert saved_points(db, report) == {k: Decimal(v) for k, v in AGREED.items()}
    report = db.session.get(ConsensusReport, report.id)
    assert (report.comment, report.version, report.state) == (
        "First tab",
        opened + 1,
        ConsensusState.DRAFT,
    )


def test_a_concurrent_write_is_caught_by_the_database(db, drafting):
    setup, s, report, rapporteur = drafting
    opened = report.version  # loaded here, as when the form was opened
    with db.engine.begin() as other_connection:  # another request saves meanwhile
        other_connection.execute(
            update(ConsensusReport)
            .where(ConsensusReport.id == report.id)
            .values(comment="Saved in another tab", version=ConsensusReport.version + 1)
        )
    with pytest.raises(StaleEvaluation):
        consensus.save_consensus(
            report, consensus_data(setup.call, AGREED, "Mine"), opened, rapporteur
        )
    assert saved_points(db, report) == {}
    report = db.session.get(ConsensusReport, report.id)
    assert (report.comment, report.version) == ("Saved in another tab", opened + 1)


def test_submit_needs_every_score_and_long_comments_and_saves_nothing_otherwise(db, drafting):
    setup, s, report, rapporteur = drafting
    criteria = {c.code: c for c in setup.call.criteria}
    consensus.save_consensus(
        report, consensus_data(setup.call, {"relevance": "20"}, "Draft"), report.version, rapporteur
    )
    version = report.version
    data = consensus_data(setup.call, {"relevance": "25", "team": "16", "impact": "15"}, "New")
    data[criteria["team"].id]["comment"] = "Too short."
    with pytest.raises(EvaluationError, match="not complete") as exc:
        consensus.submit_consensus(report, data, version, rapporteur)
    assert set(exc.value.errors) == {criteria["quality"].id, criteria["team"].id}
    assert exc.value.errors[criteria["quality"].id] == [f"Score {criteria['quality'].label}."]
    assert exc.value.errors[criteria["team"].id] == [
        "The comment needs at least 200 characters (10 so far)."
    ]
    # nothing of the refused submission was kept
    assert saved_points(db, report) == {
        "relevance": Decimal("20"),
        "quality": None,
        "team": None,
        "impact": None,
    }
    report = db.session.get(ConsensusReport, report.id)
    assert (report.state, report.version, report.comment) == (
        ConsensusState.DRAFT,
        version,
        "Draft",
    )
    assert [e.action for e in audit_entries(db)] == ["appoint"]

    bad_step = consensus_data(setup.call, AGREED | {"impact": "10.3"})
    with pytest.raises(EvaluationError) as exc:
        consensus.submit_consensus(report, bad_step, version, rapporteur)
    assert list(exc.value.errors) == [criteria["impact"].id]
    assert "steps of 0.5" in exc.value.errors[criteria["impact"].id][0]
    assert db.session.get(ConsensusReport, report.id).state == ConsensusState.DRAFT

    consensus.submit_consensus(report, consensus_data(setup.call, AGREED), version, rapporteur)
    report = db.session.get(ConsensusReport, report.id)
    assert report.state == ConsensusState.SUBMITTED and report.submitted_at is not None
    entry = audit_entries(db)[-1]
    assert (entry.action, entry.actor_id) == ("submit", rapporteur.id)
    assert entry.changes["relevance"] == {"points": "25"}
    with pytest.raises(EvaluationError, match="awaiting approval"):
        consensus.save_consensus(
            report, consensus_data(setup.call, AGREED), report.version, rapporteur
        )


# Approval and return ---------------------------------------------------------------------------


def test_approve_and_return_with_a_reason(db, drafting, manager, mailbox):
    setup, s, report, rapporteur = drafting
    with pytest.raises(ReviewError, match="Only a consensus report sent for approval"):
        consensus.approve(report, manager)
    with pytest.raises(ReviewError, match="draft already"):
        consensus.return_to_rapporteur(report, "Why not", manager)
    consensus.submit_consensus(
        report, consensus_data(setup.call, AGREED), report.version, rapporteur
    )

    with pytest.raises(ReviewError, match="Say why"):
        consensus.return_to_rapporteur(report, "   ", manager)
    assert db.session.get(ConsensusReport, report.id).state == ConsensusState.SUBMITTED
    mailbox.clear()
    reason = "The impact comment does not support 15.5 points."
    consensus.return_to_rapporteur(report, f"  {reason} ", manager)
    report = db.session.get(ConsensusReport, report.id)
    assert (report.state, report.returned_reason) == (ConsensusState.DRAFT, reason)
    message = mailbox.last_to(rapporteur.email)
    assert message["Subject"] == f"The consensus of {acronym(s)} needs changes"
    assert reason in mailbox.body(message)
    assert f"/review/submissions/{s.id}/consensus" in mailbox.body(message)

    consensus.submit_consensus(
        report, consensus_data(setup.call, AGREED), report.version, rapporteur
    )
    assert db.session.get(ConsensusReport, report.id).returned_reason == ""
    consensus.approve(report, manager)
    report = db.session.get(ConsensusReport, report.id)
    assert report.state == ConsensusState.APPROVED and report.is_approved
    assert report.approved_by_id == manager.id and report.approved_at is not None
    approval = audit_entries(db)[-1]
    assert (approval.action, approval.actor_id) == ("approve", manager.id)
    assert approval.changes == {k: {"points": v} for k, v in AGREED.items()}

    # an approved consensus can go back too, until the ranking is final
    consensus.return_to_rapporteur(report, "Check team again", manager)
    report = db.session.get(ConsensusReport, report.id)
    assert report.state == ConsensusState.DRAFT
    assert report.approved_at is None and report.approved_by_id is None
    assert [(e.action, e.actor_id) for e in audit_entries(db)] == [
        ("appoint", manager.id),
        ("submit", rapporteur.id),
        ("return", manager.id),
        ("submit", rapporteur.id),
        ("approve", manager.id),
        ("return", manager.id),
    ]
    assert audit_entries(db)[-1].changes == {"state": ["approved", "draft"]}
    assert len(mailbox.to(rapporteur.email)) == 2


def test_approval_waits_for_a_newly_assigned_evaluator(
    db, drafting, create_evaluator, create_assignment, manager
):
    setup, s, report, rapporteur = drafting
    consensus.submit_consensus(
        report, consensus_data(setup.call, AGREED), report.version, rapporteur
    )
    create_assignment(s, create_evaluator())
    with pytest.raises(ReviewError, match="assigned since the consensus was written"):
        consensus.approve(report, manager)
    assert db.session.get(ConsensusReport, report.id).state == ConsensusState.SUBMITTED


def test_the_approved_consensus_is_what_scores(db, drafting, manager):
    setup, s, report, rapporteur = drafting
    consensus.submit_consensus(
        report, consensus_data(setup.call, AGREED), report.version, rapporteur
    )
    # submitted but not approved: only the evaluations count
    assert consensus.proposal_score(s, with_consensus=True).total == Decimal("80")
    consensus.approve(report, manager)
    score = consensus.proposal_score(s, with_consensus=True)
    assert score.total == Decimal("81")
    assert score.final_scores()["quality"] == Decimal("24.5")
    assert consensus.proposal_score(s).total == Decimal("80")


# The evaluation dashboard ----------------------------------------------------------------------


def test_dashboard_counts_disagreements_and_late_evaluators(
    db, closed_call, create_evaluator, create_assignment, manager
):
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    call, (s1, s2) = closed_call(n=2)
    e1, e2, e3 = (create_evaluator(name=n) for n in ("Anna Late", "Bert Later", "Cora Done"))
    # s1: two submitted evaluations far apart on relevance, one still to declare
    a11 = create_assignment(s1, e1, AssignmentState.ACTIVE)
    a12 = create_assignment(s1, e2, AssignmentState.ACTIVE)
    a13 = create_assignment(s1, e3)
    full = {c.code: c.max_points * Decimal("0.8") for c in call.criteria}
    ev.submit_evaluation(a11, consensus_data(call, full | {"relevance": "10"}), 0, e1)
    ev.submit_evaluation(a12, consensus_data(call, full | {"relevance": "28"}), 0, e2)
    # s2: a conflict, a draft and a submitted evaluation
    a21 = create_assignment(s2, e1)
    services.declare(a21, ConflictKind.FINANCIAL, "Shares", e1)
    a22 = create_assignment(s2, e2, AssignmentState.ACTIVE)
    ev.save_draft(a22, consensus_data(call, {"relevance": "20"}), 0, e2)
    a23 = create_assignment(s2, e3, AssignmentState.ACTIVE)
    ev.submit_evaluation(a23, consensus_data(call, full), 0, e3)
    a13.due_at = clock.now() + timedelta(days=10)  # e3 is due first, on s1
    a22.due_at = clock.now() + timedelta(days=14)
    db.session.commit()

    board = progress.dashboard(call)
    rows = {r.submission.id: r for r in board.rows}
    assert [
        (r.counts.assigned, r.counts.declared, r.counts.evaluated)
        for r in (rows[s1.id], rows[s2.id])
    ] == [
        (3, 2, 2),
        (2, 3, 1),
    ]
    assert (board.count("assigned"), board.count("evaluated"), board.needed) == (5, 3, 6)
    assert [r.submission.id for r in board.disagreements] == [s1.id]
    assert rows[s1.id].disagreements == []  # its scores are read only for a listed row
    board.detailed(board.disagreements)
    assert [c.criterion for c in rows[s1.id].disagreements] == ["relevance"]
    assert rows[s1.id].active_evaluators == [e1, e2]
    assert board.late == [] and board.agreed == 0
    # the filters of the proposals table
    shown = {key: [r.submission.id for r in board.shown(key)] for key in progress.SHOWN}
    assert shown == {
        "evaluators": [s2.id],  # 2 standing assignments of the 3 the call asks for
        "evaluations": [s1.id, s2.id],
        "disagreement": [s1.id],
        "consensus": [s1.id, s2.id],
    }
    assert board.shown("anything else") == board.rows
    assert (
        board.filters()[0] == ("all", "All", 2)
        and ("disagreement", "With a disagreement", 1) in board.filters()
    )

    clock.travel(timedelta(days=12))
    assert [(x.evaluator, len(x.assignments)) for x in progress.dashboard(call).late] == [(e3, 1)]
    clock.travel(timedelta(days=10))  # 22 days on: both open assignments are overdue
    late = progress.dashboard(call).late
    assert [(x.evaluator, [a.id for a in x.assignments]) for x in late] == [
        (e3, [a13.id]),
        (e2, [a22.id]),
    ]
    assert late[0].oldest_due == a13.due_at


def test_dashboard_counts_agreed_and_awaiting_approval(
    db, evaluated_call, approve_consensus, manager
):
    setup = evaluated_call(n=3, evaluators=2, ineligible=1)
    s1, s2, s3 = setup.submissions
    approve_consensus(s1, AGREED)
    consensus.appoint(s2, setup.evaluators[1], manager)
    report = consensus.report_of(s2)
    consensus.submit_consensus(
        report, consensus_data(setup.call, AGREED), report.version, setup.evaluators[1]
    )
    board = progress.dashboard(setup.call)
    # the proposal that is not eligible is not part of the evaluation
    assert [r.submission.id for r in board.rows] == [s1.id, s2.id, s3.id]
    assert board.needed == 9
    assert board.agreed == 1
    assert [r.submission.id for r in board.awaiting_approval] == [s2.id]
    assert board.count("evaluated") == 6 and board.count("declared") == 6
