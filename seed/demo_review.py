"""The demo evaluator pool and assignments on the demo call past its deadline (idempotent):
profiles for evaluator1-3 and three more evaluators, an automatic assignment on
AMIF-2024-TF2-AG-THB, and declarations (mostly no conflict, one conflict, some pending)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from grants.accounts.models import RoleName
from grants.accounts.services import create_user, user_by_email
from grants.calls.models import Call
from grants.extensions import db
from grants.review import evaluation, services
from grants.review.models import Assignment, AssignmentState, ConflictKind, EvaluatorProfile
from seed.demo import DEMO_PASSWORD

MANAGER = "manager@thb-demo.eu"
CALL = "AMIF-2024-TF2-AG-THB"

# (e-mail, name or None for an existing demo user, organisation, country, ties, priorities,
#  exploitation forms, languages, countries, maximum load)
EVALUATORS = [
    ("evaluator1@thb-demo.eu", None, "University of Ljubljana", "SI", [],
     ["A4", "child", "shelters"], ["sexual"], ["en", "sl", "hr"], ["SI", "HR"], 8),
    ("evaluator2@thb-demo.eu", None, "Independent consultant", "FR", [],
     ["A3", "online", "labour"], ["labour", "criminal-activities"], ["en", "fr"], ["FR", "BE"], 8),
    ("evaluator3@thb-demo.eu", None, "Nordic Institute of Migration Studies", "FI",
     ["Safe Passage Foundation"], ["A5", "non-eu-victims", "gender"], ["sexual", "labour"],
     ["en", "fi", "sv"], ["FI", "SE"], 8),
    ("evaluator4@thb-demo.eu", "Edda Evaluator", "Universidade de Coimbra", "PT", [],
     ["A4", "gender", "reintegration"], ["sexual", "forced-marriage"], ["en", "pt", "es"],
     ["PT", "ES"], 6),
    ("evaluator5@thb-demo.eu", "Ennio Evaluator", "Former labour inspector", "IT", [],
     ["labour", "A2"], ["labour", "begging"], ["en", "it"], ["IT", "GR"], 6),
    ("evaluator6@thb-demo.eu", "Eliska Evaluator", "Charles University", "CZ", [],
     ["child", "training", "data"], ["sexual", "criminal-activities"], ["en", "cs", "de"],
     ["CZ", "DE"], 6),
]  # fmt: skip


def _evaluators() -> int:
    created = 0
    for (
        email,
        name,
        org,
        country,
        ties,
        priorities,
        forms,
        languages,
        countries,
        load,
    ) in EVALUATORS:
        user = user_by_email(email)
        if user is None:
            user = create_user(
                email, name or email, DEMO_PASSWORD, [RoleName.EVALUATOR], confirmed=True
            )
            created += 1
        if services.profile_of(user) is None:
            db.session.add(
                EvaluatorProfile(
                    user_id=user.id,
                    organisation_name=org,
                    organisation_country=country,
                    recent_ties=ties,
                    priorities=priorities,
                    exploitation_forms=forms,
                    languages=languages,
                    countries=countries,
                    max_load=load,
                )
            )
    db.session.commit()
    return created


COMMENTS = {
    "relevance": "The proposal answers the call's priorities on the early identification and "
    "referral of non-EU victims of trafficking, in line with the EU Strategy 2021-2025. The "
    "needs analysis is grounded in national referral data, though demand reduction is thin.",
    "quality": "The work plan is coherent: work packages follow the referral chain from "
    "outreach to specialised shelters and re-integration. Risks are named with mitigation; "
    "the budget is reasonable, but the monitoring of indicators by sex and age needs detail.",
    "team": "The consortium joins NGOs running shelters with a research partner and a labour "
    "inspectorate contact. Roles are clear and the coordinator has managed AMIF grants; the "
    "cooperation with law enforcement is described but not yet formalised in an agreement.",
    "impact": "Expected results for victims and frontline professionals are concrete and "
    "measurable. Training materials and the referral guide will outlive the project; the "
    "dissemination plan reaches practitioners in three Member States and the national rapporteur.",
}


def _evaluations(assignments: list[Assignment]) -> None:
    """Deterministic drafts and submissions for the first active assignments (idempotent:
    only assignments without an evaluation get one)."""
    active = [a for a in assignments if a.state == AssignmentState.ACTIVE]
    for index, a in enumerate(active[:6]):
        if evaluation.evaluation_of(a) is not None:
            continue
        data = {}
        for position, c in enumerate(a.call.criteria):
            share = Decimal(60 + (index * 7 + position * 11) % 35) / 100
            points = (c.max_points * share / c.step).to_integral_value() * c.step
            comment = COMMENTS.get(c.code, COMMENTS["quality"])
            data[c.id] = {
                "points": str(points),
                "comment": (comment + " " + COMMENTS["relevance"])[
                    : max(len(comment), c.min_comment_length)
                ],
            }
        if index % 3 == 2:  # every third stays a draft
            evaluation.save_draft(a, data, 0, a.evaluator)
        else:
            evaluation.submit_evaluation(a, data, 0, a.evaluator)


def load_demo_review() -> str:
    """Create the demo evaluators and assignments unless they exist; safe to run again."""
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    created = _evaluators()
    call = db.session.scalar(select(Call).where(Call.reference == CALL))
    if call is None or call.phase not in services.EVALUATION_PHASES:
        return f"{created} evaluators created, no call to assign"
    existing = list(db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)))
    if existing:
        _evaluations(sorted(existing, key=lambda a: a.id))
        return f"{created} evaluators created, assignments already there"
    view = services.build_plan(call)
    if not view.plan.pairs:
        return f"{created} evaluators created, nothing to assign"
    assignments = services.apply_plan(call, view.digest, manager)
    # Most declare no conflict, one declares a conflict, the last two have not declared yet.
    for index, a in enumerate(assignments[:-2]):
        if index == 1:
            services.declare(
                a, ConflictKind.PERSONAL, "A former colleague leads a partner.", a.evaluator
            )
        else:
            services.declare(a, ConflictKind.NONE, "", a.evaluator)
    _evaluations(assignments)
    pending = sum(1 for a in assignments if a.state == AssignmentState.PENDING_DECLARATION)
    return (
        f"{created} evaluators created, {len(assignments)} assignments "
        f"({pending} awaiting a declaration)"
    )
