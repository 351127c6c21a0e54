"""Forms of the proposals domain: one per section (rows as lists of sub-forms), the annex
upload, submit and withdraw, and the programme manager's review of the checks."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.accounts.forms import MultiCheckboxField, country_choices
from grants.accounts.models import ORGANISATION_TYPE_LABELS
from grants.formatting import quantity
from grants.proposals import fields as F
from grants.proposals.models import BUDGET_CATEGORY_LABELS, ItemKind
from grants.security.forms import FlaskForm
from grants.security.validators import SingleLine
from grants.taxonomy.picker import CountryPickerField

LONG_TEXT = 60_000  # a hard ceiling against absurd input; the call's limits are checked apart
BLANK_ROWS = 1  # the empty row under each list; "Add a row" saves and offers one more
MAX_BLANK_ROWS = 10  # no more empty rows than this at once, however often "Add a row" is pressed


def _text(label: str, description: str = "", rows: int = 6) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=LONG_TEXT)],
        description=description,
        render_kw={"rows": rows},
    )


def _months(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(
                min=1, max=F.MAX_MONTHS, message=f"Enter a month between 1 and {F.MAX_MONTHS}."
            ),
        ],
    )


def _form_field(f: F.Field):
    """The form field of one entry of the field map."""
    if f.kind == F.LINE:
        return StringField(
            f.label,
            validators=[Optional(), Length(max=f.max_length), SingleLine()],
            description=f.description,
        )
    if f.kind == F.TEXT:
        return _text(f.label, f.description, f.rows)
    if f.kind == F.MONTHS:
        return _months(f.label)
    if f.kind == F.TOPIC:
        return SelectField(f.label, choices=[], validate_choice=False)
    if f.choices == "countries":
        return CountryPickerField(
            f.label, choices=[], validate_choice=False, description=f.description
        )
    return MultiCheckboxField(f.label, choices=[], validate_choice=False)


def _with_fields(section: str, base: type) -> type:
    """`base` with the section's fields of the field map."""
    attrs = {f.name: _form_field(f) for f in F.section_fields(section)}
    return type(base.__name__, (base,), attrs)


def _priorities() -> MultiCheckboxField:
    return MultiCheckboxField("Priorities served", choices=[], validate_choice=False)


class SectionForm(FlaskForm):
    version = HiddenField()
    save = SubmitField("Save draft")
    save_next = SubmitField("Save and go to the next section")


SummaryForm = _with_fields("summary", SectionForm)


class PartnerRow(Form):
    id = HiddenField()
    name = StringField("Organisation", validators=[Optional(), Length(max=300)])
    country = SelectField("Country", validate_choice=False)
    type = SelectField(
        "Type",
        choices=[("", "Choose a type")]
        + [(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()],
        validate_choice=False,
    )
    role = SelectField(
        "Role",
        choices=[("partner", "Partner (applicant)"), ("associated", "Associated partner")],
        validate_choice=False,
    )
    remove = BooleanField("Remove")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class _ConsortiumForm(SectionForm):
    partners = FieldList(FormField(PartnerRow), min_entries=0, max_entries=60)


ConsortiumForm = _with_fields("consortium", _ConsortiumForm)
RelevanceForm = _with_fields("relevance", SectionForm)


class WorkPackageRow(Form):
    id = HiddenField()
    number = IntegerField(
        "No.", validators=[Optional(), NumberRange(min=1, max=99, message="1 to 99.")]
    )
    title = StringField("Title", validators=[Optional(), Length(max=300)])
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=LONG_TEXT)], render_kw={"rows": 2}
    )
    lead_partner_id = SelectField("Lead", choices=[], validate_choice=False)
    start_month = _months("Start month")
    end_month = _months("End month")
    priorities = _priorities()
    remove = BooleanField("Remove")


class ItemRow(Form):
    id = HiddenField()
    # The work package's number: saved ones are listed by the view, ones added on the page
    # too where JavaScript runs (rows.js); the save checks the number exists.
    wp_number = SelectField("Work package", choices=[], validate_choice=False)
    kind = SelectField(
        "Kind", choices=[(k.value, k.label) for k in ItemKind], validate_choice=False
    )
    title = StringField("Title", validators=[Optional(), Length(max=300)])
    description = StringField("Description", validators=[Optional(), Length(max=2000)])
    month = _months("Month")
    priorities = _priorities()
    remove = BooleanField("Remove")


class _WorkplanForm(SectionForm):
    work_packages = FieldList(FormField(WorkPackageRow), max_entries=60)
    items = FieldList(FormField(ItemRow), max_entries=400)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for entry in self.work_packages:
            row = entry.form
            if (
                row.start_month.data
                and row.end_month.data
                and (row.end_month.data < row.start_month.data)
            ):
                row.end_month.errors = [
                    *row.end_month.errors,
                    "The end month is before the start month.",
                ]
                self.work_packages.errors.append(
                    f"Work package {row.number.data or ''}: the end month is before the start."
                )
                ok = False
        return ok


WorkplanForm = _with_fields("workplan", _WorkplanForm)
TargetsForm = _with_fields("targets", SectionForm)


class ClaimRow(Form):
    code = HiddenField()
    claimed = BooleanField("The proposal serves this priority")
    justification = TextAreaField(
        "Justification",
        validators=[Optional(), Length(max=LONG_TEXT)],
        render_kw={"rows": 4},
    )


class PrioritiesForm(SectionForm):
    claims = FieldList(FormField(ClaimRow), max_entries=60)


class TargetField(DecimalField):
    """An indicator's target, shown again without its stored decimals (400.00 -> 400)."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return quantity(self.data, grouped=False)


class IndicatorRow(Form):
    id = HiddenField()
    name = StringField("Indicator", validators=[Optional(), Length(max=300)])
    unit = StringField("Unit", validators=[Optional(), Length(max=100)])
    target = TargetField(
        "Target",
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000_000, message="Enter a target from 0 to 100 000 000."),
        ],
    )
    by_sex = BooleanField("By sex")
    by_age = BooleanField("By age")
    priorities = _priorities()
    remove = BooleanField("Remove")


class _ResultsForm(SectionForm):
    indicators = FieldList(FormField(IndicatorRow), max_entries=100)


ResultsForm = _with_fields("results", _ResultsForm)


class BudgetRow(Form):
    id = HiddenField()
    partner_id = SelectField("Partner", choices=[], validate_choice=False)
    category = SelectField(
        "Category",
        choices=[("", "Choose")]
        + [(c.value, label) for c, label in BUDGET_CATEGORY_LABELS.items()],
        validate_choice=False,
    )
    description = StringField("Description", validators=[Optional(), Length(max=500)])
    amount = DecimalField(
        "Amount (EUR)",
        places=None,
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=100_000_000,
                message="Enter an amount from 0 to 100 000 000 euro (no negative amounts).",
            ),
        ],
    )
    priorities = _priorities()
    remove = BooleanField("Remove")


class BudgetForm(SectionForm):
    lines = FieldList(FormField(BudgetRow), max_entries=400)


# The row lists of each section, with the anchor of their table.
ROW_LISTS = {
    "consortium": ("partners",),
    "workplan": ("work_packages", "items"),
    "results": ("indicators",),
    "budget": ("lines",),
}
_NOT_TYPED = {"id", "remove", "role", "kind"}  # hidden or preset: a row with only these is blank


def _is_blank(row: dict) -> bool:
    return not any(v for k, v in row.items() if k not in _NOT_TYPED)


def after_add_row(form, section: str, posted) -> dict | None:
    """For "Add a row" (a submit button without JavaScript): the section's edit page to show
    next, with the empty rows of that list left empty plus one; None for any other button."""
    name = posted.get("add_row")
    if name not in ROW_LISTS.get(section, ()):
        return None
    rows = getattr(form, name).data
    blank = sum(1 for row in rows if not row.get("id") and _is_blank(row))
    return {
        "section": section,
        "add": name,
        "blank": min(blank + 1, MAX_BLANK_ROWS),
        "_anchor": name,
    }


def add_blank_row(form, section: str, posted) -> bool:
    """A refused "Add a row": the rows as typed and one more empty row of that list."""
    if not after_add_row(form, section, posted):
        return False
    getattr(form, posted["add_row"]).append_entry()
    return True


def work_package_choices(proposal) -> list[tuple[str, str]]:
    """The saved work packages, for the activities' choice (rows.js adds unsaved ones)."""
    return [("", "Choose")] + [
        (str(wp.number), f"WP {wp.number}: {wp.title}") for wp in proposal.work_packages
    ]


def blank_rows(args, name: str) -> int:
    """How many empty rows a GET shows under list `name` (`?add=name&blank=N` after an add)."""
    if args.get("add") != name:
        return BLANK_ROWS
    raw = args.get("blank", "")
    return min(max(int(raw), BLANK_ROWS), MAX_BLANK_ROWS) if raw.isdigit() else BLANK_ROWS + 1


SECTION_FORMS = {
    "summary": SummaryForm,
    "consortium": ConsortiumForm,
    "relevance": RelevanceForm,
    "workplan": WorkplanForm,
    "targets": TargetsForm,
    "priorities": PrioritiesForm,
    "results": ResultsForm,
    "budget": BudgetForm,
}


class StartForm(FlaskForm):
    call_id = SelectField("Call", choices=[], validate_choice=False)
    organisation_id = SelectField("Coordinating organisation", choices=[], validate_choice=False)
    topic_id = SelectField("Topic", choices=[], validate_choice=False)
    acronym = StringField(
        "Acronym",
        validators=[
            DataRequired("Give the proposal a short acronym."),
            Length(max=30),
            SingleLine(),
        ],
        description="A short name for the proposal, e.g. SAFE-HR. You can change it later.",
    )
    title = StringField("Title", validators=[Optional(), Length(max=300), SingleLine()])
    submit = SubmitField("Start the proposal")


class AnnexForm(FlaskForm):
    version = HiddenField()
    kind = SelectField("Kind of annex", choices=[], validate_choice=False)
    file = FileField("PDF file", description="PDF only.")
    upload = SubmitField("Upload")


class VersionForm(FlaskForm):
    """Remove an annex, withdraw: a CSRF token and the version the page showed."""

    version = HiddenField()


class SubmitForm(FlaskForm):
    version = HiddenField()
    token = HiddenField()
    submit = SubmitField("Submit the proposal")


class ChecksDecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[
            ("confirmed", "Confirm the result of the checks"),
            ("overridden", "Override the result"),
        ],
        validators=[InputRequired(message="Choose to confirm or to override.")],
    )
    admissible = RadioField(
        "Admissible (when overriding)",
        choices=[("yes", "Admissible"), ("no", "Inadmissible")],
        validators=[Optional()],
    )
    eligible = RadioField(
        "Eligible (when overriding)",
        choices=[("yes", "Eligible"), ("no", "Ineligible")],
        validators=[Optional()],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired(message="Give the reason for your decision; it is kept in the audit log."),
            Length(max=5000),
        ],
        description="Required; kept in the audit log.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Record the decision")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == "overridden":
            for f, what in ((self.admissible, "admissible"), (self.eligible, "eligible")):
                if f.data not in ("yes", "no"):
                    f.errors = [*f.errors, f"To override, say whether the proposal is {what}."]
                    valid = False
        return valid
