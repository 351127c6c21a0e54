"""portfolio outcome tags: the priorities, forms of exploitation and target groups each outcome
of a project addresses, so the review map breaks outcomes down by them

Revision ID: 3c8e5d1a7f20
Revises: b0e1179e4937
Create Date: 2026-12-03 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3c8e5d1a7f20"
down_revision = "b0e1179e4937"
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


def downgrade():
    with op.batch_alter_table("portfolio_outcome_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_portfolio_outcome_tag_kind_code")
    op.drop_table("portfolio_outcome_tag")
