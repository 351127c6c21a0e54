"""The demo evaluator pool and assignments on the demo call past its deadline (idempotent):
profiles for evaluator1-3 and three more evaluators, an automatic assignment on
AMIF-2024-TF2-AG-THB, and declarations (mostly no conflict, one conflict, some pending)."""

from __future__ import annotations

from sqlalchemy import select

from grants.accounts.models import RoleName
from grants.accounts.services import create_user, user_by_email
from grants.calls.models import Call
from grants.extensions import db
from grants.review import services
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


def load_demo_review() -> str:
    """Create the demo evaluators and assignments unless they exist; safe to run again."""
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    created = _evaluators()
    call = db.session.scalar(select(Call).where(Call.reference == CALL))
    if call is None or call.phase not in services.EVALUATION_PHASES:
        return f"{created} evaluators created, no call to assign"
    if db.session.scalar(select(Assignment.id).where(Assignment.call_id == call.id)):
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
    pending = sum(1 for a in assignments if a.state == AssignmentState.PENDING_DECLARATION)
    return (
        f"{created} evaluators created, {len(assignments)} assignments "
        f"({pending} awaiting a declaration)"
    )
