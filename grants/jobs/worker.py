"""The worker loop (`flask jobs run`): release timed-out claims, claim due jobs, run them.

A handler runs inside the worker's database session; its writes and the job's `done` are
committed together, so a worker killed mid-job leaves the job running until its lease ends
and another worker runs it again (handlers are idempotent). Jobs of one kind claimed
together share one resource (one SMTP connection for a batch of mail); a kind with a batch
form (`run_batch`, the mail) runs the whole claimed batch itself and finishes its jobs in as
few commits as it can (grants/notifications/delivery.py)."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from grants.extensions import db
from grants.jobs import services
from grants.jobs.models import Job
from grants.jobs.registry import HANDLERS, load

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, app: Flask, name: str | None = None, poll: float | None = None):
        self.app = app
        self.name = name or services.worker_name()
        self.poll = poll if poll is not None else app.config.get("GRANTS_JOBS_POLL_SECONDS", 1.0)
        self.stopping = threading.Event()
        load()

    def run_batch(self, *, ids: list[int] | None = None, kinds: list[str] | None = None) -> int:
        """Claim and run one batch; returns how many jobs it claimed."""
        services.reap()
        jobs = services.claim(self.name, ids=ids, kinds=kinds)
        if not jobs:
            return 0
        handler = HANDLERS.get(jobs[0].kind)
        if handler is None:
            for job in jobs:
                services.fail(job.id, job.claim_token, f"No handler for jobs of kind {job.kind!r}.")
            return len(jobs)
        claims = [(job.id, job.claim_token) for job in jobs]
        try:
            resource = handler.resource()
            shared = resource.__enter__()
        except Exception as exc:  # e.g. the SMTP server is down: every job waits its backoff
            for job_id, token in claims:
                services.fail(job_id, token, exc)
            return len(jobs)
        try:
            if handler.run_batch is not None:
                self._run_whole(handler, jobs, shared)
                return len(jobs)
            for n, (job_id, token) in enumerate(claims):
                if self.stopping.is_set():  # stopping: hand the rest back at once
                    services.release(claims[n:])
                    break
                self._run_one(handler, job_id, token, shared)
        finally:
            try:
                resource.__exit__(None, None, None)
            except Exception:  # closing a broken connection must not fail the batch
                log.exception("closing the resource of a %s batch", handler.kind)
        return len(jobs)

    def _run_whole(self, handler, jobs: list[Job], shared) -> None:
        try:
            handler.run_batch(jobs, shared, self.stopping)
        except Exception:  # what it did not finish is retried when the claims time out
            db.session.rollback()
            log.exception("a batch of %s jobs", handler.kind)

    def _run_one(self, handler, job_id: int, token: str, shared) -> None:
        job = db.session.get(Job, job_id)
        if job is None:
            return
        try:
            result = handler.run(job.payload, shared, _Context(job, token))
        except Exception as exc:
            services.fail(job_id, token, exc)
            return
        services.complete(job, token, result)

    def drain(self, *, ids: list[int] | None = None, kinds: list[str] | None = None) -> int:
        """Run batches until nothing is due (of those ids or kinds); returns jobs claimed."""
        total = 0
        while not self.stopping.is_set():
            claimed = self.run_batch(ids=ids, kinds=kinds)
            if not claimed:
                break
            total += claimed
        return total

    def run_forever(self) -> None:
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    claimed = self.drain()
                except Exception:  # the database went away: wait and try again
                    log.exception("worker loop")
                    claimed = 0
                finally:
                    db.session.remove()
            if not claimed:
                self.stopping.wait(self.poll)
        log.info("worker %s stopped", self.name)

    def stop(self) -> None:
        self.stopping.set()


class _Context:
    """What a handler may do with its own job: report progress."""

    def __init__(self, job: Job, token: str):
        self.job = job
        self.token = token

    def progress(self, done: int, total: int, message: str = "") -> None:
        services.progress(self.job, self.token, done, total, message)


def run_jobs(*, ids: list[int] | None = None, kinds: list[str] | None = None) -> int:
    """Run what is due now in this process, in the current app context (tests, eager mode,
    `flask jobs run --once`). Returns how many jobs ran."""
    from flask import current_app

    return Worker(current_app._get_current_object(), name="in-process").drain(ids=ids, kinds=kinds)
