"""Forms of the projects domain."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from grants.security.forms import FlaskForm


class PrepareForm(FlaskForm):
    agreement_number = StringField("Agreement number", [DataRequired(), Length(max=60)])
    max_contribution = DecimalField("Maximum EU contribution (EUR)", [InputRequired()], places=2)
    funding_rate = DecimalField("Funding rate (%)", [InputRequired()], places=2)
    prefinancing_share = DecimalField("Pre-financing (% of the maximum)", [InputRequired()])
    start_date = DateField("Start date", [InputRequired()])
    duration_months = IntegerField("Duration (months)", [InputRequired(), NumberRange(1, 120)])
    period_months = IntegerField(
        "Reporting period (months)", [InputRequired(), NumberRange(1, 120)]
    )


class ReportForm(FlaskForm):
    narrative = TextAreaField(
        "What the project did in this period", [DataRequired(), Length(max=20000)]
    )
    costs = DecimalField(
        "Eligible costs incurred in this period (EUR)",
        [InputRequired(), NumberRange(min=0)],
        places=2,
    )
    outcomes = TextAreaField(
        "Outcomes (final report; one per line)",
        [Length(max=40000)],
        description="End each with the priorities, forms of exploitation and target groups it "
        "addresses in brackets, separated by “;” (codes or names, see Taxonomy), e.g. "
        "“161 victims assisted within 48 hours [shelters; form:sexual; women]”; sexual and "
        "labour are written priority:… or form:… as they name both. Tags may be left out.",
    )
    recommendations = TextAreaField(
        "Recommendations (final report; one per line)",
        [Length(max=40000)],
        description="Write each as “Addressee: recommendation [priority]”: the addressee is "
        "EU, Member States, civil society or other; the priority, a code of the strategies "
        "(e.g. A5, shelters or 2012-A1, see Taxonomy), may be left out. For example: "
        "“Member States: Fund shelter places for third-country victims [shelters]”.",
    )


class ReturnForm(FlaskForm):
    comment = TextAreaField("What must change", [DataRequired(), Length(max=5000)])


class EmptyForm(FlaskForm):
    pass


class AmendmentForm(FlaskForm):
    reason = TextAreaField("Why the grant must change", [DataRequired(), Length(max=5000)])


class EndDateForm(AmendmentForm):
    duration_months = IntegerField(
        "New duration (months from the start), which sets the end date",
        [InputRequired(), NumberRange(1, 120)],
    )


class BudgetTransferForm(AmendmentForm):
    source = SelectField("From the category", choices=[])
    target = SelectField("To the category", choices=[])
    amount = StringField("Amount (EUR)", [DataRequired(), Length(max=20)])


class ConsortiumForm(AmendmentForm):
    action = RadioField(
        "Change", choices=[("add", "Add a partner"), ("remove", "Remove a partner")], default="add"
    )
    partner = SelectField("Partner who leaves", choices=[], coerce=int, validate_choice=False)
    name = StringField("New partner's name", [Length(max=200)])
    country = StringField("Its country (two letters, e.g. FR)", [Length(max=2)])
    type = SelectField("Its type", choices=[])


class WorkPlanForm(AmendmentForm):
    item = SelectField("Deliverable or milestone", choices=[])
    title = StringField("Title", [DataRequired(), Length(max=300)])
    month = IntegerField("Due in month", [InputRequired(), NumberRange(1, 120)])


class DecisionForm(FlaskForm):
    # no default: a POST without a decision (data=None) must not approve anything
    decision = RadioField(
        "Decision", [InputRequired()], choices=[("approved", "Approve"), ("refused", "Refuse")]
    )
    comment = TextAreaField("Comment (required to refuse)", [Length(max=5000)])


class WorkPlanEditForm(FlaskForm):
    reason = TextAreaField(
        "Why the copy of the proposal changes", [DataRequired(), Length(max=2000)]
    )


class DeliverableFileForm(FlaskForm):
    file = FileField("PDF file", description="PDF only; the content is checked, not the name.")
