"""portfolio outcome tags and deliverable files: the priorities, forms of exploitation and target
groups each outcome of a project addresses, so the review map breaks outcomes down by them;
the PDF files that deliver a grant's deliverables

Revision ID: 3c8e5d1a7f20
Revises: 3c8d5f7a9e21
Create Date: 2026-12-03 14:10:00

"""
from alembic import op
import sqlalchemy as sa

import grants.types


# revision identifiers, used by Alembic.
revision = "3c8e5d1a7f20"
down_revision = "3c8d5f7a9e21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portfolio_outcome_tag",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("priority", "exploitation", "target_group", "project_type",
                    name="tagkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("via", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["portfolio_project.id"],
            name=op.f("fk_portfolio_outcome_tag_project_id_portfolio_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "position", "kind", "code", name=op.f("pk_portfolio_outcome_tag")
        ),
    )
    with op.batch_alter_table("portfolio_outcome_tag", schema=None) as batch_op:
        batch_op.create_index("ix_portfolio_outcome_tag_kind_code", ["kind", "code"], unique=False)
    op.create_table(
        "project_deliverable_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("deliverable", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", grants.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("size > 0", name=op.f("ck_project_deliverable_file_not_empty")),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["project_grant.id"],
            name=op.f("fk_project_deliverable_file_grant_id_project_grant"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user.id"],
            name=op.f("fk_project_deliverable_file_uploaded_by_id_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_deliverable_file")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_project_deliverable_file_stored_name")),
    )
    with op.batch_alter_table("project_deliverable_file", schema=None) as batch_op:
        batch_op.create_index(
            "ix_project_deliverable_file_grant", ["grant_id", "deliverable"], unique=False
        )


def downgrade():
    with op.batch_alter_table("project_deliverable_file", schema=None) as batch_op:
        batch_op.drop_index("ix_project_deliverable_file_grant")
    op.drop_table("project_deliverable_file")
    with op.batch_alter_table("portfolio_outcome_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_portfolio_outcome_tag_kind_code")
    op.drop_table("portfolio_outcome_tag")
