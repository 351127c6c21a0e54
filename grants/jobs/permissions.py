"""Who may see a job's progress and who may see and retry failed work."""

from __future__ import annotations

from grants.accounts.permissions import is_manager


def can_view_job(user, job) -> bool:
    return user.is_authenticated and (job.user_id == user.id or is_manager(user))


def can_manage_jobs(user) -> bool:
    return is_manager(user)
