"""Outcomes of a report as the coordinator types them, one a line, each with the taxonomy tags
it addresses in brackets at the end, so the review map breaks outcomes down by them:

    161 victims assisted within 48 hours [shelters; form:sexual; women; girls]
    A joint referral protocol adopted by two national mechanisms [A5.K3; referral]

A tag is a priority code of the strategies (A5, shelters, 2012-A1), a form of exploitation
(code or name: labour, "Sexual exploitation") or a target group (code or name: women,
"Children in migration"); where a code means two things (sexual, labour are both a priority
dimension and a form of exploitation) it is written with its kind: priority:labour,
form:labour. Tags may be left out. Every bad line is refused with its number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from grants.extensions import db
from grants.projects.line_input import LineProblem, bracketed, checked_text, read_lines
from grants.taxonomy.models import ExploitationForm, Priority, TargetGroup

MAX_TAGS = 20
# the kinds of tag, as stored in a report's content, and the prefixes that name them
KINDS = {
    "priorities": ("priority", "the priority"),
    "exploitation_forms": ("form", "the form of exploitation"),
    "target_groups": ("group", "the target group"),
}
PREFIXES = {prefix: kind for kind, (prefix, _) in KINDS.items()}


@dataclass
class Vocabulary:
    # kind -> lower-case code or name -> the code
    names: dict[str, dict[str, str]]

    @classmethod
    def load(cls) -> Vocabulary:
        def named(model) -> dict[str, str]:
            rows = db.session.execute(select(model.code, model.title)).all()
            return {t.lower(): c for c, t in rows} | {c.lower(): c for c, _ in rows}

        return cls(
            {
                "priorities": {c.lower(): c for c in db.session.scalars(select(Priority.code))},
                "exploitation_forms": named(ExploitationForm),
                "target_groups": named(TargetGroup),
            }
        )

    def resolve(self, typed: str) -> tuple[str, str, str]:
        """(kind, code, "") or ("", "", the problem) for one tag as typed."""
        head, colon, rest = typed.partition(":")
        if colon and head.strip().lower() in PREFIXES:
            kind = PREFIXES[head.strip().lower()]
            code = self.names[kind].get(_plain(rest))
            if code is None:
                return "", "", f"“{rest.strip()[:40]}” is not {KINDS[kind][1]} of the taxonomy"
            return kind, code, ""
        name = _plain(typed)
        found = [(k, names[name]) for k, names in self.names.items() if name in names]
        if not found:
            return (
                "",
                "",
                (
                    f"“{typed[:40]}” is not a priority, form of exploitation or target group "
                    "of the taxonomy"
                ),
            )
        if len(found) > 1:
            ways = " or ".join(f"{KINDS[k][0]}:{code}" for k, code in found)
            return "", "", f"“{typed[:40]}” means more than one thing: write {ways}"
        return found[0][0], found[0][1], ""


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _line(line: str, vocabulary: Vocabulary | None) -> dict:
    text, inside = bracketed(line, "the tags", "A5; women")
    tags = {kind: [] for kind in KINDS}
    if inside is not None:
        typed = [t.strip() for t in re.split(r"[;,]", inside) if t.strip()]
        if len(typed) > MAX_TAGS:
            raise LineProblem(f"give at most {MAX_TAGS} tags.")
        for tag in typed:
            kind, code, problem = vocabulary.resolve(tag)
            if problem:
                raise LineProblem(f"{problem}.")
            if code not in tags[kind]:
                tags[kind].append(code)
    text = checked_text(text, "the outcome itself is missing before the brackets.", "an outcome")
    return {"text": text, **tags}


def read(typed: str) -> tuple[list[dict], list[str]]:
    """(the outcomes, the problems): the content rows are good only without problems."""
    return read_lines(
        typed,
        "outcomes",
        _line,
        lambda lines: Vocabulary.load() if any("[" in line for line in lines) else None,
    )


def as_dict(item: str | dict) -> dict:
    """An outcome as stored in a report: a text (reports before tags) or a tagged dict."""
    if isinstance(item, str):
        return {"text": item, **{kind: [] for kind in KINDS}}
    return {"text": item.get("text", ""), **{kind: list(item.get(kind) or []) for kind in KINDS}}


def write(items: list) -> str:
    """The lines that read back as `items` (to start a new version of a returned report)."""
    ambiguous = _ambiguous() if items else set()
    lines = []
    for item in map(as_dict, items):
        tags = [
            f"{KINDS[kind][0]}:{code}" if code.lower() in ambiguous else code
            for kind in KINDS
            for code in item[kind]
        ]
        lines.append(item["text"] + (f" [{'; '.join(tags)}]" if tags else ""))
    return "\n".join(lines)


def _ambiguous() -> set[str]:
    names = Vocabulary.load().names
    seen: dict[str, int] = {}
    for kind in KINDS:
        for name in names[kind]:
            seen[name] = seen.get(name, 0) + 1
    return {name for name, n in seen.items() if n > 1}
