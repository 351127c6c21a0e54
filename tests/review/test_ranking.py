"""Service tests of the ranking: order by approved consensus totals, thresholds with reasons,
selection within each topic's budget with a reserve list, what-if budgets, proposals still
awaiting a consensus, finalising (and the lock it puts on the evaluation), publishing the
results, and the Evaluation Summary Report."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grants.audit.models import AuditEntry
from grants.calls.fields import parse_amount
from grants.calls.models import CallStatus, SelectionPolicy
from grants.calls.services import transition
from grants.notifications.models import OutboxMessage
from grants.proposals import programme, sections
from grants.proposals.errors import ProposalError
from grants.review import consensus, ranking, reports, services
from grants.review import evaluation as ev
from grants.review.models import (
    AssignmentState,
    ConflictKind,
    ConsensusReport,
    ConsensusState,
    FinalRanking,
    Outcome,
    ResultLetter,
)
from grants.review.services import LOCKED, ReviewError, current_submissions
from tests.factories.review import LONG_COMMENT, close_call, consensus_data

ROOT = Path(__file__).resolve().parents[2]
EUR = Decimal("661500.00")  # the EU contribution of every proposal made by create_proposal

# Consensus scores (relevance, quality, team, impact: maxima 30, 30, 20, 20; thresholds 15, 15,
# 10, 10; overall threshold 70), by the name the tests give each proposal.
CONSENSUS = {
    "A": ("28", "27", "18", "17"),  # 90
    "B": ("26", "25", "17", "17"),  # 85
    "C": ("24", "24", "16", "16"),  # 80
    "D": ("22", "22", "16", "15"),  # 75
    "E": ("14", "30", "20", "20"),  # 84, but relevance below its threshold
    "F": ("16", "16", "14", "14"),  # 60, below the overall threshold
}
CODES = ("relevance", "quality", "team", "impact")
# Creation order differs from ranking order, so the order below is the ranking's doing.
CREATED = ("C", "E", "A", "F", "D", "B")


def points(name: str) -> dict[str, str]:
    return dict(zip(CODES, CONSENSUS[name], strict=True))


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


@pytest.fixture
def ranked(evaluated_call, approve_consensus, manager):
    """Six proposals with an approved consensus in topic T1 (EUR 1.4 million, room for two),
    a reserve list of one, and a proposal that is not eligible. Returns (setup, {name:
    submission})."""
    setup = evaluated_call(
        n=len(CREATED),
        evaluators=1,
        ineligible=1,
        topics=[("T1", "Assistance to victims", Decimal("1400000"))],
        reserve_size=1,
    )
    named = dict(zip(CREATED, setup.submissions, strict=True))
    for name, submission in named.items():
        approve_consensus(submission, points(name), manager=manager)
    return setup, named


def ids(rows) -> list[int]:
    return [r.submission.id for r in rows]


def audit_actions(db, entity_type: str) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == entity_type)
            .order_by(AuditEntry.id)
        )
    )


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# The ranking -----------------------------------------------------------------------------------


def test_ranking_orders_by_consensus_total_and_selects_within_the_topic_budget(db, ranked):
    setup, p = ranked
    view = ranking.build(setup.call)
    assert view.problems == [] and view.awaiting == []
    assert [s.id for s in view.excluded] == [setup.ineligible[0].id]
    (topic,) = view.topics
    assert (topic.code, topic.title, topic.budget) == (
        "T1",
        "Assistance to victims",
        Decimal("1400000"),
    )
    assert ids(topic.selected) == [p["A"].id, p["B"].id]
    assert ids(topic.reserve) == [p["C"].id]
    assert ids(topic.not_selected) == [p["D"].id]
    assert ids(topic.below_threshold) == [p["E"].id, p["F"].id]
    ranked_rows = topic.selected + topic.reserve + topic.not_selected
    assert [r.decision.rank for r in ranked_rows] == [1, 2, 3, 4]
    # the consensus counts, not the evaluations (which all total 80)
    assert [r.score.total for r in ranked_rows] == [90, 85, 80, 75]
    assert topic.reserve[0].decision.reserve_position == 1
    assert "reserve list position 1" in topic.reserve[0].decision.explanation
    assert "the reserve list is full" in topic.not_selected[0].decision.explanation
    # the budget line
    assert topic.committed == p["A"].eu_contribution + p["B"].eu_contribution == 2 * EUR
    assert topic.leftover == Decimal("1400000") - 2 * EUR
    # below a threshold, with every reason
    below_e, below_f = (r.decision for r in topic.below_threshold)
    assert below_e.rank is None and below_f.rank is None
    assert "Relevance scored 14.00, below its threshold of 15.00" in (below_e.explanation)
    assert "total 60.00 is below the call's overall threshold of 70.00" in below_f.explanation
    assert "threshold" not in "".join(r.decision.explanation for r in topic.selected)
    assert set(view.rows) == {s.reference for s in setup.submissions}


def test_a_bigger_budget_selects_more_without_changing_the_ranking(db, ranked):
    setup, p = ranked
    base = ranking.build(setup.call)
    more = ranking.build(setup.call, {"T1": Decimal("2000000")})
    assert more.what_if.newly_selected == (p["C"].reference,)
    assert more.what_if.no_longer_selected == ()
    assert more.what_if.selection.selected_ids == tuple(p[n].reference for n in ("A", "B", "C"))
    assert more.what_if.selection.topic("T1").leftover == Decimal("2000000") - 3 * EUR
    # the real selection and its digest stay as they are
    assert ids(more.topics[0].selected) == [p["A"].id, p["B"].id]
    assert more.digest == base.digest
    less = ranking.build(setup.call, {"T1": Decimal("700000")})
    assert less.what_if.no_longer_selected == (p["B"].reference,)
    assert less.what_if.selection.reserve_ids == (p["B"].reference,)


def test_the_calls_selection_policy_decides_what_happens_after_a_proposal_that_does_not_fit(
    db, ranked
):
    setup, p = ranked
    p["B"].eu_contribution = Decimal("900000")  # B no longer fits after A
    db.session.commit()
    topic = ranking.build(setup.call).topics[0]
    assert ids(topic.selected) == [p["A"].id]  # "stop": the selection ends at B
    assert ids(topic.reserve) == [p["B"].id]
    assert ids(topic.not_selected) == [p["C"].id, p["D"].id]
    assert topic.leftover == Decimal("1400000") - EUR
    setup.call.selection_policy = SelectionPolicy.SKIP
    db.session.commit()
    topic = ranking.build(setup.call).topics[0]
    assert ids(topic.selected) == [p["A"].id, p["C"].id]  # "skip": C still fits
    assert ids(topic.reserve) == [p["B"].id] and ids(topic.not_selected) == [p["D"].id]
    assert "passed over for the next proposal that fits" in topic.reserve[0].decision.explanation
    assert topic.committed == 2 * EUR


def test_what_if_budgets_are_read_from_the_query_string(db, create_call):
    call = create_call(topics=[("T1", "One", Decimal("1400000")), ("T2", "Two", Decimal("5e5"))])
    assert ranking.parse_budgets(call, {"budget-T1": " 2 000 000 ", "budget-T2": "500000"}) == (
        {"T1": Decimal("2000000.00")},  # T2 unchanged: not a what-if
        [],
    )
    assert ranking.parse_budgets(call, {"budget-T1": "1,500,000.50"}) == (
        {"T1": Decimal("1500000.50")},
        [],
    )
    assert ranking.parse_budgets(call, {"budget-T1": "lots", "budget-T2": "-1"}) == (
        {},
        [
            "T1 budget: give an amount in EUR, 0 or more.",
            "T2 budget: give an amount in EUR, 0 or more.",
        ],
    )
    assert ranking.parse_budgets(call, {"budget-T1": "NaN"})[1] != []
    assert ranking.parse_budgets(call, {}) == ({}, [])
    without_topics = create_call(topics=[])
    assert ranking.budgets_of(without_topics) == {"": without_topics.total_budget}
    assert ranking.parse_budgets(without_topics, {"budget": "2500000"}) == (
        {"": Decimal("2500000.00")},
        [],
    )


@pytest.mark.parametrize(
    "typed",
    ["1400000,50", "EUR 2\u202f000\u202f000.00", "1\u00a0750\u00a0000", "2 000 000", "999,5"],
)
def test_what_if_budgets_read_amounts_as_every_other_amount_field_does(db, create_call, typed):
    """A decimal comma, the app's own way of showing money (narrow no-break spaces, "EUR")
    and no-break spaces read as in the call form (grants.calls.fields.parse_amount)."""
    call = create_call(topics=[("T1", "One", Decimal("1400000"))])
    expected = parse_amount(typed).quantize(Decimal("0.01"))
    assert ranking.parse_budgets(call, {"budget-T1": typed}) == ({"T1": expected}, [])


def test_proposals_without_an_approved_consensus_wait_and_block_finalising(
    db, evaluated_call, create_evaluator, create_assignment, approve_consensus, manager
):
    setup = evaluated_call(n=4, evaluators=2)
    approved, submitted, unappointed, outstanding = setup.submissions
    approve_consensus(approved, points("A"), manager=manager)
    rapporteur = setup.evaluators[0]
    consensus.appoint(submitted, rapporteur, manager)
    report = consensus.report_of(submitted)
    consensus.submit_consensus(
        report, consensus_data(setup.call, points("B")), report.version, rapporteur
    )
    create_assignment(outstanding, create_evaluator())

    view = ranking.build(setup.call)
    assert [(s.id, why) for s, why in view.awaiting] == [
        (submitted.id, "consensus report: awaiting approval"),
        (unappointed.id, "no rapporteur appointed"),
        (outstanding.id, "1 evaluation outstanding; no rapporteur yet"),
    ]
    assert set(view.rows) == {approved.reference}
    assert view.problems == ["3 proposals have no approved consensus report yet."]
    with pytest.raises(ReviewError, match="3 proposals have no approved consensus"):
        ranking.finalise(setup.call, view.digest, manager)
    assert count(db, FinalRanking) == 0
    assert not services.ranking_final(setup.call.id)


def test_finalise_refuses_a_ranking_that_changed_since_it_was_seen(
    db, ranked, approve_consensus, manager
):
    setup, p = ranked
    seen = ranking.build(setup.call).digest
    report = consensus.report_of(p["D"])
    consensus.return_to_rapporteur(report, "The team score is too low.", manager)
    approve_consensus(p["D"], points("A") | {"relevance": "29"}, manager=manager)  # now 91
    fresh = ranking.build(setup.call)
    assert fresh.digest != seen
    assert ids(fresh.topics[0].selected) == [p["D"].id, p["A"].id]
    with pytest.raises(ReviewError, match="changed since you opened this page"):
        ranking.finalise(setup.call, seen, manager)
    assert count(db, FinalRanking) == 0

    final = ranking.finalise(setup.call, fresh.digest, manager)
    assert final.sha256 == fresh.digest and final.finalised_by_id == manager.id
    assert (final.policy, final.reserve_size) == ("stop", 1)
    assert final.budgets == {"T1": "1400000.00"}
    decisions = {d["submission_id"]: d for d in final.decisions}
    assert set(decisions) == {s.id for s in setup.submissions}
    assert [decisions[p[n].id]["status"] for n in ("D", "A", "B", "C", "E", "F")] == [
        "selected",
        "selected",
        "reserve",
        "not_selected",
        "below_threshold",
        "below_threshold",
    ]
    assert decisions[p["D"].id]["rank"] == 1 and decisions[p["D"].id]["total"] == "91.00"
    assert decisions[p["B"].id]["reserve_position"] == 1
    assert decisions[p["E"].id]["scores"]["relevance"] == "14.00"
    json.dumps(final.decisions)  # plain JSON
    assert audit_actions(db, "call")[-1] == "finalise-ranking"
    assert ranking.build(setup.call).problems[0].startswith("The ranking was finalised on")
    with pytest.raises(ReviewError, match="was finalised"):
        ranking.finalise(setup.call, fresh.digest, manager)


def test_finalising_locks_evaluations_assignments_and_consensus(
    db, ranked, create_evaluator, create_assignment, manager
):
    setup, p = ranked
    call = setup.call
    s = p["A"]
    (evaluator,) = setup.evaluators
    assignment = setup.assignments[(s.id, evaluator.id)]
    report = consensus.report_of(s)
    ranking.finalise(call, ranking.build(call).digest, manager)
    assert services.ranking_final(call.id)
    # assignments that stand when the ranking is final: one still to declare, one active
    pending = create_assignment(p["B"], create_evaluator())
    active_person = create_evaluator()
    active = create_assignment(p["C"], active_person, AssignmentState.ACTIVE)
    locked = re.escape(LOCKED)

    with pytest.raises(ReviewError, match=locked):
        ev.save_draft(active, consensus_data(call, {"relevance": "20"}), 0, active_person)
    full = consensus_data(call, points("C"))
    with pytest.raises(ReviewError, match=locked):
        ev.submit_evaluation(active, full, 0, active_person)
    assert ev.evaluation_of(active) is None
    with pytest.raises(ReviewError, match=locked):
        ev.save_draft(assignment, {}, assignment.evaluation.version, evaluator)
    with pytest.raises(ReviewError, match=locked):
        services.declare(pending, ConflictKind.NONE, "", pending.evaluator)
    with pytest.raises(ReviewError, match=locked):
        services.decline(pending, "On leave", pending.evaluator)
    with pytest.raises(ReviewError, match=locked):
        services.remove(active, "Replaced", manager)
    created, errors = services.assign([p["D"]], [create_evaluator()], manager)
    assert created == [] and errors == [LOCKED]
    with pytest.raises(ReviewError, match=locked):
        services.apply_plan(call, services.build_plan(call).digest, manager)
    assert pending.state == AssignmentState.PENDING_DECLARATION
    assert active.state == AssignmentState.ACTIVE

    with pytest.raises(ReviewError, match=locked):
        consensus.save_consensus(
            report, consensus_data(call, points("B")), report.version, evaluator
        )
    with pytest.raises(ReviewError, match=locked):
        consensus.return_to_rapporteur(report, "Too generous", manager)
    with pytest.raises(ReviewError, match=locked):
        consensus.approve(report, manager)
    with pytest.raises(ReviewError, match=locked):
        consensus.appoint(p["C"], active_person, manager)
    with pytest.raises(ReviewError, match=locked):
        consensus.appoint_all(call, setup.submissions, manager)
    db.session.expire_all()
    report = db.session.get(ConsensusReport, report.id)
    assert report.state == ConsensusState.APPROVED
    assert {s.criterion.code: s.points for s in report.scores} == {
        k: Decimal(v) for k, v in points("A").items()
    }


def test_a_proposal_ranks_in_the_topic_it_was_submitted_under(
    db, create_call, create_proposal, submit_proposal, create_evaluator, create_assignment,
    approve_consensus, manager,
):  # fmt: skip
    call = create_call(
        topics=[("T1", "Shelters", Decimal("1400000")), ("T2", "Labour", Decimal("1400000"))]
    )
    proposal = create_proposal(call=call)  # under T1
    submission = submit_proposal(proposal)
    assert submission.content["topic"]["code"] == "T1"
    # while the call is open, the applicant moves the draft to T2 but never submits it again:
    # the submission under T1 is the one evaluated
    summary = {
        "acronym": proposal.acronym,
        "title": proposal.title,
        "abstract": proposal.abstract,
        "topic_id": call.topics[1].id,
        "duration_months": "24",
    }
    sections.save_section(proposal, "summary", summary, proposal.created_by, proposal.version)
    assert submission.is_current
    close_call(db, call)
    evaluator = create_evaluator()
    a = create_assignment(submission, evaluator, AssignmentState.ACTIVE)
    ev.submit_evaluation(a, consensus_data(call, points("C")), 0, evaluator)
    approve_consensus(submission, points("A"), manager=manager)

    view = ranking.build(call)
    selected = {t.code: ids(t.selected) for t in view.topics}
    assert selected["T1"] == [submission.id]
    assert selected["T2"] == []


# Results ---------------------------------------------------------------------------------------


def test_results_are_published_once_from_the_final_ranking(db, ranked, manager, mailbox):
    setup, p = ranked
    call = setup.call
    dk = setup.ineligible[0]
    with pytest.raises(ReviewError, match="once the call is under evaluation"):
        ranking.publish_results(call, manager)
    transition(call, CallStatus.UNDER_EVALUATION, manager)
    with pytest.raises(ReviewError, match="Finalise the ranking first"):
        ranking.publish_results(call, manager)
    assert count(db, ResultLetter) == 0 and call.status == CallStatus.UNDER_EVALUATION

    ranking.finalise(call, ranking.build(call).digest, manager)
    mailbox.clear()
    letters = ranking.publish_results(call, manager)

    everyone = [*setup.submissions, dk]
    assert sorted(letter.submission_id for letter in letters) == sorted(s.id for s in everyone)
    assert count(db, ResultLetter) == len(everyone) == 7
    by_submission = {letter.submission_id: letter for letter in letters}
    expected = {
        "A": (Outcome.SELECTED, 1, None, Decimal("90")),
        "B": (Outcome.SELECTED, 2, None, Decimal("85")),
        "C": (Outcome.RESERVE, 3, 1, Decimal("80")),
        "D": (Outcome.NOT_SELECTED, 4, None, Decimal("75")),
        "E": (Outcome.BELOW_THRESHOLD, None, None, Decimal("84")),
        "F": (Outcome.BELOW_THRESHOLD, None, None, Decimal("60")),
    }
    for name, (outcome, rank, reserve, total) in expected.items():
        letter = by_submission[p[name].id]
        assert (letter.outcome, letter.rank, letter.reserve_position, letter.total) == (
            outcome,
            rank,
            reserve,
            total,
        ), name
    refused = by_submission[dk.id]
    assert refused.outcome == Outcome.NOT_ADMISSIBLE
    assert refused.rank is None and refused.total is None
    assert "does not take part in this call" in refused.explanation
    assert "below its threshold of 15.00" in by_submission[p["E"].id].explanation

    db.session.expire_all()
    assert call.status == CallStatus.RESULTS_PUBLISHED
    final = ranking.final_ranking(call)
    assert final.published_at is not None and final.published_by_id == manager.id
    published = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "publish-results", AuditEntry.changes.is_not(None)
        )
    ).all()
    assert [e.summary for e in published if e.changes == {"letters": 7}] == [
        f"Results of {call.reference} published: 7 letters"
    ]
    for name, submission in [*p.items(), ("DK", dk)]:
        applicant = submission.submitted_by
        message = mailbox.last_to(applicant.email)
        outcome = by_submission[submission.id].outcome
        # (a long subject is folded on the wire; unfolding leaves a leading space)
        assert message["Subject"].strip() == (
            f"Result of {submission.content['acronym']} under {call.reference}: {outcome.label}"
        ), name
        assert f"/results/{submission.id}" in mailbox.body(message)
    assert "was not evaluated" in mailbox.body(mailbox.last_to(dk.submitted_by.email))
    assert "reserve list, position 1" in mailbox.body(mailbox.last_to(p["C"].submitted_by.email))
    sent = count(db, OutboxMessage)

    with pytest.raises(ReviewError, match="results of this call are published"):
        ranking.publish_results(call, manager)
    assert count(db, ResultLetter) == 7 and count(db, OutboxMessage) == sent
    assert ranking.letter_of(p["A"]).outcome == Outcome.SELECTED


def test_every_current_submission_gets_a_letter_after_a_late_admissibility_override(
    db, ranked, manager
):
    setup, p = ranked
    call = setup.call
    transition(call, CallStatus.UNDER_EVALUATION, manager)
    ranking.finalise(call, ranking.build(call).digest, manager)
    dk = setup.ineligible[0]
    # the programme overrides the checks of the Danish proposal after the ranking is final
    # (refusing that override once the ranking is final would be a fix as well)
    with contextlib.suppress(ProposalError, ReviewError):
        programme.decide_checks(
            dk, manager, "overridden", "Registered in Belgium after all", True, True
        )
    letters = ranking.publish_results(call, manager)
    current = current_submissions(call)
    assert sorted(letter.submission_id for letter in letters) == sorted(s.id for s in current)
    assert ranking.letter_of(dk) is not None


# The Evaluation Summary Report -------------------------------------------------------------------


def strings(value, seen=None) -> list[str]:
    """Every string reachable from a report: dataclass fields, rows of the database (their
    columns), lists, dicts."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in strings(getattr(value, f.name), seen)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k, seen), *strings(v, seen))]
    if isinstance(value, list | tuple | set):
        return [s for item in value for s in strings(item, seen)]
    if hasattr(value, "__table__"):
        return [s for c in value.__table__.columns for s in strings(getattr(value, c.key), seen)]
    return []


def test_the_evaluation_summary_report_gives_the_consensus_and_no_evaluator(
    db, evaluated_call, approve_consensus, manager
):
    setup = evaluated_call(n=2, evaluators=3, ineligible=1)
    s, other = setup.submissions
    overall = "A convincing proposal; the consortium's shelters are well placed."
    approve_consensus(s, points("A"), overall=overall, manager=manager)
    approve_consensus(other, points("F"), manager=manager)
    assert reports.esr_of(s) is None  # not before the ranking is final
    ranking.finalise(setup.call, ranking.build(setup.call).digest, manager)

    esr = reports.esr_of(s)
    assert esr.submission.id == s.id and esr.label == s.content["acronym"]
    assert [(c.criterion.code, c.points, c.comment) for c in esr.criteria] == [
        (code, Decimal(value), LONG_COMMENT) for code, value in points("A").items()
    ]
    assert esr.overall == overall
    assert (esr.total, esr.max_total, esr.overall_threshold) == (90, 100, 70)
    assert (esr.outcome, esr.rank, esr.reserve_position) == (Outcome.SELECTED, 1, None)
    assert esr.explanation.startswith("selected at rank 1")
    assert esr.finalised_at == ranking.final_ranking(setup.call).finalised_at
    assert not any(c.below_threshold for c in esr.criteria)

    below = reports.esr_of(other)
    assert below.outcome == Outcome.BELOW_THRESHOLD and below.rank is None
    assert "below the call's overall threshold" in below.explanation
    assert reports.esr_of(setup.ineligible[0]) is None

    text = "\n".join(strings(esr) + strings(below))
    assert LONG_COMMENT in text and overall in text  # the walk reaches the comments
    for person in setup.evaluators:
        assert person.full_name not in text and person.email not in text
    assert "Evaluator A" not in text


@pytest.mark.skipif(
    not (ROOT / "templates" / "review" / "esr_pdf.html").exists(),
    reason="templates/review/esr_pdf.html is not written yet",
)
def test_the_evaluation_summary_report_as_pdf(app, db, evaluated_call, approve_consensus, manager):
    from pypdf import PdfReader

    setup = evaluated_call(n=1, evaluators=3)
    (s,) = setup.submissions
    approve_consensus(s, points("A"), manager=manager)
    ranking.finalise(setup.call, ranking.build(setup.call).digest, manager)
    esr = reports.esr_of(s)
    with app.test_request_context():
        pdf = reports.esr_pdf(esr)
        assert reports.esr_pdf(esr) == pdf  # cached by the report's digest
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert s.content["acronym"] in text
    for person in setup.evaluators:
        assert person.full_name not in text


def test_the_ranking_page_names_criteria_and_links_the_esr_of_proposals_below_a_threshold(
    db, client, login_as, ranked, manager
):
    setup, p = ranked
    call = setup.call
    ranking.finalise(call, ranking.build(call).digest, manager)
    login_as(manager)
    page = client.get(f"/manage/calls/{call.id}/ranking").get_data(as_text=True)
    headers = re.findall(r'<th scope="col" class="num criterion">([^<]+)</th>', page)
    assert headers[: len(call.criteria)] == [c.label for c in call.criteria]
    below = page[page.index('id="below-T1"') :]
    below = below[: below.index("</ul>")]
    for name in ("E", "F"):  # a criterion below its threshold; the total below the overall one
        esr = f"/results/{p[name].id}/evaluation-summary.pdf"
        assert esr in below
        assert client.get(esr).status_code == 200


def test_the_rankings_long_lists_are_paged_each_by_its_own_argument(
    db, client, login_as, ranked, manager, monkeypatch
):
    from grants.review.views import management

    setup, p = ranked
    monkeypatch.setattr(management, "RANKING_ROWS", 1)
    login_as(manager)
    url = f"/manage/calls/{setup.call.id}/ranking"

    def below(args=""):
        response = client.get(url + args)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        listed = page[page.index('id="below-T1"') :]
        return page, {n for n in "EF" if p[n].label in listed[: listed.index("</ul>")]}

    page, first = below()
    assert len(first) == 1 and "(2, 1 a page)" in page
    assert 'aria-label="Pages of the proposals below a threshold in topic T1"' in page
    assert "below-T1=2" in page and "budget-T1=1500000" not in page
    # the other list keeps its page; what-if budgets in the query string stay in the links
    page, second = below("?below-T1=2&budget-T1=1500000")
    assert len(second) == 1 and second != first
    assert "budget-T1=1500000" in page and "below-T1=1" in page
    assert p["D"].label in page  # the one proposal not selected: a single page, no pager
    assert "Pages of the proposals not selected" not in page
    for absurd in ("10" * 15, "-1", "x", "２"):  # past the end: the last page; junk: the first
        assert below(f"?below-T1={absurd}")[1] <= set("EF")
    assert below("?below-T1=" + "9" * 30)[1] == second
