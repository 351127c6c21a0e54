"""Loading the reference data from seed/ (idempotent) and reading it for pages and forms."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from sqlalchemy import select

from grants.extensions import db
from grants.taxonomy.models import (
    Country,
    ExploitationForm,
    Fund,
    IndicatorBreakdown,
    IndicatorCategory,
    IndicatorDefinition,
    Priority,
    ProjectType,
    Region,
    Strategy,
    TargetGroup,
)

STRATEGY_2021 = "THB-2021"
STRATEGY_2012 = "THB-2012"


class ReferenceDataError(ValueError):
    """A seed file is missing, malformed, or names a code that does not exist."""


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __bool__(self) -> bool:
        return bool(self.created or self.updated)

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        return ", ".join(
            f"{k}: {self.created.get(k, 0)} new, {self.updated.get(k, 0)} updated" for k in kinds
        )


def _read(seed_dir: Path, name: str) -> dict:
    path = seed_dir / name
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"missing seed file {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"{path}: {exc}") from exc


def _upsert(model, key: str, value, values: dict, report: LoadReport, kind: str):
    row = db.session.scalar(select(model).where(getattr(model, key) == value))
    created = row is None
    if created:
        row = model(**{key: value})
        db.session.add(row)
    changed = created
    for attr, new in values.items():
        if getattr(row, attr, None) != new:
            setattr(row, attr, new)
            changed = True
    if changed:
        report.count(kind, created)
    return row


def load_reference_data(seed_dir: str | Path) -> LoadReport:
    """Create or update every reference row from the seed files; safe to run again."""
    seed_dir = Path(seed_dir)
    report = LoadReport()
    _load_funds(seed_dir, report)
    _load_countries(seed_dir, report)
    _load_strategy_2021(seed_dir, report)
    _load_strategy_2012(seed_dir, report)
    for position, form in enumerate(_read(seed_dir, "exploitation.toml").get("form", [])):
        _upsert(
            ExploitationForm,
            "code",
            form["code"],
            {
                "title": form["title"],
                "description": form.get("description", ""),
                "position": position,
            },
            report,
            "exploitation forms",
        )
    for position, group in enumerate(_read(seed_dir, "target_groups.toml").get("group", [])):
        _upsert(
            TargetGroup,
            "code",
            group["code"],
            {
                "title": group["title"],
                "description": group.get("description", ""),
                "kind": group.get("kind", "other"),
                "position": position,
            },
            report,
            "target groups",
        )
    _load_project_types(seed_dir, report)
    _load_indicators(seed_dir, report)
    db.session.commit()
    return report


def _load_project_types(seed_dir: Path, report: LoadReport) -> None:
    for position, item in enumerate(_read(seed_dir, "project_types.toml").get("type", [])):
        _upsert(
            ProjectType,
            "code",
            item["code"],
            {
                "title": item["title"],
                "description": item.get("description", "").strip(),
                "position": position,
            },
            report,
            "project types",
        )


def _load_indicators(seed_dir: Path, report: LoadReport) -> None:
    """Indicator breakdowns with their categories, then the definitions that use them."""
    data = _read(seed_dir, "indicators.toml")
    db.session.flush()
    breakdowns = {}
    for position, item in enumerate(data.get("breakdown", [])):
        row = _upsert(
            IndicatorBreakdown,
            "code",
            item["code"],
            {
                "title": item["title"],
                "description": item.get("description", "").strip(),
                "position": position,
            },
            report,
            "indicator breakdowns",
        )
        breakdowns[item["code"]] = row
        _set_categories(row, _categories(item), report)
    db.session.flush()
    for position, item in enumerate(data.get("indicator", [])):
        unknown = [b for b in item.get("breakdowns", []) if b not in breakdowns]
        if unknown:
            raise ReferenceDataError(f"indicator {item['code']}: unknown breakdowns {unknown}")
        free_unit = bool(item.get("free_unit", False))
        if not free_unit and not item.get("unit"):
            raise ReferenceDataError(f"indicator {item['code']}: a unit or free_unit = true")
        row = _upsert(
            IndicatorDefinition,
            "code",
            item["code"],
            {
                "label": item["label"],
                "unit": item.get("unit", ""),
                "free_unit": free_unit,
                "description": item.get("description", "").strip(),
                "position": position,
            },
            report,
            "indicators",
        )
        wanted = [breakdowns[b] for b in item.get("breakdowns", [])]
        if [b.code for b in row.breakdowns] != [b.code for b in wanted]:
            row.breakdowns = wanted


def _categories(item: dict) -> list[tuple[str, str]]:
    if item.get("from") == "exploitation":
        return [(f.code, f.title) for f in exploitation_forms()]
    if "from" in item:
        raise ReferenceDataError(f"breakdown {item['code']}: unknown source {item['from']!r}")
    categories = [(c["code"], c["title"]) for c in item.get("categories", [])]
    if not categories:
        raise ReferenceDataError(f"breakdown {item['code']}: no categories")
    return categories


def _set_categories(row: IndicatorBreakdown, wanted: list[tuple[str, str]], report) -> None:
    existing = {c.code: c for c in row.categories}
    changed = False
    for position, (code, title) in enumerate(wanted):
        category = existing.pop(code, None)
        if category is None:
            row.categories.append(IndicatorCategory(code=code, title=title, position=position))
            changed = True
        elif (category.title, category.position) != (title, position):
            category.title, category.position = title, position
            changed = True
    for category in existing.values():  # categories dropped from the file
        row.categories.remove(category)
        changed = True
    if changed:
        report.count("indicator categories", False)


def _load_funds(seed_dir: Path, report: LoadReport) -> None:
    for fund in _read(seed_dir, "funds.toml").get("fund", []):
        _upsert(
            Fund,
            "code",
            fund["code"],
            {
                "name": fund["name"],
                "period": fund.get("period", ""),
                "managing": fund.get("managing", ""),
                "description": fund.get("description", ""),
                "current": bool(fund.get("current", False)),
            },
            report,
            "funds",
        )


def _load_countries(seed_dir: Path, report: LoadReport) -> None:
    data = _read(seed_dir, "regions.toml")
    eu27 = set(data.get("eu27", []))
    if len(eu27) != 27:
        raise ReferenceDataError(f"regions.toml: eu27 lists {len(eu27)} countries, not 27")
    unknown = sorted(c for c in eu27 if not is_country_code(c))
    if unknown:
        raise ReferenceDataError(f"regions.toml: eu27 has unknown country codes {unknown}")
    countries = {}
    for entry in pycountry.countries:
        countries[entry.alpha_2] = _upsert(
            Country,
            "code",
            entry.alpha_2,
            {"name": getattr(entry, "common_name", entry.name), "eu_member": entry.alpha_2 in eu27},
            report,
            "countries",
        )
    db.session.flush()
    for position, region in enumerate(data.get("region", [])):
        row = _upsert(
            Region,
            "code",
            region["code"],
            {
                "title": region["title"],
                "description": region.get("description", ""),
                "position": position,
            },
            report,
            "regions",
        )
        unknown = [c for c in region.get("countries", []) if c not in countries]
        if unknown:
            raise ReferenceDataError(f"region {region['code']}: unknown countries {unknown}")
        wanted = [countries[c] for c in sorted(set(region.get("countries", [])))]
        if sorted(c.code for c in row.countries) != [c.code for c in wanted]:
            row.countries = wanted


def _strategy(meta: dict, report: LoadReport) -> Strategy:
    return _upsert(
        Strategy,
        "code",
        meta["code"],
        {"title": meta["title"], "adopted": meta.get("adopted", "")},
        report,
        "strategies",
    )


def _load_strategy_2021(seed_dir: Path, report: LoadReport) -> None:
    data = _read(seed_dir, "strategy_2021.toml")
    strategy = _strategy(data["strategy"], report)
    db.session.flush()
    rows = {}
    for position, item in enumerate(data.get("priority", [])):
        rows[item["code"]] = _upsert(
            Priority,
            "code",
            item["code"],
            {
                "strategy_id": strategy.id,
                "kind": item["kind"],
                "parent_code": item.get("parent", ""),
                "title": item["title"],
                "section": str(item.get("section", "")),
                "description": item.get("description", "").strip(),
                "actor": item.get("actor", ""),
                "position": position,
            },
            report,
            "priorities 2021",
        )
    db.session.flush()
    for item in data.get("priority", []):
        _set_links(rows[item["code"]], item.get("areas", []), rows)


def _load_strategy_2012(seed_dir: Path, report: LoadReport) -> None:
    data = _read(seed_dir, "strategy_2012.toml")
    strategy = _strategy(data["strategy"], report)
    db.session.flush()
    targets = {
        p.code: p
        for p in db.session.scalars(
            select(Priority).join(Strategy).where(Strategy.code == STRATEGY_2021)
        )
    }
    position = 0
    pending = []
    for item in data.get("priority", []):
        entries = [(item, "")] + [(a, item["code"]) for a in item.get("action", [])]
        for entry, parent in entries:
            code = f"2012-{entry['code']}"
            row = _upsert(
                Priority,
                "code",
                code,
                {
                    "strategy_id": strategy.id,
                    "kind": "action" if parent else "priority",
                    "parent_code": f"2012-{parent}" if parent else "",
                    "title": entry["title"],
                    "section": entry["code"],
                    "description": entry.get("description", "").strip(),
                    "actor": "",
                    "position": position,
                },
                report,
                "priorities 2012",
            )
            position += 1
            pending.append((row, entry.get("maps_to", [])))
    db.session.flush()
    for row, codes in pending:
        _set_links(row, codes, targets)


def _set_links(row: Priority, codes: list[str], known: dict[str, Priority]) -> None:
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ReferenceDataError(f"{row.code}: links to unknown codes {unknown}")
    wanted = sorted(set(codes))
    if sorted(p.code for p in row.links) != wanted:
        row.links = [known[c] for c in wanted]


# Reading -------------------------------------------------------------------------------


def priorities(strategy_code: str = STRATEGY_2021, kind: str | None = None) -> list[Priority]:
    stmt = (
        select(Priority)
        .join(Strategy)
        .where(Strategy.code == strategy_code)
        .order_by(Priority.position)
    )
    if kind:
        stmt = stmt.where(Priority.kind == kind)
    return list(db.session.scalars(stmt))


def priority_by_code(code: str) -> Priority | None:
    return db.session.scalar(select(Priority).where(Priority.code == code))


def funds() -> list[Fund]:
    return list(db.session.scalars(select(Fund).order_by(Fund.current.desc(), Fund.code)))


def exploitation_forms() -> list[ExploitationForm]:
    return list(db.session.scalars(select(ExploitationForm).order_by(ExploitationForm.position)))


def target_groups() -> list[TargetGroup]:
    return list(db.session.scalars(select(TargetGroup).order_by(TargetGroup.position)))


def project_types() -> list[ProjectType]:
    return list(db.session.scalars(select(ProjectType).order_by(ProjectType.position)))


def indicator_definitions() -> list[IndicatorDefinition]:
    return list(
        db.session.scalars(select(IndicatorDefinition).order_by(IndicatorDefinition.position))
    )


def indicator_breakdowns() -> list[IndicatorBreakdown]:
    return list(
        db.session.scalars(select(IndicatorBreakdown).order_by(IndicatorBreakdown.position))
    )


def regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.position)))


def countries(eu_only: bool = False) -> list[Country]:
    stmt = select(Country).order_by(Country.name)
    if eu_only:
        stmt = stmt.where(Country.eu_member.is_(True))
    return list(db.session.scalars(stmt))


def eu_members() -> frozenset[str]:
    """The EU-27, from `Country.eu_member` (regions.toml's list, loaded with the reference
    data): the one source of the EU Member States. Read once per app context."""
    from flask import g, has_app_context

    if has_app_context() and "eu_members" in g:
        return g.eu_members
    found = frozenset(db.session.scalars(select(Country.code).where(Country.eu_member.is_(True))))
    if has_app_context():
        g.eu_members = found
    return found


def country_name(code: str) -> str:
    entry = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return getattr(entry, "common_name", None) or getattr(entry, "name", code)


def is_country_code(code: str) -> bool:
    return (
        bool(code) and len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None
    )
