"""Alembic environment for the training-log schema, run programmatically by hingecoach.store.db.

hingecoach passes an open connection (already inside a transaction that holds the database's
write lock) in ``config.attributes["connection"]``; there is no alembic.ini.
"""

from alembic import context

from hingecoach.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
