"""Routes of the review domain: the evaluator's queue, declaration and read-only proposal;
invitations to the pool and the evaluator profile; the programme managers' pool, per-call
assignments (by hand and the automatic plan, previewed before it is applied)."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from grants import clock
from grants.accounts.models import RoleName, User
from grants.accounts.permissions import roles_required
from grants.calls.models import Call
from grants.extensions import db
from grants.proposals import services as proposal_services
from grants.proposals.models import Submission
from grants.review import evaluation as evaluations
from grants.review import permissions, services
from grants.review.forms import (
    AcceptForm,
    ApplyPlanForm,
    AssignForm,
    DeclarationForm,
    DeclineForm,
    InviteForm,
    ProfileForm,
    RegisterEvaluatorForm,
    RemoveForm,
    evaluation_data,
    evaluation_form,
)
from grants.review.models import Assignment, AssignmentState, ConflictKind
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

    return {"review_perm": permissions, "review_summary": review_summary}


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
        acronym=a.submission.content.get("acronym") or a.submission.reference,
        declaration_form=DeclarationForm() if permissions.can_declare(current_user, a) else None,
        decline_form=DeclineForm(),
        submission=a.submission if content else None,
        c=a.submission.content if content else None,
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
        acronym=a.submission.content.get("acronym") or a.submission.reference,
        submission=a.submission,
        c=a.submission.content,
        labels=proposal_services.labels(),
        panel=evaluations.alignment_panel(a.submission),
        criteria=criteria,
        form=form,
        evaluation=saved,
        others=evaluations.others(a, current_user)
        if permissions.can_see_other_evaluations(current_user, a)
        else [],
        fmt_points=evaluations.fmt_points,
    )


@bp.route("/review/assignments/<int:assignment_id>/decline", methods=["POST"])
@roles_required(RoleName.EVALUATOR)
def decline(assignment_id: int):
    a = _assignment_or_404(assignment_id)
    form = DeclineForm()
    if form.validate_on_submit():
        services.decline(a, form.reason.data or "", current_user)
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
    form.submission_ids.choices = [
        (s.id, s.content.get("acronym") or s.reference) for s in submissions
    ]
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
