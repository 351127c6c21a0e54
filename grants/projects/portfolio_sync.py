"""A funded project in the review map's read model (grants.portfolio.sync): written once the
grant is signed, again after each accepted report or approved amendment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from grants.projects import outcome_input, source
from grants.projects.models import Grant, GrantStatus, ReportState


def sync_portfolio(grant: Grant) -> None:
    """Write the funded project into the review map (only once signed)."""
    from grants.portfolio.models import ProjectStatus
    from grants.portfolio.sync import (
        IndicatorValue,
        Outcome,
        PartialDate,
        Participant,
        PortfolioRecord,
        Recommendation,
        upsert_funded,
    )
    from grants.projects import services

    if grant.status not in (GrantStatus.RUNNING, GrantStatus.CLOSED):
        return
    submission = grant.submission
    consortium = source.consortium(submission)
    coordinator = next(
        (p for p in consortium if p["role"] == "coordinator"), consortium[0] if consortium else {}
    )
    partners = [p for p in consortium if p is not coordinator]
    tags = source.tags(submission)
    accepted = [r for r in grant.reports if r.state == ReportState.ACCEPTED]
    indicators: dict[str, IndicatorValue] = {}
    outcomes, recommendations = [], []
    for report in accepted:
        for row in report.content.get("indicators", []):
            value = indicators.setdefault(row["code"], IndicatorValue(row["code"], Decimal(0)))
            value.total += Decimal(row["value"])
            for breakdown, categories in (row.get("breakdowns") or {}).items():
                target = value.breakdowns.setdefault(breakdown, {})
                for category, number in categories.items():
                    target[category] = target.get(category, Decimal(0)) + Decimal(number)
        outcomes.extend(
            Outcome(o["text"], o["priorities"], o["exploitation_forms"], o["target_groups"])
            for o in map(outcome_input.as_dict, report.content.get("outcomes", []))
        )
        recommendations.extend(
            Recommendation(r["text"], r.get("addressee", "other"), r.get("priority", ""))
            for r in report.content.get("recommendations", [])
        )
    end = services.add_months(grant.start_date, grant.duration_months) - timedelta(days=1)
    upsert_funded(
        PortfolioRecord(
            key=f"funded:{grant.id}",
            title=grant.title or grant.agreement_number,
            acronym=grant.acronym,
            reference=grant.agreement_number,
            fund_code=grant.call.fund.code if grant.call.fund else "",
            call_reference=grant.call.reference,
            call_title=grant.call.title,
            start=PartialDate(grant.start_date.year, grant.start_date.month, grant.start_date.day),
            end=PartialDate(end.year, end.month, end.day),
            status=ProjectStatus.CLOSED
            if grant.status == GrantStatus.CLOSED
            else ProjectStatus.RUNNING,
            eu_contribution=grant.max_contribution,
            coordinator=Participant(
                coordinator.get("name", ""),
                coordinator.get("type", ""),
                coordinator.get("country", ""),
            ),
            partners=[Participant(p["name"], p["type"], p["country"]) for p in partners],
            implementation_countries=tags["countries"],
            priorities=tags["priorities"],
            exploitation_forms=tags["exploitation_forms"],
            target_groups=tags["target_groups"],
            indicators=list(indicators.values()),
            outcomes=outcomes,
            recommendations=recommendations,
            is_public=True,
            outcomes_public=grant.status == GrantStatus.CLOSED,
        )
    )
