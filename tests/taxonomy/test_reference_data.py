"""The reference data from seed/: complete, consistent, idempotent to load, browsable."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from grants.taxonomy import services
from grants.taxonomy.models import Country, Fund, Priority, Region, TargetGroup

DIMENSIONS = {
    "gender",
    "child",
    "shelters",
    "early-identification",
    "referral",
    "reintegration",
    "sexual",
    "labour",
    "online",
    "non-eu-victims",
    "vulnerable-groups",
    "training",
    "awareness",
    "data",
    "cooperation",
}


def test_the_2021_taxonomy_has_its_areas_key_actions_and_dimensions(db):
    items = services.priorities(services.STRATEGY_2021)
    kinds = {p.kind for p in items}
    assert kinds == {"area", "key_action", "dimension"}
    assert {p.code for p in items if p.kind == "dimension"} == DIMENSIONS
    assert {p.code for p in items if p.kind == "area"} >= {"A2", "A3", "A4", "A4.3", "A5", "A6"}
    codes = {p.code for p in items}
    for p in items:
        assert p.description, f"{p.code} has no description"
        if p.kind == "key_action":
            assert p.parent_code in codes
            assert p.actor in {"commission", "member-states"}
    shelters = services.priority_by_code("shelters")
    assert "shelter" in shelters.description.lower()
    assert {a.code for a in shelters.links} & {"A5"}


def test_every_2012_priority_maps_onto_2021_codes(db):
    items = services.priorities(services.STRATEGY_2012)
    top = [p for p in items if p.kind == "priority"]
    assert [p.section for p in top] == ["A", "B", "C", "D", "E"]
    for p in top:
        assert p.links, f"{p.code} maps to nothing"
        assert all(t.strategy.code == services.STRATEGY_2021 for t in p.links)
    review = services.priority_by_code("2012-D4")
    assert "review" in (review.title + review.description).lower()


def test_countries_regions_and_funds(db):
    eu = services.countries(eu_only=True)
    assert len(eu) == 27
    assert {"MT", "GR", "CY", "HR"} <= {c.code for c in eu}
    assert db.session.get(Country, "NO").eu_member is False
    balkans = db.session.scalar(select(Region).where(Region.code == "western-balkans"))
    assert {"AL", "RS", "BA", "ME", "MK"} <= {c.code for c in balkans.countries}
    codes = set(db.session.scalars(select(Fund.code)))
    assert {"AMIF", "ISF", "BMVI", "ISEC", "DAPHNE", "H2020", "FP7"} <= codes
    assert db.session.scalar(select(Fund).where(Fund.code == "AMIF")).current
    groups = set(db.session.scalars(select(TargetGroup.code)))
    assert {
        "women",
        "girls",
        "unaccompanied-minors",
        "roma",
        "lgbtiq",
        "persons-with-disabilities",
        "frontline-professionals",
    } <= groups


def test_loading_again_changes_nothing(app, db):
    before = db.session.scalar(select(func.count(Priority.id)))
    report = services.load_reference_data(app.config["GRANTS_SEED_DIR"])
    assert not report, str(report)
    assert db.session.scalar(select(func.count(Priority.id))) == before


def test_a_broken_seed_file_is_reported_and_nothing_changes(app, db, tmp_path):
    for f in (app.config["GRANTS_SEED_DIR"],):
        shutil.copytree(f, tmp_path / "seed")
    path = tmp_path / "seed" / "regions.toml"
    path.write_text(path.read_text().replace('"MT"', '"QQ"', 1))
    with pytest.raises(services.ReferenceDataError, match="QQ"):
        services.load_reference_data(tmp_path / "seed")
    db.session.rollback()
    assert len(services.countries(eu_only=True)) == 27
    (tmp_path / "seed" / "funds.toml").write_text("[[fund]\n")
    with pytest.raises(services.ReferenceDataError, match="funds.toml"):
        services.load_reference_data(tmp_path / "seed")


def test_taxonomy_pages_show_the_strategy(client):
    page = client.get("/taxonomy/").get_data(as_text=True)
    assert "Cross-cutting dimensions" in page and "specialised shelters" in page.lower()
    page = client.get("/taxonomy/priorities/A4.3").get_data(as_text=True)
    assert "digital" in page.lower()
    page = client.get("/taxonomy/2012-2016").get_data(as_text=True)
    assert "Identifying, protecting and assisting victims" in page
    assert client.get("/taxonomy/priorities/NOPE").status_code == 404
    page = client.get("/taxonomy/countries").get_data(as_text=True)
    assert "Malta" in page and "Western Balkans" in page
