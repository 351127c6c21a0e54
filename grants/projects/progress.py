"""What a project achieved against its work plan, for its page: each indicator's target
against the values of its accepted reports per period, and each deliverable and milestone
with its due date and whether it is done (marked in an accepted report) or late."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from grants import clock
from grants.projects import outcome_input, services
from grants.projects.models import Grant, ReportState

ITEM_PARTS = ("deliverables", "milestones")


def _accepted(grant: Grant) -> dict[int, object]:
    return {r.period: r for r in grant.reports if r.state == ReportState.ACCEPTED}


def indicators(grant: Grant) -> tuple[list[int], list[dict]]:
    """(the period numbers, one row per work-plan indicator: name, unit, target, achieved per
    period, total and share of the target)."""
    numbers = [p["number"] for p in services.periods(grant)]
    accepted = _accepted(grant)
    rows = []
    for indicator in (grant.work_plan or {}).get("indicators") or []:
        by_period = {}
        for number, report in accepted.items():
            values = [
                Decimal(v["value"])
                for v in report.content.get("indicators") or []
                if v.get("name") == indicator.get("name")
            ]
            if values:
                by_period[number] = sum(values, Decimal(0))
        total = sum(by_period.values(), Decimal(0))
        target = Decimal(str(indicator["target"])) if indicator.get("target") else None
        rows.append(
            {
                "name": indicator.get("name", ""),
                "unit": indicator.get("unit", ""),
                "target": target,
                "by_period": by_period,
                "total": total,
                "share": (total / target * 100).quantize(Decimal("1")) if target else None,
            }
        )
    return numbers, rows


def items(grant: Grant, today: date | None = None) -> list[dict]:
    """Deliverables and milestones in due order, each with its key ("deliverables:0"), due
    date and state: done, late or due."""
    today = today or clock.to_brussels(clock.now()).date()
    found = []
    for part in ITEM_PARTS:
        for n, item in enumerate((grant.work_plan or {}).get(part) or []):
            due = services.item_due(grant, item)
            state = "done" if item.get("done") else ("late" if due and due < today else "due")
            found.append(
                {
                    "key": f"{part}:{n}",
                    "kind": "Deliverable" if part == "deliverables" else "Milestone",
                    "work_package": item.get("work_package"),
                    "title": item.get("title", ""),
                    "due": due,
                    "state": state,
                    "done_period": item.get("done_period"),
                }
            )
    return sorted(found, key=lambda i: (i["due"] or date.max, i["key"]))


def ticked(grant: Grant, keys: list[str]) -> list[dict]:
    """The deliverables and milestones a report marks as done ("deliverables:0"), as `items`
    gives them, in due order; a key the work plan no longer has is left out."""
    wanted = set(keys)
    return [i for i in items(grant) if i["key"] in wanted]


def open_items(grant: Grant) -> list[dict]:
    """The deliverables and milestones a report may mark done."""
    return [i for i in items(grant) if i["state"] != "done"]


def mark_done(grant: Grant, keys: list[str], period: int) -> list[str]:
    """Mark the items of an accepted report done (the work plan is a new dict, so the JSON
    column sees the change); returns the titles marked."""
    plan = {k: (list(v) if isinstance(v, list) else v) for k, v in grant.work_plan.items()}
    marked = []
    for key in keys:
        part, _, position = key.partition(":")
        if part not in ITEM_PARTS or not position.isdigit():
            continue
        entries = plan.get(part) or []
        if int(position) < len(entries) and not entries[int(position)].get("done"):
            entries[int(position)] = {**entries[int(position)], "done": True, "done_period": period}
            marked.append(entries[int(position)].get("title", ""))
    grant.work_plan = plan
    return marked


def findings(grant: Grant, reports: list | None = None) -> dict:
    """The outcomes and recommendations of the accepted reports (or of `reports`), in report
    order: each outcome with its tags as (badge, tooltip), each recommendation with its
    addressee's label and its priority's title."""
    from grants.portfolio.models import Addressee

    chosen = reports if reports is not None else list(_accepted(grant).values())
    if not any((r.content or {}).get(k) for r in chosen for k in ("outcomes", "recommendations")):
        return {"outcomes": [], "recommendations": []}  # no taxonomy to read
    names = _tag_names()
    outcomes, recommendations = [], []
    for report in sorted(chosen, key=lambda r: (r.period, r.version)):
        content = report.content or {}
        for item in map(outcome_input.as_dict, content.get("outcomes") or []):
            outcomes.append({**item, "period": report.period, "tags": _tag_labels(item, names)})
        for entry in content.get("recommendations") or []:
            code = entry.get("priority") or ""
            recommendations.append(
                {
                    "text": entry.get("text", ""),
                    "addressee": Addressee(entry.get("addressee") or "other").label,
                    "priority": code,
                    "priority_title": names["priorities"].get(code, ""),
                    "period": report.period,
                }
            )
    return {"outcomes": outcomes, "recommendations": recommendations}


def _tag_names() -> dict[str, dict[str, str]]:
    """Tag kind (as in a report's outcomes) -> code -> title."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.taxonomy.models import ExploitationForm, Priority, TargetGroup

    models = {
        "priorities": Priority,
        "exploitation_forms": ExploitationForm,
        "target_groups": TargetGroup,
    }
    return {
        kind: dict(db.session.execute(select(model.code, model.title)).all())
        for kind, model in models.items()
    }


def _tag_labels(item: dict, names: dict) -> list[tuple[str, str]]:
    """(what the badge says, what its tooltip says): each tag by its title, with its code in
    the tooltip (people read titles, not codes)."""
    found = []
    for kind in ("priorities", "exploitation_forms", "target_groups"):
        found.extend((names[kind].get(code, code), code) for code in item[kind])
    return found
