"""Programme managers' routes: the pool and its invitations, per-call assignments (by hand and
the automatic plan, previewed before it is applied), a proposal's review with rapporteurs
and consensus approval, the evaluation dashboard, the ranking with its what-if budget,
finalising and publishing."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from grants.accounts.models import User
from grants.accounts.permissions import requires
from grants.calls.models import Call, CallPhase
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs.services import find as find_job
from grants.pagination import Page, page_of
from grants.proposals.models import Submission
from grants.review import confirm, permissions, progress, services
from grants.review import consensus as consensus_service
from grants.review import evaluation as evaluations
from grants.review import pool as evaluator_pool
from grants.review import ranking as ranking_service
from grants.review.forms import (
    ApplyPlanForm,
    AppointAllForm,
    AppointForm,
    ApproveForm,
    AssignForm,
    FinaliseForm,
    InviteForm,
    PublishForm,
    RemoveForm,
    ReturnForm,
)
from grants.review.models import Assignment, AssignmentState
from grants.review.services import ReviewError
from grants.review.views.common import _call_or_404, _end_of_working_day, _submission_or_404, bp
from grants.review.views.ranking_cells import score_cells

# Programme managers ----------------------------------------------------------------------------


def _call_choices() -> list[tuple[str, str]]:
    calls = db.session.scalars(select(Call).order_by(Call.reference))
    return [("", "Any call (programme-wide)")] + [(str(c.id), c.reference) for c in calls]


@bp.route("/manage/evaluators")
@requires(permissions.can_manage_evaluation)
def pool(form: InviteForm | None = None, status: int = 200):
    if form is None:
        form = InviteForm(formdata=None)
    form.call_id.choices = _call_choices()
    pool_ = evaluator_pool.evaluators()
    profiles = {u.id: evaluator_pool.profile_of(u) for u in pool_}
    calls = [c for c in db.session.scalars(select(Call).order_by(Call.deadline_at.desc()))
             if c.phase in services.EVALUATION_PHASES]  # fmt: skip
    return render_template(
        "review/pool.html",
        evaluators=pool_,
        profiles=profiles,
        loads=services.open_loads(),
        invitations=evaluator_pool.invitations(),
        form=form,
        calls=calls,
    ), status


@bp.route("/manage/evaluators/invite", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def invite():
    """Invite the e-mail addresses of the list; any entry that is not one stays in the box
    with a message at the field, and the good ones are invited all the same."""
    form = InviteForm()
    form.call_id.choices = []
    if not form.validate_on_submit():
        form.emails.errors = ["Enter at least one e-mail address."]
        return pool(form, 422)
    call = (
        db.session.get(Call, int(form.call_id.data))
        if (form.call_id.data or "").isdigit()
        else None
    )
    good, bad = evaluator_pool.sort_addresses(form.emails.data)
    invited = evaluator_pool.invite_evaluators(good, call, current_user) if good else []
    if invited:
        flash(f"{count_of(len(invited), 'invitation')} sent: {', '.join(invited)}.", "success")
    if bad:
        form.emails.data = "\n".join(bad)
        form.emails.errors = [
            ("These are not e-mail addresses" if len(bad) > 1 else "This is not an e-mail address")
            + f": {', '.join(bad)}. Correct "
            + ("them" if len(bad) > 1 else "it")
            + " and send again"
            + ("; the other addresses are invited." if invited else ".")
        ]
        return pool(form, 422)
    if request.form.get("back") == "users":
        return redirect(url_for("accounts.admin_users"))
    return redirect(url_for(".pool"))


def _assign_form(call: Call, submissions: list[Submission], pool_: list[User]) -> AssignForm:
    form = AssignForm()
    form.submission_ids.choices = [(s.id, s.label) for s in submissions]
    form.evaluator_ids.choices = [(u.id, u.full_name) for u in pool_]
    return form


@bp.route("/manage/calls/<int:call_id>/assignments")
@requires(permissions.can_manage_evaluation)
def call_assignments(call_id: int):
    call = _call_or_404(call_id)
    submissions = services.evaluable_submissions(call)
    pool_ = evaluator_pool.evaluators()
    profiles = {u.id: evaluator_pool.profile_of(u) for u in pool_}
    by_proposal: dict[int, list[Assignment]] = {}
    for a in services.call_assignments(call):
        by_proposal.setdefault(a.proposal_id, []).append(a)
    conflicts = {
        s.id: {
            u.id: services.likely_conflicts(s, u, profiles[u.id])
            for u in pool_
            if services.likely_conflicts(s, u, profiles[u.id])
        }
        for s in submissions
    }
    plan = services.build_plan(call) if submissions else None
    return render_template(
        "review/call_assignments.html",
        call=call,
        submissions=submissions,
        by_proposal=by_proposal,
        conflicts=conflicts,
        evaluators={u.id: u for u in pool_},
        plan=plan,
        form=_assign_form(call, submissions, pool_),
        remove_form=RemoveForm(),
        open_phase=call.phase in services.EVALUATION_PHASES,
    )


@bp.route("/manage/calls/<int:call_id>/assignments", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def assign(call_id: int):
    call = _call_or_404(call_id)
    submissions = services.evaluable_submissions(call)
    pool_ = evaluator_pool.evaluators()
    form = _assign_form(call, submissions, pool_)
    if not form.validate_on_submit() or not form.submission_ids.data or not form.evaluator_ids.data:
        flash("Choose at least one proposal and one evaluator.", "danger")
        return redirect(url_for(".call_assignments", call_id=call.id))
    chosen_s = [s for s in submissions if s.id in form.submission_ids.data]
    chosen_e = [u for u in pool_ if u.id in form.evaluator_ids.data]
    created, errors = services.assign(
        chosen_s,
        chosen_e,
        current_user,
        _end_of_working_day(form.due_on.data),
        form.override_reason.data or "",
    )
    if created:
        flash(_assignments_made(created), "success")
    for error in errors:
        flash(error, "danger")
    return redirect(url_for(".call_assignments", call_id=call.id))


@bp.route("/manage/calls/<int:call_id>/assignments/plan")
@requires(permissions.can_manage_evaluation)
def plan(call_id: int):
    call = _call_or_404(call_id)
    view = services.build_plan(call)
    form = ApplyPlanForm(digest=view.digest)
    return render_template("review/plan.html", call=call, view=view, form=form)


@bp.route("/manage/calls/<int:call_id>/assignments/plan", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def apply_plan(call_id: int):
    call = _call_or_404(call_id)
    form = ApplyPlanForm()
    if not form.validate_on_submit():
        flash("The form had expired; check the plan and apply it again.", "danger")
        return redirect(url_for(".plan", call_id=call.id))
    try:
        created = services.apply_plan(
            call, form.digest.data, current_user, _end_of_working_day(form.due_on.data)
        )
    except ReviewError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".plan", call_id=call.id))
    flash(_assignments_made(created), "success")
    return redirect(url_for(".call_assignments", call_id=call.id))


def _assignments_made(created: list[Assignment]) -> str:
    """'1 assignment made; the evaluator has been notified.', '4 assignments made; the
    evaluators have been notified.' (by the evaluators, not the assignments)."""
    told = (
        "the evaluator has"
        if len({a.evaluator_id for a in created}) == 1
        else "the evaluators have"
    )
    return f"{count_of(len(created), 'assignment')} made; {told} been notified."


@bp.route("/manage/assignments/<int:assignment_id>/remove", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def remove(assignment_id: int):
    a = db.session.get(Assignment, assignment_id)
    if a is None:
        abort(404)
    form = RemoveForm()
    if not form.validate_on_submit():
        flash("Give a reason for removing the evaluator.", "danger")
    else:
        try:
            services.remove(a, form.reason.data, current_user)
            flash("The evaluator was removed from this proposal.", "success")
        except ReviewError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".call_assignments", call_id=a.call_id))


@bp.route("/manage/submissions/<int:submission_id>/review")
@requires(permissions.can_manage_evaluation)
def proposal_review(submission_id: int):
    reading = consensus_service.manager_reading(submission_id)
    if reading is None:
        abort(404)
    submission, report, locked = reading
    # Every assignment (ended ones too) and the counted evaluations, read once for the page.
    assignments = services.submission_assignments(submission)
    counted = evaluations.counted_among(assignments)
    appoint_form = AppointForm()
    appoint_form.evaluator_id.choices = [
        (a.evaluator_id, a.evaluator.full_name)
        for a in assignments
        if a.state == AssignmentState.ACTIVE
    ]
    if report is not None and report.rapporteur_id:
        appoint_form.evaluator_id.data = report.rapporteur_id
    score = consensus_service.proposal_score(submission, counted=counted)
    return render_template(
        "review/proposal_review.html",
        submission=submission,
        report=report,
        views=consensus_service.criterion_views(
            submission, None, names=True, counted=counted, score=score
        ),
        score=score,
        assignments=assignments,
        appoint_form=appoint_form,
        approve_form=ApproveForm(version=report.version if report else ""),
        return_form=ReturnForm(),
        problems=consensus_service.readiness(submission, counted, assignments),
        locked=locked,
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/manage/submissions/<int:submission_id>/rapporteur", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def appoint(submission_id: int):
    submission = _submission_or_404(submission_id)
    form = AppointForm()
    form.evaluator_id.choices = [
        (a.evaluator_id, a.evaluator.full_name)
        for a in consensus_service.active_assignments(submission)
    ]
    if not form.validate_on_submit():
        flash("Choose one of the proposal's evaluators who declared no conflict.", "danger")
    else:
        evaluator = db.session.get(User, form.evaluator_id.data)
        try:
            consensus_service.appoint(submission, evaluator, current_user)
            flash(f"{evaluator.full_name} is the rapporteur; they have been notified.", "success")
        except ReviewError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".proposal_review", submission_id=submission.id))


@bp.route("/manage/calls/<int:call_id>/rapporteurs", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def appoint_all(call_id: int):
    call = _call_or_404(call_id)
    form = AppointAllForm()
    if not form.validate_on_submit():
        flash("The form had expired; try again.", "danger")
        return redirect(url_for(".dashboard", call_id=call.id))
    try:
        count, problems = consensus_service.appoint_all(
            call, services.evaluable_submissions(call), current_user
        )
    except ReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash(
            f"{count_of(count, 'rapporteur')} appointed and notified.",
            "success" if count else "info",
        )
        for problem in problems:
            flash(problem, "warning")
    return redirect(url_for(".dashboard", call_id=call.id))


def _report_or_404(submission: Submission):
    report = consensus_service.report_of(submission)
    if report is None:
        abort(404)
    return report


@bp.route("/manage/submissions/<int:submission_id>/consensus/approve", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def approve_consensus(submission_id: int):
    submission = _submission_or_404(submission_id)
    report = _report_or_404(submission)
    form = ApproveForm()
    if not form.validate_on_submit() or not (form.version.data or "").isdigit():
        flash("The form had expired; try again.", "danger")
    else:
        try:
            consensus_service.approve(report, current_user, int(form.version.data))
            flash("The consensus is approved; it now counts for the ranking.", "success")
        except ReviewError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".proposal_review", submission_id=submission.id))


@bp.route("/manage/submissions/<int:submission_id>/consensus/return", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def return_consensus(submission_id: int):
    submission = _submission_or_404(submission_id)
    report = _report_or_404(submission)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash("Say why the report goes back to the rapporteur.", "danger")
    else:
        try:
            consensus_service.return_to_rapporteur(report, form.reason.data, current_user)
            flash("The report went back to the rapporteur, who has been notified.", "success")
        except ReviewError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".proposal_review", submission_id=submission.id))


# The call's evaluation: dashboard, ranking and results -------------------------------------


DASHBOARD_ROWS = 50  # proposals per page of the evaluation dashboard's table
DASHBOARD_DISAGREEMENTS = 10  # listed with their scores; the table's filter shows them all


@bp.route("/manage/calls/<int:call_id>/evaluation")
@requires(permissions.can_manage_evaluation)
def dashboard(call_id: int):
    call = _call_or_404(call_id)
    board = progress.dashboard(call)
    show = request.args.get("show", "all")
    show = show if show in progress.SHOWN else "all"
    return render_template(
        "review/dashboard.html",
        call=call,
        board=board,
        show=show,
        page=page_of(board.shown(show), per_page=DASHBOARD_ROWS),
        disagreements_listed=DASHBOARD_DISAGREEMENTS,
        appoint_all_form=AppointAllForm(),
        open_phase=call.phase in (*services.EVALUATION_PHASES, CallPhase.RESULTS_PUBLISHED),
        locked=services.ranking_final(call.id),
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/manage/calls/<int:call_id>/ranking")
@requires(permissions.can_manage_evaluation)
def ranking(call_id: int):
    call = _call_or_404(call_id)
    g.no_store = True
    if call.phase not in (*services.EVALUATION_PHASES, CallPhase.RESULTS_PUBLISHED):
        return render_template("review/ranking.html", call=call, view=None)
    what_if, errors = ranking_service.parse_budgets(call, request.args)
    for error in errors:
        flash(error, "danger")
    try:
        view = ranking_service.build(call, what_if or None)
    except ValueError as exc:  # the call's rules cannot rank (e.g. a broken tie-break rule)
        return render_template("review/ranking.html", call=call, view=None, error=str(exc))
    problems = ranking_service.publication_problems(call, view)
    return render_template(
        "review/ranking.html",
        call=call,
        view=view,
        long_lists=_ranking_pages(view),
        finalise_form=FinaliseForm(digest=view.digest),
        publish_form=PublishForm(),
        publication_problems=problems,
        letters=sum(n for _, n in confirm.publication_figures(call, view))
        if view.final and not problems
        else 0,
        budgets=ranking_service.budgets_of(call),
        what_if_args=request.args,
        fmt_points=evaluations.fmt_points,
        score_cells=score_cells,
    )


# The ranking's long lists, each topic's proposals not selected and those below a threshold,
# are shown a page at a time (the whole ranking is still computed: ranks run across pages);
# the selected and the reserve, which a manager reads as a whole, are shown in full.
RANKING_ROWS = 50


def _ranking_pages(view) -> dict[str, dict[str, Page]]:
    """Topic code -> {"not-selected": Page, "below": Page}, each with its own query argument."""
    out = {}
    for topic in view.topics:
        name = topic.code or "call"
        out[topic.code] = {
            kind: page_of(rows, per_page=RANKING_ROWS, param=f"{kind}-{name}")
            for kind, rows in (
                ("not-selected", topic.not_selected),
                ("below", topic.below_threshold),
            )
        }
    return out


@bp.route("/manage/calls/<int:call_id>/ranking/finalise", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def finalise(call_id: int):
    call = _call_or_404(call_id)
    form = FinaliseForm()
    if not form.validate_on_submit():
        flash("The form had expired; try again.", "danger")
        return redirect(url_for(".ranking", call_id=call.id))
    if request.form.get("confirmed") != "yes":  # no JavaScript: ask on a page
        view = ranking_service.build(call)
        return render_template(
            "review/confirm_ranking.html",
            call=call,
            action="finalise",
            form=form,
            changed=view.digest != form.digest.data,
            topics=confirm.finalise_figures(view),
        )
    try:
        ranking_service.finalise(call, form.digest.data, current_user)
    except ReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash("The ranking is final. The call's evaluations are locked.", "success")
    return redirect(url_for(".ranking", call_id=call.id))


@bp.route("/manage/calls/<int:call_id>/results/publish", methods=["POST"])
@requires(permissions.can_manage_evaluation)
def publish_results(call_id: int):
    call = _call_or_404(call_id)
    form = PublishForm()
    if not form.validate_on_submit():
        flash("The form had expired; try again.", "danger")
        return redirect(url_for(".ranking", call_id=call.id))
    if request.form.get("confirmed") != "yes":  # no JavaScript: ask on a page
        outcomes = confirm.publication_figures(call)
        return render_template(
            "review/confirm_ranking.html",
            call=call,
            action="publish",
            form=form,
            problems=ranking_service.publication_problems(call),
            outcomes=outcomes,
            letters=sum(n for _, n in outcomes),
        )
    try:
        letters = ranking_service.publish_results(call, current_user)
    except ReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash(  # one letter still goes by e-mail to the submitter and the contacts
            f"The results are published: {count_of(len(letters), 'result letter')}, in the "
            "applicants' dashboards; the e-mails are on their way.",
            "success",
        )
        back = url_for(".ranking", call_id=call.id)
        return redirect(url_for("jobs.status", job_id=find_job(f"results:{call.id}").id, back=back))
    return redirect(url_for(".ranking", call_id=call.id))
