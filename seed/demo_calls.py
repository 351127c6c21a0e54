"""Demo calls modelled on real AMIF and ISF anti-trafficking calls, created by the demo manager
from their data in seed/demo_calls.toml."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from grants import clock
from grants.accounts.services import user_by_email
from grants.calls import services
from grants.calls.models import (
    DEFAULT_CRITERIA,
    DEFAULT_REQUIRED_ANNEXES,
    DEFAULT_SECTION_LIMITS,
    DEFAULT_TIE_BREAK_RULES,
    Call,
    CallStatus,
)
from grants.extensions import db
from grants.taxonomy.services import eu_members

MANAGER = "manager@thb-demo.eu"
ILLUSTRATIVE = (
    "\n\n*Demo data: {what} are illustrative, not taken from the real call this one is "
    "modelled on.*"
)


def _brussels(year, month, day, hour=17, minute=0) -> datetime:
    return clock.brussels_to_utc(datetime(year, month, day, hour, minute))


def _criteria() -> list[dict]:
    return [
        {**c, "max_points": Decimal(c["max_points"]), "threshold": Decimal(c["threshold"])}
        for c in DEFAULT_CRITERIA
    ]


def _common(**values) -> dict:
    eu27_except_dk = sorted(eu_members() - {"DK"})  # AMIF and ISF: Denmark does not take part
    base = {
        "eligible_org_types": [
            "ngo",
            "public_authority",
            "local_regional_authority",
            "international_organisation",
            "research",
        ],
        "coordinator_countries": list(eu27_except_dk),
        "partner_countries": list(eu27_except_dk),
        "section_limits": dict(DEFAULT_SECTION_LIMITS),
        "required_annexes": [dict(a) for a in DEFAULT_REQUIRED_ANNEXES],
        "criteria": _criteria(),
        "overall_threshold": Decimal(70),
        "tie_break_rules": list(DEFAULT_TIE_BREAK_RULES),
        "evaluators_per_proposal": 3,
        "aggregation": "mean",
        "alignment_use": "information",
        "selection_policy": "stop",
        "reserve_size": 3,
    }
    base.update(values)
    return base


DATA = Path(__file__).with_name("demo_calls.toml")
DECIMALS = ("total_budget", "min_contribution", "max_contribution", "funding_rate")
STEPS = ("statuses", "published", "published_in_days")


def _data() -> dict:
    with DATA.open("rb") as handle:
        return tomllib.load(handle)


def _moment(entry: dict, name: str, now: datetime) -> datetime:
    """The call's `name` (opens, deadline): fixed, or a number of days from now at a time."""
    if name in entry:
        return clock.brussels_to_utc(entry[name])
    day = (now + timedelta(days=entry[f"{name}_in_days"])).astimezone(clock.BRUSSELS)
    return clock.brussels_to_utc(datetime.combine(day.date(), entry[f"{name}_time"]))


def call_values(entry: dict, now: datetime) -> dict:
    """The values of one call of seed/demo_calls.toml, for calls.services.create_call."""
    values = {k: v for k, v in entry.items() if k not in STEPS and not k.startswith("opens")}
    for name in ("deadline", "deadline_in_days", "deadline_time", "illustrative"):
        values.pop(name, None)
    deadline = _moment(entry, "deadline", now)
    values.update(
        {name: Decimal(entry[name]) for name in DECIMALS},
        reference=entry["reference"].format(year=deadline.astimezone(clock.BRUSSELS).year),
        description=entry["description"] + ILLUSTRATIVE.format(what=entry["illustrative"]),
        opens_at=_moment(entry, "opens", now),
        deadline_at=deadline,
        topics=[{**t, "budget": Decimal(t["budget"])} for t in entry["topics"]],
        priorities={code: Decimal(w) for code, w in entry["priorities"].items()},
    )
    return _common(**values)


def projects_call_values() -> dict:
    """The values of the call of the demo funded projects (fixed dates)."""
    return call_values(_data()["projects_call"], clock.now())


def demo_calls(now: datetime) -> list[tuple[dict, list[CallStatus], datetime]]:
    """(values, statuses to go through, the moment to publish at) for each demo call."""
    return [
        (
            call_values(entry, now),
            [CallStatus(status) for status in entry["statuses"]],
            clock.brussels_to_utc(entry["published"])
            if "published" in entry
            else now + timedelta(days=entry["published_in_days"]),
        )
        for entry in _data()["call"]
    ]


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """Replay a past step at its own time, then give the clock back as it was."""
    saved = (clock._frozen, clock._offset)
    clock.freeze(moment)
    try:
        yield
    finally:
        clock._frozen, clock._offset = saved


def load_demo_calls() -> str:
    """Create the demo calls that do not exist yet (by reference); safe to run again."""
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    now = clock.now()
    created = 0
    for values, statuses, published_at in demo_calls(now):
        if db.session.scalar(select(Call.id).where(Call.reference == values["reference"])):
            continue
        with _at(min(published_at, now)):
            call = services.create_call(values, manager)
            services.transition(call, CallStatus.PUBLISHED, manager)
        for status in statuses[1:]:
            # closed the day after the deadline, evaluation started the day after that
            step = call.deadline_at + timedelta(days=1 + statuses.index(status) - 1)
            with _at(min(step, now)):
                services.transition(call, status, manager)
        created += 1
    return f"{created} calls created"
