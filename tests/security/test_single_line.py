"""Single-line fields refuse line breaks and control characters with a message at the field
(issue 10, point 4), and the stored proposal stays as it was."""

from __future__ import annotations

import pytest

from grants.security.validators import control_character


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SAFE-HAVEN", None),
        ("Ŝafe Ħaven – Αθήνα", None),
        ("SAFE\r\nBcc: x@example.org", (5, "a line break")),
        ("A\tB", (2, "a tab")),
        ("A\x00", (2, "a control character (U+0000)")),
        ("A\u2028B", (2, "a line break")),
        ("A\x85", (2, "a control character (U+0085)")),
    ],
)
def test_control_characters_are_found(value, expected):
    assert control_character(value) == expected
