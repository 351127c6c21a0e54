"""A proposal's annexes: upload, removal and download, of the draft and of a submission."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from grants.extensions import db
from grants.proposals import annexes as annex_files
from grants.proposals import forms
from grants.proposals.errors import ProposalError, ProposalLocked, StaleProposal
from grants.proposals.models import Annex
from grants.proposals.views.common import _page, _proposal_or_404, _visible_submission_or_404, bp

# Annexes ----------------------------------------------------------------------------------


@bp.route("/proposals/<int:proposal_id>/annexes", methods=["GET", "POST"])
@login_required
def annexes(proposal_id: int):
    proposal = _proposal_or_404(proposal_id)
    form = forms.AnnexForm()
    form.kind.choices = annex_files.annex_kinds(proposal)
    error, status = "", 200
    if request.method == "GET":
        form.version.data = str(proposal.version)
    elif form.validate_on_submit():
        upload = form.file.data
        try:
            if upload is None or not getattr(upload, "filename", ""):
                raise ProposalError("Choose a PDF file to upload.")
            data = upload.read()
            annex_files.add_annex(
                proposal, current_user, form.kind.data, upload.filename, data, form.version.data
            )
        except ProposalError as exc:
            error, status = (
                str(exc),
                409 if isinstance(exc, StaleProposal | ProposalLocked) else 422,
            )
        else:
            flash(f"{upload.filename} is attached.", "success")
            return redirect(url_for("proposals.annexes", proposal_id=proposal.id))
    else:
        error, status = "The upload form had expired; send it again.", 422
    return _page(
        proposal,
        "proposals/annexes.html",
        status,
        form=form,
        remove_form=forms.VersionForm(data={"version": proposal.version}),
        error=error,
        section="annexes",
        kinds=dict(annex_files.annex_kinds(proposal)),
    )


@bp.route("/proposals/<int:proposal_id>/annexes/<int:annex_id>/remove", methods=["POST"])
@login_required
def remove_annex(proposal_id: int, annex_id: int):
    proposal = _proposal_or_404(proposal_id)
    annex = db.session.get(Annex, annex_id)
    if annex is None or annex.proposal_id != proposal.id or annex.removed_at is not None:
        abort(404)
    form = forms.VersionForm()
    if form.validate_on_submit():
        try:
            annex_files.remove_annex(proposal, annex, current_user, form.version.data)
        except ProposalError as exc:
            flash(str(exc), "danger")
        else:
            flash("The annex is removed.", "success")
    return redirect(url_for("proposals.annexes", proposal_id=proposal.id))


def _send_annex(annex: Annex, filename: str = ""):
    g.no_store = True
    filename = filename or annex.filename
    return send_file(
        annex_files.annex_path(annex),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=filename if filename.lower().endswith(".pdf") else "annex.pdf",
    )


@bp.route("/proposals/<int:proposal_id>/annexes/<int:annex_id>")
@login_required
def annex(proposal_id: int, annex_id: int):
    proposal = _proposal_or_404(proposal_id)
    annex = db.session.get(Annex, annex_id)
    if annex is None or annex.proposal_id != proposal.id:
        abort(404)
    return _send_annex(annex)


@bp.route("/submissions/<int:submission_id>/annexes/<sha256>")
@login_required
def submission_annex(submission_id: int, sha256: str):
    submission = _visible_submission_or_404(submission_id)
    # Files of identical content are stored once per upload but share a hash: each keeps the
    # file name it was submitted with (?name= picks it among the submitted names).
    names = [a.filename for a in submission.snapshot.annexes if a.sha256 == sha256]
    if not names:
        abort(404)
    annex = db.session.scalar(
        select(Annex).where(Annex.proposal_id == submission.proposal_id, Annex.sha256 == sha256)
    )
    if annex is None:
        abort(404)
    name = request.args.get("name", "")
    return _send_annex(annex, name if name in names else names[0])
