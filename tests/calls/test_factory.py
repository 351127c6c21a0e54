"""The create_call factory gives an open call that other domains can rely on."""

from decimal import Decimal

from grants.calls.models import CallPhase, CallStatus


def test_default_call_is_open_with_topics_criteria_priorities(create_call):
    call = create_call()
    assert call.phase == CallPhase.OPEN
    assert [t.code for t in call.topics] == ["T1"]
    assert call.max_points == Decimal(100)
    assert {p.priority_code for p in call.priorities} == {"non-eu-victims", "gender", "child"}
    assert call.fund.code == "AMIF"


def test_overrides(create_call):
    call = create_call(reference="X-1", status=CallStatus.DRAFT, fund="ISF", min_applicants=3)
    assert (call.reference, call.phase, call.fund.code, call.min_applicants) == (
        "X-1",
        CallPhase.DRAFT,
        "ISF",
        3,
    )
