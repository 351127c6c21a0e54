"""The FlaskForm of every form of the app: no text field takes a character that cannot be
stored or shown (a NUL byte is refused by PostgreSQL; other control characters break mail
headers, PDF labels and CSV cells). The refusal is shown at the field, like any other."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm as _FlaskForm
from wtforms.fields import FieldList, FormField, StringField

from grants.security.validators import SingleLine, control_character

# What a multi-line text keeps of the control characters: line breaks and tabs.
_MULTILINE_KEEPS = "\r\n\t"


def refused_character(value: str, multiline: bool) -> tuple[int, str] | None:
    """The first character a text field refuses, as (1-based position, its name), else None.
    A single line refuses every control character and line break; a multi-line text keeps
    line breaks and tabs."""
    if not multiline:
        return control_character(value)
    for index, char in enumerate(value or ""):
        if char in _MULTILINE_KEEPS:
            continue
        if unicodedata.category(char) == "Cc":
            return index + 1, _name(char)
    return None


def _name(char: str) -> str:
    return "a NUL byte" if char == "\x00" else f"a control character (U+{ord(char):04X})"


def _message(position: int, name: str, multiline: bool) -> str:
    if multiline:
        return (
            f"Remove {name} at character {position}: it cannot be kept in a text (it often "
            "comes with text pasted from another program)."
        )
    return f"Use a single line of text: remove {name} at character {position}."


def _check(field) -> bool:
    """Add the refusal to `field` (or to the text fields inside it); True if nothing was found."""
    if isinstance(field, FieldList):
        results = [_check(entry) for entry in field.entries]
        if not all(results):
            # FieldList keeps the list of its entries' errors made when it validated
            field.errors = [entry.errors for entry in field.entries]
        return all(results)
    if isinstance(field, FormField):
        return all([_check(sub) for sub in field.form])
    if not isinstance(field, StringField) or not isinstance(field.data, str):
        return True
    if any(isinstance(v, SingleLine) for v in field.validators):
        return True  # says it already
    multiline = field.type == "TextAreaField"
    found = refused_character(field.data, multiline)
    if not found:
        return True
    message = _message(*found, multiline)
    if message not in field.errors:
        field.errors = [*field.errors, message]
    return False


class FlaskForm(_FlaskForm):
    """flask_wtf's FlaskForm that also refuses, at the field, characters no text may hold."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        clean = all([_check(field) for field in self])
        return valid and clean
