"""The job table and the worker: enqueue in the caller's transaction, claim by priority,
retry with backoff, the dead letter and its retry page, claims that time out, groups with
progress, and the progress page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grants import clock
from grants.audit.models import AuditEntry
from grants.jobs import services as jobs
from grants.jobs.models import Job, JobState
from grants.jobs.worker import run_jobs
from grants.notifications.models import Notification
from tests.conftest import login


def test_enqueue_is_part_of_the_callers_transaction_and_keyed_once(db, test_kind):
    jobs.enqueue("test.echo", {"n": 1}, key="echo:1")
    db.session.rollback()
    assert db.session.scalars(select(Job)).all() == []
    first = jobs.enqueue("test.echo", {"n": 1}, key="echo:1")
    again = jobs.enqueue("test.echo", {"n": 1}, key="echo:1")  # same transaction
    db.session.commit()
    assert first is again
    assert jobs.enqueue("test.echo", {"n": 1}, key="echo:1").id == first.id  # from the table
    assert run_jobs() == 1 and test_kind == [1]
    assert run_jobs() == 0 and test_kind == [1]


def test_mail_runs_before_pdfs_and_pdfs_before_nothing(db, test_kind):
    jobs.enqueue("pdf.receipt", {"submission_id": 10**9})
    jobs.enqueue("test.echo", {"n": 1})
    jobs.enqueue("mail.send", {"message_id": "<none@x>"})
    db.session.commit()
    order = []
    while claimed := jobs.claim("w"):
        order += [j.kind for j in claimed]
        for j in claimed:
            jobs.complete(j, j.claim_token, None)
    assert order == ["mail.send", "test.echo", "pdf.receipt"]


def test_a_failing_job_is_retried_then_failed_and_a_manager_retries_it(
    client, db, test_kind, manager
):
    job = jobs.enqueue("test.echo", {"fail": "the archive is offline", "n": 7}, title="Echo 7")
    db.session.commit()
    run_jobs()
    db.session.refresh(job)
    assert job.state == JobState.QUEUED and job.attempts == 1
    assert "RuntimeError: the archive is offline" in job.last_error
    clock.travel(timedelta(seconds=31))
    run_jobs()
    db.session.refresh(job)
    assert job.state == JobState.FAILED and job.attempts == 2 and job.finished_at

    login(client, manager)
    page = client.get("/manage/jobs").get_data(as_text=True)
    assert "Test job: Echo 7" in page and "the archive is offline" in page
    job.payload = {"n": 7}  # the archive is back
    db.session.commit()
    response = client.post(f"/manage/jobs/{job.id}/retry")
    assert response.status_code == 302
    db.session.refresh(job)
    assert job.state == JobState.QUEUED and job.attempts == 0
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retry"))
    run_jobs()
    assert test_kind == [7]
    again = client.post(f"/manage/jobs/{job.id}/retry", follow_redirects=True)
    assert "Only failed work can be retried" in again.get_data(as_text=True)


def test_a_job_of_an_unknown_kind_fails_with_a_reason(db):
    job = jobs.enqueue("nobody.knows", {})
    db.session.commit()
    run_jobs()
    db.session.refresh(job)
    assert "No handler" in job.last_error


def test_a_claim_that_times_out_is_retried_and_the_late_worker_loses(db, test_kind):
    job = jobs.enqueue("test.echo", {"n": 3})
    db.session.commit()
    [claimed] = jobs.claim("slow worker")
    stale_token = claimed.claim_token
    clock.travel(timedelta(seconds=301))  # the default claim lasts 300 s
    assert run_jobs() == 1 and test_kind == [3]
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 2
    assert not jobs.complete(job, stale_token, {"summary": "late"})  # its result is refused
    db.session.refresh(job)
    assert job.result["summary"] == "echo 3"


def test_a_group_shows_progress_and_tells_its_owner_when_done(client, db, test_kind, manager):
    parent = jobs.group("Echoing", "echoes done", user=manager)
    for n in range(4):
        jobs.enqueue("test.echo", {"n": n}, parent=parent)
    jobs.enqueue("test.echo", {"n": 99, "fail": "no"}, parent=parent).max_attempts = 1
    db.session.commit()
    login(client, manager)
    status = client.get(f"/jobs/{parent.id}/status.json").get_json()
    assert status["state"] == "waiting" and status["finished"] is False
    page = client.get(f"/jobs/{parent.id}").get_data(as_text=True)
    assert "Refresh this page" in page and "jobs.js" in page and "<progress" in page
    run_jobs()
    status = client.get(f"/jobs/{parent.id}/status.json").get_json()
    assert (status["done"], status["total"], status["finished"]) == (5, 5, True)
    assert status["summary"].startswith("4 echoes done; 1 failed")
    notice = db.session.scalar(select(Notification).where(Notification.user_id == manager.id))
    assert notice.event == "job.finished" and notice.link == f"/jobs/{parent.id}"


def test_progress_of_a_single_job_and_its_result_link(client, db, test_kind, create_user):
    owner, other = create_user(), create_user()
    job = jobs.enqueue("test.echo", {"n": 5, "steps": 3}, user=owner, title="Three steps")
    db.session.commit()
    run_jobs()
    login(client, owner)
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["message"] == "step 3" and status["percent"] == 100
    assert status["link"] == "/dashboard" and status["summary"] == "echo 5"
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'href="/dashboard"' in page and "Refresh this page" in page
    client.post("/logout")
    login(client, other)
    assert client.get(f"/jobs/{job.id}").status_code == 404
    assert client.get("/jobs/18446744073709551616").status_code == 404


def test_an_empty_group_finishes(db, manager):
    parent = jobs.group("Nothing to send", "e-mails sent", user=manager)
    db.session.commit()
    run_jobs()
    db.session.refresh(parent)
    assert parent.state == JobState.DONE and parent.result == {"done": 0, "failed": 0}


def test_a_group_counts_its_work_in_the_singular_and_the_plural(db, manager):
    parent = jobs.group("Sending", "e-mails sent", one="e-mail sent", user=manager)
    db.session.commit()
    run_jobs()
    db.session.refresh(parent)
    assert jobs.describe(parent)["summary"] == "0 e-mails sent"
    parent.result, parent.progress_done, parent.progress_total = {"done": 1}, 1, 1
    assert jobs.describe(parent)["summary"] == "1 e-mail sent"
    assert jobs.describe(parent)["message"] == "1 of 1 e-mail sent"
    parent.result, parent.progress_done, parent.progress_total = {"done": 2}, 2, 3
    assert jobs.describe(parent)["summary"] == "2 e-mails sent"
    assert jobs.describe(parent)["message"] == "2 of 3 e-mails sent"


def test_a_worker_stopping_mid_batch_hands_the_rest_back(app, db, test_kind, monkeypatch):
    from dataclasses import replace

    from grants.jobs import registry
    from grants.jobs.worker import Worker

    worker = Worker(app, name="stopping")
    handler = registry.HANDLERS["test.echo"]

    def stop_after_one(payload, resource, context):
        worker.stop()  # SIGTERM arrives while the first job runs
        return handler.run(payload, resource, context)

    monkeypatch.setitem(
        registry.HANDLERS, "test.echo", replace(handler, batch=5, run=stop_after_one)
    )
    for n in range(3):
        jobs.enqueue("test.echo", {"n": n})
    db.session.commit()
    worker.run_batch()
    states = sorted((j.state, j.attempts) for j in db.session.scalars(select(Job)))
    assert states == [(JobState.DONE, 1), (JobState.QUEUED, 0), (JobState.QUEUED, 0)]


def test_a_page_asks_for_work_once_and_again_after_it_failed(db, test_kind, manager, lazy):
    """jobs.request_job, what a view calls instead of committing: keyed once, committed, a
    failed job sent round again (with the retry in the audit log)."""
    first = jobs.request_job("test.echo", {"n": 5, "fail": "offline"}, key="echo:5", user=manager)
    db.session.rollback()  # the service committed it
    assert db.session.get(Job, first.id) is not None
    again = jobs.request_job("test.echo", {"n": 5, "fail": "offline"}, key="echo:5", user=manager)
    assert again.id == first.id and again.state == JobState.QUEUED
    run_jobs()
    clock.travel(timedelta(seconds=31))
    run_jobs()
    db.session.refresh(first)
    assert first.state == JobState.FAILED
    asked = jobs.request_job("test.echo", {"n": 5}, key="echo:5", user=manager)
    db.session.rollback()
    db.session.refresh(asked)
    assert asked.id == first.id and asked.state == JobState.QUEUED and asked.attempts == 0
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retry"))
