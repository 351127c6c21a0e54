"""Demo calls modelled on real AMIF and ISF anti-trafficking calls, created by the demo manager."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants import clock
from grants.accounts.services import user_by_email
from grants.calls import services
from grants.calls.models import (
    DEFAULT_CRITERIA,
    DEFAULT_REQUIRED_ANNEXES,
    DEFAULT_SECTION_LIMITS,
    DEFAULT_TIE_BREAK_RULES,
    Call,
    CallStatus,
)
from grants.extensions import db
from grants.taxonomy.services import eu_members

MANAGER = "manager@thb-demo.eu"
ILLUSTRATIVE = (
    "\n\n*Demo data: {what} are illustrative, not taken from the real call this one is "
    "modelled on.*"
)


def _brussels(year, month, day, hour=17, minute=0) -> datetime:
    return clock.brussels_to_utc(datetime(year, month, day, hour, minute))


def _criteria() -> list[dict]:
    return [
        {**c, "max_points": Decimal(c["max_points"]), "threshold": Decimal(c["threshold"])}
        for c in DEFAULT_CRITERIA
    ]


def _common(**values) -> dict:
    eu27_except_dk = sorted(eu_members() - {"DK"})  # AMIF and ISF: Denmark does not take part
    base = {
        "eligible_org_types": [
            "ngo",
            "public_authority",
            "local_regional_authority",
            "international_organisation",
            "research",
        ],
        "coordinator_countries": list(eu27_except_dk),
        "partner_countries": list(eu27_except_dk),
        "section_limits": dict(DEFAULT_SECTION_LIMITS),
        "required_annexes": [dict(a) for a in DEFAULT_REQUIRED_ANNEXES],
        "criteria": _criteria(),
        "overall_threshold": Decimal(70),
        "tie_break_rules": list(DEFAULT_TIE_BREAK_RULES),
        "evaluators_per_proposal": 3,
        "aggregation": "mean",
        "alignment_use": "information",
        "selection_policy": "stop",
        "reserve_size": 3,
    }
    base.update(values)
    return base


def demo_calls(now: datetime) -> list[tuple[dict, list[CallStatus], datetime]]:
    """(values, statuses to go through, the moment to publish at) for each demo call."""
    amif_2024 = _common(
        reference="AMIF-2024-TF2-AG-THB",
        title="Assistance, support and integration of third-country national victims of "
        "trafficking in human beings",
        fund="AMIF",
        description=(
            "Actions supporting the **assistance, support and integration of third-country "
            "national victims** of trafficking in human beings, in line with the EU Strategy "
            "on Combatting Trafficking in Human Beings 2021-2025: protecting, supporting and "
            "empowering the victims, especially women and children, with a gender-specific "
            "and child-sensitive approach.\n\n"
            "Proposals must be submitted by at least three applicants from three different "
            "participating Member States. Denmark does not take part in AMIF."
            + ILLUSTRATIVE.format(what="the maximum duration and the text section limits")
        ),
        opens_at=_brussels(2024, 5, 21, 0, 0),
        deadline_at=_brussels(2024, 8, 21, 17, 0),
        total_budget=Decimal("6000000"),
        min_contribution=Decimal("500000"),
        max_contribution=Decimal("1000000"),
        funding_rate=Decimal("90"),
        max_duration_months=36,
        min_applicants=3,
        min_countries=3,
        topics=[
            {
                "code": "THB",
                "title": "Assistance, support and integration of third-country national "
                "victims of trafficking in human beings",
                "budget": Decimal("6000000"),
            }
        ],
        priorities={
            "non-eu-victims": Decimal(3),
            "reintegration": Decimal(2),
            "gender": Decimal(1),
            "child": Decimal(1),
            "early-identification": Decimal(1),
        },
    )
    isf_2022 = _common(
        reference="ISF-2022-TF1-AG-THB",
        title="Criminal justice response to trafficking in human beings: financial flows, "
        "investigations and prosecutions",
        fund="ISF",
        description=(
            "Breaking the criminal model to halt victims' exploitation: actions that follow "
            "the **financial flows** of trafficking, strengthen **investigations and "
            "prosecutions**, tackle the **digital business model** of traffickers and support "
            "**asset recovery**, tackling the culture of impunity by building capacity for a "
            "robust criminal justice response."
            + ILLUSTRATIVE.format(what="the dates, budgets, contribution range and duration")
        ),
        opens_at=_brussels(2022, 3, 15, 0, 0),
        deadline_at=_brussels(2022, 6, 30, 17, 0),
        total_budget=Decimal("4000000"),
        min_contribution=Decimal("300000"),
        max_contribution=Decimal("800000"),
        funding_rate=Decimal("90"),
        max_duration_months=24,
        eligible_org_types=[
            "public_authority",
            "law_enforcement",
            "judicial_authority",
            "ngo",
            "international_organisation",
            "research",
        ],
        min_applicants=2,
        min_countries=2,
        topics=[
            {
                "code": "FIN",
                "title": "Financial investigations, financial flows and asset recovery",
                "budget": Decimal("2000000"),
            },
            {
                "code": "DIGITAL",
                "title": "The digital business model of traffickers: investigations and "
                "prosecutions",
                "budget": Decimal("2000000"),
            },
        ],
        priorities={"A4.1": Decimal(2), "A4.2": Decimal(2), "A4.3": Decimal(2), "online": 1},
    )
    opens = (now - timedelta(days=21)).astimezone(clock.BRUSSELS)
    deadline = (now + timedelta(days=60)).astimezone(clock.BRUSSELS)
    amif_open = _common(
        reference=f"AMIF-{deadline.year}-TF2-AG-THB",
        title="Early identification, assistance and specialised shelters for third-country "
        "national victims of trafficking",
        fund="AMIF",
        description=(
            "Targeted funding support to **specialised shelters** and to the **early "
            "identification and referral** of third-country national victims of trafficking, "
            "giving specific attention to the gender dimension and to children, as the EU "
            "Strategy on Combatting Trafficking in Human Beings 2021-2025 asks.\n\n"
            "At least three applicants from three different participating Member States. "
            "Denmark does not take part in AMIF."
            + ILLUSTRATIVE.format(what="the dates, budgets and duration")
        ),
        opens_at=clock.brussels_to_utc(datetime(opens.year, opens.month, opens.day, 0, 0)),
        deadline_at=clock.brussels_to_utc(
            datetime(deadline.year, deadline.month, deadline.day, 17, 0)
        ),
        total_budget=Decimal("5000000"),
        min_contribution=Decimal("500000"),
        max_contribution=Decimal("1000000"),
        funding_rate=Decimal("90"),
        max_duration_months=36,
        min_applicants=3,
        min_countries=3,
        topics=[
            {
                "code": "SHELTERS",
                "title": "Specialised shelters and assistance for victims",
                "budget": Decimal("3000000"),
            },
            {
                "code": "IDENTIFY",
                "title": "Early identification and referral of victims",
                "budget": Decimal("2000000"),
            },
        ],
        priorities={
            "shelters": Decimal(3),
            "early-identification": Decimal(2),
            "referral": Decimal(1),
            "non-eu-victims": Decimal(2),
            "gender": Decimal(1),
            "child": Decimal(1),
        },
    )
    upcoming_opens = (now + timedelta(days=30)).astimezone(clock.BRUSSELS)
    upcoming_deadline = (now + timedelta(days=120)).astimezone(clock.BRUSSELS)
    isf_upcoming = _common(
        reference=f"ISF-{upcoming_deadline.year}-TF1-AG-THB",
        title="Reducing demand and the digital business model of trafficking",
        fund="ISF",
        description=(
            "Actions on **reducing demand** that fosters trafficking and on the **online and "
            "digital dimension** of the crime, including cooperation with internet and "
            "technology companies." + ILLUSTRATIVE.format(what="the dates, budgets and duration")
        ),
        opens_at=clock.brussels_to_utc(
            datetime(upcoming_opens.year, upcoming_opens.month, upcoming_opens.day, 0, 0)
        ),
        deadline_at=clock.brussels_to_utc(
            datetime(upcoming_deadline.year, upcoming_deadline.month, upcoming_deadline.day, 17, 0)
        ),
        total_budget=Decimal("3000000"),
        min_contribution=Decimal("250000"),
        max_contribution=Decimal("750000"),
        funding_rate=Decimal("90"),
        max_duration_months=24,
        min_applicants=2,
        min_countries=2,
        topics=[
            {
                "code": "DEMAND",
                "title": "Reducing demand that fosters trafficking",
                "budget": Decimal("1500000"),
            },
            {
                "code": "ONLINE",
                "title": "The online and digital dimension of trafficking",
                "budget": Decimal("1500000"),
            },
        ],
        priorities={"A3": Decimal(2), "A4.3": Decimal(2), "awareness": 1, "online": 1},
    )
    published = [CallStatus.PUBLISHED]
    return [
        (
            amif_2024,
            [*published, CallStatus.CLOSED, CallStatus.UNDER_EVALUATION],
            _brussels(2024, 5, 20, 10),
        ),
        (isf_2022, [*published, CallStatus.CLOSED], _brussels(2022, 3, 14, 10)),
        (amif_open, published, now - timedelta(days=22)),
        (isf_upcoming, published, now),
    ]


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Replay a past step at its own time, then give the clock back as it was."""
    saved = (clock._frozen, clock._offset)
    clock.freeze(moment)
    try:
        yield
    finally:
        clock._frozen, clock._offset = saved


def load_demo_calls() -> str:
    """Create the demo calls that do not exist yet (by reference); safe to run again."""
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    now = clock.now()
    created = 0
    for values, statuses, published_at in demo_calls(now):
        if db.session.scalar(select(Call.id).where(Call.reference == values["reference"])):
            continue
        with _at(min(published_at, now)):
            call = services.create_call(values, manager)
            services.transition(call, CallStatus.PUBLISHED, manager)
        for status in statuses[1:]:
            # closed the day after the deadline, evaluation started the day after that
            step = call.deadline_at + timedelta(days=1 + statuses.index(status) - 1)
            with _at(min(step, now)):
                services.transition(call, status, manager)
        created += 1
    return f"{created} calls created"
