"""What cannot be undone asks once: the browser's dialog where JavaScript runs (app.js adds
confirmed=yes), a confirmation page that restates what will happen where it does not.

Submitting an evaluation: the evaluation form's "Submit" button posts here; a confirmed or
incomplete evaluation goes on to the evaluation route unchanged (307 keeps the POST and its
data), so there the submit or its messages happen as before. Finalising the ranking and
publishing the results: their routes render the page with the figures counted here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from grants.accounts.models import RoleName
from grants.accounts.permissions import roles_required
from grants.extensions import db
from grants.review import evaluation as evaluations
from grants.review import permissions
from grants.review.forms import evaluation_data, evaluation_form
from grants.review.models import Assignment, Outcome
from grants.review.ranking import RankingView, final_ranking
from grants.review.rows import submission_rows

bp = Blueprint("review_confirm", __name__)


@bp.route("/review/assignments/<int:assignment_id>/confirm-submit", methods=["POST"])
@roles_required(RoleName.EVALUATOR)
def confirm_submit(assignment_id: int):
    a = db.session.get(Assignment, assignment_id)
    if a is None or not permissions.can_see_assignment(current_user, a):
        abort(404)
    if not permissions.can_evaluate(current_user, a):  # as the evaluation route decides
        abort(404)
    onward = redirect(url_for("review.evaluate", assignment_id=a.id), code=307)
    if request.form.get("confirmed") == "yes":
        return onward
    criteria = list(a.call.criteria)
    form = evaluation_form(criteria, evaluations.allowed_points, evaluations.fmt_points)
    if not form.validate_on_submit():
        return onward
    data = evaluation_data(form, criteria)
    values, errors = evaluations.parse_scores(criteria, data)
    if errors or evaluations.incomplete(criteria, values):
        return onward  # not ready: the evaluation page says what is missing
    return render_template(
        "review/confirm_submit.html",
        a=a,
        acronym=a.submission.label,
        form=form,
        scores=[(c, values[c.id][0]) for c in criteria],
        total=sum(values[c.id][0] for c in criteria),
        fmt_points=evaluations.fmt_points,
    )


@dataclass(frozen=True)
class TopicFigures:
    """What finalising records for one topic (or the call's single list)."""

    code: str
    title: str
    selected: int
    reserve: int
    not_funded: int  # above the thresholds beyond the budget, or below a threshold
    committed: Decimal
    budget: Decimal


def finalise_figures(view: RankingView) -> list[TopicFigures]:
    return [
        TopicFigures(
            t.code,
            t.title,
            len(t.selected),
            len(t.reserve),
            len(t.not_selected) + len(t.below_threshold),
            t.committed,
            t.budget,
        )
        for t in view.topics
    ]


def publication_figures(call, view: RankingView | None = None) -> list[tuple[Outcome, int]]:
    """How many result letters of each outcome publishing writes, in the letters' order:
    a proposal the final ranking does not hold was never evaluated (not admissible). `view`,
    the ranking page's, gives the final ranking and the submissions it has read already."""
    final = view.final if view else final_ranking(call)
    status = {d["submission_id"]: d["status"] for d in final.decisions} if final else {}
    rows = view.submissions if view else submission_rows(call)
    counts = Counter(Outcome(status.get(s.id, Outcome.NOT_ADMISSIBLE.value)) for s in rows)
    return [(outcome, counts[outcome]) for outcome in Outcome if counts[outcome]]
