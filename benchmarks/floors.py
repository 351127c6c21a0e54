"""The floors of the pages benchmark (benchmarks/bench_pages.py): a bare Flask app whose
endpoints read, with SQLAlchemy Core, the rows their page shows, and render them into a small
Jinja table. No login, sessions, ORM objects, layout or computation.

Each floor reads what its page shows, in the fewest and fastest statements a hand-written
endpoint would use: a page's counts and filters over a whole call are read over the whole call,
its tables as many rows as it shows, and the rows a page needs for a figure it shows (the child
rows of a proposal's checklist, a criterion's points) are read too, aggregated in SQL where the
figure allows. What a page computes from its rows (the checklist's rules, the ranking and the
selection, the charts) is not done: the floor is the cost of the data, the ratio what the app
adds to it. Until 2026-12-04 the floors read fewer of the columns and sections their pages
show (the ranking's total only, not its criteria and alignment; none of a proposal's checklist
rows, submission or result letter; no rapporteur's reports in the queue; no comments or
assignments on a proposal's manager page; no late evaluators on the evaluation dashboard; no
results awaiting a grant on the project list).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, render_template_string
from sqlalchemy import bindparam, case, create_engine, func, literal, select, union_all

TABLE = """<!doctype html><title>{{ title }}</title>{% for rows in tables %}<table>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endfor %}"""


def floor_app(url: str) -> Flask:
    from grants.accounts.models import Membership, Organisation, User
    from grants.calls.models import Call, CallPriority, CallStatus, Criterion, Topic
    from grants.projects.models import Grant
    from grants.projects.views import PROJECT_ROWS
    from grants.proposals.models import (
        Annex,
        BudgetLine,
        ChecksDecision,
        Indicator,
        Partner,
        PriorityClaim,
        Proposal,
        Submission,
        WorkPackage,
    )
    from grants.review.models import (
        Assignment,
        ConflictDeclaration,
        ConsensusReport,
        ConsensusScore,
        Evaluation,
        EvaluationScore,
        EvaluationStanding,
        EvaluatorProfile,
        ResultLetter,
        SubmissionAlignment,
    )
    from grants.review.views.management import RANKING_ROWS

    engine = create_engine(url)
    app = Flask("floor")
    P, S, Org, A, E, R = Proposal, Submission, Organisation, Assignment, Evaluation, ChecksDecision
    C, CS = ConsensusReport, ConsensusScore

    built: dict = {}

    def tables(build, params: dict, shown=()):
        """Each query of `build` run with `params`, its rows one table each: of the k-th query
        the first `shown[k]` rows (all where `shown` names none). A page shows a page of a
        long list, but reads all of it when it counts or filters over it. The statements are
        built once from bind parameters, as the app builds its own."""
        queries = built.get(build)
        if queries is None:
            queries = built[build] = build(**{name: bindparam(name) for name in params})
        with engine.connect() as connection:
            results = [connection.execute(q, params).all() for q in queries]
        for k, limit in enumerate(shown):
            results[k] = results[k][:limit]
        return render_template_string(TABLE, tables=results, title="floor")

    def latest_decision(where):
        """Submission id -> its latest checks decision's id, for the submissions `where`."""
        return (
            select(R.submission_id, func.max(R.id).label("decision_id"))
            .join(S, S.id == R.submission_id)
            .where(where)
            .group_by(R.submission_id)
            .subquery()
        )

    def own(user_id):
        return select(Membership.organisation_id).where(Membership.user_id == user_id)

    def applicant_sql(user_id, now):
        """The applicant's proposals with their call and organisation; of those that can
        still change (their call's deadline not passed), the rows each one's checklist reads,
        counted per kind (a closed call's proposal shows no checklist); each one's current
        submission with the latest checks decision, its result letter, and the calls open to
        start a proposal."""
        mine = select(P.id).where(P.organisation_id.in_(own(user_id)))
        changing = (
            select(P.id)
            .join(Call, Call.id == P.call_id)
            .where(P.organisation_id.in_(own(user_id)), Call.deadline_at > now)
        )
        children = union_all(
            *(
                select(literal(kind), t.proposal_id, func.count())
                .where(t.proposal_id.in_(changing))
                .group_by(t.proposal_id)
                for kind, t in (
                    ("partners", Partner),
                    ("claims", PriorityClaim),
                    ("work packages", WorkPackage),
                    ("indicators", Indicator),
                    ("budget lines", BudgetLine),
                    ("annexes", Annex),
                )
            )
        )
        decided = latest_decision(S.proposal_id.in_(mine))
        return (
            select(P.id, P.acronym, P.title, P.status, P.version, P.withdrawn_at)
            .add_columns(Org.name, Call.reference, Call.deadline_at, Call.opens_at)
            .join(Call, Call.id == P.call_id)
            .join(Org, Org.id == P.organisation_id)
            .where(P.id.in_(mine)),
            children,
            select(S.proposal_id, S.version, S.admissible, S.eligible, R.decision, R.reason)
            .outerjoin(decided, decided.c.submission_id == S.id)
            .outerjoin(R, R.id == decided.c.decision_id)
            .where(S.proposal_id.in_(mine), S.is_current.is_(True)),
            select(
                ResultLetter.proposal_id, ResultLetter.submission_id, ResultLetter.outcome
            ).where(ResultLetter.proposal_id.in_(mine)),
            select(Call.id, Call.reference, Call.title, Call.opens_at, Call.deadline_at)
            .where(Call.status == CallStatus.PUBLISHED, Call.deadline_at > now)
            .order_by(Call.deadline_at),
        )

    @app.get("/applicant/<int:user_id>")
    def applicant(user_id):
        return tables(applicant_sql, {"user_id": user_id, "now": datetime.now(UTC)})

    def queue_sql(user_id):
        """The evaluator's open assignments, the consensus reports they write, and whether
        they have a profile."""
        return (
            select(A.id, A.state, A.due_at, S.reference, S.acronym, Call.id, Call.reference)
            .add_columns(E.state)
            .join(S, S.id == A.submission_id)
            .join(Call, Call.id == A.call_id)
            .outerjoin(E, E.assignment_id == A.id)
            .where(A.evaluator_id == user_id, A.state.in_(("pending_declaration", "active")))
            .order_by(A.due_at),
            select(C.submission_id, C.state, C.returned_reason, Call.reference, S.reference)
            .add_columns(S.acronym)
            .join(S, S.id == C.submission_id)
            .join(Call, Call.id == C.call_id)
            .where(C.rapporteur_id == user_id),
            select(EvaluatorProfile.id).where(EvaluatorProfile.user_id == user_id),
        )

    @app.get("/queue/<int:user_id>")
    def queue(user_id):
        return tables(queue_sql, {"user_id": user_id})

    def submissions_sql(call_id):
        """The call's current submissions: what the page filters and counts over the whole
        call (country, topic, checks, decision, priorities), then the 50 rows it shows with
        their columns, and the call's priorities it filters by."""
        current = (S.call_id == call_id) & S.is_current.is_(True)
        decided = latest_decision(current)
        listed = (S.id, S.organisation_country, S.topic_code, S.admissible, S.eligible)
        return (
            select(S.reference, S.acronym, S.title, S.organisation_name, S.eu_contribution)
            .add_columns(S.submitted_at, S.version, S.failure_messages)
            .where(current)
            .order_by(S.reference)
            .limit(50),
            select(*listed, S.priorities, R.decision)
            .outerjoin(decided, decided.c.submission_id == S.id)
            .outerjoin(R, R.id == decided.c.decision_id)
            .where(current),
            select(CallPriority.priority_code).where(CallPriority.call_id == call_id),
        )

    @app.get("/submissions/<int:call_id>")
    def submissions(call_id):
        # the whole call's rows are counted and filtered, not listed
        return tables(submissions_sql, {"call_id": call_id}, shown=(None, 0))

    def evaluation_sql(call_id, now):
        """Per proposal of the call, its assignments counted (assigned, declared, evaluated),
        its standing and its consensus report with the rapporteur; the late assignments with
        their evaluators; the first 50 proposals shown, as the page shows 50 at a time."""
        evaluated = func.count(E.submitted_at)
        declared = func.count(ConflictDeclaration.id)
        standing = (EvaluationStanding.total, EvaluationStanding.disagreements)
        rapporteur = User.full_name
        late = (
            select(A.id, A.due_at, User.full_name, User.email, S.reference, S.acronym)
            .join(User, User.id == A.evaluator_id)
            .join(S, S.id == A.submission_id)
            .outerjoin(E, E.assignment_id == A.id)
            .where(
                A.call_id == call_id,
                A.state.in_(("pending_declaration", "active")),
                A.due_at < now,
                E.id.is_(None) | (E.state != "submitted"),
            )
            .order_by(A.id)
        )
        return (
            select(S.id, S.reference, S.acronym, S.topic_code, S.eu_contribution)
            .add_columns(func.count(A.id), declared, evaluated, C.state, rapporteur, *standing)
            .join(A, A.submission_id == S.id)
            .outerjoin(E, E.assignment_id == A.id)
            .outerjoin(ConflictDeclaration, ConflictDeclaration.assignment_id == A.id)
            .outerjoin(C, C.submission_id == S.id)
            .outerjoin(User, User.id == C.rapporteur_id)
            .outerjoin(EvaluationStanding, EvaluationStanding.submission_id == S.id)
            .where(S.call_id == call_id, S.is_current.is_(True))
            .group_by(S.id, S.reference, S.acronym, S.topic_code, S.eu_contribution)
            .group_by(C.state, rapporteur, *standing)
            .order_by(S.id),
            late,
        )

    @app.get("/evaluation/<int:call_id>")
    def evaluation(call_id):
        params = {"call_id": call_id, "now": datetime.now(UTC)}
        return tables(evaluation_sql, params, shown=(50,))

    @app.get("/ranking/<int:call_id>")
    def ranking(call_id):
        """Every proposal with an approved consensus: its points per criterion (summed per
        criterion in SQL), total, alignment and EU contribution, ranked per topic; shown per
        topic as many as the page shows (its selection and reserve, up to 25 here, and a page of
        each of its two long lists)."""
        with engine.connect() as connection:
            query = built.get(("ranking", call_id))
            if query is None:  # per call (its criteria), once
                query = built["ranking", call_id] = ranking_sql(connection, call_id)
            rows = connection.execute(query, {"call_id": call_id}).all()
        shown, per_topic = [], {}
        for row in rows:
            per_topic[row.code] = per_topic.get(row.code, 0) + 1
            if per_topic[row.code] <= 2 * RANKING_ROWS + 25:
                shown.append(row)
        return render_template_string(TABLE, tables=[shown], title="floor")

    def ranking_sql(connection, call_id: int):
        """The ranking's statement for one call (a column per criterion of the call)."""
        criteria = connection.execute(
            select(Criterion.id).where(Criterion.call_id == call_id).order_by(Criterion.id)
        ).scalars()
        per_criterion = [
            func.sum(case((CS.criterion_id == cid, CS.points), else_=0)) for cid in criteria
        ]
        total = func.sum(CS.points).label("total")
        SA = SubmissionAlignment
        aligned = select(func.max(SA.total)).where(SA.submission_id == S.id)
        call = bindparam("call_id")
        return (
            select(Topic.code, S.id, S.reference, S.acronym, total, S.eu_contribution)
            .add_columns(aligned.scalar_subquery(), *per_criterion)
            .join(P, P.id == S.proposal_id)
            .join(Topic, Topic.id == P.topic_id)
            .join(C, C.submission_id == S.id)
            .join(CS, CS.report_id == C.id)
            .where(S.call_id == call, S.is_current.is_(True), C.state == "approved")
            .group_by(Topic.code, S.id, S.reference, S.acronym, S.eu_contribution)
            .order_by(Topic.code, total.desc())
        )

    def proposal_sql(submission_id):
        """One proposal's assignments (ended ones too) with their evaluators and evaluations,
        the evaluations' points and comments per criterion, and its consensus report with its
        scores."""
        return (
            select(A.id, A.state, A.due_at, User.full_name, E.state, E.submitted_at)
            .join(User, User.id == A.evaluator_id)
            .outerjoin(E, E.assignment_id == A.id)
            .where(A.submission_id == submission_id)
            .order_by(A.id),
            select(E.id, EvaluationScore.criterion_id, EvaluationScore.points)
            .add_columns(EvaluationScore.comment)
            .join(A, A.id == E.assignment_id)
            .join(EvaluationScore, EvaluationScore.evaluation_id == E.id)
            .where(A.submission_id == submission_id),
            select(C.id, C.state, C.version, C.comment, CS.criterion_id, CS.points, CS.comment)
            .outerjoin(CS, CS.report_id == C.id)
            .where(C.submission_id == submission_id),
        )

    @app.get("/proposal/<int:submission_id>")
    def proposal(submission_id):
        return tables(proposal_sql, {"submission_id": submission_id})

    def projects_sql():
        """The grants counted and a page of them shown, as the page does; for a programme
        manager, the selected and reserve results without a grant yet."""
        return (
            select(func.count()).select_from(Grant),
            select(Grant.agreement_number, Grant.acronym, Grant.status, Grant.max_contribution)
            .order_by(Grant.id)
            .limit(PROJECT_ROWS),
            select(S.id, S.reference, S.acronym, Call.reference, ResultLetter.outcome)
            .add_columns(ResultLetter.reserve_position)
            .join(ResultLetter, ResultLetter.submission_id == S.id)
            .join(Call, Call.id == S.call_id)
            .where(
                ResultLetter.outcome.in_(("selected", "reserve")),
                S.withdrawn_at.is_(None),
                ~S.id.in_(select(Grant.submission_id)),
            )
            .order_by(S.call_id, ResultLetter.outcome.desc(), S.id),
        )

    @app.get("/projects")
    def projects():
        return tables(projects_sql, {})

    return app
