"""The sync contract: plain records upserted by a stable key, checked against the reference
data, replacing what the model held."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.portfolio.models import (
    PortfolioCountry,
    PortfolioPartner,
    PortfolioProject,
    PortfolioTag,
    ProjectSource,
)
from grants.portfolio.sync import (
    IndicatorValue,
    PartialDate,
    Recommendation,
    RecordError,
    remove,
    split,
    upsert_funded,
    upsert_many,
)
from tests.portfolio.conftest import record


def count(db, model, **where):
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


def test_upsert_funded_creates_then_updates_by_key_and_replaces_children(db):
    project, created = upsert_funded(
        record("funded:7", eu="900", partners=[("P", "ngo", "RO"), ("Q", "ngo", "GR")])
    )
    db.session.commit()
    assert created and project.source == ProjectSource.FUNDED
    assert count(db, PortfolioPartner, project_id=project.id) == 2
    again, created = upsert_funded(
        record("funded:7", title="Renamed", eu="100", partners=[("P", "ngo", "RO")])
    )
    db.session.commit()
    assert not created and again.id == project.id
    assert count(db, PortfolioProject) == 1
    assert again.title == "Renamed" and [p.name for p in again.partners] == ["P"]
    assert count(db, PortfolioCountry, project_id=project.id, country="GR") == 0


def test_a_key_keeps_the_source_it_was_first_written_with(db, sync):
    sync(record("k", source=ProjectSource.IMPORTED))
    sync(record("k", source=ProjectSource.FUNDED))
    assert db.session.scalar(select(PortfolioProject.source)) == ProjectSource.IMPORTED


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"title": " "}, "no title"),
        ({"fund_code": "NOPE"}, "unknown fund 'NOPE'"),
        ({"priorities": ["Z9"]}, "unknown priority 'Z9'"),
        ({"exploitation_forms": ["x"]}, "unknown form of exploitation 'x'"),
        ({"project_types": ["x"]}, "unknown project type 'x'"),
        ({"implementation_countries": ["QQ"]}, "unknown country of implementation 'QQ'"),
        ({"coordinator": ("A", "club", "BE")}, "unknown organisation type 'club'"),
        ({"eu": "-1"}, "the EU contribution is negative"),
        ({"start": PartialDate(2015, 2, 30)}, "2015-02 has no day 30"),
        ({"start": PartialDate(2016), "end": PartialDate(2015)}, "the end is before the start"),
        ({"indicators": [IndicatorValue("nope", Decimal(1))]}, "unknown indicator 'nope'"),
        (
            {"indicators": [IndicatorValue("shelter-places", Decimal(1), {"sex-age": {}})]},
            "has no breakdown 'sex-age'",
        ),
        (
            {"indicators": [IndicatorValue("victims-assisted", None, {"sex-age": {"cats": 1}})]},
            "sex-age has no 'cats'",
        ),
        ({"indicators": [IndicatorValue("other", Decimal(3))]}, "needs its unit"),
        ({"recommendations": [Recommendation("x", priority="Q1")]}, "unknown priority 'Q1'"),
    ],
)
def test_a_bad_record_raises_with_the_problem_and_writes_nothing(db, changes, problem):
    with pytest.raises(RecordError) as raised:
        upsert_many([record("ok"), record("bad", **changes)])
    assert any(problem in p for p in raised.value.problems), raised.value.problems
    assert raised.value.problems[0].startswith("record 2:")
    db.session.rollback()
    assert count(db, PortfolioProject) == 0


def test_indicator_total_defaults_to_its_first_breakdown_and_other_keeps_its_unit(db, sync):
    from grants.portfolio import findings
    from grants.portfolio.filters import PortfolioFilter

    sync(
        record(
            "i",
            indicators=[
                IndicatorValue(
                    "victims-assisted",
                    None,
                    {
                        "sex-age": {"women": Decimal(4), "boys": Decimal(1)},
                        "exploitation": {"sexual": Decimal(5)},
                    },
                ),
                IndicatorValue("other", Decimal(12), unit="hotlines", label="Hotlines opened"),
            ],
        )
    )
    totals = {t.code: t for t in findings.indicator_totals(PortfolioFilter())}
    assert totals["victims-assisted"].total == 5
    assert set(totals["victims-assisted"].breakdowns) == {"Sex and age", "Form of exploitation"}
    assert (totals["other"].unit, totals["other"].label) == (
        "hotlines",
        "Other indicator: Hotlines opened",
    )


def test_2012_codes_are_stored_as_the_2021_codes_they_map_to(db, sync):
    (project,) = sync(record("old", priorities=["2012-A3"])).created
    tags = dict(
        db.session.execute(
            select(PortfolioTag.code, PortfolioTag.via).where(PortfolioTag.project_id == project.id)
        ).all()
    )
    assert tags == {"A5": "2012-A3", "A5.K7": "2012-A3", "child": "2012-A3"}


def test_split_to_the_cent():
    assert split(Decimal("1000"), 3) == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    assert split(Decimal("0.02"), 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]
    assert split(None, 2) == [None, None]
    assert split(Decimal("5"), 0) == []


def test_remove_deletes_the_project_and_what_it_holds(db, sync):
    (project,) = sync(record("gone", partners=[("P", "ngo", "RO")])).created
    assert remove("gone") is True
    db.session.commit()
    assert count(db, PortfolioProject) == 0
    assert count(db, PortfolioPartner) == 0 and count(db, PortfolioCountry) == 0
    assert remove("gone") is False
