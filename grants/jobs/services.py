"""Enqueue work in the caller's transaction; claim, finish, fail and retry it.

Claiming is one UPDATE of the oldest due rows: on PostgreSQL its sub-select takes them
`FOR UPDATE SKIP LOCKED`, so any number of workers share the table without waiting on
each other; on SQLite (one writer at a time) the same UPDATE ... WHERE state = 'queued' is
atomic. A claim holds a lease: a row still running when its lease ends (the worker died or
hung) is queued again, and a row out of attempts becomes failed, the dead letter a
programme manager sees and retries.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from grants import clock
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs.models import Job, JobState
from grants.jobs.registry import HANDLERS, Handler, load

log = logging.getLogger(__name__)

BACKOFF_BASE = 30  # seconds before the first retry; doubles with every attempt
BACKOFF_MAX = 3600


class JobError(ValueError):
    """A refusal people can read (retrying a job that did not fail ...)."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# Writing --------------------------------------------------------------------------------------


def enqueue(
    kind: str,
    payload: dict | None = None,
    *,
    key: str | None = None,
    title: str = "",
    user=None,
    parent: Job | None = None,
    run_after: datetime | None = None,
    fresh: bool = False,
) -> Job:
    """Add a job to the current transaction (the caller commits). The same `key` twice gives
    one job: the first, found in the session or the table. `fresh`: the key names a row
    this transaction inserted (a new submission's id), so no job can have it yet and it is
    not looked up (a duplicate would still fail the commit on the unique key)."""
    if key is not None and not fresh:
        existing = _by_key(key)
        if existing is not None:
            return existing
    return _new(kind, payload or {}, key, title, user, parent, run_after)


def request_job(kind: str, payload: dict, *, key: str, title: str = "", user=None) -> Job:
    """What a page asks for and then follows on a progress page: the job of this key (a new
    one, or the one already asked for), a failed one sent round again for `user`, committed;
    in eager mode (tests, demo) it runs here before the page goes on."""
    job = enqueue(kind, payload, key=key, title=title, user=user)
    if job.state == JobState.FAILED:  # asked again after it failed: try once more
        retry(job, user)
    db.session.commit()
    if eager():
        from grants.jobs.worker import run_jobs

        run_jobs(ids=[job.id])
    return job


def enqueue_each(kind: str, payloads: dict[str, dict], *, parent: Job | None = None) -> list[Job]:
    """enqueue() for many jobs of one kind, keyed, in a query per thousand keys instead of
    one per job (the jobs of a whole call's results); returns them in the keys' order."""
    found = {
        obj.dedupe_key: obj
        for obj in db.session.new
        if isinstance(obj, Job) and obj.dedupe_key in payloads
    }
    keys = list(payloads)
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        for job in db.session.scalars(select(Job).where(Job.dedupe_key.in_(chunk))):
            found.setdefault(job.dedupe_key, job)
    return [
        found[key] if key in found else _new(kind, payload, key, "", None, parent, None)
        for key, payload in payloads.items()
    ]


IN_CHUNK = 1000  # values per IN (...) list


def _new(kind, payload, key, title, user, parent, run_after) -> Job:
    load()  # the kind's priority and attempts, also in a web process
    options = HANDLERS.get(kind)
    job = Job(
        kind=kind,
        payload=payload,
        dedupe_key=key,
        title=title[:300],
        user_id=getattr(user, "id", None),
        parent=parent,
        priority=options.priority if options else 5,
        max_attempts=options.max_attempts if options else 5,
        run_after=run_after or clock.now(),
        state=JobState.QUEUED,
    )
    db.session.add(job)
    return job


def group(title: str, unit: str, *, one: str = "", key: str | None = None, user=None) -> Job:
    """A job that runs nothing itself: it follows the jobs enqueued with `parent=` it and
    is done when all of them have finished (its progress is theirs). `unit` names what
    its jobs do, for the progress line: "e-mails sent"; `one` the same after 1: "e-mail
    sent"."""
    payload = {"unit": unit, **({"one": one} if one else {})}
    job = enqueue("group", payload, key=key, title=title, user=user)
    job.state = JobState.WAITING
    return job


def _by_key(key: str) -> Job | None:
    for obj in db.session.new:
        if isinstance(obj, Job) and obj.dedupe_key == key:
            return obj
    return db.session.scalar(select(Job).where(Job.dedupe_key == key))


def find(key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.dedupe_key == key))


def insert_once(job: Job) -> Job | None:
    """Add `job` in a savepoint; None if its dedupe key exists (another process won)."""
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        return None
    return job


# Claiming ---------------------------------------------------------------------------------------


def _due(now: datetime):
    return (Job.state == JobState.QUEUED) & (Job.run_after <= now)


def claim(worker: str, *, ids: list[int] | None = None, kinds: list[str] | None = None) -> list:
    """Claim the oldest due job and, when its kind takes batches, more of that kind."""
    load()
    now = clock.now()
    first = select(Job.kind).where(_due(now))
    if ids is not None:
        first = first.where(Job.id.in_(ids))
    if kinds is not None:
        first = first.where(Job.kind.in_(kinds))
    kind = db.session.scalar(first.order_by(Job.priority, Job.run_after, Job.id).limit(1))
    if kind is None:
        db.session.commit()
        return []
    handler = HANDLERS.get(kind)
    size = handler.batch if handler else 1
    timeout = handler.timeout if handler else 300
    chosen = (
        select(Job.id)
        .where(_due(now), Job.kind == kind)
        .order_by(Job.priority, Job.run_after, Job.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        chosen = chosen.where(Job.id.in_(ids))
    token = uuid.uuid4().hex
    db.session.execute(
        update(Job)
        .where(Job.id.in_(chosen.scalar_subquery()), Job.state == JobState.QUEUED)
        .values(
            state=JobState.RUNNING,
            attempts=Job.attempts + 1,
            claimed_at=now,
            claimed_by=worker[:120],
            claim_token=token,
            lease_until=now + timedelta(seconds=timeout),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(select(Job).where(Job.claim_token == token).order_by(Job.id)))


def reap() -> int:
    """Queue again the jobs whose claim ran out (their worker died or hung); those out of
    attempts fail. Returns how many were released."""
    now = clock.now()
    expired = (Job.state == JobState.RUNNING) & (Job.lease_until < now)
    message = "The worker stopped before finishing this job (its claim timed out)."
    failed = db.session.execute(
        update(Job)
        .where(expired, Job.attempts >= Job.max_attempts)
        .values(state=JobState.FAILED, last_error=message, finished_at=now, claim_token=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    queued = db.session.execute(
        update(Job)
        .where(expired)
        .values(state=JobState.QUEUED, last_error=message, run_after=now, claim_token=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if failed or queued:
        log.warning(
            "released %s, %s of them out of attempts", count_of(queued, "timed-out job"), failed
        )
    for group_id in _settled_groups():  # empty, or a crash came between a job and its group
        follow_group(group_id)
    return failed + queued


def _settled_groups() -> list[int]:
    child = aliased(Job)
    unfinished = (
        select(child.id)
        .where(child.parent_id == Job.id, child.state.not_in([JobState.DONE, JobState.FAILED]))
        .exists()
    )
    return list(
        db.session.scalars(select(Job.id).where(Job.state == JobState.WAITING, ~unfinished))
    )


# Finishing ---------------------------------------------------------------------------------------


def _owned(job_id: int, token: str):
    return (Job.id == job_id) & (Job.claim_token == token) & (Job.state == JobState.RUNNING)


def complete(job: Job, token: str, result: dict | None) -> bool:
    """Mark the job done with the handler's writes in one commit; False if the claim was lost
    (the lease ran out and another worker took it: its writes are rolled back)."""
    done = db.session.execute(
        update(Job)
        .where(_owned(job.id, token))
        .values(state=JobState.DONE, result=result, finished_at=clock.now(), last_error="")
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.rollback()
        log.warning("job %s finished after its claim ran out; another worker retries it", job.id)
        return False
    parent_id = job.parent_id
    db.session.commit()
    if parent_id:
        follow_group(parent_id)
    return True


def complete_batch(
    token: str,
    results: dict[int, dict | None],
    *,
    writes: Callable[[], None] | None = None,
    lease_seconds: int | None = None,
) -> None:
    """Mark jobs of one claim (one token) done with their results in one commit, together
    with the handler's `writes()`; with `lease_seconds`, the claim's other running jobs get
    their lease extended (the batch is making progress). A job whose claim ran out is left
    to the worker that took it over; the groups of the jobs done follow after the commit."""
    now = clock.now()
    table = Job.__table__
    db.session.execute(
        table.update()
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claim_token == token,
            table.c.state == JobState.RUNNING,
        )
        .values(state=JobState.DONE, result=bindparam("b_result"), finished_at=now, last_error=""),
        [{"b_id": job_id, "b_result": result} for job_id, result in results.items()],
    )
    if writes is not None:
        writes()
    if lease_seconds:
        db.session.execute(
            update(Job)
            .where(Job.claim_token == token, Job.state == JobState.RUNNING)
            .values(lease_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
    parents = set(
        db.session.scalars(
            select(Job.parent_id).where(Job.id.in_(list(results)), Job.parent_id.is_not(None))
        )
    )
    db.session.commit()
    for parent_id in sorted(parents):
        follow_group(parent_id)


def release(claims: list[tuple[int, str]]) -> None:
    """Hand claimed jobs back untouched (a worker stopping mid-batch): queued again now, the
    attempt not counted."""
    for job_id, token in claims:
        db.session.execute(
            update(Job)
            .where(_owned(job_id, token))
            .values(state=JobState.QUEUED, attempts=Job.attempts - 1, claim_token=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def fail(job_id: int, token: str, error: BaseException | str) -> JobState | None:
    """After a handler raised: retry later with exponential backoff, or fail for good."""
    db.session.rollback()
    if isinstance(error, BaseException):
        text = "".join(traceback.format_exception_only(type(error), error)).strip()
    else:
        text = error
    job = db.session.get(Job, job_id)
    if job is None or job.claim_token != token or job.state != JobState.RUNNING:
        db.session.rollback()
        return None
    now = clock.now()
    job.last_error = text[:4000]
    job.claim_token = None
    if job.attempts >= job.max_attempts:
        job.state = JobState.FAILED
        job.finished_at = now
    else:
        job.state = JobState.QUEUED
        job.run_after = now + backoff(job.attempts)
    state, parent_id = job.state, job.parent_id
    handler = HANDLERS.get(job.kind)
    if handler is not None and handler.on_fail is not None:
        handler.on_fail(job.payload, job.last_error, state == JobState.FAILED)
    db.session.commit()
    log.warning("job %s (%s) failed, attempt %s: %s", job_id, job.kind, job.attempts, text)
    if state == JobState.FAILED and parent_id:
        follow_group(parent_id)
    return state


def progress(job: Job, token: str, done: int, total: int, message: str = "") -> None:
    """Record progress (and extend the claim: the worker is alive). Commits."""
    handler = HANDLERS.get(job.kind)
    timeout = handler.timeout if handler else 300
    db.session.execute(
        update(Job)
        .where(_owned(job.id, token))
        .values(
            progress_done=done,
            progress_total=total,
            progress_message=message[:300],
            lease_until=clock.now() + timedelta(seconds=timeout),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _group_progress(group_id: int) -> tuple[int, int]:
    counts = dict(
        db.session.execute(
            select(Job.state, func.count()).where(Job.parent_id == group_id).group_by(Job.state)
        ).all()
    )
    return counts.get(JobState.DONE, 0) + counts.get(JobState.FAILED, 0), sum(counts.values())


def follow_group(group_id: int) -> None:
    """Count a group's finished jobs; when none is left, the group is done (and its owner
    told in the notification centre)."""
    finished_count, total = _group_progress(group_id)
    failed = db.session.scalar(
        select(func.count()).where(Job.parent_id == group_id, Job.state == JobState.FAILED)
    )
    sent = finished_count - failed
    values = {"progress_done": finished_count, "progress_total": total}
    finished = finished_count == total
    if finished:
        values.update(
            state=JobState.DONE,
            finished_at=clock.now(),
            result={"done": sent, "failed": failed},
        )
    changed = db.session.execute(
        update(Job)
        .where(Job.id == group_id, Job.state == JobState.WAITING)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed and finished:
        from grants.notifications.services import job_finished

        job_finished(db.session.get(Job, group_id))
    db.session.commit()


def retry(job: Job, actor) -> None:
    """A programme manager sends a failed job round again, with its attempts reset."""
    from grants.audit import services as audit

    if job.state != JobState.FAILED:
        raise JobError("Only failed work can be retried; this one is not failed.")
    handler: Handler | None = HANDLERS.get(job.kind)
    if handler is not None and handler.on_retry is not None:
        handler.on_retry(job.payload)
    job.state = JobState.QUEUED
    job.attempts = 0
    job.run_after = clock.now()
    job.finished_at = None
    audit.record(
        "job",
        job.id,
        "retry",
        f"Failed job {job.id} ({job.title or job.kind}) queued again",
        {"last_error": job.last_error[:500]},
        actor=actor,
    )
    if job.parent_id:
        db.session.execute(
            update(Job)
            .where(Job.id == job.parent_id, Job.state == JobState.DONE)
            .values(state=JobState.WAITING, finished_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


# Reading -----------------------------------------------------------------------------------------


def failed_jobs(limit: int = 200) -> list[Job]:
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.state == JobState.FAILED)
            .order_by(Job.finished_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def retrying_jobs(limit: int = 200) -> list[Job]:
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.state == JobState.QUEUED, Job.attempts > 0, Job.last_error != "")
            .order_by(Job.run_after)
            .limit(limit)
        )
    )


def counts() -> dict[JobState, int]:
    return dict(db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all())


def describe(job: Job) -> dict:
    """What the progress page and its JSON show of a job."""
    result = job.result or {}
    done, total = job.progress_done, job.progress_total
    if job.kind == "group" and job.state == JobState.WAITING:
        done, total = _group_progress(job.id)
    if job.kind == "group":

        def unit(n: int) -> str:  # "1 of 1 e-mail sent", "2 of 3 e-mails sent"
            many = job.payload.get("unit", "done")
            return job.payload.get("one", many) if n == 1 else many

        message = f"{done} of {total} {unit(total)}" if total else "Starting"
        summary = ""
        if job.state == JobState.DONE:
            finished = result.get("done", done)
            summary = f"{finished} {unit(finished)}"
            if result.get("failed"):
                summary += f"; {result['failed']} failed (a programme manager can retry them)"
    else:
        message = job.progress_message
        summary = result.get("summary", "") if job.state == JobState.DONE else ""
    if job.state == JobState.FAILED:
        summary = "This work failed: " + (job.last_error.splitlines() or [""])[-1][:300]
    return {
        "id": job.id,
        "title": job.title,
        "state": job.state.value,
        "label": job.state.label,
        "done": done,
        "total": total,
        "percent": job.percent,
        "message": message,
        "finished": job.state.finished,
        "summary": summary,
        "link": result.get("link", "") if job.state == JobState.DONE else "",
        "link_label": result.get("link_label", ""),
    }


def eager() -> bool:
    return bool(current_app.config.get("GRANTS_JOBS_EAGER"))
