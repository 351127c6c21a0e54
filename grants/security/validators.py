"""Input checks shared by the domains' forms: single-line fields refuse line breaks and
control characters (they end up in mail headers, PDF labels and CSV cells)."""

from __future__ import annotations

import unicodedata

from wtforms.validators import ValidationError

# Cc: C0/C1 controls incl. CR, LF, TAB, NUL; Zl/Zp: the Unicode line and paragraph separators.
_REFUSED = {"Cc", "Zl", "Zp"}


def control_character(value: str) -> tuple[int, str] | None:
    """The first refused character of `value` as (1-based position, its name), else None."""
    for index, char in enumerate(value or ""):
        if unicodedata.category(char) in _REFUSED:
            if char in "\r\n\u2028\u2029":
                name = "a line break"
            elif char == "\t":
                name = "a tab"
            else:
                name = f"a control character (U+{ord(char):04X})"
            return index + 1, name
    return None


class SingleLine:
    """WTForms validator: the value is one line of printable text."""

    def __call__(self, form, field) -> None:
        found = control_character(field.data if isinstance(field.data, str) else "")
        if found:
            position, name = found
            raise ValidationError(
                f"Use a single line of text: remove {name} at character {position}."
            )
