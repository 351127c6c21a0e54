"""Routes of funded projects: the list (a coordinator's projects, or a manager's monitoring),
a project's page, grant preparation and signature, and reports with their decision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from grants.extensions import db
from grants.formatting import eur
from grants.pagination import paginate
from grants.projects import (
    amendments,
    deliverables,
    indicator_input,
    outcome_input,
    permissions,
    progress,
    recommendation_input,
    services,
    work_plan_input,
)
from grants.projects.forms import EmptyForm, PrepareForm, ReportForm, ReturnForm, WorkPlanEditForm
from grants.projects.models import Grant, GrantStatus, Report, ReportState

bp = Blueprint("projects", __name__, url_prefix="/projects")


def attach_problems(form, error: services.ProjectError) -> None:
    """Show a refused service call: its message on top, each problem at its field of `form`
    (None: a button's POST, without fields)."""
    for name, messages in error.problems.items():
        if form is not None and name in form:
            form[name].errors = list(form[name].errors) + messages
    flash(str(error), "danger")


def attempt(call, done, then, form=None):
    """Run a route's service call. Done: flash `done` and give the redirect to `then` (either
    may be a function of what the call returned). Refused: show why (attach_problems, at the
    fields of `form`) and give None, for the route to show its page again or go on."""
    try:
        outcome = call()
    except services.ProjectError as error:
        attach_problems(form, error)
        return None
    flash(done(outcome) if callable(done) else done, "success")
    return redirect(then(outcome) if callable(then) else then)


def _grant(grant_id: int) -> Grant:
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        abort(404)
    if not permissions.can_view(current_user, grant):
        abort(403)
    return grant


PROJECT_ROWS = 50  # funded projects a page of the list shows


@bp.get("/")
@login_required
def index():
    # The columns the list shows, as rows: no Grant objects (each would decode its work
    # plan's JSON); a page of PROJECT_ROWS at a time, counted and read in SQL.
    G = Grant
    query = select(
        G.id, G.acronym, G.title, G.agreement_number, G.status, G.max_contribution
    ).order_by(G.id)
    if not permissions.can_manage(current_user):
        ids = [m.organisation_id for m in current_user.memberships]
        query = query.where(Grant.organisation_id.in_(ids or [-1]))
    page = paginate(query, per_page=PROJECT_ROWS, rows=True)
    waiting = services.awaiting_grant() if permissions.can_manage(current_user) else []
    return render_template(
        "projects/index.html",
        page=page,
        waiting=waiting,
        services=services,
        can_monitor=permissions.can_manage(current_user),
    )


@bp.get("/<int:grant_id>")
@login_required
def view(grant_id: int):
    grant = _grant(grant_id)
    return render_template(
        "projects/view.html",
        grant=grant,
        periods=services.periods(grant),
        next_due=services.next_due(grant) if grant.status == GrantStatus.RUNNING else None,
        form=EmptyForm(),
        is_coordinator=permissions.can_report(current_user, grant),
        can_manage=permissions.can_manage(current_user, grant),
        services=services,
        amendments=amendments,
        progress=progress,
        files=deliverables.files_of(grant),
    )


@bp.route("/prepare/<int:submission_id>", methods=["GET", "POST"])
@login_required
def prepare(submission_id: int):
    from grants.proposals.models import Submission

    if not permissions.can_manage(current_user):
        abort(403)
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    refusal = services.eligible_for_grant(submission)
    form = PrepareForm(data=services.default_terms(submission))
    if not refusal and form.validate_on_submit():
        values = {name: form[name].data for name in services.default_terms(submission)}
        if prepared := attempt(
            lambda: services.prepare_grant(submission, values, current_user),
            "The grant is prepared; the coordinator is asked to confirm it.",
            lambda grant: url_for("projects.view", grant_id=grant.id),
            form,
        ):
            return prepared
    return render_template(
        "projects/prepare.html", form=form, submission=submission, refusal=refusal
    ), (422 if form.errors else 200)


@bp.route("/<int:grant_id>/work-plan/<part>", methods=["GET", "POST"])
@login_required
def edit_work_plan(grant_id: int, part: str):
    grant = _grant(grant_id)
    if part not in work_plan_input.PARTS:
        abort(404)
    if not permissions.can_manage(current_user):
        abort(403)
    form, rows = WorkPlanEditForm(), work_plan_input.blank_rows(grant, part)
    refusal = ""
    if grant.status != GrantStatus.PREPARED:
        refusal = "After signature the work plan changes only by an amendment."
    if request.method == "POST" and not refusal:
        rows, value = work_plan_input.read(grant, part, request.form)
        valid = form.validate_on_submit() and value is not None
        edited = valid and attempt(
            lambda: services.edit_work_plan(grant, part, value, form.reason.data, current_user),
            "The work plan is changed; the reason is kept with it.",
            url_for("projects.view", grant_id=grant.id),
            form,
        )
        if edited:
            return edited
    return render_template(
        "projects/work_plan.html",
        grant=grant,
        part=part,
        title=work_plan_input.PARTS[part][0],
        columns=work_plan_input.PARTS[part][1],
        rows=rows,
        form=form,
        refusal=refusal,
    ), (422 if form.errors or any(r.errors for r in rows) else 200)


@bp.post("/<int:grant_id>/status/<status>")
@login_required
def transition(grant_id: int, status: str):
    grant = _grant(grant_id)
    if status not in {s.value for s in GrantStatus}:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = url_for("projects.view", grant_id=grant.id)
    reason = request.form.get("reason", "")[:2000]
    return attempt(
        lambda: services.transition(grant, GrantStatus(status), current_user, reason=reason),
        lambda _: f"The grant is now {grant.status.label.lower()}.",
        back,
    ) or redirect(back)


@bp.route("/<int:grant_id>/reports/<int:period>", methods=["GET", "POST"])
@login_required
def report(grant_id: int, period: int):
    grant = _grant(grant_id)
    if not permissions.can_report(current_user, grant):
        abort(403)
    known = {p["number"]: p for p in services.periods(grant)}
    if period not in known:
        abort(404)
    previous = services.current_report(grant, period)
    form = ReportForm(data=_answer_to(previous) if request.method == "GET" else None)
    indicator_rows = indicator_input.rows(grant)
    if request.method == "POST":
        indicator_rows, indicator_values = indicator_input.read(grant, request.form)
    indicators_ok = not any(r.errors for r in indicator_rows)
    open_items = progress.open_items(grant)
    done = [k for k in request.form.getlist("done") if k in {i["key"] for i in open_items}]
    valid = form.validate_on_submit()
    outcomes, outcome_problems = outcome_input.read(form.outcomes.data or "")
    recommendations, problems = recommendation_input.read(form.recommendations.data or "")
    if request.method == "POST":
        form.outcomes.errors = list(form.outcomes.errors) + outcome_problems
        form.recommendations.errors = list(form.recommendations.errors) + problems
    if valid and indicators_ok and not problems and not outcome_problems:
        content = {
            "indicators": indicator_values,
            "done": done,
            "files": deliverables.files_for(grant, done),
            "narrative": form.narrative.data.strip(),
            "outcomes": outcomes,
            "recommendations": recommendations,
        }
        if submitted := attempt(
            lambda: services.submit_report(grant, period, content, form.costs.data, current_user),
            "The report is submitted to the programme manager.",
            url_for("projects.view", grant_id=grant.id),
            form,
        ):
            return submitted
    return render_template(
        "projects/report_form.html",
        grant=grant,
        period=known[period],
        form=form,
        previous=previous,
        indicator_rows=indicator_rows,
        definitions=(definitions := indicator_input.definitions()),
        breakdowns=indicator_input.breakdowns(),
        open_items=open_items,
        files=deliverables.files_of(grant),
        done=done,
        breakdowns_of={d.code: [b.code for b in d.breakdowns] for d in definitions},
    ), (422 if form.errors or not indicators_ok else 200)


def _answer_to(previous: Report | None) -> dict | None:
    """A report returned for changes starts its new version from what it said."""
    if previous is None or previous.state != ReportState.CHANGES_REQUESTED:
        return None
    content = previous.content or {}
    return {
        "narrative": content.get("narrative", ""),
        "costs": previous.costs,
        "outcomes": outcome_input.write(content.get("outcomes") or []),
        "recommendations": recommendation_input.write(content.get("recommendations") or []),
    }


def _report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    _grant(report.grant_id)
    if not permissions.can_manage(current_user):
        abort(403)
    return report


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@login_required
def review_report(report_id: int):
    report = _report(report_id)
    return_form = ReturnForm()
    if return_form.validate_on_submit() and (
        returned := attempt(
            lambda: services.request_changes(report, return_form.comment.data, current_user),
            "The report is returned to the coordinator for changes.",
            url_for("projects.view", grant_id=report.grant_id),
        )
    ):
        return returned
    return render_template(
        "projects/report_review.html",
        report=report,
        indicators=indicator_input.reported(report.content),
        ticked=progress.ticked(report.grant, report.content.get("done") or []),
        findings=progress.findings(report.grant, [report]),
        form=EmptyForm(),
        return_form=return_form,
        waiting=report.state == ReportState.SUBMITTED,
    ), (422 if return_form.errors else 200)


@bp.post("/reports/<int:report_id>/accept")
@login_required
def accept_report(report_id: int):
    report = _report(report_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = url_for("projects.view", grant_id=report.grant_id)
    return attempt(
        lambda: services.accept_report(report, current_user),
        lambda payment: f"The report is accepted; {payment.kind} payment {eur(payment.amount)}.",
        back,
    ) or redirect(back)


from grants.projects import (  # noqa: E402, F401  (join bp)
    amendment_views,
    deliverable_views,
    monitoring_views,
)
