"""Import of messy historical files: the per-row report, rejected rows with their reason, a
second import that updates, the mapping table kept for the next import, XLSX, the CLI."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.portfolio import importer
from grants.portfolio.models import MappingKind, PortfolioProject, PortfolioTag
from grants.portfolio.reading import GUESSED, NOT_UNDERSTOOD, read_amount, read_date

HEADER = [
    "Project ID", "Title", "Programme", "Start date", "End", "EU grant", "Coordinator",
    "Organisation type", "Country", "Partners", "Countries of implementation", "Themes",
    "Victims assisted", "Victims assisted: women", "Recommendations", "Colour",
]  # fmt: skip
ROWS = [
    ["ISEC-1", "Safe routes", "ISEC", "2010", "2012-06", "€3.2 million", "Alpha", "NGO",
     "Czech Republic", "Beta (UK); Gamma (Macedonia)", "CZ; Slovakia", "shelters; sexual",
     "40", "30", "Member States: Fund shelters [shelters]", "blue"],
    ["", "Labour watch", "Prevention of and Fight against Crime", "03/2011", "", "EUR 500,000",
     "Delta", "Police", "Rumania", "", "", "labour exploitation", "", "", "", ""],
    ["", "No money given", "Daphne III", "2013-02-30", "", "", "Epsilon", "club", "Atlantis",
     "", "", "space travel", "", "", "", ""],
    ["X-9", "", "AMIF", "2016", "", "500 000", "Zeta", "ngo", "BE", "", "", "", "", "", "", ""],
    ["ISEC-1", "Safe routes again", "ISEC", "2010", "", "1", "Alpha", "NGO", "CZ", "", "", "",
     "", "", "", ""],
    ["", "Dollars", "Horizon 2020", "2017", "", "$200,000", "Eta", "University", "Kosovo", "",
     "", "", "", "", "", ""],
]  # fmt: skip


def as_csv(header=HEADER, rows=ROWS, delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def fields(row):
    return {(f.column, f.raw): f for f in row.fields}


def test_amounts_and_dates_as_files_write_them():
    assert read_amount("€3.2 million").value == Decimal("3200000.00")
    assert read_amount("EUR 500,000").value == Decimal("500000.00")
    assert read_amount("500 000").value == Decimal("500000.00")
    assert read_amount("1.234.567,89").value == Decimal("1234567.89")
    assert read_amount("500.000").status == GUESSED
    assert read_amount("").value is None and read_amount("n/a").value is None
    assert read_amount("$5,000").status == NOT_UNDERSTOOD
    assert str(read_date("2014").value) == "2014"
    assert str(read_date("03/2014").value) == "2014-03"
    assert str(read_date("March 2014").value) == "2014-03"
    assert str(read_date("05/03/2014").value) == "2014-03-05"
    assert read_date("2014-02-30").status == NOT_UNDERSTOOD


def test_the_report_says_row_by_row_what_was_understood_guessed_or_not(db):
    report = importer.understand("old.csv", as_csv())
    rows = {r.number: r for r in report.rows}
    assert len(report.rows) == len(ROWS)  # no row dropped
    assert report.ignored_columns == ["Colour"]
    first = rows[2]
    # The one guess: no status given, and it ended before this year.
    assert [(f.column, f.status) for f in first.fields if f.status != "understood"] == [
        ("status", GUESSED)
    ]
    assert not first.rejected
    record = first.record
    assert record.key == "imported:ISEC-1"
    assert (record.fund_code, record.eu_contribution) == ("ISEC", Decimal("3200000.00"))
    assert (str(record.start), str(record.end)) == ("2010", "2012-06")
    assert record.coordinator.country == "CZ"
    assert [(p.name, p.country) for p in record.partners] == [("Beta", "GB"), ("Gamma", "MK")]
    assert record.implementation_countries == ["CZ", "SK"]
    assert "shelters" in record.priorities and record.exploitation_forms == ["sexual"]
    assert record.indicators[0].total == 40
    assert record.indicators[0].breakdowns == {"sex-age": {"women": Decimal(30)}}
    assert record.recommendations[0].addressee.value == "member_states"
    assert record.recommendations[0].priority == "shelters"

    second = rows[3]  # no reference: a fingerprint key; guesses are marked
    assert second.record.key.startswith("imported:#")
    assert second.record.fund_code == "ISEC"
    assert second.record.coordinator.country == "RO"
    assert fields(second)[("coordinator_country", "Rumania")].status == GUESSED
    assert fields(second)[("coordinator_type", "Police")].status == GUESSED
    assert second.record.priorities == ["labour"]  # the dimension "Labour exploitation"
    assert str(second.record.start) == "2011-03"

    third = rows[4]  # kept, with what was not understood left empty and said
    assert not third.rejected and third.status == NOT_UNDERSTOOD
    third_fields = fields(third)
    assert third_fields[("start", "2013-02-30")].note == "2013-02 has no day 30"
    assert third_fields[("coordinator_country", "Atlantis")].status == NOT_UNDERSTOOD
    assert third_fields[("themes", "space travel")].status == NOT_UNDERSTOOD
    assert third.record.eu_contribution is None  # not known, not 0

    assert rows[5].rejected == "no title"
    assert rows[6].rejected.startswith("the same project as row 2")
    dollars = rows[7]
    assert dollars.record.eu_contribution is None
    assert fields(dollars)[("eu_contribution", "$200,000")].note == "only amounts in EUR are read"
    assert dollars.record.coordinator.country == "XK"
    assert report.counts["rejected"] == 2 and report.counts["new"] == 4


def test_applying_twice_updates_instead_of_duplicating(db):
    upload = importer.store_upload("old.csv", as_csv())
    importer.apply(upload)
    db.session.commit()
    assert (upload.created, upload.updated, upload.rejected) == (4, 0, 2)
    changed = [list(r) for r in ROWS]
    changed[0][5] = "EUR 1,000,000"
    again = importer.store_upload("old-v2.csv", as_csv(rows=changed))
    report = importer.apply(again)
    db.session.commit()
    assert (again.created, again.updated) == (0, 4)
    assert report.counts["update"] == 4
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 4
    amount = db.session.scalar(
        select(PortfolioProject.eu_contribution).where(PortfolioProject.key == "imported:ISEC-1")
    )
    assert amount == Decimal("1000000.00")


def test_the_mapping_table_teaches_a_phrase_for_every_later_import(db):
    content = as_csv()
    before = importer.understand("old.csv", content)
    importer.save_mapping("Space travel", MappingKind.PRIORITY, "online")
    db.session.commit()
    after = importer.understand("old.csv", content)
    assert after.mapping_version != before.mapping_version
    third = next(r for r in after.rows if r.number == 4)
    assert third.record.priorities == ["online"]
    upload = importer.store_upload("old.csv", content)
    with pytest.raises(importer.StaleMapping):
        importer.apply(upload, mapping_version=before.mapping_version)
    importer.apply(upload, mapping_version=after.mapping_version)
    db.session.commit()
    codes = db.session.scalars(select(PortfolioTag.code).where(PortfolioTag.code == "online"))
    assert list(codes) == ["online"]


def test_semicolon_files_and_xlsx_are_read_too(db):
    semicolons = importer.understand("old.csv", as_csv(delimiter=";"))
    assert semicolons.rows[0].record.title == "Safe routes"
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["X-1", "From Excel", "AMIF", 2016, None, 450000, "A", "NGO", "DE"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = importer.understand("old.xlsx", buffer.getvalue())
    record = report.rows[0].record
    assert (record.title, str(record.start), record.eu_contribution) == (
        "From Excel",
        "2016",
        Decimal("450000.00"),
    )
    assert record.fund_code == "AMIF"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4", "Upload a CSV"),
        ("old.csv", b"", "empty"),
        ("old.csv", b"Colour;Size\nx;y\n", "No title column"),
        ("old.xlsx", b"PK\x03\x04broken", "could not be read as an Excel"),
    ],
)
def test_files_that_cannot_be_read_say_why(db, name, content, message):
    with pytest.raises(importer.ImportFileError, match=message):
        importer.understand(name, content)


def test_the_demo_file_imports_without_a_rejected_row(db):
    from seed.demo_portfolio import DEMO_FILE, load_demo_portfolio

    text = load_demo_portfolio()
    assert "0 rows rejected" in text
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) > 50
    assert DEMO_FILE.read_text().startswith("# Illustrative")
    assert "already imported" in load_demo_portfolio()  # a second run changes nothing


def test_the_command_line_import(app, db, runner, tmp_path):
    path = tmp_path / "old.csv"
    path.write_bytes(as_csv())
    dry = runner.invoke(args=["portfolio", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "row 5: rejected: no title" in dry.output and "Dry run, nothing saved" in dry.output
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 0
    done = runner.invoke(args=["portfolio", "import", str(path)])
    assert done.exit_code == 0, done.output
    assert "4 new, 0 updates, 2 rejected" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Colour\nx\n")
    refused = runner.invoke(args=["portfolio", "import", str(bad)])
    assert refused.exit_code != 0 and "No title column" in refused.output


def test_the_pages_writes_commit_in_the_services(db, manager):
    """grants/portfolio/services.py, which the views call: each write is one transaction,
    and a refused victims file leaves the stored figures as they were."""
    from grants.portfolio import services
    from grants.portfolio.models import ImportMapping, PortfolioImport, VictimFigure
    from grants.portfolio.victims import VictimFileError

    upload = services.keep_upload("old.csv", as_csv(), manager)
    mapping = services.save_mapping("Space travel", MappingKind.PRIORITY, "online", manager)
    assert services.replace_victim_figures(b"country,year,victims\nRO,2019,150\n", "E", manager)
    db.session.rollback()  # nothing left to roll back: each one committed
    assert db.session.get(PortfolioImport, upload.id) is not None
    assert db.session.get(ImportMapping, mapping.id) is not None
    with pytest.raises(VictimFileError):
        services.replace_victim_figures(b"country,year,victims\nAtlantis,2019,3\n", "E", manager)
    assert db.session.scalars(select(VictimFigure.country)).all() == ["RO"]
    services.delete_mapping(mapping, manager)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ImportMapping)) == 0
    report = services.import_file("old-v2.csv", as_csv())
    db.session.rollback()
    assert report.counts["new"] == 4
    assert db.session.scalar(select(func.count()).select_from(PortfolioProject)) == 4
