"""The proposals blueprint, its template globals and the lookups its routes share."""

from __future__ import annotations

from contextlib import contextmanager

from flask import Blueprint, abort, g, render_template
from flask_login import current_user

from grants.extensions import db
from grants.proposals import checks, hooks, permissions, sections
from grants.proposals import fields as field_map
from grants.proposals.models import Proposal, Submission

bp = Blueprint("proposals", __name__)


@bp.app_context_processor
def _proposal_helpers():
    return {"proposal_perm": permissions}


# The published result of each proposal, from whichever stage publishes it (grants/proposals/
# hooks.py): a global, so that the templates of proposals do not call one of review's.
bp.add_app_template_global(hooks.result_letters, "result_letters")


# A global, not a context variable: imported macros (text_limit) see globals only.
# limit key -> (the names of the texts it counts,), for the live character counts
bp.add_app_template_global({x.key: (x.fields,) for x in field_map.limits()}, "limited_texts")


@bp.app_template_filter("limit_label")
def limit_label(key: str) -> str:
    """The label of a key of a call's section limits ("design" -> "The methodology"); a key
    a call added that no text of the form counts reads as words ("annex_summary")."""
    found = next((x for x in field_map.limits() if x.key == key), None)
    if found:
        if not found.together:
            return found.label
        if found.label.lower() == found.together:  # "Relevance and objectives" says which
            n = len(found.fields)
            return f"{found.label} ({'both' if n == 2 else f'the {n}'} texts together)"
        return f"{found.label} ({found.together}, together)"
    return str(key).replace("_", " ").replace("-", " ").capitalize()


# Loading ----------------------------------------------------------------------------------


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    # Not yours: the same 404 as a missing one, so that ids do not reveal what exists.
    if proposal is None or not permissions.can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


def _visible_submission_or_404(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or not permissions.can_view_submission(current_user, submission):
        abort(404)
    return submission


@contextmanager
def _kept_after_commit():
    """The rows a save committed stay loaded for the rest of the request (its redirect, the
    flash and the request log read the proposal and the user): without this each is read
    again after the commit."""
    session = db.session()
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = True


def _page(proposal: Proposal, template: str, status: int = 200, report=None, **context):
    """Render a page of the proposal with the checklist beside it (`report`: the checklist,
    when the view made it already)."""
    g.no_store = True
    report = report or checks.check(proposal)
    return render_template(
        template,
        proposal=proposal,
        report=report,
        sections=checks.SECTIONS,
        locked=sections.locked_reason(proposal),
        **context,
    ), status
