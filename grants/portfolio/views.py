"""Routes of the portfolio: the review map page with its exports and PDF, a project's page,
the boundaries the map draws; for programme managers the import of historical projects
(upload, row-by-row preview, apply), the mapping table of import phrases and the registered
victims figures. The JSON API is the nested blueprint in api.py. `flask portfolio import`
is this blueprint's command."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from grants import clock
from grants.extensions import db
from grants.jobs.models import Job
from grants.pagination import requested_page
from grants.portfolio import (
    exports,
    filters,
    geo,
    importer,
    listing,
    permissions,
    queries,
    report,
    services,
    work,
)
from grants.portfolio.api import bp as api_bp
from grants.portfolio.forms import MappingForm, UploadForm, VictimsForm
from grants.portfolio.jobs import EXPORT, MAX_ID, PDF
from grants.portfolio.models import (
    ImportMapping,
    ImportState,
    MappingKind,
    PortfolioImport,
    PortfolioProject,
    ProjectStatus,
    VictimFigure,
)
from grants.portfolio.victims import VictimFileError

bp = Blueprint("portfolio", __name__, cli_group="portfolio")
bp.register_blueprint(api_bp)
bp.register_blueprint(work.bp)

PER_PAGE = 25
PREVIEW_PER_PAGE = 100


def current_filter(args=None) -> tuple[filters.PortfolioFilter, dict[str, str]]:
    """The filter of this request (from the URL) and a message per argument left out."""
    public = not permissions.sees_all(current_user)
    return filters.parse(args if args is not None else request.args, queries.choices(), public)


def _viewer_or_404() -> None:
    if not permissions.can_view_map(current_user):
        abort(404)


def _managers_only() -> None:
    if not permissions.can_import(current_user):
        abort(403)


@bp.app_context_processor
def portfolio_globals():
    return {"portfolio_perm": permissions}


@bp.app_template_filter("place")
def place(code: str) -> str:
    """A country's name, Kosovo (XK) included."""
    return geo.country_label(code or "")


@bp.app_template_filter("eur_whole")
def eur_whole(amount) -> str:
    """EUR to the euro, for tables: EUR 13 110 000."""
    return f"EUR {amount:,.0f}".replace(",", "\u202f") if amount is not None else ""


@bp.app_template_filter("eur_short")
def eur_short(amount) -> str:
    """EUR in millions for headline figures: EUR 51.4 million."""
    if amount is None:
        return ""
    if amount >= 1_000_000:
        return f"EUR {amount / 1_000_000:,.1f} million"
    return eur_whole(amount)


# The review map --------------------------------------------------------------------------------


@bp.route("/portfolio/")
def index():
    _viewer_or_404()
    if any(value == "" for value in request.args.values()):
        # The filter form sends every field; the shared link keeps only those that are set.
        kept = {k: v for k, v in request.args.items() if v != ""}
        return redirect(url_for("portfolio.index", **kept))
    f, errors = current_filter()
    map_view = request.args.get("view", "europe")
    map_view = map_view if map_view in ("europe", "world") else "europe"
    order = request.args.get("order", "year")
    order = order if order in listing.ORDERS else "year"
    page = requested_page()
    view = report.gather(f)
    specs = report.chart_specs(view, map_view, url_for("portfolio.boundaries"))
    projects, total = listing.project_rows(f, page=page, per_page=PER_PAGE, order=order)
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "portfolio/index.html",
        view=view,
        f=f,
        errors=errors,
        choices=queries.choices(),
        names=queries.labels(),
        specs=specs,
        map_view=map_view,
        projects=projects,
        projects_total=total,
        page=min(page, pages),
        pages=pages,
        order=order,
        method=report.method_note(f),
        described=report.describe_filters(f),
        dimensions=queries.DIMENSIONS,
        args=f.to_args(),
        sees_all=permissions.sees_all(current_user),
        status_choices=[(s.value, s.label) for s in ProjectStatus],
        has_projects=db.session.scalar(select(PortfolioProject.id).limit(1)) is not None,
    )


@bp.route("/portfolio/boundaries.json")
def boundaries():
    response = Response(geo.world_topology_json(), mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route("/portfolio/projects/<int:project_id>")
def project(project_id: int):
    _viewer_or_404()
    item = db.session.get(PortfolioProject, project_id)
    if item is None or not permissions.can_view_project(current_user, item):
        abort(404)
    return render_template(
        "portfolio/project.html",
        p=item,
        countries=listing.project_countries(item.id),
        tags=listing.project_tags(item.id),
        indicators=listing.project_indicators(item.id),
        outcome_tags=listing.project_outcome_tags(item.id),
        outcomes_visible=permissions.can_view_outcomes(current_user, item),
        sees_all=permissions.sees_all(current_user),
        names=queries.labels(),
    )


# Exports -----------------------------------------------------------------------------------------


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    g.no_store = True
    return response


def _stamp() -> str:
    return clock.now().strftime("%Y%m%d")


TABLE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/portfolio/export/projects.<any(csv, xlsx):fmt>")
def export_projects(fmt: str):
    """Instant up to GRANTS_PORTFOLIO_INSTANT_EXPORT projects; a larger list is written by
    the worker (progress page, then a download link), so no web worker waits on it."""
    _viewer_or_404()
    f, _ = current_filter()
    if queries.summary(f).projects > work.instant_export_limit():
        back = url_for(".index") + "?" + urlencode(_view_args())
        title = f"Portfolio project list ({fmt.upper()})"
        return work.start(EXPORT, _view_args(), title, {"fmt": fmt}, back)
    header, rows = exports.project_table(f)
    data = (
        exports.to_csv(header, rows)
        if fmt == "csv"
        else exports.to_xlsx([("Projects", header, rows)])
    )
    return _download(data, f"portfolio-projects-{_stamp()}.{fmt}", TABLE_TYPES[fmt])


@bp.route("/portfolio/export/breakdowns/<dimension>.<any(csv, xlsx):fmt>")
def export_breakdown(dimension: str, fmt: str):
    _viewer_or_404()
    f, _ = current_filter()
    if dimension not in queries.DIMENSIONS or (
        f.public and not queries.DIMENSIONS[dimension].public
    ):
        abort(404)
    header, rows = exports.breakdown_table(dimension, f)
    data = (
        exports.to_csv(header, rows)
        if fmt == "csv"
        else exports.to_xlsx([(queries.DIMENSIONS[dimension].title, header, rows)])
    )
    return _download(data, f"portfolio-{dimension}-{_stamp()}.{fmt}", TABLE_TYPES[fmt])


@bp.route("/portfolio/export/outcomes.<any(csv, xlsx):fmt>")
def export_outcomes(fmt: str):
    """Every outcome of the view with its tags (CSV); the XLSX adds the counts by tag."""
    _viewer_or_404()
    f, _ = current_filter()
    header, rows = exports.outcome_table(f)
    if fmt == "csv":
        data = exports.to_csv(header, rows)
    else:
        counts = exports.outcome_tag_table(f)
        data = exports.to_xlsx([("Outcomes", header, rows), ("Outcomes by tag", *counts)])
    return _download(data, f"portfolio-outcomes-{_stamp()}.{fmt}", TABLE_TYPES[fmt])


@bp.route("/portfolio/export/countries.geojson")
def export_geojson():
    _viewer_or_404()
    f, _ = current_filter()
    data = json.dumps(exports.countries_geojson(f), separators=(",", ":")).encode()
    return _download(data, f"portfolio-countries-{_stamp()}.geojson", "application/geo+json")


@bp.route("/portfolio/report.pdf")
def pdf():
    """The report is rendered by the worker: a job with its progress page, then a download
    link (and a notice for signed-in readers)."""
    _viewer_or_404()
    map_view = request.args.get("view", "europe")
    map_view = map_view if map_view in ("europe", "world") else "europe"
    args = _view_args()
    back = url_for(".index") + "?" + urlencode([*args, ("view", map_view)])
    return work.start(PDF, args, "Portfolio review PDF report", {"view": map_view}, back)


@bp.route("/portfolio/reports/<int:job_id>.pdf")
@login_required
def report_download(job_id: int):
    from grants.jobs.permissions import can_view_job

    job = db.session.get(Job, job_id) if 0 < job_id <= MAX_ID else None
    if job is None or job.kind != PDF or not can_view_job(current_user, job):
        abort(404)
    return work.download(job)


def _view_args() -> list[tuple[str, str]]:
    """The filters of this request as a sorted list, the map's view left out."""
    return sorted((k, v) for k, v in request.args.items(multi=True) if k != "view")


# Import of historical projects (programme managers) ----------------------------------------------


@bp.route("/portfolio/import", methods=["GET", "POST"])
@login_required
def import_upload():
    _managers_only()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read()
        try:
            importer.understand(upload.filename or "", content)
        except importer.ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            stored = services.keep_upload(upload.filename or "upload", content, current_user)
            return redirect(url_for("portfolio.import_preview", import_id=stored.id))
    recent = db.session.scalars(
        select(PortfolioImport).order_by(PortfolioImport.id.desc()).limit(10)
    ).all()
    return render_template(
        "portfolio/import.html", form=form, recent=recent, columns=importer.COLUMNS
    )


def _upload_or_404(import_id: int) -> PortfolioImport:
    upload = db.session.get(PortfolioImport, import_id)
    if upload is None:
        abort(404)
    return upload


@bp.route("/portfolio/import/<int:import_id>")
@login_required
def import_preview(import_id: int):
    _managers_only()
    upload = _upload_or_404(import_id)
    result = importer.preview(upload)
    show = request.args.get("show", "")
    statuses = ("rejected", "not understood", "guessed", "understood")
    rows = [r for r in result.rows if r.status == show] if show in statuses else result.rows
    page = requested_page()
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    page = min(page, pages)
    g.no_store = True
    return render_template(
        "portfolio/preview.html",
        upload=upload,
        result=result,
        rows=rows[(page - 1) * PREVIEW_PER_PAGE : page * PREVIEW_PER_PAGE],
        show=show,
        statuses=statuses,
        page=page,
        pages=pages,
        counts=result.counts,
        applied=upload.state == ImportState.APPLIED,
        mapping_form=MappingForm(),
    )


@bp.route("/portfolio/import/<int:import_id>/apply", methods=["POST"])
@login_required
def import_apply(import_id: int):
    """The import runs in the worker (a 5 000-row file takes seconds): the progress page,
    then the counts and the link back to the rows."""
    _managers_only()
    upload = _upload_or_404(import_id)
    version = request.form.get("mapping_version")
    if version is not None and version != importer.preview(upload).mapping_version:
        flash(str(importer.StaleMapping.MESSAGE), "warning")
        return redirect(url_for("portfolio.import_preview", import_id=upload.id))
    back = url_for("portfolio.import_preview", import_id=upload.id)
    job = services.request_import(upload, version, current_user)
    return redirect(url_for("jobs.status", job_id=job.id, back=back))


@bp.route("/portfolio/mappings", methods=["GET", "POST"])
@login_required
def mappings():
    _managers_only()
    form = MappingForm()
    if form.validate_on_submit():
        services.save_mapping(
            form.phrase.data, MappingKind(form.kind.data), form.code.data, current_user
        )
        flash(f"Saved: “{form.phrase.data.strip()}” now means {form.code.data}.", "success")
        target = request.form.get("next", "")
        if target.startswith("/portfolio/import/"):
            return redirect(target)
        return redirect(url_for("portfolio.mappings"))
    rows = db.session.scalars(
        select(ImportMapping).order_by(ImportMapping.kind, ImportMapping.phrase)
    ).all()
    return render_template(
        "portfolio/mappings.html",
        form=form,
        rows=rows,
        targets={k.value: importer.mapping_targets(k) for k in MappingKind},
        aliases=sorted(importer.PROGRAMME_ALIASES.items()),
    )


@bp.route("/portfolio/mappings/<int:mapping_id>/delete", methods=["POST"])
@login_required
def delete_mapping(mapping_id: int):
    _managers_only()
    row = db.session.get(ImportMapping, mapping_id) or abort(404)
    services.delete_mapping(row, current_user)
    flash(f"Removed “{row.phrase}”.", "success")
    return redirect(url_for("portfolio.mappings"))


@bp.route("/portfolio/victims", methods=["GET", "POST"])
@login_required
def victims():
    _managers_only()
    form = VictimsForm()
    if form.validate_on_submit():
        try:
            count = services.replace_victim_figures(
                form.file.data.read(), form.source.data, current_user
            )
        except VictimFileError as exc:
            form.file.errors.append(str(exc))
        else:
            flash(f"{count} figures saved.", "success")
            return redirect(url_for("portfolio.victims"))
    rows = db.session.scalars(
        select(VictimFigure).order_by(VictimFigure.country, VictimFigure.year)
    ).all()
    return render_template("portfolio/victims.html", form=form, rows=rows)


# The command line ------------------------------------------------------------------------------


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would happen; save nothing.")
def import_command(path: Path, dry_run: bool):
    """Import historical projects from a CSV or XLSX file (see the README for the columns)."""
    content = path.read_bytes()
    try:
        result = importer.understand(path.name, content)
    except importer.ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in result.rows:
        if row.rejected:
            click.echo(f"row {row.number}: rejected: {row.rejected}")
        for item in row.fields:
            if item.status != "understood":
                click.echo(
                    f"row {row.number}: {item.column}: {item.status}: {item.raw!r} {item.note}"
                )
    if result.ignored_columns:
        click.echo(f"columns ignored: {', '.join(result.ignored_columns)}")
    counts = result.counts
    summary = (
        f"{len(result.rows)} rows: {counts['new']} new, {counts['update']} updates, "
        f"{counts['rejected']} rejected; {counts['guessed']} with guesses, "
        f"{counts['not understood']} with values not understood"
    )
    if dry_run:
        click.echo(f"Dry run, nothing saved. {summary}.")
        return
    services.import_file(path.name, content)
    click.echo(f"Imported {path.name}. {summary}.")
    current_app.logger.info("portfolio import %s: %s", path.name, summary)
