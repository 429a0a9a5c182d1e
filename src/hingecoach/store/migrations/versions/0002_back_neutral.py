"""A logged set can be the athlete's neutral back: the reference later sets of that drill are
read against (``hinge analyze --log NAME --neutral-back``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("back_neutral", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("back_neutral")
