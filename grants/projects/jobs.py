"""Scheduled reminders of funded projects: coordinators are told 14 days and 1 day before a
report or a deliverable is due, and flagged (with the managers) when it is overdue. The
notification's key (event, recipient, grant, item and occasion) makes a second run, or a
late one after a gap, tell nobody twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from grants import clock
from grants.accounts.models import Organisation, RoleName
from grants.extensions import db
from grants.formatting import count_of
from grants.jobs.registry import scheduled
from grants.jobs.reminders import DAILY, users_with_roles
from grants.notifications.services import absolute_url, notify
from grants.projects import services
from grants.projects.models import Grant, GrantStatus

WARN = (timedelta(days=14), timedelta(days=1))


def due_items(grant: Grant) -> list[dict]:
    """What the coordinator still owes: the next report and deliverables not done, with dates."""
    items = []
    upcoming = services.next_due(grant)
    if upcoming:
        items.append(
            {
                "key": f"report-{upcoming['number']}",
                "due": upcoming["due"],
                "what": f"the report for period {upcoming['number']}",
            }
        )
    for position, deliverable in enumerate(grant.work_plan.get("deliverables", [])):
        if deliverable.get("done") or not deliverable.get("month"):
            continue
        due = services.add_months(grant.start_date, int(deliverable["month"])) - timedelta(1)
        items.append(
            {
                "key": f"deliverable-{position}",
                "due": due,
                "what": f"the deliverable {deliverable.get('title', '')!r}",
            }
        )
    return items


def _running() -> list[Grant]:
    return list(
        db.session.scalars(
            select(Grant).where(Grant.status == GrantStatus.RUNNING).order_by(Grant.id)
        )
    )


@scheduled("projects.reminders", DAILY, "Coordinators reminded of reports and deliverables due")
def project_reminders(fire_time: datetime) -> dict:
    today = clock.to_brussels(clock.now()).date()
    sent = 0
    for grant in _running():
        members = db.session.get(Organisation, grant.organisation_id).members
        for item in due_items(grant):
            left = item["due"] - today
            if left < timedelta(0):
                continue
            occasion = next((f"{w.days}d" for w in sorted(WARN) if left <= w), None)
            if occasion is None:
                continue
            sent += len(
                notify(
                    "project.reminder",
                    members,
                    grant,
                    key=f"{item['key']}:{occasion}",
                    subject=f"Reminder: {item['what']} is due on {item['due']:%d %B %Y}",
                    template="mail/project_notice.txt",
                    link=absolute_url("projects.view", grant_id=grant.id),
                    grant=grant,
                    due=f"{item['due']:%d %B %Y}",
                    audit=True,
                )
            )
    db.session.commit()
    return {"summary": f"{count_of(sent, 'project reminder')} queued."}


@scheduled(
    "projects.overdue", DAILY, "Project reports and deliverables past their due date flagged"
)
def project_overdue(fire_time: datetime) -> dict:
    today = clock.to_brussels(clock.now()).date()
    managers = users_with_roles(RoleName.PROGRAMME_MANAGER, RoleName.ADMIN)
    flagged = 0
    for grant in _running():
        late = [i for i in due_items(grant) if i["due"] < today]
        if not late:
            continue
        members = db.session.get(Organisation, grant.organisation_id).members
        link = absolute_url("projects.view", grant_id=grant.id)
        for item in late:
            flagged += 1
            notify(
                "project.overdue",
                members,
                grant,
                key=item["key"],
                subject=f"Overdue: {item['what']} was due on {item['due']:%d %B %Y}",
                template="mail/project_notice.txt",
                link=link,
                grant=grant,
                audit=True,
            )
        notify(
            "project.overdue.manager",
            managers,
            grant,
            key=today.isoformat(),
            subject=(
                f"{grant.acronym or grant.agreement_number}: {count_of(len(late), 'item')} overdue"
            ),
            template="mail/project_notice.txt",
            link=link,
            grant=grant,
        )
    db.session.commit()
    return {"summary": f"{count_of(flagged, 'overdue project item')} flagged."}
