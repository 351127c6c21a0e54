"""A NUL byte (or another control character) typed or pasted into any text input is refused
with a message at the field (422), neither a 500 (PostgreSQL refuses NUL in text) nor a
silent strip: every form of the app is a grants.security.forms.FlaskForm."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, StringField, TextAreaField

from grants.security.forms import FlaskForm, refused_character

GRANTS = Path(__file__).resolve().parents[2] / "grants"


@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("Line one\r\nline two\tand a tab", True, None),
        ("Ŝafe – Αθήνα", True, None),
        ("A\x00B", True, (2, "a NUL byte")),
        ("AB\x07", True, (3, "a control character (U+0007)")),
        ("A\x00", False, (2, "a control character (U+0000)")),
        ("A\nB", False, (2, "a line break")),
    ],
)
def test_refused_characters(value, multiline, expected):
    assert refused_character(value, multiline) == expected


class _Row(Form):
    note = StringField("Note")


class _Sample(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name")
    text = TextAreaField("Text")
    rows = FieldList(FormField(_Row), min_entries=1)


def test_the_refusal_is_at_the_field_also_inside_rows(app):
    data = MultiDict({"name": "Ann\x00", "text": "ok\nfine", "rows-0-note": "x\x00y"})
    with app.test_request_context(method="POST", data=data):
        form = _Sample(formdata=data)
        assert not form.validate()
        assert form.name.errors == [
            "Use a single line of text: remove a control character (U+0000) at character 4."
        ]
        assert form.text.errors == []
        assert "at character 2" in form.rows.entries[0].form.note.errors[0]
        assert form.errors["rows"] == [{"note": form.rows.entries[0].form.note.errors}]
        assert form.name.data == "Ann\x00"  # kept as typed: nothing stripped in silence
    data = MultiDict({"name": "Ann", "text": "tab\tand\r\nlines", "rows-0-note": "y"})
    with app.test_request_context(method="POST", data=data):
        assert _Sample(formdata=data).validate()


def test_every_form_of_the_app_is_the_checking_flaskform():
    """No module imports flask_wtf's FlaskForm around grants.security.forms."""
    for path in GRANTS.rglob("*.py"):
        if path == GRANTS / "security" / "forms.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_wtf":
                names = {a.name for a in node.names}
                assert "FlaskForm" not in names, path


def test_nul_byte_in_a_proposal_text_is_refused_at_the_field(client, login_as, create_proposal, db):
    proposal = create_proposal(complete=False, acronym="SAFE")
    login_as(proposal.organisation.memberships[0].user)
    url = f"/proposals/{proposal.id}/edit/summary"
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="version"', page
    )
    textarea = re.search(r'<textarea[^>]*name="([^"]+)"', page).group(1)
    before = getattr(proposal, textarea, None)
    response = client.post(
        url,
        data={
            "version": version.group(1),
            "acronym": "SAFE",
            "title": proposal.title or "A title",
            textarea: "Our aim\x00 is",
            "save": "Save draft",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:300]
    assert f'id="{textarea}-error"' in body
    assert "Remove a NUL byte at character 8" in body
    db.session.refresh(proposal)
    assert getattr(proposal, textarea, None) == before


def test_nul_byte_in_the_reason_of_a_decision_is_refused_at_the_field(
    client, login_as, create_user, create_proposal, submit_proposal, db
):
    submission = submit_proposal(create_proposal())
    login_as(create_user(roles=("programme_manager",)))
    response = client.post(
        f"/submissions/{submission.id}/review",
        data={"decision": "confirmed", "reason": "Checked\x00"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="reason-error"' in body and "Remove a NUL byte at character 8" in body
    db.session.expire_all()
    assert submission.checks_decision is None


def test_a_nul_no_form_checked_never_reaches_the_database(app, db, create_user):
    """A route that reads request.form itself: the statement carrying the NUL is stopped."""
    from flask import g
    from sqlalchemy import select, update
    from werkzeug.exceptions import BadRequest

    from grants.accounts.models import User

    user = create_user()
    with app.test_request_context(method="POST", data={"note": "a\x00b"}):
        app.preprocess_request()
        assert g.form_has_nul
        with pytest.raises(BadRequest) as refused:
            db.session.execute(update(User).where(User.id == user.id).values(full_name="A\x00"))
        assert "NUL character" in refused.value.description
        db.session.rollback()
        assert db.session.scalar(select(User.full_name).where(User.id == user.id)) != "A\x00"
    with app.test_request_context(method="POST", data={"note": "plain"}):
        app.preprocess_request()
        assert not g.get("form_has_nul")
