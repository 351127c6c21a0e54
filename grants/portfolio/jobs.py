"""The review map's PDF report rendered by the worker: a job per (user, view, day) with its
progress, the file kept under instance/reports/, a download link and a notice when done."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import MultiDict

from grants.jobs.registry import handler

PDF = "portfolio.pdf"


def report_path(job_id: int) -> Path:
    return Path(current_app.instance_path) / "reports" / f"portfolio-review-{job_id}.pdf"


def job_key(user_id: int, query: str, day: str) -> str:
    digest = hashlib.sha256(query.encode()).hexdigest()[:24]
    return f"{PDF}:{user_id}:{day}:{digest}"


@handler(PDF, "Portfolio review PDF", timeout=900, max_attempts=3, priority=8)
def render(payload: dict, _resource, context) -> dict:
    from grants.notifications.services import job_finished
    from grants.portfolio.report import render_portfolio_pdf
    from grants.portfolio.views import current_filter

    context.progress(0, 3, "Reading the portfolio and the filters")
    f, _ = current_filter(MultiDict(payload.get("args") or []))
    view = payload.get("view") if payload.get("view") in ("europe", "world") else "europe"
    context.progress(1, 3, "Drawing the map and the charts, laying out the pages")
    data = render_portfolio_pdf(f, view)
    context.progress(2, 3, "Saving the report")
    path = report_path(context.job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # a reader never sees half a file
    job = context.job
    job.result = {  # job_finished reads it for the notice; complete() stores it again
        "summary": f"The report is ready ({max(1, len(data) // 1024)} KB).",
        "link": f"/portfolio/reports/{job.id}.pdf",
        "link_label": "Download the PDF report",
    }
    job_finished(job)
    return job.result
