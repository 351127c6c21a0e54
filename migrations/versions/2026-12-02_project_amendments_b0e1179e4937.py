"""project amendments: changes to a running grant requested and decided, with their history

Revision ID: b0e1179e4937
Revises: 7f3a9c2e1b64
Create Date: 2026-12-02 15:45:00

"""
from alembic import op
import sqlalchemy as sa

import grants.types


# revision identifiers, used by Alembic.
revision = "b0e1179e4937"
down_revision = "7f3a9c2e1b64"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "project_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("end_date", "budget_transfer", "consortium", "work_plan",
                    name="amendmentkind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum("requested", "approved", "refused",
                    name="amendmentstate", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", grants.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", grants.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["project_grant.id"],
            name=op.f("fk_project_amendment_grant_id_project_grant"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"],
            name=op.f("fk_project_amendment_requested_by_id_user"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"],
            name=op.f("fk_project_amendment_decided_by_id_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_amendment")),
        sa.UniqueConstraint(
            "grant_id", "number", name=op.f("uq_project_amendment_grant_id_number")
        ),
    )
    with op.batch_alter_table("project_amendment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_amendment_grant_id"), ["grant_id"])
        batch_op.create_index(batch_op.f("ix_project_amendment_state"), ["state"])
        batch_op.create_index(
            batch_op.f("ix_project_amendment_requested_by_id"), ["requested_by_id"]
        )
        batch_op.create_index(batch_op.f("ix_project_amendment_decided_by_id"), ["decided_by_id"])


def downgrade():
    with op.batch_alter_table("project_amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_amendment_decided_by_id"))
        batch_op.drop_index(batch_op.f("ix_project_amendment_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_project_amendment_state"))
        batch_op.drop_index(batch_op.f("ix_project_amendment_grant_id"))
    op.drop_table("project_amendment")
