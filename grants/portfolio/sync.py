"""The only way into the portfolio read model: plain records, upserted by a stable key.

Contract (used by the importer now and by grants/projects later):

    from grants.portfolio.sync import PortfolioRecord, upsert_funded

    record = PortfolioRecord(
        key=f"funded:{grant.id}",        # stable: the same project always has the same key
        title=..., acronym=..., reference=grant.agreement_number,
        fund_code=call.fund.code, call_reference=call.reference, call_title=call.title,
        start=PartialDate(2025, 3, 1), end=PartialDate(2027, 2, 28),
        status=ProjectStatus.RUNNING,
        eu_contribution=Decimal("450000.00"), total_cost=Decimal("500000.00"),
        coordinator=Participant(name, organisation.type, organisation.country),
        partners=[Participant(name, type, country), ...],
        implementation_countries=["BG", "RO"],
        priorities=["A5", "shelters"],          # 2021-2025 codes, or 2012-2016 ones ("2012-A1")
        exploitation_forms=["sexual"], target_groups=["women"], project_types=["victim-assistance"],
        indicators=[IndicatorValue("victims-assisted", Decimal(40),
                                   {"sex-age": {"women": Decimal(30), "girls": Decimal(10)}})],
        outcomes=["...", Outcome("...", priorities=["A5"], target_groups=["women"])],
        recommendations=[Recommendation("...", Addressee.MEMBER_STATES, "A5")],
        is_public=True, outcomes_public=True,
    )
    project, created = upsert_funded(record)   # in the caller's transaction: it commits

- `upsert_funded(record)` forces `source = funded`; `upsert_many(records)` takes any mix and
  is what the importer uses (one bulk write per file).
- A record replaces everything the model holds for its key: scalars, partners, countries,
  tags, indicator values, outcomes and recommendations (a later sync with fewer partners
  drops the others). A key never changes the source it was first written with.
- Codes are checked against the reference data: an unknown fund, priority, form of
  exploitation, target group, project type, indicator, breakdown or category, an unknown
  country or organisation type, a negative amount or an impossible date raises
  `RecordError` with every problem in words, and nothing is written.
- An outcome is a text, or an `Outcome` with the priorities, forms of exploitation and target
  groups it addresses (kept per outcome, so the map breaks outcomes down by them; priorities
  are mapped as the project's are).
- `None` amounts mean "not known" (the map counts the project, not EUR 0). An indicator's
  total, when not given, is the sum of its first reported breakdown.
- 2012-2016 priority codes are stored as the 2021-2025 codes they map to (the priority
  links of the taxonomy), key actions with their areas, so old and new projects land on the
  same map. Partner-mode and implementation-mode amounts are split equally between the
  mode's distinct countries, to the cent (see `PortfolioCountry`).
- Nothing here commits; `remove(key)` deletes a project that left the portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, insert, select

from grants import clock
from grants.accounts.models import OrganisationType
from grants.extensions import db
from grants.portfolio import geo
from grants.portfolio.models import (
    Addressee,
    CountryRole,
    PortfolioCountry,
    PortfolioIndicatorValue,
    PortfolioOutcome,
    PortfolioOutcomeTag,
    PortfolioPartner,
    PortfolioProject,
    PortfolioRecommendation,
    PortfolioTag,
    ProjectSource,
    ProjectStatus,
    TagKind,
)
from grants.taxonomy.models import (
    ExploitationForm,
    Fund,
    IndicatorDefinition,
    Priority,
    ProjectType,
    Strategy,
    TargetGroup,
)

CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit


class RecordError(ValueError):
    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def problems(self, what: str) -> list[str]:
        import calendar

        if not 1900 <= self.year <= 2100:
            return [f"{what}: the year {self.year} is out of range"]
        if self.month is None:
            return [f"{what}: a day without a month"] if self.day else []
        if not 1 <= self.month <= 12:
            return [f"{what}: there is no month {self.month}"]
        if self.day and not 1 <= self.day <= calendar.monthrange(self.year, self.month)[1]:
            return [f"{what}: {self.year}-{self.month:02d} has no day {self.day}"]
        return []


@dataclass
class Participant:
    name: str = ""
    type: str = ""  # an OrganisationType value, or "" when not known
    country: str = ""  # ISO 3166-1 alpha-2 (XK for Kosovo), or ""


@dataclass
class IndicatorValue:
    code: str  # an indicator definition's code
    total: Decimal | None = None
    breakdowns: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    unit: str = ""  # only for definitions with a free unit ("other")
    label: str = ""  # what a free-unit indicator counts


@dataclass
class Outcome:
    text: str
    priorities: list[str] = field(default_factory=list)  # as PortfolioRecord.priorities
    exploitation_forms: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)


def as_outcome(item: str | Outcome) -> Outcome:
    return item if isinstance(item, Outcome) else Outcome(item)


@dataclass
class Recommendation:
    text: str
    addressee: Addressee = Addressee.OTHER
    priority: str = ""  # a 2021-2025 (or 2012-2016) priority code, or ""


@dataclass
class PortfolioRecord:
    key: str
    title: str
    source: ProjectSource = ProjectSource.FUNDED
    source_file: str = ""
    source_row: int | None = None
    reference: str = ""
    acronym: str = ""
    summary: str = ""
    fund_code: str = ""
    programme: str = ""
    call_reference: str = ""
    call_title: str = ""
    start: PartialDate | None = None
    end: PartialDate | None = None
    status: ProjectStatus = ProjectStatus.UNKNOWN
    eu_contribution: Decimal | None = None
    total_cost: Decimal | None = None
    coordinator: Participant = field(default_factory=Participant)
    partners: list[Participant] = field(default_factory=list)
    implementation_countries: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    exploitation_forms: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    project_types: list[str] = field(default_factory=list)
    indicators: list[IndicatorValue] = field(default_factory=list)
    outcomes: list[str | Outcome] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    is_public: bool = True
    outcomes_public: bool = False


@dataclass
class SyncResult:
    created: list[PortfolioProject] = field(default_factory=list)
    updated: list[PortfolioProject] = field(default_factory=list)


# The reference data a record is checked against, read once per sync -------------------------


@dataclass
class Vocabulary:
    funds: set[str]
    priorities: dict[str, tuple[str, str, str]]  # code -> (strategy, kind, parent)
    links: dict[str, list[str]]  # 2012 code -> 2021 codes
    exploitation: set[str]
    target_groups: set[str]
    project_types: set[str]
    indicators: dict[str, tuple[bool, str, dict[str, set[str]]]]  # free_unit, unit, breakdowns

    @classmethod
    def load(cls) -> Vocabulary:
        from grants.taxonomy.models import priority_link

        rows = db.session.execute(
            select(Priority.code, Strategy.code, Priority.kind, Priority.parent_code).join(Strategy)
        ).all()
        by_id = dict(db.session.execute(select(Priority.id, Priority.code)).all())
        links: dict[str, list[str]] = {}
        for source, target in db.session.execute(select(priority_link)).all():
            links.setdefault(by_id[source], []).append(by_id[target])
        indicators = {}
        for definition in db.session.scalars(select(IndicatorDefinition)):
            indicators[definition.code] = (
                definition.free_unit,
                definition.unit,
                {b.code: {c.code for c in b.categories} for b in definition.breakdowns},
            )
        return cls(
            funds=set(db.session.scalars(select(Fund.code))),
            priorities={code: (strategy, kind, parent) for code, strategy, kind, parent in rows},
            links=links,
            exploitation=set(db.session.scalars(select(ExploitationForm.code))),
            target_groups=set(db.session.scalars(select(TargetGroup.code))),
            project_types=set(db.session.scalars(select(ProjectType.code))),
            indicators=indicators,
        )

    def priority_tags(self, codes: Iterable[str]) -> dict[str, str]:
        """2021 code -> via: the codes themselves, 2012 ones mapped, key actions' areas."""
        from grants.taxonomy.services import STRATEGY_2012

        tags: dict[str, str] = {}
        for code in codes:
            strategy = self.priorities[code][0]
            targets = self.links.get(code, []) if strategy == STRATEGY_2012 else [code]
            for target in targets:
                tags.setdefault(target, code if strategy == STRATEGY_2012 else "")
                parent = self.priorities[target][2]
                while parent:
                    tags.setdefault(parent, "parent")
                    parent = self.priorities[parent][2]
        return tags


def problems_of(record: PortfolioRecord, vocabulary: Vocabulary) -> list[str]:
    """Everything wrong with a record, in words; empty when it can be written."""
    found = []
    if not record.key.strip():
        found.append("no key")
    if not record.title.strip():
        found.append("no title")
    if record.fund_code and record.fund_code not in vocabulary.funds:
        found.append(f"unknown fund {record.fund_code!r}")
    for what, amount in (("EU contribution", record.eu_contribution), ("total", record.total_cost)):
        if amount is not None and amount < 0:
            found.append(f"the {what} is negative")
    for what, date in (("start", record.start), ("end", record.end)):
        if date:
            found.extend(date.problems(what))
    if (
        record.start
        and record.end
        and (record.end.year, record.end.month or 12)
        < (
            record.start.year,
            record.start.month or 1,
        )
    ):
        found.append("the end is before the start")
    people = [("coordinator", record.coordinator)] + [("partner", p) for p in record.partners]
    types = {t.value for t in OrganisationType}
    for role, person in people:
        if person.type and person.type not in types:
            found.append(f"{role} {person.name!r}: unknown organisation type {person.type!r}")
        if person.country and not geo.is_country(person.country):
            found.append(f"{role} {person.name!r}: unknown country {person.country!r}")
    for code in record.implementation_countries:
        if not geo.is_country(code):
            found.append(f"unknown country of implementation {code!r}")
    checks = (
        ("priority", record.priorities, vocabulary.priorities),
        ("form of exploitation", record.exploitation_forms, vocabulary.exploitation),
        ("target group", record.target_groups, vocabulary.target_groups),
        ("project type", record.project_types, vocabulary.project_types),
    )
    for what, codes, known in checks:
        found.extend(f"unknown {what} {code!r}" for code in codes if code not in known)
    for outcome in map(as_outcome, record.outcomes):
        for what, codes, known in (
            ("priority", outcome.priorities, vocabulary.priorities),
            ("form of exploitation", outcome.exploitation_forms, vocabulary.exploitation),
            ("target group", outcome.target_groups, vocabulary.target_groups),
        ):
            found.extend(
                f"an outcome names an unknown {what} {code!r}"
                for code in codes
                if code not in known
            )
    for recommendation in record.recommendations:
        if recommendation.priority and recommendation.priority not in vocabulary.priorities:
            found.append(f"a recommendation names an unknown priority {recommendation.priority!r}")
        if not recommendation.text.strip():
            found.append("a recommendation without text")
    found.extend(_indicator_problems(record.indicators, vocabulary))
    return found


def _indicator_problems(values: list[IndicatorValue], vocabulary: Vocabulary) -> list[str]:
    found = []
    seen = set()
    for value in values:
        if value.code not in vocabulary.indicators:
            found.append(f"unknown indicator {value.code!r}")
            continue
        free_unit, _, breakdowns = vocabulary.indicators[value.code]
        identity = (value.code, value.unit, value.label)
        if identity in seen:
            found.append(f"indicator {value.code!r} given twice")
        seen.add(identity)
        if free_unit and not value.unit:
            found.append(f"indicator {value.code!r} needs its unit")
        if value.total is not None and value.total < 0:
            found.append(f"indicator {value.code!r} is negative")
        if value.total is None and not value.breakdowns:
            found.append(f"indicator {value.code!r} has no value")
        for breakdown, categories in value.breakdowns.items():
            if breakdown not in breakdowns:
                found.append(f"indicator {value.code!r} has no breakdown {breakdown!r}")
                continue
            for category, number in categories.items():
                if category not in breakdowns[breakdown]:
                    found.append(f"indicator {value.code!r}: {breakdown} has no {category!r}")
                elif number < 0:
                    found.append(f"indicator {value.code!r}: {category} is negative")
    return found


# Writing -------------------------------------------------------------------------------------

CHILDREN = (
    PortfolioPartner,
    PortfolioCountry,
    PortfolioTag,
    PortfolioIndicatorValue,
    PortfolioOutcome,
    PortfolioOutcomeTag,
    PortfolioRecommendation,
)


def upsert_funded(record: PortfolioRecord) -> tuple[PortfolioProject, bool]:
    """Create or replace a project funded in this system; (project, created)."""
    record.source = ProjectSource.FUNDED
    result = upsert_many([record])
    return (result.created or result.updated)[0], bool(result.created)


def upsert_many(
    records: Sequence[PortfolioRecord],
    import_id: int | None = None,
    vocabulary: Vocabulary | None = None,
) -> SyncResult:
    """Create or replace every record by its key, in bulk; raises RecordError (nothing written)
    when any record has a problem."""
    vocabulary = vocabulary or Vocabulary.load()
    problems = []
    keys = set()
    for index, record in enumerate(records):
        found = problems_of(record, vocabulary)
        if record.key in keys:
            found.append(f"key {record.key!r} given twice")
        keys.add(record.key)
        problems.extend(f"record {index + 1}: {p}" for p in found)
    if problems:
        raise RecordError(problems)
    existing = _by_key([r.key for r in records])
    result = SyncResult()
    now = clock.now()
    projects = []
    for record in records:
        project = existing.get(record.key)
        if project is None:
            project = PortfolioProject(key=record.key, source=record.source)
            db.session.add(project)
            result.created.append(project)
        else:
            result.updated.append(project)
        _set_scalars(project, record, import_id, now)
        projects.append(project)
    db.session.flush()
    _delete_children([p.id for p in result.updated])
    _insert_children(projects, records, vocabulary)
    for project in result.updated:
        db.session.expire(project, ["partners", "outcomes", "recommendations"])
    return result


def remove(key: str) -> bool:
    """Delete the project with this key and everything it holds; False when there is none."""
    project_id = db.session.scalar(select(PortfolioProject.id).where(PortfolioProject.key == key))
    if project_id is None:
        return False
    _delete_children([project_id])
    db.session.execute(delete(PortfolioProject).where(PortfolioProject.id == project_id))
    return True


def _by_key(keys: list[str]) -> dict[str, PortfolioProject]:
    found = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for project in db.session.scalars(
            select(PortfolioProject).where(PortfolioProject.key.in_(chunk))
        ):
            found[project.key] = project
    return found


def _set_scalars(project: PortfolioProject, record: PortfolioRecord, import_id, now) -> None:
    start, end = record.start, record.end
    values = {
        "source_file": record.source_file,
        "source_row": record.source_row,
        "import_id": import_id,
        "reference": record.reference.strip(),
        "acronym": record.acronym.strip(),
        "title": record.title.strip(),
        "summary": record.summary.strip(),
        "fund_code": record.fund_code or None,
        "programme": record.programme.strip(),
        "call_reference": record.call_reference.strip(),
        "call_title": record.call_title.strip(),
        "start_year": start.year if start else None,
        "start_month": start.month if start else None,
        "start_day": start.day if start else None,
        "end_year": end.year if end else None,
        "end_month": end.month if end else None,
        "end_day": end.day if end else None,
        "status": record.status,
        "eu_contribution": record.eu_contribution,
        "total_cost": record.total_cost,
        "coordinator_name": record.coordinator.name.strip(),
        "coordinator_type": record.coordinator.type,
        "coordinator_country": record.coordinator.country,
        "is_public": record.is_public,
        "outcomes_public": record.outcomes_public,
        "updated_at": now,
    }
    for name, value in values.items():
        setattr(project, name, value)


def _delete_children(project_ids: list[int]) -> None:
    for start in range(0, len(project_ids), CHUNK):
        chunk = project_ids[start : start + CHUNK]
        for model in CHILDREN:
            db.session.execute(delete(model).where(model.project_id.in_(chunk)))


def split(amount: Decimal | None, parts: int) -> list[Decimal | None]:
    """`amount` in `parts` equal shares to the cent; the remaining cents to the first shares."""
    if amount is None or parts == 0:
        return [None] * parts
    cents = int((amount * 100).to_integral_value())
    base, remainder = divmod(cents, parts)
    return [Decimal(base + (1 if i < remainder else 0)) / 100 for i in range(parts)]


def _distinct(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(c for c in codes if c))


def _insert_children(projects, records, vocabulary: Vocabulary) -> None:
    rows: dict[type, list[dict]] = {model: [] for model in CHILDREN}
    for project, record in zip(projects, records, strict=True):
        pid = project.id
        for position, partner in enumerate(record.partners):
            rows[PortfolioPartner].append(
                {
                    "project_id": pid,
                    "name": partner.name.strip(),
                    "type": partner.type,
                    "country": partner.country,
                    "position": position,
                }
            )
        modes = {
            CountryRole.COORDINATOR: _distinct([record.coordinator.country]),
            CountryRole.PARTNER: _distinct(
                [record.coordinator.country] + [p.country for p in record.partners]
            ),
            CountryRole.IMPLEMENTATION: _distinct(record.implementation_countries),
        }
        for role, countries in modes.items():
            for country, amount in zip(
                countries, split(record.eu_contribution, len(countries)), strict=True
            ):
                rows[PortfolioCountry].append(
                    {"project_id": pid, "role": role, "country": country, "amount": amount}
                )
        tags = [(TagKind.PRIORITY, vocabulary.priority_tags(record.priorities))] + [
            (kind, dict.fromkeys(codes, ""))
            for kind, codes in (
                (TagKind.EXPLOITATION, record.exploitation_forms),
                (TagKind.TARGET_GROUP, record.target_groups),
                (TagKind.PROJECT_TYPE, record.project_types),
            )
        ]
        for kind, codes in tags:
            rows[PortfolioTag].extend(
                {"project_id": pid, "kind": kind, "code": code, "via": via}
                for code, via in codes.items()
            )
        rows[PortfolioIndicatorValue].extend(_indicator_rows(pid, record.indicators, vocabulary))
        outcomes = [o for o in map(as_outcome, record.outcomes) if o.text.strip()]
        for position, outcome in enumerate(outcomes):
            rows[PortfolioOutcome].append(
                {"project_id": pid, "text": outcome.text.strip(), "position": position}
            )
            outcome_tags = (
                (TagKind.PRIORITY, vocabulary.priority_tags(outcome.priorities)),
                (TagKind.EXPLOITATION, dict.fromkeys(outcome.exploitation_forms, "")),
                (TagKind.TARGET_GROUP, dict.fromkeys(outcome.target_groups, "")),
            )
            rows[PortfolioOutcomeTag].extend(
                {"project_id": pid, "position": position, "kind": kind, "code": code, "via": via}
                for kind, codes in outcome_tags
                for code, via in codes.items()
            )
        for position, item in enumerate(record.recommendations):
            priority = item.priority or None
            if priority and vocabulary.priorities[priority][0] != "THB-2021":
                priority = next(iter(vocabulary.links.get(priority, [])), None)
            rows[PortfolioRecommendation].append(
                {
                    "project_id": pid,
                    "text": item.text.strip(),
                    "addressee": Addressee(item.addressee),
                    "priority_code": priority,
                    "position": position,
                }
            )
    for model, values in rows.items():
        if values:
            db.session.execute(insert(model), values)


def _indicator_rows(pid: int, values: list[IndicatorValue], vocabulary: Vocabulary):
    for value in values:
        free_unit, unit, _ = vocabulary.indicators[value.code]
        unit = value.unit.strip() if free_unit else unit
        label = value.label.strip() if free_unit else ""
        total = value.total
        if total is None:
            first = next(iter(value.breakdowns.values()))
            total = sum(first.values(), Decimal(0))
        common = {"project_id": pid, "indicator_code": value.code, "unit": unit, "label": label}
        yield {**common, "breakdown_code": "", "category_code": "", "value": total}
        for breakdown, categories in value.breakdowns.items():
            for category, number in categories.items():
                yield {
                    **common,
                    "breakdown_code": breakdown,
                    "category_code": category,
                    "value": number,
                }
