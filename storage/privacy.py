"""What the bot holds on a person, and erasing it: queries driven by the personal-data marks.

Every marked column (:mod:`storage.personal`) of every table on ``SQLModel.metadata`` is
looked at, so a table added later is found, exported and erased with no change here.
Also the tables of this feature, none of which holds an identity: pseudonyms (one number
per erased person and workspace), closed projects, competences whose only contact left,
and workspaces that uninstalled the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Table,
    Text,
    UniqueConstraint,
    and_,
    cast,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import MetaData
from sqlmodel import Field, SQLModel

import storage.models
from storage.personal import Category, Erase, Marked, marked_columns
from storage.store import upsert_dialect, utcnow

CHECKPOINT = "ent_bot_checkpoint"
OTHER = "…"
"""What an export shows instead of another person."""


def _tables() -> ModuleType:
    """Import every module with tables (the schedules module is returned), so that the
    metadata this module reads holds them all; done on first use, not at import, so that
    a process that never looks at personal data does not load them."""
    import storage.outbox
    import storage.requests
    import storage.schedules
    import storage.schools

    return storage.schedules


def _metadata() -> MetaData:
    _tables()
    return SQLModel.metadata


class Pseudonym(SQLModel, table=True):
    """An erased person, as a number in their workspace; no identity is kept."""

    __tablename__ = "pseudonym"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    number: int
    reason: str = Field(max_length=16)
    """``self``, ``lead`` (asked to their project's lead) or ``retention``."""
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class ProjectClosure(SQLModel, table=True):
    """A closed project: read-only; its personal data is pseudonymised after the retention."""

    __tablename__ = "project_closure"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    closed_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    purged_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))


class ContactLeft(SQLModel, table=True):
    """A competence whose only contact left (deactivated, or left the channel)."""

    __tablename__ = "contact_left"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    competence_id: int = Field(foreign_key="competence.id", primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    left_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class WorkspaceUninstall(SQLModel, table=True):
    """A workspace that uninstalled the app: its data is deleted after the grace period."""

    __tablename__ = "workspace_uninstall"

    workspace_id: str = Field(primary_key=True, max_length=64)
    uninstalled_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


PSEUDONYM: Table = Pseudonym.__table__  # type: ignore[attr-defined]
CLOSURE: Table = ProjectClosure.__table__  # type: ignore[attr-defined]
CONTACT_LEFT: Table = ContactLeft.__table__  # type: ignore[attr-defined]
UNINSTALL: Table = WorkspaceUninstall.__table__  # type: ignore[attr-defined]
WORKSPACE: Table = storage.models.Workspace.__table__  # type: ignore[attr-defined]
PROJECT: Table = storage.models.Project.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Found:
    """The rows of one table that hold the person (all their columns)."""

    table: str
    rows: list[dict[str, Any]]


@dataclass(slots=True)
class Erased:
    """What an erasure changed: rows per table, and the contact lists it shortened."""

    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    contacts: list[tuple[int, int, list[str], list[str]]] = field(default_factory=list)
    """(project id, competence id, contacts before — the person pseudonymised —, after)."""


def _pattern(identities: Sequence[str]) -> re.Pattern[str]:
    """Whole-word mentions of any of ``identities``; a Slack mention ``<@U1|name>`` as a
    whole, so that the name typed in it goes too."""
    ordered = sorted(set(identities), key=len, reverse=True)
    mentions = "|".join(rf"<@{re.escape(i)}(?:\|[^<>]*)?>" for i in ordered)
    words = "|".join(rf"(?<!\w){re.escape(i)}(?!\w)" for i in ordered)
    return re.compile(f"{mentions}|{words}", re.IGNORECASE)


def _marked_tables() -> list[tuple[Table, list[Marked]]]:
    by_table: dict[str, list[Marked]] = {}
    for marked in marked_columns(_metadata()):
        by_table.setdefault(marked.table, []).append(marked)
    return [(_metadata().tables[name], marks) for name, marks in by_table.items()]


def _project_column(table: Table) -> Any:
    """The column naming a row's project (the project table's own id), or None."""
    if table.name == "project":
        return table.c.id
    return table.c.project_id if "project_id" in table.c else None


def _scope(table: Table, workspace_id: str, project_id: int | None) -> Any:
    conditions = []
    if "workspace_id" in table.c:
        conditions.append(table.c.workspace_id == workspace_id)
    if project_id is not None:
        conditions.append(_project_column(table) == project_id)
    return and_(*conditions)


def _mentions(table: Table, marked: Marked, identities: Sequence[str]) -> Any:
    """A condition true for every row whose column may hold one of ``identities``."""
    column = table.c[marked.column]
    if not marked.json and marked.erase is not Erase.TEXT:
        return column.in_(list(identities))
    text = func.lower(cast(column, Text)) if marked.json else func.lower(column)
    variants = {v.lower() for i in identities for v in (i, json.dumps(i)[1:-1])}
    return or_(*(text.contains(v, autoescape=True) for v in variants))


def _walk(value: Any, change: Any) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_walk(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _walk(item, change) for key, item in value.items()}
    return value


def find(
    connection: Connection, workspace_id: str, identities: Sequence[str],
    project_id: int | None = None,
) -> list[Found]:
    """Every row of the workspace (or project) holding the person, whole; one statement per
    table with marked columns. Rows found by a text search are kept only if the person is
    really named there (a whole word)."""
    pattern = _pattern(identities)
    found: list[Found] = []
    for table, marks in _marked_tables():
        if project_id is not None and _project_column(table) is None:
            continue
        rows = connection.execute(
            select(table).where(
                _scope(table, workspace_id, project_id),
                or_(*(_mentions(table, m, identities) for m in marks)),
            )
        ).mappings().all()
        kept = [dict(row) for row in rows if _holds(row, marks, identities, pattern)]
        if kept:
            found.append(Found(table.name, kept))
    return found


def _holds(
    row: Any, marks: list[Marked], identities: Sequence[str], pattern: re.Pattern[str]
) -> bool:
    for marked in marks:
        value = row[marked.column]
        if value is None:
            continue
        if marked.json:
            if pattern.search(json.dumps(value, ensure_ascii=False)):
                return True
        elif marked.erase is Erase.TEXT:
            if pattern.search(str(value)):
                return True
        elif value in identities:
            return True
    return False


def _values(table: Table, marked: Marked) -> Any:
    """The column's values, each once (JSON has no equality on PostgreSQL: all rows)."""
    query = select(table.c[marked.column])
    return query if marked.json else query.distinct()


def people(
    connection: Connection, workspace_id: str, project_id: int | None = None,
    skip: str | None = None,
) -> set[str]:
    """Every person the identity columns name (ids or typed names), in the workspace or,
    with ``project_id``, in that project's rows; the table named ``skip`` is not read."""
    found: set[str] = set()
    for table, marks in _marked_tables():
        if table.name == skip or (project_id is not None and _project_column(table) is None):
            continue
        for marked in marks:
            if marked.erase is Erase.TEXT or marked.category is Category.NAME:
                continue  # a name says who someone is; the id beside it is the person
            rows = connection.execute(
                _values(table, marked).where(_scope(table, workspace_id, project_id))
            )
            for (value,) in rows:
                if isinstance(value, list):
                    found.update(str(v) for v in value)
                elif value is not None:
                    found.add(str(value))
    return found


def redact(found: Iterable[Found], identities: Sequence[str], others: set[str]) -> list[Found]:
    """The rows with every other person replaced by :data:`OTHER` in the marked columns."""
    strangers = sorted(p for p in others if p not in identities and p.strip())
    pattern = _pattern(strangers) if strangers else None
    redacted: list[Found] = []
    marks = {(m.table, m.column): m for m in marked_columns(_metadata())}

    def hide(text: str) -> str:
        return pattern.sub(OTHER, text) if pattern is not None else text

    for part in found:
        rows = []
        for row in part.rows:
            clean = dict(row)
            for name, value in row.items():
                marked = marks.get((part.table, name))
                if marked is None or value is None or marked.category is Category.NAME:
                    continue  # the name of the person whose row it is: theirs to see
                if marked.erase is not Erase.TEXT and not marked.json:
                    clean[name] = value if value in identities else OTHER
                else:
                    clean[name] = _walk(value, hide)
            rows.append(clean)
        redacted.append(Found(part.table, rows))
    return redacted


def new_pseudonym(connection: Connection, workspace_id: str, reason: str) -> int:
    """The next number of the workspace, recorded with the reason and the time only."""
    number = connection.execute(
        select(func.coalesce(func.max(PSEUDONYM.c.number), 0) + 1).where(
            PSEUDONYM.c.workspace_id == workspace_id
        )
    ).scalar_one()
    connection.execute(
        insert(PSEUDONYM).values(
            workspace_id=workspace_id, number=number, reason=reason, created_at=utcnow()
        )
    )
    return int(number)


def erase(
    connection: Connection,
    workspace_id: str,
    identities: Sequence[str],
    label: str,
    remove: bool = True,
    project_id: int | None = None,
) -> Erased:
    """Replace the person by ``label`` in every marked column of the workspace (or project).

    ``identities``: their id first, then any name they are known by in free text. With
    ``remove``, they are also taken out of contact lists and rows that are theirs are
    deleted (an erasure); without, every value is pseudonymised in place (retention).
    """
    pattern = _pattern(identities)
    result = Erased()

    def in_text(text: str) -> str:
        return pattern.sub(label, text)

    for part in find(connection, workspace_id, identities, project_id):
        table = _metadata().tables[part.table]
        marks = {m.column: m for m in marked_columns(_metadata()) if m.table == part.table}
        keys = [column.name for column in table.primary_key.columns]
        for row in part.rows:
            where = and_(*(table.c[key] == row[key] for key in keys))
            values, drop = _erased_values(row, marks, identities, label, remove, in_text)
            if drop:
                connection.execute(delete(table).where(where))
                result.deleted[part.table] = result.deleted.get(part.table, 0) + 1
                continue
            if values:
                connection.execute(update(table).where(where).values(**values))
                result.updated[part.table] = result.updated.get(part.table, 0) + 1
            if part.table == "assignment" and "contacts" in values and remove:
                before = [label if c in identities else c for c in row["contacts"]]
                result.contacts.append(
                    (row["project_id"], row["competence_id"], before, values["contacts"])
                )
    return result


def _erased_values(
    row: dict[str, Any], marks: dict[str, Marked], identities: Sequence[str], label: str,
    remove: bool, in_text: Any,
) -> tuple[dict[str, Any], bool]:
    """The row's new values, and whether the row goes altogether."""
    values: dict[str, Any] = {}
    for name, marked in marks.items():
        value = row[name]
        if value is None:
            continue
        erase_as = marked.erase
        if not remove and erase_as in (Erase.REMOVE, Erase.DELETE_ROW):
            erase_as = Erase.REPLACE
        if marked.json and erase_as is Erase.REMOVE and isinstance(value, list):
            kept = [item for item in value if item not in identities]
            new: Any = kept if kept != value else value
        elif marked.json and isinstance(value, list) and erase_as is Erase.REPLACE:
            new = [label if item in identities else item for item in value]
        elif marked.json or erase_as is Erase.TEXT:
            new = _walk(value, in_text)
        elif value not in identities:
            continue
        elif erase_as is Erase.DELETE_ROW:
            return {}, True
        elif erase_as is Erase.REMOVE:
            column = _metadata().tables[marked.table].c[name]
            if not column.nullable:
                return {}, True
            new = None
        else:
            new = label
        if new != value:
            values[name] = new
    return values, False


def request_checkpoint(connection: Connection) -> None:
    """On SQLite, empty the write-ahead log into the file once this connection is given back
    (after its transaction ended): erased values then stay neither in the log nor, with
    ``secure_delete``, in the file's free space."""
    if connection.dialect.name != "sqlite":
        return
    connection.info[CHECKPOINT] = True
    engine = connection.engine
    if not event.contains(engine, "checkin", _checkpoint_on_checkin):
        event.listen(engine, "checkin", _checkpoint_on_checkin)


def _checkpoint_on_checkin(dbapi_connection: Any, record: Any) -> None:
    if dbapi_connection is None or not record.info.pop(CHECKPOINT, False):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        cursor.close()


# -- closed projects, departed contacts, uninstalled workspaces ---------------------------


def closed_at(connection: Connection, project_id: int) -> datetime | None:
    row = connection.execute(
        select(CLOSURE.c.closed_at).where(CLOSURE.c.project_id == project_id)
    ).first()
    return None if row is None else row[0]


def close_project(connection: Connection, workspace_id: str, project_id: int) -> None:
    connection.execute(
        insert(CLOSURE).values(project_id=project_id, workspace_id=workspace_id,
                               closed_at=utcnow())
    )


def closed_before(connection: Connection, before: datetime) -> list[tuple[str, int]]:
    """(workspace, project) of the projects closed before ``before`` and not purged yet."""
    rows = connection.execute(
        select(CLOSURE.c.workspace_id, CLOSURE.c.project_id)
        .where(CLOSURE.c.closed_at < before, CLOSURE.c.purged_at.is_(None))
        .order_by(CLOSURE.c.project_id)
    )
    return [(str(row[0]), int(row[1])) for row in rows]


def mark_purged(connection: Connection, project_id: int, at: datetime) -> None:
    connection.execute(
        update(CLOSURE).where(CLOSURE.c.project_id == project_id).values(purged_at=at)
    )


def project_creator(connection: Connection, project_id: int) -> str | None:
    """Who created the project."""
    row = connection.execute(
        select(PROJECT.c.created_by).where(PROJECT.c.id == project_id)
    ).first()
    return None if row is None else str(row[0])


def project_leads(connection: Connection, project_id: int) -> list[str]:
    """The project's lead (``/ent projet chef``) then its creator; the first is told, either
    may act as lead (erase someone, close the project)."""
    lead = _tables().PROJECT_SCHEDULE
    row = connection.execute(
        select(lead.c.lead, PROJECT.c.created_by)
        .select_from(PROJECT.outerjoin(lead, lead.c.project_id == PROJECT.c.id))
        .where(PROJECT.c.id == project_id)
    ).first()
    if row is None:
        return []
    return [str(person) for person in dict.fromkeys(row) if person]


def project_lead(connection: Connection, project_id: int) -> str | None:
    """Who is told as the project's lead: its lead, else its creator."""
    leads = project_leads(connection, project_id)
    return leads[0] if leads else None


def record_contact_left(
    connection: Connection, workspace_id: str, project_id: int, competence_ids: Iterable[int]
) -> None:
    """One upsert for all of ``competence_ids`` (the time they were found left)."""
    now = utcnow()
    rows = [{"project_id": project_id, "competence_id": competence_id,
             "workspace_id": workspace_id, "left_at": now} for competence_id in competence_ids]
    if not rows:
        return
    statement = upsert_dialect(connection).insert(CONTACT_LEFT).values(rows)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[CONTACT_LEFT.c.project_id, CONTACT_LEFT.c.competence_id],
        set_={"left_at": statement.excluded.left_at},
    ))


def contacts_left(connection: Connection, project_id: int) -> set[int]:
    """Competences of the project whose only contact left."""
    rows = connection.execute(
        select(CONTACT_LEFT.c.competence_id).where(CONTACT_LEFT.c.project_id == project_id)
    )
    return {int(row[0]) for row in rows}


def contacts_left_many(connection: Connection, project_ids: Sequence[int]) -> dict[int, set[int]]:
    """:func:`contacts_left` for many projects in one statement (the digest's batch)."""
    found: dict[int, set[int]] = {}
    if not project_ids:
        return found
    rows = connection.execute(
        select(CONTACT_LEFT.c.project_id, CONTACT_LEFT.c.competence_id).where(
            CONTACT_LEFT.c.project_id.in_(list(project_ids))
        )
    )
    for project_id, competence_id in rows:
        found.setdefault(int(project_id), set()).add(int(competence_id))
    return found


def record_uninstall(connection: Connection, workspace_id: str, at: datetime) -> None:
    statement = upsert_dialect(connection).insert(UNINSTALL).values(
        workspace_id=workspace_id, uninstalled_at=at)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[UNINSTALL.c.workspace_id],
        set_={"uninstalled_at": statement.excluded.uninstalled_at},
    ))


def uninstalled_before(connection: Connection, before: datetime) -> list[str]:
    rows = connection.execute(
        select(UNINSTALL.c.workspace_id).where(UNINSTALL.c.uninstalled_at < before)
        .order_by(UNINSTALL.c.workspace_id)
    )
    return [str(row[0]) for row in rows]


def delete_workspace(connection: Connection, workspace_id: str) -> int:
    """Every row of the workspace, in every table, children first; the number deleted."""
    count = 0
    for table in reversed(_metadata().sorted_tables):
        if table.name == "workspace":
            continue
        if "workspace_id" in table.c:
            count += connection.execute(
                delete(table).where(table.c.workspace_id == workspace_id)
            ).rowcount or 0
    count += connection.execute(
        delete(WORKSPACE).where(WORKSPACE.c.id == workspace_id)
    ).rowcount or 0
    return count
