"""Helpers of the calls tests: a manager, valid call values and the form data that gives them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from grants import clock
from grants.calls.models import DEFAULT_CRITERIA

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def call_values(**overrides) -> dict:
    """Plain values of a valid call (what the form gives the service)."""
    values = {
        "reference": "AMIF-2026-TF2-AG-THB",
        "title": "Assistance to third-country national victims of trafficking",
        "fund": "AMIF",
        "description": "Support **victims**.",
        "opens_at": datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        "deadline_at": datetime(2026, 6, 10, 15, 0, tzinfo=UTC),
        "total_budget": Decimal("6000000"),
        "min_contribution": Decimal("500000"),
        "max_contribution": Decimal("1000000"),
        "funding_rate": Decimal("90"),
        "max_duration_months": 36,
        "eligible_org_types": ["ngo", "public_authority"],
        "coordinator_countries": ["BE", "BG", "RO"],
        "partner_countries": ["BE", "BG", "RO", "IT"],
        "min_applicants": 3,
        "min_countries": 3,
        "section_limits": {"summary": 2000, "relevance": 15000},
        "required_annexes": [{"code": "budget", "title": "Detailed budget table"}],
        "topics": [{"code": "T1", "title": "Shelters", "budget": Decimal("6000000")}],
        "criteria": [
            {
                "code": c["code"],
                "label": c["label"],
                "max_points": Decimal(c["max_points"]),
                "threshold": Decimal(c["threshold"]),
            }
            for c in DEFAULT_CRITERIA
        ],
        "overall_threshold": Decimal("70"),
        "priorities": {"non-eu-victims": Decimal(2), "child": Decimal(1)},
        "tie_break_rules": ["criterion:relevance", "alignment"],
        "evaluators_per_proposal": 3,
        "aggregation": "mean",
        "alignment_use": "information",
        "selection_policy": "stop",
        "reserve_size": 3,
    }
    values.update(overrides)
    return values


def form_data(**overrides) -> dict:
    """Form fields of a valid call, as a browser would send them (Brussels wall-clock times)."""
    data = {
        "reference": "AMIF-2026-TF2-AG-THB",
        "title": "Assistance to third-country national victims of trafficking",
        "fund": "AMIF",
        "description": "Support **victims**.",
        "opens_at": "2026-03-10T09:00",
        "deadline_at": "2026-06-10T17:00",
        "total_budget": "6 000 000",
        "min_contribution": "500000",
        "max_contribution": "1,000,000",
        "funding_rate": "90",
        "max_duration_months": "36",
        "eligible_org_types": ["ngo", "public_authority"],
        "coordinator_preset": "eu27-dk",
        "coordinator_countries": "",
        "partner_preset": "",
        "partner_countries": "BE BG RO, IT",
        "min_applicants": "3",
        "min_countries": "3",
        "topics": "T1 | Shelters | 4 000 000\nT2 | Early identification | 2000000",
        # one box per limited text; the boxes left empty mean no limit
        "section_limits-summary": "2000",
        "section_limits-relevance": "15 000",
        "section_limits-design": "",
        "required_annexes": "Detailed budget table",
        "criteria": "\n".join(
            f"{c['code']} | {c['label']} | {c['max_points']} | {c['threshold']}"
            for c in DEFAULT_CRITERIA
        ),
        "overall_threshold": "70",
        "priorities": "non-eu-victims = 2\nchild = 1",
        "tie_break_rules": "criterion:relevance\nalignment\neu_contribution_asc",
        "evaluators_per_proposal": "3",
        "aggregation": "mean",
        "alignment_use": "information",
        "selection_policy": "stop",
        "reserve_size": "3",
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


@pytest.fixture
def frozen():
    clock.freeze(NOW)
    return NOW
