"""Result letters say how to ask for an evaluation review within 30 days, naming the last day
computed from the letter's date (issue 15, point 8), on the page and in the e-mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import altair as alt

from grants import clock
from grants.review import ranking as ranking_service
from grants.review.charts import ranking_charts
from tests.conftest import login


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_letters_other_than_selected_tell_the_redress_deadline(
    client, evaluated, approve_all, create_user, mailbox
):
    clock.freeze(datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    manager = create_user(roles=("programme_manager",))
    call, submissions, _ = evaluated(n=2, shares=[Decimal("0.9"), Decimal("0.4")])
    approve_all(call, submissions, manager)
    login(client, manager)
    # The manager opens the ranking first: the page stores the alignments it computes, so the
    # digest built here reads them instead of adding rows of its own that the finalising
    # request, on another connection, would wait for (for ever on PostgreSQL).
    client.get(f"/manage/calls/{call.id}/ranking")
    digest = ranking_service.build(call).digest
    client.post(
        f"/manage/calls/{call.id}/ranking/finalise", data={"digest": digest, "confirmed": "yes"}
    )
    client.post(f"/manage/calls/{call.id}/results/publish", data={"confirmed": "yes"})
    client.post("/logout")

    below = submissions[1]
    applicant = below.proposal.organisation.memberships[0].user
    login(client, applicant)
    page = _text(client.get(f"/results/{below.id}"))
    assert "Asking for an evaluation review" in page
    assert "within 30 days of the date of this letter (10 Dec 2026 11:00 CET)" in page
    assert "by 09 January 2027</strong>" in page
    assert "mailto:evaluation-review@thb-programme.test?subject=Evaluation%20review%3A%20" in page
    mail = mailbox.body(mailbox.last_to(applicant.email))
    assert "by 09 January 2027 (end of the day, Brussels time)" in mail
    assert "evaluation-review@thb-programme.test" in mail
    client.post("/logout")

    winner = submissions[0].proposal.organisation.memberships[0].user
    login(client, winner)
    assert "evaluation review" not in _text(client.get(f"/results/{submissions[0].id}"))
    assert "evaluation review" not in mailbox.body(mailbox.last_to(winner.email))


def test_the_ranking_shows_budget_use_and_scores_as_charts_with_tables(
    client, evaluated, approve_all, create_user
):
    manager = create_user(roles=("programme_manager",))
    shares = [Decimal(x) for x in ("0.9", "0.85", "0.8", "0.75", "0.7", "0.4")]
    call, submissions, _ = evaluated(n=6, shares=shares)
    approve_all(call, submissions, manager)
    login(client, manager)
    html = _text(client.get(f"/manage/calls/{call.id}/ranking"))
    assert 'data-vega-spec="chart-budget"' in html and 'data-vega-spec="chart-scores"' in html
    assert "vendor/vega-embed-7.3.0/vega-embed.min.js" in html  # no asset from the internet
    budget = html.split('id="budget-table"')[1].split("</table>")[0]
    # four proposals of EUR 661 500 fit the topic's EUR 3 000 000
    assert '<th scope="row">T1</th>' in budget
    assert "EUR 2 646 000.00 (88 %)" in re.sub(r"<[^>]+>", "", budget)  # it may wrap before the %
    scores = html.split('id="scores-table"')[1].split("</table>")[0]
    cells = r'<th scope="row" class="text-nowrap">(\d+)–(\d+)</th><td class="text-end">(\d+)</td>'
    counts = re.findall(cells + r'<td class="text-end">(\d+)</td>', scores)
    assert sum(int(c[2]) for c in counts) == 6
    assert ("40", "50", "1", "1") in counts  # the proposal at 40 % is below the thresholds
    assert ("90", "100", "1", "0") in counts
    assert all(c[2] != "0" for c in counts)  # empty bands only in the chart
    charts = ranking_charts(ranking_service.build(call))
    for spec in charts.specs.values():  # Altair does not check them as it builds them
        alt.Chart.from_dict(spec, validate=True)  # raises on a spec Vega-Lite would refuse
