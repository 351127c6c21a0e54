"""The portfolio's writes from its pages and its command line, one transaction each. The
building blocks (importer.py, victims.py) add to the caller's transaction so that the worker,
the command line and the tests can put them together; these commit (views do not)."""

from __future__ import annotations

from grants.extensions import db
from grants.jobs import services as jobs
from grants.jobs.models import Job
from grants.portfolio import importer
from grants.portfolio.jobs import IMPORT
from grants.portfolio.models import ImportMapping, MappingKind, PortfolioImport
from grants.portfolio.victims import VictimFileError, replace_figures


def keep_upload(filename: str, content: bytes, user) -> PortfolioImport:
    """Keep an understood file for its preview."""
    upload = importer.store_upload(filename, content, user)
    db.session.commit()
    return upload


def request_import(upload: PortfolioImport, mapping_version: str | None, user) -> Job:
    """The import of a previewed file, in the worker (a 5 000-row file takes seconds)."""
    return jobs.request_job(
        IMPORT,
        {"import_id": upload.id, "mapping_version": mapping_version},
        key=f"{IMPORT}:{upload.id}:{upload.sha256[:16]}:{mapping_version or ''}",
        title=f"Import of {upload.filename}",
        user=user,
    )


def import_file(filename: str, content: bytes) -> importer.ImportReport:
    """`flask portfolio import`: keep the file and write its rows in one transaction."""
    upload = importer.store_upload(filename, content)
    report = importer.apply(upload)
    db.session.commit()
    return report


def save_mapping(phrase: str, kind: MappingKind, code: str, user) -> ImportMapping:
    row = importer.save_mapping(phrase, kind, code, user)
    db.session.commit()
    return row


def delete_mapping(mapping: ImportMapping, user) -> None:
    importer.delete_mapping(mapping, user)
    db.session.commit()


def replace_victim_figures(content: bytes, default_source: str, user) -> int:
    """All the figures of the file or none: a refused file leaves the stored ones as they
    were (VictimFileError, with the rows at fault)."""
    try:
        count = replace_figures(content, default_source, user)
    except VictimFileError:
        db.session.rollback()
        raise
    db.session.commit()
    return count
