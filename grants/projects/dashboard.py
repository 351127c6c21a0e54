"""The projects domain's dashboard sections (grants.main.dashboard collects them): a
coordinator's projects with what is due next and any report returned for changes; a
manager's reports to review, amendments to decide, grants to sign and late projects."""

from __future__ import annotations

from functools import cache

from flask import url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from grants import clock
from grants.extensions import db
from grants.main.dashboard import Section, section
from grants.projects import amendments, permissions, services
from grants.projects.models import Grant, GrantStatus, Report, ReportState

LATE_SHOWN = 10  # late projects listed on a manager's dashboard; the monitoring list has all


@cache
def _coordinator_query():
    """Built once per process: the statement, not its organisations, is the same each time."""
    return (
        select(Grant)
        .where(
            Grant.organisation_id.in_(bindparam("ids", expanding=True)),
            Grant.status != GrantStatus.WITHDRAWN,
        )
        .options(selectinload(Grant.reports))
        .order_by(Grant.id)
    )


def coordinator_rows(user) -> list[dict]:
    ids = [m.organisation_id for m in user.memberships]
    if not ids:
        return []
    today = clock.to_brussels(clock.now()).date()
    rows = []
    for grant in db.session.scalars(_coordinator_query(), {"ids": ids}):
        due = services.next_due(grant) if grant.status == GrantStatus.RUNNING else None
        rows.append(
            {
                "grant_id": grant.id,
                "label": grant.acronym or grant.agreement_number,
                "status": grant.status.label,
                "to_confirm": grant.status == GrantStatus.PREPARED,
                "next": f"Report for period {due['number']}" if due else "",
                "due": due["due"] if due else None,
                "late": bool(due and due["due"] < today),
                "returned": bool(due and due["returned"]),
            }
        )
    return rows


def manager_rows() -> dict[str, list[dict]]:
    today = clock.to_brussels(clock.now()).date()
    reports = db.session.execute(
        select(Report.id, Report.period, Report.version, Grant.acronym, Grant.agreement_number)
        .join(Grant, Grant.id == Report.grant_id)
        .where(Report.state == ReportState.SUBMITTED)
        .order_by(Report.submitted_at)
    ).all()
    # Running projects with a report late, oldest first: read as rows (the grants' dates and
    # their reports' states in two statements, however many projects run) and listed up to
    # LATE_SHOWN; the monitoring list, filtered to them, has them all.
    G = Grant
    running = G.status == GrantStatus.RUNNING
    grants = db.session.execute(
        select(
            G.id, G.acronym, G.agreement_number, G.start_date, G.duration_months, G.period_months
        ).where(running)
    ).all()
    reports_of: dict[int, list] = {}
    for r in db.session.execute(
        select(Report.grant_id, Report.period, Report.version, Report.state)
        .join(G, G.id == Report.grant_id)
        .where(running)
    ):
        reports_of.setdefault(r.grant_id, []).append(r)
    late = []
    for grant in grants:
        due = services.next_due_from(grant, reports_of.get(grant.id, []))
        if due and due["due"] < today:
            late.append(
                {
                    "grant_id": grant.id,
                    "label": grant.acronym or grant.agreement_number,
                    "due": due["due"],
                    "period": due["number"],
                }
            )
    late.sort(key=lambda row: (row["due"], row["grant_id"]))
    to_sign = db.session.execute(
        select(Grant.id, Grant.acronym, Grant.agreement_number).where(
            Grant.status == GrantStatus.CONFIRMED
        )
    ).all()
    return {
        "reports": [
            {
                "report_id": r.id,
                "label": r.acronym or r.agreement_number,
                "period": r.period,
                "version": r.version,
            }
            for r in reports
        ],
        "late": late[:LATE_SHOWN],
        "late_total": len(late),
        "amendments": amendments.requested(),
        "to_sign": [{"grant_id": g.id, "label": g.acronym or g.agreement_number} for g in to_sign],
    }


@section(15)
def coordinator(user) -> Section | None:
    rows = coordinator_rows(user)
    if not rows:
        return None
    return Section(
        key="my-projects",
        title="My funded projects",
        template="projects/_dashboard_mine.html",
        rows=rows,
        more_url=url_for("projects.index"),
        more_label="All my projects",
    )


@section(45)
def manager(user) -> Section | None:
    if not permissions.can_manage(user):
        return None
    work = manager_rows()
    count = sum(len(work[k]) for k in ("reports", "amendments", "to_sign")) + work["late_total"]
    return Section(
        key="project-work",
        title="Funded projects: needs you now",
        template="projects/_dashboard_work.html",
        rows=[work] if count else [],
        empty="No report to review, amendment to decide or grant to sign, and none late.",
        more_url=url_for("projects.monitoring_list"),
        more_label="Monitoring of every funded project",
    )
