"""Factory fixtures of the calls domain: `create_call(**overrides)` and `dummy_call`."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants import clock
from grants.calls.models import (
    DEFAULT_CRITERIA,
    DEFAULT_REQUIRED_ANNEXES,
    DEFAULT_SECTION_LIMITS,
    Call,
    CallPriority,
    CallStatus,
    Criterion,
    Topic,
)
from grants.taxonomy.models import Fund
from grants.taxonomy.services import eu_members

_numbers = itertools.count(1)


@pytest.fixture
def create_call(db):
    """Create and commit a call; by default published and open now (opened a week ago,
    deadline in 30 days), AMIF, one topic, the default criteria and three priorities.

    `fields` may set any column of Call (e.g. total_budget=..., min_applicants=3), `fund`
    as a fund code ("ISF"), and `criteria` as a list of dicts like DEFAULT_CRITERIA.
    """

    def make(
        reference=None,
        status=CallStatus.PUBLISHED,
        opens_at=None,
        deadline_at=None,
        topics=[("T1", "Topic 1", Decimal("3000000"))],  # noqa: B006 (never mutated)
        priorities={"non-eu-victims": 2, "gender": 1, "child": 1},  # noqa: B006
        **fields,
    ) -> Call:
        n = next(_numbers)
        now = clock.now().replace(microsecond=0)
        opens_at = opens_at or now - timedelta(days=7)
        deadline_at = deadline_at or max(now, opens_at) + timedelta(days=30)
        fund_code = fields.pop("fund", "AMIF")
        fund = db.session.scalar(select(Fund).where(Fund.code == fund_code))
        criteria = fields.pop("criteria", DEFAULT_CRITERIA)
        values = {
            "title": f"Test call {n}: assistance to victims of trafficking",
            "description": "Support for **victims** of trafficking in human beings.",
            "total_budget": sum((Decimal(t[2]) for t in topics), Decimal(0)) or Decimal("1e6"),
            "min_contribution": Decimal("500000"),
            "max_contribution": Decimal("1000000"),
            "funding_rate": Decimal("90"),
            "max_duration_months": 36,
            "eligible_org_types": [
                "ngo",
                "public_authority",
                "local_regional_authority",
                "international_organisation",
                "research",
            ],
            "coordinator_countries": sorted(eu_members() - {"DK"}),
            "partner_countries": sorted(eu_members() - {"DK"}),
            "min_applicants": 1,
            "min_countries": 1,
            "section_limits": dict(DEFAULT_SECTION_LIMITS),
            "required_annexes": [dict(a) for a in DEFAULT_REQUIRED_ANNEXES],
            "evaluators_per_proposal": 3,
        }
        values.update(fields)
        call = Call(
            reference=reference or f"TEST-{n:04d}-AG-THB",
            fund_id=values.pop("fund_id", None) or fund.id,
            status=CallStatus(status),
            opens_at=opens_at,
            deadline_at=deadline_at,
            published_at=None if status == CallStatus.DRAFT else min(now, opens_at),
            **values,
        )
        for position, (code, title, budget) in enumerate(topics):
            call.topics.append(
                Topic(code=code, title=title, budget=Decimal(budget), position=position)
            )
        for position, c in enumerate(criteria):
            call.criteria.append(
                Criterion(
                    code=c["code"],
                    label=c["label"],
                    description=c.get("description", ""),
                    max_points=Decimal(str(c["max_points"])),
                    threshold=Decimal(str(c.get("threshold", 0))),
                    position=position,
                )
            )
        for position, (code, weight) in enumerate(priorities.items()):
            call.priorities.append(
                CallPriority(priority_code=code, weight=Decimal(str(weight)), position=position)
            )
        db.session.add(call)
        db.session.commit()
        return call

    return make


@pytest.fixture
def dummy_call(create_call) -> Call:
    """A published AMIF call, open now."""
    return create_call()
