"""Login throttling that slows an attacker down without locking the rightful user out.

The count is kept per (account, address) pair in the `login_attempt` table, so every process
and host sharing the database agrees. After a few free failures each further failure of the
pair doubles a waiting time (capped); during the wait the attempt is refused without looking
at the password and is not recorded, so refused attempts never extend the wait. The same
account from another address, or another account from this address, is not slowed by it.
A separate, higher count per address across accounts slows down someone trying many accounts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from grants import clock
from grants.accounts.models import LoginAttempt
from grants.extensions import db


@dataclass(frozen=True)
class Wait:
    seconds: int
    reason: str

    @property
    def message(self) -> str:
        if self.seconds >= 120:
            amount = f"{math.ceil(self.seconds / 60)} minutes"
        else:
            amount = f"{self.seconds} seconds"
        return f"{self.reason} Wait {amount} and try again, or reset your password."


def _delay(failures: int, free: int) -> timedelta:
    """Nothing for the first `free` failures, then 15 s doubling per failure, at most the cap."""
    if failures < free:
        return timedelta(0)
    base = current_app.config["GRANTS_LOGIN_DELAY_SECONDS"]
    cap = current_app.config["GRANTS_LOGIN_MAX_DELAY_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** min(failures - free, 20)))


def _failures(*conditions) -> tuple[int, datetime | None]:
    """Failures matching `conditions` within the window and since the last success."""
    window = timedelta(minutes=current_app.config["GRANTS_LOGIN_WINDOW_MINUTES"])
    start = clock.now() - window
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(*conditions, LoginAttempt.succeeded.is_(True))
    )
    if last_success is not None:
        start = max(start, clock.as_utc(last_success))
    count, last = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            *conditions, LoginAttempt.succeeded.is_(False), LoginAttempt.at > start
        )
    ).one()
    return count or 0, last


def wait_before(email: str, ip: str) -> Wait | None:
    """How long this (account, address) must wait before its next attempt, or None."""
    config = current_app.config
    now = clock.now()
    pair, last = _failures(LoginAttempt.email == email, LoginAttempt.ip == ip)
    delay = _delay(pair, config["GRANTS_LOGIN_FREE_FAILURES"])
    if delay and last is not None and clock.as_utc(last) + delay > now:
        left = clock.as_utc(last) + delay - now
        return Wait(
            max(1, math.ceil(left.total_seconds())),
            "Too many failed attempts for this account from your address.",
        )
    if ip:
        address, last = _failures(LoginAttempt.ip == ip)
        delay = _delay(address, config["GRANTS_LOGIN_MAX_FAILURES_PER_IP"])
        if delay and last is not None and clock.as_utc(last) + delay > now:
            left = clock.as_utc(last) + delay - now
            return Wait(
                max(1, math.ceil(left.total_seconds())),
                "Too many failed logins from your address.",
            )
    return None
