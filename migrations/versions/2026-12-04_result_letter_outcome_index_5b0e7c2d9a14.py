"""result letter outcome index: the project list's "results without a grant yet" (the selected
and reserve letters) read from the letters by their outcome; without it SQLite read every
submission of the programme and looked each one's letter up.

Revision ID: 5b0e7c2d9a14
Revises: dca272436fa6
Create Date: 2026-12-04 15:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "5b0e7c2d9a14"
down_revision = "dca272436fa6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("result_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_letter_outcome"), ["outcome"], unique=False)


def downgrade():
    with op.batch_alter_table("result_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_letter_outcome"))
