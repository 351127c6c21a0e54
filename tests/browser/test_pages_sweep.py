"""Every page of the applicant, evaluator and manager journeys, of a funded project (its
reports, deliverables, work plan, monitoring) and of a consensus in draft, at 1280 and
390 px: no serious or critical axe-core violation, nothing that scrolls sideways on a phone,
and the same pages without JavaScript (the phone menu opens, nothing scrolls sideways).
SQLite only: the pages do not depend on the database, and the sweep is the slowest of the
browser tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants import clock
from tests.browser.sweep import check_page, log_in, sweep
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

SECTIONS = (
    "summary",
    "consortium",
    "relevance",
    "workplan",
    "targets",
    "priorities",
    "results",
    "budget",
)


def _log_in(page, base, user):
    log_in(page, base, user, PASSWORD)


def _assert_clean(problems):
    assert not problems, "\n" + "\n".join(problems)


def test_public_and_applicant_pages(
    page, live_server, create_call, create_proposal, submit_proposal
):
    now = clock.now()
    call = create_call(reference="AMIF-2026-THB-OPEN")
    create_call(
        reference="AMIF-2025-THB-PAST",
        opens_at=now - timedelta(days=120),
        deadline_at=now - timedelta(days=30),
    )
    draft = create_proposal(call=call, acronym="SAFE-HR")
    sent = submit_proposal(
        create_proposal(call=call, acronym="HAVEN", organisation=draft.organisation)
    )
    applicant = draft.organisation.memberships[0].user
    base = live_server.url
    problems = sweep(
        page,
        base,
        [
            "/",
            "/calls",
            "/calls?phase=closed",
            f"/calls/{call.id}",
            "/login",
            "/register",
            "/taxonomy/",
            "/taxonomy/countries",
        ],
    )
    _log_in(page, base, applicant)
    problems += sweep(
        page,
        base,
        [
            "/dashboard",
            f"/calls/{call.id}",
            "/proposals",
            f"/proposals/new?call_id={call.id}",
            f"/proposals/{draft.id}",
        ]
        + [f"/proposals/{draft.id}/edit/{s}" for s in SECTIONS]
        + [
            f"/proposals/{draft.id}/annexes",
            f"/proposals/{draft.id}/submit",
            f"/submissions/{sent.id}",
            "/organisations",
            f"/organisations/{draft.organisation_id}",
            "/account",
            "/notifications",
            "/notifications/preferences",
        ],
    )
    _assert_clean(problems)


def test_evaluator_pages(page, live_server, closed_call, create_evaluator, create_assignment):
    from grants.review.models import AssignmentState

    _, (s1, s2) = closed_call(n=2)
    evaluator = create_evaluator(name="Eva Expert")
    pending = create_assignment(s1, evaluator)
    active = create_assignment(s2, evaluator, AssignmentState.ACTIVE)
    base = live_server.url
    _log_in(page, base, evaluator)
    problems = sweep(
        page,
        base,
        [
            "/review",
            f"/review/assignments/{pending.id}",
            f"/review/assignments/{active.id}",
            f"/review/assignments/{active.id}/evaluate",
            "/review/profile",
        ],
    )
    _assert_clean(problems)


def test_manager_pages(page, live_server, evaluated, approve_all, create_user):
    call, submissions, _ = evaluated(n=3)
    manager = create_user(roles=("programme_manager", "admin"), name="Mona Manager")
    approve_all(call, submissions, manager)
    base = live_server.url
    _log_in(page, base, manager)
    problems = sweep(
        page,
        base,
        [
            "/manage/calls",
            "/manage/calls/new",
            f"/calls/{call.id}",
            f"/manage/calls/{call.id}/edit",
            f"/calls/{call.id}/submissions",
            f"/manage/calls/{call.id}/evaluation",
            f"/manage/calls/{call.id}/ranking",
            f"/manage/calls/{call.id}/assignments",
            f"/manage/submissions/{submissions[0].id}/review",
            "/manage/evaluators",
            "/audit/",
            "/admin/users",
            "/manage/jobs",
            "/dashboard",
            "/portfolio/",
            "/projects/",
        ],
    )
    _assert_clean(problems)
    # At 1280 px the ranking's budget-use table fits beside its chart (its Left column was cut
    # when "EUR 1 984 500.00 (66 %)" could not wrap before the percentage).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/manage/calls/{call.id}/ranking")
    box = page.evaluate(
        "() => { const b = document.querySelector('#budget-table').parentElement;"
        " return [b.scrollWidth, b.clientWidth]; }"
    )
    assert box[0] <= box[1] + 1, box


def test_pages_without_javascript(browser, live_server, create_proposal, create_user):
    draft = create_proposal(acronym="SAFE-HR")
    applicant = draft.organisation.memberships[0].user
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        base = live_server.url
        _log_in(page, base, applicant)
        # The phone menu opens without JavaScript, and Log out is in it.
        page.goto(base + "/proposals")
        logout = page.get_by_role("button", name="Log out")
        assert not logout.is_visible()
        page.get_by_text("Menu").click()
        assert logout.is_visible()
        problems = sweep(
            page,
            base,
            ["/calls", "/proposals", f"/proposals/{draft.id}"]
            + [f"/proposals/{draft.id}/edit/{s}" for s in SECTIONS]
            + [f"/proposals/{draft.id}/submit"],
            javascript=False,
        )
        _assert_clean(problems)
    finally:
        context.close()


def test_consensus_in_draft(page, live_server, evaluated_call, create_user):
    """The rapporteur's consensus form while the report is a draft (saved once), and the
    manager's review page of the same proposal at that stage."""
    from grants.review import consensus

    setup = evaluated_call(n=1, evaluators=2)
    submission, rapporteur = setup.submissions[0], setup.evaluators[0]
    manager = create_user(roles=("programme_manager",), name="Mona Manager")
    consensus.appoint(submission, rapporteur, manager)
    base = live_server.url
    _log_in(page, base, rapporteur)
    problems = sweep(page, base, [f"/review/submissions/{submission.id}/consensus"])
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    problems += check_page(page, "consensus-saved")
    page.context.clear_cookies()
    _log_in(page, base, manager)
    problems += sweep(
        page,
        base,
        [
            f"/manage/submissions/{submission.id}/review",
            f"/manage/calls/{submission.call_id}/evaluation",
        ],
    )
    _assert_clean(problems)
