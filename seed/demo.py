"""The demo programme: users for every role and organisations across Europe (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from grants.accounts.models import Membership, Organisation, OrganisationType, RoleName
from grants.accounts.services import create_user, user_by_email
from grants.extensions import db

DEMO_PASSWORD = "thb-demo-2025"

STAFF = [
    ("admin@thb-demo.eu", "Ada Admin", [RoleName.ADMIN]),
    ("manager@thb-demo.eu", "Marta Manager", [RoleName.PROGRAMME_MANAGER]),
    ("evaluator1@thb-demo.eu", "Erik Evaluator", [RoleName.EVALUATOR]),
    ("evaluator2@thb-demo.eu", "Elena Evaluator", [RoleName.EVALUATOR]),
    ("evaluator3@thb-demo.eu", "Emil Evaluator", [RoleName.EVALUATOR]),
]

# (name, type, country, registration number, city, applicant e-mail, applicant name)
ORGANISATIONS = [
    (
        "Safe Passage Foundation",
        OrganisationType.NGO,
        "BG",
        "BG-175632904",
        "Sofia",
        "applicant.bg@thb-demo.eu",
        "Boryana Petrova",
    ),
    (
        "Casa Aurora Women's Shelter Network",
        OrganisationType.NGO,
        "RO",
        "RO-42/2011",
        "Iasi",
        "applicant.ro@thb-demo.eu",
        "Ioana Popescu",
    ),
    (
        "Associazione Strade Libere",
        OrganisationType.NGO,
        "IT",
        "IT-97612340587",
        "Palermo",
        "applicant.it@thb-demo.eu",
        "Giulia Russo",
    ),
    (
        "Hellenic Anti-Trafficking Centre",
        OrganisationType.NGO,
        "GR",
        "GR-998877661",
        "Thessaloniki",
        "applicant.gr@thb-demo.eu",
        "Nikos Papadakis",
    ),
    (
        "Lithuanian Criminal Police Bureau",
        OrganisationType.LAW_ENFORCEMENT,
        "LT",
        "LT-188659752",
        "Vilnius",
        "applicant.lt@thb-demo.eu",
        "Tomas Kazlauskas",
    ),
    (
        "Universidade do Porto, Centre for Migration Studies",
        OrganisationType.RESEARCH,
        "PT",
        "PT-501413197",
        "Porto",
        "applicant.pt@thb-demo.eu",
        "Ana Ferreira",
    ),
    (
        "City of Malmö, Social Services",
        OrganisationType.LOCAL_REGIONAL_AUTHORITY,
        "SE",
        "SE-212000-1124",
        "Malmö",
        "applicant.se@thb-demo.eu",
        "Sara Lindqvist",
    ),
    (
        "Ban Ying Beratungsstelle",
        OrganisationType.NGO,
        "DE",
        "DE-VR-12345-B",
        "Berlin",
        "applicant.de@thb-demo.eu",
        "Lena Schmidt",
    ),
    (
        "Payoke Victim Support",
        OrganisationType.NGO,
        "BE",
        "BE-0444.178.234",
        "Antwerp",
        "applicant.be@thb-demo.eu",
        "Pieter Janssens",
    ),
    (
        "Fundación Alas Abiertas",
        OrganisationType.NGO,
        "ES",
        "ES-G12345678",
        "Madrid",
        "applicant.es@thb-demo.eu",
        "Carmen García",
    ),
]

# One applicant also works for a second organisation (a partner in a consortium).
EXTRA_MEMBERSHIPS = [("applicant.bg@thb-demo.eu", "RO", "RO-42/2011")]


def load_demo() -> str:
    created_users = 0
    for email, name, roles in STAFF:
        if user_by_email(email) is None:
            create_user(email, name, DEMO_PASSWORD, roles, confirmed=True)
            created_users += 1
    created_orgs = 0
    for name, kind, country, number, city, email, person in ORGANISATIONS:
        user = user_by_email(email)
        if user is None:
            user = create_user(email, person, DEMO_PASSWORD, [RoleName.APPLICANT], confirmed=True)
            created_users += 1
        organisation = _organisation(country, number)
        if organisation is None:
            organisation = Organisation(
                name=name, type=kind, country=country, registration_number=number, city=city
            )
            db.session.add(organisation)
            db.session.flush()
            created_orgs += 1
        _member(user.id, organisation.id, contact=True)
    for email, country, number in EXTRA_MEMBERSHIPS:
        _member(user_by_email(email).id, _organisation(country, number).id, contact=False)
    db.session.commit()
    from seed.demo_portfolio import load_demo_portfolio

    return (
        f"{created_users} users and {created_orgs} organisations created; {load_demo_portfolio()}"
    )


def _organisation(country: str, number: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(
            Organisation.country == country, Organisation.registration_number == number
        )
    )


def _member(user_id: int, organisation_id: int, contact: bool) -> None:
    exists = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user_id, Membership.organisation_id == organisation_id
        )
    )
    if exists is None:
        db.session.add(
            Membership(user_id=user_id, organisation_id=organisation_id, is_contact=contact)
        )
