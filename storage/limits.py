"""Text limits, read from the columns that store the texts: one place, never out of step.

A text that passes these checks (measured on the form that is stored) always fits its
column, on PostgreSQL (which refuses longer values) as on SQLite (which would keep them).
"""

from __future__ import annotations

from sqlalchemy import Table

from storage.models import Assignment, AssignmentContact, Competence, Entity, Project


def _length(table: Table, column: str) -> int:
    length = getattr(table.c[column].type, "length", None)
    assert isinstance(length, int), f"{table.name}.{column} has no length"
    return length


_ASSIGNMENT: Table = Assignment.__table__  # type: ignore[attr-defined]
_CONTACT: Table = AssignmentContact.__table__  # type: ignore[attr-defined]
_COMPETENCE: Table = Competence.__table__  # type: ignore[attr-defined]
_ENTITY: Table = Entity.__table__  # type: ignore[attr-defined]
_PROJECT: Table = Project.__table__  # type: ignore[attr-defined]

ENTITY_NAME = min(_length(_ENTITY, "name"), _length(_ENTITY, "name_key"))
"""An entity's name, and its search key (its normalised form) alike."""
PROJECT_NAME = _length(_PROJECT, "name")
MOA = _length(_PROJECT, "moa")
NAME = min(ENTITY_NAME, PROJECT_NAME, MOA)
"""Any name the bot stores: entity, project, maîtrise d'ouvrage."""
COMPETENCE_CODE = _length(_COMPETENCE, "code")
PROVIDER = _length(_ASSIGNMENT, "provider")
SERVICE_LEVEL = _length(_ASSIGNMENT, "service_level")
NOTES = 3000
"""Notes are stored as unbounded text; this keeps them readable in one Slack section."""
PERSON = _length(_CONTACT, "user_id")
CONTACTS = 20
"""Contact people of one competence (the assignment form offers as many)."""

DETAILS = {"provider": PROVIDER, "service_level": SERVICE_LEVEL, "notes": NOTES}
"""The limit of each free-text detail of an assignment."""
