"""In Chromium: register, create an organisation, draft a proposal with partners and budget,
upload an annex, read the checklist, submit and download the receipt."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.factories.proposals import MINIMAL_PDF

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_applicant_drafts_and_submits_a_proposal(page, live_server, mailbox, create_call, tmp_path):
    call = create_call(
        reference="AMIF-2026-TF2-AG-THB",
        required_annexes=[{"code": "budget", "title": "Detailed budget table"}],
        priorities={"gender": 1, "shelters": 2},
        min_applicants=2,
        min_countries=2,
    )
    base = live_server.url
    page.goto(base + "/register")
    page.get_by_label("Full name").fill("Marija Horvat")
    page.get_by_label("E-mail address").fill("marija@example.hr")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Repeat the password").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    page.goto(mailbox.link("marija@example.hr", "/confirm/"))
    page.get_by_label("E-mail address").fill("marija@example.hr")
    page.get_by_label("Password").fill("a long enough passphrase")
    page.get_by_role("button", name="Log in").click()

    page.goto(base + "/organisations/new")
    page.get_by_label("Name").fill("Centar za žrtve")
    page.get_by_label("Type of organisation").select_option("ngo")
    page.get_by_label("Country").select_option("HR")
    page.get_by_label("Registration number").fill("HR-12345678901")
    page.get_by_role("button", name="Save organisation").click()

    page.get_by_role("link", name="My proposals").click()
    page.get_by_role("link", name=f"Start a proposal under {call.reference}").click()
    page.get_by_label("Acronym").fill("SAFE-HR")
    page.get_by_role("button", name="Start the proposal").click()
    page.get_by_role("link", name="Summary").first.click()

    page.get_by_label("Title").fill("<script>alert(1)</script> Safe shelters in Croatia")
    page.get_by_label("Duration (months)").fill("24")
    page.get_by_label("Abstract").fill("Specialised shelters for women victims.")
    # The character count follows the typing, against the call's limit.
    assert page.locator(".char-count").inner_text() == "39 of 2\u202f000 characters"
    page.get_by_role("button", name="Save and go to the next section").click()

    page.get_by_label("Partner 1: Organisation").fill("Društvo Ključ")
    page.get_by_label("Partner 1: Country").select_option("SI")
    page.get_by_label("Partner 1: Type").select_option("ngo")
    page.get_by_label("The team and how the partners work together").fill("Shelter staff.")
    page.get_by_role("button", name="Save and go to the next section").click()

    page.get_by_label("Relevance", exact=True).fill("Victims need shelters.")
    page.get_by_label("Objectives").fill("Open 20 places.")
    page.get_by_role("button", name="Save and go to the next section").click()

    page.get_by_label("Methodology and implementation").fill("Two partners, one plan.")
    page.get_by_label("Work package row 1: No.").fill("1")
    page.get_by_label("Work package row 1: Title").fill("Shelters")
    page.get_by_label("Work package row 1: Description").fill("Run the shelters.")
    page.get_by_label("Work package row 1: Start month").fill("1")
    page.get_by_label("Work package row 1: End month").fill("24")
    page.get_by_role("group", name="Work package row 1: Priorities served").get_by_label(
        "Specialised shelters"
    ).check()
    # The work package typed above is already a choice for the activities.
    page.get_by_label("Item row 1: Work package").select_option("1")
    page.get_by_label("Item row 1: Title").fill("Open the shelter")
    page.get_by_role("button", name="Add an activity, deliverable or milestone").click()
    page.get_by_label("Item row 2: Work package").select_option("1")
    page.get_by_label("Item row 2: Kind").select_option("deliverable")
    page.get_by_label("Item row 2: Title").fill("Shelter standards")
    page.get_by_role("button", name="Save and go to the next section").click()

    page.get_by_label("Women", exact=True).check()
    page.get_by_label("Sexual exploitation").check()
    picker = page.get_by_role("group", name="Countries of implementation")
    picker.get_by_label("Find a country").fill("Croat")
    picker.get_by_label("Find a country").press("Enter")  # ticks the one match
    picker.get_by_label("Find a country").fill("")
    picker.get_by_label("Slovenia", exact=True).check()
    assert picker.locator(".picker-count").inner_text() == "2 chosen:"
    page.get_by_role("button", name="Save and go to the next section").click()

    page.locator("#claims-1-claimed").check()
    page.locator("#claims-1-justification").fill("Twenty shelter places for women.")
    page.get_by_role("button", name="Save and go to the next section").click()

    page.get_by_label("Indicator row 1: Indicator").fill("Victims assisted")
    page.get_by_label("Indicator row 1: Unit").fill("persons")
    page.get_by_label("Indicator row 1: Target").fill("120")
    page.get_by_label("Impact and sustainability").fill("Places stay open.")
    page.get_by_role("button", name="Save and go to the next section").click()

    for n, (partner, category, amount) in enumerate(
        [("Centar za žrtve", "staff", "450000"), ("Društvo Ključ", "staff", "200000")], 1
    ):
        if n > 1:
            page.get_by_role("button", name="Add a budget line").click()
        page.get_by_label(f"Budget line {n}: Partner").select_option(label=partner)
        page.get_by_label(f"Budget line {n}: Category").select_option(category)
        page.get_by_label(f"Budget line {n}: Description").fill("Shelter staff")
        page.get_by_label(f"Budget line {n}: Amount (EUR)").fill(amount)
    page.get_by_role("button", name="Save draft").click()
    assert "EUR 585\u202f000.00" in page.locator("#eu-contribution").inner_text()

    # The checklist names exactly what is missing: the annex.
    checklist = page.locator(".checklist")
    assert "Upload the required annex: Detailed budget table (PDF)." in checklist.inner_text()
    checklist.get_by_role("link", name=re.compile("Upload the required annex")).click()
    fake = tmp_path / "budget.pdf"
    fake.write_bytes(b"not a pdf at all")
    page.get_by_label("PDF file").set_input_files(str(fake))
    page.get_by_role("button", name="Upload").click()
    assert "not a PDF" in page.locator("#error-summary").inner_text()
    real = tmp_path / "budget-table.pdf"
    real.write_bytes(MINIMAL_PDF)
    page.get_by_label("PDF file").set_input_files(str(real))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("budget-table.pdf is attached").wait_for()
    assert "Every section is complete." in page.locator(".checklist").inner_text()

    page.get_by_role("link", name="Review and submit").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "proposal-submit.png"), full_page=True)
    page.get_by_role("button", name="Submit the proposal").click()
    page.get_by_role("heading", name="Receipt").wait_for()
    receipt = page.locator("#receipt").inner_text()
    assert "UTC" in receipt and "(Brussels)" in receipt
    sha = re.search(r"[0-9a-f]{64}", receipt).group(0)
    page.screenshot(path=str(ARTIFACTS / "proposal-receipt.png"), full_page=True)
    assert sha in mailbox.body(mailbox.last_to("marija@example.hr"))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the receipt and proposal (PDF)").click()
    pdf = Path(download_info.value.path()).read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "SAFE-HR" in text and "<script>alert(1)</script>" in text
    assert "EUR 585\u202f000.00" in text or "EUR 585 000.00" in text
