"""The deadline rush with 50 applicants (issue 10, point 10): the benchmark's run and checker
(benchmarks/rush.py) against the live server, without timings: every applicant logs in
first (the warm-up), then all save and submit. Half-way the clock passes the deadline: the
later submits must be refused with a message, and every receipt shown must be stored exactly
once with its SHA-256 and have its receipt mail."""

from __future__ import annotations

from datetime import timedelta

from benchmarks import rush
from grants import clock


def test_fifty_applicants_submit_at_the_deadline(
    app, db, live_server, create_call, create_proposal
):
    call = create_call(deadline_at=clock.now() + timedelta(hours=1))
    proposals = [create_proposal(call=call) for _ in range(50)]
    applicants = [
        rush.Applicant(p.organisation.memberships[0].user.email, p.id, p.acronym or f"P{p.id}")
        for p in proposals
    ]
    clients, _ = rush.warm_up(live_server.url, applicants, concurrency=10)
    # The last minutes start once everyone is logged in (however slow the machine is); half-way
    # the clock jumps past the deadline.
    deadline = call.deadline_at = clock.now().replace(microsecond=0) + timedelta(minutes=5)
    db.session.commit()
    db.session.remove()

    def deadline_passes():
        clock.travel(timedelta(minutes=10))

    outcomes, _ = rush.run(
        live_server.url, applicants, concurrency=10, on_half=deadline_passes, clients=clients
    )
    problems = rush.check(db, outcomes, deadline)
    assert problems == []
    receipts = [o for o in outcomes if o.status == "receipt"]
    refused = [o for o in outcomes if o.status == "refused"]
    assert len(receipts) + len(refused) == 50
    assert len(receipts) >= 25  # the first half was before the deadline
    assert refused, "the clock passed the deadline half-way: some must have been refused"
    assert all("deadline" in o.message.lower() or "closed" in o.message.lower() for o in refused), [
        o.message for o in refused
    ][:3]
