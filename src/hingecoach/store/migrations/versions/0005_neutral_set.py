"""A logged set can be the athlete's neutral set of its drill: the reference the knee, lockout and
bar rules read later sets of that drill against (``hinge analyze --log NAME --neutral``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("neutral", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("neutral")
