"""The submitted snapshot: one typed reader for every version of the stored format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from grants.proposals import submitting
from grants.proposals.snapshot import (
    FORMAT_VERSION,
    Snapshot,
    UnknownFormat,
    content_hash,
    read_head,
    read_snapshot,
)

DATA = Path(__file__).parent / "data"


def stored_v1() -> dict:
    """A snapshot as the code wrote it before the format had a version (December 2026)."""
    return json.loads((DATA / "snapshot_v1.json").read_text())


def test_a_version_1_snapshot_reads_typed():
    c = read_snapshot(stored_v1())
    assert isinstance(c, Snapshot)
    assert c.acronym == "SAFE-1" and c.topic.code == "T1" and c.call.reference.startswith("TEST")
    assert c.organisation.name == "Organisation 1" and c.organisation.id == 1
    assert [x.role for x in c.partners] == ["coordinator", "partner", "partner"]
    assert c.coordinator.name == "Organisation 1"
    assert c.all_countries == {"BE", "NL", "DE"}
    assert c.claimed_priorities == {"child", "gender", "non-eu-victims"}
    assert c.budget.eu_contribution == Decimal("661500.00")
    assert sum(x.amount for x in c.budget.lines) == c.budget.total == Decimal("735000.00")
    assert c.indicators[0].target == Decimal(400) and c.indicators[0].by_sex
    assert [i.kind for i in c.work_packages[0].items] == ["activity", "deliverable"]
    assert c.work_packages[0].priorities == ("non-eu-victims",)
    assert c.annexes[0].size == 125


def test_a_version_1_snapshot_keeps_its_hash_and_writes_back_unchanged():
    old = stored_v1()
    assert content_hash(old) == (DATA / "snapshot_v1.sha256").read_text().strip()
    again = read_snapshot(old).as_json()
    assert again.pop("format") == FORMAT_VERSION
    assert again == old  # nothing lost or changed on the way through the typed reader


def test_the_current_format_reads_back_equal(create_proposal):
    taken = submitting.take_snapshot(create_proposal())
    stored = json.loads(json.dumps(taken.as_json()))  # as the JSON column gives it back
    assert stored["format"] == FORMAT_VERSION
    assert read_snapshot(stored) == taken


def test_missing_fields_of_an_old_snapshot_read_as_empty():
    c = read_snapshot({"acronym": "OLD", "partners": [{"name": "Only a name"}]})
    assert c.acronym == "OLD" and c.topic is None and c.countries == ()
    assert c.partners[0].country == "" and c.partners[0].organisation_id is None
    assert c.budget.total == 0 and c.coordinator is None


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, "2", None])
def test_an_unknown_format_is_refused(version):
    with pytest.raises(UnknownFormat):
        read_snapshot({"format": version, "acronym": "X"})


def test_a_submission_stored_in_version_1_still_counts_as_unchanged(
    db, create_proposal, submit_proposal
):
    proposal = create_proposal()
    submission = submit_proposal(proposal)
    assert submission.content["format"] == FORMAT_VERSION
    old = dict(submission.content)
    del old["format"]
    submission.content = old  # as a submission made before the format had a version
    db.session.commit()
    db.session.expire_all()
    submission = db.session.get(type(submission), submission.id)
    assert "format" not in submission.content
    assert submission.snapshot.acronym == proposal.acronym
    assert not submitting.has_unsubmitted_changes(proposal)
    again = submit_proposal(proposal)
    assert again.id == submission.id  # the same content: the same submission still counts
    proposal.title = "A new title"
    db.session.commit()
    assert submitting.has_unsubmitted_changes(proposal)


def test_the_head_reads_what_lists_show_from_any_version():
    old = stored_v1()
    head = read_head(old)
    full = read_snapshot(old)
    assert (head.acronym, head.title, head.topic, head.organisation, head.call) == (
        full.acronym,
        full.title,
        full.topic,
        full.organisation,
        full.call,
    )
    assert read_head(read_snapshot(old).as_json()) == head
    with pytest.raises(UnknownFormat):
        read_head({"format": FORMAT_VERSION + 1})
