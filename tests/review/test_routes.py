"""Route tests of the review domain with the test client: the evaluator's queue, declaration
and proposal page; invitations; the managers' pool, manual assignment, plan and removal."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants.review.models import Assignment, AssignmentState, EvaluatorInvitation
from tests.access.review import FOREIGN_ASSIGNMENT
from tests.conftest import login


def test_evaluator_declares_before_seeing_the_content(
    client, closed_call, create_evaluator, create_assignment, login_as
):
    _, (s1,) = closed_call(n=1)
    evaluator = create_evaluator()
    a = create_assignment(s1, evaluator)
    login_as(evaluator)
    queue = client.get("/review").get_data(as_text=True)
    assert "0 of 1 done" in queue and "To declare" in queue
    page = client.get(f"/review/assignments/{a.id}").get_data(as_text=True)
    assert s1.content["acronym"] in page and s1.content["partners"][1]["name"] in page
    assert s1.content["abstract"] not in page  # no content before the declaration
    assert client.get(f"/submissions/{s1.id}").status_code == 404
    response = client.post(f"/review/assignments/{a.id}/declare", data={"kind": "none"})
    assert response.status_code == 302
    page = client.get(f"/review/assignments/{a.id}").get_data(as_text=True)
    assert s1.content["abstract"] in page and "To evaluate" in page
    assert "Send declaration" not in page and "score" not in page.lower()
    assert client.get(f"/submissions/{s1.id}").status_code == 200


def test_conflict_declaration_removes_access(
    client, closed_call, create_evaluator, create_assignment, login_as
):
    _, (s1,) = closed_call(n=1)
    evaluator = create_evaluator()
    a = create_assignment(s1, evaluator)
    login_as(evaluator)
    response = client.post(
        f"/review/assignments/{a.id}/declare", data={"kind": "personal", "details": "Cousin"}
    )
    assert response.status_code == 302 and response.location.endswith("/review")
    assert client.get(f"/review/assignments/{a.id}").status_code == 404
    assert client.get(f"/submissions/{s1.id}").status_code == 404
    assert "no proposals assigned" in client.get("/review").get_data(as_text=True)


def test_another_evaluators_assignment_is_hidden(
    app, closed_call, create_evaluator, create_assignment, create_user
):
    _, (s1,) = closed_call(n=1)
    owner = create_evaluator()
    a = create_assignment(s1, owner, AssignmentState.ACTIVE)
    others = {
        "applicant": create_user(),
        "other_applicant": create_user(),
        "evaluator": create_evaluator(),
        "manager": create_user(roles=("programme_manager",)),
        "admin": create_user(roles=("admin",)),
    }
    for index, role in enumerate(["anonymous", *others]):
        client = app.test_client()
        if role != "anonymous":
            login(client, others[role])
        response = client.get(f"/review/assignments/{a.id}")
        want = FOREIGN_ASSIGNMENT[index]
        if want == "login":
            assert response.status_code == 302 and "/login" in response.location
        else:
            assert response.status_code == want, role


def test_queue_filters_in_the_url(
    client, closed_call, create_evaluator, create_assignment, login_as
):
    _, (s1, s2) = closed_call(n=2)
    evaluator = create_evaluator()
    create_assignment(s1, evaluator, AssignmentState.ACTIVE)
    create_assignment(s2, evaluator)
    login_as(evaluator)
    page = client.get("/review?state=to_declare").get_data(as_text=True)
    assert s2.content["acronym"] in page and s1.content["acronym"] not in page
    assert "0 of 2 done" in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "0 of 2 done" in dashboard and "Review queue" in dashboard


def test_profile_is_saved(client, create_user, login_as):
    evaluator = create_user(roles=("evaluator",))
    login_as(evaluator)
    assert "complete your evaluator profile" in client.get("/review").get_data(as_text=True)
    page = client.get("/review/profile")
    assert page.status_code == 200
    response = client.post(
        "/review/profile",
        data={
            "organisation_name": "Institute of Criminology",
            "organisation_country": "AT",
            "recent_ties": "Safe Passage Foundation\nCasa Aurora",
            "priorities": ["child"],
            "exploitation_forms": ["labour"],
            "languages": "EN, de",
            "countries": ["AT"],
            "max_load": "5",
        },
    )
    assert response.status_code == 302
    from grants.review.pool import profile_of

    profile = profile_of(evaluator)
    assert profile.recent_ties == ["Safe Passage Foundation", "Casa Aurora"]
    assert profile.languages == ["en", "de"] and profile.max_load == 5
    queue = client.get("/review").get_data(as_text=True)
    assert "complete your evaluator profile" not in queue and "Your evaluator profile" in queue
    bad = client.post("/review/profile", data={"organisation_name": "", "max_load": "-1"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_invitation_flow_for_a_new_person(app, client, create_user, login_as, mailbox, db):
    manager = create_user(roles=("programme_manager",))
    login_as(manager)
    response = client.post("/manage/evaluators/invite", data={"emails": "expert@example.org"})
    assert response.status_code == 302
    link = mailbox.link("expert@example.org", "/review/invitations/")
    path = re.sub(r"^https?://[^/]+", "", link)
    anonymous = app.test_client()
    assert "Create your account" in anonymous.get(path).get_data(as_text=True)
    response = anonymous.post(
        path, data={"full_name": "Expert", "password": "a-long-safe-passphrase"}
    )
    assert response.status_code == 302 and response.location.endswith("/review/profile")
    assert anonymous.get("/review").status_code == 200
    assert db.session.scalar(select(EvaluatorInvitation)).accepted_at is not None
    assert anonymous.get(path).status_code == 404


def test_manager_assigns_by_hand_plans_and_removes(
    client, closed_call, create_evaluator, create_user, login_as, mailbox
):
    call, submissions = closed_call(n=2, evaluators_per_proposal=3)
    conflicted = create_evaluator(organisation=submissions[0].content["organisation"]["name"])
    free = [create_evaluator() for _ in range(2)]
    login_as(create_user(roles=("programme_manager",)))
    page = client.get(f"/manage/calls/{call.id}/assignments").get_data(as_text=True)
    assert "Likely conflicts" in page and conflicted.full_name in page
    response = client.post(
        f"/manage/calls/{call.id}/assignments",
        data={"submission_ids": [submissions[0].id], "evaluator_ids": [conflicted.id, free[0].id]},
    )
    assert response.status_code == 302
    page = client.get(f"/manage/calls/{call.id}/assignments").get_data(as_text=True)
    assert "likely conflict" in page  # the refusal is flashed
    plan = client.get(f"/manage/calls/{call.id}/assignments/plan").get_data(as_text=True)
    assert "cannot staff every proposal" in plan  # 3 evaluators, one in conflict with #1
    digest = re.search(r'name="digest"[^>]*value="([0-9a-f]+)"', plan)
    digest = digest or re.search(r'value="([0-9a-f]{64})"', plan)
    stale = client.post(f"/manage/calls/{call.id}/assignments/plan", data={"digest": "0" * 64})
    assert stale.status_code == 302 and stale.location.endswith("/plan")
    applied = client.post(
        f"/manage/calls/{call.id}/assignments/plan", data={"digest": digest.group(1)}
    )
    assert applied.status_code == 302 and applied.location.endswith("/assignments")
    rows = client.application.extensions["sqlalchemy"].session.scalars(select(Assignment)).all()
    assert len(rows) == 5  # one by hand, four planned: the first proposal stays one short
    assert not any(
        r.evaluator_id == conflicted.id and r.proposal_id == submissions[0].proposal_id
        for r in rows
    )
    removed = client.post(f"/manage/assignments/{rows[0].id}/remove", data={"reason": "Ill"})
    assert removed.status_code == 302
    assert mailbox.to(free[0].email)


def test_queue_puts_open_work_first_with_days_left(
    client, db, closed_call, create_evaluator, create_assignment, login_as
):
    from datetime import timedelta

    from grants import clock
    from grants.review.models import Evaluation, EvaluationState

    _, (s1, s2) = closed_call(n=2)
    evaluator = create_evaluator()
    done = create_assignment(s1, evaluator, AssignmentState.ACTIVE)
    done.due_at = clock.now() + timedelta(days=2, hours=1)  # due first, but submitted
    db.session.add(
        Evaluation(assignment_id=done.id, state=EvaluationState.SUBMITTED, submitted_at=clock.now())
    )
    create_assignment(s2, evaluator)  # due in 21 days, not declared
    db.session.commit()
    login_as(evaluator)
    page = client.get("/review").get_data(as_text=True)
    assert page.index(s2.content["acronym"]) < page.index(s1.content["acronym"])
    assert "due in 20 days 23 hours" in page and "due in 2 days" not in page


def test_declaration_errors_show_at_the_control(
    client, closed_call, create_evaluator, create_assignment, login_as
):
    _, (s1,) = closed_call(n=1)
    evaluator = create_evaluator()
    a = create_assignment(s1, evaluator)
    login_as(evaluator)
    response = client.post(f"/review/assignments/{a.id}/declare", data={"details": "Kept text"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # The summary links to the first option; each option carries the error.
    assert '<a href="#kind-0">Your declaration</a>: Choose one.' in page
    assert re.search(
        r'<input aria-describedby="kind-error" aria-invalid="true"[^>]*id="kind-0"', page
    )
    assert '<div id="kind-error" class="invalid-feedback d-block">Choose one.</div>' in page
    assert "Kept text</textarea>" in page  # what was typed is kept
    # Another conflict without details: the service's rule is shown at the details field.
    response = client.post(f"/review/assignments/{a.id}/declare", data={"kind": "other"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        '<div id="details-error" class="invalid-feedback">Describe the conflict of interest.</div>'
        in page
    )
    assert re.search(r'id="kind-\d+"[^>]*value="other" checked|checked[^>]*value="other"', page)
    assert "Send declaration" in page  # still pending, nothing recorded
