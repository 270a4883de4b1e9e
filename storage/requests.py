"""Chat-adapter bookkeeping: requests already applied, and the project a person picked for DMs.

Both tables belong to the adapters, not to the domain: they hold no project data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Table, bindparam, delete, select
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from storage.personal import Category, Erase, personal
from storage.store import upsert_dialect, utcnow


class ProcessedRequest(SQLModel, table=True):
    """A request (a Slack event id, a trigger id…) whose change was applied once."""

    __tablename__ = "processed_request"

    key: str = Field(primary_key=True, max_length=160)
    workspace_id: str = Field(max_length=64)
    received_at: datetime = Field(sa_column=Column(DateTime(), nullable=False, index=True))


class DirectProject(SQLModel, table=True):
    """The project a person's direct messages to the bot act on."""

    __tablename__ = "direct_project"

    workspace_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        primary_key=True, max_length=200,
        sa_column_kwargs=personal(Category.IDENTIFIER, Erase.DELETE_ROW),
    )
    project_id: int = Field(foreign_key="project.id")
    chosen_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


PROCESSED: Table = ProcessedRequest.__table__  # type: ignore[attr-defined]
DIRECT: Table = DirectProject.__table__  # type: ignore[attr-defined]


def _dialect(connection: Connection) -> Any:
    """The dialect module whose ``insert`` has ``ON CONFLICT`` (SQLite or PostgreSQL)."""
    return upsert_dialect(connection)


def _claim_statement(dialect: Any) -> Any:
    return (
        dialect.insert(PROCESSED)
        .values(key=bindparam("key"), workspace_id=bindparam("workspace_id"),
                received_at=bindparam("received_at"))
        .on_conflict_do_nothing()
        .returning(PROCESSED.c.key)
    )


_CLAIM: dict[str, Any] = {}
"""The claim statement per dialect name, built on first use."""


def claim(connection: Connection, key: str, workspace_id: str) -> bool:
    """Record ``key``; False if it was already recorded (the request is a repeat)."""
    name = connection.dialect.name
    statement = _CLAIM.get(name)
    if statement is None:
        statement = _CLAIM[name] = _claim_statement(_dialect(connection))
    row = connection.execute(
        statement, {"key": key, "workspace_id": workspace_id, "received_at": utcnow()}
    ).first()
    return row is not None


def seen(connection: Connection, key: str) -> bool:
    row = connection.execute(select(PROCESSED.c.key).where(PROCESSED.c.key == key)).first()
    return row is not None


def forget_before(connection: Connection, before: datetime) -> None:
    """Drop keys older than ``before`` (Slack stops retrying after minutes)."""
    connection.execute(delete(PROCESSED).where(PROCESSED.c.received_at < before))


def direct_project(connection: Connection, workspace_id: str, user_id: str) -> int | None:
    row = connection.execute(
        select(DIRECT.c.project_id).where(
            DIRECT.c.workspace_id == workspace_id, DIRECT.c.user_id == user_id
        )
    ).first()
    return None if row is None else int(row[0])


def choose_direct_project(
    connection: Connection, workspace_id: str, user_id: str, project_id: int
) -> None:
    now = utcnow()
    connection.execute(
        _dialect(connection).insert(DIRECT)
        .values(workspace_id=workspace_id, user_id=user_id, project_id=project_id, chosen_at=now)
        .on_conflict_do_update(
            index_elements=[DIRECT.c.workspace_id, DIRECT.c.user_id],
            set_={"project_id": project_id, "chosen_at": now},
        )
    )
