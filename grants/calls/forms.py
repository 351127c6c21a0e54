"""Forms of the calls domain: the call form (multi-value fields as one-line-per-item text areas
and one box per limited text, usable without JavaScript) and the status-change form."""

from __future__ import annotations

from decimal import Decimal

from wtforms import (
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from grants.accounts.forms import MultiCheckboxField
from grants.accounts.models import ORGANISATION_TYPE_LABELS
from grants.calls import rules, services
from grants.calls.fields import (
    AnnexesField,
    BrusselsDateTimeField,
    CountriesField,
    CriteriaField,
    NumberField,
    PrioritiesField,
    RulesField,
    SectionLimitsField,
    TopicsField,
    WholeNumberField,
    criterion_rules,
)
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
        "Maximum length of each text",
        description="In characters, spaces included. Leave a box empty for no limit.",
    )
    required_annexes = AnnexesField(
        "Required annexes",
        description="One per line, the title applicants see, e.g. Detailed budget table.",
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
        if form.is_submitted():
            form.required_annexes.keep_codes(values["required_annexes"])
        else:
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
