"""submission proposal version: the proposal's optimistic-lock version recorded with each new
submission, so that "changes not submitted yet" is known by comparing two numbers instead of
building the proposal's snapshot and decoding the submitted one. Rows written before stay
NULL and keep the full comparison.

Revision ID: 7d3a9c1e5b28
Revises: 5b0e7c2d9a14
Create Date: 2026-12-04 21:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7d3a9c1e5b28"
down_revision = "5b0e7c2d9a14"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("proposal_version")
