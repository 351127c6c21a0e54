"""The applicant's proposals: the list, starting one, its overview and the edit page of
each section (the form built from the field map and the section's rows)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from grants import clock
from grants.accounts.forms import country_choices
from grants.calls.models import Call, CallStatus
from grants.extensions import db
from grants.proposals import checks, forms, permissions, sections, submitting
from grants.proposals import fields as field_map
from grants.proposals.errors import ProposalError, ProposalLocked, StaleProposal
from grants.proposals.models import PartnerRole, Proposal, ProposalStatus
from grants.proposals.views.common import _kept_after_commit, _page, _proposal_or_404, bp
from grants.taxonomy.services import exploitation_forms, target_groups

# The applicant's proposals ----------------------------------------------------------------


@bp.route("/proposals")
@login_required
def mine():
    proposals = sections.proposals_of(current_user)
    rows = [{"proposal": p, "locked": sections.locked_reason(p)} for p in proposals]
    # What the page shows of a proposal that can still change: a draft's checklist, and
    # whether a submitted one changed since (known from the versions, else by its checklist
    # and snapshot). A locked one shows neither.
    shown = [r["proposal"] for r in rows if not r["locked"]]
    drafts = [p for p in shown if p.status == ProposalStatus.DRAFT]
    unsettled = [
        p
        for p in shown
        if p.status == ProposalStatus.SUBMITTED and not submitting.unchanged_since_submitted(p)
    ]
    sections.load_checklist_rows(drafts + unsettled, of=proposals)
    for row in rows:
        proposal = row["proposal"]
        row["report"] = checks.check(proposal) if proposal in drafts else None
        row["changed"] = proposal in unsettled and submitting.has_unsubmitted_changes(proposal)
    return render_template(
        "proposals/mine.html",
        rows=rows,
        calls=sections.open_calls(),
        can_start=permissions.can_start_proposal(current_user),
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_start_proposal(current_user):
        if not current_user.memberships:
            flash("Register your organisation first: proposals belong to organisations.", "info")
            return redirect(url_for("accounts.organisations"))
        abort(403)
    calls = sections.open_calls()
    form = forms.StartForm()
    form.call_id.choices = [("", "Choose a call")] + [
        (str(c.id), f"{c.reference}: {c.title}") for c in calls
    ]
    form.organisation_id.choices = [
        (str(o.id), f"{o.name} ({o.country})") for o in current_user.organisations
    ]
    chosen = request.values.get("call_id", "")
    call = next((c for c in calls if str(c.id) == chosen), None)
    # A call named in the link but no longer (or not yet) open: say so instead of a blank choice.
    not_open = db.session.get(Call, int(chosen)) if call is None and chosen.isdigit() else None
    if not_open is not None and not_open.status == CallStatus.DRAFT:
        not_open = None
    form.topic_id.choices = [
        (str(t.id), f"{t.code}: {t.title}") for t in (call.topics if call else [])
    ]
    if request.method == "GET" and call is not None:
        form.call_id.data = str(call.id)
    if form.validate_on_submit():
        organisation = next(
            (o for o in current_user.organisations if str(o.id) == form.organisation_id.data),
            None,
        )
        if call is None:
            form.call_id.errors = ["Choose a call that is open for proposals."]
        elif organisation is None:
            form.organisation_id.errors = ["Choose one of your organisations."]
        else:
            topic = form.topic_id.data
            try:
                proposal = sections.start_proposal(
                    current_user,
                    call,
                    organisation,
                    int(topic) if (topic or "").isdigit() else None,
                    acronym=form.acronym.data,
                    title=form.title.data,
                )
            except ProposalError as exc:
                form.call_id.errors = [str(exc)]
            else:
                flash("The proposal is started as a draft. Save each section as you go.", "success")
                return redirect(url_for("proposals.view", proposal_id=proposal.id))
    status = 422 if form.errors else 200
    return (
        render_template("proposals/new.html", form=form, call=call, calls=calls, not_open=not_open),
        status,
    )


@bp.route("/proposals/<int:proposal_id>")
@login_required
def view(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    report = checks.check(proposal)
    return _page(
        proposal,
        "proposals/view.html",
        report=report,
        changed=submitting.has_unsubmitted_changes(proposal, report),
        withdraw_form=forms.VersionForm(data={"version": proposal.version}),
        submit_blocked=sections.submit_block_reason(proposal),
    )


def _configure(form, section: str, proposal: Proposal) -> None:
    """Choices that depend on the call and the consortium (each read only by the sections
    that offer it: a save of the summary reads neither the priorities nor the partners)."""
    if section in ("workplan", "results", "budget"):
        call_priorities = [(cp.priority_code, cp.priority.title) for cp in proposal.call.priorities]
    if section in ("workplan", "budget"):
        partners = [(str(p.id), p.name or "(unnamed)") for p in proposal.partners]
    if section == "summary":
        form.topic_id.choices = [("", "Choose a topic")] + [
            (str(t.id), f"{t.code}: {t.title}") for t in proposal.call.topics
        ]
    elif section == "consortium":
        for entry in form.partners:
            entry.form.country.choices = country_choices()
    elif section == "workplan":
        for entry in form.work_packages:
            entry.form.lead_partner_id.choices = [("", "-")] + partners
            entry.form.priorities.choices = call_priorities
        for entry in form.items:
            entry.form.priorities.choices = call_priorities
            entry.form.wp_number.choices = forms.work_package_choices(proposal)
    elif section == "targets":
        form.target_groups.choices = [(t.code, t.title) for t in target_groups()]
        form.exploitation_forms.choices = [(e.code, e.title) for e in exploitation_forms()]
        form.countries.choices = country_choices()[1:]
    elif section == "results":
        for entry in form.indicators:
            entry.form.priorities.choices = call_priorities
    elif section == "budget":
        for entry in form.lines:
            entry.form.partner_id.choices = [("", "Choose")] + partners
            entry.form.priorities.choices = call_priorities


def _initial(section: str, proposal: Proposal) -> dict:
    p = proposal
    data: dict = {"version": p.version, **sections.field_values(p, section)}
    if section == "consortium":
        data["partners"] = [
            {
                "id": str(x.id),
                "name": x.name,
                "country": x.country,
                "type": x.type,
                "role": PartnerRole(x.role).value,
            }
            for x in p.partners
            if x.role != PartnerRole.COORDINATOR
        ]
    elif section == "workplan":
        data["work_packages"] = [
            {
                "id": str(wp.id),
                "number": wp.number,
                "title": wp.title,
                "description": wp.description,
                "lead_partner_id": str(wp.lead_partner_id or ""),
                "start_month": wp.start_month,
                "end_month": wp.end_month,
                "priorities": wp.priorities,
            }
            for wp in p.work_packages
        ]
        data["items"] = [
            {
                "id": str(i.id),
                "wp_number": wp.number,
                "kind": i.kind.value,
                "title": i.title,
                "description": i.description,
                "month": i.month,
                "priorities": i.priorities,
            }
            for wp in p.work_packages
            for i in wp.items
        ]
    elif section == "priorities":
        claims = {c.priority_code: c for c in p.claims}
        data["claims"] = [
            {
                "code": cp.priority_code,
                "claimed": cp.priority_code in claims,
                "justification": claims[cp.priority_code].justification
                if cp.priority_code in claims
                else "",
            }
            for cp in p.call.priorities
        ]
    elif section == "results":
        data["indicators"] = [
            {
                "id": str(i.id),
                "name": i.name,
                "unit": i.unit,
                "target": i.target,
                "by_sex": i.by_sex,
                "by_age": i.by_age,
                "priorities": i.priorities,
            }
            for i in p.indicators
        ]
    elif section == "budget":
        data["lines"] = [
            {
                "id": str(line.id),
                "partner_id": str(line.partner_id),
                "category": line.category.value,
                "description": line.description,
                "amount": line.amount,
                "priorities": line.priorities,
            }
            for line in p.budget_lines
        ]
    return data


def _build_form(section: str, proposal: Proposal, from_request: bool):
    cls = forms.SECTION_FORMS[section]
    if from_request:
        form = cls()
    else:
        form = cls(formdata=None, data=_initial(section, proposal))
        for name in forms.ROW_LISTS.get(section, ()):
            for _ in range(forms.blank_rows(request.args, name)):
                getattr(form, name).append_entry()
    _configure(form, section, proposal)
    return form


@bp.route("/proposals/<int:proposal_id>/edit/<section>", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int, section: str):
    proposal = _proposal_or_404(proposal_id)
    if section == "annexes":
        return redirect(url_for("proposals.annexes", proposal_id=proposal.id))
    if section not in forms.SECTION_FORMS:
        abort(404)
    autosave = request.headers.get("X-Autosave") == "1"
    form = _build_form(section, proposal, from_request=request.method == "POST")
    error, status = "", 200
    if request.method == "POST":
        if not permissions.can_edit_proposal(current_user, proposal):
            abort(404)
        if form.validate_on_submit():
            try:
                with _kept_after_commit():
                    sections.save_section(
                        proposal, section, form.data, current_user, form.version.data
                    )
            except StaleProposal as exc:
                error, status = str(exc), 409
            except ProposalLocked as exc:
                error, status = str(exc), 409
            except ProposalError as exc:
                error, status = str(exc), 422
            else:
                if autosave:
                    return jsonify(
                        ok=True,
                        version=proposal.version,
                        message="Draft saved at "
                        + clock.format_in_zone(clock.now(), current_user.timezone),
                    )
                flash(f"{checks.SECTION_TITLES[section]}: saved.", "success")
                more = forms.after_add_row(form, section, request.form)  # no JavaScript
                if more:
                    return redirect(url_for("proposals.edit", proposal_id=proposal.id, **more))
                target = section
                if form.save_next.data:
                    slugs = [s for s, _ in checks.SECTIONS]
                    target = slugs[min(slugs.index(section) + 1, len(slugs) - 1)]
                if target == "annexes":
                    return redirect(url_for("proposals.annexes", proposal_id=proposal.id))
                return redirect(url_for("proposals.edit", proposal_id=proposal.id, section=target))
        else:
            status = 422
            error = "Some entries could not be saved; nothing was saved. See the messages below."
            if forms.add_blank_row(form, section, request.form):  # what was typed, one more
                _configure(form, section, proposal)
        if autosave:
            return jsonify(ok=False, message=error, version=proposal.version), status
    priority_titles = {}  # the call's priorities are read only by the section that claims them
    if section == "priorities":
        priority_titles = {cp.priority_code: cp.priority.title for cp in proposal.call.priorities}
    return _page(
        proposal,
        f"proposals/section_{section}.html",
        status,
        form=form,
        section=section,
        section_title=checks.SECTION_TITLES[section],
        error=error,
        priority_titles=priority_titles,
        map_rows=_map_rows(section),
    )


def _map_rows(section: str) -> list:
    """The section's fields of the field map, each with the limit shown after it."""
    rows = []
    for f in field_map.section_fields(section):
        limit = field_map.limit_of(f)
        rows.append((f, limit if limit and limit.fields[-1] == f.name else None))
    return rows
