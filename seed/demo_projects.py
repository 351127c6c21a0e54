"""Demo funded projects (idempotent, deterministic): a closed call whose results are published,
and its winners at every stage of a grant's life, all through the real services.

AMIF-2023-TF1-AG-THB is a call of its own so that the ISF call's ranking stays for the user
to finalise: five proposals are submitted, evaluated (three evaluators each, consensus
approved), ranked, finalised and published. Its three selected proposals become grants:

- SAFE-HAVEN-23BG: closed, both reports accepted; the final report records outcomes (tagged
  with priorities, forms of exploitation and target groups), recommendations (addressee and
  priority) and indicator values (by sex and age), which reach the review map;
- REBUILD-23IT: running, the first periodic report accepted, the second returned for
  changes; an approved amendment (a deliverable moved) and one waiting for the manager;
- CHILD-FIRST-23SE: prepared by the manager, waiting for the coordinator to confirm.

The reserve list's first proposal waits for a grant should a selected one withdraw. Each
step is replayed at its own moment, never later than now; steps already done are skipped.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants import clock
from grants.accounts.models import User
from grants.accounts.services import user_by_email
from grants.calls import services as calls
from grants.calls.models import Call, CallStatus
from grants.extensions import db
from grants.projects import amendments, deliverables, indicator_input, services
from grants.projects.models import (
    AmendmentKind,
    AmendmentState,
    Grant,
    GrantStatus,
    ReportState,
)
from grants.proposals.models import Proposal, Submission
from grants.review import ranking
from grants.review import services as review_services
from seed.demo_calls import _at, _brussels, projects_call_values
from seed.demo_proposals import _partner_organisations, _play, _reopened
from seed.demo_review import _evaluators, ready_to_rank

MANAGER = "manager@thb-demo.eu"
CALL = "AMIF-2023-TF1-AG-THB"


# (coordinator country, concept of seed/demo_proposals.CONCEPTS, partners, scenario, EU
# contribution asked); the budget of EUR 1 600 000 selects the first three (policy "stop").
PLAN = [
    ("BG", 0, ["RO"], "submitted", 600_000),
    ("IT", 3, ["GR"], "submitted", 520_000),
    ("SE", 2, ["FI"], "submitted", 450_000),
    ("DE", 5, ["AT"], "submitted", 480_000),
    ("PT", 1, ["ES"], "submitted", 400_000),
]
SCORES = {  # the consensus scores (relevance /30, quality /30, team /20, impact /20)
    "SAFE-HAVEN-23BG": ("27", "26", "18", "17"),  # 88, selected
    "REBUILD-23IT": ("26", "25", "17", "17"),  # 85, selected
    "CHILD-FIRST-23SE": ("25", "25", "16", "17"),  # 83, selected
    "VOICES-23DE": ("24", "23", "16", "16"),  # 79, reserve 1
    "EARLY-ID-23PT": ("23", "22", "15", "15"),  # 75, reserve 2
}


# Victim-support specialists who join the pool for this call (the others' loads are full).
EVALUATORS = [
    ("evaluator10@thb-demo.eu", "Edith Evaluator", "University of Vienna, Department of Social "
     "Work", "AT", [], ["shelters", "reintegration", "gender"], ["sexual", "labour"],
     ["en", "de"], ["AT", "DE"], 6),
    ("evaluator11@thb-demo.eu", "Emma Evaluator", "Independent child protection expert", "NL",
     [], ["child", "shelters"], ["sexual", "criminal-activities"], ["en", "nl", "fr"],
     ["NL", "BE"], 6),
    ("evaluator12@thb-demo.eu", "Elias Evaluator", "Former shelter director", "FI", [],
     ["reintegration", "gender", "non-eu-victims"], ["sexual", "forced-marriage"],
     ["en", "fi", "sv"], ["FI", "SE", "EE"], 6),
]  # fmt: skip


def _call(manager: User) -> Call:
    """The call, created and closed at its own dates, with its proposals submitted."""
    call = db.session.scalar(select(Call).where(Call.reference == CALL))
    if call is None:
        values = projects_call_values()
        with _at(values["opens_at"] - timedelta(days=1)):
            call = calls.create_call(values, manager)
            calls.transition(call, CallStatus.PUBLISHED, manager)
        with _at(call.deadline_at + timedelta(days=1)):
            calls.transition(call, CallStatus.CLOSED, manager)
    if not db.session.scalar(select(Proposal.id).where(Proposal.call_id == call.id)):
        with _reopened(call):
            _play(
                call,
                PLAN,
                _partner_organisations(),
                random.Random(2023),
                call.deadline_at,
                manager,
            )
    return call


def _results(call: Call, manager: User) -> str:
    """Evaluation up to the approved consensus, then the ranking finalised and published."""
    _evaluators(EVALUATORS)
    evaluated = ready_to_rank(manager, CALL, SCORES)
    if call.status == CallStatus.RESULTS_PUBLISHED:
        return f"{CALL}: results published before"
    if not review_services.ranking_final(call.id):
        with _at(call.deadline_at + timedelta(days=40)):
            ranking.finalise(call, ranking.build(call).digest, manager)
    with _at(call.deadline_at + timedelta(days=45)):
        ranking.publish_results(call, manager)
    return f"{evaluated}; ranking finalised and results published"


def _month_start(day: date, months: int) -> date:
    return services.add_months(day.replace(day=1), months)


def _submission(call: Call, acronym: str) -> Submission:
    return db.session.scalar(
        select(Submission)
        .join(Proposal, Proposal.id == Submission.proposal_id)
        .where(Submission.call_id == call.id, Proposal.acronym == acronym)
        .order_by(Submission.id.desc())
    )


def _moment(day: date, hour: int = 10):
    """A working hour on `day` in Brussels, never later than now."""
    return min(_brussels(day.year, day.month, day.day, hour), clock.now())


def _grant(submission: Submission, manager: User, start: date, months: int, period: int,
           prepared_on: date) -> Grant:  # fmt: skip
    grant = db.session.scalar(select(Grant).where(Grant.submission_id == submission.id))
    if grant is not None:
        return grant
    terms = services.default_terms(submission)
    terms.update(start_date=start, duration_months=months, period_months=period)
    with _at(_moment(prepared_on)):
        grant = services.prepare_grant(submission, terms, manager)
    for part in ("deliverables", "milestones"):  # the manager fits the plan to the duration
        items = grant.work_plan.get(part) or []
        if any((i.get("month") or 0) > months for i in items):
            rows = [dict(i, month=min(i.get("month") or 1, months - 2)) for i in items]
            with _at(_moment(prepared_on, 11)):
                services.edit_work_plan(
                    grant, part, rows,
                    f"The grant runs {months} months, shorter than the proposal's plan: "
                    f"what fell after month {months} is due in month {months - 2}.",
                    manager,
                )  # fmt: skip
    return grant


def _run(grant: Grant, manager: User, confirmed_on: date, signed_on: date) -> None:
    coordinator = grant.organisation.memberships[0].user
    if grant.status == GrantStatus.PREPARED:
        with _at(_moment(confirmed_on)):
            services.transition(grant, GrantStatus.CONFIRMED, coordinator)
    if grant.status == GrantStatus.CONFIRMED:
        with _at(_moment(signed_on)):
            services.transition(grant, GrantStatus.RUNNING, manager)


def _indicators(grant: Grant, figures: dict[str, dict[str, str]]) -> list[dict]:
    """Indicator values read as the report form reads them: {work-plan indicator name:
    {"code": definition, "value": ..., "women": ...}}."""
    form = {}
    for n, indicator in enumerate(grant.work_plan.get("indicators") or []):
        for key, value in figures.get(indicator["name"], {}).items():
            form[f"ind-{n}-{key}"] = value
    rows, content = indicator_input.read(grant, form)
    problems = [e for r in rows for e in r.errors]
    assert not problems, problems
    return content


def _report(grant: Grant, manager: User, period: int, content: dict, costs: str,
            submitted_on: date, decision: tuple[str, date, str] | None) -> None:  # fmt: skip
    """Period `period`'s next version, unless the plan's version is there already; then the
    manager's decision ("accept" or "return", the day, the comment)."""
    coordinator = grant.organisation.memberships[0].user
    versions = [r for r in grant.reports if r.period == period]
    if not versions:
        with _at(_moment(submitted_on)):
            done = content.get("done") or []
            _deliverable_files(grant, done, coordinator)
            content = {**content, "files": deliverables.files_for(grant, done)}
            services.submit_report(grant, period, content, Decimal(costs), coordinator)
        versions = [r for r in grant.reports if r.period == period]
    report = versions[-1]
    if decision is None or report.state != ReportState.SUBMITTED:
        return
    verb, day, comment = decision
    with _at(_moment(day, 15)):
        if verb == "accept":
            services.accept_report(report, manager)
        else:
            services.request_changes(report, comment, manager)


def _deliverable_files(grant: Grant, done: list[str], coordinator: User) -> None:
    """A PDF for each deliverable the report ticks that has none yet, as its coordinator
    would upload it from the deliverable's page."""
    from html import escape

    from grants.pdf import html_to_pdf

    have = deliverables.files_of(grant)
    for key in done:
        part, _, number = key.partition(":")
        if part != "deliverables" or int(number) in have:
            continue
        item = deliverables.deliverable(grant, int(number))
        title = escape(item.get("title", "Deliverable"))
        html = (
            f"<h1>{title}</h1><p>{escape(grant.acronym)}, grant agreement "
            f"{escape(grant.agreement_number)}, work package {item.get('work_package')}.</p>"
            "<p>Illustrative deliverable of the demonstration data.</p>"
        )
        name = "".join(ch if ch.isalnum() else "-" for ch in item.get("title", "d"))[:60]
        deliverables.add_file(grant, int(number), f"{name}.pdf", html_to_pdf(html), coordinator)


def _figures(assisted: tuple[int, int, int, int, int], trained: int, places: int) -> dict:
    """A year's indicator values as the report form posts them: the victims assisted (all,
    then women, men, girls, boys), the professionals trained and the shelter places."""
    sexes = dict(zip(("women", "men", "girls", "boys"), assisted[1:], strict=True))
    return {
        "Victims assisted": {
            "code": "victims-assisted",
            "value": str(assisted[0]),
            **{f"sex-age-{sex}": str(n) for sex, n in sexes.items()},
        },
        "Frontline professionals trained": {"code": "professionals-trained", "value": str(trained)},
        "Shelter places": {"code": "shelter-places", "value": str(places)},
    }


FIGURES_YEAR_1 = _figures((64, 41, 6, 15, 2), trained=85, places=12)
FIGURES_YEAR_2 = _figures((97, 60, 11, 22, 4), trained=140, places=8)


def _closed(call: Call, manager: User) -> None:
    """SAFE-HAVEN-23BG: two years from October 2023, both reports accepted, closed."""
    submission = _submission(call, "SAFE-HAVEN-23BG")
    grant = _grant(submission, manager, date(2023, 10, 1), 24, 12, date(2023, 8, 21))
    _run(grant, manager, date(2023, 8, 28), date(2023, 9, 12))
    if grant.status == GrantStatus.CLOSED:
        return
    year_1 = {
        "narrative": "The two specialised shelters in Sofia and Iasi opened in month 4 with "
        "twelve places for women and girls from third countries. Case workers and cultural "
        "mediators were recruited and trained; the referral protocol with the national "
        "rapporteurs' offices is in its second draft.",
        "indicators": _indicators(grant, FIGURES_YEAR_1),
        "done": ["deliverables:0", "milestones:0"],
        "outcomes": [],
        "recommendations": [],
    }
    _report(
        grant, manager, 1, year_1, "280000.00", date(2024, 11, 12),
        ("accept", date(2024, 12, 3), ""),
    )  # fmt: skip
    final = {
        "narrative": "Twenty places in two shelters ran for the second year at 85 % "
        "occupancy. The referral protocol was adopted by both national referral mechanisms; "
        "the training of police, labour inspectors and social workers reached 225 people.",
        "indicators": _indicators(grant, FIGURES_YEAR_2),
        "done": ["deliverables:1"],
        # each outcome tagged with the taxonomy, as outcome_input reads the typed lines
        "outcomes": [
            {
                "text": "161 victims from third countries assisted, 101 of them women and 37 "
                "children, with a safe place within 48 hours of identification.",
                "priorities": ["shelters", "non-eu-victims"],
                "exploitation_forms": ["sexual", "labour"],
                "target_groups": ["third-country-nationals", "women", "children"],
            },
            {
                "text": "A joint referral protocol adopted by the Bulgarian and Romanian "
                "national referral mechanisms, in use at four border crossings.",
                "priorities": ["referral", "2012-A1"],
                "exploitation_forms": [],
                "target_groups": ["victims", "border-guards"],
            },
            {
                "text": "225 frontline professionals trained to identify and refer victims early.",
                "priorities": ["training", "early-identification"],
                "exploitation_forms": [],
                "target_groups": ["law-enforcement", "labour-inspectors", "social-workers"],
            },
        ],
        "recommendations": [
            {
                "text": "Fund specialised shelter places for third-country national victims "
                "beyond the project's life through the national AMIF programmes.",
                "addressee": "member_states",
                "priority": "shelters",
            },
            {
                "text": "Publish the EU guidance on cross-border referral so that shelters "
                "can take victims in from another Member State without delay.",
                "addressee": "eu",
                "priority": "referral",
            },
            {
                "text": "Involve survivors in designing shelter rules and exit plans.",
                "addressee": "civil_society",
                "priority": "reintegration",
            },
        ],
    }
    _report(
        grant, manager, 2, final, "375000.00", date(2025, 11, 20),
        ("accept", date(2025, 12, 9), ""),
    )  # fmt: skip
    with _at(_moment(date(2025, 12, 15))):
        services.transition(grant, GrantStatus.CLOSED, manager)


def _running(call: Call, manager: User, today: date) -> None:
    """REBUILD-23IT: 36 months in periods of six, started 14 months ago; period 1 accepted,
    period 2 returned for changes; one amendment approved, one waiting."""
    submission = _submission(call, "REBUILD-23IT")
    start = _month_start(today, -14)
    grant = _grant(submission, manager, start, 36, 6, start - timedelta(days=45))
    _run(grant, manager, start - timedelta(days=38), start - timedelta(days=30))
    coordinator = grant.organisation.memberships[0].user
    first = {
        "narrative": "Housing for 18 survivors was found with the municipalities of Palermo "
        "and Thessaloniki; the job-coaching programme started with three employers.",
        "indicators": _indicators(grant, {"Victims assisted": FIGURES_YEAR_1["Victims assisted"]}),
        "done": ["deliverables:0", "milestones:0"],
        "outcomes": [],
        "recommendations": [],
    }
    period_1_end = services.periods(grant)[0]["end"]
    _report(
        grant, manager, 1, first, "96000.00", period_1_end + timedelta(days=25),
        ("accept", period_1_end + timedelta(days=40), ""),
    )  # fmt: skip
    if not grant.amendments:
        with _at(_moment(period_1_end + timedelta(days=50))):
            asked = amendments.request(
                grant,
                AmendmentKind.WORK_PLAN,
                {"item": "deliverables:1", "title": "Referral protocol", "month": 30},
                "The protocol waits for the new Italian law on victims' residence permits, "
                "expected in month 24; it must follow the law.",
                coordinator,
            )
        with _at(_moment(period_1_end + timedelta(days=58), 15)):
            amendments.decide(asked, AmendmentState.APPROVED, "Agreed: follow the law.", manager)
    period_2_end = services.periods(grant)[1]["end"]
    second = {
        "narrative": "Eleven survivors started work; four left the programme.",
        "indicators": [],
        "outcomes": [],
        "recommendations": [],
    }
    _report(
        grant, manager, 2, second, "310000.00", min(period_2_end + timedelta(days=20), today),
        ("return", min(period_2_end + timedelta(days=32), today),
         "The costs claimed are three times those of period 1: attach the breakdown by "
         "partner and say which activities they paid for. Add the indicator values of the "
         "period (victims assisted by sex and age)."),
    )  # fmt: skip
    if len(grant.amendments) == 1:
        with _at(_moment(today - timedelta(days=3))):
            amendments.request(
                grant,
                AmendmentKind.END_DATE,
                {"duration_months": 42},
                "Six more months to follow the survivors placed in work until their "
                "contracts become permanent.",
                coordinator,
            )


def _prepared(call: Call, manager: User, today: date) -> None:
    """CHILD-FIRST-23SE: prepared a week ago, starting next month, to be confirmed."""
    submission = _submission(call, "CHILD-FIRST-23SE")
    _grant(submission, manager, _month_start(today, 1), 24, 12, today - timedelta(days=7))


def load_demo_projects() -> str:
    manager = user_by_email(MANAGER)
    if manager is None:
        raise RuntimeError(f"{MANAGER} does not exist: load the demo users first")
    call = _call(manager)
    results = _results(call, manager)
    before = db.session.scalar(select(db.func.count(Grant.id)))
    today = clock.to_brussels(clock.now()).date()
    _closed(call, manager)
    _running(call, manager, today)
    _prepared(call, manager, today)
    made = db.session.scalar(select(db.func.count(Grant.id))) - before
    return f"{results}; {made} grants prepared"
