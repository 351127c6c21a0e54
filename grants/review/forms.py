"""Forms of the review domain: the evaluator's profile and declaration, the manager's
invitations, manual assignment, plan application and removal, evaluations and consensus
reports, appointing rapporteurs, finalising the ranking and publishing the results."""

from __future__ import annotations

from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from grants.accounts.forms import MultiCheckboxField, country_choices
from grants.review.models import CONFLICT_LABELS
from grants.security.forms import FlaskForm
from grants.taxonomy.picker import CountryPickerField


class ProfileForm(FlaskForm):
    organisation_name = StringField(
        "Your organisation",
        validators=[DataRequired(), Length(max=300)],
        description="Where you work now; proposals that include it are never assigned to you.",
    )
    organisation_country = SelectField("Its country", validators=[DataRequired()], choices=[])
    recent_ties = TextAreaField(
        "Organisations you worked for or advised in the last three years",
        validators=[Optional(), Length(max=5000)],
        description="One name per line.",
        render_kw={"rows": 3},
    )
    priorities = MultiCheckboxField("Strategy priorities you know well", choices=[])
    exploitation_forms = MultiCheckboxField("Forms of exploitation you know well", choices=[])
    languages = StringField(
        "Languages you can evaluate in",
        validators=[Optional(), Length(max=200)],
        description="Two-letter codes separated by commas, e.g. en, fr, bg.",
    )
    countries = CountryPickerField(
        "Countries you know well",
        choices=[],
        description="Tick the countries whose situation and institutions you know.",
    )
    max_load = IntegerField(
        "Most proposals you can evaluate at a time",
        validators=[InputRequired(), NumberRange(min=0, max=50)],
    )
    submit = SubmitField("Save profile")

    def set_choices(self, priorities, forms, countries) -> None:
        self.organisation_country.choices = country_choices()
        self.priorities.choices = [(p.code, p.title) for p in priorities]
        self.exploitation_forms.choices = [(f.code, f.title) for f in forms]
        self.countries.choices = [(c.code, c.name) for c in countries]


class DeclarationForm(FlaskForm):
    kind = RadioField(
        "Your declaration",
        choices=list((k.value, v) for k, v in CONFLICT_LABELS.items()),
        validators=[InputRequired(message="Choose one.")],
    )
    details = TextAreaField(
        "Details of the conflict",
        validators=[Optional(), Length(max=2000)],
        description="Required for another conflict; never shown to the applicant.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Send declaration")


class DeclineForm(FlaskForm):
    reason = StringField(
        "Reason for declining",
        validators=[Optional(), Length(max=500)],
        description="For example: not available before the due date.",
    )
    submit = SubmitField("Decline this proposal")


class InviteForm(FlaskForm):
    emails = TextAreaField(
        "E-mail addresses",
        validators=[DataRequired(), Length(max=5000)],
        description="One address per line.",
        render_kw={"rows": 3},
    )
    call_id = SelectField("For the call", choices=[], validate_choice=False)
    submit = SubmitField("Send invitations")


class AcceptForm(FlaskForm):
    submit = SubmitField("Join the evaluator pool")


class RegisterEvaluatorForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        "Password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create my account and join")


class AssignForm(FlaskForm):
    submission_ids = MultiCheckboxField("Proposals", coerce=int, choices=[])
    evaluator_ids = MultiCheckboxField("Evaluators", coerce=int, choices=[])
    due_on = DateField("Due by", validators=[Optional()], description="Default: in 21 days.")
    override_reason = TextAreaField(
        "Reason to override a likely conflict",
        validators=[Optional(), Length(max=2000)],
        description="Only if you assign an evaluator despite a likely conflict; logged.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Assign")


class ApplyPlanForm(FlaskForm):
    digest = HiddenField(validators=[DataRequired()])
    due_on = DateField("Due by", validators=[Optional()], description="Default: in 21 days.")
    submit = SubmitField("Apply this plan")


class RemoveForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Remove")


class EvaluationForm(FlaskForm):
    """The evaluation form; a score and a comment field per criterion are added by
    `evaluation_form`. Validation of scores and lengths is the service's (with messages)."""

    version = HiddenField(default="0")
    save = SubmitField("Save draft")
    save_next = SubmitField("Save and next")
    submit_evaluation = SubmitField("Submit evaluation")


class ConsensusForm(FlaskForm):
    """The rapporteur's consensus report; score and comment fields are added per criterion by
    `evaluation_form(..., base=ConsensusForm)`."""

    version = HiddenField(default="0")
    overall = TextAreaField(
        "Overall assessment (optional)",
        validators=[Length(max=20000)],
        description="Shown in the Evaluation Summary Report after the criteria.",
        render_kw={"rows": 4},
    )
    save = SubmitField("Save draft")
    submit_consensus = SubmitField("Send for approval")


class ApproveForm(FlaskForm):
    version = HiddenField()  # the report's version the manager read
    submit = SubmitField("Approve the consensus")


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "What should change",
        validators=[DataRequired(message="Say why the report goes back."), Length(max=5000)],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Return to the rapporteur")


class AppointForm(FlaskForm):
    evaluator_id = SelectField("Rapporteur", coerce=int, choices=[])
    submit = SubmitField("Appoint")


class AppointAllForm(FlaskForm):
    submit = SubmitField("Appoint a rapporteur for every proposal without one")


# Finalising and publishing ask once (grants/review/confirm.py): the browser's dialog, or a
# confirmation page that restates what will happen; no tick box.
class FinaliseForm(FlaskForm):
    digest = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Finalise the ranking")


class PublishForm(FlaskForm):
    submit = SubmitField("Publish the results")


def evaluation_form(criteria, allowed_points, fmt_points, evaluation=None, base=None, prefill=None):
    """A form (EvaluationForm unless `base` says otherwise) with `score_<id>` (a select of the
    allowed steps) and `comment_<id>` for each criterion, filled from the saved evaluation
    (or consensus report) unless the request brings data; `prefill` gives the scores of
    criteria nothing was saved for yet ({criterion id: points})."""

    class Form(base or EvaluationForm):
        pass

    for c in criteria:
        choices = [("", "Not scored yet")] + [
            (fmt_points(v), fmt_points(v)) for v in allowed_points(c)
        ]
        setattr(
            Form,
            f"score_{c.id}",
            SelectField(
                f"Score for {c.label}",
                choices=choices,
                validate_choice=False,
                description=f"0 to {fmt_points(c.max_points)} in steps of "
                f"{fmt_points(c.step)}; threshold {fmt_points(c.threshold)}.",
            ),
        )
        setattr(
            Form,
            f"comment_{c.id}",
            TextAreaField(
                f"Comment on {c.label}",
                validators=[Length(max=20000)],
                description=f"At least {c.min_comment_length} characters.",
                render_kw={"rows": 5, "minlength": c.min_comment_length},
            ),
        )
    form = Form()
    if form.is_submitted():
        return form
    if evaluation is not None:
        form.version.data = str(evaluation.version)
        if hasattr(form, "overall"):
            form.overall.data = evaluation.comment
    for c in criteria:
        score = evaluation.score_for(c.id) if evaluation is not None else None
        if score is not None and score.points is not None:
            form[f"score_{c.id}"].data = fmt_points(score.points)
        elif prefill and prefill.get(c.id) is not None:
            form[f"score_{c.id}"].data = fmt_points(prefill[c.id])
        if score is not None:
            form[f"comment_{c.id}"].data = score.comment
    return form


def evaluation_data(form, criteria) -> dict:
    return {
        c.id: {"points": form[f"score_{c.id}"].data, "comment": form[f"comment_{c.id}"].data}
        for c in criteria
    }
