"""Portfolio monitoring: each project's status from its dates, reports, deliverables and
costs; filters and sorting from the URL, checked at the field; CSV and XLSX read back with
formula injection neutralised; the SQL count does not grow with the number of projects."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from grants import clock
from grants.extensions import db
from grants.projects import monitoring, services
from grants.taxonomy.services import country_name
from tests.conftest import login
from tests.main.test_dashboard import statements


def _by_label(found):
    return {r.label: r for r in found}


def test_statuses_from_reports_deliverables_and_costs(db, running_grant, monkeypatch):
    # 2027-01-01 for 24 months, periods of 12; the deliverable "Referral guide" is month 12.
    on_track, coordinator, manager = running_grant(agreement_number="GA-ONE")
    late, *_ = running_grant(agreement_number="GA-TWO", manager=manager)
    on_track.acronym, late.acronym = "ONE", "TWO"
    db.session.commit()
    clock.freeze(clock.brussels_to_utc(datetime(2027, 3, 1, 12)))
    try:
        rows = _by_label(monitoring.rows())
        assert rows["ONE"].flags == ["on_track"]
        clock.freeze(clock.brussels_to_utc(datetime(2028, 1, 10, 12)))
        rows = _by_label(monitoring.rows())  # period 1 ended, report due by 29 Feb 2028
        assert rows["ONE"].flags == ["deliverable_late", "report_due", "underspending"]
        plan = dict(on_track.work_plan)
        plan["deliverables"] = [dict(d, done=True) for d in plan["deliverables"]]
        on_track.work_plan = plan
        db.session.commit()
        services.submit_report(on_track, 1, {"narrative": "x"}, Decimal("400000"), coordinator)
        rows = _by_label(monitoring.rows())
        assert rows["ONE"].flags == ["on_track"]
        assert rows["ONE"].costs == Decimal("400000")
        clock.freeze(clock.brussels_to_utc(datetime(2028, 3, 10, 12)))
        rows = _by_label(monitoring.rows())
        assert rows["TWO"].flags[0] == "report_late" and rows["TWO"].status_label == "Report late"
        query = monitoring.read_query({"status": "report_late", "sort": "-acronym"})
        assert [r.label for r in monitoring.shown(monitoring.rows(), query)] == ["TWO"]
    finally:
        clock.reset()


def test_bad_filters_and_sorts_are_said_at_the_field():
    query = monitoring.read_query({"status": "<script>", "sort": "drop table"})
    assert set(query.errors) == {"status", "sort"}
    assert query.values["status"] == "" and query.sort == "acronym"


def test_monitoring_page_exports_and_flat_query_count(app, running_grant):
    grant, coordinator, manager = running_grant(agreement_number="GA-0")
    grant.acronym = '=HYPERLINK("http://x")'
    db.session.commit()
    client = app.test_client()
    login(client, manager)
    small, page = statements(app, client, "/projects/monitoring?sort=-end")
    assert "Monitoring funded projects" in page
    for n in range(1, 5):
        running_grant(agreement_number=f"GA-{n}", manager=manager)
    large, page = statements(app, client, "/projects/monitoring?sort=-end")
    assert large == small, (small, large)
    assert page.count("/projects/") >= 5
    # the coordinator's country by its name, in the table and in the filter
    code = grant.organisation.country
    assert f'data-label="Country">{country_name(code)}</td>' in page
    assert f'<option value="{code}">{country_name(code)}</option>' in page
    bad = client.get("/projects/monitoring?status=nonsense&country=ZZ")
    assert bad.status_code == 422 and "No such status" in bad.get_data(as_text=True)
    assert client.get("/projects/monitoring/export.pdf").status_code == 404

    response = client.get("/projects/monitoring/export.csv?fund=ISF")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][0] == "Acronym" and len(table) == 1  # the factory's calls are AMIF ones
    response = client.get("/projects/monitoring/export.csv")
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(table) == 6
    assert table[1][0] == '\'=HYPERLINK("http://x")'
    response = client.get("/projects/monitoring/export.xlsx?sort=acronym")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Acronym" and len(values) == 6
    assert '\'=HYPERLINK("http://x")' in [v[0] for v in values]
    assert values[1][10] == 500000  # the maximum EU contribution stays a number
    assert date.fromisoformat(values[1][8]) == date(2027, 1, 1)
