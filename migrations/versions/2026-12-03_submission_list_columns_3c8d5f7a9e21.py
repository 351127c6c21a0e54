"""submission list columns: what a call's list of submissions shows and filters by, written
with each submission (acronym, title, coordinator, topic, countries, priorities claimed, the
messages of the failed checks), backfilled here from the stored snapshots

Revision ID: 3c8d5f7a9e21
Revises: b0e1179e4937
Create Date: 2026-12-03 14:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3c8d5f7a9e21"
down_revision = "b0e1179e4937"
branch_labels = None
depends_on = None

TEXTS = (("acronym", 100), ("title", 300), ("organisation_name", 300), ("organisation_country", 2))
LISTS = ("countries", "priorities", "failure_messages")
BATCH = 500


def upgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        for name, length in TEXTS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), server_default="", nullable=False)
            )
        batch_op.add_column(sa.Column("topic_code", sa.String(length=40), nullable=True))
        for name in LISTS:
            batch_op.add_column(
                sa.Column(name, sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
            )
    _backfill()


def _backfill():
    """Each submission's columns from its snapshot, read by the one reader of every stored
    format (grants.proposals.snapshot), in batches by id."""
    from grants.proposals.snapshot import listed, read_snapshot

    names = [name for name, _ in TEXTS] + ["topic_code", *LISTS]
    submission = sa.table(
        "submission",
        sa.column("id", sa.Integer),
        sa.column("content", sa.JSON),
        sa.column("checks", sa.JSON),
        *(sa.column(name, sa.JSON if name in LISTS else sa.String) for name in names),
    )
    update = (
        submission.update()
        .where(submission.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name in names})
    )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(submission.c.id, submission.c.content, submission.c.checks)
            .where(submission.c.id > last)
            .order_by(submission.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        values = []
        for id_, content, checks in rows:
            columns = listed(read_snapshot(content), checks or [])
            values.append({"b_id": id_, **{f"b_{k}": v for k, v in columns.items()}})
        connection.execute(update, values)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("submission", schema=None) as batch_op:
        for name in reversed(("topic_code", *LISTS)):
            batch_op.drop_column(name)
        for name, _ in reversed(TEXTS):
            batch_op.drop_column(name)
