"""Service tests of calls: every rule, the status transition and its guards, editing limits,
phases computed from the clock to the second, and the audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants import clock
from grants.audit.models import AuditEntry
from grants.calls import rules, services
from grants.calls.models import Call, CallPhase, CallStatus
from grants.calls.services import CallError
from grants.taxonomy.services import eu_members
from tests.calls.conftest import call_values


def _messages(problems: dict, field: str) -> str:
    return " ".join(problems.get(field, []))


def test_valid_values_have_no_problems(db):
    assert rules.check(call_values()) == {}


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"reference": "amif 2024!"}, "reference", "capital letters, digits and hyphens"),
        ({"title": "abc"}, "title", "5 to 300 characters"),
        ({"fund": "NOPE"}, "fund", "Choose a fund"),
        ({"description": "x" * 50_001}, "description", "limited to 50000"),
        ({"total_budget": Decimal("-5")}, "total_budget", "more than zero"),
        ({"total_budget": Decimal("0")}, "total_budget", "more than zero"),
        ({"total_budget": Decimal("1e12")}, "total_budget", "cannot be more than"),
        ({"min_contribution": Decimal("0.001")}, "min_contribution", "two decimals"),
        (
            {"min_contribution": Decimal("900000"), "max_contribution": Decimal("800000")},
            "max_contribution",
            "must not be below the minimum",
        ),
        (
            {"max_contribution": Decimal("7000000")},
            "max_contribution",
            "cannot exceed the total budget",
        ),
        ({"funding_rate": Decimal("0")}, "funding_rate", "from 1 to 100"),
        ({"funding_rate": Decimal("100.5")}, "funding_rate", "from 1 to 100"),
        ({"max_duration_months": 0}, "max_duration_months", "1 to 120 months"),
        ({"max_duration_months": 121}, "max_duration_months", "1 to 120 months"),
        ({"eligible_org_types": ["pirates"]}, "eligible_org_types", "from the list"),
        ({"coordinator_countries": ["BE", "XX"]}, "coordinator_countries", "XX"),
        ({"partner_countries": ["EL"]}, "partner_countries", "EL"),
        ({"min_applicants": 0}, "min_applicants", "1 to 50"),
        ({"min_countries": 4}, "min_countries", "more countries than it has applicants"),
        (
            {"min_applicants": 5, "min_countries": 5},
            "min_countries",
            "Only 4 countries are eligible",
        ),
        ({"section_limits": {"summary": 50}}, "section_limits", "100 to 100 000"),
        ({"section_limits": {"Bad Code": 500}}, "section_limits", "use a-z"),
        (
            {"required_annexes": [{"code": "a", "title": ""}]},
            "required_annexes",
            "needs a title",
        ),
        (
            {
                "topics": [
                    {"code": "T1", "title": "A", "budget": Decimal(1)},
                    {"code": "T1", "title": "B", "budget": Decimal(1)},
                ]
            },
            "topics",
            "may appear once: T1",
        ),
        (
            {"topics": [{"code": "T1", "title": "A", "budget": Decimal("-1")}]},
            "topics",
            "above zero",
        ),
        (
            {"topics": [{"code": "T1", "title": "A", "budget": Decimal("7000000")}]},
            "topics",
            "more than the total budget",
        ),
        (
            {
                "criteria": [
                    {"code": "q", "label": "Q", "max_points": Decimal(10), "threshold": 11}
                ],
                "overall_threshold": Decimal(5),
                "tie_break_rules": [],
            },
            "criteria",
            "between 0 and its maximum",
        ),
        (
            {
                "criteria": [
                    {"code": "q", "label": "Q", "max_points": Decimal(101), "threshold": 0}
                ],
                "tie_break_rules": [],
            },
            "criteria",
            "1 to 100",
        ),
        ({"overall_threshold": Decimal(101)}, "overall_threshold", "between 0 and 100"),
        ({"priorities": {"made-up": Decimal(1)}}, "priorities", "not a strategy priority"),
        ({"priorities": {"child": Decimal(0)}}, "priorities", "above 0"),
        ({"tie_break_rules": ["criterion:beauty"]}, "tie_break_rules", "no criterion 'beauty'"),
        ({"tie_break_rules": ["coin_toss"]}, "tie_break_rules", "unknown tie-break rule"),
        ({"tie_break_rules": ["alignment", "alignment"]}, "tie_break_rules", "appears twice"),
        ({"evaluators_per_proposal": 0}, "evaluators_per_proposal", "1 to 10"),
        ({"reserve_size": -1}, "reserve_size", "0 to 50"),
        ({"aggregation": "max"}, "aggregation", "from the list"),
        (
            {"deadline_at": datetime(2026, 3, 10, 8, 0, tzinfo=UTC)},
            "deadline_at",
            "after the opening date",
        ),
        ({"opens_at": datetime(1999, 1, 1, tzinfo=UTC)}, "opens_at", "between 2000 and 2099"),
    ],
)
def test_each_rule_has_a_message_tied_to_its_field(db, overrides, field, message):
    problems = rules.check(call_values(**overrides))
    assert message in _messages(problems, field), problems


def test_create_stores_nothing_when_a_rule_is_broken(db, manager):
    with pytest.raises(CallError) as exc:
        services.create_call(call_values(total_budget=Decimal("-1")), manager)
    assert "total_budget" in exc.value.problems
    db.session.rollback()
    assert db.session.scalar(select(Call.id)) is None


def test_create_refuses_a_duplicate_reference(db, manager, create_call):
    create_call(reference="AMIF-2026-TF2-AG-THB")
    with pytest.raises(CallError) as exc:
        services.create_call(call_values(), manager)
    assert "already uses this reference" in exc.value.problems["reference"][0]


def test_create_saves_a_draft_and_logs_it(db, manager, frozen):
    call = services.create_call(call_values(), manager)
    assert call.status == CallStatus.DRAFT and call.phase == CallPhase.DRAFT
    assert [t.code for t in call.topics] == ["T1"]
    assert call.max_points == Decimal(100)
    assert call.priorities[0].priority_code == "non-eu-victims"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "call"))
    assert (entry.action, entry.actor_id, entry.entity_id) == ("create", manager.id, str(call.id))


# The transition ------------------------------------------------------------------------------


def _draft(db, manager, **overrides) -> Call:
    return services.create_call(call_values(**overrides), manager)


def test_publish_a_complete_call(db, manager, frozen):
    call = _draft(db, manager)
    services.transition(call, CallStatus.PUBLISHED, manager)
    assert call.status == CallStatus.PUBLISHED
    assert call.published_at == frozen
    assert call.phase == CallPhase.UPCOMING
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "publish"))
    assert entry.changes == {"status": ["draft", "published"]}
    assert entry.actor_id == manager.id


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"topics": []}, "at least one topic"),
        (
            {"topics": [{"code": "T1", "title": "Shelters", "budget": Decimal("5000000")}]},
            "they must be equal",
        ),
        ({"criteria": [], "tie_break_rules": []}, "at least one award criterion"),
        (
            {
                "criteria": [
                    {"code": "relevance", "label": "R", "max_points": Decimal(60), "threshold": 0}
                ],
                "overall_threshold": Decimal(50),
            },
            "add up to 60; they must add up to 100",
        ),
        ({"priorities": {}}, "at least one strategy priority"),
        ({"eligible_org_types": []}, "at least one eligible type"),
        ({"coordinator_countries": []}, "at least one country eligible for coordinators"),
    ],
)
def test_publish_guard_refuses_an_incomplete_call(db, manager, frozen, overrides, message):
    call = _draft(db, manager, **overrides)
    with pytest.raises(CallError) as exc:
        services.transition(call, CallStatus.PUBLISHED, manager)
    assert message in str(exc.value)
    db.session.rollback()
    assert db.session.get(Call, call.id).status == CallStatus.DRAFT
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "publish")) is None


def test_publish_guard_refuses_a_past_deadline(db, manager, frozen):
    call = _draft(db, manager)
    clock.freeze(call.deadline_at)
    with pytest.raises(CallError, match="deadline has passed"):
        services.transition(call, CallStatus.PUBLISHED, manager)
    clock.freeze(call.deadline_at - timedelta(seconds=1))
    services.transition(call, CallStatus.PUBLISHED, manager)
    assert call.phase == CallPhase.OPEN


def test_publish_guard_rechecks_the_rules(db, manager, frozen, create_call):
    # A call stored by other means (here the factory) with a broken rule cannot be published.
    call = create_call(status=CallStatus.DRAFT, max_contribution=Decimal("9000000"))
    with pytest.raises(CallError, match="cannot exceed the total budget"):
        services.transition(call, CallStatus.PUBLISHED, manager)


@pytest.mark.parametrize(
    "source, target",
    [
        (CallStatus.DRAFT, CallStatus.CLOSED),
        (CallStatus.DRAFT, CallStatus.UNDER_EVALUATION),
        (CallStatus.PUBLISHED, CallStatus.DRAFT),
        (CallStatus.PUBLISHED, CallStatus.RESULTS_PUBLISHED),
        (CallStatus.CLOSED, CallStatus.PUBLISHED),
        (CallStatus.UNDER_EVALUATION, CallStatus.CLOSED),
        (CallStatus.RESULTS_PUBLISHED, CallStatus.UNDER_EVALUATION),
        (CallStatus.PUBLISHED, CallStatus.PUBLISHED),
    ],
)
def test_transitions_that_do_not_exist_are_refused(db, manager, create_call, source, target):
    call = create_call(status=source)
    with pytest.raises(CallError, match="cannot become"):
        services.transition(call, target, manager)


def test_close_early_is_logged_as_early(db, manager, create_call):
    call = create_call()
    services.transition(call, CallStatus.CLOSED, manager)
    assert call.phase == CallPhase.CLOSED
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "close"))
    assert "closed early" in entry.summary


def test_evaluation_starts_only_after_the_deadline_or_closing(db, manager, create_call):
    call = create_call()
    clock.freeze(call.deadline_at - timedelta(seconds=1))
    with pytest.raises(CallError, match="only after the deadline"):
        services.transition(call, CallStatus.UNDER_EVALUATION, manager)
    clock.freeze(call.deadline_at)
    services.transition(call, CallStatus.UNDER_EVALUATION, manager)
    assert call.phase == CallPhase.UNDER_EVALUATION

    closed = create_call(status=CallStatus.CLOSED)
    services.transition(closed, CallStatus.UNDER_EVALUATION, manager)
    with pytest.raises(CallError, match="from the call's ranking page"):
        services.transition(closed, CallStatus.RESULTS_PUBLISHED, manager)
    services.transition(closed, CallStatus.RESULTS_PUBLISHED, manager, results=True)
    assert closed.phase == CallPhase.RESULTS_PUBLISHED
    actions = list(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(closed.id)))
    )
    assert sorted(actions) == ["publish-results", "start-evaluation"]


# Phases from the clock -----------------------------------------------------------------------


def test_phase_to_the_second(db, create_call):
    opens = datetime(2026, 5, 21, 0, 0, tzinfo=UTC)
    deadline = datetime(2026, 8, 21, 15, 0, tzinfo=UTC)
    call = create_call(opens_at=opens, deadline_at=deadline)
    second = timedelta(seconds=1)
    for moment, phase in [
        (opens - second, CallPhase.UPCOMING),
        (opens, CallPhase.OPEN),
        (deadline - second, CallPhase.OPEN),
        (deadline, CallPhase.CLOSED),
        (deadline + second, CallPhase.CLOSED),
    ]:
        clock.freeze(moment)
        assert call.phase == phase, moment
        assert call.is_open == (phase == CallPhase.OPEN)


# Editing -------------------------------------------------------------------------------------


def test_draft_can_change_everything_and_the_diff_is_logged(db, manager, frozen):
    call = _draft(db, manager)
    changes = services.update_call(
        call,
        call_values(
            total_budget=Decimal("7000000"),
            topics=[
                {"code": "T1", "title": "Shelters", "budget": Decimal("5000000")},
                {"code": "T2", "title": "Identification", "budget": Decimal("2000000")},
            ],
        ),
        manager,
    )
    assert set(changes) == {"total_budget", "topics"}
    assert [t.code for t in call.topics] == ["T1", "T2"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.changes["total_budget"] == ["6000000.00", "7000000.00"]


def test_unchanged_values_write_nothing(db, manager, frozen):
    call = _draft(db, manager)
    assert services.update_call(call, services.call_values(call), manager) == {}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update")) is None


def test_open_call_locks_eligibility_but_allows_wording(db, manager, create_call):
    call = create_call()
    values = services.call_values(call)
    with pytest.raises(CallError) as exc:
        services.update_call(
            call, {**values, "min_applicants": 3, "total_budget": Decimal(1)}, manager
        )
    assert "cannot change while the call is open" in exc.value.problems["min_applicants"][0]
    assert "total_budget" in exc.value.problems
    db.session.rollback()
    call = db.session.get(Call, call.id)
    services.update_call(call, {**values, "title": "A clearer title for the call"}, manager)
    assert call.title == "A clearer title for the call"


def test_open_call_deadline_can_be_extended_not_brought_forward(db, manager, create_call):
    call = create_call()
    values = services.call_values(call)
    old = call.deadline_at
    with pytest.raises(CallError, match="only be extended"):
        services.update_call(call, {**values, "deadline_at": old - timedelta(days=1)}, manager)
    db.session.rollback()
    call = db.session.get(Call, call.id)
    services.update_call(call, {**values, "deadline_at": old + timedelta(days=7)}, manager)
    assert call.deadline_at == old + timedelta(days=7)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "extend-deadline"))
    assert entry is not None and "deadline now" in entry.summary


def test_upcoming_call_can_still_change_eligibility(db, manager, create_call):
    now = clock.now()
    call = create_call(opens_at=now + timedelta(days=3), deadline_at=now + timedelta(days=60))
    values = services.call_values(call)
    services.update_call(call, {**values, "min_applicants": 3, "min_countries": 2}, manager)
    assert (call.min_applicants, call.min_countries) == (3, 2)


def test_closed_call_only_changes_evaluators(db, manager, create_call):
    call = create_call(status=CallStatus.CLOSED)
    values = services.call_values(call)
    with pytest.raises(CallError, match="cannot change while the call is closed"):
        services.update_call(call, {**values, "description": "new"}, manager)
    db.session.rollback()
    call = db.session.get(Call, call.id)
    services.update_call(call, {**values, "evaluators_per_proposal": 5}, manager)
    assert call.evaluators_per_proposal == 5


def test_results_published_call_is_frozen(db, manager, create_call):
    call = create_call(status=CallStatus.RESULTS_PUBLISHED)
    values = services.call_values(call)
    with pytest.raises(CallError):
        services.update_call(call, {**values, "evaluators_per_proposal": 5}, manager)


# Lists and helpers --------------------------------------------------------------------------


def test_public_calls_groups_and_filters(db, create_call):
    now = clock.now()
    open_amif = create_call(reference="OPEN-AMIF")
    create_call(reference="DRAFT-1", status=CallStatus.DRAFT)
    upcoming_isf = create_call(
        reference="SOON-ISF",
        fund="ISF",
        opens_at=now + timedelta(days=5),
        deadline_at=now + timedelta(days=50),
        priorities={"online": 1},
    )
    recent = create_call(
        reference="RECENT",
        opens_at=now - timedelta(days=100),
        deadline_at=now - timedelta(days=10),
    )
    create_call(
        reference="OLD", opens_at=now - timedelta(days=400), deadline_at=now - timedelta(days=91)
    )
    groups = services.public_calls(services.CallFilter())
    assert [c.reference for c in groups[CallPhase.OPEN]] == [open_amif.reference]
    assert [c.reference for c in groups[CallPhase.UPCOMING]] == [upcoming_isf.reference]
    assert [c.reference for c in groups[CallPhase.CLOSED]] == [recent.reference]
    by_fund = services.public_calls(services.CallFilter(fund="ISF"))
    assert sum(map(len, by_fund.values())) == 1 and by_fund[CallPhase.UPCOMING]
    by_priority = services.public_calls(services.CallFilter(priority="child"))
    assert {c.reference for g in by_priority.values() for c in g} == {"OPEN-AMIF", "RECENT"}
    # "Closed" finds every past call, results published included, newest first.
    create_call(
        reference="DONE",
        status=CallStatus.RESULTS_PUBLISHED,
        opens_at=now - timedelta(days=300),
        deadline_at=now - timedelta(days=200),
    )
    closed = services.public_calls(services.CallFilter(phase="closed"))
    assert [c.reference for c in closed[CallPhase.CLOSED]] == ["RECENT", "OLD", "DONE"]
    assert not closed[CallPhase.OPEN] and not closed[CallPhase.UPCOMING]


def test_describe_countries_uses_presets(db):
    eu = eu_members()
    assert services.describe_countries(eu) == "all EU Member States"
    assert services.describe_countries(eu - {"DK"}) == "EU Member States except Denmark"
    assert services.describe_countries(eu | {"UA"}) == "all EU Member States, Ukraine"
    assert services.describe_countries(["BE", "RO"]) == "Belgium, Romania"


def test_remaining():
    deadline = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert services.remaining(deadline, deadline) == ""
    assert services.remaining(deadline, deadline - timedelta(seconds=30)) == "less than a minute"
    assert services.remaining(deadline, deadline - timedelta(hours=2, minutes=1)) == (
        "2 hours 1 minute"
    )
    assert services.remaining(deadline, deadline - timedelta(days=3, hours=1)) == "3 days 1 hour"


def test_content_hash_changes_with_the_content(db, create_call):
    call = create_call()
    before = services.content_hash(call)
    call.title = "Another title for this call"
    assert services.content_hash(call) != before
