"""The one source of "now" (aware UTC), which tests can move, and time-zone display helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grants.formatting import count_of

BRUSSELS = ZoneInfo("Europe/Brussels")

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """The current time as an aware UTC datetime, moved or frozen by tests."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def freeze(moment: datetime) -> None:
    """Stop the clock at `moment` (aware) until `reset()`."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment.astimezone(UTC)


def travel(delta: timedelta) -> None:
    """Move the clock by `delta`, frozen or running."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    _frozen = None
    _offset = timedelta(0)


def as_utc(moment: datetime) -> datetime:
    """Treat a naive datetime (as SQLite returns them) as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for an IANA name, Brussels when the name is empty or unknown."""
    if not name:
        return BRUSSELS
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return BRUSSELS


def to_brussels(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(BRUSSELS)


def brussels_to_utc(local: datetime) -> datetime:
    """A naive wall-clock time entered in Brussels, as aware UTC."""
    return local.replace(tzinfo=BRUSSELS).astimezone(UTC)


def format_in_zone(moment: datetime | None, zone_name: str | None = None) -> str:
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(zone(zone_name))
    return local.strftime("%d %b %Y %H:%M ") + (local.tzname() or "")


def remaining(deadline: datetime, moment: datetime | None = None) -> str:
    """'12 days 3 hours', '4 hours 5 minutes', 'less than a minute', or '' once passed."""
    seconds = int((as_utc(deadline) - (moment or now())).total_seconds())
    if seconds <= 0:
        return ""
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    if days:
        return count_of(days, "day") + (f" {count_of(hours, 'hour')}" if hours else "")
    if hours:
        return count_of(hours, "hour") + (f" {count_of(minutes, 'minute')}" if minutes else "")
    if minutes:
        return count_of(minutes, "minute")
    return "less than a minute"


def countdown_lead(deadline: datetime, verb: str = "closes", moment: datetime | None = None) -> str:
    """The words before 'in 3 hours': the verb, and on the day itself (in Brussels) the hour,
    'closes today at 17:00 Brussels time,'."""
    local = to_brussels(deadline)
    if local.date() == to_brussels(moment or now()).date():
        return f"{verb} today at {local:%H:%M} Brussels time,"
    return verb


def countdown(
    deadline: datetime | None, verb: str = "closes", moment: datetime | None = None
) -> str:
    """What is left before a deadline, in words: 'closes in 3 days 4 hours', on the day
    itself 'closes today at 17:00 Brussels time, in 3 hours 5 minutes', and once past
    'closed: the deadline has passed' (or 'overdue' for a due date)."""
    if deadline is None:
        return ""
    left = remaining(deadline, moment)
    if not left:
        return "overdue" if verb == "due" else "closed: the deadline has passed"
    return f"{countdown_lead(deadline, verb, moment)} in {left}"


def closing_soon(deadline: datetime | None, days: int = 3, moment: datetime | None = None) -> bool:
    """True in the last `days` days before a deadline that has not passed yet."""
    if deadline is None:
        return False
    left = as_utc(deadline) - (moment or now())
    return timedelta(0) < left <= timedelta(days=days)


def your_time(moment: datetime | None, zone_name: str | None) -> str:
    """The moment in a person's own zone, with the zone named ('02 Dec 2026 11:00 EST,
    America/New_York'), or '' when that zone shows the same wall clock as Brussels."""
    if moment is None or not zone_name:
        return ""
    mine = as_utc(moment).astimezone(zone(zone_name))
    if mine.utcoffset() == to_brussels(moment).utcoffset():
        return ""
    return f"{format_in_zone(moment, zone_name)}, {zone(zone_name).key}"
