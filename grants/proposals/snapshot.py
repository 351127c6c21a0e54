"""The submitted snapshot: a typed, versioned, immutable record of a proposal's content.

Proposals owns this format. Every other domain (review, projects, benchmarks, templates)
reads a submission through `Submission.snapshot`, never the stored JSON. The stored JSON
carries `"format": FORMAT_VERSION`; `read_snapshot` also reads every earlier version, so a
submission stays readable however old it is.

Versions
  1  the unversioned dict written until December 2026 (no "format" key)
  2  the same fields with "format": 2
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from grants.proposals.fields import CODE_LISTS, TEXTS, Field, section_fields

FORMAT_VERSION = 2


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _codes(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value or ())


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0))


@dataclass(frozen=True, slots=True)
class CallRef:
    reference: str = ""
    title: str = ""

    @classmethod
    def read(cls, d: dict | None) -> CallRef:
        d = d or {}
        return cls(_str(d.get("reference")), _str(d.get("title")))

    def as_json(self) -> dict:
        return {"reference": self.reference, "title": self.title}


@dataclass(frozen=True, slots=True)
class TopicRef:
    code: str = ""
    title: str = ""

    @classmethod
    def read(cls, d: dict | None) -> TopicRef | None:
        return cls(_str(d.get("code")), _str(d.get("title"))) if d else None

    def as_json(self) -> dict:
        return {"code": self.code, "title": self.title}


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    id: int | None = None
    name: str = ""
    country: str = ""

    @classmethod
    def read(cls, d: dict | None) -> OrganisationRef:
        d = d or {}
        return cls(d.get("id"), _str(d.get("name")), _str(d.get("country")))

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "country": self.country}


@dataclass(frozen=True, slots=True)
class PartnerEntry:
    ref: int | None = None
    organisation_id: int | None = None
    name: str = ""
    country: str = ""
    type: str = ""
    role: str = ""

    @classmethod
    def read(cls, d: dict) -> PartnerEntry:
        return cls(
            d.get("ref"),
            d.get("organisation_id"),
            _str(d.get("name")),
            _str(d.get("country")),
            _str(d.get("type")),
            _str(d.get("role")),
        )

    def as_json(self) -> dict:
        return {
            "ref": self.ref,
            "organisation_id": self.organisation_id,
            "name": self.name,
            "country": self.country,
            "type": self.type,
            "role": self.role,
        }


@dataclass(frozen=True, slots=True)
class ClaimEntry:
    priority: str = ""
    justification: str = ""

    @classmethod
    def read(cls, d: dict) -> ClaimEntry:
        return cls(_str(d.get("priority")), _str(d.get("justification")))

    def as_json(self) -> dict:
        return {"priority": self.priority, "justification": self.justification}


@dataclass(frozen=True, slots=True)
class ItemEntry:
    """A work package's activity, deliverable or milestone."""

    kind: str = ""
    title: str = ""
    description: str = ""
    month: int | None = None
    priorities: tuple[str, ...] = ()

    @classmethod
    def read(cls, d: dict) -> ItemEntry:
        return cls(
            _str(d.get("kind")),
            _str(d.get("title")),
            _str(d.get("description")),
            d.get("month"),
            _codes(d.get("priorities")),
        )

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "title": self.title,
            "description": self.description,
            "month": self.month,
            "priorities": list(self.priorities),
        }


@dataclass(frozen=True, slots=True)
class WorkPackageEntry:
    number: int | None = None
    title: str = ""
    description: str = ""
    lead: str = ""
    start_month: int | None = None
    end_month: int | None = None
    priorities: tuple[str, ...] = ()
    items: tuple[ItemEntry, ...] = ()

    @classmethod
    def read(cls, d: dict) -> WorkPackageEntry:
        return cls(
            d.get("number"),
            _str(d.get("title")),
            _str(d.get("description")),
            _str(d.get("lead")),
            d.get("start_month"),
            d.get("end_month"),
            _codes(d.get("priorities")),
            tuple(ItemEntry.read(x) for x in d.get("items") or ()),
        )

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "title": self.title,
            "description": self.description,
            "lead": self.lead,
            "start_month": self.start_month,
            "end_month": self.end_month,
            "priorities": list(self.priorities),
            "items": [x.as_json() for x in self.items],
        }


@dataclass(frozen=True, slots=True)
class IndicatorEntry:
    name: str = ""
    unit: str = ""
    target: Decimal | None = None
    by_sex: bool = False
    by_age: bool = False
    priorities: tuple[str, ...] = ()

    @classmethod
    def read(cls, d: dict) -> IndicatorEntry:
        target = d.get("target")
        return cls(
            _str(d.get("name")),
            _str(d.get("unit")),
            None if target is None else Decimal(str(target)),
            bool(d.get("by_sex")),
            bool(d.get("by_age")),
            _codes(d.get("priorities")),
        )

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "unit": self.unit,
            "target": None if self.target is None else f"{self.target:f}",
            "by_sex": self.by_sex,
            "by_age": self.by_age,
            "priorities": list(self.priorities),
        }


@dataclass(frozen=True, slots=True)
class BudgetLineEntry:
    partner: str = ""
    category: str = ""
    description: str = ""
    amount: Decimal = Decimal(0)
    priorities: tuple[str, ...] = ()

    @classmethod
    def read(cls, d: dict) -> BudgetLineEntry:
        return cls(
            _str(d.get("partner")),
            _str(d.get("category")),
            _str(d.get("description")),
            _money(d.get("amount")),
            _codes(d.get("priorities")),
        )

    def as_json(self) -> dict:
        return {
            "partner": self.partner,
            "category": self.category,
            "description": self.description,
            "amount": f"{self.amount:.2f}",
            "priorities": list(self.priorities),
        }


_TOTALS = ("direct", "indirect", "total", "eligible", "funding_rate", "eu_contribution")


@dataclass(frozen=True, slots=True)
class BudgetEntry:
    lines: tuple[BudgetLineEntry, ...] = ()
    direct: Decimal = Decimal(0)
    indirect: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    eligible: Decimal = Decimal(0)
    funding_rate: Decimal = Decimal(0)
    eu_contribution: Decimal = Decimal(0)

    @classmethod
    def read(cls, d: dict | None) -> BudgetEntry:
        d = d or {}
        return cls(
            tuple(BudgetLineEntry.read(x) for x in d.get("lines") or ()),
            *(_money(d.get(name)) for name in _TOTALS),
        )

    def as_json(self) -> dict:
        out: dict = {"lines": [x.as_json() for x in self.lines]}
        out.update({name: f"{getattr(self, name):.2f}" for name in _TOTALS})
        return out


@dataclass(frozen=True, slots=True)
class AnnexEntry:
    kind: str = ""
    filename: str = ""
    size: int = 0
    sha256: str = ""

    @classmethod
    def read(cls, d: dict) -> AnnexEntry:
        return cls(
            _str(d.get("kind")),
            _str(d.get("filename")),
            int(d.get("size") or 0),
            _str(d.get("sha256")),
        )

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A proposal as submitted. Equal snapshots are the same content.

    The free texts of the sections (the TEXT fields of grants.proposals.fields) are in
    `texts`, by field name, and read as attributes too: `snapshot.abstract`.
    """

    call: CallRef = field(default_factory=CallRef)
    topic: TopicRef | None = None
    organisation: OrganisationRef = field(default_factory=OrganisationRef)
    acronym: str = ""
    title: str = ""
    duration_months: int | None = None
    texts: dict[str, str] = field(default_factory=dict)
    partners: tuple[PartnerEntry, ...] = ()
    target_groups: tuple[str, ...] = ()
    exploitation_forms: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    claims: tuple[ClaimEntry, ...] = ()
    work_packages: tuple[WorkPackageEntry, ...] = ()
    indicators: tuple[IndicatorEntry, ...] = ()
    budget: BudgetEntry = field(default_factory=BudgetEntry)
    annexes: tuple[AnnexEntry, ...] = ()

    def __getattr__(self, name: str) -> str:
        if name in TEXTS:  # only called when no real attribute has the name
            return self.text(name)
        raise AttributeError(name)

    def text(self, name: str) -> str:
        return self.texts.get(name, "")

    def texts_of(self, section: str) -> list[tuple[Field, str]]:
        """The section's free texts with their fields, for the submitted document."""
        return [(f, self.text(f.name)) for f in section_fields(section) if f.name in TEXTS]

    @property
    def coordinator(self) -> PartnerEntry | None:
        return next((x for x in self.partners if x.role == "coordinator"), None)

    @property
    def claimed_priorities(self) -> set[str]:
        return {x.priority for x in self.claims if x.priority}

    @property
    def all_countries(self) -> set[str]:
        """The countries of implementation and of every partner."""
        return set(self.countries) | {x.country for x in self.partners if x.country}

    def as_json(self) -> dict:
        """The stored form (the current format), which is hashed."""
        out: dict = {
            "format": FORMAT_VERSION,
            "call": self.call.as_json(),
            "topic": self.topic.as_json() if self.topic else None,
            "organisation": self.organisation.as_json(),
            "acronym": self.acronym,
            "title": self.title,
            "duration_months": self.duration_months,
        }
        out.update({name: self.text(name) for name in TEXTS})
        out.update({name: list(getattr(self, name)) for name in CODE_LISTS})
        out.update(
            partners=[x.as_json() for x in self.partners],
            claims=[x.as_json() for x in self.claims],
            work_packages=[x.as_json() for x in self.work_packages],
            indicators=[x.as_json() for x in self.indicators],
            budget=self.budget.as_json(),
            annexes=[x.as_json() for x in self.annexes],
        )
        return out


class UnknownFormat(ValueError):
    pass


def _read_v1(d: dict) -> Snapshot:
    """Versions 1 and 2 have the same fields; a missing one reads as empty."""
    return Snapshot(
        call=CallRef.read(d.get("call")),
        topic=TopicRef.read(d.get("topic")),
        organisation=OrganisationRef.read(d.get("organisation")),
        acronym=_str(d.get("acronym")),
        title=_str(d.get("title")),
        duration_months=d.get("duration_months"),
        partners=tuple(PartnerEntry.read(x) for x in d.get("partners") or ()),
        claims=tuple(ClaimEntry.read(x) for x in d.get("claims") or ()),
        work_packages=tuple(WorkPackageEntry.read(x) for x in d.get("work_packages") or ()),
        indicators=tuple(IndicatorEntry.read(x) for x in d.get("indicators") or ()),
        budget=BudgetEntry.read(d.get("budget")),
        annexes=tuple(AnnexEntry.read(x) for x in d.get("annexes") or ()),
        texts={name: _str(d.get(name)) for name in TEXTS},
        **{name: _codes(d.get(name)) for name in CODE_LISTS},
    )


@dataclass(frozen=True, slots=True)
class Head:
    """What lists show of a submission, read without the rest (a full read, with the work
    plan, the budget and the texts, costs more than ten times as much)."""

    call: CallRef
    topic: TopicRef | None
    organisation: OrganisationRef
    acronym: str
    title: str
    funding_rate: Decimal = Decimal(0)  # the call's, in the budget


def _read_head_v1(d: dict) -> Head:
    return Head(
        CallRef.read(d.get("call")),
        TopicRef.read(d.get("topic")),
        OrganisationRef.read(d.get("organisation")),
        _str(d.get("acronym")),
        _str(d.get("title")),
        _money((d.get("budget") or {}).get("funding_rate")),
    )


# format version -> (the reader of the whole snapshot, the reader of its head)
READERS = {1: (_read_v1, _read_head_v1), 2: (_read_v1, _read_head_v1)}


def _readers(data: dict):
    version = data.get("format", 1)
    readers = READERS.get(version) if isinstance(version, int) else None
    if readers is None:
        raise UnknownFormat(f"Snapshot format {version!r} is not known (newest {FORMAT_VERSION}).")
    return readers


def read_snapshot(data: dict | None) -> Snapshot:
    """The one reader of stored snapshots, of any version up to FORMAT_VERSION."""
    data = data or {}
    return _readers(data)[0](data)


def read_head(data: dict | None) -> Head:
    """The head of a stored snapshot of any version: call, topic, coordinator, acronym, title."""
    data = data or {}
    return _readers(data)[1](data)


def listed(snapshot: Snapshot, checks: list[dict]) -> dict:
    """The columns of a submission that its call's list shows and filters by, from its
    snapshot and its recorded checks: written with the row (and by the migration that added
    them), so that the list never decodes a snapshot."""
    return {
        "acronym": snapshot.acronym[:100],
        "title": snapshot.title[:300],
        "organisation_name": snapshot.organisation.name[:300],
        "organisation_country": snapshot.organisation.country[:2],
        "topic_code": snapshot.topic.code[:40] if snapshot.topic else None,
        "countries": sorted(snapshot.all_countries),
        "priorities": sorted(snapshot.claimed_priorities),
        "failure_messages": [str(c.get("message") or "") for c in checks if not c.get("ok")],
    }


def canonical_json(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(content: dict) -> str:
    """The SHA-256 of the stored form: what the receipt names."""
    return hashlib.sha256(canonical_json(content)).hexdigest()
