"""submission listed index: on SQLite only, a covering index of the columns the call-wide lists
read, so they are not read from rows whose 10-20 KB `content` comes first (each such read
walked the row's overflow pages). PostgreSQL keeps large values out of the row: not needed.

Revision ID: dca272436fa6
Revises: a46f4c3897ed
Create Date: 2026-12-04 05:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "dca272436fa6"
down_revision = "a46f4c3897ed"
branch_labels = None
depends_on = None

COLUMNS = [
    "call_id", "is_current", "id", "submitted_at", "reference", "proposal_id", "version",
    "withdrawn_at", "acronym", "title", "organisation_name", "organisation_country",
    "topic_code", "countries", "priorities", "failure_messages", "eu_contribution",
    "admissible", "eligible",
]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_submission_listed", "submission", COLUMNS, unique=False)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_submission_listed", table_name="submission")
