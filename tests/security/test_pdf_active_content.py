"""PDF annexes with JavaScript or automatic actions are refused (issue 10, point 6)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from grants.security.pdf import active_content_problem
from tests.factories.proposals import MINIMAL_PDF


def _pdf(change=None, compress=False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if change:
        change(writer)
    if compress:
        for page in writer.pages:
            page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **values) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in values.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def _open_action(writer):
    writer._root_object[NameObject("/OpenAction")] = _action("/JavaScript", JS="app.alert(1)")


def _page_aa(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action("/Launch", F="calc.exe")}
    )


def _document_js(writer):
    # a document-level script in the name tree, as Acrobat writes it
    names = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("x"), _action("/JavaScript")])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)}
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [(_open_action, "/OpenAction"), (_page_aa, "/AA"), (_document_js, "/JavaScript")],
)
def test_active_content_is_refused_with_a_message(change, expected):
    problem = active_content_problem(_pdf(change))
    assert problem is not None
    assert expected in problem and "print it to a new PDF" in problem


def test_escaped_names_are_decoded():
    data = MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Open#41ction 3 0 R")
    assert "/OpenAction" in active_content_problem(data)


def test_plain_pdfs_pass():
    assert active_content_problem(MINIMAL_PDF) is None
    assert active_content_problem(_pdf()) is None


def test_upload_of_a_pdf_with_javascript_is_refused_and_nothing_stored(
    app, client, login_as, create_proposal, db
):
    from sqlalchemy import func, select

    from grants.proposals.models import Annex
    from tests.proposals.test_routes import _upload

    proposal = create_proposal(complete=False)
    login_as(proposal.organisation.memberships[0].user)
    response = _upload(client, proposal, _pdf(_open_action), "budget.pdf")
    assert response.status_code == 422
    assert "JavaScript or actions that run" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Annex.id))) == 0
    assert _upload(client, proposal, _pdf(), "budget.pdf").status_code == 302
