"""Jobs name the worker that claimed them (``jobs.claimed_by``), so several servers (or workers)
can share one database: a server that starts, or whose worker died, queues again only the jobs
of workers known to be gone (its own dead one, or one whose heartbeat, ``updated_at``, stopped).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("claimed_by")
