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


def test_acronym_with_a_line_break_is_refused_at_the_field(client, login_as, create_proposal, db):
    import re

    proposal = create_proposal(complete=False, acronym="SAFE")
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/summary"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="version"', page
    )
    response = client.post(
        url,
        data={
            "version": version.group(1),
            "acronym": "SAFE\r\nBcc: all@example.org",
            "title": proposal.title or "A title",
            "save": "Save draft",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:300]
    assert "Use a single line of text: remove a line break at character 5." in body
    db.session.refresh(proposal)
    assert proposal.acronym == "SAFE"
