"""Alembic environment: runs on the engine handed over in the config attributes."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
import storage.outbox as _outbox_table  # noqa: F401  (the durable outbox)
import storage.privacy as _privacy_tables  # noqa: F401  (pseudonyms, closures, departures)
import storage.requests as _chat_tables  # noqa: F401  (the chat adapters' tables)
import storage.schedules as _schedule_tables  # noqa: F401  (schedules and reminders)
import storage.schools as _school_tables  # noqa: F401  (the perimeter of schools)

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # A request's bounds are too short for a schema change on a large table; a
        # migration still gives up if the bot's requests hold its tables for too long.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
        connection.exec_driver_sql("SET LOCAL lock_timeout = '30s'")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
