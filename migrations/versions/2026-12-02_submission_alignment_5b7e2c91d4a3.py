"""submission alignment: the priority alignment stored with each submitted version

Revision ID: 5b7e2c91d4a3
Revises: 5e551075c0de
Create Date: 2026-12-02 12:25:00

"""
from alembic import op
import sqlalchemy as sa

import grants.types


# revision identifiers, used by Alembic.
revision = "5b7e2c91d4a3"
down_revision = "5e551075c0de"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_alignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("computed_at", grants.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_submission_alignment_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_alignment")),
        sa.UniqueConstraint(
            "submission_id", "key", name=op.f("uq_submission_alignment_submission_id_key")
        ),
    )
    with op.batch_alter_table("submission_alignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_alignment_submission_id"), ["submission_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("submission_alignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_alignment_submission_id"))
    op.drop_table("submission_alignment")
