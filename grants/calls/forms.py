"""Forms of the calls domain: the call form (multi-value fields as one-line-per-item text areas,
usable without JavaScript) and the status-change form."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from grants import clock
from grants.accounts.forms import MultiCheckboxField
from grants.accounts.models import ORGANISATION_TYPE_LABELS
from grants.calls import rules, services
from grants.calls.models import (
    DEFAULT_CRITERIA,
    DEFAULT_REQUIRED_ANNEXES,
    DEFAULT_SECTION_LIMITS,
    DEFAULT_TIE_BREAK_RULES,
    Aggregation,
    AlignmentUse,
    SelectionPolicy,
)
from grants.security.forms import FlaskForm


def country_presets() -> dict[str, tuple[str, list[str]]]:
    """key -> (label, codes): the EU-27 (`Country.eu_member`) and the EU-27 without Denmark."""
    from grants.taxonomy.services import eu_members

    eu27 = sorted(eu_members())
    return {
        "eu27": ("All EU-27 Member States", eu27),
        "eu27-dk": (
            "EU-27 except Denmark (AMIF, ISF: Denmark does not take part)",
            [c for c in eu27 if c != "DK"],
        ),
    }


MAX_TEXT = 20_000
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def parse_amount(text: str) -> Decimal:
    """A number typed by a person: '6 000 000', '6,000,000.50', '1000,5' (decimal comma)."""
    cleaned = re.sub(r"[\s\u00a0\u202f_']", "", text or "")
    if cleaned.upper().startswith("EUR"):
        cleaned = cleaned[3:]
    cleaned = cleaned.lstrip("€")
    if "," in cleaned and "." in cleaned or re.fullmatch(r"-?\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?\d{1,15}(\.\d{1,10})?", cleaned):
        raise ValueError("not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover (the pattern above excludes it)
        raise ValueError("not a number") from exc
    return value


class NumberField(StringField):
    """A Decimal typed freely (spaces and thousands separators allowed); never a float."""

    def __init__(self, label=None, validators=None, message="Enter a number.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None
            text = (valuelist[0] or "").strip()
            if not text:
                return
            if len(text) > 40:
                raise ValueError(self.message)
            try:
                self.data = parse_amount(text)
            except ValueError as exc:
                raise ValueError(self.message) from exc

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return (
            f"{self.data.normalize():f}" if self.data == self.data.to_integral() else str(self.data)
        )


class WholeNumberField(IntegerField):
    def __init__(self, label=None, validators=None, message="Enter a whole number.", **kw):
        super().__init__(label, validators, **kw)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None
            text = (valuelist[0] or "").strip()
            if not text:
                return
            if not re.fullmatch(r"-?\d{1,9}", text):
                raise ValueError(self.message)
            self.data = int(text)


class BrusselsDateTimeField(DateTimeLocalField):
    """A wall-clock time in Brussels; `utc` gives the aware UTC moment."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(
            label,
            validators,
            format=DATETIME_FORMATS,
            invalid_value_message="Enter a date and time, e.g. 2024-08-21 17:00.",
            **kwargs,
        )

    def process_formdata(self, valuelist):
        if valuelist and len(" ".join(valuelist)) > 40:
            self.data = None
            raise ValueError(self.invalid_value_message)
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        # keep seconds when there are any, so that an unchanged form changes nothing
        return self.data.strftime(DATETIME_FORMATS[1] if self.data.second else DATETIME_FORMATS[0])

    @property
    def utc(self) -> datetime | None:
        return clock.brussels_to_utc(self.data) if self.data else None

    def set_utc(self, moment: datetime | None) -> None:
        self.data = clock.to_brussels(moment).replace(tzinfo=None) if moment else None


class LinesField(TextAreaField):
    """One item per line; `parse_line` reads a line, `format_item` writes one back."""

    separator = "|"
    columns: tuple[str, ...] = ()

    def parse_line(self, parts: list[str]):
        raise NotImplementedError

    def format_item(self, item) -> str:
        raise NotImplementedError

    def collect(self, items: list):
        return items

    def items_of(self, data) -> list:
        return list(data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = valuelist[0] or ""
        if len(text) > MAX_TEXT:
            raise ValueError(f"At most {MAX_TEXT} characters.")
        items, errors = [], []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(self.separator)] if self.separator else [line]
            try:
                items.append(self.parse_line(parts))
            except ValueError as exc:
                errors.append(f"Line {number}: {exc}")
        if errors:
            raise ValueError(" ".join(errors[:5]))
        self.data = self.collect(items)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return "\n".join(self.format_item(item) for item in self.items_of(self.data))


def _need(parts: list[str], count: int, example: str) -> None:
    if len(parts) < count or not all(parts[:count]):
        raise ValueError(f"write it as {example}.")


def _number(text: str, what: str) -> Decimal:
    try:
        return parse_amount(text)
    except ValueError:
        raise ValueError(f"{what} {text[:20]!r} is not a number.") from None


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


class TopicsField(LinesField):
    def parse_line(self, parts):
        _need(parts, 3, "code | title | budget in EUR")
        if len(parts) > 3:
            raise ValueError("write it as code | title | budget in EUR (no | in the title).")
        return {"code": parts[0], "title": parts[1], "budget": _number(parts[2], "the budget")}

    def format_item(self, item):
        return f"{item['code']} | {item['title']} | {_plain(item['budget'])}"


class CriteriaField(LinesField):
    def parse_line(self, parts):
        _need(parts, 4, "code | name | maximum points | threshold")
        return {
            "code": parts[0].lower(),
            "label": parts[1],
            "max_points": _number(parts[2], "the maximum"),
            "threshold": _number(parts[3], "the threshold"),
            "description": " | ".join(parts[4:]),
        }

    def format_item(self, item):
        line = (
            f"{item['code']} | {item['label']} | {_plain(Decimal(item['max_points']))} | "
            f"{_plain(Decimal(item['threshold']))}"
        )
        return line + (f" | {item['description']}" if item.get("description") else "")


class PrioritiesField(LinesField):
    separator = "="

    def parse_line(self, parts):
        _need(parts, 2, "priority code = weight, e.g. child = 2")
        if len(parts) > 2:
            raise ValueError("write it as priority code = weight, e.g. child = 2.")
        return (parts[0], _number(parts[1], "the weight"))

    def collect(self, items):
        codes = [code for code, _ in items]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"each priority may appear once: {', '.join(repeated)[:200]}.")
        return dict(items)

    def items_of(self, data):
        return list(data.items())

    def format_item(self, item):
        return f"{item[0]} = {_plain(Decimal(item[1]))}"


class SectionLimitsField(PrioritiesField):
    def parse_line(self, parts):
        _need(parts, 2, "section = maximum characters, e.g. summary = 2000")
        if len(parts) > 2 or not re.fullmatch(r"\d{1,9}", parts[1].replace(" ", "")):
            raise ValueError("write it as section = maximum characters, e.g. summary = 2000.")
        return (parts[0].lower(), int(parts[1].replace(" ", "")))

    def collect(self, items):
        codes = [code for code, _ in items]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"each section may appear once: {', '.join(repeated)[:200]}.")
        return dict(items)

    def format_item(self, item):
        return f"{item[0]} = {item[1]}"


class AnnexesField(LinesField):
    def parse_line(self, parts):
        _need(parts, 2, "code | title, e.g. budget | Detailed budget table")
        return {"code": parts[0].lower(), "title": " | ".join(parts[1:])}

    def format_item(self, item):
        return f"{item['code']} | {item['title']}"


# The tie-break rules other than a criterion, as the call form reads and writes them; the
# stored codes (and "criterion:<code>") are read too, so older texts keep working.
TIE_BREAK_WORDS = {
    "alignment": "Priority alignment",
    "eu_contribution_asc": "Smaller EU contribution first",
    "eu_contribution_desc": "Larger EU contribution first",
}
_TIE_BREAK_READ = {
    **{word.lower(): rule for rule, word in TIE_BREAK_WORDS.items()},
    **{rule: rule for rule in TIE_BREAK_WORDS},
    "priority alignment first": "alignment",
    "higher priority alignment first": "alignment",
    "smaller eu contribution": "eu_contribution_asc",
    "larger eu contribution": "eu_contribution_desc",
}


class RulesField(LinesField):
    """Tie-break rules in words, one per line: an award criterion by its name or code
    ("Relevance"), "Priority alignment", "Smaller EU contribution first" or "Larger EU
    contribution first". A criterion is kept as written here and named by its code in
    `CallForm.values`, which knows the criteria of the same form."""

    separator = ""
    names: dict[str, str] = {}  # criterion code -> name, to write the rules back in words

    def parse_line(self, parts):
        word = " ".join(parts[0].split())
        return _TIE_BREAK_READ.get(word.lower(), word)

    def format_item(self, item):
        if item.startswith("criterion:"):
            code = item.split(":", 1)[1]
            return self.names.get(code, code)
        return TIE_BREAK_WORDS.get(item, item)


def criterion_rules(rules: list[str] | None, criteria: list[dict] | None) -> list[str] | None:
    """The tie-break rules with each criterion, written by its name or code, as
    "criterion:<code>"; a word that names no criterion and no other rule is kept as written
    (the calls domain's rules then say so)."""
    if rules is None:
        return None
    by_word = {}
    for c in criteria or ():
        by_word[c["code"].lower()] = c["code"]
        by_word[" ".join(str(c["label"]).split()).lower()] = c["code"]
    out = []
    for rule in rules:
        if rule in TIE_BREAK_WORDS or rule.startswith("criterion:"):
            out.append(rule)
        elif rule.lower() in by_word:
            out.append(f"criterion:{by_word[rule.lower()]}")
        elif criteria is None:  # the criteria could not be read: their field says why
            out.append(f"criterion:{rule.lower()}")
        else:
            out.append(rule)
    return out


class CountriesField(TextAreaField):
    """ISO codes separated by spaces, commas or new lines."""

    def process_formdata(self, valuelist):
        if valuelist:
            text = valuelist[0] or ""
            if len(text) > 2000:
                self.data = None
                raise ValueError("At most 2000 characters.")
            codes = [c.upper() for c in re.split(r"[\s,;]+", text) if c]
            self.data = list(dict.fromkeys(codes))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return " ".join(self.data or [])


def _fund_choices():
    from grants.taxonomy.services import funds

    listed = sorted(funds(), key=lambda f: (not f.current, f.code))
    return [("", "Choose a fund")] + [(f.code, f"{f.code}: {f.name}") for f in listed]


def _preset_choices():
    return [("", "The countries listed below")] + [
        (key, label) for key, (label, _) in country_presets().items()
    ]


def _required(message):
    return [InputRequired(message=message)]


class CallForm(FlaskForm):
    reference = StringField(
        "Reference",
        validators=[*_required("Enter the call's reference."), Length(max=60)],
        description="Capital letters, digits and hyphens, e.g. AMIF-2024-TF2-AG-THB.",
    )
    title = StringField(
        "Title", validators=[*_required("Enter the call's title."), Length(max=300)]
    )
    fund = SelectField("Fund", validators=_required("Choose a fund."))
    description = TextAreaField(
        "Description",
        validators=[Length(max=rules.MAX_DESCRIPTION)],
        description="Markdown: **bold**, *italic*, lists, links, ## headings. HTML is not shown.",
        render_kw={"rows": 8},
    )
    opens_at = BrusselsDateTimeField(
        "Opens (Brussels time)", validators=_required("Enter the opening date and time.")
    )
    deadline_at = BrusselsDateTimeField(
        "Deadline (Brussels time)",
        validators=_required("Enter the deadline's date and time."),
        description="Submissions are accepted until this moment, to the second.",
    )
    total_budget = NumberField(
        "Total budget (EUR)",
        validators=_required("Enter the total budget."),
        message="Enter an amount in euro, e.g. 6000000 or 6 000 000.",
    )
    min_contribution = NumberField(
        "Minimum EU contribution per project (EUR)",
        validators=_required("Enter the minimum EU contribution."),
        message="Enter an amount in euro, e.g. 500000.",
    )
    max_contribution = NumberField(
        "Maximum EU contribution per project (EUR)",
        validators=_required("Enter the maximum EU contribution."),
        message="Enter an amount in euro, e.g. 1000000.",
    )
    funding_rate = NumberField(
        "Funding rate (% of eligible costs)",
        validators=_required("Enter the funding rate."),
        message="Enter a percentage, e.g. 90.",
    )
    max_duration_months = WholeNumberField(
        "Maximum project duration (months)",
        validators=_required("Enter the maximum duration in months."),
    )
    eligible_org_types = MultiCheckboxField(
        "Eligible types of organisation",
        choices=[(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()],
    )
    coordinator_preset = SelectField("Countries eligible for coordinators", default="")
    coordinator_countries = CountriesField(
        "Other coordinator countries (ISO codes)",
        description="Used when the preset above is 'The countries listed below': two-letter "
        "codes separated by spaces, e.g. BE BG CZ. Greece is GR.",
        render_kw={"rows": 2},
    )
    partner_preset = SelectField("Countries eligible for partners", default="")
    partner_countries = CountriesField(
        "Other partner countries (ISO codes)",
        description="As for coordinators; third countries may be added here.",
        render_kw={"rows": 2},
    )
    min_applicants = WholeNumberField(
        "Minimum number of applicants (coordinator and partners)",
        validators=_required("Enter the minimum number of applicants."),
    )
    min_countries = WholeNumberField(
        "Minimum number of distinct eligible countries",
        validators=_required("Enter the minimum number of countries."),
    )
    topics = TopicsField(
        "Topics",
        description="One per line: code | title | budget in EUR. The topic budgets must add up "
        "to the total budget before the call is published.",
        render_kw={"rows": 4},
    )
    section_limits = SectionLimitsField(
        "Limits per text section",
        description="One per line: section = maximum characters.",
        render_kw={"rows": 5},
    )
    required_annexes = AnnexesField(
        "Required annexes",
        description="One per line: code | title.",
        render_kw={"rows": 3},
    )
    criteria = CriteriaField(
        "Award criteria",
        description="One per line: code | name | maximum points | threshold | description "
        "(optional). The maxima must add up to 100 before the call is published.",
        render_kw={"rows": 5},
    )
    overall_threshold = NumberField(
        "Overall threshold (points)",
        validators=_required("Enter the overall threshold."),
        message="Enter a number of points, e.g. 70.",
    )
    priorities = PrioritiesField(
        "Strategy priorities and their weights",
        description="One per line: priority code = weight, e.g. child = 2. Codes are listed "
        "under 'Priority codes' below and on the Strategy pages.",
        render_kw={"rows": 4},
    )
    tie_break_rules = RulesField(
        "Tie-break rules, in order",
        description="One per line, the first that separates two proposals decides: the name "
        "of an award criterion (the higher score first), Priority alignment, Smaller EU "
        "contribution first or Larger EU contribution first.",
        render_kw={"rows": 4},
    )
    evaluators_per_proposal = WholeNumberField(
        "Evaluators per proposal",
        validators=_required("Enter the number of evaluators per proposal."),
    )
    aggregation = SelectField(
        "Consensus from individual scores",
        choices=[(Aggregation.MEAN.value, "Mean"), (Aggregation.MEDIAN.value, "Median")],
    )
    alignment_use = SelectField(
        "Use of the priority-alignment score",
        choices=[
            (AlignmentUse.INFORMATION.value, "Information for evaluators only"),
            (AlignmentUse.RELEVANCE.value, "Informs the relevance criterion"),
            (AlignmentUse.TIE_BREAKER.value, "Tie-breaker"),
        ],
    )
    selection_policy = SelectField(
        "When a proposal does not fit the budget left",
        choices=[
            (SelectionPolicy.STOP.value, "Stop selecting"),
            (SelectionPolicy.SKIP.value, "Skip it and take the next that fits"),
        ],
    )
    reserve_size = WholeNumberField(
        "Reserve list size", validators=_required("Enter the size of the reserve list.")
    )
    submit = SubmitField("Save the call")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fund.choices = _fund_choices()
        self.coordinator_preset.choices = _preset_choices()
        self.partner_preset.choices = _preset_choices()

    @classmethod
    def blank(cls) -> CallForm:
        """A new call's form with the defaults of an EU action grant filled in."""
        form = cls()
        if not form.is_submitted():
            form.description.data = ""
            form.funding_rate.data = Decimal(90)
            form.max_duration_months.data = 36
            form.min_applicants.data = 1
            form.min_countries.data = 1
            form.coordinator_preset.data = "eu27-dk"
            form.partner_preset.data = "eu27-dk"
            form.eligible_org_types.data = [
                "ngo",
                "public_authority",
                "local_regional_authority",
                "international_organisation",
                "research",
            ]
            form.section_limits.data = dict(DEFAULT_SECTION_LIMITS)
            form.required_annexes.data = [dict(a) for a in DEFAULT_REQUIRED_ANNEXES]
            form.criteria.data = [
                {**c, "max_points": Decimal(c["max_points"]), "threshold": Decimal(c["threshold"])}
                for c in DEFAULT_CRITERIA
            ]
            form.overall_threshold.data = Decimal(70)
            form.tie_break_rules.data = list(DEFAULT_TIE_BREAK_RULES)
            form.name_criteria()
            form.evaluators_per_proposal.data = 3
            form.reserve_size.data = 3
        return form

    @classmethod
    def for_call(cls, values: dict) -> CallForm:
        """The form filled from a call's plain values (services.call_values)."""
        form = cls()
        if not form.is_submitted():
            for name, value in values.items():
                if name in form and name not in ("opens_at", "deadline_at"):
                    form[name].data = value
            form.opens_at.set_utc(values["opens_at"])
            form.deadline_at.set_utc(values["deadline_at"])
            presets = country_presets()
            for kind in ("coordinator", "partner"):
                codes = values[f"{kind}_countries"]
                preset = next(
                    (k for k, (_, c) in presets.items() if sorted(c) == sorted(codes)), ""
                )
                form[f"{kind}_preset"].data = preset
                if preset:
                    form[f"{kind}_countries"].data = []
            form.name_criteria()
        return form

    def name_criteria(self) -> None:
        """The tie-break rules written back with the names of the form's criteria."""
        self.tie_break_rules.names = {c["code"]: c["label"] for c in self.criteria.data or ()}

    def values(self) -> dict:
        """The parsed values for the service (None where a field could not be read)."""
        values = {}
        for name in services.ALL_FIELDS:
            field = self[name]
            values[name] = None if field.errors else field.data
        for name in ("reference", "title"):
            if values[name] is not None:
                values[name] = values[name].strip()
        if values["reference"] is not None:
            values["reference"] = values["reference"].upper()
        if values["description"] is not None:
            values["description"] = values["description"].replace("\r\n", "\n")
        for name in ("opens_at", "deadline_at"):
            values[name] = None if self[name].errors else self[name].utc
        presets = country_presets()
        for kind in ("coordinator", "partner"):
            preset = self[f"{kind}_preset"].data
            if preset in presets:
                values[f"{kind}_countries"] = list(presets[preset][1])
        values["eligible_org_types"] = list(self.eligible_org_types.data or [])
        values["tie_break_rules"] = criterion_rules(values["tie_break_rules"], values["criteria"])
        return values

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the calls domain's rules tied to the fields."""
        super().validate(extra_validators)
        values = self.values()
        self.add_problems(rules.check({k: v for k, v in values.items() if v is not None}))
        return not self.errors

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for name, messages in problems.items():
            field = self._fields.get(name, self.reference)
            for message in messages:
                if message not in field.errors:
                    field.errors = [*field.errors, message]


class TransitionForm(FlaskForm):
    target = HiddenField()
    submit = SubmitField("Change")
