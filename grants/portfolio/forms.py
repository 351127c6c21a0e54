"""Forms of the portfolio's management pages: uploads and the mapping table."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from grants.portfolio.models import MappingKind
from grants.security.forms import FlaskForm


class UploadForm(FlaskForm):
    file = FileField(
        "File of projects (CSV or XLSX)",
        validators=[FileRequired("Choose a file to import.")],
        description="Nothing is saved until you have seen the preview and confirmed it.",
    )


class VictimsForm(FlaskForm):
    file = FileField(
        "Registered victims (CSV)",
        validators=[FileRequired("Choose a CSV file.")],
        description="Columns country, year, victims and (optionally) source; one row per "
        "country and year. A new upload replaces the figures of the same country and year.",
    )
    source = StringField(
        "Source of the figures",
        validators=[DataRequired("Say where the figures come from."), Length(max=500)],
        description="For example: Eurostat, crim_thb_vict, extracted 2024-05-01. Used for rows "
        "without a source of their own.",
    )


class MappingForm(FlaskForm):
    phrase = StringField(
        "Phrase as files write it",
        validators=[DataRequired("Give the phrase."), Length(max=200)],
        description="Compared without regard to case and spaces.",
    )
    kind = SelectField(
        "It means a", choices=[(k.value, k.label) for k in MappingKind], validate_choice=True
    )
    code = StringField("Code", validators=[DataRequired("Give the code it means."), Length(max=40)])

    def validate_code(self, field):
        from grants.portfolio.importer import mapping_targets

        if self.kind.data not in {k.value for k in MappingKind}:
            return
        targets = mapping_targets(MappingKind(self.kind.data))
        if field.data.strip() not in targets:
            raise ValidationError(
                f"There is no {MappingKind(self.kind.data).label.lower()} with the code "
                f"{field.data.strip()[:40]!r}; the codes are listed below."
            )
        field.data = field.data.strip()
