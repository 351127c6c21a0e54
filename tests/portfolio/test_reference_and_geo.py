"""Indicator definitions and project types as reference data; the boundaries keyed by ISO
code with Malta and Kosovo; the import columns documented in the README."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grants.portfolio import geo
from grants.taxonomy import services
from grants.taxonomy.models import IndicatorDefinition, ProjectType

ROOT = Path(__file__).resolve().parents[2]


def test_the_programmes_indicators_with_units_and_breakdowns(db):
    indicators = {i.code: i for i in services.indicator_definitions()}
    assert list(indicators) == [
        "victims-identified", "victims-assisted", "professionals-trained", "shelter-places",
        "referrals", "people-reached", "other",
    ]  # fmt: skip
    assisted = indicators["victims-assisted"]
    assert [b.code for b in assisted.breakdowns] == ["sex-age", "exploitation"]
    assert [c.code for c in assisted.breakdowns[0].categories] == ["women", "men", "girls", "boys"]
    # The exploitation breakdown takes its categories from the forms of exploitation.
    forms = [f.code for f in services.exploitation_forms()]
    assert [c.code for c in assisted.breakdowns[1].categories] == forms
    professions = [c.title for c in indicators["professionals-trained"].breakdowns[0].categories]
    assert professions == [
        "Police", "Labour inspectors", "Border guards", "Prosecutors and judges",
        "Social workers", "Health staff", "NGO staff",
    ]  # fmt: skip
    assert indicators["shelter-places"].unit == "places"
    assert indicators["other"].free_unit and indicators["other"].unit == ""
    types = [t.title for t in services.project_types()]
    assert len(types) == 7 and "Victim assistance and shelters" in types


def test_loading_again_changes_nothing_and_a_programme_can_extend_the_list(app, db, tmp_path):
    assert not services.load_reference_data(app.config["GRANTS_SEED_DIR"])
    seed = tmp_path / "seed"
    shutil.copytree(app.config["GRANTS_SEED_DIR"], seed)
    with (seed / "indicators.toml").open("a") as handle:
        handle.write(
            '\n[[indicator]]\ncode = "hotline-calls"\nlabel = "Hotline calls"\nunit = "calls"\n'
            'breakdowns = ["sex-age"]\n'
        )
    try:
        report = services.load_reference_data(seed)
        assert report.created == {"indicators": 1}
        added = db.session.scalar(
            select(IndicatorDefinition).where(IndicatorDefinition.code == "hotline-calls")
        )
        assert [b.code for b in added.breakdowns] == ["sex-age"]
    finally:
        db.session.delete(added)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ProjectType)) == 7


def test_a_broken_indicator_file_is_refused(app, db, tmp_path):
    seed = tmp_path / "seed"
    shutil.copytree(app.config["GRANTS_SEED_DIR"], seed)
    with (seed / "indicators.toml").open("a") as handle:
        handle.write(
            '\n[[indicator]]\ncode = "x"\nlabel = "X"\nunit = "u"\nbreakdowns = ["nope"]\n'
        )
    with pytest.raises(services.ReferenceDataError, match="unknown breakdowns"):
        services.load_reference_data(seed)
    db.session.rollback()


def test_boundaries_are_keyed_by_iso_code_with_malta_and_kosovo():
    ids = {g.get("id") for g in geo.world_topology()["objects"]["countries"]["geometries"]}
    eu27 = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
    assert set(eu27.split()) <= ids
    assert {"XK", "RS", "AL", "UA", "NG", "BR", "VN"} <= ids
    assert all(i is None or len(i) == 2 for i in ids)
    malta = geo.country_geometries()["MT"]["coordinates"]
    longitudes = [x for polygon in malta for ring in polygon for x, _ in ring]
    assert 14 < min(longitudes) < max(longitudes) < 15
    assert geo.country_label("XK") == "Kosovo"


@pytest.mark.parametrize(
    ("text", "code", "guessed"),
    [("Czech Republic", "CZ", False), ("UK", "GB", False), ("EL", "GR", False),
     ("Kosovo", "XK", False), ("deu", "DE", False), ("Moldova", "MD", False),
     ("Rumania", "RO", True), ("Atlantis", None, False)],
)  # fmt: skip
def test_country_names_as_files_write_them(text, code, guessed):
    assert geo.read_country(text) == (code, guessed)


def test_the_readme_documents_every_import_column():
    from grants.portfolio.importer import COLUMNS

    readme = (ROOT / "README.md").read_text()
    for column in COLUMNS:
        assert f"| `{column.name}` |" in readme, column.name
