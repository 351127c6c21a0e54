"""The programme's list of a call's submissions reads columns written at submission time
(issue 16, point 1): one projection query whatever the size of the call, no snapshot decoded;
the migration that added the columns fills them for the submissions stored before it."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from markupsafe import escape
from sqlalchemy import event, select
from sqlalchemy.orm import strategies

from grants import create_app
from grants.extensions import db as database
from grants.proposals import programme, submitting
from grants.proposals.models import Submission
from grants.proposals.snapshot import listed, read_snapshot
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_server_url

LIST_REVISION = "3c8d5f7a9e21"


def test_a_submission_carries_what_the_list_shows(
    create_call, create_proposal, submit_proposal, db
):
    call = create_call(topics=[("T1", "Shelters", 3000000), ("T2", "Labour", 3000000)])
    proposal = create_proposal(call=call, topic_id=call.topics[1].id, countries=["IT"])
    proposal.partners[1].country = "DK"  # not eligible under the default call
    proposal.claims = [c for c in proposal.claims if c.priority_code == "gender"]
    db.session.commit()
    s = submit_proposal(proposal)
    db.session.expire_all()
    assert (s.acronym, s.title) == (proposal.acronym, proposal.title)
    assert s.organisation_name == proposal.organisation.name
    assert s.organisation_country == "BE"
    assert s.topic_code == "T2"
    assert "DK" in s.countries and "IT" in s.countries and s.countries == sorted(s.countries)
    assert s.priorities == ["gender"]
    assert s.failure_messages == [c["message"] for c in s.checks if not c["ok"]]
    assert s.failure_messages and not s.eligible
    assert listed(s.snapshot, s.checks) == {
        name: getattr(s, name) for name in listed(s.snapshot, s.checks)
    }


@pytest.fixture
def call_with(db, create_call, create_proposal, submit_proposal, create_user):
    """A call with n submissions: one withdrawn, one reviewed twice (the latest counts)."""
    manager = create_user(roles=("programme_manager",))

    def make(n: int):
        call = create_call()
        submissions = [submit_proposal(create_proposal(call=call)) for _ in range(n)]
        first = submissions[0]
        programme.decide_checks(first, manager, "confirmed", "Checked.", None, None)
        programme.decide_checks(first, manager, "overridden", "Not eligible.", True, False)
        last = submissions[-1].proposal
        submitting.withdraw(last, last.organisation.memberships[0].user, last.version)
        return call, submissions

    return make, manager


def _statements(app, client, url: str) -> tuple[list[str], str]:
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(database.engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return seen, response.get_data(as_text=True)


def test_the_list_issues_the_same_statements_for_2_and_7_submissions(
    app, db, call_with, login_as, client, monkeypatch
):
    # Any relationship loaded per row shows: a selectin load of one row at a time.
    monkeypatch.setattr(strategies._SelectInLoader, "_chunksize", 1)
    make, manager = call_with
    small, large = make(2), make(7)
    login_as(manager)
    counts = []
    for call, submissions in (small, large):
        url = f"/calls/{call.id}/submissions"
        client.get(url)  # per-process caches warm
        seen, html = _statements(app, client, url)
        counts.append(len(seen))
        assert all(s.reference in html for s in submissions)
        assert html.count(">overridden<") == 1 and "withdrawn</span>" in html
        # the filters' columns of every submission, then the page's rows in full
        assert sum("FROM submission" in statement for statement in seen) == 2
        assert not any("submission.content" in statement for statement in seen)
    assert counts[0] == counts[1], counts


def test_the_latest_review_and_withdrawal_decide_the_filters(db, call_with):
    make, _manager = call_with
    call, submissions = make(3)
    rows = programme.listed_submissions(call)
    assert [r.id for r in rows] == [s.id for s in submissions]
    first, *_, last = rows
    assert first.decision.value == "overridden" and first.final_admissible
    assert not first.final_eligible
    assert last.withdrawn_at is not None
    f = programme.SubmissionFilter
    ids = lambda filt: [r.id for r in rows if filt.matches(r)]  # noqa: E731
    assert ids(f(status="overridden")) == ids(f(status="ineligible")) == [first.id]
    assert ids(f(status="unreviewed")) == [r.id for r in rows[1:]]
    assert ids(f(status="withdrawn")) == [last.id]
    assert programme.overview(rows) == {
        "total": 3,
        "withdrawn": 1,
        "inadmissible": 0,
        "ineligible": 1,
        "reviewed": 1,
    }


def test_the_filters_read_the_lists_and_offer_the_calls_choices(db, call_with, login_as, client):
    """The lists are read as their JSON text and decoded a column at a time; the topics and
    priorities offered are read as columns, in the call's order."""
    make, manager = call_with
    call, submissions = make(3)
    submissions[1].priorities = []
    db.session.commit()
    rows = programme.filter_rows(call)
    assert [(r.countries, r.priorities) for r in rows] == [
        (tuple(s.countries), tuple(s.priorities)) for s in submissions
    ]
    assert rows[1].priorities == () and rows[0].priorities
    assert programme.listed_submissions(call, [submissions[1].id])[0].priorities == ()
    choices = programme.filter_choices(call)
    assert choices.topics == [t.code for t in call.topics]
    assert choices.priorities == [(cp.priority_code, cp.priority.title) for cp in call.priorities]
    login_as(manager)
    code, title = choices.priorities[-1]
    html = client.get(f"/calls/{call.id}/submissions?priority={code}").get_data(as_text=True)
    assert f'<option value="{code}" selected>{escape(title)}</option>' in html
    shown = programme.SubmissionFilter(priority=code)
    assert shown.kept(rows) == [r for r in rows if code in r.priorities]
    assert programme.SubmissionFilter(status="bogus").kept(rows) == rows


def test_the_list_is_shown_a_page_at_a_time_with_its_filters_kept(
    db, call_with, login_as, client, monkeypatch
):
    from grants.proposals.views import management

    monkeypatch.setattr(management, "SUBMISSION_ROWS", 2)
    make, manager = call_with
    call, submissions = make(5)
    login_as(manager)
    url = f"/calls/{call.id}/submissions"

    def shown(args=""):
        html = client.get(url + args).get_data(as_text=True)
        return html, [s.reference for s in submissions if f">{s.reference}</a>" in html]

    html, first = shown()
    assert first == [s.reference for s in submissions[:2]]
    assert "5 submissions match; 2 shown on this page (1–2)." in html
    assert 'aria-label="Pages of the submissions"' in html
    html, last = shown("?page=3")
    assert last == [submissions[4].reference] and "(5–5)" in html
    assert shown("?page=" + "9" * 30)[1] == last  # past the end: the last page
    # a filter narrows what is paged, and the pager's links keep it
    html, unreviewed = shown("?status=unreviewed")
    assert unreviewed == [s.reference for s in submissions[1:3]]
    assert "status=unreviewed" in html and "page=2" in html
    html, one = shown("?status=overridden")
    assert one == [submissions[0].reference] and "1 submission matches." in html
    assert "Pages of the submissions" not in html


# The migration ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backfill.sqlite'}"
        return
    server = postgres_server_url()
    if not server:
        pytest.skip("GRANTS_TEST_DATABASE_URL is not set")
    url = create_postgres_database(server)
    yield url
    drop_postgres_database(server, url)


def test_the_migration_fills_the_columns_of_earlier_submissions(migrated_database, tmp_path):
    """Submissions stored before the columns existed (downgraded to the revision before,
    which drops them) get them from their snapshots on the way up again."""
    from benchmarks import rush
    from grants.taxonomy.services import load_reference_data

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": migrated_database,
            "TESTING": True,
            "GRANTS_UPLOAD_DIR": str(tmp_path / "uploads"),
            "GRANTS_JOBS_EAGER": False,
        }
    )
    with app.app_context():
        upgrade()
        load_reference_data(app.config["GRANTS_SEED_DIR"])
        database.session.commit()
        applicants, _call_id = rush.build(app, 3)
        for applicant in applicants:
            proposal = database.session.get(submitting.Proposal, applicant.proposal_id)
            member = proposal.organisation.memberships[0].user
            submitting.submit(proposal, member, submitting.new_submit_token(), proposal.version)
        expected = {
            s.id: listed(read_snapshot(s.content), s.checks)
            for s in database.session.scalars(select(Submission))
        }
        assert len(expected) == 3 and all(v["acronym"] for v in expected.values())
        database.session.remove()
        downgrade(revision="b0e1179e4937")
        upgrade(revision=LIST_REVISION)
        names = list(next(iter(expected.values())))  # the columns of that revision only
        got = {
            row.id: {name: getattr(row, name) for name in names}
            for row in database.session.execute(
                select(Submission.id, *(getattr(Submission, name) for name in names))
            )
        }
        assert got == expected
        database.session.remove()
        database.engine.dispose()
