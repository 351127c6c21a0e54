"""foreign key indexes: an index on every foreign key that is queried

Revision ID: 7f3a9c2e1b64
Revises: fc9465bd5ffb
Create Date: 2026-12-02 13:15:00

The call-wide pages look assignments up by submission (a full scan of review_assignment
before), scores by criterion, proposals by topic, partners by organisation, claims and call
weights by priority, messages by user and users by role. The foreign keys left without an
index are listed, with the reason, in tests/test_foreign_key_indexes.py.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "7f3a9c2e1b64"
down_revision = "fc9465bd5ffb"
branch_labels = None
depends_on = None

INDEXES = [
    ("review_assignment", "submission_id"),
    ("evaluator_invitation", "call_id"),
    ("evaluation_score", "criterion_id"),
    ("consensus_score", "criterion_id"),
    ("proposal", "topic_id"),
    ("proposal_partner", "organisation_id"),
    ("priority_claim", "priority_code"),
    ("work_package", "lead_partner_id"),
    ("call_priority", "priority_code"),
    ("outbox_message", "user_id"),
    ("user_role", "role_id"),
    ("project_payment", "report_id"),
]


def upgrade():
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
