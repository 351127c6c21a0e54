"""Outcomes tagged with the taxonomy: kept per outcome by the sync (2012-2016 priorities mapped,
a key action's area added), counted by tag on the review map, listed in the CSV and XLSX with
formulas neutralised; the public sees only the outcomes a project publishes."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from grants.portfolio import findings
from grants.portfolio.filters import PortfolioFilter
from grants.portfolio.models import PortfolioOutcomeTag, PortfolioProject
from grants.portfolio.sync import Outcome, RecordError, upsert_many
from tests.portfolio.conftest import record

ALL = PortfolioFilter()


@pytest.fixture
def tagged(sync):
    sync(
        record(
            "a",
            outcomes=[
                Outcome("=Shelter for 40 women", ["shelters"], ["sexual"], ["women"]),
                Outcome("Referral protocol adopted", ["2012-A1", "A5.K3"], [], ["victims"]),
                "An untagged outcome",
            ],
            outcomes_public=True,
        ),
        record(
            "b",
            outcomes=[Outcome("Labour inspectors trained", ["A5.K3"], ["labour"], [])],
            outcomes_public=False,
        ),
    )


def _id(key: str) -> int:
    from grants.extensions import db

    return db.session.scalar(select(PortfolioProject.id).where(PortfolioProject.key == key))


def _tags(db, key: str) -> set[tuple]:
    project = db.session.scalar(select(PortfolioProject).where(PortfolioProject.key == key))
    rows = db.session.scalars(
        select(PortfolioOutcomeTag).where(PortfolioOutcomeTag.project_id == project.id)
    )
    return {(t.position, t.kind.value, t.code, t.via) for t in rows}


def test_each_outcome_keeps_its_tags_mapped_like_the_project(db, tagged):
    from grants.portfolio.sync import Vocabulary

    # the 2012-2016 action is stored as the 2021-2025 codes it maps onto, as a project's are
    mapped = Vocabulary.load().priority_tags(["2012-A1", "A5.K3"])
    assert mapped["A5"] == "2012-A1" and "A5.K3" in mapped
    assert _tags(db, "a") == {
        (0, "priority", "shelters", ""),
        (0, "exploitation", "sexual", ""),
        (0, "target_group", "women", ""),
        (1, "target_group", "victims", ""),
    } | {(1, "priority", code, via) for code, via in mapped.items()}


def test_a_resync_with_other_outcomes_replaces_their_tags(db, sync, tagged):
    sync(record("a", outcomes=[Outcome("Only this", [], [], ["girls"])]))
    assert _tags(db, "a") == {(0, "target_group", "girls", "")}


def test_unknown_tags_are_refused_and_nothing_is_written(db):
    bad = record("c", outcomes=[Outcome("x", ["Q9"], ["theft"], ["aliens"])])
    with pytest.raises(RecordError) as error:
        upsert_many([bad])
    text = str(error.value)
    assert "an outcome names an unknown priority 'Q9'" in text
    assert "unknown form of exploitation 'theft'" in text
    assert "unknown target group 'aliens'" in text
    db.session.rollback()
    assert db.session.scalar(select(PortfolioProject).where(PortfolioProject.key == "c")) is None


def test_the_map_counts_outcomes_by_tag(db, tagged):
    found = findings.outcome_breakdown(ALL)
    assert (found.outcomes, found.tagged) == (4, 3)
    by_kind = {dimension: {r.code: r for r in rows} for dimension, _, rows in found.by_kind}
    assert by_kind["priority"]["A5.K3"].outcomes == 2 and by_kind["priority"]["A5.K3"].projects == 2
    assert by_kind["priority"]["shelters"].outcomes == 1
    assert by_kind["exploitation"]["sexual"].label == "Sexual exploitation"
    assert set(by_kind["target_group"]) == {"women", "victims"}
    public = findings.outcome_breakdown(PortfolioFilter(public=True))
    assert (public.outcomes, public.tagged) == (3, 2)  # b does not publish its outcomes


def test_page_and_exports_show_the_outcomes_with_their_tags(client, login_as, manager, tagged):
    login_as(manager)
    page = client.get("/portfolio/").get_data(as_text=True)
    section = page.split('id="outcome-tags"', 1)[1].split("</section>", 1)[0]
    assert "3 of 4 outcomes are tagged" in section
    assert "Sexual exploitation" in section and "Labour exploitation" in section

    project = client.get(f"/portfolio/projects/{_id('a')}").get_data(as_text=True)
    listed = project.split('id="outcomes-list"', 1)[1].split("</ul>", 1)[0]
    assert ">Sexual exploitation</span>" in listed and ">Women</span>" in listed

    response = client.get("/portfolio/export/outcomes.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Key", "Acronym", "Title", "Outcome"]
    by_text = {r[header.index("Outcome")]: r for r in body}
    shelter = by_text["'=Shelter for 40 women"]  # not run as a formula
    assert shelter[header.index("Priorities")] == "shelters"
    assert shelter[header.index("Forms of exploitation")] == "sexual"
    assert shelter[header.index("Target groups")] == "women"
    assert by_text["An untagged outcome"][header.index("Priorities")] == ""
    assert len(body) == 4

    workbook = load_workbook(io.BytesIO(client.get("/portfolio/export/outcomes.xlsx").data))
    assert workbook.sheetnames == ["Outcomes", "Outcomes by tag"]
    counts = list(workbook["Outcomes by tag"].values)
    assert counts[0] == ("Dimension", "Code", "Label", "Outcomes", "Projects")
    k3 = next(r for r in counts if r[1] == "A5.K3")
    assert k3[3:] == (2, 2)  # numbers stay numbers


def test_the_public_export_lists_published_outcomes_without_the_key(client, tagged):
    rows = list(
        csv.reader(io.StringIO(client.get("/portfolio/export/outcomes.csv").get_data(as_text=True)))
    )
    assert rows[0][0].lstrip("\ufeff") == "Acronym" and "Key" not in rows[0]
    assert "Labour inspectors trained" not in {r[2] for r in rows[1:]}
    assert len(rows) == 4
