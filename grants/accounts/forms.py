"""Forms of the accounts domain."""

from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from grants.accounts.models import ORGANISATION_TYPE_LABELS, RoleName
from grants.security.forms import FlaskForm
from grants.taxonomy.services import is_country_code

_ZONES = sorted(
    z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
)


ZONE_HELP = (
    "Deadlines are set in Brussels time, which is the legal one; the pages also show them "
    "in this zone."
)


def timezone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in _ZONES]


def country_choices() -> list[tuple[str, str]]:
    import pycountry

    pairs = [(c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries]
    return [("", "Choose a country")] + sorted(pairs, key=lambda p: p[1])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RegisterForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=200)],
        description="At least 10 characters; a passphrase of several words works well.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    timezone = SelectField("Your time zone", default="Europe/Brussels", description=ZONE_HELP)
    submit = SubmitField("Create account")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class LoginForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device")
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set the new password")


class ProfileForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    timezone = SelectField("Your time zone", description=ZONE_HELP)
    submit = SubmitField("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=300)])
    type = SelectField(
        "Type of organisation",
        choices=[("", "Choose a type")]
        + [(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()],
        validators=[DataRequired(message="Choose a type of organisation.")],
    )
    country = SelectField(
        "Country", validators=[DataRequired(message="Choose the country of establishment.")]
    )
    registration_number = StringField(
        "Registration number",
        validators=[DataRequired(), Length(max=100)],
        description="The number in the national register (company, association or VAT register).",
    )
    city = StringField("City", validators=[Optional(), Length(max=120)])
    website = StringField(
        "Website",
        validators=[
            Optional(),
            Length(max=300),
            URL(message="Enter a full address, e.g. https://example.org."),
        ],
    )
    submit = SubmitField("Save organisation")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    def validate_country(self, field):
        if not is_country_code(field.data or ""):
            raise ValidationError("Choose a country from the list.")


class AddMemberForm(FlaskForm):
    email = EmailField(
        "E-mail address of the colleague",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    submit = SubmitField("Add member")


class UserRolesForm(FlaskForm):
    roles = MultiCheckboxField(
        "Roles", choices=[(r.value, r.label) for r in RoleName], validate_choice=True
    )
    active = BooleanField("Account active")
    submit = SubmitField("Save")


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        description="The 6 digits your authenticator app shows now, or one of your recovery codes.",
    )
    submit = SubmitField("Continue")
