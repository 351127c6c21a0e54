"""In Chromium, the row tables and choice fields of the proposal sections: rows added and
removed in place, activities tied to work packages (new ones too) by a choice, priorities as
tick boxes, the country picker with its EU-27 and region shortcuts, the budget totals and
the call's rules at the field as one types; and the same forms without JavaScript, where
"Add a row" saves and shows one more empty row."""

from __future__ import annotations

from pathlib import Path

import pytest

from grants.extensions import db
from grants.proposals.models import Proposal
from tests.browser.sweep import check_page, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "rows"


def _log_in(page, base, user):
    log_in(page, base, user, PASSWORD)


def _shots(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _fresh(proposal_id: int) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


def test_rows_added_and_removed_in_place(page, live_server, create_proposal):
    draft = create_proposal(acronym="SAFE-HR")
    base = live_server.url
    _log_in(page, base, draft.organisation.memberships[0].user)
    page.goto(f"{base}/proposals/{draft.id}/edit/workplan")
    assert page.locator("tr.blank-row").count() == 2  # one empty work package, one item

    # A work package added in place gets the next number and takes the focus.
    page.get_by_role("button", name="Add a work package").click()
    assert page.get_by_label("Work package row 3: No.").input_value() == "2"
    page.get_by_label("Work package row 3: Title").fill("Training of labour inspectors")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Work package row 3: Title"
    )
    page.get_by_label("Work package row 3: Start month").fill("3")
    page.get_by_label("Work package row 3: End month").fill("20")
    page.get_by_role("group", name="Work package row 3: Priorities served").get_by_label(
        "Gender-specific approach"
    ).check()
    # The empty row 2 goes at once; it was never saved.
    page.get_by_role("button", name="Remove Work package row 2").click()
    assert page.get_by_label("Work package row 2: Title").count() == 0

    # The new work package is a choice for activities before it is saved.
    page.get_by_role("button", name="Add an activity, deliverable or milestone").click()
    wp_choice = page.get_by_label("Item row 4: Work package")
    assert "WP 2: Training of labour inspectors" in wp_choice.inner_text()
    wp_choice.select_option("2")
    page.get_by_label("Item row 4: Kind").select_option("milestone")
    page.get_by_label("Item row 4: Title").fill("Inspectors trained")
    page.get_by_label("Item row 4: Month").fill("20")
    # A saved item is struck through until saved, and can be kept again.
    page.get_by_role("button", name="Remove Item row 2").click()
    keep = page.get_by_role("button", name="Keep Item row 2")
    assert "row-removed" in page.locator("tr", has=keep).get_attribute("class")
    _shots(page, "workplan-editing")
    page.mouse.move(0, 0)  # no hover colours in the middle of their transition
    problems = check_page(page, "workplan editing")
    assert not problems, problems
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Work plan: saved.").wait_for()

    p = _fresh(draft.id)
    packages = {wp.number: wp for wp in p.work_packages}
    assert packages[2].title == "Training of labour inspectors"
    assert (packages[2].start_month, packages[2].end_month) == (3, 20)
    assert packages[2].priorities == ["gender"]
    assert [(i.kind.value, i.title) for i in packages[2].items] == [
        ("milestone", "Inspectors trained")
    ]
    assert [i.title for i in packages[1].items] == ["Open shelter"]  # "Referral guide" removed


def test_budget_totals_and_rules_as_one_types(page, live_server, create_proposal):
    draft = create_proposal(acronym="SAFE-HR")
    base = live_server.url
    _log_in(page, base, draft.organisation.memberships[0].user)
    page.goto(f"{base}/proposals/{draft.id}/edit/budget")
    eu = page.locator("#eu-contribution")
    assert eu.inner_text() == "EUR 661\u202f500.00"
    # The indirect line (row 4) raised to 10 % of the direct costs: flagged at the field.
    page.get_by_label("Budget line 4: Amount (EUR)").fill("70000")
    rule = page.locator("#lines-3-amount-rule")
    assert rule.inner_text() == (
        "Over the limit: indirect costs are 10.00 % of the direct costs; at most 7 % "
        "(EUR 49\u202f000.00) is allowed."
    )
    assert eu.inner_text() == "EUR 674\u202f100.00"  # indirect costs count up to the 7 %
    page.get_by_role("button", name="Add a budget line").click()
    page.get_by_label("Budget line 6: Partner").select_option(index=1)
    page.get_by_label("Budget line 6: Category").select_option("equipment")
    page.get_by_label("Budget line 6: Amount (EUR)").fill("100000")
    assert eu.inner_text() == "EUR 770\u202f400.00"  # (800 000 + 56 000 of 70 000) x 90 %
    assert "indirect costs are 8.75 % of the direct costs" in rule.inner_text()
    _shots(page, "budget-typing")
    page.mouse.move(0, 0)
    problems = check_page(page, "budget typing")
    assert not problems, problems
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Budget: saved.").wait_for()
    # Saved (a draft may break the rule), and the rule stays at the field, not only in the
    # checklist; the input names it for screen readers.
    assert eu.inner_text() == "EUR 770\u202f400.00"
    amount = page.get_by_label("Budget line 4: Amount (EUR)")
    assert amount.get_attribute("aria-describedby") == "lines-3-amount-rule"
    assert "8.75 % of the direct costs" in page.locator("#lines-3-amount-rule").inner_text()


def test_country_picker_shortcuts_search_and_chosen_list(page, live_server, create_proposal):
    draft = create_proposal(acronym="SAFE-HR")  # BE, NL and DE chosen
    base = live_server.url
    _log_in(page, base, draft.organisation.memberships[0].user)
    page.goto(f"{base}/proposals/{draft.id}/edit/targets")
    picker = page.get_by_role("group", name="Countries of implementation")
    count = picker.locator(".picker-count")
    assert count.inner_text() == "3 chosen:"
    picker.get_by_role("button", name="Add EU-27").click()
    assert count.inner_text() == "27 chosen: (24 added)"
    picker.get_by_role("button", name="Add Western Balkans").click()
    assert count.inner_text() == "32 chosen: (5 added)"
    # Search, Enter ticks the match (and does not send the form).
    search = picker.get_by_label("Find a country")
    search.fill("ukra")
    assert picker.get_by_label("Ukraine", exact=True).is_visible()
    assert not picker.get_by_label("Austria", exact=True).is_visible()
    search.press("Enter")
    assert count.inner_text() == "33 chosen:"
    # Each chosen country is listed with a button that removes it.
    picker.get_by_role("button", name="Remove Albania").click()
    assert count.inner_text() == "32 chosen:"
    search.fill("")
    _shots(page, "countries")
    page.mouse.move(0, 0)
    problems = check_page(page, "country picker")
    assert not problems, problems
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("saved.").first.wait_for()
    countries = set(_fresh(draft.id).countries)
    assert len(countries) == 32 and "UA" in countries and "AL" not in countries
    assert {"BA", "ME", "MK", "RS"} <= countries


def test_rows_without_javascript(browser, live_server, create_proposal):
    draft = create_proposal(acronym="SAFE-HR")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    try:
        base = live_server.url
        _log_in(page, base, draft.organisation.memberships[0].user)
        page.goto(f"{base}/proposals/{draft.id}/edit/results")
        page.get_by_label("Indicator row 2: Indicator").fill("Professionals trained")
        page.get_by_label("Indicator row 2: Unit").fill("persons")
        page.get_by_label("Indicator row 2: Target").fill("300")
        page.get_by_role("button", name="Add an indicator").click()
        page.get_by_text("Expected results and indicators: saved.").wait_for()
        # Saved, and one more empty row to type in.
        assert page.get_by_label("Indicator row 2: Indicator").input_value() == (
            "Professionals trained"
        )
        assert page.get_by_label("Indicator row 3: Indicator").input_value() == ""
        # Remove is a tick box that takes effect on saving.
        page.get_by_label("Remove").first.check()
        page.get_by_role("button", name="Save draft").click()
        page.get_by_text("Expected results and indicators: saved.").wait_for()
        assert [i.name for i in _fresh(draft.id).indicators] == ["Professionals trained"]
        page.goto(f"{base}/proposals/{draft.id}/edit/targets")
        page.locator(
            "summary", has_text="Western Balkans"
        ).click()  # a closed group opens without JavaScript
        page.get_by_label("Serbia", exact=True).check()
        page.get_by_role("button", name="Save draft").click()
        page.get_by_text("saved.").first.wait_for()
        assert "RS" in _fresh(draft.id).countries
    finally:
        context.close()
