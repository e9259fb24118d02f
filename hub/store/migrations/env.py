"""Alembic environment: runs the hub's migrations on the URL the caller configured."""

from __future__ import annotations

from alembic import context

from hub.store.database import make_engine
from hub.store.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or "sqlite://"
engine = make_engine(url)
with engine.begin() as connection:
    # batch mode lets ALTERs work on SQLite, which rebuilds tables instead
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
engine.dispose()
