"""A proposal's draft: which proposals a user has, which calls accept them, when a draft is
locked, starting one, and saving a section (optimistic locking, sane values only)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from grants import clock
from grants.accounts.models import Organisation, OrganisationType, User
from grants.audit import services as audit
from grants.calls.models import Call, CallPhase, CallStatus
from grants.extensions import db
from grants.formatting import eur
from grants.proposals import checks
from grants.proposals import fields as F
from grants.proposals.budget import CENT
from grants.proposals.errors import ProposalError, ProposalLocked, StaleProposal
from grants.proposals.models import (
    BudgetCategory,
    BudgetLine,
    Indicator,
    ItemKind,
    Partner,
    PartnerRole,
    PriorityClaim,
    Proposal,
    Submission,
    WorkPackage,
    WorkPackageItem,
)
from grants.taxonomy.services import exploitation_forms, is_country_code, target_groups
from grants.transactions import commit_or

MAX_LINE_AMOUNT = Decimal("100000000")  # EUR 100 million per budget line: anything above is a typo
MAX_MONTHS = F.MAX_MONTHS


# Reading ----------------------------------------------------------------------------------


# The rows a proposal's checklist reads beyond the proposal, one statement per kind for a
# batch of proposals (my proposals, the applicant's dashboard).
CHECKLIST_ROWS = (
    selectinload(Proposal.partners),
    selectinload(Proposal.claims),
    selectinload(Proposal.work_packages).selectinload(WorkPackage.items),
    selectinload(Proposal.indicators),
    selectinload(Proposal.budget_lines),
    selectinload(Proposal.annexes),
)
# ...and, joined to them, what a submitted one's row shows: its submissions (the current one's
# version, checks and "changed since submitted" mark) with the programme's decisions on the
# checks. A proposal has a few submissions; joined, they cost no statement of their own.
_SUBMITTED_ROWS = joinedload(Proposal.submissions).joinedload(Submission.checks_decisions)


@cache
def _proposals_query():
    """Built once per process (building it costs a tenth of a millisecond); what changes per
    request is the organisations, bound."""
    return (
        select(Proposal)
        .join(Call, Call.id == Proposal.call_id)
        .where(Proposal.organisation_id.in_(bindparam("ids", expanding=True)))
        .order_by(Call.deadline_at.desc(), Proposal.updated_at.desc())
        .options(_SUBMITTED_ROWS)
    )


def proposals_of(user: User) -> list[Proposal]:
    """The proposals of the user's organisations, with their submissions, in one statement
    however many. The rows of their checklists are left to `load_checklist_rows`, for the
    ones whose page shows a checklist."""
    ids = [m.organisation_id for m in user.memberships]
    if not ids:
        return []
    return list(db.session.scalars(_proposals_query(), {"ids": ids}).unique())


def load_checklist_rows(needed: list[Proposal], of: list[Proposal]) -> None:
    """The rows the checklists of `needed` read, one statement per kind of row, when they are
    some of several proposals `of` a page; one proposal alone reads them as it goes (as many
    statements, each cheaper to make than a batch's)."""
    if needed and len(of) > 1:
        batch = select(Proposal).where(Proposal.id.in_([p.id for p in needed]))
        db.session.scalars(batch.options(*CHECKLIST_ROWS)).all()


def open_calls() -> list[Call]:
    """Published calls whose deadline has not passed: proposals can be started under them."""
    return list(db.session.scalars(_open_calls_query(), {"now": clock.now()}))


@cache
def _open_calls_query():
    """Built once per process, the moment bound."""
    return (
        select(Call)
        .where(Call.status == CallStatus.PUBLISHED, Call.deadline_at > bindparam("now"))
        .order_by(Call.deadline_at)
    )


def locked_reason(proposal: Proposal, now: datetime | None = None) -> str | None:
    """Why the proposal cannot change now, or None when it can."""
    call = proposal.call
    phase = call.phase_at(now or clock.now())
    if phase in (CallPhase.OPEN, CallPhase.UPCOMING):
        return None
    deadline = clock.format_in_zone(call.deadline_at, "Europe/Brussels")
    if phase == CallPhase.DRAFT:
        return "The call is not published, so the proposal cannot change."
    if call.status == CallStatus.PUBLISHED or (now or clock.now()) >= call.deadline_at:
        return (
            f"The deadline of call {call.reference} passed on {deadline}. After the deadline "
            "nothing can change: the last version submitted before it is the one evaluated."
        )
    return f"Call {call.reference} was closed by the programme, so the proposal cannot change."


def submit_block_reason(proposal: Proposal, now: datetime | None = None) -> str | None:
    now = now or clock.now()
    reason = locked_reason(proposal, now)
    if reason:
        return reason
    if proposal.call.phase_at(now) == CallPhase.UPCOMING:
        opens = clock.format_in_zone(proposal.call.opens_at, "Europe/Brussels")
        return f"The call opens for submission on {opens}. You can prepare the draft until then."
    return None


# Starting and saving ----------------------------------------------------------------------


def start_proposal(
    user: User, call: Call, organisation: Organisation, topic_id: int | None = None, **fields
) -> Proposal:
    if not any(m.organisation_id == organisation.id for m in user.memberships):
        raise ProposalError("You can only start a proposal for one of your organisations.")
    if call.status != CallStatus.PUBLISHED or call.phase not in (
        CallPhase.OPEN,
        CallPhase.UPCOMING,
    ):
        raise ProposalLocked("This call does not accept proposals (any more).")
    if topic_id is not None and topic_id not in {t.id for t in call.topics}:
        raise ProposalError("Choose a topic of this call.")
    if topic_id is None and len(call.topics) == 1:
        topic_id = call.topics[0].id
    proposal = Proposal(
        call=call,
        organisation=organisation,
        topic_id=topic_id,
        created_by_id=user.id,
        acronym=(fields.get("acronym") or "").strip()[:30],
        title=(fields.get("title") or "").strip()[:300],
    )
    proposal.partners.append(_coordinator_row(organisation))
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "proposal",
        proposal.id,
        "create",
        f"Proposal {proposal.label} started under {call.reference} for {organisation.name}",
        actor=user,
    )
    db.session.commit()
    return proposal


def _coordinator_row(organisation: Organisation) -> Partner:
    return Partner(
        organisation_id=organisation.id,
        name=organisation.name,
        country=organisation.country,
        type=OrganisationType(organisation.type).value,
        role=PartnerRole.COORDINATOR,
        position=0,
    )


def _guard(proposal: Proposal, version: int | str | None) -> None:
    reason = locked_reason(proposal)
    if reason:
        raise ProposalLocked(reason)
    try:
        version = int(version)
    except (TypeError, ValueError):
        version = -1
    if version != proposal.version:
        raise StaleProposal()


def _text(value, limit: int = 100_000) -> str:
    return (value or "").replace("\r\n", "\n").strip()[:limit]


def _codes(values, allowed: set[str]) -> list[str]:
    return sorted({v for v in (values or []) if v in allowed})


def _month(value, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        month = int(value)
    except (TypeError, ValueError) as exc:
        raise ProposalError(f"{what}: enter a month as a whole number.") from exc
    if not 1 <= month <= MAX_MONTHS:
        raise ProposalError(f"{what}: enter a month between 1 and {MAX_MONTHS}.")
    return month


def _parse_amount(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation as exc:
        raise ProposalError(f"{what}: enter an amount in euro, e.g. 12500.00.") from exc
    if not amount.is_finite() or amount < 0:
        raise ProposalError(f"{what}: the amount cannot be negative.")
    if amount > MAX_LINE_AMOUNT:
        raise ProposalError(f"{what}: {eur(amount)} is more than any budget line can be.")
    return amount.quantize(CENT)


def call_priority_codes(proposal: Proposal) -> list[str]:
    return [cp.priority_code for cp in proposal.call.priorities]


def _sync_rows(existing: list, rows: list[dict], is_blank, create, update) -> list:
    """Update rows by id, create new ones, delete those marked `remove` or missing ids.

    Rows of another proposal cannot be reached: ids are looked up among `existing` only.
    """
    by_id = {row.id: row for row in existing}
    kept = []
    for data in rows:
        row_id = data.get("id")
        try:
            row_id = int(row_id) if row_id not in (None, "") else None
        except (TypeError, ValueError):
            row_id = None
        if data.get("remove"):
            continue
        if row_id is not None and row_id in by_id:
            row = by_id[row_id]
            update(row, data)
            kept.append(row)
        elif not is_blank(data):
            kept.append(create(data))
    return kept


def save_section(proposal: Proposal, section: str, data: dict, user: User, version) -> None:
    """Save one section of a draft; no completeness checks, only sane values."""
    _guard(proposal, version)
    before = _section_state(proposal, section)
    if section not in SECTIONS:
        raise ProposalError(f"There is no section {section[:40]!r}.")
    try:
        _save_fields(proposal, section, data)
        if section in ROW_SAVERS:
            ROW_SAVERS[section](proposal, data)
    except ProposalError:
        db.session.rollback()  # nothing of a refused save is kept
        raise
    proposal.touch()  # moves the version even if only rows changed
    changes = audit.diff(before, _section_state(proposal, section))
    audit.record(
        "proposal",
        proposal.id,
        "save",
        f"Section '{checks.SECTION_TITLES[section]}' of {proposal.label} saved",
        {"section": section, "fields": sorted(changes)} if changes else {"section": section},
        actor=user,
    )
    commit_or(StaleProposal(), conflicts=(StaleDataError,))


def _section_state(proposal: Proposal, section: str) -> dict:
    """What the audit diff compares: the section's fields of the field map."""
    return {f.name: getattr(proposal, f.name) for f in F.section_fields(section)}


def field_values(proposal: Proposal, section: str) -> dict:
    """The section's fields as the form shows them (the prefill)."""
    out = {}
    for f in F.section_fields(section):
        value = getattr(proposal, f.name)
        out[f.name] = str(value or "") if f.kind == F.TOPIC else value
    return out


def _allowed_codes(choices: str) -> set[str]:
    if choices == "target_groups":
        return {t.code for t in target_groups()}
    return {e.code for e in exploitation_forms()}


def _field_value(p: Proposal, f: F.Field, value):
    """One field of the map, from the form to the model; a ProposalError if absurd."""
    if f.kind == F.LINE:
        return _text(value, f.max_length)
    if f.kind == F.TEXT:
        return _text(value)
    if f.kind == F.MONTHS:
        return _month(value, f.label.partition(" (")[0]) if value not in (None, "") else None
    if f.kind == F.TOPIC:
        topic_id = int(value) if str(value or "").isdigit() else None
        if topic_id is not None and topic_id not in {t.id for t in p.call.topics}:
            raise ProposalError("Choose a topic of this call.")
        return topic_id
    if f.choices == "countries":
        return sorted({c.upper() for c in value or [] if is_country_code(c)})
    return _codes(value, _allowed_codes(f.choices))


def _save_fields(p: Proposal, section: str, data: dict) -> None:
    for f in F.section_fields(section):
        setattr(p, f.name, _field_value(p, f, data.get(f.name)))


def _save_consortium(p: Proposal, data: dict) -> None:
    coordinator = p.coordinator
    if coordinator is None:
        coordinator = _coordinator_row(p.organisation)
        p.partners.append(coordinator)
    else:  # the coordinator row always mirrors the owning organisation
        coordinator.name, coordinator.country = p.organisation.name, p.organisation.country
        coordinator.type = OrganisationType(p.organisation.type).value
    types = {t.value for t in OrganisationType}

    def values(row: dict) -> dict:
        country = (row.get("country") or "").upper()
        kind = row.get("type") or ""
        role = row.get("role") or "partner"
        return {
            "name": _text(row.get("name"), 300),
            "country": country if is_country_code(country) else "",
            "type": kind if kind in types else "",
            "role": PartnerRole(role) if role in ("partner", "associated") else PartnerRole.PARTNER,
        }

    others = [x for x in p.partners if x.role != PartnerRole.COORDINATOR]
    kept = _sync_rows(
        others,
        data.get("partners") or [],
        lambda r: not (_text(r.get("name")) or r.get("country") or r.get("type")),
        lambda r: Partner(**values(r)),
        lambda row, r: [setattr(row, k, v) for k, v in values(r).items()],
    )
    removed = [x for x in others if x not in kept]
    for partner in removed:
        if any(line.partner_id == partner.id for line in p.budget_lines):
            raise ProposalError(
                f"{partner.name} still has budget lines: remove them in the budget first."
            )
        for wp in p.work_packages:
            if wp.lead_partner_id == partner.id:
                wp.lead_partner_id = None
    p.partners = [coordinator, *kept]
    for position, partner in enumerate(p.partners):
        partner.position = position


def _save_workplan(p: Proposal, data: dict) -> None:
    allowed = set(call_priority_codes(p))
    partner_ids = {x.id for x in p.partners}

    def wp_values(row: dict) -> dict:
        number = row.get("number")
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise ProposalError("Every work package needs a number (1, 2, 3 ...).") from exc
        if not 1 <= number <= 99:
            raise ProposalError("Number work packages from 1 to 99.")
        start = _month(row.get("start_month"), f"Work package {number}, start")
        end = _month(row.get("end_month"), f"Work package {number}, end")
        if start and end and end < start:
            raise ProposalError(
                f"Work package {number} ends (month {end}) before it starts (month {start})."
            )
        lead = row.get("lead_partner_id")
        lead = int(lead) if str(lead or "").isdigit() and int(lead) in partner_ids else None
        return {
            "number": number,
            "title": _text(row.get("title"), 300),
            "description": _text(row.get("description")),
            "start_month": start,
            "end_month": end,
            "lead_partner_id": lead,
            "priorities": _codes(row.get("priorities"), allowed),
        }

    def wp_blank(row: dict) -> bool:
        return not (_text(row.get("title")) or _text(row.get("description")))

    def wp_create(row: dict) -> WorkPackage:
        return WorkPackage(**wp_values(row))

    kept = _sync_rows(
        p.work_packages,
        data.get("work_packages") or [],
        wp_blank,
        wp_create,
        lambda row, r: [setattr(row, k, v) for k, v in wp_values(r).items()],
    )
    numbers = [wp.number for wp in kept]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise ProposalError(f"Two work packages have the number {duplicates[0]}.")
    p.work_packages = kept
    _save_items(data.get("items") or [], kept, allowed)


def _save_items(rows: list[dict], work_packages: list[WorkPackage], allowed: set[str]) -> None:
    """The work plan's items (activities, deliverables, milestones), each under the work
    package its row names by number; an item id is looked up among these work packages only."""
    by_number = {wp.number: wp for wp in work_packages}
    old_items = {item.id: item for wp in work_packages for item in wp.items}
    new_items: dict[int, list[WorkPackageItem]] = {n: [] for n in by_number}

    for row in rows:
        if row.get("remove"):
            continue
        row_id = str(row.get("id") or "")
        item = old_items.get(int(row_id)) if row_id.isdigit() else None
        title = _text(row.get("title"), 300)
        if item is None and not title and not _text(row.get("description")):
            continue
        try:
            number = int(row.get("wp_number"))
        except (TypeError, ValueError):
            number = None
        if number not in by_number:
            raise ProposalError(
                f"'{title[:60] or 'An item'}' belongs to a work package that does not exist; "
                "choose one of the work packages above."
            )
        kind = row.get("kind") if row.get("kind") in {k.value for k in ItemKind} else "activity"
        values = {
            "kind": ItemKind(kind),
            "title": title,
            "description": _text(row.get("description")),
            "month": _month(row.get("month"), f"'{title[:60]}', month"),
            "priorities": _codes(row.get("priorities"), allowed),
        }
        if item is None:
            item = WorkPackageItem(**values)
        else:
            for key, value in values.items():
                setattr(item, key, value)
        new_items[number].append(item)
    for number, wp in by_number.items():
        wp.items = new_items[number]


def _save_priorities(p: Proposal, data: dict) -> None:
    allowed = set(call_priority_codes(p))
    existing = {c.priority_code: c for c in p.claims}
    claims = []
    for row in data.get("claims") or []:
        code = row.get("code")
        if code not in allowed or not row.get("claimed"):
            continue
        claim = existing.get(code) or PriorityClaim(priority_code=code)
        claim.justification = _text(row.get("justification"))
        claims.append(claim)
    p.claims = claims


def _save_results(p: Proposal, data: dict) -> None:
    allowed = set(call_priority_codes(p))

    def values(row: dict) -> dict:
        target = row.get("target")
        name = _text(row.get("name"), 300)
        return {
            "name": name,
            "unit": _text(row.get("unit"), 100),
            "target": None
            if target in (None, "")
            else _parse_amount(target, f"Indicator '{name[:60]}', target"),
            "by_sex": bool(row.get("by_sex")),
            "by_age": bool(row.get("by_age")),
            "priorities": _codes(row.get("priorities"), allowed),
        }

    kept = _sync_rows(
        p.indicators,
        data.get("indicators") or [],
        lambda r: not (_text(r.get("name")) or _text(r.get("unit")) or r.get("target")),
        lambda r: Indicator(**values(r)),
        lambda row, r: [setattr(row, k, v) for k, v in values(r).items()],
    )
    for position, ind in enumerate(kept):
        ind.position = position
    p.indicators = kept


def _save_budget(p: Proposal, data: dict) -> None:
    allowed = set(call_priority_codes(p))
    partners = {x.id: x for x in p.partners}
    categories = {c.value for c in BudgetCategory}

    def values(row: dict) -> dict:
        description = _text(row.get("description"), 500)
        what = f"Budget line '{description[:60]}'" if description else "A budget line"
        partner_id = row.get("partner_id")
        partner_id = int(partner_id) if str(partner_id or "").isdigit() else None
        if partner_id not in partners:
            raise ProposalError(f"{what}: choose a member of the consortium.")
        if row.get("category") not in categories:
            raise ProposalError(f"{what}: choose a cost category.")
        return {
            "partner_id": partner_id,
            "category": BudgetCategory(row["category"]),
            "description": description,
            "amount": _parse_amount(row.get("amount"), what),
            "priorities": _codes(row.get("priorities"), allowed),
        }

    kept = _sync_rows(
        p.budget_lines,
        data.get("lines") or [],
        lambda r: not (_text(r.get("description")) or r.get("amount")),
        lambda r: BudgetLine(**values(r)),
        lambda row, r: [setattr(row, k, v) for k, v in values(r).items()],
    )
    for position, line in enumerate(kept):
        line.position = position
    p.budget_lines = kept


# The savers of each section's rows; its single fields are saved from the field map.
ROW_SAVERS = {
    "consortium": _save_consortium,
    "workplan": _save_workplan,
    "priorities": _save_priorities,
    "results": _save_results,
    "budget": _save_budget,
}
SECTIONS = frozenset(F.FIELDS) | frozenset(ROW_SAVERS)
