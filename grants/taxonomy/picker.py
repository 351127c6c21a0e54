"""The country picker: a checkbox per country, grouped for reading (the EU-27 from
`Country.eu_member`, then each region of the reference data, then the rest), with the
shortcuts (EU-27 and each region's full list) that countries.js offers when JavaScript runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from grants.extensions import db
from grants.taxonomy.models import Region
from grants.taxonomy.services import eu_members

EU27 = "EU-27"


@dataclass(frozen=True)
class CountryGroup:
    code: str  # "eu27", a region's code or "other"
    title: str
    shown: tuple[str, ...]  # the codes listed under this group (each country once)
    shortcut: tuple[str, ...]  # the codes the group's shortcut chooses (a region's full list)


def country_groups(codes: list[str]) -> list[CountryGroup]:
    """`codes` (the field's choices) grouped: each country once, in its first group."""
    wanted = set(codes)
    eu = sorted(eu_members())
    regions = db.session.scalars(
        select(Region).options(selectinload(Region.countries)).order_by(Region.position)
    ).all()
    placed: set[str] = set()
    groups = []

    def add(code: str, title: str, members: list[str]) -> None:
        shortcut = tuple(c for c in members if c in wanted)
        shown = tuple(c for c in codes if c in set(shortcut) - placed)
        placed.update(shown)
        if shortcut:
            groups.append(CountryGroup(code, title, shown, shortcut))

    add("eu27", f"EU Member States ({EU27})", eu)
    for region in regions:
        add(region.code, region.title, [c.code for c in region.countries])
    rest = tuple(c for c in codes if c not in placed)
    if rest:
        groups.append(CountryGroup("other", "Other countries", rest, ()))
    return groups


class CountryPickerField(SelectMultipleField):
    """Several countries as checkboxes; the template `macros/countries.html` groups them."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def groups(self) -> list[CountryGroup]:
        return country_groups([str(value) for value, *_ in self.choices])
