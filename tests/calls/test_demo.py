"""The demo calls: modelled on the real AMIF 2024 and ISF 2022 calls, one open now; idempotent."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from grants.accounts.services import user_by_email
from grants.calls.models import Call, CallPhase
from seed.demo import load_demo
from seed.demo_calls import load_demo_calls


def test_demo_calls(db):
    load_demo()
    assert load_demo_calls() == "4 calls created"
    assert load_demo_calls() == "0 calls created"
    assert db.session.scalar(select(func.count(Call.id))) == 4
    calls = {c.reference: c for c in db.session.scalars(select(Call))}
    amif = calls["AMIF-2024-TF2-AG-THB"]
    assert amif.phase == CallPhase.UNDER_EVALUATION
    assert amif.opens_at == datetime(2024, 5, 20, 22, 0, tzinfo=UTC)
    assert amif.deadline_at == datetime(2024, 8, 21, 15, 0, tzinfo=UTC)  # 17:00 Brussels
    assert (amif.total_budget, amif.min_contribution, amif.max_contribution) == (
        Decimal("6000000.00"),
        Decimal("500000.00"),
        Decimal("1000000.00"),
    )
    assert amif.funding_rate == Decimal("90.00")
    assert (amif.min_applicants, amif.min_countries) == (3, 3)
    assert "DK" not in amif.coordinator_countries and len(amif.coordinator_countries) == 26
    assert calls["ISF-2022-TF1-AG-THB"].phase == CallPhase.CLOSED
    assert calls["ISF-2022-TF1-AG-THB"].fund.code == "ISF"
    phases = sorted(c.phase.value for c in calls.values())
    assert phases == ["closed", "open", "under_evaluation", "upcoming"]
    manager = user_by_email("manager@thb-demo.eu")
    assert {c.created_by_id for c in calls.values()} == {manager.id}
