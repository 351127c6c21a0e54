"""The demo's funded projects: a call of their own with published results, its winners at
every stage (prepared, running with an accepted and a returned report and amendments,
closed with its final report on the review map), the ISF ranking still left to finalise;
a second run changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from grants.audit.models import AuditEntry
from grants.calls.models import Call, CallStatus
from grants.portfolio.models import PortfolioProject
from grants.projects.models import (
    Amendment,
    AmendmentState,
    Grant,
    GrantStatus,
    Payment,
    Report,
    ReportState,
)
from grants.review import services as review
from grants.review.models import Outcome, ResultLetter
from seed.demo import load_demo
from seed.demo_calls import load_demo_calls
from seed.demo_projects import CALL, load_demo_projects
from seed.demo_proposals import load_demo_proposals
from seed.demo_review import RANKING_CALL, load_demo_review


def _state(db) -> dict:
    return {
        "grants": sorted(
            (g.id, g.status.value, g.duration_months, str(g.work_plan))
            for g in db.session.scalars(select(Grant))
        ),
        "reports": sorted(
            (r.id, r.period, r.version, r.state.value) for r in db.session.scalars(select(Report))
        ),
        "payments": sorted((p.id, str(p.amount)) for p in db.session.scalars(select(Payment))),
        "amendments": sorted((a.id, a.state.value) for a in db.session.scalars(select(Amendment))),
        "audit": db.session.scalar(select(func.count(AuditEntry.id))),
        "letters": db.session.scalar(select(func.count(ResultLetter.id))),
    }


def test_demo_projects_at_every_stage(db, mailbox):
    load_demo()
    load_demo_calls()
    load_demo_proposals()
    load_demo_review()
    message = load_demo_projects()
    assert "ranking finalised and results published; 3 grants prepared" in message, message
    call = db.session.scalar(select(Call).where(Call.reference == CALL))
    assert call.status == CallStatus.RESULTS_PUBLISHED
    outcomes = dict(
        db.session.execute(
            select(ResultLetter.outcome, func.count())
            .where(ResultLetter.call_id == call.id)
            .group_by(ResultLetter.outcome)
        ).all()
    )
    assert outcomes == {Outcome.SELECTED: 3, Outcome.RESERVE: 2}
    isf = db.session.scalar(select(Call).where(Call.reference == RANKING_CALL))
    assert isf.status != CallStatus.RESULTS_PUBLISHED and not review.ranking_final(isf.id)

    grants = {g.acronym: g for g in db.session.scalars(select(Grant))}
    assert {a: g.status for a, g in grants.items()} == {
        "SAFE-HAVEN-23BG": GrantStatus.CLOSED,
        "REBUILD-23IT": GrantStatus.RUNNING,
        "CHILD-FIRST-23SE": GrantStatus.PREPARED,
    }
    closed = grants["SAFE-HAVEN-23BG"]
    assert [r.state for r in closed.reports] == [ReportState.ACCEPTED] * 2
    final = closed.reports[-1].content
    first = closed.reports[0].content
    assert [f["deliverable"] for f in first["files"]] == [0]  # uploaded, named by the report
    assert final["files"] and all(f["sha256"] for f in final["files"])
    assert final["outcomes"] and {r["addressee"] for r in final["recommendations"]} == {
        "eu",
        "member_states",
        "civil_society",
    }
    assert final["indicators"][0]["breakdowns"]["sex-age"]["girls"] == "22"
    assert [p.kind for p in closed.payments] == ["prefinancing", "interim", "balance"]
    assert sum(p.amount for p in closed.payments) <= closed.max_contribution
    mapped = db.session.scalar(
        select(PortfolioProject).where(PortfolioProject.reference == closed.agreement_number)
    )
    assert mapped is not None and mapped.outcomes_public
    from grants.portfolio.models import PortfolioOutcomeTag

    outcome_tags = set(
        db.session.execute(
            select(PortfolioOutcomeTag.kind, PortfolioOutcomeTag.code).where(
                PortfolioOutcomeTag.project_id == mapped.id
            )
        ).all()
    )
    assert {("exploitation", "sexual"), ("target_group", "border-guards")} <= {
        (k.value, c) for k, c in outcome_tags
    }
    assert {r.priority_code for r in mapped.recommendations} == {
        "shelters",
        "referral",
        "reintegration",
    }

    running = grants["REBUILD-23IT"]
    assert [(r.period, r.state) for r in running.reports] == [
        (1, ReportState.ACCEPTED),
        (2, ReportState.CHANGES_REQUESTED),
    ]
    assert [a.state for a in running.amendments] == [
        AmendmentState.APPROVED,
        AmendmentState.REQUESTED,
    ]
    assert running.work_plan["deliverables"][1]["month"] == 30

    before = _state(db)
    assert "results published before; 0 grants prepared" in load_demo_projects()
    db.session.expire_all()
    assert _state(db) == before
