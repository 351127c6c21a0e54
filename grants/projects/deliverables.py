"""Files that deliver a grant's deliverables: uploaded by the coordinator's members while the
project runs, with the checks of a proposal's annexes (a PDF judged by its content, no
active content, within the upload limit), stored under a random name outside the web root,
never removed. A report names the files of the deliverables it ticks done."""

from __future__ import annotations

import os

from flask import current_app
from sqlalchemy import select

from grants.audit import services as audit
from grants.extensions import db
from grants.projects.models import DeliverableFile, Grant, GrantStatus
from grants.projects.services import ProjectError, refusing
from grants.transactions import commit_or_remove

PREFIX = "deliverables:"  # the key of a deliverable among a report's ticked items


def deliverable(grant: Grant, number: int) -> dict | None:
    """The work plan's deliverable at position `number`, or None."""
    items = (grant.work_plan or {}).get("deliverables") or []
    return items[number] if 0 <= number < len(items) else None


def files_of(grant: Grant) -> dict[int, list[DeliverableFile]]:
    """Deliverable position -> its files, oldest first (one statement for the grant)."""
    found: dict[int, list[DeliverableFile]] = {}
    for item in db.session.scalars(
        select(DeliverableFile)
        .where(DeliverableFile.grant_id == grant.id)
        .order_by(DeliverableFile.deliverable, DeliverableFile.id)
    ):
        found.setdefault(item.deliverable, []).append(item)
    return found


def files_for(grant: Grant, keys: list[str]) -> list[dict]:
    """What a report records of the files of the deliverables it ticks done."""
    files = files_of(grant)
    found = []
    for key in keys:
        if key.startswith(PREFIX) and key[len(PREFIX) :].isdigit():
            for item in files.get(int(key[len(PREFIX) :]), []):
                found.append(
                    {
                        "id": item.id,
                        "deliverable": item.deliverable,
                        "filename": item.filename,
                        "sha256": item.sha256,
                    }
                )
    return found


def path_of(item: DeliverableFile) -> str:
    return os.path.join(_upload_dir(), item.stored_name)


def _upload_dir() -> str:
    from grants.proposals.annexes import upload_dir

    return upload_dir()


@refusing
def add_file(grant: Grant, number: int, filename: str, data: bytes, actor) -> DeliverableFile:
    """Store `data` as a file of the deliverable at `number`; ProjectError (at the field
    "file") when it cannot be."""
    from grants.projects.permissions import can_report
    from grants.proposals.annexes import pdf_problem, store_upload

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    item = deliverable(grant, number)
    if not can_report(actor, grant):
        problem = "Only the coordinator's members upload deliverables."
    elif grant.status != GrantStatus.RUNNING:
        problem = "Deliverables are uploaded while the project runs."
    elif item is None:
        problem = "There is no such deliverable."
    elif limit and len(data) > limit:  # normally refused earlier with a 413
        problem = f"The file is larger than {limit // (1024 * 1024)} MB."
    else:
        problem = pdf_problem(data)
    if problem:
        raise ProjectError(problem, {"file": [problem]})
    columns, path = store_upload(data, filename, "deliverable.pdf", actor)
    name = columns["filename"]
    upload = DeliverableFile(grant_id=grant.id, deliverable=number, **columns)
    db.session.add(upload)
    db.session.flush()
    audit.record(
        "grant",
        grant.id,
        "upload-deliverable",
        f"File '{name}' ({len(data)} bytes) uploaded for deliverable "
        f"“{item.get('title', number + 1)}”",
        {"sha256": upload.sha256},
        actor=actor,
    )
    commit_or_remove(path)
    return upload
