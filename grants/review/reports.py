"""The Evaluation Summary Report of a proposal: the approved consensus scores and comments per
criterion, the total against the thresholds, the priority-alignment summary and the result
as finalised. It never names an evaluator. Rendered to PDF on first download and cached by
the hash of what it says."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from flask import current_app

from grants import clock
from grants.calls.models import Criterion
from grants.proposals.models import Submission
from grants.review import consensus as consensus_service
from grants.review.evaluation import AlignmentPanel, alignment_panel, fmt_points
from grants.review.models import Outcome
from grants.review.ranking import decision_of, final_ranking


@dataclass
class EsrCriterion:
    criterion: Criterion
    points: Decimal | None
    comment: str

    @property
    def below_threshold(self) -> bool:
        return self.points is not None and self.points < self.criterion.threshold


@dataclass
class Esr:
    submission: Submission
    criteria: list[EsrCriterion]
    overall: str
    total: Decimal
    max_total: Decimal
    overall_threshold: Decimal
    outcome: Outcome
    rank: int | None
    reserve_position: int | None
    explanation: str
    panel: AlignmentPanel | None
    finalised_at: object

    @property
    def label(self) -> str:
        return self.submission.label

    def digest(self) -> str:
        data = {
            "submission": self.submission.sha256,
            "criteria": [
                [c.criterion.code, fmt_points(c.points), c.comment] for c in self.criteria
            ],
            "overall": self.overall,
            "outcome": self.outcome.value,
            "rank": self.rank,
            "reserve": self.reserve_position,
            "explanation": self.explanation,
            "alignment": round(self.panel.total, 2) if self.panel else None,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def esr_of(submission: Submission) -> Esr | None:
    """The report from the finalised ranking and the approved consensus; None before."""
    decision = decision_of(submission)
    report = consensus_service.report_of(submission)
    if decision is None or report is None or not report.is_approved:
        return None
    call = submission.call
    criteria = []
    for c in call.criteria:
        s = report.score_for(c.id)
        criteria.append(EsrCriterion(c, s.points if s else None, s.comment if s else ""))
    final = final_ranking(call)
    return Esr(
        submission=submission,
        criteria=criteria,
        overall=report.comment,
        total=Decimal(decision["total"]),
        max_total=call.max_points,
        overall_threshold=call.overall_threshold,
        outcome=Outcome(decision["status"]),
        rank=decision["rank"],
        reserve_position=decision["reserve_position"],
        explanation=decision["explanation"],
        panel=alignment_panel(submission),
        finalised_at=final.finalised_at if final else None,
    )


def esr_pdf(esr: Esr) -> bytes:
    from grants.pdf import cached, render_pdf

    path = (
        Path(current_app.instance_path)
        / "cache"
        / "esr"
        / f"{esr.submission.id}-{esr.digest()}.pdf"
    )
    return cached(
        path,
        lambda: render_pdf(
            "review/esr_pdf.html", esr=esr, fmt_points=fmt_points, generated_at=clock.now()
        ),
    )
