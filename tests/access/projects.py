"""Access expectations of the funded-project routes. The world's applicant coordinates a
prepared grant and a running one (with a report waiting for a decision and a deliverable's
file); the coordinator of another organisation's project sees neither."""

from tests.access.common import LOGIN

# anonymous, applicant, other_applicant, evaluator, manager, admin, other_coordinator
LOGGED_IN = (LOGIN, 200, 200, 200, 200, 200, 200)
CONSORTIUM = (LOGIN, 200, 403, 403, 200, 200, 403)
COORDINATOR = (LOGIN, 200, 403, 403, 403, 403, 403)
MANAGER_PAGE = (LOGIN, 403, 403, 403, 200, 200, 403)
MANAGER_POST = (LOGIN, 403, 403, 403, 302, 302, 403)
CONFIRM = (LOGIN, 302, 403, 403, 302, 302, 403)  # managers are refused with a message
DECIDE = (LOGIN, 403, 403, 403, 422, 422, 403)  # an empty decision is refused at the field

EXPECTED = {
    "projects.index": ("GET", lambda w: {}, LOGGED_IN),
    "projects.view": ("GET", lambda w: {"grant_id": w["grant_running"]}, CONSORTIUM),
    "projects.prepare": ("GET", lambda w: {"submission_id": w["grant_selected"]}, MANAGER_PAGE),
    "projects.transition": (
        "POST",
        lambda w: {"grant_id": w["grant_prepared"], "status": "confirmed"},
        CONFIRM,
    ),
    "projects.report": (
        "GET",
        lambda w: {"grant_id": w["grant_running"], "period": 2},
        COORDINATOR,
    ),
    "projects.review_report": ("GET", lambda w: {"report_id": w["grant_report"]}, MANAGER_PAGE),
    "projects.accept_report": ("POST", lambda w: {"report_id": w["grant_report"]}, MANAGER_POST),
    "projects.edit_work_plan": (
        "GET",
        lambda w: {"grant_id": w["grant_prepared"], "part": "budget"},
        MANAGER_PAGE,
    ),
    "projects.monitoring_list": ("GET", lambda w: {}, MANAGER_PAGE),
    "projects.monitoring_export": ("GET", lambda w: {"fmt": "xlsx"}, MANAGER_PAGE),
    "projects.request_amendment": (
        "GET",
        lambda w: {"grant_id": w["grant_running"], "kind": "budget_transfer"},
        COORDINATOR,
    ),
    "projects.deliverable": (
        "GET",
        lambda w: {"grant_id": w["grant_running"], "number": 0},
        CONSORTIUM,
    ),
    "projects.deliverable_file": ("GET", lambda w: {"file_id": w["grant_file"]}, CONSORTIUM),
    "projects.amendment": ("GET", lambda w: {"amendment_id": w["grant_amendment"]}, CONSORTIUM),
    "projects.decide_amendment": (
        "POST",
        lambda w: {"amendment_id": w["grant_amendment"]},
        DECIDE,
    ),
}


def build(world: dict, fixtures: dict) -> None:
    from decimal import Decimal

    from grants.accounts.models import Organisation
    from grants.extensions import db
    from grants.projects import amendments, deliverables, services
    from grants.projects.models import AmendmentKind, GrantStatus
    from tests.factories.projects import grant_terms
    from tests.factories.proposals import MINIMAL_PDF

    selected = fixtures["selected_submission"]
    manager = world["users"]["manager"]
    applicant = world["users"]["applicant"]
    org = db.session.get(Organisation, world["org"])

    def grant(number, organisation=None, user=None, run=False):
        submission = selected(organisation=organisation or org, user=user or applicant)
        made = services.prepare_grant(submission, grant_terms(agreement_number=number), manager)
        if run:
            services.transition(made, GrantStatus.CONFIRMED, user or applicant)
            services.transition(made, GrantStatus.RUNNING, manager)
        return made

    world["grant_prepared"] = grant("GA-ACCESS-1").id
    running = grant("GA-ACCESS-2", run=True)
    world["grant_running"] = running.id
    world["grant_report"] = services.submit_report(
        running, 1, {"narrative": "Year one."}, Decimal("1000.00"), applicant
    ).id
    world["grant_file"] = deliverables.add_file(
        running, 0, "referral-guide.pdf", MINIMAL_PDF, applicant
    ).id
    world["grant_amendment"] = amendments.request(
        running, AmendmentKind.END_DATE, {"duration_months": 30}, "Late start.", applicant
    ).id
    world["grant_selected"] = selected(organisation=org, user=applicant).id
    other_org = fixtures["create_organisation"]()
    other = fixtures["create_user"](organisation=other_org)
    world["users"]["other_coordinator"] = other
    grant("GA-ACCESS-3", organisation=other_org, user=other, run=True)
