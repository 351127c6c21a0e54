"""Routes of consensus, ranking and results: the rapporteur's form, the manager's approval,
the dashboard, the ranking with its budget line and what-if, finalising, publishing, and the
applicants' result letters and Evaluation Summary Reports."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from grants import clock
from grants.calls.models import CallStatus
from grants.extensions import db
from grants.notifications.models import OutboxMessage
from grants.review import consensus as consensus_service
from grants.review import ranking as ranking_service
from grants.review import services
from grants.review.models import (
    AssignmentState,
    ConsensusState,
    FinalRanking,
    Outcome,
    ResultLetter,
)
from tests.conftest import login
from tests.factories.review import LONG_COMMENT as COMMENT

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",), name="Mona Manager")


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))  # also the narrow spaces


# The rapporteur --------------------------------------------------------------------------------


def test_rapporteur_drafts_and_sends_the_consensus(client, evaluated, manager):
    call, submissions, evaluators = evaluated(n=1)
    s = submissions[0]
    consensus_service.appoint(s, evaluators[1], manager)
    login(client, evaluators[1])
    page = client.get(f"/review/submissions/{s.id}/consensus")
    assert page.status_code == 200
    text = _text(page)
    assert "You" in text and "Evaluator A" in text and "Evaluator B" in text
    assert evaluators[0].full_name not in text  # evaluators stay anonymous to each other
    relevance = next(c for c in call.criteria if c.code == "relevance")
    select_ = text.split(f'id="score_{relevance.id}"')[1].split("</select>")[0]
    assert '<option selected value="24">' in select_  # pre-filled with the mean, 0.8 x 30

    report = consensus_service.report_of(s)
    form = {"version": str(report.version), "save": "1", "overall": "Fine."}
    for c in call.criteria:
        form[f"score_{c.id}"] = "20" if c.code == "relevance" else ""
        form[f"comment_{c.id}"] = "short"
    assert client.post(f"/review/submissions/{s.id}/consensus", data=form).status_code == 302
    db.session.expire_all()
    assert report.score_for(relevance.id).points == Decimal(20)
    assert report.state == ConsensusState.DRAFT

    # Sending it incomplete keeps the page, ties the errors to the fields, saves nothing.
    form = dict(form, version=str(report.version), submit_consensus="1")
    del form["save"]
    form[f"score_{relevance.id}"] = "22"
    page = client.post(f"/review/submissions/{s.id}/consensus", data=form)
    assert page.status_code == 200
    assert "not complete" in _text(page)
    assert f'id="comment_{relevance.id}-error"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert report.score_for(relevance.id).points == Decimal(20)

    for c in call.criteria:
        form[f"score_{c.id}"] = "16"
        form[f"comment_{c.id}"] = COMMENT
    assert client.post(f"/review/submissions/{s.id}/consensus", data=form).status_code == 302
    db.session.expire_all()
    assert report.state == ConsensusState.SUBMITTED


def test_only_the_rapporteur_reaches_the_consensus_form(client, evaluated, manager):
    _, submissions, evaluators = evaluated(n=1)
    s = submissions[0]
    consensus_service.appoint(s, evaluators[0], manager)
    login(client, evaluators[1])
    assert client.get(f"/review/submissions/{s.id}/consensus").status_code == 404
    assert client.get("/review/submissions/999999/consensus").status_code == 404


def test_manager_approves_or_returns_with_a_reason(
    client, evaluated, approve_all, manager, mailbox
):
    call, submissions, evaluators = evaluated(n=1)
    s = submissions[0]
    approve_all(call, submissions, manager)
    report = consensus_service.report_of(s)
    login(client, manager)
    page = client.get(f"/manage/submissions/{s.id}/review")
    assert page.status_code == 200
    assert evaluators[0].full_name in _text(page)  # managers see names
    assert "Approved" in _text(page)

    response = client.post(f"/manage/submissions/{s.id}/consensus/return", data={"reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert report.state == ConsensusState.APPROVED

    client.post(
        f"/manage/submissions/{s.id}/consensus/return",
        data={"reason": "Explain the team score."},
    )
    db.session.expire_all()
    assert report.state == ConsensusState.DRAFT
    assert report.returned_reason == "Explain the team score."
    assert "Explain the team score." in mailbox.body(mailbox.last_to(report.rapporteur.email))


def test_appoint_route_refuses_an_evaluator_of_another_proposal(
    client, evaluated, manager, create_evaluator
):
    _, submissions, _ = evaluated(n=1)
    outsider = create_evaluator()
    login(client, manager)
    client.post(
        f"/manage/submissions/{submissions[0].id}/rapporteur",
        data={"evaluator_id": outsider.id},
    )
    assert consensus_service.report_of(submissions[0]) is None


# The dashboard ---------------------------------------------------------------------------------


def test_dashboard_counts_and_late_evaluators(
    client, evaluated, manager, create_evaluator, create_assignment
):
    call, submissions, _ = evaluated(n=2)
    late = create_evaluator(name="Lena Late")
    a = create_assignment(submissions[0], late, AssignmentState.PENDING_DECLARATION)
    a.due_at = clock.now() - timedelta(days=2)
    db.session.commit()
    login(client, manager)
    text = _text(client.get(f"/manage/calls/{call.id}/evaluation"))
    assert re.search(r'id="count-assigned".*?<div class="display-6">7</div>', text)
    assert re.search(r'id="count-evaluated".*?<div class="display-6">6</div>', text)
    assert re.search(r'id="count-agreed".*?<div class="display-6">0</div>', text)
    assert "Lena Late" in text and "1 overdue" in text


def test_dashboard_pages_and_filters_its_proposals(
    client, evaluated, manager, approve_consensus, monkeypatch
):
    from grants.review.views import management

    monkeypatch.setattr(management, "DASHBOARD_ROWS", 2)
    call, submissions, _ = evaluated(n=5)
    approve_consensus(submissions[0], manager=manager)
    login(client, manager)
    url = f"/manage/calls/{call.id}/evaluation"

    def shown(response):
        assert response.status_code == 200
        table = _text(response).split('id="proposals-title"')[1].split("</table>")[0]
        return [int(x) for x in re.findall(r'href="/manage/submissions/(\d+)/review"', table)]

    ids = [s.id for s in submissions]
    assert shown(client.get(url)) == ids[:2]
    text = _text(client.get(url + "?page=3"))
    assert "Proposals 5–5 of 5." in text and "Page 3 of 3" in text
    assert shown(client.get(url + "?page=3")) == ids[4:]
    # past the end, absurd or not a number: the last or the first page, never an error
    assert shown(client.get(url + "?page=" + "9" * 30)) == ids[4:]
    assert shown(client.get(url + "?page=x")) == ids[:2]
    # the filters, with their counts; the pager keeps the filter
    filters = _text(client.get(url)).split('id="dashboard-filters"')[1].split("</ul>")[0]
    assert "All (5)" in filters and "Consensus not approved (4)" in filters
    assert "With a disagreement (0)" in filters and "Needing evaluators (0)" in filters
    page = client.get(url + "?show=consensus")
    assert shown(page) == ids[1:3] and "show=consensus&amp;page=2#proposals-title" in _text(page)
    assert shown(client.get(url + "?show=consensus&page=2")) == ids[3:5]
    assert "No proposal matches this filter." in _text(client.get(url + "?show=disagreement"))
    assert shown(client.get(url + "?show=%3Cscript%3E")) == ids[:2]  # unknown: all


def test_dashboard_lists_the_first_disagreements_and_links_them_all(
    client, evaluated_call, manager, monkeypatch
):
    from grants.review.views import management

    monkeypatch.setattr(management, "DASHBOARD_DISAGREEMENTS", 1)
    apart = [{"relevance": Decimal("10")}, {"relevance": Decimal("28")}, {}]
    setup = evaluated_call(n=3, points={0: apart, 1: apart})
    login(client, manager)
    text = _text(client.get(f"/manage/calls/{setup.call.id}/evaluation"))
    listed = text.split('id="disagree-title"')[1].split("</section>")[0]
    assert listed.count("<li>") == 1 and "spread 18" in listed
    assert "All 2 proposals with a disagreement" in listed and "show=disagreement" in listed
    filtered = _text(client.get(f"/manage/calls/{setup.call.id}/evaluation?show=disagreement"))
    table = filtered.split('id="proposals-title"')[1].split("</table>")[0]
    assert table.count("disagreement</span>") == 2 and "With a disagreement (2)" in filtered


# Ranking, finalising, publishing ---------------------------------------------------------------


def test_ranking_page_budget_line_what_if_finalise_publish(
    client, evaluated, approve_all, manager, mailbox
):
    # Five proposals of about EUR 661 500 each under a topic budget of EUR 3 000 000: four
    # fit, the fifth goes to the reserve list; the last scores below the thresholds.
    shares = [Decimal(x) for x in ("0.9", "0.85", "0.8", "0.75", "0.7", "0.4")]
    call, submissions, evaluators = evaluated(n=6, shares=shares)
    approve_all(call, submissions, manager)
    login(client, manager)
    page = client.get(f"/manage/calls/{call.id}/ranking")
    text = _text(page)
    assert page.status_code == 200
    assert "Budget line:" in text and "of EUR 3 000 000.00 committed" in text
    main = text.split('id="main-T1"')[1].split("</table>")[0]
    assert main.count("selected at rank") == 4
    assert "Reserve list" in text and "reserve list position 1" in text
    assert "below its threshold" in text

    bad = _text(client.get(f"/manage/calls/{call.id}/ranking?budget-T1=lots"))
    assert "give an amount in EUR" in bad
    more = _text(client.get(f"/manage/calls/{call.id}/ranking?budget-T1=3400000"))
    assert "Newly selected:" in more
    assert db.session.scalar(select(FinalRanking)) is None  # what-if writes nothing

    digest = ranking_service.build(call).digest
    page = _text(client.get(f"/manage/calls/{call.id}/ranking"))
    form = page.split('data-confirm="Finalise the ranking of')[1].split("</form>")[0]
    assert 'type="checkbox"' not in form  # asked once, no tick box
    # Without JavaScript the first POST asks on a page that says what will be recorded.
    asked = client.post(f"/manage/calls/{call.id}/ranking/finalise", data={"digest": digest})
    figures = _text(asked).split('id="confirm-figures"')[1].split("</table>")[0]
    assert asked.status_code == 200 and "Yes, finalise the ranking" in _text(asked)
    assert re.search(r"Topic T1:.*?>4</td>", figures, re.S)  # four selected
    assert "of EUR 3 000 000.00" in figures and "No, go back to the ranking" in _text(asked)
    assert db.session.scalar(select(FinalRanking)) is None  # not confirmed
    stale = client.post(f"/manage/calls/{call.id}/ranking/finalise", data={"digest": "x" * 64})
    assert "has changed since you opened it" in _text(stale)
    assert "Yes, finalise" not in _text(stale)
    client.post(
        f"/manage/calls/{call.id}/ranking/finalise", data={"digest": digest, "confirmed": "yes"}
    )
    final = db.session.scalar(select(FinalRanking))
    assert final is not None and final.sha256 == digest
    assert [d["status"] for d in final.decisions].count("selected") == 4

    # Locked: a rapporteur or an evaluator can no longer change anything.
    report = consensus_service.report_of(submissions[0])
    with pytest.raises(consensus_service.ReviewError, match="final"):
        consensus_service.return_to_rapporteur(report, "again", manager)

    # Before publication, the applicant cannot read a result or the report.
    applicant = submissions[0].proposal.organisation.memberships[0].user
    manager_pdf = client.get(f"/results/{submissions[0].id}/evaluation-summary.pdf")
    assert manager_pdf.status_code == 200  # managers read it once the ranking is final
    client.post("/logout")
    login(client, applicant)
    assert client.get(f"/results/{submissions[0].id}").status_code == 404
    assert client.get(f"/results/{submissions[0].id}/evaluation-summary.pdf").status_code == 404
    client.post("/logout")

    login(client, manager)
    page = _text(client.get(f"/manage/calls/{call.id}/ranking"))
    assert "6 result letters go to the applicants" in page  # the browser's question
    asked = _text(client.post(f"/manage/calls/{call.id}/results/publish"))
    assert "Publishing writes 6 result letters" in asked and "Yes, publish the results" in asked
    figures = asked.split('id="confirm-figures"')[1].split("</table>")[0]
    assert re.search(r"Selected for funding</th><td[^>]*>4</td>", figures)
    db.session.expire_all()
    assert call.status != CallStatus.RESULTS_PUBLISHED  # only asked
    client.post(f"/manage/calls/{call.id}/results/publish", data={"confirmed": "yes"})
    db.session.expire_all()
    assert call.status == CallStatus.RESULTS_PUBLISHED
    letters = db.session.scalars(select(ResultLetter)).all()
    assert len(letters) == 6
    assert {letter.outcome for letter in letters} == {
        Outcome.SELECTED,
        Outcome.RESERVE,
        Outcome.BELOW_THRESHOLD,
    }
    for letter in letters:  # a letter never names another applicant's proposal
        others = [x for x in submissions if x.id != letter.submission_id]
        for x in others:
            assert x.reference not in letter.explanation
            assert x.content["acronym"] not in letter.explanation
    assert "Selected for funding" in mailbox.body(mailbox.last_to(applicant.email))
    assert db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == applicant.email)
    )
    client.post("/logout")

    login(client, applicant)
    page = _text(client.get(f"/results/{submissions[0].id}"))
    assert "Selected for funding" in page and COMMENT[:40] in page
    pdf = client.get(f"/results/{submissions[0].id}/evaluation-summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "esr.pdf").write_bytes(pdf.data)  # to look at (pdftocairo -png)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Evaluation Summary Report" in text and "Selected for funding" in text
    assert "early identification" in text
    for e in evaluators:  # applicants never learn who evaluated them
        assert e.full_name not in text and e.full_name not in page
    dashboard = _text(client.get("/proposals"))
    assert "Result: Selected for funding" in dashboard
    # Another applicant's result stays hidden.
    other = submissions[1].proposal.organisation.memberships[0].user
    client.post("/logout")
    login(client, other)
    assert client.get(f"/results/{submissions[0].id}").status_code == 404


def test_publishing_needs_a_final_ranking(client, evaluated, manager):
    call, _, _ = evaluated(n=1)
    call.status = CallStatus.UNDER_EVALUATION
    db.session.commit()
    login(client, manager)
    asked = client.post(f"/manage/calls/{call.id}/results/publish")
    assert "Finalise the ranking first." in _text(asked) and "Yes, publish" not in _text(asked)
    response = client.post(
        f"/manage/calls/{call.id}/results/publish",
        data={"confirmed": "yes"},
        follow_redirects=True,
    )
    assert "Finalise the ranking first." in _text(response)
    db.session.expire_all()
    assert call.status == CallStatus.UNDER_EVALUATION
    assert db.session.scalar(select(ResultLetter)) is None


@pytest.mark.parametrize(("n", "said"), [(1, "1 result letter,"), (2, "2 result letters,")])
def test_the_published_message_counts_the_letters_in_words(
    client, evaluated, approve_all, manager, n, said
):
    call, submissions, _ = evaluated(n=n)
    approve_all(call, submissions, manager)
    ranking_service.finalise(call, ranking_service.build(call).digest, manager)
    login(client, manager)
    page = _text(
        client.post(
            f"/manage/calls/{call.id}/results/publish",
            data={"confirmed": "yes"},
            follow_redirects=True,
        )
    )
    assert f"The results are published: {said} in the applicants&#39; dashboards" in page
    assert "(s)" not in page


def test_a_final_ranking_frees_the_evaluators_load(evaluated, approve_all, manager):
    call, submissions, evaluators = evaluated(n=2)
    approve_all(call, submissions, manager)
    assert services.open_loads()[evaluators[0].id] == 2
    ranking_service.finalise(call, ranking_service.build(call).digest, manager)
    assert evaluators[0].id not in services.open_loads()


def test_a_rapporteur_sees_the_others_only_once_every_evaluation_is_in(
    client, evaluated_call, manager
):
    setup = evaluated_call(n=1, submitted=2)  # the third evaluator has not submitted yet
    s, late = setup.submissions[0], setup.evaluators[2]
    consensus_service.appoint(s, late, manager)
    login(client, late)
    text = _text(client.get(f"/review/submissions/{s.id}/consensus"))
    assert "The evaluations open to you once every evaluator" in text
    assert "Evaluator A" not in text and COMMENT[:40] not in text


def test_a_decline_on_a_locked_call_gives_a_message_not_an_error(
    client, evaluated, approve_all, manager, create_evaluator, create_assignment
):
    call, submissions, _ = evaluated(n=1)
    approve_all(call, submissions, manager)
    ranking_service.finalise(call, ranking_service.build(call).digest, manager)
    late = create_evaluator()
    a = create_assignment(submissions[0], late)  # made directly: services refuse it now
    login(client, late)
    page = client.get(f"/review/assignments/{a.id}")
    assert page.status_code == 200 and "Not available?" not in _text(page)
    response = client.post(
        f"/review/assignments/{a.id}/decline", data={"reason": "x"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "The ranking of this call is final" in _text(response)
    db.session.expire_all()
    assert a.state == AssignmentState.PENDING_DECLARATION
