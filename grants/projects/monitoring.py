"""Portfolio monitoring for programme managers: every funded project with where it stands
(on track, report due, report late, deliverable late, underspending), filtered by fund,
call, country, status and priority from the URL, sorted, and exported as CSV or XLSX.

The list reads rows, not object graphs: one query for the grants with their call, fund and
coordinator, one for the reports' costs, one for the submitted proposals' tags, whatever
the number of projects (tests/projects/test_monitoring.py counts them at two sizes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from grants import clock
from grants.accounts.models import Organisation
from grants.calls.models import Call
from grants.extensions import db
from grants.projects import services, source
from grants.projects.models import Grant, GrantStatus, Report
from grants.proposals.models import Submission
from grants.taxonomy.models import Fund

# Costs incurred below this share of the time elapsed is underspending: a project half-way
# through that has spent under a quarter of its budget.
UNDERSPENDING_SHARE = Decimal("0.5")
# Too early to judge spending before this share of the duration has gone.
UNDERSPENDING_FROM = Decimal("0.25")

STATUSES = {
    "report_late": "Report late",
    "deliverable_late": "Deliverable late",
    "report_due": "Report due",
    "underspending": "Underspending",
    "on_track": "On track",
    "in_preparation": "In preparation",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}
SORTS = {
    "acronym": lambda r: r.label.lower(),
    "call": lambda r: r.call_reference,
    "fund": lambda r: r.fund,
    "country": lambda r: r.country,
    "status": lambda r: list(STATUSES).index(r.status),
    "start": lambda r: r.start,
    "end": lambda r: r.end,
    "contribution": lambda r: r.max_contribution,
    "spent": lambda r: r.spent_share,
}
FILTERS = ("fund", "call", "country", "status", "priority")


@dataclass
class Row:
    grant_id: int
    label: str
    title: str
    agreement_number: str
    call_reference: str
    fund: str
    country: str  # the coordinator's
    countries: list[str]  # every partner's
    priorities: list[str]
    start: date
    end: date
    max_contribution: Decimal
    costs: Decimal  # incurred: the latest version of each period's report
    budget: Decimal
    elapsed_share: Decimal
    spent_share: Decimal
    flags: list[str] = field(default_factory=list)
    next_due: date | None = None

    @property
    def status(self) -> str:
        return self.flags[0]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


@dataclass
class Query:
    """The filters and the sort read from the URL, each with its problems for the field."""

    values: dict[str, str]
    sort: str = "acronym"
    descending: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)


def read_query(args) -> Query:
    query = Query({name: (args.get(name) or "").strip()[:60] for name in FILTERS})
    status = query.values["status"]
    if status and status not in STATUSES:
        query.errors["status"] = ["No such status; the list is not filtered by it."]
        query.values["status"] = ""
    sort = (args.get("sort") or "acronym").strip()
    query.descending = sort.startswith("-")
    query.sort = sort.lstrip("-")
    if query.sort not in SORTS:
        query.errors["sort"] = ["No such column; the list is sorted by acronym."]
        query.sort, query.descending = "acronym", False
    return query


def _flags(grant, reports: list, today: date, elapsed: Decimal, spent: Decimal) -> list[str]:
    if grant.status in (GrantStatus.PREPARED, GrantStatus.CONFIRMED):
        return ["in_preparation"]
    if grant.status in (GrantStatus.CLOSED, GrantStatus.WITHDRAWN):
        return [grant.status.value]
    flags = []
    due = services.next_due_from(grant, reports)
    if due and due["due"] < today:
        flags.append("report_late")
    if any(
        not item.get("done") and (services.item_due(grant, item) or today) < today
        for item in (grant.work_plan or {}).get("deliverables") or []
    ):
        flags.append("deliverable_late")
    if due and due["end"] < today <= due["due"]:
        flags.append("report_due")
    if elapsed >= UNDERSPENDING_FROM and spent < UNDERSPENDING_SHARE * elapsed:
        flags.append("underspending")
    return flags or ["on_track"]


def _latest_costs(reports: list) -> Decimal:
    latest = {}
    for r in reports:
        if r.period not in latest or r.version > latest[r.period].version:
            latest[r.period] = r
    return sum((r.costs for r in latest.values()), Decimal(0))


def rows() -> list[Row]:
    """Every funded project, in the order of the grants."""
    today = clock.to_brussels(clock.now()).date()
    grants = db.session.execute(
        select(Grant, Call.reference, Fund.code, Organisation.country)
        .join(Call, Call.id == Grant.call_id)
        .outerjoin(Fund, Fund.id == Call.fund_id)
        .join(Organisation, Organisation.id == Grant.organisation_id)
        .order_by(Grant.id)
    ).all()
    ids = [g.id for g, *_ in grants]
    reports: dict[int, list] = {}
    contents: dict[int, dict] = {}
    if ids:
        for r in db.session.execute(
            select(
                Report.grant_id, Report.period, Report.version, Report.state, Report.costs
            ).where(Report.grant_id.in_(ids))
        ):
            reports.setdefault(r.grant_id, []).append(r)
        contents = dict(
            db.session.execute(
                select(Submission.id, Submission.content).where(
                    Submission.id.in_([g.submission_id for g, *_ in grants])
                )
            ).all()
        )
    found = []
    for grant, call_reference, fund, country in grants:
        tags = source.tags(SimpleNamespace(content=contents.get(grant.submission_id)))
        plan = grant.work_plan or {}
        budget = sum((Decimal(v) for v in (plan.get("budget") or {}).values()), Decimal(0))
        end = services.add_months(grant.start_date, grant.duration_months) - timedelta(days=1)
        days = Decimal(max((end - grant.start_date).days, 1))
        elapsed = min(max(Decimal((today - grant.start_date).days) / days, Decimal(0)), Decimal(1))
        costs = _latest_costs(reports.get(grant.id, []))
        spent = costs / budget if budget else Decimal(0)
        due = services.next_due_from(grant, reports.get(grant.id, []))
        found.append(
            Row(
                grant_id=grant.id,
                label=grant.acronym or grant.agreement_number,
                title=grant.title,
                agreement_number=grant.agreement_number,
                call_reference=call_reference,
                fund=fund or "",
                country=country or "",
                countries=sorted({p.get("country", "") for p in plan.get("consortium") or []}),
                priorities=tags["priorities"],
                start=grant.start_date,
                end=end,
                max_contribution=grant.max_contribution,
                costs=costs,
                budget=budget,
                elapsed_share=elapsed,
                spent_share=spent,
                flags=_flags(grant, reports.get(grant.id, []), today, elapsed, spent),
                next_due=due["due"] if due and grant.status == GrantStatus.RUNNING else None,
            )
        )
    return found


def shown(found: list[Row], query: Query) -> list[Row]:
    """The rows the filters keep, in the order asked."""
    return sorted(_filtered(found, query.values), key=SORTS[query.sort], reverse=query.descending)


def _filtered(found: list[Row], values: dict[str, str]) -> list[Row]:
    tests = {
        "fund": lambda r, v: r.fund == v,
        "call": lambda r, v: r.call_reference == v,
        "country": lambda r, v: v.upper() == r.country or v.upper() in r.countries,
        "status": lambda r, v: v in r.flags,
        "priority": lambda r, v: v in r.priorities,
    }
    for name, value in values.items():
        if value:
            found = [r for r in found if tests[name](r, value)]
    return found


def choices(found: list[Row]) -> dict[str, list[str]]:
    """The values each filter can take among all funded projects."""
    return {
        "fund": sorted({r.fund for r in found if r.fund}),
        "call": sorted({r.call_reference for r in found}),
        "country": sorted({c for r in found for c in [r.country, *r.countries] if c}),
        "priority": sorted({p for r in found for p in r.priorities}),
    }


HEADER = [
    "Acronym",
    "Title",
    "Agreement number",
    "Call",
    "Fund",
    "Coordinator country",
    "Countries",
    "Priorities",
    "Start",
    "End",
    "Maximum EU contribution (EUR)",
    "Budget (EUR)",
    "Costs incurred (EUR)",
    "Time elapsed (%)",
    "Budget spent (%)",
    "Status",
    "Flags",
    "Next report due",
]


def table(found: list[Row]) -> list[list]:
    def percent(share: Decimal) -> Decimal:
        return (share * 100).quantize(Decimal("0.1"))

    return [
        [
            r.label,
            r.title,
            r.agreement_number,
            r.call_reference,
            r.fund,
            r.country,
            "; ".join(r.countries),
            "; ".join(r.priorities),
            r.start.isoformat(),
            r.end.isoformat(),
            r.max_contribution,
            r.budget,
            r.costs,
            percent(r.elapsed_share),
            percent(r.spent_share),
            r.status_label,
            "; ".join(STATUSES[f] for f in r.flags),
            r.next_due.isoformat() if r.next_due else "",
        ]
        for r in found
    ]
