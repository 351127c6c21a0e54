"""Routes of the review domain: the evaluator's queue, declaration, evaluation and (as
rapporteur) consensus report; invitations to the pool and the evaluator profile; the
programme managers' pool, per-call assignments (by hand and the automatic plan, previewed
before it is applied), the evaluation dashboard, consensus approval, the ranking with its
what-if budget, finalising and publishing; the applicants' result letters and Evaluation
Summary Reports."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from grants import clock
from grants.accounts.models import RoleName, User
from grants.accounts.permissions import roles_required
from grants.calls.models import Call, CallPhase
from grants.extensions import db
from grants.jobs.services import find as find_job
from grants.proposals import services as proposal_services
from grants.proposals.models import Submission
from grants.review import consensus as consensus_service
from grants.review import evaluation as evaluations
from grants.review import permissions, progress, reports, services
from grants.review import ranking as ranking_service
from grants.review.forms import (
    AcceptForm,
    ApplyPlanForm,
    AppointAllForm,
    AppointForm,
    ApproveForm,
    AssignForm,
    ConsensusForm,
    DeclarationForm,
    DeclineForm,
    FinaliseForm,
    InviteForm,
    ProfileForm,
    PublishForm,
    RegisterEvaluatorForm,
    RemoveForm,
    ReturnForm,
    evaluation_data,
    evaluation_form,
)
from grants.review.models import Assignment, AssignmentState, ConflictKind, ConsensusState
from grants.review.services import ReviewError
from grants.taxonomy import services as taxonomy

bp = Blueprint("review", __name__)

MANAGERS = (RoleName.PROGRAMME_MANAGER, RoleName.ADMIN)


@bp.app_context_processor
def review_globals():
    def review_summary():
        if not permissions.is_evaluator(current_user):
            return None
        return services.queue(current_user)

    return {
        "review_perm": permissions,
        "review_summary": review_summary,
        "result_letters": ranking_service.letters_of_proposals,
    }


def _due(day: date | None) -> datetime | None:
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


# Evaluators ----------------------------------------------------------------------------------


@bp.route("/review")
@roles_required(RoleName.EVALUATOR)
def queue():
    state = request.args.get("state", "")
    state = state if state in services.QUEUE_STATES else ""
    order = request.args.get("order", "due")
    order = order if order in services.QUEUE_ORDERS else "due"
    call_id = request.args.get("call", type=int)
    g.no_store = True
    return render_template(
        "review/queue.html",
        queue=services.queue(current_user, state, call_id, order),
        filters={"state": state, "order": order, "call": call_id},
        queue_states=services.QUEUE_STATES,
        has_profile=services.profile_of(current_user) is not None,
        reports=consensus_service.rapporteur_reports(current_user),
    )


@bp.route("/review/assignments/<int:assignment_id>")
@roles_required(RoleName.EVALUATOR)
def assignment(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    g.no_store = True
    content = permissions.can_view_content(current_user, a)
    return render_template(
        "review/assignment.html",
        a=a,
        consortium=services.consortium(a.submission),
        acronym=a.submission.label,
        declaration_form=DeclarationForm() if permissions.can_declare(current_user, a) else None,
        decline_form=None if services.ranking_final(a.call_id) else DeclineForm(),
        submission=a.submission if content else None,
        c=a.submission.snapshot if content else None,
        labels=proposal_services.labels() if content else None,
    )


@bp.route("/review/assignments/<int:assignment_id>/declare", methods=["POST"])
@roles_required(RoleName.EVALUATOR)
def declare(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    if not permissions.can_declare(current_user, a):
        abort(404)
    form = DeclarationForm()
    if not form.validate_on_submit():
        flash("Choose your declaration.", "danger")
        return redirect(url_for(".assignment", assignment_id=a.id))
    try:
        services.declare(a, ConflictKind(form.kind.data), form.details.data or "", current_user)
    except ReviewError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".assignment", assignment_id=a.id))
    if a.state == AssignmentState.ACTIVE:
        flash("Thank you. The proposal is now open to you.", "success")
        return redirect(url_for(".evaluate", assignment_id=a.id))
    flash("Thank you. You have been released from this proposal.", "info")
    return redirect(url_for(".queue"))


@bp.route("/review/assignments/<int:assignment_id>/evaluate", methods=["GET", "POST"])
@roles_required(RoleName.EVALUATOR)
def evaluate(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    if not permissions.can_evaluate(current_user, a):
        abort(404)
    g.no_store = True
    criteria = list(a.call.criteria)
    saved = evaluations.evaluation_of(a)
    form = evaluation_form(criteria, evaluations.allowed_points, evaluations.fmt_points, saved)
    if saved is None or not saved.is_submitted:
        if form.validate_on_submit():
            data = evaluation_data(form, criteria)
            version = int(form.version.data) if (form.version.data or "").isdigit() else 0
            try:
                if form.submit_evaluation.data:
                    evaluations.submit_evaluation(a, data, version, current_user)
                    flash("Your evaluation is submitted. Thank you.", "success")
                    return redirect(url_for(".evaluate", assignment_id=a.id))
                evaluations.save_draft(a, data, version, current_user)
            except evaluations.EvaluationError as exc:
                flash(str(exc), "danger")
                for criterion_id, messages in exc.errors.items():
                    field = form[f"score_{criterion_id}"]
                    if any("comment" in m for m in messages):
                        form[f"comment_{criterion_id}"].errors = [
                            m for m in messages if "comment" in m
                        ]
                    field.errors = [m for m in messages if "comment" not in m]
            else:
                flash("Your draft is saved.", "success")
                if form.save_next.data:
                    following = evaluations.next_assignment(current_user, a)
                    if following is None:
                        flash("Nothing else is waiting for your evaluation.", "info")
                        return redirect(url_for(".queue"))
                    return redirect(url_for(".evaluate", assignment_id=following.id))
                return redirect(url_for(".evaluate", assignment_id=a.id))
        elif form.is_submitted():
            flash("The form had expired; send it again.", "danger")
    saved = evaluations.evaluation_of(a)
    return render_template(
        "review/evaluate.html",
        a=a,
        acronym=a.submission.label,
        submission=a.submission,
        c=a.submission.snapshot,
        labels=proposal_services.labels(),
        panel=evaluations.alignment_panel(a.submission),
        criteria=criteria,
        form=form,
        evaluation=saved,
        others=evaluations.others(a, current_user)
        if permissions.can_see_other_evaluations(current_user, a)
        else [],
        fmt_points=evaluations.fmt_points,
        locked=services.ranking_final(a.call_id),
    )


@bp.route("/review/assignments/<int:assignment_id>/decline", methods=["POST"])
@roles_required(RoleName.EVALUATOR)
def decline(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline(a, form.reason.data or "", current_user)
        except ReviewError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".assignment", assignment_id=a.id))
        flash("You have declined this proposal; the programme will find a replacement.", "info")
    return redirect(url_for(".queue"))


@bp.route("/review/profile", methods=["GET", "POST"])
@roles_required(RoleName.EVALUATOR)
def profile():
    existing = services.profile_of(current_user)
    form = ProfileForm(obj=existing) if request.method == "GET" and existing else ProfileForm()
    if request.method == "GET":
        if existing:
            form.recent_ties.data = "\n".join(existing.recent_ties or [])
            form.languages.data = ", ".join(existing.languages or [])
        else:
            form.max_load.data = services.DEFAULT_MAX_LOAD
    form.set_choices(
        [p for p in taxonomy.priorities() if p.kind in ("area", "dimension")],
        taxonomy.exploitation_forms(),
        taxonomy.countries(),
    )
    if form.validate_on_submit():
        services.save_profile(
            current_user,
            {
                "organisation_name": form.organisation_name.data.strip(),
                "organisation_country": form.organisation_country.data,
                "recent_ties": [t.strip() for t in form.recent_ties.data.splitlines() if t.strip()],
                "priorities": form.priorities.data,
                "exploitation_forms": form.exploitation_forms.data,
                "languages": [
                    x.strip().lower() for x in (form.languages.data or "").split(",") if x.strip()
                ],
                "countries": form.countries.data,
                "max_load": form.max_load.data,
            },
        )
        flash("Your evaluator profile is saved.", "success")
        return redirect(url_for(".queue"))
    return render_template("review/profile.html", form=form)


@bp.route("/review/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    g.no_store = True
    try:
        invite = services.invitation_by_token(token)
    except ReviewError as exc:
        return render_template("review/invitation.html", error=str(exc)), 404
    has_account = services.user_by_email(invite.email) is not None
    if current_user.is_authenticated:
        form = AcceptForm()
        if form.validate_on_submit():
            try:
                services.accept_invitation(invite, current_user)
            except ReviewError as exc:
                flash(str(exc), "danger")
                return redirect(url_for(".invitation", token=token))
            flash("Welcome to the evaluator pool. Tell us about your expertise.", "success")
            return redirect(url_for(".profile"))
        return render_template("review/invitation.html", invite=invite, form=form)
    if has_account:
        return render_template("review/invitation.html", invite=invite, login_first=True)
    form = RegisterEvaluatorForm()
    if form.validate_on_submit():
        try:
            user = services.register_from_invitation(
                invite, form.full_name.data, form.password.data
            )
        except ReviewError as exc:
            form.password.errors = [str(exc)]
        else:
            login_user(user)
            flash("Welcome to the evaluator pool. Tell us about your expertise.", "success")
            return redirect(url_for(".profile"))
    return render_template("review/invitation.html", invite=invite, form=form, register=True)


# Programme managers ----------------------------------------------------------------------------


@bp.route("/manage/evaluators")
@roles_required(*MANAGERS)
def pool():
    form = InviteForm()
    form.call_id.choices = [("", "Any call (programme-wide)")] + [
        (str(c.id), c.reference) for c in db.session.scalars(select(Call).order_by(Call.reference))
    ]
    pool_ = services.evaluators()
    profiles = {u.id: services.profile_of(u) for u in pool_}
    calls = [c for c in db.session.scalars(select(Call).order_by(Call.deadline_at.desc()))
             if c.phase in services.EVALUATION_PHASES]  # fmt: skip
    return render_template(
        "review/pool.html",
        evaluators=pool_,
        profiles=profiles,
        loads=services.open_loads(),
        invitations=services.invitations(),
        form=form,
        calls=calls,
    )


@bp.route("/manage/evaluators/invite", methods=["POST"])
@roles_required(*MANAGERS)
def invite():
    form = InviteForm()
    form.call_id.choices = []
    if not form.validate_on_submit():
        flash("Enter at least one e-mail address.", "danger")
        return redirect(url_for(".pool"))
    call = (
        db.session.get(Call, int(form.call_id.data))
        if (form.call_id.data or "").isdigit()
        else None
    )
    try:
        invited = services.invite_evaluators(form.emails.data.split(), call, current_user)
    except ReviewError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".pool"))
    flash(f"{len(invited)} invitation(s) sent.", "success")
    return redirect(url_for(".pool"))


def _assign_form(call: Call, submissions: list[Submission], pool_: list[User]) -> AssignForm:
    form = AssignForm()
    form.submission_ids.choices = [(s.id, s.label) for s in submissions]
    form.evaluator_ids.choices = [(u.id, u.full_name) for u in pool_]
    return form


@bp.route("/manage/calls/<int:call_id>/assignments")
@roles_required(*MANAGERS)
def call_assignments(call_id: int):
    call = _call_or_404(call_id)
    submissions = services.evaluable_submissions(call)
    pool_ = services.evaluators()
    profiles = {u.id: services.profile_of(u) for u in pool_}
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
@roles_required(*MANAGERS)
def assign(call_id: int):
    call = _call_or_404(call_id)
    submissions = services.evaluable_submissions(call)
    pool_ = services.evaluators()
    form = _assign_form(call, submissions, pool_)
    if not form.validate_on_submit() or not form.submission_ids.data or not form.evaluator_ids.data:
        flash("Choose at least one proposal and one evaluator.", "danger")
        return redirect(url_for(".call_assignments", call_id=call.id))
    chosen_s = [s for s in submissions if s.id in form.submission_ids.data]
    chosen_e = [u for u in pool_ if u.id in form.evaluator_ids.data]
    created, errors = services.assign(
        chosen_s, chosen_e, current_user, _due(form.due_on.data), form.override_reason.data or ""
    )
    if created:
        flash(f"{len(created)} assignment(s) made; the evaluators have been notified.", "success")
    for error in errors:
        flash(error, "danger")
    return redirect(url_for(".call_assignments", call_id=call.id))


@bp.route("/manage/calls/<int:call_id>/assignments/plan")
@roles_required(*MANAGERS)
def plan(call_id: int):
    call = _call_or_404(call_id)
    view = services.build_plan(call)
    form = ApplyPlanForm(digest=view.digest)
    return render_template("review/plan.html", call=call, view=view, form=form)


@bp.route("/manage/calls/<int:call_id>/assignments/plan", methods=["POST"])
@roles_required(*MANAGERS)
def apply_plan(call_id: int):
    call = _call_or_404(call_id)
    form = ApplyPlanForm()
    if not form.validate_on_submit():
        flash("The form had expired; check the plan and apply it again.", "danger")
        return redirect(url_for(".plan", call_id=call.id))
    try:
        created = services.apply_plan(call, form.digest.data, current_user, _due(form.due_on.data))
    except ReviewError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".plan", call_id=call.id))
    flash(f"{len(created)} assignment(s) made; the evaluators have been notified.", "success")
    return redirect(url_for(".call_assignments", call_id=call.id))


@bp.route("/manage/assignments/<int:assignment_id>/remove", methods=["POST"])
@roles_required(*MANAGERS)
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


# Consensus -----------------------------------------------------------------------------------


def _submission_or_404(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    return submission


def _criteria_errors(form, exc: evaluations.EvaluationError) -> None:
    for criterion_id, messages in exc.errors.items():
        comment = [m for m in messages if "comment" in m]
        if comment:
            form[f"comment_{criterion_id}"].errors = comment
        form[f"score_{criterion_id}"].errors = [m for m in messages if "comment" not in m]


@bp.route("/review/submissions/<int:submission_id>/consensus", methods=["GET", "POST"])
@roles_required(RoleName.EVALUATOR)
def consensus(submission_id: int):
    submission = _submission_or_404(submission_id)
    report = consensus_service.report_of(submission)
    if report is None or not permissions.can_write_consensus(current_user, report):
        abort(404)
    g.no_store = True
    criteria = list(submission.call.criteria)
    problems = consensus_service.readiness(submission)
    # Others' evaluations open to the rapporteur once every one (their own too) is submitted.
    views = (
        []
        if problems
        else consensus_service.criterion_views(submission, current_user.id, names=False)
    )
    prefill = {v.criterion.id: v.prefill for v in views}
    form = evaluation_form(
        criteria,
        evaluations.allowed_points,
        evaluations.fmt_points,
        report,
        base=ConsensusForm,
        prefill=prefill,
    )
    if report.state == ConsensusState.DRAFT and form.is_submitted():
        if form.validate_on_submit():
            data = evaluation_data(form, criteria)
            data["overall"] = form.overall.data or ""
            version = int(form.version.data) if (form.version.data or "").isdigit() else 0
            try:
                if form.submit_consensus.data:
                    consensus_service.submit_consensus(report, data, version, current_user)
                    flash("The consensus report is sent to the programme for approval.", "success")
                else:
                    consensus_service.save_consensus(report, data, version, current_user)
                    flash("The consensus report is saved.", "success")
            except evaluations.EvaluationError as exc:
                flash(str(exc), "danger")
                _criteria_errors(form, exc)
            except ReviewError as exc:
                flash(str(exc), "danger")
            else:
                return redirect(url_for(".consensus", submission_id=submission.id))
        else:
            flash("Some fields need attention; see below.", "danger")
    return render_template(
        "review/consensus.html",
        submission=submission,
        report=report,
        views=views,
        form=form,
        problems=problems,
        locked=services.ranking_final(submission.call_id),
        fmt_points=evaluations.fmt_points,
        panel=evaluations.alignment_panel(submission),
    )


@bp.route("/manage/submissions/<int:submission_id>/review")
@roles_required(*MANAGERS)
def proposal_review(submission_id: int):
    submission = _submission_or_404(submission_id)
    report = consensus_service.report_of(submission)
    appoint_form = AppointForm()
    appoint_form.evaluator_id.choices = [
        (a.evaluator_id, a.evaluator.full_name)
        for a in consensus_service.active_assignments(submission)
    ]
    if report is not None and report.rapporteur_id:
        appoint_form.evaluator_id.data = report.rapporteur_id
    return render_template(
        "review/proposal_review.html",
        submission=submission,
        report=report,
        views=consensus_service.criterion_views(submission, None, names=True),
        score=consensus_service.proposal_score(submission),
        assignments=services.submission_assignments(submission),
        appoint_form=appoint_form,
        approve_form=ApproveForm(version=report.version if report else ""),
        return_form=ReturnForm(),
        problems=consensus_service.readiness(submission),
        locked=services.ranking_final(submission.call_id),
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/manage/submissions/<int:submission_id>/rapporteur", methods=["POST"])
@roles_required(*MANAGERS)
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
@roles_required(*MANAGERS)
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
        flash(f"{count} rapporteur(s) appointed and notified.", "success" if count else "info")
        for problem in problems:
            flash(problem, "warning")
    return redirect(url_for(".dashboard", call_id=call.id))


def _report_or_404(submission: Submission):
    report = consensus_service.report_of(submission)
    if report is None:
        abort(404)
    return report


@bp.route("/manage/submissions/<int:submission_id>/consensus/approve", methods=["POST"])
@roles_required(*MANAGERS)
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
@roles_required(*MANAGERS)
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


@bp.route("/manage/calls/<int:call_id>/evaluation")
@roles_required(*MANAGERS)
def dashboard(call_id: int):
    call = _call_or_404(call_id)
    return render_template(
        "review/dashboard.html",
        call=call,
        board=progress.dashboard(call),
        appoint_all_form=AppointAllForm(),
        open_phase=call.phase in (*services.EVALUATION_PHASES, CallPhase.RESULTS_PUBLISHED),
        locked=services.ranking_final(call.id),
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/manage/calls/<int:call_id>/ranking")
@roles_required(*MANAGERS)
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
    return render_template(
        "review/ranking.html",
        call=call,
        view=view,
        finalise_form=FinaliseForm(digest=view.digest),
        publish_form=PublishForm(),
        publication_problems=ranking_service.publication_problems(call),
        budgets=ranking_service.budgets_of(call),
        what_if_args=request.args,
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/manage/calls/<int:call_id>/ranking/finalise", methods=["POST"])
@roles_required(*MANAGERS)
def finalise(call_id: int):
    call = _call_or_404(call_id)
    form = FinaliseForm()
    if not form.validate_on_submit():
        for message in form.confirm.errors or ["The form had expired; try again."]:
            flash(message, "danger")
        return redirect(url_for(".ranking", call_id=call.id))
    try:
        ranking_service.finalise(call, form.digest.data, current_user)
    except ReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash("The ranking is final. The call's evaluations are locked.", "success")
    return redirect(url_for(".ranking", call_id=call.id))


@bp.route("/manage/calls/<int:call_id>/results/publish", methods=["POST"])
@roles_required(*MANAGERS)
def publish_results(call_id: int):
    call = _call_or_404(call_id)
    form = PublishForm()
    if not form.validate_on_submit():
        for message in form.confirm.errors or ["The form had expired; try again."]:
            flash(message, "danger")
        return redirect(url_for(".ranking", call_id=call.id))
    try:
        letters = ranking_service.publish_results(call, current_user)
    except ReviewError as exc:
        flash(str(exc), "danger")
    else:
        flash(
            f"The results are published: {len(letters)} result letter(s), in the applicants' "
            "dashboards; the e-mails are on their way.",
            "success",
        )
        back = url_for(".ranking", call_id=call.id)
        return redirect(url_for("jobs.status", job_id=find_job(f"results:{call.id}").id, back=back))
    return redirect(url_for(".ranking", call_id=call.id))


# Results for applicants ---------------------------------------------------------------------


@bp.route("/results/<int:submission_id>")
@login_required
def result(submission_id: int):
    submission = _submission_or_404(submission_id)
    letter = ranking_service.letter_of(submission)
    if not permissions.can_read_result(current_user, submission, letter):
        abort(404)
    g.no_store = True
    final = ranking_service.final_ranking(submission.call) is not None
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
    final = ranking_service.final_ranking(submission.call) is not None
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
