"""Evaluators' routes: the queue, declaration, evaluation and decline of an assignment, the
profile, invitations to the pool, and (as rapporteur) the consensus report."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from grants.accounts.permissions import requires
from grants.accounts.services import user_by_email
from grants.proposals import submitting
from grants.review import consensus as consensus_service
from grants.review import evaluation as evaluations
from grants.review import permissions, services
from grants.review import pool as evaluator_pool
from grants.review.forms import (
    AcceptForm,
    ConsensusForm,
    DeclarationForm,
    DeclineForm,
    ProfileForm,
    RegisterEvaluatorForm,
    evaluation_data,
    evaluation_form,
)
from grants.review.models import AssignmentState, ConflictKind, ConsensusState
from grants.review.services import ReviewError
from grants.review.views.common import _assignment_or_404, _submission_or_404, bp
from grants.taxonomy import services as taxonomy

# Evaluators ----------------------------------------------------------------------------------


@bp.route("/review")
@requires(permissions.is_evaluator)
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
        has_profile=evaluator_pool.has_profile(current_user),
        reports=consensus_service.rapporteur_reports(current_user),
    )


@bp.route("/review/assignments/<int:assignment_id>")
@requires(permissions.is_evaluator)
def assignment(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    form = DeclarationForm() if permissions.can_declare(current_user, a) else None
    return _assignment_page(a, form)


def _assignment_page(a, declaration_form: DeclarationForm | None, status: int = 200):
    """The assignment page; a declaration sent back with errors shows them at its fields."""
    g.no_store = True
    content = permissions.can_view_content(current_user, a)
    page = render_template(
        "review/assignment.html",
        a=a,
        consortium=services.consortium(a.submission),
        acronym=a.submission.label,
        declaration_form=declaration_form,
        decline_form=None if services.ranking_final(a.call_id) else DeclineForm(),
        submission=a.submission if content else None,
        c=a.submission.snapshot if content else None,
        labels=submitting.labels() if content else None,
    )
    return page, status


@bp.route("/review/assignments/<int:assignment_id>/declare", methods=["POST"])
@requires(permissions.is_evaluator)
def declare(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    if not permissions.can_declare(current_user, a):
        abort(404)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _assignment_page(a, form, 422)
    try:
        services.declare(a, ConflictKind(form.kind.data), form.details.data or "", current_user)
    except ReviewError as exc:
        # The one rule of the form the service checks: details for "another conflict".
        target = form.details if form.kind.data == ConflictKind.OTHER.value else form.kind
        target.errors = [*target.errors, str(exc)]
        return _assignment_page(a, form, 422)
    if a.state == AssignmentState.ACTIVE:
        flash("Thank you. The proposal is now open to you.", "success")
        return redirect(url_for(".evaluate", assignment_id=a.id))
    flash("Thank you. You have been released from this proposal.", "info")
    return redirect(url_for(".queue"))


@bp.route("/review/assignments/<int:assignment_id>/evaluate", methods=["GET", "POST"])
@requires(permissions.is_evaluator)
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
        labels=submitting.labels(),
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
@requires(permissions.is_evaluator)
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
@requires(permissions.is_evaluator)
def profile():
    existing = evaluator_pool.profile_of(current_user)
    form = ProfileForm(obj=existing) if request.method == "GET" and existing else ProfileForm()
    if request.method == "GET":
        if existing:
            form.recent_ties.data = "\n".join(existing.recent_ties or [])
            form.languages.data = ", ".join(existing.languages or [])
        else:
            form.max_load.data = evaluator_pool.DEFAULT_MAX_LOAD
    form.set_choices(
        [p for p in taxonomy.priorities() if p.kind in ("area", "dimension")],
        taxonomy.exploitation_forms(),
        taxonomy.countries(),
    )
    if form.validate_on_submit():
        evaluator_pool.save_profile(
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
        invite = evaluator_pool.invitation_by_token(token)
    except ReviewError as exc:
        return render_template("review/invitation.html", error=str(exc)), 404
    has_account = user_by_email(invite.email) is not None
    if current_user.is_authenticated:
        form = AcceptForm()
        if form.validate_on_submit():
            try:
                evaluator_pool.accept_invitation(invite, current_user)
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
            user = evaluator_pool.register_from_invitation(
                invite, form.full_name.data, form.password.data
            )
        except ReviewError as exc:
            form.password.errors = [str(exc)]
        else:
            login_user(user)
            flash("Welcome to the evaluator pool. Tell us about your expertise.", "success")
            return redirect(url_for(".profile"))
    return render_template("review/invitation.html", invite=invite, form=form, register=True)


def _criteria_errors(form, exc: evaluations.EvaluationError) -> None:
    for criterion_id, messages in exc.errors.items():
        comment = [m for m in messages if "comment" in m]
        if comment:
            form[f"comment_{criterion_id}"].errors = comment
        form[f"score_{criterion_id}"].errors = [m for m in messages if "comment" not in m]


@bp.route("/review/submissions/<int:submission_id>/consensus", methods=["GET", "POST"])
@requires(permissions.is_evaluator)
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
