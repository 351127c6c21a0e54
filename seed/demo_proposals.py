"""Demo proposals (idempotent): 30+ proposals in every state over the demo calls, written
and submitted through the services with the clock moved to before each deadline."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select

from grants import clock
from grants.accounts.models import Organisation, OrganisationType
from grants.accounts.services import user_by_email
from grants.calls.models import Call, CallStatus
from grants.extensions import db
from grants.proposals import annexes, programme, sections, submitting
from grants.proposals.models import Proposal
from seed.demo import ORGANISATIONS
from seed.demo_calls import _at

MANAGER = "manager@thb-demo.eu"

# Partner organisations across the EU-27 (and one from Denmark, which AMIF excludes).
PARTNERS = [
    ("LEFÖ-IBF Intervention Centre", "ngo", "AT", "AT-ZVR-934218"),
    ("La Strada Czech Republic", "ngo", "CZ", "CZ-65399447"),
    ("Cyprus Stop Trafficking", "ngo", "CY", "CY-HE-2007"),
    ("Estonian Social Insurance Board, Victim Support", "public_authority", "EE", "EE-70001975"),
    ("Finnish Assistance System for Victims", "public_authority", "FI", "FI-0245872-1"),
    ("Fondation Scelles", "ngo", "FR", "FR-W751234567"),
    ("Udruga PETRA", "ngo", "HR", "HR-48923412"),
    ("Hungarian Baptist Aid", "ngo", "HU", "HU-18058371"),
    ("Ruhama", "ngo", "IE", "IE-CHY9387"),
    ("Luxembourg Ministry of Family, Integration and the Greater Region", "public_authority",
     "LU", "LU-G-0042"),
    ("Shelter and Support Centre Riga", "ngo", "LV", "LV-40008014792"),
    ("Malta Migrants' Rights Foundation", "ngo", "MT", "MT-VO-1433"),
    ("CoMensha", "ngo", "NL", "NL-40530213"),
    ("La Strada Poland Foundation", "ngo", "PL", "PL-0000067632"),
    ("Društvo Ključ", "ngo", "SI", "SI-1368958"),
    ("Slovak Catholic Charity", "ngo", "SK", "SK-00587036"),
    ("University of Ljubljana, Faculty of Criminal Justice", "research", "SI", "SI-1626990"),
    ("Reden International", "ngo", "DK", "DK-29410178"),
    ("Frontline Data Analytics BV", "private_company", "NL", "NL-77654321"),
]  # fmt: skip

CONCEPTS = [
    ("SAFE-HAVEN", "Specialised shelters for third-country national women and girls",
     ["shelters", "gender", "non-eu-victims"], ["women", "girls"], ["sexual"]),
    ("EARLY-ID", "Early identification and referral of victims at reception centres",
     ["early-identification", "non-eu-victims"], ["women", "men"], ["labour", "sexual"]),
    ("CHILD-FIRST", "Child-sensitive assistance and guardianship for trafficked children",
     ["child", "early-identification"], ["girls", "boys"], ["sexual", "criminal-activities"]),
    ("REBUILD", "Re-integration and empowerment of victims through work and housing",
     ["reintegration", "non-eu-victims"], ["women", "men"], ["labour"]),
    ("FIELDS", "Labour exploitation in agriculture: outreach and assistance to workers",
     ["labour", "early-identification"], ["men", "women"], ["labour"]),
    ("VOICES", "Gender-specific assistance for survivors of sexual exploitation",
     ["gender", "shelters"], ["women"], ["sexual"]),
    ("ROUTE-SAFE", "Referral across borders along the Western Balkans route",
     ["cooperation", "non-eu-victims"], ["women", "men"], ["sexual", "labour"]),
    ("TRAIN-ID", "Training frontline professionals to identify victims early",
     ["training", "early-identification"], ["women", "men"], ["labour", "sexual", "begging"]),
    ("FOLLOW-MONEY", "Financial investigations into trafficking networks",
     ["A4.1", "A4.2"], ["men", "women"], ["sexual", "labour"]),
    ("DIGI-TRACE", "Investigating the digital business model of traffickers",
     ["A4.3", "online"], ["women", "girls"], ["sexual"]),
    ("ASSET-RECOVERY", "Tracing, freezing and confiscating the proceeds of trafficking",
     ["A4.1", "A4.2"], ["women", "men"], ["sexual", "labour"]),
    ("ONLINE-ADS", "Detecting the online advertisements used to recruit and exploit victims",
     ["online", "A4.3"], ["women", "girls"], ["sexual"]),
    ("CRYPTO-TRACE", "Crypto-assets and payment data in trafficking investigations",
     ["A4.1", "online"], ["women", "men"], ["sexual", "labour"]),
    ("E-EVIDENCE", "Digital evidence so that prosecutions rely less on victims' testimony",
     ["A4.3", "A4.2"], ["women", "girls", "boys"], ["sexual", "criminal-activities"]),
    ("JIT-FLOWS", "Joint investigation teams following cross-border financial flows",
     ["A4.2", "A4.1"], ["men", "women"], ["labour", "sexual"]),
]  # fmt: skip

TEXT = {
    "abstract": (
        "{acronym} brings together {n} organisations to {goal}. It follows the EU Strategy on "
        'Combatting Trafficking in Human Beings 2021-2025, which asks for "targeted funding '
        'support to specialised shelters" and for early identification and referral, with '
        "specific attention to the gender dimension and to children."
    ),
    "relevance": (
        "Between 2017 and 2018 more than 14 000 victims were registered in the EU, and "
        "nearly half of them were not EU citizens. Third-country national victims face "
        "language barriers, insecure residence status and fear of the authorities. {acronym} "
        "responds to the Strategy's call for a victim-centred, gender-specific and "
        "child-sensitive approach: {goal}."
    ),
    "objectives": (
        "1. Identify victims earlier through trained frontline professionals.\n"
        "2. Provide safe accommodation, psychological, medical and legal assistance.\n"
        "3. Support re-integration through language courses, training and jobs.\n"
        "4. Share practice among the partners and with national rapporteurs."
    ),
    "methodology": (
        "Each partner leads the work package closest to its expertise. A steering committee "
        "meets every quarter; risks (staff turnover, safety of victims, data protection) are "
        "reviewed at each meeting. Indicators are collected by sex and age every six months."
    ),
    "team": (
        "The coordinator has run assistance programmes since 2008. Partners bring shelter "
        "management, legal counselling, cultural mediation and research on trafficking."
    ),
    "impact": (
        "Victims assisted stay in safe accommodation and obtain residence permits and work. "
        "Professionals trained apply the referral protocols after the project; the partners' "
        "national referral mechanisms adopt the tools."
    ),
}

# (call reference prefix, coordinator country, concept, partner countries, scenario)
# Scenarios: draft, incomplete, submitted, versions, withdrawn, inadmissible, ineligible,
# overridden, confirmed, changed (submitted, then changed without submitting again).
PLAN_AMIF_2024 = [
    ("BG", 0, ["RO", "GR"], "versions"),
    ("RO", 1, ["BG", "HU"], "submitted"),
    ("IT", 2, ["MT", "ES"], "submitted"),
    ("GR", 3, ["CY", "BG"], "confirmed"),
    ("PT", 4, ["ES", "FR"], "submitted"),
    ("SE", 5, ["FI", "EE"], "versions"),
    ("DE", 6, ["AT", "CZ"], "withdrawn"),
    ("BE", 7, ["NL", "LU"], "inadmissible"),
    ("ES", 0, ["PT", "IT"], "ineligible"),
    ("DE", 1, ["LV", "PL"], "overridden"),
    ("BG", 3, ["SK", "SI"], "submitted"),
    ("RO", 6, ["HR", "SI"], "incomplete"),
    ("IT", 5, ["FR", "IE"], "submitted"),
    ("GR", 4, ["HU", "SK"], "inadmissible"),
]
PLAN_ISF_2022 = [
    ("LT", 8, ["PL"], "submitted"),
    ("BE", 9, ["NL"], "versions"),
    ("DE", 8, ["AT"], "ineligible"),
    ("PT", 9, ["ES"], "withdrawn"),
    ("LT", 9, ["FI"], "submitted"),
    ("IT", 9, ["FR"], "incomplete"),
    ("ES", 8, ["IE"], "confirmed"),
]
# Added so that the ISF call has a full ranking to show (issue point 10): eight more
# evaluable proposals, each with the EU contribution it asks for (EUR), so that the topic
# budgets (EUR 2 000 000 each) cut the list; the scores are given in seed/demo_review.py.
# Even concepts go to topic FIN, odd ones to DIGITAL.
PLAN_ISF_2022_RANKING = [
    ("GR", 10, ["CY"], "submitted", 740_000),
    ("IT", 12, ["MT"], "submitted", 780_000),
    ("PT", 14, ["ES"], "submitted", 600_000),
    ("BG", 8, ["RO"], "submitted", 550_000),
    ("RO", 10, ["HU"], "submitted", 450_000),
    ("DE", 11, ["AT"], "submitted", 690_000),
    ("GR", 13, ["CY"], "submitted", 640_000),
    ("ES", 11, ["IE"], "submitted", 520_000),
]
PLAN_AMIF_OPEN = [
    ("BG", 0, ["RO", "GR"], "submitted"),
    ("RO", 1, ["BG", "HU"], "changed"),
    ("IT", 2, ["MT", "HR"], "draft"),
    ("GR", 3, ["CY", "BG"], "incomplete"),
    ("PT", 4, ["ES", "FR"], "versions"),
    ("SE", 5, ["FI", "LV"], "withdrawn"),
    ("DE", 6, ["AT", "CZ"], "draft"),
    ("BE", 7, ["NL", "LU"], "ineligible"),
    ("ES", 0, ["PT", "IE"], "incomplete"),
    ("BE", 1, ["EE", "PL"], "submitted"),
    ("SE", 2, ["FI", "EE"], "inadmissible"),
]

GOALS = {
    "shelters": "open specialised shelters with safe, gender-specific places for victims",
    "early-identification": "identify victims early and refer them to assistance",
    "child": "protect trafficked children with guardianship and child-sensitive procedures",
    "reintegration": "help survivors rebuild their lives through housing, training and work",
    "labour": "reach workers exploited in agriculture, construction and domestic work",
    "gender": "offer gender-specific assistance to survivors of sexual exploitation",
    "cooperation": "refer victims safely across borders",
    "training": "train police, labour inspectors, social and health workers",
    "A4.1": "follow the financial flows of trafficking networks",
    "A4.2": "build the capacity of investigators and prosecutors for a robust criminal "
    "justice response",
    "A4.3": "investigate the online recruitment and advertising of victims",
    "online": "detect the online advertisements traffickers use to recruit and exploit victims",
}


def _pdf(title: str) -> bytes:
    body = f"BT /F1 14 Tf 72 720 Td ({title}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@contextmanager
def _reopened(call: Call):
    """Replay submissions to a call that the demo has since closed: its stored status is
    published again for the replay only (the clock decides the rest), then put back."""
    status = call.status
    if status != CallStatus.PUBLISHED:
        call.status = CallStatus.PUBLISHED
        db.session.commit()
    try:
        yield
    finally:
        if call.status != status:
            call.status = status
            db.session.commit()


def _partner_organisations() -> dict[str, Organisation]:
    out = {}
    for name, kind, country, number in PARTNERS:
        org = db.session.scalar(
            select(Organisation).where(
                Organisation.country == country, Organisation.registration_number == number
            )
        )
        if org is None:
            org = Organisation(
                name=name, type=OrganisationType(kind), country=country, registration_number=number
            )
            db.session.add(org)
            db.session.flush()
        out.setdefault(country, org)
        out[number] = org
    for _, _, country, number, *_ in ORGANISATIONS:
        org = db.session.scalar(
            select(Organisation).where(
                Organisation.country == country, Organisation.registration_number == number
            )
        )
        out[f"demo-{country}"] = org
    db.session.commit()
    return out


def _acronym(call: Call, coordinator_country: str, concept_index: int) -> str:
    return f"{CONCEPTS[concept_index][0]}-{call.reference.split('-')[1][-2:]}{coordinator_country}"


def _build(call: Call, coordinator_country: str, concept_index: int, partners: list[str],
           scenario: str, orgs: dict, rng: random.Random, start: datetime,
           contribution: int | None = None) -> Proposal:  # fmt: skip
    organisation = orgs[f"demo-{coordinator_country}"]
    user = organisation.memberships[0].user
    _, title, priorities, groups, forms = CONCEPTS[concept_index]
    acronym = _acronym(call, coordinator_country, concept_index)
    call_codes = [cp.priority_code for cp in call.priorities]
    codes = [c for c in priorities if c in call_codes] or call_codes[:2]
    goal = GOALS.get(priorities[0], "assist victims of trafficking")
    topic = call.topics[concept_index % len(call.topics)] if call.topics else None
    with _at(start):
        proposal = sections.start_proposal(
            user, call, organisation, topic.id if topic else None, acronym=acronym, title=title
        )

    def save(section: str, data: dict, minutes: int) -> None:
        with _at(start + timedelta(minutes=minutes)):
            sections.save_section(proposal, section, data, user, proposal.version)

    partner_orgs = [orgs.get(c) or orgs[f"demo-{c}"] for c in partners]
    if scenario == "ineligible":
        partner_orgs = partner_orgs[:1] + [orgs["DK"]]  # Denmark does not take part in AMIF
        if call.reference.startswith("ISF"):
            partner_orgs = [orgs["NL-77654321"]]  # a private company: not a funded type
    save(
        "summary",
        {
            "acronym": acronym,
            "title": title,
            "abstract": TEXT["abstract"].format(acronym=acronym, n=len(partners) + 1, goal=goal),
            "topic_id": topic.id if topic else None,
            "duration_months": rng.choice([18, 24, 24, 30])
            if call.max_duration_months > 24
            else 24,
        },
        5,
    )
    if scenario == "draft":
        return proposal
    save(
        "consortium",
        {
            "team": TEXT["team"],
            "partners": [
                {"name": o.name, "country": o.country, "type": o.type.value, "role": "partner"}
                for o in partner_orgs
            ],
        },
        20,
    )
    for partner, org in zip(proposal.partners[1:], partner_orgs, strict=False):
        partner.organisation_id = org.id
    db.session.commit()
    save(
        "relevance",
        {
            "relevance": TEXT["relevance"].format(acronym=acronym, goal=goal),
            "objectives": TEXT["objectives"],
        },
        40,
    )
    save(
        "targets",
        {
            "target_groups": groups,
            "exploitation_forms": forms,
            "countries": sorted({coordinator_country, *partners}),
        },
        50,
    )
    if scenario == "incomplete":
        return proposal
    duration = proposal.duration_months
    ids = [p.id for p in proposal.partners]
    save(
        "workplan",
        {
            "methodology": TEXT["methodology"],
            "work_packages": [
                {"number": 1, "title": "Coordination, monitoring and evaluation",
                 "description": "Steering committee, reporting, data collection by sex and age.",
                 "lead_partner_id": ids[0], "start_month": 1, "end_month": duration,
                 "priorities": []},
                {"number": 2, "title": title.split(":")[0][:120],
                 "description": f"The core of the action: {goal}.",
                 "lead_partner_id": ids[1 % len(ids)], "start_month": 2,
                 "end_month": duration - 1, "priorities": codes},
                {"number": 3, "title": "Training, dissemination and sustainability",
                 "description": "Training of frontline professionals; referral protocols.",
                 "lead_partner_id": ids[-1], "start_month": 6, "end_month": duration,
                 "priorities": codes[-1:]},
            ],
            "items": [
                {"wp_number": 1, "kind": "deliverable", "title": "Monitoring and data plan",
                 "month": 3, "priorities": []},
                {"wp_number": 2, "kind": "activity", "title": "Case management for victims",
                 "month": 4, "priorities": codes},
                {"wp_number": 2, "kind": "milestone", "title": "Shelter places available",
                 "month": 6, "priorities": codes[:1]},
                {"wp_number": 3, "kind": "activity", "title": "Train frontline professionals",
                 "month": 9, "priorities": ["training"] if "training" in call_codes else []},
                {"wp_number": 3, "kind": "deliverable", "title": "Referral protocol",
                 "month": duration - 2, "priorities": codes[:1]},
            ],
        },
        70,
    )  # fmt: skip
    save(
        "priorities",
        {
            "claims": [
                {
                    "code": code,
                    "claimed": True,
                    "justification": f"Work package 2 is built around this priority: {goal}. "
                    "The budget lines and the indicators tagged with it show how.",
                }
                for code in codes
            ]
        },
        80,
    )
    save(
        "results",
        {
            "impact": TEXT["impact"],
            "indicators": [
                {"name": "Victims assisted", "unit": "persons",
                 "target": rng.choice([150, 250, 400]), "by_sex": True, "by_age": True,
                 "priorities": codes[:1]},
                {"name": "Frontline professionals trained", "unit": "persons",
                 "target": rng.choice([120, 300]), "by_sex": True, "by_age": False,
                 "priorities": codes[-1:]},
                {"name": "Shelter places", "unit": "places", "target": rng.choice([12, 20, 30]),
                 "by_sex": False, "by_age": False, "priorities": codes[:1]},
            ],
        },
        90,
    )  # fmt: skip
    # Direct costs around EUR 700 000 so the contribution falls within the range.
    low = call.min_contribution / (call.funding_rate / 100) / Decimal("1.07")
    high = call.max_contribution / (call.funding_rate / 100) / Decimal("1.07")
    direct = (low + (high - low) * Decimal(rng.randint(15, 70)) / 100).quantize(Decimal("1000"))
    if contribution is not None:  # the contribution asked: direct costs plus 6.5 % indirect
        direct = (Decimal(contribution) / (call.funding_rate / 100) / Decimal("1.065")).quantize(
            Decimal("1000")
        )
    shares = [Decimal("0.5")] + [Decimal("0.5") / (len(ids) - 1)] * (len(ids) - 1)
    lines = []
    for pid, share in zip(ids, shares, strict=True):
        part = (direct * share).quantize(Decimal("1"))
        lines += [
            {"partner_id": pid, "category": "staff", "description": "Case workers and "
             "cultural mediators", "amount": part * Decimal("0.7"), "priorities": codes},
            {"partner_id": pid, "category": "travel", "description": "Partner meetings and "
             "outreach", "amount": part * Decimal("0.1"), "priorities": []},
            {"partner_id": pid, "category": "other", "description": "Shelter running costs, "
             "interpretation", "amount": part * Decimal("0.2"), "priorities": codes[:1]},
        ]  # fmt: skip
    rate = Decimal("0.09") if scenario == "inadmissible" else Decimal("0.065")
    lines.append(
        {"partner_id": ids[0], "category": "indirect", "description": "Indirect costs (flat rate)",
         "amount": (direct * rate).quantize(Decimal("1"), rounding=ROUND_DOWN),
         "priorities": []}
    )  # fmt: skip
    save("budget", {"lines": lines}, 110)
    for n, annex in enumerate(call.required_annexes or []):
        with _at(start + timedelta(minutes=120 + n)):
            annexes.add_annex(
                proposal, user, annex["code"], f"{annex['code']}-{acronym}.pdf",
                _pdf(f"{annex['title']} - {acronym}"), proposal.version,
            )  # fmt: skip
    return proposal


def _submit(proposal: Proposal, moment: datetime, token: str):
    user = proposal.organisation.memberships[0].user
    with _at(moment):
        return submitting.submit(proposal, user, token, proposal.version)


def _play(call: Call, plan: list, orgs: dict, rng: random.Random, deadline: datetime,
          manager) -> int:  # fmt: skip
    created = 0
    for index, (country, concept, partners, scenario, *contribution) in enumerate(plan):
        start = max(
            deadline - timedelta(days=40 - index, hours=rng.randint(0, 6)),
            call.opens_at + timedelta(hours=1 + index),
        )
        proposal = _build(
            call, country, concept, partners, scenario, orgs, rng, start, *contribution
        )
        created += 1
        if scenario in ("draft", "incomplete"):
            continue
        token = f"demo-{call.reference}-{proposal.id}"
        first_at = deadline - timedelta(days=rng.randint(2, 10), minutes=rng.randint(1, 600))
        submission = _submit(proposal, first_at, token + "-1")
        user = proposal.organisation.memberships[0].user
        if scenario == "versions":
            with _at(first_at + timedelta(days=1)):
                sections.save_section(
                    proposal, "relevance",
                    {"relevance": proposal.relevance + "\n\nUpdated after the partners' review "
                     "meeting: the referral protocol now covers child victims too.",
                     "objectives": proposal.objectives}, user, proposal.version,
                )  # fmt: skip
            _submit(proposal, first_at + timedelta(days=1, minutes=5), token + "-2")
            if index % 2 == 0:  # a third version in the last minute before the deadline
                with _at(deadline - timedelta(minutes=3)):
                    sections.save_section(
                        proposal, "summary",
                        {"acronym": proposal.acronym, "title": proposal.title + " (final)",
                         "abstract": proposal.abstract, "topic_id": proposal.topic_id,
                         "duration_months": proposal.duration_months}, user, proposal.version,
                    )  # fmt: skip
                _submit(proposal, deadline - timedelta(seconds=1), token + "-3")
        elif scenario == "withdrawn":
            with _at(first_at + timedelta(hours=5)):
                submitting.withdraw(proposal, user, proposal.version)
        elif scenario == "changed":
            with _at(clock.now() if deadline > clock.now() else first_at):
                sections.save_section(
                    proposal, "relevance",
                    {"relevance": proposal.relevance + "\n\n(Draft addition, not yet submitted.)",
                     "objectives": proposal.objectives}, user, proposal.version,
                )  # fmt: skip
        elif scenario == "overridden" or scenario == "confirmed":
            if scenario == "overridden":
                # Make it ineligible on a technicality the manager then overrides.
                with _at(first_at + timedelta(hours=1)):
                    sections.save_section(
                        proposal, "summary",
                        {"acronym": proposal.acronym, "title": proposal.title,
                         "abstract": proposal.abstract, "topic_id": proposal.topic_id,
                         "duration_months": call.max_duration_months + 1},
                        user, proposal.version,
                    )  # fmt: skip
                submission = _submit(proposal, first_at + timedelta(hours=2), token + "-2")
            if deadline < clock.now():
                with _at(deadline + timedelta(days=3)):
                    if scenario == "overridden":
                        programme.decide_checks(
                            submission, manager, "overridden",
                            "The work plan ends in month 36; the extra month is a typing error "
                            "confirmed by the coordinator in writing.", True, True,
                        )  # fmt: skip
                    else:
                        programme.decide_checks(
                            submission,
                            manager,
                            "confirmed",
                            "Checked against the declarations of honour: the result stands.",
                        )
    return created


def load_demo_proposals() -> str:
    """Create the demo proposals unless they exist (judged by their calls); safe to run again."""
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    calls = list(db.session.scalars(select(Call).order_by(Call.deadline_at)))
    by_ref = {c.reference: c for c in calls}
    now = clock.now()
    amif_open = next(
        (c for c in calls if c.reference.startswith("AMIF-") and c.deadline_at > now
         and c.opens_at <= now and c.status == CallStatus.PUBLISHED), None,
    )  # fmt: skip
    plans = [
        (by_ref.get("AMIF-2024-TF2-AG-THB"), PLAN_AMIF_2024),
        (by_ref.get("ISF-2022-TF1-AG-THB"), PLAN_ISF_2022),
        (amif_open, PLAN_AMIF_OPEN),
    ]
    orgs = _partner_organisations()
    rng = random.Random(2021)
    created = 0
    for call, plan in plans:
        if call is None:
            continue
        if db.session.scalar(select(Proposal.id).where(Proposal.call_id == call.id)):
            continue  # this call already has its demo proposals
        deadline = min(call.deadline_at, max(now, call.opens_at) + timedelta(days=59))
        if call.deadline_at > now:
            deadline = now  # an open call: everything happened before today
        with _reopened(call):
            created += _play(call, plan, orgs, rng, deadline, manager)
    created += _top_up(by_ref.get("ISF-2022-TF1-AG-THB"), PLAN_ISF_2022_RANKING, orgs, manager)
    return f"{created} proposals created"


def _top_up(call: Call | None, plan: list, orgs: dict, manager) -> int:
    """Play the entries of `plan` whose proposal (by acronym) the call does not have yet, with
    a random generator of their own: a demo database made before they were added gets them
    too. Only while the call is closed and not yet under evaluation."""
    if call is None or call.status != CallStatus.CLOSED:
        return 0
    existing = set(db.session.scalars(select(Proposal.acronym).where(Proposal.call_id == call.id)))
    missing = [entry for entry in plan if _acronym(call, entry[0], entry[1]) not in existing]
    if not missing:
        return 0
    with _reopened(call):
        return _play(call, missing, orgs, random.Random(2022), call.deadline_at, manager)
