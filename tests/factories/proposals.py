"""Factory fixtures of the proposals domain: `create_proposal(...)`, `submit_proposal(...)`
and a minimal valid PDF for annexes."""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
from decimal import Decimal

import pytest

from grants.accounts.models import Membership, OrganisationType
from grants.proposals import fields as field_map
from grants.proposals import submitting
from grants.proposals.models import (
    Annex,
    BudgetCategory,
    BudgetLine,
    Indicator,
    ItemKind,
    Partner,
    PartnerRole,
    PriorityClaim,
    Proposal,
    WorkPackage,
    WorkPackageItem,
)

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

_numbers = itertools.count(1)


def write_annex(app, proposal: Proposal, kind: str, data: bytes = MINIMAL_PDF) -> Annex:
    folder = app.config["GRANTS_UPLOAD_DIR"]
    os.makedirs(folder, exist_ok=True)
    stored = secrets.token_hex(20) + ".pdf"
    with open(os.path.join(folder, stored), "wb") as handle:
        handle.write(data)
    annex = Annex(
        kind=kind,
        filename=f"{kind}.pdf",
        stored_name=stored,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    proposal.annexes.append(annex)
    return annex


@pytest.fixture
def create_proposal(db, app, create_call, create_organisation, create_user):
    """A proposal of `organisation` (a new Belgian NGO by default) under `call` (an open call
    by default). With complete=True it passes every check of the default call: three
    applicants from BE, NL and DE, EUR 700 000 of direct costs (EU contribution EUR 661 500)."""

    def make(call=None, organisation=None, user=None, complete=True, **fields) -> Proposal:
        n = next(_numbers)
        call = call or create_call()
        organisation = organisation or create_organisation(country="BE")
        if user is None:
            user = create_user(organisation=organisation)
        elif not any(m.organisation_id == organisation.id for m in user.memberships):
            db.session.add(Membership(user_id=user.id, organisation_id=organisation.id))
        proposal = Proposal(
            call=call,
            organisation=organisation,
            topic_id=call.topics[0].id if call.topics else None,
            created_by_id=user.id,
        )
        proposal.partners.append(
            Partner(
                organisation_id=organisation.id,
                name=organisation.name,
                country=organisation.country,
                type=OrganisationType(organisation.type).value,
                role=PartnerRole.COORDINATOR,
                position=0,
            )
        )
        if complete:
            codes = [cp.priority_code for cp in call.priorities]
            proposal.acronym = f"SAFE-{n}"
            proposal.title = "Safe shelter and early identification for non-EU victims"
            proposal.abstract = "Specialised shelters and referral for victims of trafficking."
            proposal.relevance = "Victims who are not EU citizens need specialised support."
            proposal.objectives = "Identify victims early and refer them to shelters."
            proposal.methodology = "Three work packages led by experienced NGOs."
            proposal.team = "Partners with 15 years of shelter experience."
            proposal.impact = "400 victims assisted and 300 professionals trained."
            for f in field_map.text_fields():  # any text added to the field map since
                if f.missing and not getattr(proposal, f.name):
                    setattr(proposal, f.name, f"{f.label} of the test proposal.")
            proposal.duration_months = 24
            proposal.target_groups = ["women", "girls"]
            proposal.exploitation_forms = ["sexual", "labour"]
            proposal.countries = ["BE", "NL", "DE"]
            partners = [
                Partner(name=f"Partner NL {n}", country="NL", type="ngo", position=1),
                Partner(name=f"Partner DE {n}", country="DE", type="research", position=2),
            ]
            proposal.partners.extend(partners)
            for code in codes:
                proposal.claims.append(
                    PriorityClaim(priority_code=code, justification=f"We serve {code} by ...")
                )
            wp = WorkPackage(
                number=1,
                title="Shelter and referral",
                description="Run the shelters.",
                start_month=1,
                end_month=24,
                priorities=codes[:1],
            )
            wp.items = [
                WorkPackageItem(kind=ItemKind.ACTIVITY, title="Open shelter", month=2),
                WorkPackageItem(kind=ItemKind.DELIVERABLE, title="Referral guide", month=12),
            ]
            proposal.work_packages.append(wp)
            proposal.indicators.append(
                Indicator(
                    name="Victims assisted",
                    unit="persons",
                    target=Decimal(400),
                    by_sex=True,
                    by_age=True,
                    priorities=codes[:1],
                )
            )
            db.session.add(proposal)
            db.session.flush()
            coordinator = proposal.partners[0]
            for position, (partner, category, amount) in enumerate(
                [
                    (coordinator, BudgetCategory.STAFF, "400000"),
                    (partners[0], BudgetCategory.STAFF, "200000"),
                    (partners[1], BudgetCategory.TRAVEL, "100000"),
                    (coordinator, BudgetCategory.INDIRECT, "35000"),
                ]
            ):
                proposal.budget_lines.append(
                    BudgetLine(
                        partner_id=partner.id,
                        category=category,
                        description=f"{category.value} costs",
                        amount=Decimal(amount),
                        priorities=codes[:1],
                        position=position,
                    )
                )
            for annex in call.required_annexes or []:
                write_annex(app, proposal, annex["code"])
        for key, value in fields.items():
            setattr(proposal, key, value)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@pytest.fixture
def submit_proposal(db):
    """Submit through the service as a member of the owning organisation."""

    def submit(proposal: Proposal, user=None, token=None):
        user = user or proposal.organisation.memberships[0].user
        return submitting.submit(
            proposal, user, token or submitting.new_submit_token(), proposal.version
        )

    return submit
