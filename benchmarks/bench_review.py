"""Benchmark of review/: the ranking page, the dashboard, finalising, publishing, the ESR PDF.

Run from the repository root: `python -m benchmarks.bench_review [--proposals N]`.
Builds one closed call with N evaluated proposals (default 500) in a throw-away SQLite file,
writes the figures into benchmarks/RESULTS.md (section "## review") and prints them.
`--profile` also prints where a ranking build spends its time (cProfile).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import hashlib
import os
import platform
import pstats
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlalchemy import event, func, insert, select, text

from benchmarks.bench_scoring import cpu_model, traced_peak

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PASSWORD = "correct-horse-battery-staple"
NO_LOGIN = "!no-login"  # a password hash no password matches: these users never log in

# Sentences of the EU Strategy on Combatting Trafficking in Human Beings 2021-2025,
# COM(2021) 171 final, as applicants quote them in their proposals.
STRATEGY = (
    "Trafficking in human beings is a serious and complex crime, which mostly affects women "
    "and children.",
    "Almost every fourth victim of trafficking in the EU is a child.",
    "The data at the EU level highlights the gender dimension of the crime.",
    "Trafficking for sexual exploitation, the most prevalent form of exploitation, is a form "
    "of gender-based violence, rooted in gender inequalities.",
    "Several factors increase the vulnerability of women and girls to trafficking, including "
    "gender inequality, poverty, social exclusion, ethnicity and discrimination.",
    "Early identification of victims is crucial to promptly assist, support and protect "
    "victims of trafficking in human beings.",
    "The proactive early identification of victims must be followed by strong support in "
    "addressing victims' needs.",
    "Safe shelters are needed for children, women and men.",
    "Same-sex shelters that also provide trauma-focussed support can effectively help "
    "victims' recovery.",
    "Cases involving child victims of trafficking require trained officials who are aware of "
    "the particular vulnerabilities of child victims.",
    "Children are at particular risk of falling victim to traffickers online.",
    "During the Covid-19 pandemic, traffickers increasingly moved online for every phase of "
    "trafficking.",
    "Traffickers moved to a new business model of online recruitment and exploitation of "
    "victims, making it more difficult for law enforcement and the judiciary to respond.",
    "The low numbers of prosecutions and convictions of traffickers still mean that "
    "trafficking is a low-risk and high-profit crime.",
    "To break the trafficking chain, a robust criminal justice response is crucial in order "
    "to carry out effective investigations, prosecution and convictions.",
    "The criminal justice response to trafficking for labour exploitation should be strengthened.",
    "This includes the systematic use of financial investigations in law enforcement "
    "investigations.",
    "Reducing demand in an effective way is essential to deprive traffickers of their "
    "financial gain and thus ensure that the crime does not pay.",
    "On the demand side, businesses, employers, users and consumers benefit from the "
    "exploitation of victims through services, labour and products.",
    "Member States have established referral mechanisms aimed at the early identification, "
    "assistance to and support for victims.",
    "The involvement of civil society organisations in the identification of victims and their "
    "referral for support is a challenge, just as the lack of training of professionals in "
    "cross-border victims' support cases.",
    "Promote gender sensitive and child rights based training for officers and all "
    "practitioners likely to come into contact with victims.",
    "Prevention and awareness-raising activities on the safe use of the internet and social "
    "media could further contribute to mitigating the risk of child trafficking.",
    "Improving data recording and data reporting on victims, their nationality, gender, age "
    "and forms of exploitation will help better target and inform policies.",
    "Transnational referral mechanisms can facilitate victims' access to their rights in "
    "cross-border cases.",
    "Nearly half of the victims of trafficking within the European Union are EU nationals.",
    "Women and children are at the centre of this commitment.",
)
PROJECT = (
    "The coordinator chairs a steering committee of all partners that meets every quarter.",
    "Each partner leads the work package closest to its expertise.",
    "Risks such as staff turnover, the safety of victims and data protection are reviewed at "
    "each meeting of the steering committee.",
    "Indicators are collected every six months and reported to the programme.",
    "The partners have worked together in two earlier projects funded by the Union.",
    "Case managers, cultural mediators and lawyers work in mixed teams.",
    "A mid-term review checks progress against the targets and adapts the work plan.",
    "The tools are published under an open licence so that other organisations can use them.",
    "The budget is proportionate to the expected outputs and outcomes.",
    "National rapporteurs and equivalent mechanisms are invited to the final conference.",
    "The methodology combines desk research, interviews, case studies and field visits.",
    "Volunteers receive supervision and psychological support throughout the action.",
    "Local authorities co-finance the running costs after the end of the project.",
)
FRAMES = (
    "Particular attention goes to {p}.",
    "The partners have long experience with {p} in their countries.",
    "Our needs assessment shows gaps in {p}.",
    "Staff are trained on {p} before their first contact with victims.",
    "The second work package is built around {p}.",
    "Regional authorities asked the consortium to strengthen {p}.",
)
WORDS = (
    "SAFE", "ROUTE", "SHIELD", "HAVEN", "EARLY", "BRIDGE", "TRACE", "VOICE", "LINK", "REACH",
    "GUARD", "HOME", "FIELD", "SIGNAL", "ANCHOR", "BEACON", "CIRCLE", "DAWN", "FORWARD", "HOPE",
)  # fmt: skip
ORG_KINDS = (
    ("ngo", "Association against Trafficking"),
    ("ngo", "Victim Support Centre"),
    ("public_authority", "National Referral Office"),
    ("local_regional_authority", "City Social Services"),
    ("research", "Institute of Criminology"),
    ("international_organisation", "Regional Migration Office"),
)
TARGET_GROUPS = (
    "women", "girls", "men", "boys", "children", "unaccompanied-minors", "roma",
    "third-country-nationals", "asylum-seekers", "frontline-professionals", "law-enforcement",
    "labour-inspectors", "social-workers", "employers", "online-platforms", "general-public",
)  # fmt: skip
FORMS = ("sexual", "labour", "begging", "criminal-activities", "forced-marriage")
INDICATORS = (
    ("Victims assisted", "persons", True, True),
    ("Frontline professionals trained", "persons", True, False),
    ("Shelter places available", "places", False, False),
    ("Children referred to guardianship services", "persons", True, True),
    ("Labour inspections with a trafficking component", "inspections", False, False),
    ("People reached by the awareness campaign", "persons", True, True),
    ("Joint investigations supported", "cases", False, False),
)
WORK_PACKAGES = (
    "Coordination, monitoring and evaluation",
    "Identification and referral of victims",
    "Assistance, shelter and re-integration",
    "Training of frontline professionals",
    "Awareness raising and dissemination",
)
COMMENTS = (
    "The proposal sets out a credible referral mechanism between shelters, labour inspectors "
    "and the police, and its indicators are broken down by sex and age.",
    "The needs analysis relies on national data from 2019; more recent figures on "
    "third-country national victims would have made the case stronger.",
    "The work plan is coherent, but the link between the training activities and the expected "
    "number of victims identified is not explained.",
    "The consortium brings shelter management, legal counselling and research together; the "
    "division of tasks between partners is clear.",
    "The budget is proportionate, although the travel costs of the second partner look high "
    "for the number of meetings foreseen.",
    "Sustainability rests on co-financing by the local authorities, which is documented by "
    "letters of support in the annexes.",
    "The gender-specific approach is convincing; the child-sensitive approach is mentioned "
    "but not translated into concrete activities.",
    "Risks are identified and mitigation measures are foreseen, including for the safety of "
    "victims and of staff.",
)
CALL_PRIORITIES = {
    "non-eu-victims": Decimal(3),
    "gender": Decimal(2),
    "child": Decimal(2),
    "shelters": Decimal(1),
    "early-identification": Decimal(1),
    "labour": Decimal(1),
    "training": Decimal(1),
}
TOPICS = (
    ("PROTECT", "Assistance, protection and re-integration of victims", Decimal("12000000")),
    ("JUSTICE", "Criminal justice response and reducing demand", Decimal("8000000")),
)
TOPIC_SHARE = 0.6  # of the proposals go to the first topic


# Generation (not timed) --------------------------------------------------------------------


def eu_countries() -> tuple[str, ...]:
    """The EU-27 without Denmark (not in AMIF), from `Country.eu_member`."""
    from grants.taxonomy.services import eu_members

    return tuple(sorted(eu_members() - {"DK"}))


def make_phrases() -> list[str]:
    import scoring

    descriptors = scoring.load_descriptors()
    forms = []
    for code in CALL_PRIORITIES:
        for phrase in descriptors[code].phrases:
            forms.extend(f.replace("*", "") for f in phrase.forms)
    return sorted(set(forms))


def make_text(rng: random.Random, size: int, phrases: list[str]) -> str:
    """Proposal prose of about `size` characters: strategy quotes, priority phrases framed
    as applicants write them, and plain project language, in paragraphs."""
    out, length, in_paragraph = [], 0, 0
    while length < size:
        r = rng.random()
        if r < 0.3:
            sentence = rng.choice(STRATEGY)
        elif r < 0.6:
            sentence = rng.choice(FRAMES).format(p=rng.choice(phrases))
        else:
            sentence = rng.choice(PROJECT)
        in_paragraph += 1
        if in_paragraph > rng.randint(3, 6):
            sentence = "\n\n" + sentence
            in_paragraph = 0
        out.append(sentence)
        length += len(sentence) + 1
    return " ".join(out).replace(" \n\n", "\n\n")


def comment(rng: random.Random) -> str:
    return " ".join(rng.sample(COMMENTS, rng.randint(2, 4)))


# Characters of each free text of a generated proposal (another text field gets 500).
TEXT_SIZES = {
    "abstract": 600,
    "relevance": 2000,
    "objectives": 700,
    "methodology": 1500,
    "team": 700,
    "impact": 1000,
}


def snapshot_content(i, rng, phrases, call, topic, organisation, acronym, contribution):
    """A submission's content, built as a grants.proposals.snapshot.Snapshot."""
    from grants.proposals import snapshot as snap

    codes = list(CALL_PRIORITIES)
    claimed = rng.sample(codes, rng.randint(2, 4))
    partners = [
        snap.PartnerEntry(
            0,
            organisation["id"],
            organisation["name"],
            organisation["country"],
            organisation["type"],
            "coordinator",
        )
    ]
    for k in range(rng.randint(1, 4)):
        kind, name = rng.choice(ORG_KINDS)
        country = rng.choice(eu_countries())
        partners.append(
            snap.PartnerEntry(k + 1, None, f"{name} {country}-{i}-{k}", country, kind, "partner")
        )
    duration = rng.choice([18, 24, 24, 30, 36])
    work_packages = []
    for number, title in enumerate(WORK_PACKAGES[: rng.randint(3, 5)], 1):
        items = []
        for kind in ("activity", "deliverable", "activity", "milestone")[: rng.randint(2, 4)]:
            items.append(
                snap.ItemEntry(
                    kind,
                    f"{title.split(',')[0]}: {kind} {len(items) + 1}",
                    make_text(rng, 120, phrases),
                    rng.randint(1, duration),
                    tuple(rng.sample(claimed, rng.randint(0, 1))),
                )
            )
        work_packages.append(
            snap.WorkPackageEntry(
                number,
                title,
                make_text(rng, 300, phrases),
                partners[(number - 1) % len(partners)].name,
                1,
                duration,
                tuple(rng.sample(claimed, rng.randint(0, 2))),
                tuple(items),
            )
        )
    # Direct costs and 6.5 % indirect costs whose 90 % is the EU contribution asked for.
    total = (contribution / Decimal("0.9")).quantize(Decimal("0.01"))
    direct = (total / Decimal("1.065")).quantize(Decimal("0.01"))
    indirect = total - direct
    lines, left = [], direct
    shares = [Decimal("0.5")] + [Decimal("0.5") / (len(partners) - 1)] * (len(partners) - 1)
    for p, share in zip(partners, shares, strict=True):
        part = (direct * share).quantize(Decimal("0.01"))
        for category, fraction, description in (
            ("staff", Decimal("0.7"), "Case workers, cultural mediators and lawyers"),
            ("travel", Decimal("0.1"), "Partner meetings and outreach visits"),
            ("other", Decimal("0.2"), "Shelter running costs and interpretation"),
        ):
            amount = (part * fraction).quantize(Decimal("0.01"))
            left -= amount
            priorities = tuple(rng.sample(claimed, rng.randint(0, 1)))
            lines.append(snap.BudgetLineEntry(p.name, category, description, amount, priorities))
    first = lines[0]
    lines[0] = snap.BudgetLineEntry(  # rounding into staff
        first.partner, first.category, first.description, first.amount + left, first.priorities
    )
    lines.append(
        snap.BudgetLineEntry(
            partners[0].name, "indirect", "Indirect costs (flat rate)", indirect, ()
        )
    )
    return snap.Snapshot(
        call=snap.CallRef(call.reference, call.title),
        topic=snap.TopicRef(topic.code, topic.title),
        organisation=snap.OrganisationRef(
            organisation["id"], organisation["name"], organisation["country"]
        ),
        acronym=acronym,
        title=f"{acronym}: {rng.choice(STRATEGY)[:200]}",
        duration_months=duration,
        texts={name: make_text(rng, TEXT_SIZES.get(name, 500), phrases) for name in snap.TEXTS},
        partners=tuple(partners),
        target_groups=tuple(rng.sample(TARGET_GROUPS, rng.randint(2, 5))),
        exploitation_forms=tuple(rng.sample(FORMS, rng.randint(1, 3))),
        countries=tuple(sorted({p.country for p in partners})),
        claims=tuple(
            snap.ClaimEntry(code, make_text(rng, 250, phrases)) for code in sorted(claimed)
        ),
        work_packages=tuple(work_packages),
        indicators=tuple(
            snap.IndicatorEntry(
                name,
                unit,
                Decimal(f"{rng.randint(20, 800)}.00"),
                by_sex,
                by_age,
                tuple(rng.sample(claimed, rng.randint(0, 1))),
            )
            for name, unit, by_sex, by_age in rng.sample(INDICATORS, rng.randint(3, 5))
        ),
        budget=snap.BudgetEntry(
            tuple(lines), direct, indirect, total, total, Decimal("90.00"), contribution
        ),
        annexes=tuple(
            snap.AnnexEntry(
                kind,
                f"{kind}-{acronym}.pdf",
                rng.randint(40_000, 900_000),
                hashlib.sha256(f"{kind}{i}".encode()).hexdigest(),
            )
            for kind in ("budget", "partner-declarations")
        ),
    )


CHECKS = [
    {"code": code, "section": section, "kind": kind, "ok": True, "message": message, "anchor": ""}
    for code, section, kind, message in (
        ("complete", "summary", "admissibility", "Every section is complete."),
        ("indirect", "budget", "admissibility", "Indirect costs are at most 7 %."),
        ("annexes", "annexes", "admissibility", "Every required annex is attached."),
        ("duration", "summary", "eligibility", "The duration is within the maximum."),
        ("coordinator", "consortium", "eligibility", "The coordinator's country takes part."),
        ("contribution", "budget", "eligibility", "The EU contribution is within the range."),
    )
]


def scores_on_steps(rng: random.Random, criteria, share: float) -> dict[int, Decimal]:
    """Points per criterion id around `share` of each maximum, on the allowed steps."""
    out = {}
    for c in criteria:
        value = Decimal(str(max(0.0, min(1.0, share + rng.gauss(0, 0.07))))) * c.max_points
        steps = (value / c.step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        out[c.id] = min(steps * c.step, c.max_points)
    return out


def generate(n: int, seed: int, reference: str = "AMIF-2025-THB-BENCH", manager=None) -> dict:
    """One closed call with `n` submitted, admissible proposals, each with three submitted
    evaluations and an approved consensus report; direct inserts, one commit. Called again
    with another `reference` (and the first call's `manager`), it adds a further call beside
    the ones already there (benchmarks/bench_pages.py builds a programme that way)."""
    from grants import clock
    from grants.accounts.models import Membership, Organisation, RoleName, User, user_roles
    from grants.accounts.services import create_user, get_role
    from grants.calls.models import (
        DEFAULT_CRITERIA,
        DEFAULT_REQUIRED_ANNEXES,
        DEFAULT_SECTION_LIMITS,
        Call,
        CallPriority,
        CallStatus,
        Criterion,
        Topic,
    )
    from grants.extensions import db
    from grants.proposals.models import Proposal, ProposalStatus, Submission
    from grants.proposals.snapshot import content_hash, listed, read_snapshot
    from grants.review.models import (
        Assignment,
        AssignmentState,
        ConflictDeclaration,
        ConflictKind,
        ConsensusReport,
        ConsensusScore,
        ConsensusState,
        Evaluation,
        EvaluationScore,
        EvaluationState,
    )
    from grants.taxonomy.models import Fund

    rng = random.Random(seed)
    phrases = make_phrases()
    now = clock.now().replace(microsecond=0)
    deadline = now - timedelta(days=45)
    if manager is None:
        manager = create_user(
            "manager@bench.example.org",
            "Bench Programme Manager",
            PASSWORD,
            [RoleName.PROGRAMME_MANAGER],
            confirmed=True,
        )
    call = Call(
        reference=reference,
        title="Protecting, supporting and empowering victims of trafficking in human beings",
        fund_id=db.session.scalar(select(Fund.id).where(Fund.code == "AMIF")),
        description="Benchmark call in line with the EU Strategy on Combatting Trafficking in "
        "Human Beings 2021-2025.",
        status=CallStatus.CLOSED,
        opens_at=deadline - timedelta(days=90),
        deadline_at=deadline,
        published_at=deadline - timedelta(days=90),
        total_budget=sum(t[2] for t in TOPICS),
        min_contribution=Decimal("250000"),
        max_contribution=Decimal("1000000"),
        funding_rate=Decimal("90"),
        max_duration_months=36,
        eligible_org_types=[k for k, _ in ORG_KINDS],
        coordinator_countries=list(eu_countries()),
        partner_countries=list(eu_countries()),
        section_limits=dict(DEFAULT_SECTION_LIMITS),
        required_annexes=[dict(a) for a in DEFAULT_REQUIRED_ANNEXES],
        selection_policy="skip",
        reserve_size=5,
        evaluators_per_proposal=3,
        created_by_id=manager.id,
    )
    for position, (code, title, budget) in enumerate(TOPICS):
        call.topics.append(Topic(code=code, title=title, budget=budget, position=position))
    for position, c in enumerate(DEFAULT_CRITERIA):
        call.criteria.append(
            Criterion(
                code=c["code"],
                label=c["label"],
                description=c["description"],
                max_points=Decimal(c["max_points"]),
                threshold=Decimal(c["threshold"]),
                step=Decimal("0.5"),
                min_comment_length=200,
                position=position,
            )
        )
    for position, (code, weight) in enumerate(CALL_PRIORITIES.items()):
        call.priorities.append(CallPriority(priority_code=code, weight=weight, position=position))
    db.session.add(call)
    db.session.flush()
    criteria = list(call.criteria)

    def insert_rows(model, rows):
        if rows:
            db.session.execute(insert(model.__table__), rows)

    def next_id(model) -> int:
        return (db.session.scalar(select(func.max(model.id))) or 0) + 1

    tag = reference.lower()
    user_id = next_id(User)
    org_base = next_id(Organisation) - 1
    proposal_base = next_id(Proposal) - 1
    submission_base = next_id(Submission) - 1
    evaluation_id = max(next_id(Assignment), next_id(Evaluation))
    report_base = next_id(ConsensusReport) - 1
    evaluators = []
    users, roles = [], []
    evaluator_role = get_role(RoleName.EVALUATOR).id
    applicant_role = get_role(RoleName.APPLICANT).id
    for k in range(max(12, n // 7)):  # about 21 assignments each
        users.append(
            {
                "id": user_id,
                "email": f"evaluator{k}.{tag}@experts.example.org",
                "full_name": f"Evaluator {k:03d}",
                "password_hash": NO_LOGIN,
                "confirmed_at": now,
            }
        )
        roles.append({"user_id": user_id, "role_id": evaluator_role})
        evaluators.append(user_id)
        user_id += 1
    organisations, memberships, proposals, submissions = [], [], [], []
    assignments, declarations, evaluations, evaluation_scores = [], [], [], []
    reports, report_scores = [], []
    mails = 0
    for i in range(n):
        topic = call.topics[0] if rng.random() < TOPIC_SHARE else call.topics[1]
        kind, name = rng.choice(ORG_KINDS)
        country = rng.choice(eu_countries())
        pid = proposal_base + i + 1
        sid = submission_base + i + 1
        rid = report_base + i + 1
        org = {
            "id": org_base + i + 1,
            "name": f"{name} {country} {i:04d}",
            "type": kind,
            "country": country,
            "registration_number": f"REG-{org_base + i + 1:07d}",
        }
        organisations.append(org)
        contacts = 2 if i % 2 == 0 else 1  # half the organisations name a legal contact too
        submitter = user_id
        for c in range(contacts):
            users.append(
                {
                    "id": user_id,
                    "email": f"applicant{i}-{c}@org{i}.{tag}.example.org",
                    "full_name": f"Applicant {i} {c}",
                    "password_hash": NO_LOGIN,
                    "confirmed_at": now,
                }
            )
            roles.append({"user_id": user_id, "role_id": applicant_role})
            memberships.append(
                {"user_id": user_id, "organisation_id": org["id"], "is_contact": True}
            )
            user_id += 1
        mails += contacts
        acronym = f"{rng.choice(WORDS)}-{i:04d}"
        contribution = Decimal(rng.randrange(250_000, 1_000_001, 500))
        taken = snapshot_content(i, rng, phrases, call, topic, org, acronym, contribution)
        content = taken.as_json()
        submitted_at = deadline - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 900))
        proposals.append(
            {
                "id": pid,
                "call_id": call.id,
                "topic_id": topic.id,
                "organisation_id": org["id"],
                "created_by_id": submitter,
                "status": ProposalStatus.SUBMITTED,
                "acronym": acronym,
                "title": taken.title[:300],
                "duration_months": taken.duration_months,
                "version": 1,
            }
        )
        submissions.append(
            {
                "id": sid,
                "reference": f"{call.reference}-{i + 1:06d}-V1",
                "proposal_id": pid,
                "call_id": call.id,
                "version": 1,
                "submitted_at": submitted_at,
                "submitted_by_id": submitter,
                "content": content,
                "sha256": content_hash(content),
                "idempotency_key": f"bench-{tag}-{seed}-{i:06d}",
                "checks": CHECKS,
                **listed(taken, CHECKS),  # as submitting.submit writes them
                "admissible": True,
                "eligible": True,
                "eu_contribution": contribution,
                "is_current": True,
            }
        )
        # Quality of the proposal; one evaluator in eight disagrees strongly.
        quality = rng.betavariate(6, 3)
        panel = rng.sample(evaluators, 3)
        given = []
        for e in panel:
            share = quality + rng.gauss(0, 0.04)
            if rng.random() < 0.125:
                share += rng.choice((-0.3, 0.3))
            points = scores_on_steps(rng, criteria, share)
            given.append(points)
            assigned = deadline + timedelta(days=3)
            assignments.append(
                {
                    "id": evaluation_id,
                    "call_id": call.id,
                    "proposal_id": pid,
                    "submission_id": sid,
                    "evaluator_id": e,
                    "state": AssignmentState.ACTIVE,
                    "assigned_by_id": manager.id,
                    "assigned_at": assigned,
                    "due_at": assigned + timedelta(days=21),
                }
            )
            declarations.append(
                {
                    "assignment_id": evaluation_id,
                    "kind": ConflictKind.NONE,
                    "declared_at": assigned + timedelta(days=1),
                }
            )
            done = assigned + timedelta(days=rng.randint(2, 20))
            evaluations.append(
                {
                    "id": evaluation_id,
                    "assignment_id": evaluation_id,
                    "state": EvaluationState.SUBMITTED,
                    "created_at": done - timedelta(days=1),
                    "updated_at": done,
                    "submitted_at": done,
                    "version": 2,
                }
            )
            for c in criteria:
                evaluation_scores.append(
                    {
                        "evaluation_id": evaluation_id,
                        "criterion_id": c.id,
                        "points": points[c.id],
                        "comment": comment(rng),
                    }
                )
            evaluation_id += 1
        agreed = deadline + timedelta(days=30)
        reports.append(
            {
                "id": rid,
                "call_id": call.id,
                "proposal_id": pid,
                "submission_id": sid,
                "rapporteur_id": panel[0],
                "state": ConsensusState.APPROVED,
                "comment": comment(rng),
                "appointed_at": agreed - timedelta(days=5),
                "appointed_by_id": manager.id,
                "updated_at": agreed,
                "submitted_at": agreed,
                "approved_at": agreed + timedelta(days=1),
                "approved_by_id": manager.id,
                "version": 3,
            }
        )
        for c in criteria:
            mean = sum(p[c.id] for p in given) / 3
            steps = (mean / c.step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            steps += rng.choice((0, 0, 0, -1, 1))  # the panel moves a little from the mean
            points = max(Decimal(0), min(steps * c.step, c.max_points))
            report_scores.append(
                {
                    "report_id": rid,
                    "criterion_id": c.id,
                    "points": points,
                    "comment": comment(rng),
                }
            )
    insert_rows(Organisation, organisations)
    db.session.execute(insert(User.__table__), users)
    db.session.execute(insert(user_roles), roles)
    insert_rows(Membership, memberships)
    insert_rows(Proposal, proposals)
    insert_rows(Submission, submissions)
    insert_rows(Assignment, assignments)
    insert_rows(ConflictDeclaration, declarations)
    insert_rows(Evaluation, evaluations)
    insert_rows(EvaluationScore, evaluation_scores)
    insert_rows(ConsensusReport, reports)
    insert_rows(ConsensusScore, report_scores)
    if db.engine.dialect.name == "postgresql":  # explicit ids leave the sequences behind
        tables = (Organisation, User, Proposal, Submission, Assignment, Evaluation, ConsensusReport)
        for model in tables:
            table = f'"{model.__table__.name}"'  # "user" is a reserved word
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            db.session.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table}"))
    db.session.commit()
    text_bytes = sum(
        len(
            "".join(c.texts.values())
            + "".join(
                wp.description + "".join(x.description for x in wp.items) for wp in c.work_packages
            )
        )
        for c in (read_snapshot(s["content"]) for s in submissions)
    )
    return {
        "call_id": call.id,
        "manager_id": manager.id,
        "topics": {t.code: t.budget for t in call.topics},
        "mean_text_kb": text_bytes / n / 1000,
        "evaluators": len(evaluators),
        "mails": mails,
    }


# Measuring ----------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements the engine runs (an executemany counts once)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args):
        self.count += 1


class Sink:
    """Where the console mail backend prints: counted, never shown."""

    def __init__(self):
        self.chars = 0
        self.messages = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.messages += text.count("----- mail -----")
        return len(text)

    def flush(self) -> None:
        pass


_START = time.perf_counter()


def say(what: str) -> None:
    """Progress on stderr, so a run of a few minutes shows where it is."""
    print(f"[{time.perf_counter() - _START:5.0f} s] {what}", file=sys.stderr, flush=True)


def best_of(runs: int, setup, fn, statements: Statements) -> tuple[float, int, object]:
    """Fastest of `runs` timed calls of fn() (each after an untimed setup()), with the number
    of SQL statements of that run and its result."""
    best = (float("inf"), 0, None)
    for _ in range(runs):
        setup()
        gc.collect()
        before = statements.count
        start = time.perf_counter()
        result = fn()
        spent = time.perf_counter() - start
        if spent < best[0]:
            best = (spent, statements.count - before, result)
    return best


def gc_on_and_off(app, client, call_id: int, runs: int, fresh, statements: Statements) -> dict:
    """The call-wide pages with Python's collector as it comes and as the web process tunes it
    (grants.gctuning), interleaved run by run: the best time of each, the share of that run
    spent in collections (gc.callbacks) and its SQL statements."""
    from grants import gctuning

    pages = {
        "Evaluation dashboard": f"/manage/calls/{call_id}/evaluation",
        "Submissions list": f"/calls/{call_id}/submissions",
        "Ranking page": f"/manage/calls/{call_id}/ranking",
    }
    in_gc = [0.0, 0.0]  # the total, the start of the collection under way

    def clock(phase: str, _info: dict) -> None:
        if phase == "start":
            in_gc[1] = time.perf_counter()
        else:
            in_gc[0] += time.perf_counter() - in_gc[1]

    gc.callbacks.append(clock)
    figures: dict = {}
    try:
        for name, url in pages.items():
            best: dict = {}
            for _ in range(runs):
                for mode in ("default", "tuned"):
                    gctuning.untune()
                    if mode == "tuned":
                        gctuning.tune(app)
                    fresh()
                    gc.collect()
                    in_gc[0], before = 0.0, statements.count
                    start = time.perf_counter()
                    with app.app_context():
                        response = client.get(url)
                    spent = time.perf_counter() - start
                    assert response.status_code == 200, (url, response.status_code)
                    if spent < best.get(mode, (float("inf"),))[0]:
                        best[mode] = (spent, in_gc[0] / spent, statements.count - before)
            figures[name] = best
    finally:
        gc.callbacks.remove(clock)
        gctuning.untune()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measure")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--profile", action="store_true", help="print cProfile of a build")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        figures = run(Path(tmp), args)
    figures["wall"] = time.perf_counter() - started
    figures["max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB
    section = report(args, figures, load_before)
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"written to {RESULTS}")
    if figures["build_warm"][0] >= 2 or figures["publish"][0] >= 10:
        print("a target was missed", file=sys.stderr)


def run(tmp: Path, args) -> dict:
    from grants import create_app
    from grants.extensions import db

    database = tmp / "bench.sqlite"
    app = create_app(
        {
            "SECRET_KEY": "bench-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            # Console mail, printed into a Sink: nothing leaves, nothing floods the terminal.
            "GRANTS_MAIL_BACKEND": "console",
            "GRANTS_MAIL_CONSOLE": "full",  # one "----- mail -----" block per message, counted
            "GRANTS_BASE_URL": "http://localhost",
            "GRANTS_UPLOAD_DIR": str(tmp / "uploads"),
            "WTF_CSRF_ENABLED": False,  # the page measure logs in through the form
            "SERVER_NAME": None,
        }
    )
    app.instance_path = str(tmp / "instance")  # the ESR PDF cache goes there
    with app.app_context():
        db.create_all()
        from grants.taxonomy.services import load_reference_data

        load_reference_data(app.config["GRANTS_SEED_DIR"])
        db.session.remove()
        say(f"generating {args.proposals} evaluated proposals")
        t0 = time.perf_counter()
        data = generate(args.proposals, args.seed)
        data["generation"] = time.perf_counter() - t0
        db.session.remove()
        data["db_mb"] = database.stat().st_size / 2**20
        return measure(app, database, tmp, data, args)


def measure(app, database: Path, tmp: Path, data: dict, args) -> dict:
    from grants.accounts.models import User
    from grants.calls.models import Call
    from grants.extensions import db
    from grants.notifications import services as notifications
    from grants.notifications.models import OutboxMessage, OutboxStatus
    from grants.proposals.models import Submission
    from grants.review import alignment as stored_alignment
    from grants.review import evaluation, progress, ranking, reports
    from grants.review.models import ResultLetter

    statements = Statements(db.engine)
    runs = args.runs
    call_id, manager_id = data["call_id"], data["manager_id"]
    out = dict(data)

    def fresh():
        """A new request: an empty session (identity map), so every row is read again."""
        db.session.remove()

    def call():
        return db.session.get(Call, call_id)

    def clear_alignment(everything: bool = False):
        evaluation._results.clear()
        if everything:
            stored_alignment._aligners.clear()
            stored_alignment._descriptors = None

    def snapshot(name: str) -> Path:
        fresh()
        db.engine.dispose()
        path = tmp / f"{name}.sqlite"
        shutil.copyfile(database, path)
        return path

    def restore(path: Path) -> None:
        fresh()
        db.engine.dispose()
        shutil.copyfile(path, database)

    evaluated = snapshot("evaluated")

    # The ranking: first in the process, cold alignment cache, warm, what-if.
    say("ranking builds")

    def first():
        fresh()
        clear_alignment(everything=True)

    out["build_first"] = best_of(1, first, lambda: ranking.build(call()), statements)
    view = out["build_first"][2]
    out["ranked"] = sum(len(t.selected) + len(t.reserve) + len(t.not_selected) for t in view.topics)
    out["selected"] = sum(len(t.selected) for t in view.topics)
    out["below"] = sum(len(t.below_threshold) for t in view.topics)

    def cold():
        fresh()
        clear_alignment()

    out["build_cold"] = best_of(runs, cold, lambda: ranking.build(call()), statements)
    out["build_warm"] = best_of(runs + 2, fresh, lambda: ranking.build(call()), statements)
    what_if = {
        code: (budget * Decimal(factor)).quantize(Decimal("0.01"))
        for (code, budget), factor in zip(data["topics"].items(), ("1.5", "0.5"), strict=True)
    }
    out["what_if_budgets"] = what_if
    out["build_what_if"] = best_of(runs, fresh, lambda: ranking.build(call(), what_if), statements)
    out["what_if_selected"] = len(out["build_what_if"][2].what_if.selection.selected_ids)

    # The whole ranking page as a programme manager gets it (warm alignment cache).
    say("ranking page and dashboard")
    client = app.test_client()
    with app.app_context():
        manager_email = db.session.get(User, manager_id).email
        response = client.post("/login", data={"email": manager_email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def page():
        with app.app_context():  # its own session, as a request has
            response = client.get(f"/manage/calls/{call_id}/ranking")
        assert response.status_code == 200, response.status_code
        return len(response.data)

    out["page"] = best_of(runs, fresh, page, statements)
    out["gc"] = gc_on_and_off(app, client, call_id, runs, fresh, statements)
    out["dashboard"] = best_of(runs, fresh, lambda: progress.dashboard(call()), statements)

    # Cost profile of one warm and one cold build, on request.
    if args.profile:
        for label, setup in (("warm", fresh), ("cold", cold)):
            setup()
            profiler = cProfile.Profile()
            profiler.runcall(lambda: ranking.build(call()))
            print(f"\n--- cProfile of ranking.build, {label} alignment cache ---")
            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats("tottime").print_stats(18)
            stats.sort_stats("cumulative").print_stats(30)

    # Memory of one build (warm, then cold), traced apart from the timings.
    say("traced memory")
    fresh()
    out["peak_warm"] = traced_peak(lambda: ranking.build(call()))
    cold()
    out["peak_cold"] = traced_peak(lambda: ranking.build(call()))

    # Finalising: build, check the digest, freeze every decision (restored before each run).
    say("finalising")
    fresh()
    digest = ranking.build(call()).digest

    def finalise():
        return ranking.finalise(call(), digest, db.session.get(User, manager_id))

    out["finalise"] = best_of(runs, lambda: restore(evaluated), finalise, statements)
    finalised = snapshot("finalised")

    say("publishing and delivering")

    # Publishing: letters, outbox rows and their delivery jobs in one transaction, in a
    # request as the view runs it; the worker's delivery is measured on its own below.
    def publish():
        with app.test_request_context(f"/manage/calls/{call_id}/ranking/publish", method="POST"):
            return len(ranking.publish_results(call(), db.session.get(User, manager_id)))

    out["publish"] = best_of(runs, lambda: restore(finalised), publish, statements)
    fresh()
    out["letters"] = db.session.scalar(select(func.count(ResultLetter.id)))
    pending = list(
        db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
    )
    out["outbox"] = len(pending)
    sink = Sink()

    def deliver():
        with contextlib.redirect_stderr(sink):
            return notifications.deliver_now()

    out["deliver"] = best_of(1, fresh, deliver, statements)
    out["delivered"] = out["deliver"][2]
    assert sink.messages == out["delivered"], (sink.messages, out["delivered"])

    # The Evaluation Summary Report of the first selected proposal.
    say("evaluation summary report")
    fresh()
    first_selected = next(d for d in ranking.final_ranking(call()).decisions if d["rank"] == 1)
    submission_id = first_selected["submission_id"]
    out["esr_of"] = best_of(
        runs, fresh, lambda: reports.esr_of(db.session.get(Submission, submission_id)), statements
    )
    fresh()  # the report of the best run may belong to a session closed since
    esr = reports.esr_of(db.session.get(Submission, submission_id))
    cache = Path(app.instance_path) / "cache" / "esr"

    def uncached():
        shutil.rmtree(cache, ignore_errors=True)

    out["esr_pdf_first"] = best_of(1, uncached, lambda: reports.esr_pdf(esr), statements)
    out["esr_kb"] = len(out["esr_pdf_first"][2]) / 1000
    out["esr_pdf"] = best_of(runs, uncached, lambda: reports.esr_pdf(esr), statements)
    out["esr_pdf_cached"] = best_of(
        runs + 2, lambda: None, lambda: reports.esr_pdf(esr), statements
    )
    fresh()
    db.engine.dispose()
    return out


# Reporting ----------------------------------------------------------------------------------


def report(args, f: dict, load_before: float) -> str:
    ok = lambda good: "met" if good else "MISSED"  # noqa: E731
    n = args.proposals

    def t(key: str, unit: str = "s") -> str:
        spent, sql, _ = f[key]
        value = f"{spent:.3f} s" if unit == "s" else f"{spent * 1000:.1f} ms"
        return f"{value} ({sql:,} SQL)" if sql else value

    budgets = ", ".join(f"{k} EUR {v:,.0f}" for k, v in f["topics"].items())
    what_if = ", ".join(f"{k} EUR {v:,.0f}" for k, v in f["what_if_budgets"].items())
    rows = [
        (
            "Ranking build, first in the process (descriptors, aligner, alignment)",
            t("build_first"),
            "",
        ),
        ("Ranking build, alignment cache cold", t("build_cold"), ""),
        (
            "**Ranking build, alignment cache warm**",
            f"**{t('build_warm')}**",
            f"< 2 s: {ok(f['build_warm'][0] < 2)}",
        ),
        (f"Ranking build with what-if budgets ({what_if}), warm", t("build_what_if"), ""),
        (
            f"Ranking page GET, warm (build + template, {f['page'][2] / 1000:.0f} KB HTML)",
            t("page"),
            "",
        ),
        ("Evaluation dashboard (`progress.dashboard`)", t("dashboard"), ""),
        ("Finalise the ranking (build, digest, record, audit)", t("finalise"), ""),
        (
            f"**Publish the results** ({f['letters']:,} letters, {f['outbox']:,} outbox rows, "
            "one transaction)",
            f"**{t('publish')}**",
            f"< 10 s: {ok(f['publish'][0] < 10)}",
        ),
        (
            f"Delivery loop after publishing ({f['delivered']:,} messages, console backend, "
            "no SMTP)",
            t("deliver"),
            "",
        ),
        ("ESR data (`reports.esr_of`), one proposal", t("esr_of", "ms"), ""),
        (f"ESR PDF, first render in the process ({f['esr_kb']:.0f} KB)", t("esr_pdf_first"), ""),
        ("ESR PDF, render (not cached)", t("esr_pdf"), ""),
        ("ESR PDF, cached read", t("esr_pdf_cached", "ms"), ""),
        ("Peak traced memory, one ranking build (warm)", f"{f['peak_warm']:.1f} MiB", ""),
        ("Peak traced memory, one ranking build (cold)", f"{f['peak_cold']:.1f} MiB", ""),
        ("Process max RSS (whole benchmark)", f"{f['max_rss']:.0f} MiB", ""),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    gc_rows = "\n".join(
        f"| {name} | {m['default'][0] * 1000:.0f} ms ({m['default'][1]:.0%} in GC) | "
        f"{m['tuned'][0] * 1000:.0f} ms ({m['tuned'][1]:.0%} in GC) | "
        f"{m['default'][0] / m['tuned'][0]:.2f}x | {m['tuned'][2]:,} |"
        for name, m in f["gc"].items()
    )
    return (
        "## review\n\n"
        f"Measured {dt.date.today().isoformat()} by `python -m benchmarks.bench_review` on "
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()}, SQLite; load average {load_before:.2f} when it started (the "
        "machine is shared, so figures taken under load are pessimistic).\n\n"
        f"Input: one closed call with 2 topics ({budgets}), 4 criteria and 7 weighted "
        f"priorities; {n:,} submitted, admissible proposals with snapshot texts of "
        f"{f['mean_text_kb']:.1f} KB on average drawing on the EU Strategy 2021-2025, 2-4 "
        "claims, 3-5 work packages, 7-16 budget lines, target groups and 3-5 indicators; "
        f"3 submitted evaluations each ({f['evaluators']} evaluators, one in eight "
        "disagreeing) and an approved consensus report. Result: "
        f"{f['ranked']:,} above the thresholds, {f['selected']:,} selected "
        f"({f['what_if_selected']:,} with the what-if budgets), {f['below']:,} below a "
        f"threshold. Written by direct inserts in {f['generation']:.1f} s (not timed; "
        f"{f['db_mb']:.0f} MiB database in a temporary directory).\n\n"
        f"Each figure is the best of {args.runs} runs (warm build: {args.runs + 2}), each run "
        "with an empty session as a new request has, with the number of SQL statements of "
        "that run. Alignment cache (`grants.review.evaluation`, per process): *first* loads "
        "the descriptors and builds the aligner, *cold* empties the results, *warm* finds all "
        f"{n:,}. Finalising and publishing run on a copy of the database restored before each "
        "run; publishing runs in a request context with the delivery loop it starts after the "
        "commit left out, which is timed on its own (console backend printing into a counter). "
        "Memory peaks come from separate tracemalloc runs. Whole benchmark "
        f"{f['wall']:.0f} s.\n\n"
        "| Measure | Result | Target |\n| --- | --- | --- |\n"
        f"{table}\n\n"
        "The call-wide pages (GET through the test client, logged in as a programme manager) "
        "with the garbage collector as Python sets it, thresholds "
        f"{gc_thresholds('default')}, and as the web process tunes it (`GRANTS_GC_TUNING`, "
        f"`grants.gctuning`: `gc.freeze()` after start-up, thresholds {gc_thresholds('tuned')}); "
        f"the two alternate run by run, best of {args.runs} each; the share in GC is the time "
        "of the collections (`gc.callbacks`) in that run.\n\n"
        "| Page | collector default | tuned | speed-up | SQL statements |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"{gc_rows}\n"
    )


def gc_thresholds(mode: str) -> str:
    from grants import gctuning

    values = gctuning.DEFAULT_THRESHOLDS if mode == "default" else gctuning.WEB_THRESHOLDS
    return " / ".join(f"{v:,}" for v in values)


def write_results(section: str) -> None:
    """Replace the "## review" section (or append it); the other sections stay as they are."""
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## review\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(previous):
        updated = pattern.sub(lambda _: section + "\n", previous)
        # bench_scoring rewrites its section without the blank line before the next one
        updated = re.sub(r"(?<=[^\n])\n(?=## review\n)", "\n\n", updated)
    else:
        updated = previous.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(updated.rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
