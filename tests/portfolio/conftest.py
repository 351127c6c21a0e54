"""Portfolio fixtures: records built in a line and synced through the public contract."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.portfolio.models import ProjectSource, ProjectStatus
from grants.portfolio.sync import (
    IndicatorValue,
    PartialDate,
    Participant,
    PortfolioRecord,
    Recommendation,
    upsert_many,
)


def record(key: str, **values) -> PortfolioRecord:
    """A record with sensible defaults; `coordinator=("Name", "ngo", "BG")`, `partners=[...]`
    as tuples, `eu="1000"` as text."""
    coordinator = values.pop("coordinator", ("Coordinator of " + key, "ngo", "BE"))
    partners = values.pop("partners", [])
    eu = values.pop("eu", None)
    start = values.pop("start", 2022)
    return PortfolioRecord(
        key=key,
        title=values.pop("title", f"Project {key}"),
        source=values.pop("source", ProjectSource.FUNDED),
        coordinator=Participant(*coordinator),
        partners=[Participant(*p) for p in partners],
        eu_contribution=Decimal(eu) if eu is not None else None,
        start=PartialDate(start) if isinstance(start, int) else start,
        status=values.pop("status", ProjectStatus.RUNNING),
        **values,
    )


@pytest.fixture
def sync(db):
    """Upsert records and commit, as a caller of the sync API does."""

    def do(*records):
        result = upsert_many(list(records))
        db.session.commit()
        return result

    return do


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


@pytest.fixture
def some(sync):
    """Two funded projects: a (EUR 1 200, coordinator BG, partners RO and XK, formula-like
    title and coordinator) and b (EUR 300, RO)."""
    sync(
        record(
            "a",
            title='=HYPERLINK("http://evil")',
            eu="1200",
            coordinator=("-Alpha", "ngo", "BG"),
            partners=[("P", "ngo", "RO"), ("Q", "ngo", "XK")],
            priorities=["shelters"],
            indicators=[IndicatorValue("shelter-places", Decimal(12))],
            recommendations=[Recommendation("Open more shelters", priority="shelters")],
            outcomes_public=True,
        ),
        record("b", eu="300", coordinator=("Beta", "research", "RO"), priorities=["data"]),
    )
