"""Recommendations of a report as the coordinator types them, one a line, in the shape the
2012-2016 strategy's review of funded projects asks for (to whom, what, under which priority):

    Member States: Fund shelter places for third-country victims [shelters]
    EU: Publish guidance on cross-border referral [2012-A1]

The addressee (EU, Member States, civil society, other, or a name they are known by) comes
before the colon; the priority is a code of the strategies in brackets at the end (a
2021-2025 code such as A5 or shelters, or a 2012-2016 one such as 2012-A1), or left out.
Every bad line is refused with its number, so the page says it at the field."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants.extensions import db
from grants.portfolio.models import ADDRESSEE_NAMES, Addressee
from grants.projects.line_input import LineProblem, bracketed, checked_text, read_lines
from grants.taxonomy.models import Priority

ADDRESSEE_HINT = "EU, Member States, civil society or other"


def _priority_codes() -> dict[str, str]:
    """Lower-case code -> the code as the taxonomy spells it."""
    return {code.lower(): code for code in db.session.scalars(select(Priority.code))}


def _line(line: str, codes: dict[str, str]) -> dict:
    """The recommendation of one line, or LineProblem."""
    head, colon, rest = line.partition(":")
    if not colon:
        raise LineProblem(
            f"write to whom it is addressed before a colon ({ADDRESSEE_HINT}), "
            "e.g. “Member States: …”."
        )
    addressee = ADDRESSEE_NAMES.get(re.sub(r"\s+", " ", head.strip().lower()))
    if addressee is None:
        raise LineProblem(f"“{head.strip()[:60]}” is not an addressee; write {ADDRESSEE_HINT}.")
    text, typed = bracketed(rest.strip(), "the priority", "A5")
    priority = ""
    if typed is not None:
        typed = typed.strip()
        priority = codes.get(typed.lower(), "")
        if not priority:
            raise LineProblem(
                f"“{typed[:40]}” is not a priority code of the strategies "
                "(see Taxonomy: e.g. A5, shelters or 2012-A1)."
            )
    text = checked_text(
        text, "the recommendation itself is missing after the colon.", "a recommendation"
    )
    return {"text": text, "addressee": addressee.value, "priority": priority}


def read(typed: str) -> tuple[list[dict], list[str]]:
    """(the recommendations, the problems): the content rows are good only without problems."""
    return read_lines(
        typed, "recommendations", _line, lambda lines: _priority_codes() if lines else {}
    )


def write(entries: list[dict]) -> str:
    """The lines that read back as `entries` (to start a new version of a returned report)."""
    lines = []
    for entry in entries:
        addressee = Addressee(entry.get("addressee") or "other").label
        priority = f" [{entry['priority']}]" if entry.get("priority") else ""
        lines.append(f"{addressee}: {entry['text']}{priority}")
    return "\n".join(lines)
