"""PDFs rendered ahead of their first download: a submission's receipt and a proposal's
Evaluation Summary Report. Both are cached by content hash by their domains, so a job run
twice (or a reader who comes first) renders nothing twice."""

from __future__ import annotations

from grants.extensions import db
from grants.jobs.registry import handler

RECEIPT, ESR = "pdf.receipt", "pdf.esr"


@handler(RECEIPT, "Receipt PDF", timeout=600, max_attempts=3, priority=7)
def render_receipt(payload: dict, _resource, _context) -> dict:
    from grants.proposals.models import Submission
    from grants.proposals.submitting import receipt_pdf

    submission = db.session.get(Submission, payload["submission_id"])
    if submission is None:
        return {"summary": "The submission no longer exists."}
    size = len(receipt_pdf(submission))
    return {"summary": f"Receipt of {submission.reference} ready ({size // 1024} KB)."}


@handler(ESR, "Evaluation Summary Report PDF", timeout=600, max_attempts=3, priority=8)
def render_esr(payload: dict, _resource, _context) -> dict:
    from grants.proposals.models import Submission
    from grants.review.reports import esr_of, esr_pdf

    submission = db.session.get(Submission, payload["submission_id"])
    esr = esr_of(submission) if submission is not None else None
    if esr is None:  # not evaluated (inadmissible) or gone: there is no report to render
        return {"summary": "No Evaluation Summary Report for this proposal."}
    size = len(esr_pdf(esr))
    return {"summary": f"Report of {submission.reference} ready ({size // 1024} KB)."}
