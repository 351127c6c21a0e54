"""Forms of the projects domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange


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
    outcomes = TextAreaField("Outcomes (final report; one per line)", [Length(max=20000)])
    recommendations = TextAreaField(
        "Recommendations (final report; one per line)", [Length(max=20000)]
    )


class ReturnForm(FlaskForm):
    comment = TextAreaField("What must change", [DataRequired(), Length(max=5000)])


class EmptyForm(FlaskForm):
    pass
