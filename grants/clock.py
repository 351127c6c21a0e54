"""The one source of "now" (aware UTC), which tests can move, and time-zone display helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
