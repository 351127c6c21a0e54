"""The demo evaluation (idempotent, deterministic): the evaluator pool, then two calls.

AMIF-2024-TF2-AG-THB is work in progress: an automatic assignment, declarations (mostly no
conflict, one conflict, some pending), a few evaluations submitted and some drafts, so that
the demo evaluators have work in their queue.

ISF-2022-TF1-AG-THB is ready to be finalised: under evaluation, three evaluators on every
proposal, all declared free of conflict and submitted, with one strong disagreement; a
rapporteur each, consensus reports submitted and approved by the demo manager. Its ranking
cuts both topics' budgets (selected, reserve list, not selected, below a threshold); the
ranking is left for the user to try the what-if budgets and to finalise."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from grants import clock
from grants.accounts.models import RoleName, User
from grants.accounts.services import create_user, user_by_email
from grants.calls.models import Call, CallStatus, Criterion
from grants.calls.services import transition
from grants.extensions import db
from grants.proposals.models import Submission
from grants.review import consensus, evaluation, ranking, services
from grants.review import pool as evaluator_pool
from grants.review.models import (
    Assignment,
    AssignmentState,
    ConflictKind,
    ConsensusState,
    EvaluatorProfile,
)
from seed.demo import DEMO_PASSWORD
from seed.demo_calls import _at

MANAGER = "manager@thb-demo.eu"
CALL = "AMIF-2024-TF2-AG-THB"
RANKING_CALL = "ISF-2022-TF1-AG-THB"

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


# Criminal-justice specialists, who join the pool for the ISF call's evaluation.
SPECIALISTS = [
    ("evaluator7@thb-demo.eu", "Evert Evaluator", "Independent financial crime consultant",
     "NL", [], ["A4.1", "A4.2"], ["sexual", "labour"], ["en", "nl", "de"], ["NL", "BE", "DE"],
     10),
    ("evaluator8@thb-demo.eu", "Egle Evaluator", "Mykolas Romeris University, Law School",
     "LT", [], ["A4.2", "A4.1", "training"], ["labour", "criminal-activities"],
     ["en", "lt", "pl"], ["LT", "PL", "LV"], 10),
    ("evaluator9@thb-demo.eu", "Eamon Evaluator", "University College Dublin, Centre for "
     "Cybersecurity", "IE", [], ["A4.3", "online"], ["sexual", "criminal-activities"],
     ["en", "ga", "fr"], ["IE", "FR"], 10),
]  # fmt: skip


def _evaluators(rows: list[tuple]) -> int:
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
    ) in rows:
        user = user_by_email(email)
        if user is None:
            user = create_user(
                email, name or email, DEMO_PASSWORD, [RoleName.EVALUATOR], confirmed=True
            )
            created += 1
        if evaluator_pool.profile_of(user) is None:
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


def _work_in_progress(manager: User) -> str:
    """The AMIF call: assignments, declarations of every kind, a few evaluations."""
    call = db.session.scalar(select(Call).where(Call.reference == CALL))
    if call is None or call.phase not in services.EVALUATION_PHASES:
        return f"{CALL}: no call to assign"
    existing = list(db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)))
    if existing:
        _evaluations(sorted(existing, key=lambda a: a.id))
        return f"{CALL}: assignments already there"
    view = services.build_plan(call)
    if not view.plan.pairs:
        return f"{CALL}: nothing to assign"
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
    return f"{CALL}: {len(assignments)} assignments ({pending} awaiting a declaration)"


# The ISF call's consensus scores (relevance /30, quality /30, team /20, impact /20), chosen
# with the EU contributions the proposals ask for (seed/demo_proposals.py) so that each
# topic's budget of EUR 2 000 000 cuts the ranking under the call's policy "stop" with a
# reserve list of three.
SCORES = {
    # FIN: 740 000 + 493 000 selected; 780 000 does not fit in the 767 000 left, so the
    # selection stops there: three on the reserve list, one not selected, one below.
    "ASSET-RECOVERY-22GR": ("27", "26", "18", "17.5"),  # 88.5, selected
    "FOLLOW-MONEY-22ES": ("26", "25", "17", "17"),  # 85, selected
    "CRYPTO-TRACE-22IT": ("25", "24.5", "16", "16"),  # 81.5, reserve 1
    "FOLLOW-MONEY-22LT": ("24", "23", "17", "15"),  # 79, reserve 2 (would fit: policy stop)
    "JIT-FLOWS-22PT": ("22", "23", "16", "14.5"),  # consensus 21 on relevance: 74.5, reserve 3
    "FOLLOW-MONEY-22BG": ("21", "22", "15", "14"),  # 72, not selected
    "ASSET-RECOVERY-22RO": ("20", "19", "8.5", "12"),  # team below its threshold of 10
    # DIGITAL: 562 000 + 690 000 + 383 000 selected, 365 000 left; one reserve, one below.
    "DIGI-TRACE-22LT": ("27.5", "26", "18", "18"),  # 89.5, selected
    "ONLINE-ADS-22DE": ("26", "25.5", "17", "16.5"),  # 85, selected
    "DIGI-TRACE-22BE": ("24", "24", "16", "16"),  # 80, selected
    "E-EVIDENCE-22GR": ("23", "22", "15", "14"),  # 74, reserve 1
    "ONLINE-ADS-22ES": ("18", "17", "11", "12"),  # 58: below the overall threshold of 70
}
# The three evaluators score around the consensus; each column sums to zero, so the mean
# (the call's aggregation) is the consensus score and the spread stays within the gap.
DELTAS = [
    ("2", "-1", "0.5", "1"),
    ("-1.5", "1.5", "1", "-1.5"),
    ("-0.5", "-0.5", "-1.5", "0.5"),
]
# Strong disagreements (a spread beyond the call's gap of 30 % of the maximum): the three
# individual scores, the score the evaluators agreed after discussion, and why.
DISAGREEMENTS = {
    ("JIT-FLOWS-22PT", "relevance"): (
        ("27", "15", "24"),
        "21",
        "The individual scores ranged from 15 to 27 and were flagged for discussion. One "
        "evaluator found the link to the criminal business model asserted rather than shown; "
        "the others valued the joint investigation teams with the support of Europol and "
        "Eurojust that section 4.1 of the EU Strategy 2021-2025 calls for. The evaluators "
        "agreed that the action is relevant but that its needs analysis does not use the "
        "partners' own case data, and set the score at 21.",
    ),
    ("ASSET-RECOVERY-22RO", "team"): (
        ("12", "5", "8.5"),
        "8.5",
        "The individual scores ranged from 5 to 12 and were flagged for discussion. The "
        "evaluators agreed that without a law enforcement or judicial authority among the "
        "partners the asset-tracing work package cannot be carried out as planned: letters "
        "of support do not replace a partner able to open financial investigations. The "
        "score stays below the threshold of 10.",
    ),
}

FOCUS = {
    "FIN": (
        "financial investigations and asset recovery",
        "more financial investigations run alongside trafficking cases and assets identified "
        "for confiscation and for compensating victims",
    ),
    "DIGITAL": (
        "the digital business model of traffickers",
        "online advertisements detected and taken down, and digital evidence that spares "
        "victims the trauma of facing their traffickers in court",
    ),
    "": (
        "breaking the criminal model of trafficking",
        "more investigations, prosecutions and convictions of traffickers",
    ),
}

# What an evaluator writes per criterion, by how well the proposal scores on it; in the
# words of the EU Strategy on Combatting Trafficking in Human Beings 2021-2025.
LEVELS = {
    "relevance": {
        "strong": "The proposal answers the call's priority of breaking the criminal model to "
        "halt victims' exploitation. It targets {focus}, as section 4 of the EU Strategy on "
        "Combatting Trafficking in Human Beings 2021-2025 asks, and shows why trafficking is "
        "still a low-risk and high-profit crime in the partner countries.",
        "adequate": "The proposal is relevant to {focus} and cites the Strategy's aim of "
        "tackling the culture of impunity, but its needs analysis relies on EU-wide figures "
        "(6 163 prosecutions and 2 426 convictions in 2017-2018) rather than on the partners' "
        "own caseload.",
        "weak": "The link to {focus} is asserted more than shown. The proposal restates the "
        "Strategy's call for a robust criminal justice response but does not say which "
        "investigations or prosecutions in the partner countries it would change, nor for "
        "which forms of exploitation.",
    },
    "quality": {
        "strong": "The work plan is coherent and realistic: work packages lead from joint "
        "analysis to operational cases and to guidance for practitioners. Risks such as the "
        "protection of victims' data and the disclosure of evidence are named with "
        "mitigation, and the budget matches the activities.",
        "adequate": "The methodology is sound overall, with a clear sequence of work packages "
        "and a steering committee. The monitoring plan is thin: its indicators count "
        "trainings and meetings rather than investigations opened, assets frozen or cases "
        "brought to court.",
        "weak": "The work plan lists activities without showing how they lead to the "
        "objectives. Deliverables are vague, the timing of the operational phase is unclear "
        "and the budget puts most staff costs on coordination rather than on investigative "
        "work.",
    },
    "team": {
        "strong": "The consortium brings investigative, legal and victim-support expertise "
        "together, in the multi-stakeholder environment the Strategy recommends. Roles are "
        "clear, the partners have worked together on cross-border cases, and victims' "
        "perspective and needs are represented in the steering committee.",
        "adequate": "The partners bring relevant expertise and the coordinator has managed "
        "ISF actions before. Cooperation with Europol and Eurojust is mentioned but not yet "
        "arranged, and the role of the second partner in the operational work needs to be "
        "defined.",
        "weak": "The team lacks the investigative or judicial expertise the tasks need: no "
        "law enforcement or judicial authority is a partner, and letters of support cannot "
        "carry the operational work packages. The cooperation arrangements are not "
        "described.",
    },
    "impact": {
        "strong": "The expected results are concrete and measurable: {results}. Training "
        "stays in the partners' academies after the project and dissemination reaches EMPACT "
        "and the national rapporteurs.",
        "adequate": "The results are plausible and the training materials will outlive the "
        "project, but the targets for investigations, prosecutions and assets seized are not "
        "quantified, and sharing the results with other Member States relies on one final "
        "conference.",
        "weak": "The impact is described in general terms. There are no targets for "
        "investigations, prosecutions or assets seized, sustainability after the grant is "
        "not addressed, and it is unclear how victims would benefit from the results.",
    },
}
# A remark of each evaluator (by position) per criterion.
ANGLES = {
    "relevance": [
        "The proposal should say more on the gender-specific nature of the crime, which the "
        "Strategy asks investigators and prosecutors to take into account.",
        "Cross-border cases need resources, coordination and good communication between "
        "authorities; the proposal should show which of its cases cross borders.",
        "Links to the Strategy's key actions, such as operational projects under the ISF "
        "and the focus group of specialised prosecutors, would help.",
    ],
    "quality": [
        "The protection of victims' and suspects' personal data needs a deliverable of its "
        "own, not only a line in the risk table.",
        "Simulation-based practical exercises, which the Strategy recommends to test "
        "procedures in trafficking cases, would strengthen the training work package.",
        "The budget should separate operational activities from training and dissemination "
        "so that value for money can be judged.",
    ],
    "team": [
        "Letters of commitment from the investigative units that will use the results would "
        "make the cooperation arrangements credible.",
        "Involving labour inspectors and social workers would help detect signs of "
        "exploitation beyond sexual exploitation.",
        "The experience of the team with child victims in criminal proceedings should be "
        "described.",
    ],
    "impact": [
        "Indicators should be broken down by sex, age and form of exploitation, as the "
        "Strategy asks for better data recording and reporting.",
        "Relying on digital and financial evidence means less need for victims' testimony; "
        "the proposal should measure this effect.",
        "Results should be shared with Europol, Eurojust and the national rapporteurs so that "
        "other Member States can use them.",
    ],
}


def _level(points: Decimal, criterion: Criterion) -> str:
    share = points / criterion.max_points
    if share >= Decimal("0.8"):
        return "strong"
    return "adequate" if share >= Decimal("0.6") else "weak"


def _comment(criterion: Criterion, points: Decimal, position: int, topic: str) -> str:
    """A comment fitting the score, with the evaluator's own remark, at least as long as the
    criterion asks."""
    focus, results = FOCUS.get(topic, FOCUS[""])
    code = criterion.code if criterion.code in LEVELS else "quality"
    text = LEVELS[code][_level(points, criterion)].format(focus=focus, results=results)
    angles = ANGLES[code]
    for n in range(len(angles)):
        text += " " + angles[(position + n) % len(angles)]
        if len(text) >= criterion.min_comment_length:
            break
    return text


def _points(acronym: str, index: int, criterion: Criterion, column: int, position: int,
            scores: dict = SCORES):  # fmt: skip
    """The deterministic score of the evaluator at `position` (of the proposal's evaluators,
    by assignment) for one criterion; `index` turns the pattern from proposal to proposal."""
    spread = DISAGREEMENTS.get((acronym, criterion.code))
    if spread is not None:
        return Decimal(spread[0][position % 3])
    row = scores.get(acronym)
    if row is not None and column < len(row):
        value = Decimal(row[column])
    else:  # a proposal this table does not know: an average one
        value = criterion.max_points * Decimal(70 - index % 5) / 100
    if column < len(DELTAS[0]):
        value += Decimal(DELTAS[(position + index) % 3][column])
    value = (value / criterion.step).to_integral_value() * criterion.step
    return min(max(value, Decimal(0)), criterion.max_points)


def _overall(acronym: str, views: list[consensus.CriterionView], agreed: dict) -> str:
    total = sum(agreed.values(), Decimal(0))
    maximum = sum((v.criterion.max_points for v in views), Decimal(0))
    levels = {v.criterion.label: _level(agreed[v.criterion.id], v.criterion) for v in views}
    strong = [label for label, level in levels.items() if level == "strong"]
    weak = [label for label, level in levels.items() if level == "weak"]
    text = (
        f"Consensus of the three evaluators on {acronym}: {evaluation.fmt_points(total)} points "
        f"out of {evaluation.fmt_points(maximum)}."
    )
    if strong:
        text += f" Strengths: {', '.join(strong).lower()}."
    if weak:
        text += f" Weaknesses: {', '.join(weak).lower()}."
    flagged = [v.criterion.label for v in views if v.result and v.result.disagreement]
    if flagged:
        text += (
            f" The evaluators first disagreed on {', '.join(flagged).lower()}; the comment on "
            "it says how they agreed."
        )
    below = [v.criterion.label for v in views if agreed[v.criterion.id] < v.criterion.threshold]
    if below:
        text += f" Below the threshold on {', '.join(below).lower()}: it cannot be funded."
    return text


def _consensus_data(submission: Submission, acronym: str, topic: str) -> dict:
    """The rapporteur's report: the pre-filled scores (the mean of the evaluations), or the
    score agreed after discussion where the evaluators disagreed."""
    views = consensus.criterion_views(submission, None, names=True)
    data, agreed = {}, {}
    for v in views:
        c = v.criterion
        spread = DISAGREEMENTS.get((acronym, c.code))
        points = Decimal(spread[1]) if spread else v.prefill
        agreed[c.id] = points
        code = c.code if c.code in LEVELS else "quality"
        focus, results = FOCUS.get(topic, FOCUS[""])
        level = LEVELS[code][_level(points, c)].format(focus=focus, results=results)
        if spread:
            comment = spread[2]
        else:
            scores = ", ".join(evaluation.fmt_points(p) for _, p, _ in v.individual)
            comment = (
                f"{level} The evaluators' scores ({scores}) were close; the consensus keeps "
                f"their mean, {evaluation.fmt_points(points)}."
            )
        data[c.id] = {"points": str(points), "comment": comment}
    data["overall"] = _overall(acronym, views, agreed)
    return data


def ready_to_rank(manager: User, reference: str = RANKING_CALL, scores: dict = SCORES) -> str:
    """A closed call (the ISF one unless told): every step of the evaluation up to the
    approved consensus, each replayed at its own moment after the deadline (never later than
    now), scored from `scores`; steps already done are skipped, so the ranking is complete
    and waits for the manager to finalise it."""
    call = db.session.scalar(select(Call).where(Call.reference == reference))
    if call is None:
        return f"{reference}: no call to evaluate"
    if services.ranking_final(call.id) or call.status == CallStatus.RESULTS_PUBLISHED:
        return f"{reference}: the ranking is final, left as it is"
    now = clock.now()

    def at(days: int, minutes: int = 0):
        return _at(min(call.deadline_at + timedelta(days=days, minutes=minutes), now))

    if call.status == CallStatus.CLOSED:
        with at(4):
            transition(call, CallStatus.UNDER_EVALUATION, manager)
    if call.phase not in services.EVALUATION_PHASES:
        return f"{reference}: not under evaluation"
    done = dict.fromkeys(("assignments", "evaluations", "approved"), 0)
    with at(5):
        view = services.build_plan(call)
        if view.plan.pairs:
            done["assignments"] = len(services.apply_plan(call, view.digest, manager))
    for n, a in enumerate(services.call_assignments(call)):
        if a.state == AssignmentState.PENDING_DECLARATION:
            with at(6, 41 * n):
                services.declare(a, ConflictKind.NONE, "", a.evaluator)
    submissions = services.evaluable_submissions(call)
    for index, s in enumerate(submissions):
        acronym = s.label
        topic = ranking.topic_code(s)
        for position, a in enumerate(consensus.active_assignments(s)):
            own = evaluation.evaluation_of(a)
            if own is not None and own.is_submitted:
                continue
            data = {}
            for column, c in enumerate(call.criteria):
                points = _points(acronym, index, c, column, position, scores)
                data[c.id] = {
                    "points": str(points),
                    "comment": _comment(c, points, position, topic),
                }
            with at(9 + (index * 3 + position) % 15, 97 * position + 13 * index):
                evaluation.submit_evaluation(a, data, own.version if own else 0, a.evaluator)
            done["evaluations"] += 1
    unstaffed = [
        s for s in submissions if (r := consensus.report_of(s)) is None or r.rapporteur_id is None
    ]
    if unstaffed:
        with at(26):
            consensus.appoint_all(call, unstaffed, manager)
    for index, s in enumerate(submissions):
        report = consensus.report_of(s)
        # a report the user returned to its rapporteur stays with them
        if report is None or report.state != ConsensusState.DRAFT or report.returned_reason:
            continue
        if consensus.readiness(s) or report.rapporteur is None:
            continue
        data = _consensus_data(s, s.label, ranking.topic_code(s))
        with at(29 + index % 5, 53 * index):
            consensus.submit_consensus(report, data, report.version, report.rapporteur)
    for index, s in enumerate(submissions):
        report = consensus.report_of(s)
        if report is not None and report.state == ConsensusState.SUBMITTED:
            with at(35, 11 * index):
                consensus.approve(report, manager)
            done["approved"] += 1
    if not any(done.values()):
        return f"{reference}: evaluation already done"
    return (
        f"{reference}: {done['assignments']} assignments, {done['evaluations']} evaluations "
        f"submitted, {done['approved']} consensus reports approved"
    )


def load_demo_review() -> str:
    """Create the demo evaluators and the two calls' evaluations unless they exist; safe to
    run again."""
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    created = _evaluators(EVALUATORS)
    work_in_progress = _work_in_progress(manager)
    created += _evaluators(SPECIALISTS)  # after the AMIF call's assignment: not part of it
    ready = ready_to_rank(manager)
    return f"{created} evaluators created; {work_in_progress}; {ready}"
