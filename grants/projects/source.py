"""The one reader of a submitted proposal's content for the projects domain.

Every function takes a Submission and returns plain data; when the typed versioned
snapshot (`Submission.snapshot`) lands, only this module changes."""

from __future__ import annotations

from decimal import Decimal


def _content(submission) -> dict:
    return submission.content or {}


def title(submission) -> str:
    return _content(submission).get("title", "")


def acronym(submission) -> str:
    return _content(submission).get("acronym", "")


def duration_months(submission) -> int:
    return int(_content(submission).get("duration_months") or 12)


def consortium(submission) -> list[dict]:
    return [
        {
            "name": p.get("name", ""),
            "country": p.get("country", ""),
            "type": p.get("type", ""),
            "role": p.get("role", ""),
            "organisation_id": p.get("organisation_id"),
        }
        for p in _content(submission).get("partners") or []
    ]


def work_packages(submission) -> list[dict]:
    return [
        {
            "number": wp.get("number"),
            "title": wp.get("title", ""),
            "start_month": wp.get("start_month"),
            "end_month": wp.get("end_month"),
        }
        for wp in _content(submission).get("work_packages") or []
    ]


def _items(submission, kind: str) -> list[dict]:
    return [
        {"work_package": wp.get("number"), "title": i.get("title", ""), "month": i.get("month")}
        for wp in _content(submission).get("work_packages") or []
        for i in wp.get("items") or []
        if i.get("kind") == kind
    ]


def deliverables(submission) -> list[dict]:
    return _items(submission, "deliverable")


def milestones(submission) -> list[dict]:
    return _items(submission, "milestone")


def indicators(submission) -> list[dict]:
    return [
        {"name": i.get("name", ""), "unit": i.get("unit", ""), "target": i.get("target")}
        for i in _content(submission).get("indicators") or []
    ]


def budget(submission) -> dict[str, str]:
    """Budget category -> amount (a string in EUR), summed over partners."""
    totals: dict[str, Decimal] = {}
    for line in (_content(submission).get("budget") or {}).get("lines") or []:
        category = line.get("category", "other")
        totals[category] = totals.get(category, Decimal(0)) + Decimal(line.get("amount") or 0)
    return {category: f"{amount:.2f}" for category, amount in totals.items()}


def eu_contribution(submission) -> Decimal:
    amount = (_content(submission).get("budget") or {}).get("eu_contribution")
    return Decimal(amount) if amount else Decimal(submission.eu_contribution or 0)


def funding_rate(submission) -> Decimal:
    rate = (_content(submission).get("budget") or {}).get("funding_rate")
    return Decimal(rate) if rate else Decimal(90)


def tags(submission) -> dict[str, list[str]]:
    content = _content(submission)
    return {
        "priorities": [c.get("priority") for c in content.get("claims") or [] if c.get("priority")],
        "exploitation_forms": list(content.get("exploitation_forms") or []),
        "target_groups": list(content.get("target_groups") or []),
        "countries": list(content.get("countries") or []),
    }
