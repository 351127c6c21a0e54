"""What the worker knows how to do: handlers by job kind and scheduled jobs by name.

Each domain registers its own in its own module (`@handler("mail.send")`,
`@scheduled("review.reminders", CronTrigger(...))`); `load()` imports every
`grants.<domain>.jobs` module and the modules listed in MODULES, so a new job is one
definition in the domain that needs it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from grants import domains

# Modules outside the grants.<domain>.jobs convention that define handlers or schedules.
MODULES = (
    "grants.notifications.services",
    "grants.notifications.delivery",
    "grants.notifications.digest",
    "grants.jobs.documents",
    "grants.jobs.reminders",
    "grants.jobs.schedules",
)


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable  # run(payload, resource, job) -> result dict or None
    label: str  # what people see on the failed-jobs page
    batch: int = 1  # how many jobs of this kind one claim takes (one resource for all)
    resource: Callable[[], AbstractContextManager] = field(default=nullcontext)
    timeout: int = 300  # seconds a claim lasts before another worker may retry the job
    max_attempts: int = 5
    priority: int = 5  # lower runs first: mail before PDFs
    on_fail: Callable | None = None  # on_fail(payload, error, final): in the failure's commit
    on_retry: Callable | None = None  # on_retry(payload): when a manager retries a failed job
    # run_batch(jobs, resource, stopping): runs a whole claimed batch instead of `run` once
    # per job, and finishes each job itself (services.complete_batch, fail, release)
    run_batch: Callable | None = None


@dataclass(frozen=True)
class Schedule:
    name: str
    trigger: object  # an APScheduler trigger: CronTrigger, IntervalTrigger
    run: Callable  # run(fire_time) -> result dict or None; must be idempotent
    description: str


HANDLERS: dict[str, Handler] = {}
SCHEDULES: dict[str, Schedule] = {}


def handler(kind: str, label: str, **options) -> Callable:
    def register(run: Callable) -> Callable:
        HANDLERS[kind] = Handler(kind, run, label, **options)
        return run

    return register


def scheduled(name: str, trigger, description: str) -> Callable:
    def register(run: Callable) -> Callable:
        SCHEDULES[name] = Schedule(name, trigger, run, description)
        return run

    return register


_loaded = False


def load() -> None:
    """Import every module that registers handlers or schedules (once)."""
    global _loaded
    if _loaded:
        return
    for module in MODULES:
        importlib.import_module(module)
    domains.import_each("jobs")
    _loaded = True


def label_of(kind: str) -> str:
    found = HANDLERS.get(kind)
    return found.label if found else "Background work"
