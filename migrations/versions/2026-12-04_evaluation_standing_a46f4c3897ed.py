"""evaluation standing: per submission, the aggregate of its submitted evaluations (total,
passing every threshold, the criteria in disagreement), written with the evaluations so the
evaluation dashboard reads one row per proposal. Nothing is filled here: a submission without
a row is computed on reading (grants.review.standing) until its evaluation next changes.

Revision ID: a46f4c3897ed
Revises: 3c8e5d1a7f20
Create Date: 2026-12-04 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a46f4c3897ed"
down_revision = "3c8e5d1a7f20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_standing',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('rules', sa.String(length=64), nullable=False),
    sa.Column('total', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('passes', sa.Boolean(), nullable=False),
    sa.Column('disagreements', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_evaluation_standing_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_evaluation_standing_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_evaluation_standing'))
    )
    with op.batch_alter_table('evaluation_standing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_standing_call_id'), ['call_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evaluation_standing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_standing_call_id'))

    op.drop_table('evaluation_standing')
