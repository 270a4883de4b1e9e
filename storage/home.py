"""Read-only queries for a person's home page: the projects they take part in."""

from __future__ import annotations

from sqlalchemy import Table, select, union
from sqlalchemy.engine import Connection

from storage.models import Assignment, AssignmentContact, Project
from storage.requests import DIRECT
from storage.schools import SCHOOL

ASSIGNMENT: Table = Assignment.__table__  # type: ignore[attr-defined]
CONTACT: Table = AssignmentContact.__table__  # type: ignore[attr-defined]
PROJECT: Table = Project.__table__  # type: ignore[attr-defined]


def project_ids_of(
    connection: Connection, workspace_id: str, user_id: str, limit: int
) -> list[int]:
    """Projects where ``user_id`` is a contact, made a change, created it, chose it in DMs or
    is a school's resource person; by name, at most ``limit``.

    Each part is found through an index on (workspace, person), so the cost does not grow
    with the number of projects.
    """
    involved = union(
        select(CONTACT.c.project_id).where(
            CONTACT.c.workspace_id == workspace_id, CONTACT.c.user_id == user_id
        ),
        select(ASSIGNMENT.c.project_id).where(
            ASSIGNMENT.c.workspace_id == workspace_id, ASSIGNMENT.c.updated_by == user_id
        ),
        select(PROJECT.c.id).where(
            PROJECT.c.workspace_id == workspace_id, PROJECT.c.created_by == user_id
        ),
        select(DIRECT.c.project_id).where(
            DIRECT.c.workspace_id == workspace_id, DIRECT.c.user_id == user_id
        ),
        select(SCHOOL.c.project_id).where(
            SCHOOL.c.workspace_id == workspace_id, SCHOOL.c.referent == user_id
        ),
    ).subquery()
    rows = connection.execute(
        select(PROJECT.c.id)
        .where(PROJECT.c.workspace_id == workspace_id, PROJECT.c.id.in_(select(involved.c[0])))
        .order_by(PROJECT.c.name, PROJECT.c.id)
        .limit(limit)
    )
    return [int(row[0]) for row in rows]
