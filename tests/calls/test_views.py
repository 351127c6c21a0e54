"""Route tests of calls: the managers' form (Brussels times, bad input, hostile input), status
changes, the public list and its filters, drafts hidden, and the call document as PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from grants import clock
from grants.audit.models import AuditEntry
from grants.calls.models import Call, CallPhase, CallStatus
from tests.calls.conftest import form_data

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _count(db) -> int:
    return db.session.scalar(select(func.count(Call.id)))


def _new_call(db) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).order_by(Call.id.desc()))


# Creating -----------------------------------------------------------------------------------


def test_new_form_has_eu_action_grant_defaults(login_as, manager):
    client = login_as(manager)
    page = client.get("/manage/calls/new").get_data(as_text=True)
    assert "Quality of project team and cooperation arrangements | 20 | 10" in page
    assert 'selected value="eu27-dk"' in page
    # the tie-break rules in words, the criteria by their names (no codes, issue 15 pt 7)
    assert "criterion:" not in page and "eu_contribution_asc" not in page
    assert "Relevance\nImpact\nPriority alignment\nSmaller EU contribution first</textarea>" in page


def test_tie_break_rules_are_written_in_words_and_stored_as_rules(db, login_as, manager, frozen):
    client = login_as(manager)
    words = "relevance\n  Quality of project team and cooperation arrangements \nPriority alignment"
    words += "\nLarger EU contribution first"
    response = client.post("/manage/calls/new", data=form_data(tie_break_rules=words))
    assert response.status_code == 302
    call = _new_call(db)
    team = next(c.code for c in call.criteria if c.label.startswith("Quality of project team"))
    assert call.tie_break_rules == [
        "criterion:relevance",
        f"criterion:{team}",
        "alignment",
        "eu_contribution_desc",
    ]
    edit = client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True)
    assert "Relevance\nQuality of project team and cooperation arrangements\nPriority" in edit
    # a word that names nothing: a message at the field, nothing stored
    before = db.session.scalar(select(func.count(Call.id)))
    response = client.post("/manage/calls/new", data=form_data(tie_break_rules="Beauty"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "&#39;Beauty&#39; is an unknown tie-break rule: write the name of one of" in page
    assert db.session.scalar(select(func.count(Call.id))) == before


@pytest.mark.parametrize(
    "opens, deadline, opens_utc, deadline_utc",
    [
        # summer time: Brussels is UTC+2
        ("2024-05-21T00:00", "2024-08-21T17:00", (2024, 5, 20, 22, 0), (2024, 8, 21, 15, 0)),
        # winter time: Brussels is UTC+1
        ("2026-01-05T09:00", "2026-12-15T17:00", (2026, 1, 5, 8, 0), (2026, 12, 15, 16, 0)),
    ],
)
def test_times_are_entered_in_brussels_and_stored_in_utc(
    db, login_as, manager, opens, deadline, opens_utc, deadline_utc
):
    clock.freeze(datetime(2024, 1, 1, tzinfo=UTC))
    client = login_as(manager)
    response = client.post(
        "/manage/calls/new", data=form_data(opens_at=opens, deadline_at=deadline)
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    call = _new_call(db)
    assert call.opens_at == datetime(*opens_utc, tzinfo=UTC)
    assert call.deadline_at == datetime(*deadline_utc, tzinfo=UTC)
    # shown back in Brussels time
    edit = client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True)
    assert f'value="{deadline}"' in edit
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert call.deadline_at.isoformat() in page  # <time datetime=...> for the local display


def test_create_reads_presets_amounts_and_lines(db, login_as, manager, frozen):
    client = login_as(manager)
    response = client.post("/manage/calls/new", data=form_data())
    assert response.status_code == 302
    call = _new_call(db)
    assert call.status == CallStatus.DRAFT
    assert len(call.coordinator_countries) == 26 and "DK" not in call.coordinator_countries
    assert call.partner_countries == ["BE", "BG", "RO", "IT"]
    assert call.total_budget == Decimal("6000000.00")
    assert call.max_contribution == Decimal("1000000.00")
    assert [(t.code, t.budget) for t in call.topics] == [
        ("T1", Decimal("4000000.00")),
        ("T2", Decimal("2000000.00")),
    ]
    assert call.section_limits == {"summary": 2000, "relevance": 15000}
    assert {p.priority_code: p.weight for p in call.priorities} == {
        "non-eu-victims": Decimal(2),
        "child": Decimal(1),
    }
    assert call.tie_break_rules == ["criterion:relevance", "alignment", "eu_contribution_asc"]
    assert response.location.endswith(f"/calls/{call.id}")


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"reference": ""}, "reference", "Enter the call&#39;s reference."),
        ({"total_budget": "lots"}, "total_budget", "Enter an amount in euro"),
        ({"total_budget": "NaN"}, "total_budget", "Enter an amount in euro"),
        ({"total_budget": "-6000000"}, "total_budget", "more than zero"),
        ({"total_budget": "9" * 30}, "total_budget", "Enter an amount in euro"),
        ({"max_contribution": "400000"}, "max_contribution", "must not be below the minimum"),
        ({"funding_rate": "250"}, "funding_rate", "from 1 to 100"),
        ({"max_duration_months": "2.5"}, "max_duration_months", "Enter a whole number"),
        ({"max_duration_months": "9999"}, "max_duration_months", "1 to 120 months"),
        ({"deadline_at": "2026-03-01T17:00"}, "deadline_at", "after the opening date"),
        ({"deadline_at": "tomorrow"}, "deadline_at", "Enter a date and time"),
        ({"opens_at": "2026-13-45T99:99"}, "opens_at", "Enter a date and time"),
        ({"partner_countries": "BE XX"}, "partner_countries", "Not ISO 3166-1 country codes: XX"),
        ({"topics": "T1 | Shelters"}, "topics", "Line 1: write it as code | title | budget"),
        ({"topics": "T1 | Shelters | much"}, "topics", "Line 1: the budget &#39;much&#39;"),
        ({"criteria": "relevance | R | 30"}, "criteria", "Line 1: write it as code | name"),
        ({"priorities": "child: 2"}, "priorities", "Line 1: write it as priority code = weight"),
        ({"priorities": "trafficking = 1"}, "priorities", "not a strategy priority code"),
        ({"tie_break_rules": "coin_toss"}, "tie_break_rules", "unknown tie-break rule"),
        ({"eligible_org_types": ["spies"]}, "eligible_org_types", "Not a valid choice"),
        ({"fund": "MONEYTREE"}, "fund", "Not a valid choice"),
        ({"title": "T" * 301}, "title", "longer than 300"),
    ],
)
def test_bad_input_is_refused_tied_to_the_field_and_kept(
    db, login_as, manager, frozen, overrides, field, message
):
    client = login_as(manager)
    response = client.post("/manage/calls/new", data=form_data(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _count(db) == 0
    assert f'id="{field}-error"' in page, page[:200]
    error = page.split(f'id="{field}-error"', 1)[1].split("</div>", 1)[0]
    assert message.lower() in error.lower(), error
    # The summary links to the field, or to the first option of a group of options.
    target = re.search(rf'href="#({field}(?:-0)?)"', page)
    assert target and f'id="{target.group(1)}"' in page
    value = overrides[field]
    if isinstance(value, str) and value and field != "fund":  # a select keeps its options
        from markupsafe import escape

        assert str(escape(value)) in page  # the input is kept in the form


def test_hostile_text_is_inert_in_the_page_and_in_the_pdf(db, login_as, manager, frozen):
    client = login_as(manager)
    data = form_data(
        title="Shelters " + SCRIPT,
        description="# Heading\n\n" + SCRIPT + "\n\n[link](javascript:alert(1)) **bold**",
        topics=f"T1 | {SCRIPT} | 6000000",
        required_annexes=f"budget | {SCRIPT}",
    )
    assert client.post("/manage/calls/new", data=data).status_code == 302
    call = _new_call(db)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "javascript:" not in page
    assert "&lt;script&gt;" in page  # shown as text
    assert "<strong>bold</strong>" in page
    pdf = client.get(f"/calls/{call.id}/call-document.pdf")
    text = _pdf_text(pdf.data)
    assert '<script>alert("x")</script>' in text  # printed as text, not run or dropped
    assert "Shelters" in text


def test_an_absurdly_long_text_is_refused(db, login_as, manager, frozen):
    client = login_as(manager)
    response = client.post("/manage/calls/new", data=form_data(description="x" * 60_000))
    assert response.status_code == 422
    assert "longer than 50000" in response.get_data(as_text=True)
    assert _count(db) == 0


# Editing and status --------------------------------------------------------------------------


def test_edit_refuses_locked_fields_of_an_open_call(db, login_as, manager, create_call):
    call = create_call()
    client = login_as(manager)
    page = " ".join(client.get(f"/manage/calls/{call.id}/edit").get_data(as_text=True).split())
    assert "only the deadline, description, evaluators per proposal, title may change" in page
    form = _form_of(client, call)
    form["min_applicants"] = "5"
    response = client.post(f"/manage/calls/{call.id}/edit", data=form)
    assert response.status_code == 422
    assert "cannot change while the call is open" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Call, call.id).min_applicants == 1


def test_edit_extends_the_deadline_of_an_open_call(db, login_as, manager, create_call):
    call = create_call()
    client = login_as(manager)
    form = _form_of(client, call)
    old = call.deadline_at
    later = clock.to_brussels(old + timedelta(days=3))
    form["deadline_at"] = later.strftime("%Y-%m-%dT%H:%M:%S")
    response = client.post(f"/manage/calls/{call.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    assert db.session.get(Call, call.id).deadline_at == old + timedelta(days=3)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "extend-deadline"))


def _form_of(client, call) -> dict:
    """The edit form's fields as the page gives them (through the form's own values)."""
    from grants.calls import services
    from grants.calls.forms import CallForm

    with client.application.test_request_context():
        form = CallForm.for_call(services.call_values(call))
        data = {}
        for f in form:
            if f.name in ("csrf_token", "submit"):
                continue
            if f.name == "section_limits":  # one box per limited text
                data.update({box.name: box.value for box in f.inputs()})
                continue
            data[f.name] = f.data if f.type in ("MultiCheckboxField", "SelectField") else f._value()
    return data


def test_publish_button_and_guard_messages(db, login_as, manager, create_call):
    draft = create_call(status=CallStatus.DRAFT, criteria=[])
    client = login_as(manager)
    page = client.get(f"/calls/{draft.id}").get_data(as_text=True)
    assert "Add at least one award criterion." in page
    response = client.post(f"/manage/calls/{draft.id}/status", data={"target": "published"})
    assert response.status_code == 302
    page = client.get(f"/calls/{draft.id}").get_data(as_text=True)
    flash = page.split("The call stays draft:", 1)[1].split("</div>", 1)[0]
    assert "Add at least one award criterion." in flash
    db.session.expire_all()
    assert db.session.get(Call, draft.id).status == CallStatus.DRAFT

    ready = create_call(status=CallStatus.DRAFT)
    client.post(f"/manage/calls/{ready.id}/status", data={"target": "published"})
    db.session.expire_all()
    assert db.session.get(Call, ready.id).phase == CallPhase.OPEN
    response = client.post(f"/manage/calls/{ready.id}/status", data={"target": "bogus"})
    assert response.status_code == 302


def test_closing_a_call_is_asked_once(db, login_as, manager, create_call):
    call = create_call()
    client = login_as(manager)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert 'data-confirm="Close ' in page  # the browser asks where JavaScript runs
    response = client.post(f"/manage/calls/{call.id}/status", data={"target": "closed"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Close {call.reference} now?" in html and 'name="confirmed" value="yes"' in html
    db.session.expire_all()
    assert db.session.get(Call, call.id).phase == CallPhase.OPEN
    response = client.post(
        f"/manage/calls/{call.id}/status", data={"target": "closed", "confirmed": "yes"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Call, call.id).status == CallStatus.CLOSED


def test_status_change_needs_csrf(db, login_as, manager, create_call):
    call = create_call(status=CallStatus.DRAFT)
    client = login_as(manager)
    client.post(f"/manage/calls/{call.id}/status", data={"target": "published"}, csrf=False)
    db.session.expire_all()
    assert db.session.get(Call, call.id).status == CallStatus.DRAFT


# Public pages --------------------------------------------------------------------------------


def test_drafts_and_missing_calls_are_404_for_non_managers(
    db, client, create_call, create_user, login_as, manager
):
    draft = create_call(status=CallStatus.DRAFT)
    assert client.get(f"/calls/{draft.id}").status_code == 404
    assert client.get(f"/calls/{draft.id}/call-document.pdf").status_code == 404
    assert client.get("/calls/999999").status_code == 404
    assert draft.reference not in client.get("/calls").get_data(as_text=True)
    login_as(create_user())
    assert client.get(f"/calls/{draft.id}").status_code == 404
    client.post("/logout")
    login_as(manager)
    assert client.get(f"/calls/{draft.id}").status_code == 200
    assert client.get("/manage/calls/999999/edit").status_code == 404


def test_public_list_filters_in_the_url(db, client, create_call):
    now = clock.now()
    create_call(reference="AMIF-OPEN", priorities={"child": 1})
    create_call(reference="ISF-OPEN", fund="ISF", priorities={"online": 1})
    create_call(
        reference="AMIF-SOON",
        opens_at=now + timedelta(days=3),
        deadline_at=now + timedelta(days=40),
        priorities={"gender": 1},
    )
    page = client.get("/calls").get_data(as_text=True)
    assert all(r in page for r in ("AMIF-OPEN", "ISF-OPEN", "AMIF-SOON"))
    assert "Open for proposals" in page and "Upcoming" in page
    page = client.get("/calls?fund=ISF").get_data(as_text=True)
    assert "ISF-OPEN" in page and "AMIF-OPEN" not in page
    page = client.get("/calls?priority=child").get_data(as_text=True)
    assert "AMIF-OPEN" in page and "ISF-OPEN" not in page and "AMIF-SOON" not in page
    page = client.get("/calls?phase=upcoming").get_data(as_text=True)
    assert "AMIF-SOON" in page and "AMIF-OPEN" not in page
    page = client.get("/calls?fund=<script>&priority=nope").get_data(as_text=True)
    assert "AMIF-OPEN" in page and "<script>" not in page


def test_call_page_shows_deadline_in_brussels_with_countdown(db, client, create_call):
    clock.freeze(datetime(2026, 8, 18, 12, 0, tzinfo=UTC))
    call = create_call(
        opens_at=datetime(2026, 5, 20, 22, 0, tzinfo=UTC),
        deadline_at=datetime(2026, 8, 21, 15, 0, tzinfo=UTC),
    )
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "21 Aug 2026 17:00 CEST" in page
    assert (
        'datetime="2026-08-21T15:00:00+00:00">21 Aug 2026 17:00 CEST</time> Brussels time' in page
    )
    assert 'data-countdown="2026-08-21T15:00:00+00:00"' in page
    assert "closes in 3 days 3 hours" in page  # the text without JavaScript
    assert 'data-countdown-lead="closes"' in page  # app.js keeps the words up to date
    assert "Download the call document (PDF)" in page
    clock.freeze(call.deadline_at)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "data-countdown=" not in page and "This call is closed" in page


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_call_document_pdf_shows_the_calls_data(db, client, create_call):
    call = create_call(
        reference="AMIF-2024-TF2-AG-THB",
        opens_at=datetime(2024, 5, 20, 22, 0, tzinfo=UTC),
        deadline_at=datetime(2024, 8, 21, 15, 0, tzinfo=UTC),
        total_budget=Decimal("6000000"),
        topics=[("THB", "Assistance to victims", Decimal("6000000"))],
        min_applicants=3,
        min_countries=3,
    )
    response = client.get(f"/calls/{call.id}/call-document.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(_pdf_text(response.data).split())
    for expected in (
        "AMIF-2024-TF2-AG-THB",
        call.title,
        "Asylum, Migration and Integration Fund",
        "21 May 2024 00:00 CEST",
        "21 Aug 2024 17:00 CEST",
        "6 000 000.00",
        "Assistance to victims",
        "500 000.00 to EUR 1 000 000.00",
        "90 % of the eligible costs",
        "36 months",
        "EU Member States except Denmark",
        "NGO / civil society",
        "at least 3 applicants from at least 3 different eligible countries",
        "The abstract",  # the section limit's label, not its key
        "2\u202f000",  # thousands apart as in the amounts
        "Detailed budget table",
        "Quality of project team and cooperation arrangements",
        "Victims who are not EU citizens",
    ):
        assert expected.replace("\u202f", " ") in text.replace("\u202f", " "), expected
    assert "2,000" not in text and "non-eu-victims" not in text  # no codes in the document
    # cached by content: the same ETag, a 304 when the client has it
    etag = response.headers["ETag"]
    again = client.get(f"/calls/{call.id}/call-document.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_tie_break_rules_read_as_words_on_the_call_page(client, create_call):
    call = create_call()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "the higher score for Relevance; the higher score for Impact" in page
    assert "the smaller EU contribution" in page
    assert "criterion:" not in page and "eu_contribution_asc" not in page


def test_priority_codes_are_shown_only_to_who_manages_the_call(
    client, login_as, manager, create_call
):
    call = create_call()
    assert "non-eu-victims" in {p.priority_code for p in call.priorities}
    public = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Victims who are not EU citizens" in public
    assert "non-eu-victims" not in public and ">gender<" not in public
    managed = login_as(manager).get(f"/calls/{call.id}").get_data(as_text=True)
    assert ">non-eu-victims</code>" in managed  # what to type in the call form's priorities


def test_section_limits_and_annexes_are_shown_by_their_labels_not_their_keys(
    db, client, create_call
):
    call = create_call()
    call.section_limits = {"summary": 2000, "design": 20000, "annex_summary": 3000}
    db.session.commit()
    page = " ".join(client.get(f"/calls/{call.id}").get_data(as_text=True).split())
    # Thousands apart by a (narrow no-break) space, as in the amounts and the proposal forms.
    assert "The abstract: at most 2 000 characters" in page and "2,000" not in page
    assert "The methodology: at most 20 000 characters" in page
    assert "Annex summary: at most 3 000 characters" in page  # a key no text counts
    assert "<code>summary</code>" not in page and "<code>design</code>" not in page
    for annex in call.required_annexes:
        assert f"<li>{annex['title']}</li>" in page and f">{annex['code']}<" not in page
    text = " ".join(_pdf_text(client.get(f"/calls/{call.id}/call-document.pdf").data).split())
    text = text.replace("\u202f", " ")
    assert "The methodology 20 000" in text and "design 20" not in text and "20,000" not in text
