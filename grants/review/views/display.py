"""Applicants' routes: the result letter and the Evaluation Summary Report."""

from __future__ import annotations

from flask import Response, abort, g, render_template
from flask_login import current_user, login_required

from grants.review import evaluation as evaluations
from grants.review import permissions, reports, services
from grants.review import ranking as ranking_service
from grants.review.views.common import _submission_or_404, bp

# Results for applicants ---------------------------------------------------------------------


@bp.route("/results/<int:submission_id>")
@login_required
def result(submission_id: int):
    submission = _submission_or_404(submission_id)
    letter = ranking_service.letter_of(submission)
    if not permissions.can_read_result(current_user, submission, letter):
        abort(404)
    g.no_store = True
    final = services.ranking_final(submission.call_id)
    return render_template(
        "review/result.html",
        submission=submission,
        letter=letter,
        esr=reports.esr_of(submission),
        can_esr=permissions.can_read_esr(current_user, submission, letter, final),
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/results/<int:submission_id>/evaluation-summary.pdf")
@login_required
def esr_pdf(submission_id: int):
    submission = _submission_or_404(submission_id)
    letter = ranking_service.letter_of(submission)
    final = services.ranking_final(submission.call_id)
    if not permissions.can_read_esr(current_user, submission, letter, final):
        abort(404)
    esr = reports.esr_of(submission)
    if esr is None:
        abort(404)
    response = Response(reports.esr_pdf(esr), mimetype="application/pdf")
    name = f"ESR-{submission.reference}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
