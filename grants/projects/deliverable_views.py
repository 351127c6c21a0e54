"""Routes of deliverables' files, on the projects blueprint: a deliverable's page with its
files and the coordinator's upload, and a file's download (the project's viewers only)."""

from __future__ import annotations

from flask import abort, g, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from grants.extensions import db
from grants.projects import deliverables, permissions, services
from grants.projects.forms import DeliverableFileForm
from grants.projects.models import DeliverableFile, GrantStatus
from grants.projects.views import _grant, attempt, bp


@bp.route("/<int:grant_id>/deliverables/<int:number>", methods=["GET", "POST"])
@login_required
def deliverable(grant_id: int, number: int):
    grant = _grant(grant_id)
    item = deliverables.deliverable(grant, number)
    if item is None:
        abort(404)
    may_upload = permissions.can_report(current_user, grant)
    form = DeliverableFileForm()
    if request.method == "POST":
        if not may_upload:
            abort(403)
        upload = form.file.data
        if not form.validate_on_submit():
            form.file.errors = ["The upload form had expired; send it again."]
        elif upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choose a PDF file to upload."]
        else:
            data = upload.read()
            if uploaded := attempt(
                lambda: deliverables.add_file(grant, number, upload.filename, data, current_user),
                f"{upload.filename} is uploaded for this deliverable.",
                url_for("projects.deliverable", grant_id=grant.id, number=number),
                form,
            ):
                return uploaded
    return render_template(
        "projects/deliverable.html",
        grant=grant,
        number=number,
        item=item,
        due=services.item_due(grant, item),
        files=deliverables.files_of(grant).get(number, []),
        form=form,
        may_upload=may_upload and grant.status == GrantStatus.RUNNING,
    ), (422 if form.errors else 200)


@bp.get("/files/<int:file_id>")
@login_required
def deliverable_file(file_id: int):
    item = db.session.get(DeliverableFile, file_id)
    if item is None:
        abort(404)
    _grant(item.grant_id)  # 403 unless the project's consortium or a manager
    g.no_store = True
    name = item.filename if item.filename.lower().endswith(".pdf") else "deliverable.pdf"
    return send_file(
        deliverables.path_of(item),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
    )
