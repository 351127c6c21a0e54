"""The evaluation dashboard's charts, each with its table (issue 15, point 8): the scores so
far in bands, with those below a threshold, and the EU contribution the proposals above the
thresholds ask of the budget."""

from __future__ import annotations

import re
from decimal import Decimal

import altair as alt

from grants.review import progress
from grants.review.charts import dashboard_charts


def _table(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table[^>]*id="{table_id}".*?<tbody[^>]*>(.*?)</tbody>', html, re.S).group(
        1
    )
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_scores_and_budget_asked_on_the_evaluation_dashboard(
    client, db, login_as, create_user, evaluated
):
    # 90 and 85 % pass every threshold; 40 % is below them
    shares = [Decimal("0.9"), Decimal("0.85"), Decimal("0.4")]
    call, submissions, _ = evaluated(n=3, shares=shares)
    login_as(create_user(roles=("programme_manager",)))
    html = client.get(f"/manage/calls/{call.id}/evaluation").get_data(as_text=True)
    assert 'data-vega-spec="chart-scores"' in html and 'data-vega-spec="chart-asked"' in html
    assert _table(html, "dashboard-scores-table") == [["40–50", "1", "1"], ["80–90", "1", "0"],
                                                      ["90–100", "1", "0"]]  # fmt: skip
    charts = dashboard_charts(progress.dashboard(call))
    passing = sum(s.eu_contribution for s in submissions[:2])
    [asked] = charts.asked
    assert (asked.proposals, asked.asked) == (2, passing)
    row = _table(html, "dashboard-asked-table")[0]
    assert row[2] == "2" and f"({asked.percent} %)" in row[3]
    assert "3 of 3 proposals have a score" in html
    # Altair does not check the specifications as it builds them on a request: here they are
    for spec in charts.specs.values():
        alt.Chart.from_dict(spec, validate=True)  # raises on a spec Vega-Lite would refuse


def test_no_charts_before_any_score(client, login_as, create_user, closed_call):
    call, _ = closed_call(n=2)
    login_as(create_user(roles=("programme_manager",)))
    html = client.get(f"/manage/calls/{call.id}/evaluation").get_data(as_text=True)
    assert "Proposals" in html and 'id="dashboard-charts"' not in html


def test_the_dashboard_counts_one_proposal_in_the_singular(
    client, login_as, create_user, evaluated
):
    call, _, _ = evaluated(n=1)
    login_as(create_user(roles=("programme_manager",)))
    html = re.sub(
        r"\s+", " ", client.get(f"/manage/calls/{call.id}/evaluation").get_data(as_text=True)
    )
    assert "1 of 1 proposal has a score" in html
    assert f"(1 proposal × {call.evaluators_per_proposal})" in html
    assert '<div class="small">of 1 proposal</div>' in html  # consensus approved: 0 of 1
    assert "1 proposals" not in html
