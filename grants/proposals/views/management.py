"""The programme's view: a call's submissions with their filters, and the decision on the
automatic checks."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants.calls.models import Call
from grants.extensions import db
from grants.pagination import page_of
from grants.proposals import forms, permissions, programme
from grants.proposals.errors import ProposalError
from grants.proposals.views.common import _visible_submission_or_404, bp
from grants.proposals.views.submissions import submission_page

# The programme's view ---------------------------------------------------------------------

# A call's submissions are counted and filtered whole and shown a page at a time.
SUBMISSION_ROWS = 50


@bp.route("/calls/<int:call_id>/submissions")
@login_required
def call_submissions(call_id: int):
    if not permissions.can_view_submissions(current_user):
        abort(403)
    call = db.session.get(Call, call_id) or abort(404)
    filters = programme.SubmissionFilter(
        status=(request.args.get("status") or "")[:20],
        topic=(request.args.get("topic") or "")[:40],
        country=(request.args.get("country") or "").upper()[:2],
        priority=(request.args.get("priority") or "")[:30],
    )
    # Every submission filtered and counted on the few columns that takes; the page's rows
    # read in full.
    everything = programme.filter_rows(call)
    page = page_of(filters.kept(everything), per_page=SUBMISSION_ROWS)
    page.items = programme.listed_submissions(call, [row.id for row in page.items])
    return render_template(
        "proposals/call_submissions.html",
        call=call,
        page=page,
        filters=filters,
        choices=programme.filter_choices(call),
        countries=sorted(set().union(*(row.countries for row in everything))),
        overview=programme.overview(everything),
    )


@bp.route("/submissions/<int:submission_id>/review", methods=["POST"])
@login_required
def decide_checks(submission_id: int):
    submission = _visible_submission_or_404(submission_id)
    if not permissions.can_decide_checks(current_user, submission):
        abort(404)
    form = forms.ChecksDecisionForm()
    if form.validate_on_submit():
        yes = {"yes": True, "no": False}
        try:
            programme.decide_checks(
                submission,
                current_user,
                form.decision.data,
                form.reason.data or "",
                yes.get(form.admissible.data),
                yes.get(form.eligible.data),
            )
        except ProposalError as exc:
            # what the form cannot know (the ranking is final, the override changes nothing)
            form.decision.errors = [*form.decision.errors, str(exc)]
            return submission_page(submission, form), 422
        flash("The decision is recorded in the audit log.", "success")
        return redirect(url_for("proposals.submission", submission_id=submission.id))
    return submission_page(submission, form), 422
