"""Routes of the calls domain: the public list and call pages with the call document (PDF), and
the programme managers' pages to create, edit, publish and close calls."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from grants import clock
from grants.accounts.permissions import requires
from grants.calls import permissions, services
from grants.calls.forms import CallForm, TransitionForm
from grants.calls.models import Call, CallPhase, CallStatus
from grants.calls.services import CallError, CallFilter
from grants.extensions import db
from grants.formatting import points
from grants.taxonomy import services as taxonomy

bp = Blueprint("calls", __name__)


def _visible_call_or_404(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    # A draft is a 404 for those who may not see it, like a missing call.
    if call is None or not permissions.can_view_call(current_user, call):
        abort(404)
    return call


# Public pages -------------------------------------------------------------------------------


@bp.route("/calls")
def index():
    funds = {f.code: f for f in taxonomy.funds()}
    priorities = {p.code: p for p in taxonomy.priorities()}
    filters = CallFilter(
        fund=request.args.get("fund", "") if request.args.get("fund") in funds else "",
        priority=request.args.get("priority", "")
        if request.args.get("priority") in priorities
        else "",
        phase=request.args.get("phase", "")
        if request.args.get("phase") in {p.value for p in services.PUBLIC_PHASES}
        else "",
    )
    return render_template(
        "calls/index.html",
        groups=services.public_calls(filters),
        filters=filters,
        funds=funds,
        priorities=[p for p in priorities.values() if p.kind in ("area", "dimension")],
        phases=services.PUBLIC_PHASES,
    )


@bp.route("/calls/<int:call_id>")
def detail(call_id: int):
    call = _visible_call_or_404(call_id)
    return render_template(
        "calls/detail.html",
        call=call,
        phase=call.phase,
        can_manage=permissions.can_manage_calls(current_user),
    )


@bp.route("/calls/<int:call_id>/call-document.pdf")
def document(call_id: int):
    call = _visible_call_or_404(call_id)
    digest = services.content_hash(call)
    if request.if_none_match.contains(digest):
        return Response(status=304)
    pdf = _cached_pdf(call, digest)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{call.reference}.pdf"'
    response.set_etag(digest)
    return response


def _cached_pdf(call: Call, digest: str) -> bytes:
    """The call document, rendered once per version of the call's content."""
    from grants.pdf import cached, render_pdf

    path = Path(current_app.instance_path) / "cache" / "calls" / f"{digest}.pdf"
    return cached(
        path, lambda: render_pdf("calls/document.html", call=call, generated_at=clock.now())
    )


# Programme managers ---------------------------------------------------------------------------


@bp.route("/manage/calls")
@requires(permissions.can_manage_calls)
def manage():
    return render_template("calls/manage.html", calls=services.all_calls())


@bp.route("/manage/calls/new", methods=["GET", "POST"])
@requires(permissions.can_manage_calls)
def new():
    form = CallForm.blank()
    if form.validate_on_submit():
        try:
            call = services.create_call(form.values(), current_user)
        except CallError as exc:
            form.add_problems(exc.problems)
        else:
            flash(f"The call {call.reference} is saved as a draft.", "success")
            return redirect(url_for("calls.detail", call_id=call.id))
    status = 422 if form.errors else 200
    return render_template("calls/form.html", form=form, call=None, **_form_context()), status


@bp.route("/manage/calls/<int:call_id>/edit", methods=["GET", "POST"])
@requires(permissions.can_manage_calls)
def edit(call_id: int):
    call = _visible_call_or_404(call_id)
    if not permissions.can_edit_call(current_user, call):
        abort(403)
    form = CallForm.for_call(services.call_values(call))
    if form.validate_on_submit():
        try:
            changes = services.update_call(call, form.values(), current_user)
        except CallError as exc:
            db.session.rollback()
            form.add_problems(exc.problems)
        else:
            flash(
                "The call is saved." if changes else "Nothing changed.",
                "success" if changes else "info",
            )
            return redirect(url_for("calls.detail", call_id=call.id))
    status = 422 if form.errors else 200
    editable = services.editable_fields(call)
    return (
        render_template(
            "calls/form.html",
            form=form,
            call=call,
            editable=editable,
            editable_labels=sorted(services.FIELD_LABELS[f] for f in editable or ()),
            **_form_context(),
        ),
        status,
    )


@bp.route("/manage/calls/<int:call_id>/status", methods=["POST"])
@requires(permissions.can_manage_calls)
def change_status(call_id: int):
    call = _visible_call_or_404(call_id)
    form = TransitionForm()
    if not form.validate_on_submit() or form.target.data not in {s.value for s in CallStatus}:
        flash("Choose what to do with the call.", "danger")
        return redirect(url_for("calls.detail", call_id=call.id))
    target = CallStatus(form.target.data)
    # What cannot be undone is asked once: by the browser's dialog where JavaScript runs
    # (app.js then sends confirmed=yes), by this page where it does not.
    if target in services.CONFIRM_FIRST and request.form.get("confirmed") != "yes":
        return render_template(
            "calls/confirm.html",
            call=call,
            target=target,
            question=services.CONFIRM_FIRST[target].format(reference=call.reference),
        )
    try:
        services.transition(call, target, current_user)
    except CallError as exc:
        db.session.rollback()
        flash(f"The call stays {call.phase.label.lower()}: {exc}", "danger")
    else:
        flash(f"The call {call.reference} is now {call.phase.label.lower()}.", "success")
    return redirect(url_for("calls.detail", call_id=call.id))


def _form_context() -> dict:
    return {
        "priority_codes": taxonomy.priorities(kind="dimension") + taxonomy.priorities(kind="area"),
        "phase_open": CallPhase.OPEN,
    }


# Template helpers ---------------------------------------------------------------------------


@bp.app_template_filter("remaining")
def remaining_filter(deadline):
    return services.remaining(deadline)


@bp.app_template_filter("tie_breaks")
def tie_breaks_filter(call):
    return "; ".join(services.describe_tie_breaks(call))


@bp.app_template_filter("countries")
def countries_filter(codes):
    return services.describe_countries(codes)


@bp.app_template_filter("org_type")
def org_type_filter(value):
    from grants.accounts.models import ORGANISATION_TYPE_LABELS, OrganisationType

    try:
        return ORGANISATION_TYPE_LABELS[OrganisationType(value)]
    except ValueError:
        return value


bp.add_app_template_filter(points, "points")


@bp.app_context_processor
def calls_globals():
    return {"calls_perm": permissions, "calls_services": services}
