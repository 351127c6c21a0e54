"""Submitting and withdrawing a proposal, the submission page and its receipt PDF."""

from __future__ import annotations

import io

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from grants import clock
from grants.accounts.permissions import is_member
from grants.extensions import db
from grants.proposals import checks, forms, permissions, sections, submitting
from grants.proposals.errors import Incomplete, ProposalError, ProposalLocked, StaleProposal
from grants.proposals.views.common import _page, _proposal_or_404, _visible_submission_or_404, bp
from grants.security import races

# Submission and withdrawal ----------------------------------------------------------------


@bp.route("/proposals/<int:proposal_id>/submit", methods=["GET", "POST"])
@login_required
def submit(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = forms.SubmitForm()
    error, status, missing = "", 200, []
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                submission = races.submit_once(
                    proposal, current_user, form.token.data, form.version.data
                )
            except Incomplete as exc:
                error, status, missing = str(exc), 422, exc.missing
            except (StaleProposal, ProposalLocked) as exc:
                error, status = str(exc), 409
            except ProposalError as exc:
                error, status = str(exc), 422
            else:
                flash(
                    f"Submitted: version {submission.version} of {proposal.label} is received.",
                    "success",
                )
                return redirect(url_for("proposals.submission", submission_id=submission.id))
        else:
            error, status = "The form had expired; submit again.", 422
        db.session.rollback()
        proposal = _proposal_or_404(proposal_id)
    # A fresh token per page view: a double post of this page gives one submission.
    form.token.data = submitting.new_submit_token()
    form.version.data = str(proposal.version)
    report = checks.check(proposal)
    return _page(
        proposal,
        "proposals/submit.html",
        status,
        report=report,
        form=form,
        error=error,
        missing=missing,
        blocked=sections.submit_block_reason(proposal),
        current=proposal.current_submission,
        changed=submitting.has_unsubmitted_changes(proposal, report),
        section="submit",
    )


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = forms.VersionForm()
    if form.validate_on_submit():
        try:
            submitting.withdraw(proposal, current_user, form.version.data)
        except ProposalError as exc:
            flash(str(exc), "danger")
        else:
            flash(
                "The proposal is withdrawn: it will not be evaluated. You can submit it again "
                "before the deadline.",
                "success",
            )
    return redirect(url_for("proposals.view", proposal_id=proposal.id))


@bp.route("/submissions/<int:submission_id>")
@login_required
def submission(submission_id: int):
    submission = _visible_submission_or_404(submission_id)
    checks_form = None
    if permissions.can_decide_checks(current_user, submission):
        checks_form = forms.ChecksDecisionForm()
    return submission_page(submission, checks_form)


def submission_page(submission, checks_form=None):
    """The submission page; `checks_form` (the programme's decision on the checks) as typed,
    with its errors at the fields."""
    g.no_store = True
    member = is_member(current_user, submission.proposal.organisation)
    return render_template(
        "proposals/submission.html",
        submission=submission,
        c=submission.snapshot,
        labels=submitting.labels(),
        utc=clock.as_utc(submission.submitted_at).strftime("%d %b %Y %H:%M:%S UTC"),
        brussels=submitting.brussels_seconds(submission.submitted_at),
        is_member=member,
        versions=submitting.versions(submission) if member else [],
        checks_form=checks_form,
    )


@bp.route("/submissions/<int:submission_id>/receipt.pdf")
@login_required
def receipt_pdf(submission_id: int):
    submission = _visible_submission_or_404(submission_id)
    pdf = submitting.receipt_pdf(submission)
    g.no_store = True
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"receipt-{submission.reference}.pdf",
    )
