"""Every foreign key of the schema has an index whose leading columns are the key's columns.

Without one, PostgreSQL and SQLite scan the whole referencing table for each lookup and for
each ON DELETE on the referenced row. The keys left without an index are listed below with
the reason; the test also fails when a listed exception gets an index or disappears, so the
list stays true.
"""

from __future__ import annotations

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

from grants import create_app
from grants.extensions import db

# Who did something: recorded and shown on the row, never filtered on; users are
# deactivated, never deleted, so no ON DELETE scans these columns.
_WHO = "who acted: shown on the row, never queried by; users are never deleted"
# Reference data of a few dozen rows, read whole with its parent.
_REFERENCE = "seeded reference data of a few dozen rows, read whole"

EXCEPTIONS = {
    ("annex", "uploaded_by_id"): _WHO,
    ("call", "created_by_id"): _WHO,
    ("conflict_override", "manager_id"): _WHO,
    ("consensus_report", "approved_by_id"): _WHO,
    ("consensus_report", "appointed_by_id"): _WHO,
    ("evaluator_invitation", "accepted_by_id"): _WHO,
    ("evaluator_invitation", "invited_by_id"): _WHO,
    ("final_ranking", "published_by_id"): _WHO,
    ("final_ranking", "finalised_by_id"): _WHO,
    ("portfolio_import", "created_by_id"): _WHO,
    ("portfolio_mapping", "updated_by_id"): _WHO,
    ("portfolio_victim_figure", "uploaded_by_id"): _WHO,
    ("proposal", "created_by_id"): _WHO,
    ("review_assignment", "assigned_by_id"): _WHO,
    ("submission", "submitted_by_id"): _WHO,
    ("project_grant", "prepared_by_id"): _WHO,
    ("project_report", "submitted_by_id"): _WHO,
    ("project_deliverable_file", "uploaded_by_id"): _WHO,
    ("submission_review", "reviewer_id"): _WHO,
    ("indicator_definition_breakdown", "breakdown_id"): _REFERENCE,
    ("priority_link", "target_id"): _REFERENCE,
    ("region_country", "country_code"): _REFERENCE,
    ("scheduled_run", "last_job_id"): "one row per scheduled job (a handful), read whole",
}


def _unindexed_foreign_keys() -> set[tuple[str, str]]:
    missing = set()
    for table in db.metadata.tables.values():
        leading = [[c.name for c in index.columns] for index in table.indexes]
        leading += [
            [c.name for c in constraint.columns]
            for constraint in table.constraints
            if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint))
        ]
        for key in table.foreign_key_constraints:
            columns = [c.name for c in key.columns]
            if not any(names[: len(columns)] == columns for names in leading):
                missing.add((table.name, ",".join(columns)))
    return missing


def test_every_foreign_key_has_an_index_or_a_stated_reason():
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})  # imports all models
    missing = _unindexed_foreign_keys()
    assert missing - set(EXCEPTIONS) == set(), "foreign keys without an index"
    assert set(EXCEPTIONS) - missing == set(), "listed as exceptions but indexed or gone"
