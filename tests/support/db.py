"""Look at the database as a test would: row counts and statement counting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: a fingerprint that any write would change."""
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in SQLModel.metadata.tables.items()
        }


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare before and after."""
    with engine.connect() as conn:
        return {
            name: sorted(
                (tuple(str(v) for v in row) for row in conn.execute(select(table))),
            )
            for name, table in SQLModel.metadata.tables.items()
        }


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements the engine sends while the block runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
