"""The call form's limits of the texts and its required annexes, in words (issue 15): one box
per limited text labelled with the text's name, an empty box for no limit, annexes by their
titles with the codes uploads are filed under kept."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from grants.calls.fields import annex_codes, annex_slug
from grants.calls.models import Call, CallStatus
from tests.calls.conftest import form_data
from tests.calls.test_views import _form_of

LABELS = {
    "summary": "The abstract",
    "relevance": "Relevance and objectives (both texts together)",
    "design": "The methodology",
    "team": "The description of the team and cooperation",
    "impact": "Impact and sustainability",
}


def _call(db) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).order_by(Call.id.desc()))


def _box(page: str, key: str) -> str:
    match = re.search(rf'<input [^>]*id="section_limits-{key}"[^>]*>', page)
    assert match, f"no box for {key}"
    return match.group(0)


def test_each_limited_text_has_a_box_labelled_in_words_and_no_key_is_shown(login_as, manager):
    page = login_as(manager).get("/manage/calls/new").get_data(as_text=True)
    for key, label in LABELS.items():
        assert f'for="section_limits-{key}">{escape(label)}</label>' in page
    assert 'value="2000"' in _box(page, "summary") and 'value="20000"' in _box(page, "design")
    assert 'inputmode="numeric"' in _box(page, "summary")
    assert page.count(">maximum characters</span>") == len(LABELS)
    # the annexes by their titles only, the keys and codes nowhere in the form
    assert "\nDetailed budget table\nDeclarations of honour of all applicants</textarea>" in page
    for internal in ("summary =", "design =", "budget |", "partner-declarations", "section ="):
        assert internal not in page


def test_an_empty_box_means_no_limit_for_that_text(db, login_as, manager, frozen):
    client = login_as(manager)
    data = form_data(**{"section_limits-relevance": " ", "section_limits-impact": "12 000"})
    assert client.post("/manage/calls/new", data=data).status_code == 302
    call = _call(db)
    assert call.section_limits == {"summary": 2000, "impact": 12000}  # no key: no limit
    page = client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True)
    assert 'value=""' in _box(page, "relevance") and 'value="12000"' in _box(page, "impact")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("lots", "Enter a whole number of characters"),
        ("-500", "Enter a whole number of characters"),
        ("2.5", "Enter a whole number of characters"),
        ("9" * 30, "Enter a whole number of characters"),
        ("99", "100 to 100 000 characters"),
        ("100001", "100 to 100 000 characters"),
    ],
)
def test_a_bad_maximum_is_refused_at_its_box(db, login_as, manager, frozen, typed, message):
    client = login_as(manager)
    response = client.post("/manage/calls/new", data=form_data(**{"section_limits-team": typed}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Call.id))) == 0
    box = _box(page, "team")
    assert 'aria-invalid="true"' in box and "section_limits-team-error" in box
    assert f'value="{escape(typed)}"' in box  # what was typed stays to be corrected
    error = page.split('id="section_limits-team-error"', 1)[1].split("</div>", 1)[0]
    assert message in error and "or leave it empty for no limit" in error
    assert "aria-invalid" not in _box(page, "summary")  # only the bad box is marked
    # the summary at the top links to the group of boxes
    assert 'href="#section_limits"' in page and 'id="section_limits"' in page


def test_a_key_only_the_call_has_is_shown_in_words_and_can_be_emptied(
    db, login_as, manager, create_call, frozen
):
    call = create_call(status=CallStatus.DRAFT)
    call.section_limits = {"summary": 2000, "annex_summary": 3000}
    db.session.commit()
    client = login_as(manager)
    page = client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True)
    assert 'for="section_limits-annex_summary">Annex summary</label>' in page
    assert 'value="3000"' in _box(page, "annex_summary")
    assert 'value=""' in _box(page, "design")  # a text of the form without a limit
    data = form_data(reference=call.reference, **{"section_limits-annex_summary": ""})
    assert client.post(f"/manage/calls/{call.id}/edit", data=data).status_code == 302
    assert _call(db).section_limits == {"summary": 2000, "relevance": 15000}


def test_annexes_are_written_as_titles_and_keep_their_codes(
    db, login_as, manager, create_call, frozen
):
    call = create_call(status=CallStatus.DRAFT)
    assert [a["code"] for a in call.required_annexes] == ["budget", "partner-declarations"]
    client = login_as(manager)
    titles = "Detailed budget table\nDeclarations of honour of all applicants\nCVs of key staff"
    data = form_data(reference=call.reference, required_annexes=titles)
    assert client.post(f"/manage/calls/{call.id}/edit", data=data).status_code == 302
    assert _call(db).required_annexes == [
        {"code": "budget", "title": "Detailed budget table"},  # unchanged: the stored code
        {"code": "partner-declarations", "title": "Declarations of honour of all applicants"},
        {"code": "cvs-of-key-staff", "title": "CVs of key staff"},  # new: made from the title
    ]
    page = client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True)
    assert f"\n{titles}</textarea>" in page and "cvs-of-key-staff" not in page


def test_resaving_an_open_call_keeps_its_annexes(db, login_as, manager, create_call):
    call = create_call()  # open: the annexes may no longer change
    stored = [dict(a) for a in call.required_annexes]
    client = login_as(manager)
    page = client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True)
    titles = page.split('name="required_annexes"', 1)[1].split(">", 1)[1].split("</textarea>")[0]
    assert titles.strip() == "Detailed budget table\nDeclarations of honour of all applicants"
    data = {**_form_of(client, call), "title": "A new title", "required_annexes": titles}
    response = client.post(f"/manage/calls/{call.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    call = _call(db)
    assert call.title == "A new title" and call.required_annexes == stored


def test_a_repeated_annex_title_is_refused_at_the_field(db, login_as, manager, frozen):
    client = login_as(manager)
    data = form_data(required_annexes="Detailed budget table\n detailed  BUDGET table ")
    response = client.post("/manage/calls/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="required_annexes-error"', 1)[1].split("</div>", 1)[0]
    assert "Each annex may appear once: detailed BUDGET table" in error


def test_older_code_and_title_lines_still_read(db, login_as, manager, frozen):
    client = login_as(manager)
    data = form_data(required_annexes="budget | Detailed budget table\nWork plan | in detail")
    assert client.post("/manage/calls/new", data=data).status_code == 302
    assert _call(db).required_annexes == [
        {"code": "budget", "title": "Detailed budget table"},
        {"code": "work-plan-in-detail", "title": "Work plan | in detail"},  # a title with a |
    ]


def test_annex_codes_stay_unique_and_a_title_corrected_in_place_keeps_its_code():
    stored = [
        {"code": "budget", "title": "Detailed budget table"},
        {"code": "partner-declarations", "title": "Declarations of honour"},
    ]
    entries = [("Detailed budget table (EUR)", ""), ("Declarations of honour", ""), ("Budget", "")]
    assert annex_codes(entries, stored) == [
        {"code": "budget", "title": "Detailed budget table (EUR)"},  # corrected in place
        {"code": "partner-declarations", "title": "Declarations of honour"},
        {"code": "budget-2", "title": "Budget"},  # new, its code taken
    ]
    # a removed annex's code is not handed to a new title on another line
    moved = annex_codes([("Declarations of honour", ""), ("Letters of support", "")], stored)
    assert [a["code"] for a in moved] == ["partner-declarations", "letters-of-support"]
    assert annex_codes([("Other", ""), ("Ωμέγα", "")]) == [
        {"code": "other-2", "title": "Other"},  # "other" is the proposals' own kind
        {"code": "annex", "title": "Ωμέγα"},
    ]
    assert annex_slug("Déclarations sur l'honneur") == "declarations-sur-l-honneur"
    assert len(annex_slug("x " * 100)) <= 40
