"""The preferences form: one choice of channel per kind of event the user may hear of."""

from __future__ import annotations

from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from grants.notifications.events import choices_for
from grants.notifications.models import Channel
from grants.security.forms import FlaskForm

CHOICES = [(c.value, c.label) for c in Channel]


def preferences_form(user, current: dict, formdata=None):
    """A form class built for `user`'s events, pre-filled with `current` choices."""

    class PreferencesForm(FlaskForm):
        submit = SubmitField("Save preferences")

    events = choices_for(user)
    for event in events:
        setattr(
            PreferencesForm,
            _field(event.code),
            RadioField(
                event.label,
                choices=CHOICES,
                default=current[event.code].value,
                validators=[InputRequired(message="Choose how to hear of this.")],
            ),
        )
    form = PreferencesForm(formdata=formdata) if formdata is not None else PreferencesForm()
    form.events = [(event, form[_field(event.code)]) for event in events]
    return form


def _field(code: str) -> str:
    return "event_" + code.replace(".", "_")
