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
from grants.taxonomy.models import Priority

MAX_LINES = 50
MAX_TEXT = 2000
ADDRESSEE_HINT = "EU, Member States, civil society or other"
_PRIORITY = re.compile(r"([^\[\]]*?)\s*\[([^\[\]]*)\]\s*")


def _priority_codes() -> dict[str, str]:
    """Lower-case code -> the code as the taxonomy spells it."""
    return {code.lower(): code for code in db.session.scalars(select(Priority.code))}


def _line(number: int, line: str, codes: dict[str, str]) -> tuple[dict | None, str]:
    """(the recommendation, "") or (None, the problem in words)."""
    head, colon, rest = line.partition(":")
    if not colon:
        return None, (
            f"Line {number}: write to whom it is addressed before a colon "
            f"({ADDRESSEE_HINT}), e.g. “Member States: …”."
        )
    addressee = ADDRESSEE_NAMES.get(re.sub(r"\s+", " ", head.strip().lower()))
    if addressee is None:
        return None, (
            f"Line {number}: “{head.strip()[:60]}” is not an addressee; write {ADDRESSEE_HINT}."
        )
    text, priority = rest.strip(), ""
    if "[" in text or "]" in text:
        match = _PRIORITY.fullmatch(text)
        if match is None:
            return None, (
                f"Line {number}: put the priority in one pair of brackets at the end, "
                "e.g. “… [A5]”."
            )
        text, typed = match[1].strip(), match[2].strip()
        priority = codes.get(typed.lower(), "")
        if not priority:
            return None, (
                f"Line {number}: “{typed[:40]}” is not a priority code of the strategies "
                "(see Taxonomy: e.g. A5, shelters or 2012-A1)."
            )
    if not text:
        return None, f"Line {number}: the recommendation itself is missing after the colon."
    if len(text) > MAX_TEXT:
        return None, f"Line {number}: keep a recommendation under {MAX_TEXT} characters."
    return {"text": text, "addressee": addressee.value, "priority": priority}, ""


def read(typed: str) -> tuple[list[dict], list[str]]:
    """(the recommendations, the problems): the content rows are good only without problems."""
    lines = [(n, line.strip()) for n, line in enumerate((typed or "").splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if len(lines) > MAX_LINES:
        return [], [f"Give at most {MAX_LINES} recommendations (there are {len(lines)})."]
    codes = _priority_codes() if lines else {}
    found, problems = [], []
    for number, line in lines:
        entry, problem = _line(number, line, codes)
        if problem:
            problems.append(problem)
        else:
            found.append(entry)
    return found, problems


def write(entries: list[dict]) -> str:
    """The lines that read back as `entries` (to start a new version of a returned report)."""
    lines = []
    for entry in entries:
        addressee = Addressee(entry.get("addressee") or "other").label
        priority = f" [{entry['priority']}]" if entry.get("priority") else ""
        lines.append(f"{addressee}: {entry['text']}{priority}")
    return "\n".join(lines)
