"""Import of historical projects from CSV or XLSX: read every row, say per field what was
understood, guessed or not understood, reject a row only with its reason, then write the
accepted rows through the sync API in one transaction.

The columns are described once, in COLUMNS (the README's table is generated from the same
words); headers are matched without regard to case, spaces or punctuation, and indicator
columns are named by the indicator ("Victims assisted") or one of its categories ("Victims
assisted: women"). A row's stable key is its reference when the file has one, otherwise a
fingerprint of title, coordinator and start year, so importing the same file again updates
the projects instead of duplicating them.

The file's format is in import_format.py, reading and understanding its rows in
import_rows.py; this module stores an upload, previews it and applies it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from grants import clock
from grants.audit import services as audit
from grants.extensions import db
from grants.portfolio.import_format import (  # noqa: F401 (the import's public names)
    COLUMNS,
    MAX_ROWS,
    PROGRAMME_ALIASES,
    Column,
    FieldReport,
    ImportFileError,
    ImportReport,
    RowReport,
)
from grants.portfolio.import_rows import read_table, understand  # noqa: F401
from grants.portfolio.models import (
    ImportMapping,
    ImportState,
    MappingKind,
    PortfolioImport,
    PortfolioProject,
)
from grants.portfolio.reading import plain
from grants.portfolio.sync import upsert_many

# Applying ------------------------------------------------------------------------------------


class StaleMapping(ValueError):
    MESSAGE = "The mapping table changed since the preview: check the preview again."


def store_upload(filename: str, content: bytes, user=None) -> PortfolioImport:
    """Keep an uploaded file for its preview (the caller commits)."""
    upload = PortfolioImport(
        filename=filename[:300] or "upload",
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


_PREVIEWS: dict[tuple, ImportReport] = {}  # the last previews of this process


def preview(upload: PortfolioImport) -> ImportReport:
    """`understand` for the preview pages, remembered per file and state of the mapping table
    and of the portfolio (a 5 000-row file takes seconds to read; paging through it should
    not)."""
    stamp = db.session.execute(
        select(func.count(ImportMapping.id), func.max(ImportMapping.updated_at))
    ).one()
    projects = db.session.execute(
        select(func.count(PortfolioProject.id), func.max(PortfolioProject.updated_at))
    ).one()
    key = (upload.id, upload.sha256, tuple(stamp), tuple(projects))
    if key not in _PREVIEWS:
        if len(_PREVIEWS) >= 4:
            _PREVIEWS.pop(next(iter(_PREVIEWS)))
        _PREVIEWS[key] = understand(upload.filename, upload.content)
    return _PREVIEWS[key]


def apply(
    upload: PortfolioImport, mapping_version: str | None = None, user=None, progress=None
) -> ImportReport:
    """Write every accepted row of a previewed upload, in the caller's transaction; refuses
    when the mapping table changed since the preview (the caller shows the preview again).
    `progress(done, total, message)` is told of each step before anything is written (the
    worker's progress commits)."""
    step = progress or (lambda done, total, message: None)
    step(0, 2, f"Reading {upload.filename}")
    report = understand(upload.filename, upload.content)
    if mapping_version is not None and mapping_version != report.mapping_version:
        raise StaleMapping(StaleMapping.MESSAGE)
    accepted = [r.record for r in report.rows if not r.rejected]
    step(1, 2, f"Writing {len(accepted)} projects")
    result = upsert_many(accepted, import_id=upload.id) if accepted else None
    counts = report.counts
    upload.state = ImportState.APPLIED
    upload.applied_at = clock.now()
    upload.rows = len(report.rows)
    upload.created = len(result.created) if result else 0
    upload.updated = len(result.updated) if result else 0
    upload.rejected = counts["rejected"]
    audit.record(
        "portfolio_import",
        upload.id,
        "applied",
        f"{upload.filename}: {upload.created} new, {upload.updated} updated, "
        f"{upload.rejected} rejected of {upload.rows} rows",
        actor=user,
    )
    return report


def save_mapping(phrase: str, kind: MappingKind, code: str, user=None) -> ImportMapping:
    """Add or change what a phrase means (the caller commits)."""
    key = plain(phrase)[:200]
    row = db.session.scalar(
        select(ImportMapping).where(ImportMapping.phrase == key, ImportMapping.kind == kind)
    )
    if row is None:
        row = ImportMapping(phrase=key, kind=kind, code=code)
        db.session.add(row)
    row.code = code
    row.updated_at = clock.now()
    row.updated_by_id = getattr(user, "id", None)
    audit.record(
        "portfolio_mapping", key, "saved", f"{key!r} means {kind.value} {code}", actor=user
    )
    return row


def delete_mapping(mapping: ImportMapping, user=None) -> None:
    audit.record(
        "portfolio_mapping", mapping.phrase, "deleted", f"{mapping.phrase!r} removed", actor=user
    )
    db.session.delete(mapping)


def mapping_targets(kind: MappingKind) -> dict[str, str]:
    """The codes a phrase of this kind may be mapped onto, with their titles."""
    from grants.portfolio.queries import labels

    names = labels()
    return {
        MappingKind.FUND: names.funds,
        MappingKind.PRIORITY: {c: t for c, (t, _) in names.priorities.items()},
        MappingKind.EXPLOITATION: names.exploitation,
        MappingKind.TARGET_GROUP: names.target_groups,
        MappingKind.PROJECT_TYPE: names.project_types,
    }[kind]
