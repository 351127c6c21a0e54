"""Proposal operations: start, save a section (optimistic locking), annexes, submit (one
transaction, idempotent), withdraw, the programme's review of the checks, and queries."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from grants import clock
from grants.accounts.models import Organisation, OrganisationType, User
from grants.audit import services as audit
from grants.calls.models import Call, CallPhase, CallStatus
from grants.extensions import db
from grants.jobs.services import eager, enqueue
from grants.notifications.services import absolute_url, deliver_pending, notify
from grants.proposals import checks
from grants.proposals import fields as F
from grants.proposals import snapshot as snap
from grants.proposals.models import (
    Annex,
    BudgetCategory,
    BudgetLine,
    Indicator,
    ItemKind,
    Partner,
    PartnerRole,
    PriorityClaim,
    Proposal,
    ProposalStatus,
    ReviewDecision,
    Submission,
    SubmissionReview,
    WorkPackage,
    WorkPackageItem,
)
from grants.proposals.snapshot import Snapshot, content_hash
from grants.taxonomy.services import exploitation_forms, is_country_code, target_groups

MAX_AMOUNT = Decimal("100000000")  # EUR 100 million per budget line: anything above is a typo
MAX_MONTHS = F.MAX_MONTHS


class ProposalError(ValueError):
    """A refused proposal operation, with a message for the user."""


class StaleProposal(ProposalError):
    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "Someone (perhaps you, in another tab) saved this proposal after you opened "
            "this page. Nothing was overwritten: your input is shown below. Copy what you "
            "need, reload the page to see the latest version, and save again."
        )


class ProposalLocked(ProposalError):
    pass


class Incomplete(ProposalError):
    def __init__(self, missing: list[checks.Check]):
        self.missing = missing
        super().__init__(
            f"The proposal cannot be submitted yet: {len(missing)} item(s) are missing. "
            "See the checklist."
        )


# Reading ----------------------------------------------------------------------------------


def proposals_of(user: User) -> list[Proposal]:
    ids = [m.organisation_id for m in user.memberships]
    if not ids:
        return []
    stmt = (
        select(Proposal)
        .join(Call, Call.id == Proposal.call_id)
        .where(Proposal.organisation_id.in_(ids))
        .order_by(Call.deadline_at.desc(), Proposal.updated_at.desc())
    )
    return list(db.session.scalars(stmt))


def open_calls() -> list[Call]:
    """Published calls whose deadline has not passed: proposals can be started under them."""
    now = clock.now()
    stmt = (
        select(Call)
        .where(Call.status == CallStatus.PUBLISHED, Call.deadline_at > now)
        .order_by(Call.deadline_at)
    )
    return list(db.session.scalars(stmt))


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


def _amount(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation as exc:
        raise ProposalError(f"{what}: enter an amount in euro, e.g. 12500.00.") from exc
    if not amount.is_finite() or amount < 0:
        raise ProposalError(f"{what}: the amount cannot be negative.")
    if amount > MAX_AMOUNT:
        raise ProposalError(f"{what}: EUR {amount:,.2f} is more than any budget line can be.")
    return amount.quantize(checks.CENT)


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
    proposal.updated_at = clock.now()  # bumps the version even if only rows changed
    changes = audit.diff(before, _section_state(proposal, section))
    audit.record(
        "proposal",
        proposal.id,
        "save",
        f"Section '{checks.SECTION_TITLES[section]}' of {proposal.label} saved",
        {"section": section, "fields": sorted(changes)} if changes else {"section": section},
        actor=user,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleProposal() from exc


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
    by_number = {wp.number: wp for wp in kept}
    old_items = {item.id: item for wp in kept for item in wp.items}
    new_items: dict[int, list[WorkPackageItem]] = {n: [] for n in by_number}

    for row in data.get("items") or []:
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
            else _amount(target, f"Indicator '{name[:60]}', target"),
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
            "amount": _amount(row.get("amount"), what),
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


# Annexes ----------------------------------------------------------------------------------


def upload_dir() -> str:
    path = current_app.config["GRANTS_UPLOAD_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def annex_path(annex: Annex) -> str:
    return os.path.join(upload_dir(), annex.stored_name)


def pdf_problem(data: bytes) -> str | None:
    """Why `data` is not a PDF we accept, judged by content only (never by the file name)."""
    from grants.security.pdf import active_content_problem

    if not data:
        return "The file is empty."
    if not data[:1024].lstrip(b"\r\n\t \x00").startswith(b"%PDF-"):
        return "The file is not a PDF: its content does not start like a PDF, whatever its name."
    if b"%%EOF" not in data[-2048:]:
        return "The PDF is damaged or cut short (it has no end-of-file marker). Save it again."
    if b"/Encrypt" in data:
        return "The PDF is protected with a password or encrypted; upload an unprotected copy."
    return active_content_problem(data)


def annex_kinds(proposal: Proposal) -> list[tuple[str, str]]:
    return [(a["code"], a["title"]) for a in proposal.call.required_annexes or []] + [
        ("other", "Other supporting document")
    ]


def add_annex(proposal: Proposal, user: User, kind: str, filename: str, data: bytes, version):
    _guard(proposal, version)
    if kind not in dict(annex_kinds(proposal)):
        raise ProposalError("Choose what kind of annex this is.")
    problem = pdf_problem(data)
    if problem:
        raise ProposalError(problem)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and len(data) > limit:  # normally refused earlier with a 413
        raise ProposalError(f"The file is larger than {limit // (1024 * 1024)} MB.")
    name = os.path.basename((filename or "annex.pdf").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable())[:200] or "annex.pdf"
    stored = secrets.token_hex(20) + ".pdf"
    path = os.path.join(upload_dir(), stored)
    with open(path, "xb") as handle:
        handle.write(data)
    annex = Annex(
        kind=kind,
        filename=name,
        stored_name=stored,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user.id,
    )
    proposal.annexes.append(annex)
    proposal.updated_at = clock.now()
    db.session.flush()
    audit.record(
        "proposal",
        proposal.id,
        "add-annex",
        f"Annex '{name}' ({kind}, {len(data)} bytes) added to {proposal.label}",
        {"sha256": annex.sha256},
        actor=user,
    )
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        os.unlink(path)
        raise
    return annex


def remove_annex(proposal: Proposal, annex: Annex, user: User, version) -> None:
    _guard(proposal, version)
    submitted = any(
        any(a.sha256 == annex.sha256 for a in s.snapshot.annexes) for s in proposal.submissions
    )
    path = annex_path(annex)
    if submitted:
        annex.removed_at = clock.now()  # a submitted version still needs the file
    else:
        proposal.annexes.remove(annex)
    proposal.updated_at = clock.now()
    audit.record(
        "proposal",
        proposal.id,
        "remove-annex",
        f"Annex '{annex.filename}' removed from {proposal.label}",
        actor=user,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleProposal() from exc
    if not submitted and os.path.exists(path):
        os.unlink(path)


# Submission -------------------------------------------------------------------------------


def take_snapshot(proposal: Proposal, report: checks.CheckReport | None = None) -> Snapshot:
    """The proposal's content as it would be submitted now: what is hashed and evaluated."""
    report = report or checks.check(proposal)
    p = proposal
    partners = {x.id: x for x in p.partners}

    def lead(partner_id) -> str:
        return partners[partner_id].name if partner_id in partners else ""

    return Snapshot(
        call=snap.CallRef(p.call.reference, p.call.title),
        topic=snap.TopicRef(p.topic.code, p.topic.title) if p.topic else None,
        organisation=snap.OrganisationRef(
            p.organisation_id, p.organisation.name, p.organisation.country
        ),
        acronym=p.acronym or "",
        title=p.title or "",
        duration_months=p.duration_months,
        partners=tuple(
            snap.PartnerEntry(
                x.position, x.organisation_id, x.name, x.country, x.type, PartnerRole(x.role).value
            )
            for x in p.partners
        ),
        claims=tuple(
            snap.ClaimEntry(c.priority_code, c.justification or "")
            for c in sorted(p.claims, key=lambda c: c.priority_code)
        ),
        work_packages=_work_packages(p, lead),
        indicators=tuple(
            snap.IndicatorEntry(
                i.name or "",
                i.unit or "",
                i.target,
                bool(i.by_sex),
                bool(i.by_age),
                tuple(i.priorities or ()),
            )
            for i in p.indicators
        ),
        budget=_budget(p, report.budget, lead),
        annexes=tuple(
            snap.AnnexEntry(a.kind, a.filename, a.size, a.sha256) for a in p.current_annexes
        ),
        texts={name: getattr(p, name) or "" for name in snap.TEXTS},
        **{name: tuple(getattr(p, name) or ()) for name in snap.CODE_LISTS},
    )


def _work_packages(p: Proposal, lead) -> tuple[snap.WorkPackageEntry, ...]:
    return tuple(
        snap.WorkPackageEntry(
            wp.number,
            wp.title or "",
            wp.description or "",
            lead(wp.lead_partner_id),
            wp.start_month,
            wp.end_month,
            tuple(wp.priorities or ()),
            tuple(
                snap.ItemEntry(
                    ItemKind(i.kind).value,
                    i.title or "",
                    i.description or "",
                    i.month,
                    tuple(i.priorities or ()),
                )
                for i in wp.items
            ),
        )
        for wp in p.work_packages
    )


def _budget(p: Proposal, b: checks.BudgetSummary, lead) -> snap.BudgetEntry:
    return snap.BudgetEntry(
        tuple(
            snap.BudgetLineEntry(
                lead(line.partner_id),
                BudgetCategory(line.category).value,
                line.description or "",
                line.amount,
                tuple(line.priorities or ()),
            )
            for line in p.budget_lines
        ),
        b.direct,
        b.indirect,
        b.total,
        b.eligible,
        b.funding_rate,
        b.eu_contribution,
    )


def new_submit_token() -> str:
    return secrets.token_urlsafe(24)


def submission_by_token(token: str) -> Submission | None:
    if not token:
        return None
    return db.session.scalar(select(Submission).where(Submission.idempotency_key == token[:64]))


def has_unsubmitted_changes(proposal: Proposal) -> bool:
    current = proposal.current_submission
    if current is None:
        return False
    return take_snapshot(proposal) != current.snapshot


def submit(proposal: Proposal, user: User, token: str, version) -> Submission:
    """Submit the proposal as it is now: one transaction writes the snapshot, its SHA-256,
    the time, the checks, the audit entry and the receipt mail; the mail leaves after commit.

    Idempotent: the same token (a double click, a retry after a timeout) returns the same
    submission, and so does submitting content identical to the current submission.
    """
    token = (token or "")[:64]
    if len(token) < 16:
        raise ProposalError("The submission form had expired. Reload the page and submit again.")
    existing = submission_by_token(token)
    if existing is not None:
        if existing.proposal_id != proposal.id:
            raise ProposalError("The submission form had expired. Reload the page and try again.")
        return existing
    now = clock.now()
    reason = submit_block_reason(proposal, now)
    if reason:
        raise ProposalLocked(reason)
    if str(version) != str(proposal.version):
        raise StaleProposal(
            "The proposal changed after you opened this page (perhaps in another tab), so it "
            "was not submitted. Check the latest version below and submit again."
        )
    report = checks.check(proposal)
    if report.missing:
        raise Incomplete(report.missing)
    taken = take_snapshot(proposal, report)
    content = taken.as_json()
    digest = content_hash(content)
    current = proposal.current_submission
    if (
        current is not None
        and current.snapshot == taken
        and proposal.status == ProposalStatus.SUBMITTED
    ):
        return current  # nothing changed since: the same submission still counts

    number = (
        db.session.scalar(
            select(func.max(Submission.version)).where(Submission.proposal_id == proposal.id)
        )
        or 0
    ) + 1
    if current is not None:
        current.is_current = False
        current.superseded_at = now
        db.session.flush()  # before the new current row, for the partial unique index
    submission = Submission(
        reference=f"{proposal.call.reference}-{proposal.id:06d}-V{number}",
        proposal=proposal,
        call_id=proposal.call_id,
        version=number,
        submitted_at=now,
        submitted_by_id=user.id,
        content=content,
        sha256=digest,
        idempotency_key=token,
        checks=report.recorded,
        admissible=report.admissible,
        eligible=report.eligible,
        eu_contribution=report.budget.eu_contribution,
        is_current=True,
    )
    db.session.add(submission)
    messages = _set_status(proposal, ProposalStatus.SUBMITTED, user, now, submission)
    audit.record(
        "proposal",
        proposal.id,
        "submit",
        f"{proposal.label} submitted as version {number} ({submission.reference})",
        {
            "submission": submission.reference,
            "sha256": digest,
            "admissible": report.admissible,
            "eligible": report.eligible,
        },
        actor=user,
    )
    enqueue("pdf.receipt", {"submission_id": submission.id}, key=f"pdf.receipt:{submission.id}")
    enqueue("review.alignment", {"submission_id": submission.id}, key=f"alignment:{submission.id}")
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        again = submission_by_token(token)
        if again is not None:  # the same form posted twice at once: the first one won
            return again
        raise StaleProposal(
            "The proposal was submitted or changed at the same moment from another page. "
            "Reload to see the submission that counts."
        ) from exc
    deliver_pending([m.id for m in messages] if eager() else [])  # else queued by notify()
    return submission


def _queue_receipts(proposal: Proposal, submission: Submission, submitter: User) -> list:
    recipients = submission.submitter_and_contacts(submitter)
    return notify(
        "proposal.receipt",
        [person for _, person in sorted(recipients.items())],
        submission,
        subject=f"Receipt: {proposal.label} submitted to {proposal.call.reference}",
        template="proposals/mail/receipt.txt",
        link=absolute_url("proposals.submission", submission_id=submission.id),
        submission=submission,
        proposal=proposal,
        utc=clock.as_utc(submission.submitted_at).strftime("%d %b %Y %H:%M:%S UTC"),
        brussels=brussels_seconds(submission.submitted_at),
    )


def brussels_seconds(moment: datetime) -> str:
    local = clock.to_brussels(moment)
    return local.strftime("%d %b %Y %H:%M:%S ") + (local.tzname() or "") + " (Brussels)"


# The one place where a proposal's status changes: guard, audit, the mail it sends.
TRANSITIONS = {
    (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED),
    (ProposalStatus.SUBMITTED, ProposalStatus.SUBMITTED),  # a new version
    (ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN),
    (ProposalStatus.WITHDRAWN, ProposalStatus.SUBMITTED),  # submitted again before the deadline
}


def _set_status(
    proposal: Proposal,
    status: ProposalStatus,
    user: User,
    now: datetime,
    submission: Submission | None = None,
) -> list:
    """Returns the queued mail (the receipt of a submission, the notice of a withdrawal), to
    be delivered after the caller's commit."""
    before = ProposalStatus(proposal.status)
    if (before, status) not in TRANSITIONS:
        raise ProposalError(f"A {before.value} proposal cannot become {status.value}.")
    proposal.status = status
    proposal.updated_at = now
    proposal.withdrawn_at = now if status == ProposalStatus.WITHDRAWN else None
    if before != status:
        audit.record(
            "proposal",
            proposal.id,
            "status",
            f"{proposal.label}: {before.value} -> {status.value}",
            {"status": [before.value, status.value]},
            actor=user,
        )
    if status == ProposalStatus.SUBMITTED:
        db.session.flush()  # the receipt links to the submission by its id
        return _queue_receipts(proposal, submission, user)
    return _queue_withdrawn(proposal, user, now)


def _queue_withdrawn(proposal: Proposal, user: User, now: datetime) -> list:
    return notify(
        "proposal.withdrawn",
        [user],
        proposal,
        key=now.isoformat(),
        subject=f"Withdrawn: {proposal.label} ({proposal.call.reference})",
        template="proposals/mail/withdrawn.txt",
        link=absolute_url("proposals.view", proposal_id=proposal.id),
        proposal=proposal,
        deadline=clock.format_in_zone(proposal.call.deadline_at, "Europe/Brussels"),
    )


def withdraw(proposal: Proposal, user: User, version) -> None:
    """Withdraw a submitted proposal before the deadline; it can be submitted again until then."""
    reason = locked_reason(proposal)
    if reason:
        raise ProposalLocked(reason)
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ProposalError("Only a submitted proposal can be withdrawn.")
    if str(version) != str(proposal.version):
        raise StaleProposal(
            "The proposal changed after you opened this page; reload it and try again."
        )
    now = clock.now()
    current = proposal.current_submission
    if current is not None:
        current.withdrawn_at = now
    messages = _set_status(proposal, ProposalStatus.WITHDRAWN, user, now)
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleProposal() from exc
    deliver_pending([m.id for m in messages])


# Receipt PDF ------------------------------------------------------------------------------


def receipt_pdf(submission: Submission) -> bytes:
    """The whole submitted proposal with its receipt, rendered once and cached by hash."""
    from grants.pdf import cached, render_pdf

    path = Path(upload_dir()) / "receipts" / f"{submission.id}-{submission.sha256}.pdf"
    return cached(
        path,
        lambda: render_pdf(
            "proposals/receipt_pdf.html",
            submission=submission,
            c=submission.snapshot,
            utc=clock.as_utc(submission.submitted_at).strftime("%d %b %Y %H:%M:%S UTC"),
            brussels=brussels_seconds(submission.submitted_at),
            labels=labels(),
        ),
    )


def labels() -> dict:
    """Titles of the codes a snapshot uses, for display."""
    from grants.taxonomy.models import Priority

    return {
        "target_groups": {t.code: t.title for t in target_groups()},
        "exploitation": {e.code: e.title for e in exploitation_forms()},
        "priorities": dict(db.session.execute(select(Priority.code, Priority.title)).all()),
        "types": {t.value: t.label for t in OrganisationType},
        "categories": {c.value: c.label for c in BudgetCategory},
        "roles": {r.value: r.label for r in PartnerRole},
    }


# The programme's view ---------------------------------------------------------------------


@dataclass
class SubmissionFilter:
    status: str = ""  # submitted, withdrawn, admissible, inadmissible, ineligible, overridden
    topic: str = ""
    country: str = ""
    priority: str = ""


def submissions_of_call(call: Call, filters: SubmissionFilter) -> list[Submission]:
    """The submission that counts for each proposal of the call (and withdrawn ones)."""
    stmt = (
        select(Submission)
        .where(Submission.call_id == call.id, Submission.is_current.is_(True))
        .options(selectinload(Submission.reviews))  # the list shows each one's review
        .order_by(Submission.submitted_at)
    )
    rows = list(db.session.scalars(stmt))
    out = []
    for s in rows:
        topic = s.head.topic
        if filters.topic and (topic.code if topic else None) != filters.topic:
            continue
        if filters.country and filters.country not in s.snapshot.all_countries:
            continue
        if filters.priority and filters.priority not in s.snapshot.claimed_priorities:
            continue
        status = filters.status
        if status == "submitted" and s.withdrawn_at:
            continue
        if status == "withdrawn" and not s.withdrawn_at:
            continue
        if status == "admissible" and not (s.final_admissible and s.final_eligible):
            continue
        if status == "inadmissible" and s.final_admissible:
            continue
        if status == "ineligible" and s.final_eligible:
            continue
        if status == "overridden" and not (
            s.review and s.review.decision == ReviewDecision.OVERRIDDEN
        ):
            continue
        if status == "unreviewed" and s.review:
            continue
        out.append(s)
    return out


def review_submission(
    submission: Submission,
    manager: User,
    decision: str,
    reason: str,
    admissible: bool | None = None,
    eligible: bool | None = None,
) -> SubmissionReview:
    """Confirm the automatic result, or override it; the reason is required and logged.
    Once the call's ranking is final (the review domain's record), the checks stand."""
    from grants.review.services import ranking_final

    if ranking_final(submission.call_id, writing=True):
        raise ProposalError(
            "The ranking of this call is final: admissibility and eligibility can no longer change."
        )
    reason = _text(reason, 5000)
    if not reason:
        raise ProposalError("Give the reason for your decision; it is kept in the audit log.")
    try:
        decision = ReviewDecision(decision)
    except ValueError as exc:
        raise ProposalError("Choose to confirm or to override the result.") from exc
    if decision == ReviewDecision.CONFIRMED:
        admissible, eligible = submission.admissible, submission.eligible
    elif admissible is None or eligible is None:
        raise ProposalError("Say whether the proposal is admissible and eligible.")
    elif (bool(admissible), bool(eligible)) == (submission.admissible, submission.eligible):
        raise ProposalError(
            "Overriding must change the result; to agree with the checks, choose confirm."
        )
    before = (submission.final_admissible, submission.final_eligible)
    review = SubmissionReview(
        submission=submission,
        decision=decision,
        admissible=bool(admissible),
        eligible=bool(eligible),
        reason=reason,
        reviewer_id=manager.id,
        at=clock.now(),
    )
    db.session.add(review)
    audit.record(
        "submission",
        submission.id,
        f"review-{decision.value}",
        f"{submission.reference}: checks {decision.value} by {manager.email}",
        {
            "admissible": [before[0], bool(admissible)],
            "eligible": [before[1], bool(eligible)],
            "reason": reason[:500],
        },
        actor=manager,
    )
    db.session.commit()
    return review
