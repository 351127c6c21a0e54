"""Routes of amendments, on the projects blueprint: the coordinator's request of each kind,
an amendment's page with its differences, and the manager's decision."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user, login_required

from grants.accounts.models import ORGANISATION_TYPE_LABELS
from grants.extensions import db
from grants.projects import amendments, permissions
from grants.projects.forms import (
    BudgetTransferForm,
    ConsortiumForm,
    DecisionForm,
    EndDateForm,
    WorkPlanForm,
)
from grants.projects.models import Amendment, AmendmentKind, AmendmentState
from grants.projects.progress import ITEM_PARTS
from grants.projects.views import _grant, attempt, bp


def _budget_form(grant):
    form = BudgetTransferForm()
    choices = [("", "Choose…")] + [(c, c) for c in grant.work_plan.get("budget") or {}]
    form.source.choices = form.target.choices = choices
    return form, lambda: {
        "source": form.source.data,
        "target": form.target.data,
        "amount": form.amount.data or "",
    }


def _consortium_form(grant):
    form = ConsortiumForm()
    form.partner.choices = [(-1, "Choose…")] + [
        (n, f"{p.get('name')} ({p.get('country')})")
        for n, p in enumerate(grant.work_plan.get("consortium") or [])
        if n
    ]
    form.type.choices = [("", "Choose…")] + [
        (t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()
    ]
    return form, lambda: {
        "action": form.action.data,
        "partner": form.partner.data,
        "name": form.name.data,
        "country": form.country.data,
        "type": form.type.data,
    }


def _work_plan_form(grant):
    form = WorkPlanForm()
    form.item.choices = [("", "Choose…")] + [
        (f"{part}:{n}", f"{part[:-1].capitalize()}: {i.get('title')} (month {i.get('month')})")
        for part in ITEM_PARTS
        for n, i in enumerate(grant.work_plan.get(part) or [])
    ]
    return form, lambda: {
        "item": form.item.data,
        "title": form.title.data,
        "month": form.month.data,
    }


def _end_date_form(grant):
    form = EndDateForm(data={"duration_months": grant.duration_months})
    return form, lambda: {"duration_months": form.duration_months.data}


FORMS = {
    AmendmentKind.END_DATE: _end_date_form,
    AmendmentKind.BUDGET_TRANSFER: _budget_form,
    AmendmentKind.CONSORTIUM: _consortium_form,
    AmendmentKind.WORK_PLAN: _work_plan_form,
}


@bp.route("/<int:grant_id>/amendments/new/<kind>", methods=["GET", "POST"])
@login_required
def request_amendment(grant_id: int, kind: str):
    grant = _grant(grant_id)
    if kind not in {k.value for k in AmendmentKind}:
        abort(404)
    if not permissions.can_report(current_user, grant):
        abort(403)
    kind = AmendmentKind(kind)
    form, values = FORMS[kind](grant)
    refusal = ""
    if amendments.pending(grant) is not None:
        refusal = "An amendment is already waiting for a decision."
    requested = (
        form.validate_on_submit()
        and not refusal
        and attempt(
            lambda: amendments.request(grant, kind, values(), form.reason.data, current_user),
            lambda made: f"Amendment {made.number} is sent to the programme manager.",
            lambda made: url_for("projects.amendment", amendment_id=made.id),
            form,
        )
    )
    if requested:
        return requested
    return render_template(
        "projects/amendment_form.html",
        grant=grant,
        kind=kind,
        kinds=list(AmendmentKind),
        form=form,
        refusal=refusal,
        end_date=amendments.end_date(grant),
    ), (422 if form.errors else 200)


def _amendment(amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None:
        abort(404)
    _grant(amendment.grant_id)
    return amendment


@bp.get("/amendments/<int:amendment_id>")
@login_required
def amendment(amendment_id: int):
    found = _amendment(amendment_id)
    return _amendment_page(found, DecisionForm())


def _amendment_page(found: Amendment, form: DecisionForm):
    return render_template(
        "projects/amendment.html",
        amendment=found,
        grant=found.grant,
        form=form,
        can_decide=permissions.can_manage(current_user) and found.state == AmendmentState.REQUESTED,
    ), (422 if form.errors else 200)


@bp.post("/amendments/<int:amendment_id>/decision")
@login_required
def decide_amendment(amendment_id: int):
    found = _amendment(amendment_id)
    if not permissions.can_manage(current_user):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _amendment_page(found, form)
    return attempt(
        lambda: amendments.decide(found, form.decision.data, form.comment.data or "", current_user),
        lambda _: f"Amendment {found.number} is {found.state.value}.",
        url_for("projects.view", grant_id=found.grant_id),
        form,
    ) or _amendment_page(_amendment(amendment_id), form)
