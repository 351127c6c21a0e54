"""The demo portfolio: a few phrases of the mapping table, then the import of
seed/demo_portfolio.csv (illustrative historical projects) through the real importer, so the
review map has content on `make run`. Idempotent: a second run updates the same projects."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select

from grants.extensions import db
from grants.portfolio import importer
from grants.portfolio.models import ImportMapping, ImportState, MappingKind, PortfolioImport

DEMO_FILE = Path(__file__).resolve().parent / "demo_portfolio.csv"

# What a programme manager would teach the import after a first look at the preview.
MAPPINGS = [
    ("referral mechanism", MappingKind.PRIORITY, "early-identification"),
    ("identification of victims", MappingKind.PRIORITY, "early-identification"),
    ("child protection", MappingKind.PRIORITY, "child"),
    ("guardianship", MappingKind.PRIORITY, "A5.K7"),
    ("unaccompanied minors", MappingKind.TARGET_GROUP, "unaccompanied-minors"),
    ("training of police", MappingKind.PRIORITY, "training"),
    ("labour inspectors", MappingKind.TARGET_GROUP, "labour-inspectors"),
    ("awareness raising", MappingKind.PRIORITY, "awareness"),
    ("demand reduction", MappingKind.PRIORITY, "A3"),
    ("supply chains", MappingKind.PRIORITY, "A3"),
    ("joint investigation teams", MappingKind.PRIORITY, "A4.1"),
    ("financial investigations", MappingKind.PRIORITY, "A4.1"),
    ("data collection", MappingKind.PRIORITY, "data"),
    ("research", MappingKind.PROJECT_TYPE, "research-data"),
    ("online recruitment", MappingKind.PRIORITY, "online"),
    ("internet", MappingKind.PRIORITY, "online"),
    ("forced criminality", MappingKind.EXPLOITATION, "criminal-activities"),
    ("prosecutors", MappingKind.TARGET_GROUP, "judiciary"),
    ("return and re-integration", MappingKind.PRIORITY, "reintegration"),
    ("national coordination", MappingKind.PROJECT_TYPE, "policy-coordination"),
    ("policy", MappingKind.PROJECT_TYPE, "policy-coordination"),
    ("shelters", MappingKind.PRIORITY, "shelters"),
]


def load_demo_portfolio() -> str:
    content = DEMO_FILE.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    done = db.session.scalar(
        select(PortfolioImport.id).where(
            PortfolioImport.sha256 == digest, PortfolioImport.state == ImportState.APPLIED
        )
    )
    if done is not None:  # a second run changes nothing (and writes no audit entry)
        return f"{DEMO_FILE.name} already imported"
    known = {(m.phrase, m.kind): m.code for m in db.session.scalars(select(ImportMapping))}
    for phrase, kind, code in MAPPINGS:
        if known.get((phrase, kind)) != code:
            importer.save_mapping(phrase, kind, code)
    upload = importer.store_upload(DEMO_FILE.name, content)
    importer.apply(upload)
    db.session.commit()
    return (
        f"{upload.created} historical projects imported, {upload.updated} updated, "
        f"{upload.rejected} rows rejected"
    )
