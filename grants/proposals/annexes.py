"""A proposal's annexes: PDF files checked by content, stored under random names."""

from __future__ import annotations

import hashlib
import os
import secrets

from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from grants import clock
from grants.accounts.models import User
from grants.audit import services as audit
from grants.extensions import db
from grants.proposals.errors import ProposalError, StaleProposal
from grants.proposals.models import (
    Annex,
    Proposal,
)
from grants.proposals.sections import _guard
from grants.transactions import commit_or, commit_or_remove

# Annexes ----------------------------------------------------------------------------------


def upload_dir() -> str:
    path = current_app.config["GRANTS_UPLOAD_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def annex_path(annex: Annex) -> str:
    return os.path.join(upload_dir(), annex.stored_name)


def clean_filename(filename: str, default: str) -> str:
    """The name an uploaded file is shown by: its last part, printable, at most 200 long."""
    name = os.path.basename((filename or default).replace("\\", "/"))
    return "".join(ch for ch in name if ch.isprintable())[:200] or default


def store_upload(data: bytes, filename: str, default: str, uploader: User) -> tuple[dict, str]:
    """Write a checked PDF to a new file of a random name in the upload folder: (the columns
    of the row that records it, the file's path); commit that row with
    transactions.commit_or_remove(path)."""
    stored = secrets.token_hex(20) + ".pdf"
    path = os.path.join(upload_dir(), stored)
    with open(path, "xb") as handle:
        handle.write(data)
    columns = {
        "filename": clean_filename(filename, default),
        "stored_name": stored,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "uploaded_by_id": uploader.id,
    }
    return columns, path


def pdf_problem(data: bytes) -> str | None:
    """Why `data` is not a PDF we accept, judged by content only (never by the file name)."""
    from grants.security.pdf import active_content_problem

    if not data:
        return "The file is empty."
    if not data[:1024].lstrip(b"\r\n\t \x00").startswith(b"%PDF-"):
        return "The file is not a PDF: its content does not start like a PDF, whatever its name."
    if b"%%EOF" not in data[-2048:]:
        return "The PDF is damaged or cut short (it has no end-of-file marker). Save it again."
    if b"/Encrypt" in data:
        return "The PDF is protected with a password or encrypted; upload an unprotected copy."
    return active_content_problem(data)


def annex_kinds(proposal: Proposal) -> list[tuple[str, str]]:
    return [(a["code"], a["title"]) for a in proposal.call.required_annexes or []] + [
        ("other", "Other supporting document")
    ]


def add_annex(proposal: Proposal, user: User, kind: str, filename: str, data: bytes, version):
    _guard(proposal, version)
    if kind not in dict(annex_kinds(proposal)):
        raise ProposalError("Choose what kind of annex this is.")
    problem = pdf_problem(data)
    if problem:
        raise ProposalError(problem)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and len(data) > limit:  # normally refused earlier with a 413
        raise ProposalError(f"The file is larger than {limit // (1024 * 1024)} MB.")
    columns, path = store_upload(data, filename, "annex.pdf", user)
    name = columns["filename"]
    annex = Annex(kind=kind, **columns)
    proposal.annexes.append(annex)
    proposal.touch()
    db.session.flush()
    audit.record(
        "proposal",
        proposal.id,
        "add-annex",
        f"Annex '{name}' ({kind}, {len(data)} bytes) added to {proposal.label}",
        {"sha256": annex.sha256},
        actor=user,
    )
    commit_or_remove(path)
    return annex


def remove_annex(proposal: Proposal, annex: Annex, user: User, version) -> None:
    _guard(proposal, version)
    submitted = any(
        any(a.sha256 == annex.sha256 for a in s.snapshot.annexes) for s in proposal.submissions
    )
    path = annex_path(annex)
    if submitted:
        annex.removed_at = clock.now()  # a submitted version still needs the file
    else:
        proposal.annexes.remove(annex)
    proposal.touch()
    audit.record(
        "proposal",
        proposal.id,
        "remove-annex",
        f"Annex '{annex.filename}' removed from {proposal.label}",
        actor=user,
    )
    commit_or(StaleProposal(), conflicts=(StaleDataError,))
    if not submitted and os.path.exists(path):
        os.unlink(path)
