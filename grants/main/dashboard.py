"""The dashboard's sections: what needs the signed-in user now.

Each domain contributes its sections in its own `grants/<domain>/dashboard.py` with
`@section(order)`: a function of the user that returns a `Section` (plain rows and the
partial template that shows them) or None when it has nothing for this user. A section reads
its rows in a bounded number of queries (tests/main/test_dashboard.py counts them at two
data sizes), so the dashboard costs the same with 10 or 10 000 proposals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from grants import clock, domains
from grants.formatting import count_of


@dataclass
class Section:
    key: str  # the anchor and the test's handle: "applicant-drafts"
    title: str
    template: str  # the partial that renders `section.rows`
    rows: list = field(default_factory=list)
    empty: str = ""  # what to say when there are no rows
    more_url: str = ""  # a link to the full list
    more_label: str = ""
    extra: dict = field(default_factory=dict)  # anything else the partial shows


@dataclass(frozen=True)
class Provider:
    order: int  # lower comes first
    run: Callable  # run(user) -> Section | None


PROVIDERS: list[Provider] = []


def section(order: int) -> Callable:
    def register(run: Callable) -> Callable:
        PROVIDERS.append(Provider(order, run))
        return run

    return register


_loaded = False


def load() -> None:
    """Import every `grants.<domain>.dashboard` module (once)."""
    global _loaded
    if _loaded:
        return
    domains.import_each("dashboard")
    _loaded = True


def sections_for(user) -> list[Section]:
    load()
    found = []
    for provider in sorted(PROVIDERS, key=lambda p: p.order):
        result = provider.run(user)
        if result is not None:
            found.append(result)
    return found


def days_left(due: datetime | None, now: datetime | None = None) -> str:
    """'3 days left', 'due today', '2 days overdue': counted in whole days to the moment."""
    if due is None:
        return ""
    seconds = (clock.as_utc(due) - (now or clock.now())).total_seconds()
    if 0 <= seconds < 86400:
        return "due today"
    days = int(seconds // 86400) if seconds > 0 else max(1, int(-seconds // 86400))
    return f"{count_of(days, 'day')} {'left' if seconds > 0 else 'overdue'}"


def is_overdue(due: datetime | None, now: datetime | None = None) -> bool:
    return due is not None and clock.as_utc(due) < (now or clock.now())
