"""The field map: each proposal section's own fields, declared once.

One entry per field drives the form (its widget and limits), the prefill, the save, the
audit diff, the completeness check, the call's character limits and the snapshot. Adding a
field to a section is the model column, its migration and one entry here.

The rows of a section (partners, work packages, indicators, budget lines) have their own
forms and savers; this map holds the section's single fields.
"""

from __future__ import annotations

from dataclasses import dataclass

LINE = "line"  # one line of text, `max_length` characters
TEXT = "text"  # free text counted by the call's section limits; submitted and evaluated
MONTHS = "months"  # a whole number of months, 1 to MAX_MONTHS
TOPIC = "topic"  # one of the call's topics (required only if the call has topics)
CODES = "codes"  # several codes of a taxonomy list (`choices` names it)

MAX_MONTHS = 120


@dataclass(frozen=True)
class Field:
    name: str  # the Proposal attribute, the form field, the snapshot key
    kind: str
    label: str  # on the form
    missing: str = ""  # the completeness message when empty; "" = optional
    code: str = ""  # the completeness check's code (default: the name)
    limit: str = ""  # the key of the call's section_limits that counts this text
    max_length: int = 0
    description: str = ""
    rows: int = 6
    heading: str = ""  # in the submitted document (default: the label)
    choices: str = ""  # for CODES: target_groups, exploitation_forms or countries
    note: str = ""  # shown under the field, formatted with the call: "{call.max_duration_months}"
    maximum: str = ""  # the call's attribute that bounds a number; checked while typing

    @property
    def check_code(self) -> str:
        return self.code or self.name

    @property
    def shown_as(self) -> str:
        return self.heading or self.label


@dataclass(frozen=True)
class Limit:
    """A key of the call's `section_limits` (characters), the texts it counts, its label."""

    key: str
    section: str
    fields: tuple[str, ...]
    label: str
    together: str = ""  # "relevance and objectives" when one limit counts several texts


FIELDS: dict[str, tuple[Field, ...]] = {
    "summary": (
        Field(
            "acronym",
            LINE,
            "Acronym",
            "Give the proposal an acronym.",
            max_length=30,
            description="A short name, at most 30 characters, e.g. SAFE-HAVEN.",
        ),
        Field("title", LINE, "Title", "Give the proposal a title.", max_length=300),
        Field("topic_id", TOPIC, "Topic", "Choose the topic of the call.", code="topic"),
        Field(
            "duration_months",
            MONTHS,
            "Duration (months)",
            "Give the duration in months.",
            code="duration",
            note="The call allows at most {call.max_duration_months} months.",
            maximum="max_duration_months",
        ),
        Field(
            "abstract",
            TEXT,
            "Abstract",
            "Write the abstract.",
            limit="summary",
            description="What the project does, for whom, where and with what result.",
        ),
    ),
    "relevance": (
        Field(
            "relevance",
            TEXT,
            "Relevance",
            "Explain the relevance.",
            limit="relevance",
            rows=10,
            description="The needs addressed and how the project serves the call and the EU "
            "Strategy on Combatting Trafficking in Human Beings 2021-2025.",
        ),
        Field(
            "objectives",
            TEXT,
            "Objectives",
            "State the objectives.",
            limit="relevance",
            description="The general and specific objectives.",
        ),
    ),
    "workplan": (
        Field(
            "methodology",
            TEXT,
            "Methodology and implementation",
            "Describe the methodology.",
            limit="design",
            description="How the work is organised, the risks and how they are managed, "
            "and monitoring.",
        ),
    ),
    "consortium": (
        Field(
            "team",
            TEXT,
            "The team and how the partners work together",
            "Describe the team and how the partners work together.",
            limit="team",
            description="Expertise, roles and the cooperation arrangements of the consortium.",
            heading="The team and cooperation",
        ),
    ),
    "targets": (
        Field(
            "target_groups",
            CODES,
            "Target groups",
            "Choose the target groups.",
            code="target-groups",
            choices="target_groups",
        ),
        Field(
            "exploitation_forms",
            CODES,
            "Forms of exploitation addressed",
            "Choose the forms of exploitation addressed.",
            code="exploitation",
            choices="exploitation_forms",
        ),
        Field(
            "countries",
            CODES,
            "Countries of implementation",
            "Choose the countries of implementation.",
            choices="countries",
            description="Tick each country where the project works.",
        ),
    ),
    "results": (
        Field(
            "impact",
            TEXT,
            "Impact and sustainability",
            "Describe the impact and sustainability.",
            limit="impact",
            description="Expected results for victims and professionals, how they last after "
            "the project, and how they are disseminated.",
        ),
    ),
}

# The labels of the call's section limits in the checks' messages.
LIMIT_LABELS = {
    "summary": "The abstract",
    "relevance": "Relevance and objectives",
    "design": "The methodology",
    "team": "The description of the team and cooperation",
    "impact": "Impact and sustainability",
}


def section_fields(section: str) -> tuple[Field, ...]:
    return FIELDS.get(section, ())


def limit_of(f: Field) -> Limit | None:
    return next((x for x in limits() if x.key == f.limit), None) if f.limit else None


def all_fields() -> list[tuple[str, Field]]:
    return [(section, f) for section, fields in FIELDS.items() for f in fields]


def text_fields() -> tuple[Field, ...]:
    """The free texts, in the order of the sections: submitted, shown and evaluated."""
    return tuple(f for _, f in all_fields() if f.kind == TEXT)


def limits() -> list[Limit]:
    """The call's section limits that count texts of the map, in the order of the map."""
    grouped: dict[str, list[tuple[str, Field]]] = {}
    for section, f in all_fields():
        if f.limit:
            grouped.setdefault(f.limit, []).append((section, f))
    out = []
    for key, entries in grouped.items():
        texts = [f for _, f in entries]
        together = " and ".join(f.label.lower() for f in texts) if len(texts) > 1 else ""
        label = LIMIT_LABELS.get(key) or texts[0].label
        out.append(Limit(key, entries[0][0], tuple(f.name for f in texts), label, together))
    return out


TEXTS = tuple(f.name for f in text_fields())
CODE_LISTS = tuple(f.name for _, f in all_fields() if f.kind == CODES)
