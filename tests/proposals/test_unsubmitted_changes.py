"""The "Changes not submitted yet" mark (issue 16): a submission records the version the
proposal has once submitted, and while the proposal still has it nothing of its own changed,
so the mark is known without building the proposal's snapshot and decoding the submitted one.
Every change of the proposal or of one of its rows moves the version (also at the same instant
on the clock); what the snapshot takes from other rows (the call, the organisation) and a
submission written before the version was recorded are compared in full, as before."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from grants import clock
from grants.proposals import sections, submitting
from grants.proposals.models import BudgetCategory, PartnerRole, Submission

MARK = "Changes not submitted yet."


def _member(proposal):
    return proposal.organisation.memberships[0].user


def _page(client, login_as, proposal) -> tuple[str, list[str]]:
    from grants.extensions import db

    login_as(_member(proposal))
    db.session.expire_all()
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = client.get("/proposals")
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return response.get_data(as_text=True), seen


def _lines(p, **change) -> dict:
    rows = [
        {
            "id": x.id,
            "partner_id": x.partner_id,
            "category": BudgetCategory(x.category).value,
            "description": x.description,
            "amount": f"{x.amount:.2f}",
            "priorities": list(x.priorities or []),
        }
        for x in p.budget_lines
    ]
    rows[0].update(change)
    return {"lines": rows}


def _indicators(p, **change) -> dict:
    rows = [
        {
            "id": x.id,
            "name": x.name,
            "unit": x.unit,
            "target": "" if x.target is None else f"{x.target:f}",
            "by_sex": x.by_sex,
            "by_age": x.by_age,
            "priorities": list(x.priorities or []),
        }
        for x in p.indicators
    ]
    rows[0].update(change)
    return {"indicators": rows}


def _partners(p, **change) -> dict:
    rows = [
        {"id": x.id, "name": x.name, "country": x.country, "type": x.type, "role": x.role.value}
        for x in p.partners
        if x.role != PartnerRole.COORDINATOR
    ]
    rows[0].update(change)
    return {"partners": rows}


def _save_rows(proposal, section, rows, **change):
    """Save the section as it is but for `change` to its first row: its fields unchanged."""
    data = sections.field_values(proposal, section) | rows(proposal, **change)
    sections.save_section(proposal, section, data, _member(proposal), proposal.version)


def test_a_submission_records_the_version_and_the_page_builds_no_snapshot(
    client, login_as, create_proposal, submit_proposal, db, monkeypatch
):
    proposal = create_proposal()
    submission = submit_proposal(proposal)
    db.session.expire_all()
    assert submission.proposal_version == proposal.version >= 2  # the submit moved it
    assert submitting.unchanged_since_submitted(proposal)

    def no_snapshot(*args, **kwargs):
        raise AssertionError("the versions settle it: no snapshot is built")

    monkeypatch.setattr(submitting, "take_snapshot", no_snapshot)
    html, seen = _page(client, login_as, proposal)
    assert proposal.acronym in html and MARK not in html
    for table in ("proposal_partner", "budget_line", "work_package", "annex"):
        assert not any(f"FROM {table} " in s for s in seen), table


@pytest.mark.parametrize(
    "section, rows, change",
    [
        ("budget", _lines, {"amount": "12345.00"}),
        ("results", _indicators, {"name": "Victims referred to support (revised)"}),
        ("consortium", _partners, {"name": "Partner renamed after submitting"}),
    ],
)
def test_a_change_of_a_row_only_moves_the_version_and_shows_the_mark(
    client, login_as, create_proposal, submit_proposal, db, section, rows, change
):
    proposal = create_proposal()
    submit_proposal(proposal)
    # The same instant as the submission: `updated_at` keeps its value, the version moves all
    # the same (a row changed, not the proposal's own columns).
    clock.freeze(proposal.updated_at)
    before = proposal.version
    _save_rows(proposal, section, rows, **change)
    db.session.expire_all()
    assert proposal.version == before + 1
    assert not submitting.unchanged_since_submitted(proposal)
    assert submitting.has_unsubmitted_changes(proposal)
    html, _ = _page(client, login_as, proposal)
    assert html.count(MARK) == 1


def test_a_save_that_changes_nothing_shows_no_mark(
    client, login_as, create_proposal, submit_proposal, db
):
    proposal = create_proposal()
    submit_proposal(proposal)
    before = proposal.version
    _save_rows(proposal, "budget", _lines)  # as it was: the version moves, the content not
    db.session.expire_all()
    assert proposal.version == before + 1 and not submitting.unchanged_since_submitted(proposal)
    assert not submitting.has_unsubmitted_changes(proposal)  # compared in full
    html, _ = _page(client, login_as, proposal)
    assert MARK not in html


def test_submitting_the_changes_clears_the_mark(
    client, login_as, create_proposal, submit_proposal, db
):
    proposal = create_proposal()
    first = submit_proposal(proposal)
    _save_rows(proposal, "budget", _lines, amount="23456.00")
    assert _page(client, login_as, proposal)[0].count(MARK) == 1
    again = submit_proposal(proposal)
    assert again.id != first.id and again.version == 2
    db.session.expire_all()
    assert again.proposal_version == proposal.version
    assert MARK not in _page(client, login_as, proposal)[0]


@pytest.mark.parametrize("outside", ["organisation", "call"])
def test_a_change_outside_the_proposals_rows_shows_the_mark(
    client, login_as, create_proposal, submit_proposal, db, outside
):
    """The organisation's name and the call's title are in the snapshot but not the
    proposal's rows: the version stays, the mark shows as before."""
    proposal = create_proposal()
    submit_proposal(proposal)
    before = proposal.version
    if outside == "organisation":
        proposal.organisation.name = "Renamed after submitting"
    else:
        proposal.call.title = "A call retitled while open"
    db.session.commit()
    db.session.expire_all()
    assert proposal.version == before
    assert not submitting.unchanged_since_submitted(proposal)
    assert submitting.has_unsubmitted_changes(proposal)
    assert _page(client, login_as, proposal)[0].count(MARK) == 1


def test_a_submission_written_before_the_version_was_recorded_is_compared_in_full(
    client, login_as, create_proposal, submit_proposal, db
):
    proposal = create_proposal()
    submission = submit_proposal(proposal)
    db.session.query(Submission).filter_by(id=submission.id).update({"proposal_version": None})
    db.session.commit()
    db.session.expire_all()
    assert not submitting.unchanged_since_submitted(proposal)
    assert not submitting.has_unsubmitted_changes(proposal)
    assert MARK not in _page(client, login_as, proposal)[0]
    proposal.title = "Changed after it was submitted"
    db.session.commit()
    assert submitting.has_unsubmitted_changes(proposal)
    assert _page(client, login_as, proposal)[0].count(MARK) == 1
