"""The kinds of event people are told about: who may choose how, and the default channel.

A new event is one entry here and one notify() call in the domain that raises it."""

from __future__ import annotations

from dataclasses import dataclass

from grants.accounts.models import RoleName
from grants.notifications.models import Channel

APPLICANT, EVALUATOR = RoleName.APPLICANT, RoleName.EVALUATOR
MANAGER, ADMIN = RoleName.PROGRAMME_MANAGER, RoleName.ADMIN


@dataclass(frozen=True)
class Event:
    code: str
    label: str  # on the preferences page
    default: Channel = Channel.EMAIL
    mandatory: bool = False  # always by e-mail, whatever the preference
    roles: tuple = ()  # who sees the choice on the preferences page (all when empty)


EVENTS = {
    e.code: e
    for e in (
        Event("proposal.receipt", "Receipts of submitted proposals", mandatory=True),
        Event("proposal.withdrawn", "A proposal was withdrawn", roles=(APPLICANT,)),
        Event("results.published", "Results of calls for proposals", mandatory=True),
        Event("call.opened", "A call for proposals opens", Channel.APP),
        Event("call.closed", "A call for proposals closes", Channel.APP, roles=(APPLICANT,)),
        Event(
            "call.closed.manager",
            "A call closed: submissions received",
            Channel.EMAIL,
            roles=(MANAGER, ADMIN),
        ),
        Event("review.assigned", "Proposals assigned to me", roles=(EVALUATOR,)),
        Event(
            "review.reminder",
            "Reminders of evaluations due (7 days and 1 day before)",
            roles=(EVALUATOR,),
        ),
        Event("review.overdue", "My evaluations past their deadline", roles=(EVALUATOR,)),
        Event("consensus.appointed", "Appointed rapporteur", roles=(EVALUATOR,)),
        Event("consensus.returned", "A consensus report returned to me", roles=(EVALUATOR,)),
        Event("consensus.reminder", "Reminders of consensus reports to write", roles=(EVALUATOR,)),
        Event(
            "review.overdue.manager",
            "Evaluations past their deadline in my calls",
            Channel.DIGEST,
            roles=(MANAGER, ADMIN),
        ),
        Event("project.prepared", "A grant prepared for my confirmation", roles=(APPLICANT,)),
        Event("project.status", "My projects change status", Channel.APP, roles=(APPLICANT,)),
        Event("project.report_decided", "Decisions on my project reports", roles=(APPLICANT,)),
        Event(
            "project.reminder",
            "Reminders of project reports and deliverables due",
            roles=(APPLICANT,),
        ),
        Event("project.overdue", "Project reports and deliverables overdue", roles=(APPLICANT,)),
        Event(
            "project.confirmed", "Grants confirmed, to sign", Channel.APP, roles=(MANAGER, ADMIN)
        ),
        Event(
            "project.report_submitted",
            "Project reports to review",
            Channel.DIGEST,
            roles=(MANAGER, ADMIN),
        ),
        Event(
            "project.amendment_decided", "Decisions on my projects' amendments", roles=(APPLICANT,)
        ),
        Event(
            "project.withdrawn",
            "Grants withdrawn before signature",
            Channel.APP,
            roles=(MANAGER, ADMIN),
        ),
        Event(
            "project.amendment_requested",
            "Project amendments to decide",
            roles=(MANAGER, ADMIN),
        ),
        Event(
            "project.overdue.manager",
            "Projects with late reports",
            Channel.DIGEST,
            roles=(MANAGER, ADMIN),
        ),
        Event("job.finished", "Background work I started has finished", Channel.APP),
    )
}


def event(code: str) -> Event:
    return EVENTS[code]


def choices_for(user) -> list[Event]:
    """The events whose channel `user` may choose (mandatory ones are shown apart)."""
    return [
        e for e in EVENTS.values() if not e.mandatory and (not e.roles or user.has_role(*e.roles))
    ]


def mandatory_for(user) -> list[Event]:
    return [e for e in EVENTS.values() if e.mandatory]
