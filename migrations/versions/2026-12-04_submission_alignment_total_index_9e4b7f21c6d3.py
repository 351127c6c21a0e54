"""submission alignment total index: the ranking reads every proposal's stored alignment
total under the call's key; with the total in the index it reads no row (and no result JSON).

Revision ID: 9e4b7f21c6d3
Revises: 7d3a9c1e5b28
Create Date: 2026-12-04 22:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "9e4b7f21c6d3"
down_revision = "7d3a9c1e5b28"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submission_alignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submission_alignment_total", ["submission_id", "key", "total"], unique=False
        )


def downgrade():
    with op.batch_alter_table("submission_alignment", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_alignment_total")
