"""Access expectations of the proposal and submission routes.

The world's proposal belongs to `org` and is submitted; other applicants and (for now)
evaluators get a 404 on it, so that ids reveal nothing; programme managers see submissions
but not drafts."""

from tests.access.common import LOGIN, MANAGERS, MEMBERS

OWNER_ONLY = (LOGIN, 200, 404, 404, 404, 404)
OWNER_POST = (LOGIN, 302, 404, 404, 404, 404)
SUBMISSION = (LOGIN, 200, 404, 404, 200, 200)


def _p(w):
    return {"proposal_id": w["proposal"]}


EXPECTED = {
    "proposals.mine": ("GET", lambda w: {}, MEMBERS),
    "proposals.new": ("GET", lambda w: {}, (LOGIN, 200, 200, 302, 302, 302)),
    "proposals.view": ("GET", _p, OWNER_ONLY),
    "proposals.edit": ("GET", lambda w: {**_p(w), "section": "budget"}, OWNER_ONLY),
    "proposals.annexes": ("GET", _p, OWNER_ONLY),
    "proposals.annex": ("GET", lambda w: {**_p(w), "annex_id": w["annex"]}, OWNER_ONLY),
    "proposals.remove_annex": (
        "POST",
        lambda w: {**_p(w), "annex_id": w["annex"]},
        OWNER_POST,
    ),
    "proposals.submit": ("GET", _p, OWNER_ONLY),
    "proposals.withdraw": ("POST", _p, OWNER_POST),
    "proposals.submission": ("GET", lambda w: {"submission_id": w["submission"]}, SUBMISSION),
    "proposals.receipt_pdf": ("GET", lambda w: {"submission_id": w["submission"]}, SUBMISSION),
    "proposals.submission_annex": (
        "GET",
        lambda w: {"submission_id": w["submission"], "sha256": w["annex_sha256"]},
        SUBMISSION,
    ),
    "proposals.call_submissions": ("GET", lambda w: {"call_id": w["proposal_call"]}, MANAGERS),
    "proposals.decide_checks": (
        "POST",
        lambda w: {"submission_id": w["submission"]},
        (LOGIN, 404, 404, 404, 422, 422),  # an empty decision is refused at the field
    ),
}


def build(world: dict, fixtures: dict) -> None:
    from grants.accounts.models import Organisation
    from grants.extensions import db

    org = db.session.get(Organisation, world["org"])
    proposal = fixtures["create_proposal"](organisation=org, user=world["users"]["applicant"])
    submission = fixtures["submit_proposal"](proposal, user=world["users"]["applicant"])
    world["proposal"] = proposal.id
    world["proposal_call"] = proposal.call_id
    world["submission"] = submission.id
    world["annex"] = proposal.current_annexes[0].id
    world["annex_sha256"] = proposal.current_annexes[0].sha256
