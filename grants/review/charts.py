"""The ranking page's charts (budget use per topic, distribution of the consensus totals) as
Vega-Lite specifications made with Altair, drawn in the page by the review map's vendored
vega-embed (portfolio.js); the figures are also returned as rows for the table beside each
chart, which is what readers without JavaScript or with a screen reader get."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import altair as alt

from grants.portfolio.charts import BLUE
from grants.portfolio.charts import _config as style

GREY = "#8a96a3"
BIN = 10  # points per bar of the score distribution


@dataclass
class BudgetRow:
    topic: str
    budget: Decimal
    committed: Decimal
    left: Decimal

    @property
    def percent(self) -> int:
        return round(self.committed * 100 / self.budget) if self.budget else 0


@dataclass
class ScoreBin:
    low: int
    high: int
    proposals: int
    below_threshold: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass
class RankingCharts:
    budget: list[BudgetRow]
    scores: list[ScoreBin]
    specs: dict[str, dict]


def _with_data(shape: dict, values: list[dict]) -> dict:
    """A chart's specification: its shape, built once per process by Altair (whose building
    and to_dict cost 2-3 ms a chart on every request), with this request's data inline."""
    spec = {key: value for key, value in shape.items() if key != "datasets"}  # Altair's "empty"
    spec["data"] = {"values": values}
    return spec


def _budget_spec(rows: list[BudgetRow]) -> dict:
    values = []
    for r in rows:
        values.append({"topic": r.topic, "part": "Committed", "eur": float(r.committed)})
        values.append({"topic": r.topic, "part": "Left", "eur": float(r.left)})
    return _with_data(_budget_shape(tuple(r.topic for r in rows)), values)


@lru_cache(maxsize=256)
def _budget_shape(topics: tuple[str, ...]) -> dict:
    chart = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=alt.Y("topic:N", title=None, sort=list(topics)),
            x=alt.X("eur:Q", title="EUR", stack="zero", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=["Committed", "Left"], range=[BLUE, GREY]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("part:N"),
            tooltip=[
                alt.Tooltip("topic:N", title="Topic"),
                alt.Tooltip("part:N", title=" "),
                alt.Tooltip("eur:Q", title="EUR", format=",.0f"),
            ],
        )
        .properties(width="container", height=max(60, 28 * len(topics)))
    )
    return style(chart).to_dict(validate=False)


def _scores_spec(bins: list[ScoreBin], title: str = "Consensus total (points)") -> dict:
    values = []
    for b in bins:
        values.append({"range": b.label, "part": "Passed the thresholds",
                       "n": b.proposals - b.below_threshold})  # fmt: skip
        values.append({"range": b.label, "part": "Below a threshold", "n": b.below_threshold})
    most = max((b.proposals for b in bins), default=0)
    # whole numbers only: a few proposals would get ticks at 0.5 shown as "1"
    ticks = most if most <= 10 else None
    return _with_data(_scores_shape(tuple(b.label for b in bins), title, ticks), values)


@lru_cache(maxsize=256)
def _scores_shape(labels: tuple[str, ...], title: str, ticks: int | None) -> dict:
    axis = (
        alt.Axis(values=list(range(ticks + 1)), format="d")
        if ticks is not None
        else alt.Axis(tickMinStep=1, format="d")
    )
    chart = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("range:N", title=title, sort=list(labels), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("n:Q", title="Proposals", stack="zero", axis=axis),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(
                    domain=["Passed the thresholds", "Below a threshold"], range=[BLUE, GREY]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("range:N", title="Points"),
                alt.Tooltip("part:N", title=" "),
                alt.Tooltip("n:Q", title="Proposals"),
            ],  # fmt: skip
        )
        .properties(width="container", height=180)
    )
    return style(chart).to_dict(validate=False)


# The charts of the last few computed rankings, with the rows and topics they were made of:
# a ranking computed once (grants.review.ranking keeps its last results) is charted once.
_RANKING_CHARTS: list[tuple[Any, Any, RankingCharts]] = []


def ranking_charts(view) -> RankingCharts | None:
    """The charts of a ranking view (grants.review.ranking.RankingView); None without rows."""
    if not view or not view.rows:
        return None
    for rows, topics, charts in list(_RANKING_CHARTS):
        if rows is view.rows and topics is view.topics:
            return charts
    charts = _ranking_charts(view)
    _RANKING_CHARTS.insert(0, (view.rows, view.topics, charts))
    del _RANKING_CHARTS[4:]
    return charts


def _ranking_charts(view) -> RankingCharts:
    budget = [
        BudgetRow(t.code or "Call", t.budget, t.committed, max(t.leftover, Decimal(0)))
        for t in view.topics
    ]
    top = max(int(r.score.max_total) for r in view.rows.values())
    below = {r.label for t in view.topics for r in t.below_threshold}
    bins = [ScoreBin(low, min(low + BIN, top), 0, 0) for low in range(0, top, BIN)]
    for row in view.rows.values():
        index = min(int(row.score.total) // BIN, len(bins) - 1)
        bins[index].proposals += 1
        bins[index].below_threshold += row.label in below
    specs = {"budget": _budget_spec(budget), "scores": _scores_spec(bins)}
    return RankingCharts(budget, bins, specs)


# The evaluation dashboard ---------------------------------------------------------------


@dataclass
class AskedRow:
    """What the proposals passing every threshold so far ask of a topic's budget."""

    topic: str
    budget: Decimal
    asked: Decimal
    proposals: int

    @property
    def percent(self) -> int:
        return round(self.asked * 100 / self.budget) if self.budget else 0


@dataclass
class DashboardCharts:
    asked: list[AskedRow]
    scores: list[ScoreBin]
    scored: int  # proposals with at least one submitted evaluation
    specs: dict[str, dict]


ASKED_PARTS = ("Budget", "Asked, above the thresholds")


def _asked_spec(rows: list[AskedRow]) -> dict:
    values = []
    for r in rows:
        values.append({"topic": r.topic, "part": ASKED_PARTS[0], "eur": float(r.budget)})
        values.append({"topic": r.topic, "part": ASKED_PARTS[1], "eur": float(r.asked)})
    return _with_data(_asked_shape(tuple(r.topic for r in rows)), values)


@lru_cache(maxsize=256)
def _asked_shape(topics: tuple[str, ...]) -> dict:
    parts = list(ASKED_PARTS)
    chart = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=alt.Y("topic:N", title=None, sort=list(topics)),
            yOffset=alt.YOffset("part:N", sort=parts),
            x=alt.X("eur:Q", title="EUR", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=parts, range=[GREY, BLUE]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("topic:N", title="Topic"),
                alt.Tooltip("part:N", title=" "),
                alt.Tooltip("eur:Q", title="EUR", format=",.0f"),
            ],
        )
        .properties(width="container", height=max(70, 40 * len(topics)))
    )
    return style(chart).to_dict(validate=False)


def dashboard_charts(board) -> DashboardCharts | None:
    """The evaluation dashboard's charts, from its rows (grants.review.progress.Dashboard):
    the evaluators' aggregate scores so far and the EU contribution the proposals passing
    every threshold so far ask of each topic's budget (from their stored standings).
    None while no proposal has a score."""
    scored = [r for r in board.rows if r.score is not None]
    if not scored:
        return None
    call = board.call
    topics = list(call.topics) or [None]
    asked = {
        (t.code if t else None): AskedRow(
            t.code if t else "Call", t.budget if t else call.total_budget, Decimal(0), 0
        )
        for t in topics
    }
    top = max(int(r.score.max_total) for r in scored)
    bins = [ScoreBin(low, min(low + BIN, top), 0, 0) for low in range(0, top, BIN)]
    for r in scored:
        index = min(int(r.score.total) // BIN, len(bins) - 1)
        bins[index].proposals += 1
        if not r.score.passes:
            bins[index].below_threshold += 1
            continue
        row = asked.get(r.submission.topic or None) or asked.get(next(iter(asked)))
        row.asked += r.submission.eu_contribution or Decimal(0)
        row.proposals += 1
    rows = list(asked.values())
    specs = {"asked": _asked_spec(rows), "scores": _scores_spec(bins, "Total so far (points)")}
    return DashboardCharts(rows, bins, len(scored), specs)
