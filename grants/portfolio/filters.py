"""The review map's filters: one dataclass read from and written to the URL, shared by the
page, the exports, the PDF and the JSON API, so a view can be shared as a link."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from grants.accounts.models import OrganisationType
from grants.portfolio import geo
from grants.portfolio.models import CountryRole, ProjectSource, ProjectStatus

YEARS = (1990, 2100)


@dataclass(frozen=True)
class PortfolioFilter:
    fund: str = ""
    programme: str = ""
    call: str = ""
    year_from: int | None = None
    year_to: int | None = None
    priority: str = ""
    exploitation: str = ""
    country: str = ""
    region: str = ""
    actor_type: str = ""
    project_type: str = ""
    status: str = ""
    source: str = ""  # "funded", "imported" or "" for both
    mode: CountryRole = CountryRole.COORDINATOR  # how the map and country filters count
    # Who looks: the public sees the configured subset and public fields only.
    public: bool = False

    def to_args(self) -> dict[str, str]:
        """The URL arguments of this view (without the audience, which the user decides)."""
        args = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "public" or value in ("", None):
                continue
            if f.name == "mode" and value == CountryRole.COORDINATOR:
                continue
            args[f.name] = str(value)
        return args

    def without(self, name: str) -> PortfolioFilter:
        default = next(f.default for f in fields(self) if f.name == name)
        return replace(self, **{name: default})

    def with_(self, **changes) -> PortfolioFilter:
        return replace(self, **changes)

    @property
    def active(self) -> list[str]:
        return [
            f.name
            for f in fields(self)
            if f.name not in ("mode", "public") and getattr(self, f.name) not in ("", None)
        ]


# Filters only programme managers may use (the public sees public fields only).
PRIVATE_FILTERS = {"exploitation", "project_type", "status", "source", "programme"}


@dataclass
class Choices:
    """The allowed values of each filter, read from the reference data and the portfolio."""

    funds: dict[str, str]
    programmes: list[str]
    calls: list[str]
    priorities: dict[str, str]
    exploitation: dict[str, str]
    regions: dict[str, str]
    project_types: dict[str, str]


def parse(args, choices: Choices, public: bool) -> tuple[PortfolioFilter, dict[str, str]]:
    """A filter from URL arguments and a message per argument that was not understood; an
    argument that is not understood is left out of the filter, never guessed."""
    errors: dict[str, str] = {}
    values: dict = {"public": public}

    def pick(name: str, allowed, what: str) -> None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return
        if public and name in PRIVATE_FILTERS:
            errors[name] = f"Filtering by {what} is open to programme managers only."
        elif raw in allowed:
            values[name] = raw
        else:
            errors[name] = f"There is no {what} {raw[:60]!r}; the filter was left out."

    pick("fund", choices.funds, "fund")
    pick("programme", choices.programmes, "programme")
    pick("call", choices.calls, "call")
    pick("priority", choices.priorities, "priority")
    pick("exploitation", choices.exploitation, "form of exploitation")
    pick("region", choices.regions, "region")
    pick("actor_type", {t.value for t in OrganisationType}, "actor type")
    pick("project_type", choices.project_types, "project type")
    pick("status", {s.value for s in ProjectStatus}, "status")
    pick("source", {s.value for s in ProjectSource}, "source")
    country = (args.get("country") or "").strip().upper()
    if country:
        if geo.is_country(country):
            values["country"] = country
        else:
            errors["country"] = f"There is no country {country[:20]!r}; the filter was left out."
    mode = (args.get("mode") or "").strip()
    if mode:
        if mode in {m.value for m in CountryRole}:
            values["mode"] = CountryRole(mode)
        else:
            errors["mode"] = "Count countries by coordinator, partner or implementation."
    for name in ("year_from", "year_to"):
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1]:
            values[name] = int(raw)
        else:
            errors[name] = f"A year between {YEARS[0]} and {YEARS[1]}, such as 2016."
    first, last = values.get("year_from"), values.get("year_to")
    if first and last and first > last:
        errors["year_to"] = "The last year is before the first; the year range was left out."
        values.pop("year_from")
        values.pop("year_to")
    return PortfolioFilter(**values), errors
