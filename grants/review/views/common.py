"""The review blueprint, its template globals and the lookups its routes share."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, abort
from flask_login import current_user

from grants import clock
from grants.calls.models import Call
from grants.extensions import db
from grants.proposals.models import Submission
from grants.review import permissions, services
from grants.review.charts import dashboard_charts, ranking_charts
from grants.review.models import Assignment

bp = Blueprint("review", __name__)
bp.add_app_template_global(ranking_charts, "ranking_charts")
bp.add_app_template_global(dashboard_charts, "dashboard_charts")


@bp.app_context_processor
def review_globals():
    def review_summary():
        if not permissions.is_evaluator(current_user):
            return None
        return services.queue(current_user)

    return {
        "review_perm": permissions,
        "review_summary": review_summary,
    }


def _end_of_working_day(day: date | None) -> datetime | None:
    """A due date is the end of the working day in Brussels."""
    return clock.brussels_to_utc(datetime.combine(day, time(17, 0))) if day else None


def _assignment_or_404(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not permissions.can_see_assignment(current_user, assignment):
        abort(404)
    return assignment


def _call_or_404(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    return call


def _submission_or_404(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission
