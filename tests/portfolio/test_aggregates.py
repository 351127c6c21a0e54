"""The review map's figures against small portfolios computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.portfolio import findings, listing, queries
from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.models import Addressee, CountryRole, ProjectSource, ProjectStatus
from grants.portfolio.sync import IndicatorValue, Recommendation
from tests.portfolio.conftest import record

ALL = PortfolioFilter()
PARTNER = PortfolioFilter(mode=CountryRole.PARTNER)
IMPLEMENTATION = PortfolioFilter(mode=CountryRole.IMPLEMENTATION)


def by_code(rows):
    return {r.code: (r.projects, r.amount, r.with_amount) for r in rows}


@pytest.fixture
def portfolio(sync):
    """Three projects:
    A  EUR 1 000.00, coordinator BG (NGO), partners RO, GR and a second RO; implemented in BG
       and RO; priorities 2012-A1 (-> A5, A5.K3, A5.K11, early-identification, cooperation)
       and shelters; sexual exploitation.
    B  EUR 500.00, coordinator RO (law enforcement), no partners; priority A5.K3 (its area A5
       added); labour exploitation; imported, closed.
    C  amount not known, coordinator BG (NGO), partner XK; priority child.
    """
    sync(
        record(
            "A",
            eu="1000.00",
            coordinator=("Alpha", "ngo", "BG"),
            partners=[("P1", "research", "RO"), ("P2", "ngo", "GR"), ("P3", "ngo", "RO")],
            implementation_countries=["BG", "RO"],
            priorities=["2012-A1", "shelters"],
            exploitation_forms=["sexual"],
            project_types=["victim-assistance"],
            indicators=[
                IndicatorValue(
                    "victims-assisted",
                    Decimal(30),
                    {"sex-age": {"women": Decimal(20), "girls": Decimal(10)}},
                )
            ],
            recommendations=[
                Recommendation("Fund shelters longer", Addressee.MEMBER_STATES, "shelters")
            ],
            outcomes_public=True,
            start=2015,
        ),
        record(
            "B",
            eu="500.00",
            coordinator=("Beta", "law_enforcement", "RO"),
            priorities=["A5.K3"],
            exploitation_forms=["labour"],
            source=ProjectSource.IMPORTED,
            status=ProjectStatus.CLOSED,
            indicators=[IndicatorValue("victims-assisted", None, {"sex-age": {"men": Decimal(5)}})],
            recommendations=[Recommendation("Train inspectors", Addressee.EU, "2012-A1")],
            start=2012,
        ),
        record(
            "C",
            eu=None,
            coordinator=("Gamma", "ngo", "BG"),
            partners=[("Kosovo partner", "ngo", "XK")],
            priorities=["child"],
            start=2020,
        ),
    )


def test_summary_counts_projects_without_an_amount_but_not_as_eur_0(portfolio):
    s = queries.summary(ALL)
    assert (s.projects, s.funded, s.imported) == (3, 2, 1)
    assert s.amount == Decimal("1500.00")
    assert (s.with_amount, s.without_amount) == (2, 1)
    assert queries.summary(IMPLEMENTATION).without_country == 2  # B and C have none


def test_coordinator_mode_gives_the_whole_amount_to_the_coordinators_country(portfolio):
    assert by_code(queries.countries(ALL)) == {
        "BG": (2, Decimal("1000.00"), 1),  # A and C; C's amount is not known
        "RO": (1, Decimal("500.00"), 1),
    }


def test_partner_mode_splits_equally_between_the_consortiums_distinct_countries(portfolio):
    # A: BG, RO, GR (RO twice counts once): 1000 / 3 = 333.34 + 333.33 + 333.33, the
    # remaining cent to the first country (the coordinator's). B: RO alone. C: BG and XK.
    rows = by_code(queries.countries(PARTNER))
    assert rows == {
        "BG": (2, Decimal("333.34"), 1),
        "RO": (2, Decimal("833.33"), 2),
        "GR": (1, Decimal("333.33"), 1),
        "XK": (1, Decimal("0.00"), 0),
    }
    assert sum(r[1] for r in rows.values()) == Decimal("1500.00")  # nothing counted twice
    assert sum(r[0] for r in rows.values()) == 6  # while projects count once per country


def test_implementation_mode(portfolio):
    assert by_code(queries.countries(IMPLEMENTATION)) == {
        "BG": (1, Decimal("500.00"), 1),
        "RO": (1, Decimal("500.00"), 1),
    }


def test_priorities_map_2012_codes_and_add_areas_of_key_actions(portfolio):
    rows = by_code(queries.breakdown("priority", ALL))
    assert rows["A5"] == (2, Decimal("1500.00"), 2)  # A via 2012-A1, B via its key action
    assert rows["early-identification"] == (1, Decimal("1000.00"), 1)
    assert rows["shelters"] == (1, Decimal("1000.00"), 1)
    assert rows["child"] == (1, Decimal("0.00"), 0)
    assert rows["A3"] == (0, Decimal("0.00"), 0)  # listed with no project, for the gaps
    assert "A5.K3" not in rows  # key actions filter, they are not rows of the breakdown


def test_other_breakdowns(portfolio):
    assert by_code(queries.breakdown("actor_type", ALL))["ngo"] == (2, Decimal("1000.00"), 1)
    assert by_code(queries.breakdown("exploitation", ALL))["labour"] == (1, Decimal("500.00"), 1)
    assert by_code(queries.breakdown("year", ALL)) == {
        "2012": (1, Decimal("500.00"), 1),
        "2015": (1, Decimal("1000.00"), 1),
        "2020": (1, Decimal("0.00"), 0),
    }
    assert by_code(queries.breakdown("source", ALL))["imported"][0] == 1
    assert by_code(queries.breakdown("status", ALL))["closed"][0] == 1
    assert by_code(queries.breakdown("project_type", ALL))["victim-assistance"][0] == 1


def test_crosstabs(portfolio):
    table = queries.crosstab("priority", "actor_type", ALL)
    assert table.cells[("A5", "ngo")] == 1
    assert table.cells[("A5", "law_enforcement")] == 1
    assert table.cells[("child", "ngo")] == 1
    assert "A5.K3" not in [code for code, _ in table.rows]
    by_country = queries.crosstab("country", "priority", PARTNER)
    assert by_country.cells[("RO", "A5")] == 2
    assert by_country.cells[("XK", "child")] == 1
    assert by_country.rows[0][0] == "RO"  # the country with most projects first


def test_indicator_sums_say_how_many_projects_report_each(portfolio):
    (assisted,) = findings.indicator_totals(ALL)
    assert (assisted.code, assisted.total, assisted.projects) == ("victims-assisted", 35, 2)
    categories = {code: (total, n) for code, _, total, n in assisted.breakdowns["Sex and age"]}
    assert categories == {"women": (20, 1), "girls": (10, 1), "men": (5, 1)}


def test_recommendation_digest_by_priority_and_addressee(portfolio):
    groups = findings.recommendation_digest(ALL)
    found = {(g.priority, g.addressee): [i["text"] for i in g.items] for g in groups}
    # B's recommendation names 2012-A1, kept under the first 2021 code it maps onto.
    assert found[("shelters", Addressee.MEMBER_STATES)] == ["Fund shelters longer"]
    assert list(found.values()).count(["Train inspectors"]) == 1
    assert all(g.count == len(g.items) for g in groups)


def test_filters(portfolio):
    def keys(f):
        rows, total = listing.project_rows(f, per_page=None)
        assert total == len(rows)
        return sorted(r["key"] for r in rows)

    assert keys(ALL) == ["A", "B", "C"]
    assert keys(ALL.with_(priority="A5")) == ["A", "B"]
    assert keys(ALL.with_(priority="A5.K3")) == ["A", "B"]
    assert keys(ALL.with_(exploitation="sexual")) == ["A"]
    assert keys(ALL.with_(country="RO")) == ["B"]
    assert keys(PARTNER.with_(country="RO")) == ["A", "B"]
    assert keys(PARTNER.with_(region="western-balkans")) == ["C"]  # XK belongs there
    assert keys(ALL.with_(year_from=2013)) == ["A", "C"]
    assert keys(ALL.with_(year_from=2013, year_to=2016)) == ["A"]
    assert keys(ALL.with_(actor_type="law_enforcement")) == ["B"]
    assert keys(ALL.with_(project_type="victim-assistance")) == ["A"]
    assert keys(ALL.with_(status="closed")) == ["B"]
    assert keys(ALL.with_(source="imported")) == ["B"]
    assert keys(ALL.with_(country="RO", priority="child")) == []
    assert queries.summary(ALL.with_(priority="A5")).amount == Decimal("1500.00")


def test_the_public_sees_the_configured_sources_and_public_projects_only(app, portfolio, sync):
    sync(record("D", eu="10", is_public=False))
    public = PortfolioFilter(public=True)
    app.config["GRANTS_PORTFOLIO_PUBLIC"] = "funded"
    try:
        rows, _ = listing.project_rows(public, per_page=None)
        assert sorted(r["key"] for r in rows if "key" in r) == []  # the key is not public
        assert sorted(r["title"] for r in rows) == ["Project A", "Project C"]
        assert "total_cost" not in rows[0] and "status" not in rows[0]
        # Outcomes count only where the project publishes them (A does, C does not).
        assert findings.indicator_totals(public)[0].total == 30
        app.config["GRANTS_PORTFOLIO_PUBLIC"] = "funded,imported"
        assert queries.summary(public).projects == 3  # never D, which is not public
        app.config["GRANTS_PORTFOLIO_PUBLIC"] = ""
        assert queries.summary(public).projects == 0
    finally:
        app.config.pop("GRANTS_PORTFOLIO_PUBLIC")


def test_gaps_and_eur_per_registered_victim(db, portfolio):
    from grants.portfolio.models import VictimFigure

    db.session.add_all(
        [
            VictimFigure(country="RO", year=2018, victims=400, source="Eurostat"),
            VictimFigure(country="RO", year=2019, victims=100, source="Eurostat"),
            VictimFigure(country="BG", year=2019, victims=0, source="National rapporteur"),
        ]
    )
    db.session.commit()
    breakdowns = {d: queries.breakdown(d, ALL) for d in ("priority", "exploitation")}
    countries = queries.countries(ALL)
    gaps = {(g.dimension, g.code): g.reason for g in findings.gaps(ALL, breakdowns, countries)}
    assert gaps[("priority", "A3")] == "no project"
    assert gaps[("priority", "child")] == "no known EU funding"
    assert gaps[("exploitation", "begging")] == "no project"
    assert gaps[("country", "FR")] == "no project"
    assert ("country", "RO") not in gaps and ("priority", "A5") not in gaps
    per_victim = {v.country: v for v in findings.eur_per_victim(ALL, countries)}
    assert per_victim["RO"].per_victim == Decimal("1.00")  # EUR 500 / 500 victims, 2018-2019
    assert (per_victim["RO"].years, per_victim["RO"].sources) == ("2018-2019", "Eurostat")
    assert per_victim["BG"].per_victim is None  # no victims: no ratio, not a division by 0
    only_2019 = {v.country: v for v in findings.eur_per_victim(ALL.with_(year_to=2019), countries)}
    assert only_2019["RO"].victims == 500
    assert {v.country: v for v in findings.eur_per_victim(ALL.with_(year_from=2019), countries)}[
        "RO"
    ].victims == 100
