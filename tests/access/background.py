"""Access expectations of the notification centre and the job pages. The world's applicant
owns one notification and one job (a group of e-mails); another applicant and an evaluator
get a 404 for them; failed work is for programme managers."""

from tests.access.common import LOGIN, MANAGERS, MEMBERS

OWN_JOB = (LOGIN, 200, 404, 404, 200, 200)  # the owner and programme managers
OWN_NOTICE = (LOGIN, 302, 404, 404, 404, 404)  # a notice is its recipient's alone
MEMBER_POST = (LOGIN, 302, 302, 302, 302, 302)
MANAGER_POST = (LOGIN, 403, 403, 403, 302, 302)


def _job(w):
    return {"job_id": w["job"]}


EXPECTED = {
    "notifications.index": ("GET", lambda w: {}, MEMBERS),
    "notifications.open_notice": (
        "POST",
        lambda w: {"notification_id": w["notification"]},
        OWN_NOTICE,
    ),
    "notifications.read_all": ("POST", lambda w: {}, MEMBER_POST),
    "notifications.preferences": ("GET", lambda w: {}, MEMBERS),
    "jobs.status": ("GET", _job, OWN_JOB),
    "jobs.status_json": ("GET", _job, OWN_JOB),
    "jobs.failed": ("GET", lambda w: {}, MANAGERS),
    "portfolio.report_download": ("GET", lambda w: {"job_id": w["report_job"]}, OWN_JOB),
    "jobs.retry": ("POST", lambda w: {"job_id": w["failed_job"]}, MANAGER_POST),
}


def build(world: dict, fixtures: dict) -> None:
    from grants import clock
    from grants.extensions import db
    from grants.jobs import services as jobs
    from grants.jobs.models import JobState
    from grants.notifications.services import notify

    applicant = world["users"]["applicant"]
    job = jobs.group("E-mailing the result letters", "e-mails sent", user=applicant)
    failed = jobs.enqueue("mail.send", {"message_id": "<gone@thb-programme>"}, user=applicant)
    failed.state = JobState.FAILED
    failed.last_error = "SMTPRecipientsRefused: 550 no such mailbox"
    failed.finished_at = clock.now()
    notify("job.finished", [applicant], None, subject="Done", link="/dashboard")
    from grants.portfolio.jobs import PDF, report_path

    report = jobs.enqueue(PDF, {"args": [], "view": "europe"}, user=applicant)
    report.state = JobState.DONE
    db.session.commit()
    report_path(report.id).parent.mkdir(parents=True, exist_ok=True)
    report_path(report.id).write_bytes(b"%PDF-1.7 the applicant's report")
    world["report_job"] = report.id
    from grants.notifications.models import Notification

    world["job"] = job.id
    world["failed_job"] = failed.id
    world["notification"] = db.session.query(Notification).filter_by(user_id=applicant.id).one().id
