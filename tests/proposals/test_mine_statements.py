"""My proposals reads each proposal's rows in batches (issue 16, point 5): an applicant with
four proposals, drafts and submitted ones, one with changes since it was submitted, costs the
page as many SQL statements as an applicant with one of each kind. The checklist and the
"changed since submitted" mark read the same loaded rows."""

from __future__ import annotations

from sqlalchemy import event

from grants.proposals.models import ProposalStatus
from tests.main.test_dashboard import statements


def _applicant_with(create_proposal, create_call, submit_proposal, db, drafts, submitted):
    call = create_call()
    first = create_proposal(call=call)
    user = first.organisation.memberships[0].user
    made = [first] + [
        create_proposal(
            call=call if i % 2 else create_call(), organisation=first.organisation, user=user
        )
        for i in range(drafts + submitted - 1)
    ]
    for proposal in made[drafts:]:
        submit_proposal(proposal, user)
    made[-1].title = "Changed after it was submitted"
    db.session.commit()
    return user, made


def test_my_proposals_costs_the_same_statements_for_one_or_many(
    app, client, login_as, create_proposal, create_call, submit_proposal, db
):
    small_user, small = _applicant_with(create_proposal, create_call, submit_proposal, db, 1, 1)
    large_user, large = _applicant_with(create_proposal, create_call, submit_proposal, db, 3, 3)
    assert [p.status for p in large].count(ProposalStatus.SUBMITTED) == 3

    counts = {}
    for name, user, made in (("small", small_user, small), ("large", large_user, large)):
        login_as(user)
        client.get("/proposals")  # the session's first request warms what every page reads
        db.session.expire_all()
        counts[name], html = statements(app, client, "/proposals")
        for proposal in made:
            assert proposal.acronym in html
        assert html.count("Changes not submitted yet.") == 1, name
        client.post("/logout")
    assert counts["large"] == counts["small"], counts


def test_submitted_proposals_unchanged_since_read_no_checklist_rows(
    app, client, login_as, create_proposal, create_call, submit_proposal, db
):
    """Submitted and unchanged since (known from the versions): no row of a checklist is
    read, for one proposal or for three, and the page costs the same statements either way."""
    counts = {}
    for size in (1, 3):
        call = create_call()
        first = create_proposal(call=call)
        user = first.organisation.memberships[0].user
        made = [first] + [
            create_proposal(call=call, organisation=first.organisation, user=user)
            for _ in range(size - 1)
        ]
        for proposal in made:
            submit_proposal(proposal, user)
        login_as(user)
        client.get("/proposals")
        db.session.expire_all()
        seen = []

        def before(conn, cursor, statement, *args, seen=seen):
            seen.append(" ".join(statement.split()))

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            html = client.get("/proposals").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        assert all(p.acronym in html for p in made) and "Changes not submitted yet." not in html
        for table in ("proposal_partner", "budget_line", "work_package", "annex"):
            assert not any(f"FROM {table} " in s for s in seen), table
        counts[size] = len(seen)
        client.post("/logout")
    assert counts[1] == counts[3], counts
