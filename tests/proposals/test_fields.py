"""The field map drives the form, the prefill, the save, the audit diff, the completeness
check, the limits and the snapshot: each of them sees every entry of the map."""

from __future__ import annotations

import pytest

from grants.audit.models import AuditEntry
from grants.extensions import db
from grants.proposals import checks, forms, sections, submitting
from grants.proposals import fields as F
from grants.proposals.models import Proposal


@pytest.mark.parametrize(("section", "f"), F.all_fields(), ids=lambda x: getattr(x, "name", x))
def test_every_entry_is_a_column_and_a_form_field(section, f):
    assert f.name in Proposal.__table__.columns
    assert type(getattr(forms.SECTION_FORMS[section], f.name)).__name__ == "UnboundField"


def test_every_text_is_submitted_and_limited_as_declared(create_proposal):
    proposal = create_proposal()
    taken = submitting.take_snapshot(proposal)
    for f in F.text_fields():
        assert taken.text(f.name) == getattr(proposal, f.name)
        assert taken.as_json()[f.name] == getattr(proposal, f.name)
    counted = {name for limit in F.limits() for name in limit.fields}
    assert counted == {f.name for f in F.text_fields() if f.limit}


def test_saving_a_section_uses_the_map_for_save_diff_and_checks(create_proposal):
    proposal = create_proposal()
    user = proposal.organisation.memberships[0].user
    data = sections.field_values(proposal, "relevance")
    assert data == {"relevance": proposal.relevance, "objectives": proposal.objectives}
    data["objectives"] = "  \r\n"
    sections.save_section(proposal, "relevance", data, user, proposal.version)
    assert proposal.objectives == ""
    entry = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.action == "save").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.changes == {"section": "relevance", "fields": ["objectives"]}
    missing = checks.missing_fields(proposal, "relevance")
    assert [(m.code, m.anchor, m.message) for m in missing] == [
        ("objectives", "objectives", "State the objectives.")
    ]
