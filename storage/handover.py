"""Read-only queries for the command line: every project, to find one by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from storage.store import PROJECT


def all_projects(connection: Connection) -> list[tuple[str, int, str]]:
    """(workspace id, project id, name) of every project, by name."""
    rows = connection.execute(
        select(PROJECT.c.workspace_id, PROJECT.c.id, PROJECT.c.name).order_by(
            PROJECT.c.name, PROJECT.c.id
        )
    )
    return [(str(row[0]), int(row[1]), str(row[2])) for row in rows]
