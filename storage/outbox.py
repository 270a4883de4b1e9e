"""The durable outbox: every post the bot makes on its own, written in the transaction that
caused it, then sent (and recorded) by whichever process claims it.

A row is keyed (``digest:<project>:<slot>``…) under a unique constraint, so the same post
is never queued twice. Claiming leases rows (``next_attempt_at`` pushed forward) with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runners never send the same row; SQLite
serves one process. A row claimed before (``attempts`` > 0) and not recorded may have
reached Slack: the sender looks it up before sending it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Table, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from storage.personal import Category, Erase, personal
from storage.store import CONVERSATION, PROJECT, upsert_dialect, utcnow

NOTICE = "notice"
"""The kind of a change's public reply (its project's schedules are not paused by it)."""
FORGOTTEN = (NOTICE, "reminders", "escalation")
"""Kinds whose text is dropped once sent or failed: it names people, and is kept elsewhere
(the channel, the DM, the history)."""
PENDING = "pending"
SENT = "sent"
FAILED = "failed"
LEASE = timedelta(minutes=2)
"""How long a claimed row is left to its sender before another runner may take it again."""
GREETING = "greeting:"
"""The key prefix of the bot's greeting in a channel it joined: once sent, its thread holds
the conversation of the project it names (whoever sent it, the adapter or a due pass)."""


class OutboxRow(SQLModel, table=True):
    """One post to make: where, what (rendered), and how far it got."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(
        max_length=200, unique=True,
        sa_column_kwargs=personal(Category.IDENTIFIER, Erase.TEXT),
    )
    """A reminder's key names its recipient (``reminders:<workspace>:<person>:<slot>``)."""
    workspace_id: str = Field(max_length=64)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    kind: str = Field(max_length=16)
    channel: str = Field(
        max_length=64, sa_column_kwargs=personal(Category.RECIPIENT, Erase.REPLACE)
    )
    """A channel id, or a user id for a direct message."""
    payload: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON(), nullable=False, **personal(Category.FREE_TEXT)),
    )
    """``text`` and ``blocks`` as posted, ``plain`` for the console and dry runs."""
    state: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    slot: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    late: bool = False
    ts: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))


OUTBOX: Table = OutboxRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Message:
    """A post to queue."""

    key: str
    workspace_id: str
    project_id: int | None
    kind: str
    channel: str
    payload: dict[str, Any]
    slot: datetime | None = None
    late: bool = False


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row leased to this sender."""

    id: int
    key: str
    workspace_id: str
    project_id: int | None
    kind: str
    channel: str
    payload: dict[str, Any]
    attempts: int
    """Attempts before this one: > 0 means an earlier one may have reached Slack."""
    slot: datetime | None
    late: bool
    created_at: datetime


def _insert(connection: Connection) -> Any:
    return upsert_dialect(connection).insert


def enqueue(
    connection: Connection, messages: Sequence[Message], now: datetime | None = None,
    due: datetime | None = None,
) -> int:
    """Queue ``messages`` in the caller's transaction (one statement), due at ``due`` (else
    ``now``); keys already queued are left alone. How many rows the statement was given."""
    if not messages:
        return 0
    now = now or utcnow()
    due = due or now
    connection.execute(
        _insert(connection)(OUTBOX).on_conflict_do_nothing(index_elements=[OUTBOX.c.key]),
        [
            {"key": m.key, "workspace_id": m.workspace_id, "project_id": m.project_id,
             "kind": m.kind, "channel": m.channel, "payload": m.payload, "state": PENDING,
             "attempts": 0, "next_attempt_at": due, "slot": m.slot, "late": m.late,
             "created_at": now}
            for m in messages
        ],
    )
    return len(messages)


_COLUMNS = (
    OUTBOX.c.id, OUTBOX.c.key, OUTBOX.c.workspace_id, OUTBOX.c.project_id, OUTBOX.c.kind,
    OUTBOX.c.channel, OUTBOX.c.payload, OUTBOX.c.attempts, OUTBOX.c.slot, OUTBOX.c.late,
    OUTBOX.c.created_at,
)


def _lease(
    connection: Connection, rows: Sequence[Any], now: datetime, lease: timedelta
) -> list[Claimed]:
    """Take the rows just selected: one more attempt, out of other runners' reach until
    the lease ends."""
    if rows:
        connection.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_([row[0] for row in rows]))
            .values(attempts=OUTBOX.c.attempts + 1, next_attempt_at=now + lease)
        )
    return [Claimed(*row) for row in rows]


def claim(connection: Connection, now: datetime, limit: int,
          lease: timedelta = LEASE) -> list[Claimed]:
    """Lease up to ``limit`` due rows to the caller (two statements)."""
    rows = connection.execute(
        select(*_COLUMNS)
        .where(OUTBOX.c.state == PENDING, OUTBOX.c.next_attempt_at <= now)
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return _lease(connection, rows, now, lease)


def claim_keys(
    connection: Connection, keys: Sequence[str], now: datetime, lease: timedelta = LEASE
) -> list[Claimed]:
    """Lease the rows of ``keys`` still to send, never attempted or due again (the process
    that queued them sends them at once; another runner holding one is skipped)."""
    if not keys:
        return []
    rows = connection.execute(
        select(*_COLUMNS)
        .where(OUTBOX.c.key.in_(list(keys)), OUTBOX.c.state == PENDING,
               or_(OUTBOX.c.attempts == 0, OUTBOX.c.next_attempt_at <= now))
        .order_by(OUTBOX.c.id)
        .with_for_update(skip_locked=True)
    ).all()
    return _lease(connection, rows, now, lease)


def peek(connection: Connection, now: datetime, limit: int) -> list[Claimed]:
    """The rows a claim would take, without leasing them (dry runs)."""
    rows = connection.execute(
        select(*_COLUMNS)
        .where(OUTBOX.c.state == PENDING, OUTBOX.c.next_attempt_at <= now)
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(limit)
    ).all()
    return [Claimed(*row) for row in rows]


def mark_sent(connection: Connection, row_id: int, ts: str | None, now: datetime) -> None:
    """Record a pending row as sent (a row another sender already recorded stays as it is;
    the same for :func:`mark_failed` and :func:`retry_at`)."""
    row = connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row_id, OUTBOX.c.state == PENDING)
        .values(state=SENT, ts=ts, sent_at=now, error=None)
        .returning(OUTBOX.c.kind, OUTBOX.c.key, OUTBOX.c.project_id, OUTBOX.c.channel)
    ).first()
    if row is None:
        return
    if row.kind in FORGOTTEN:
        _forget(connection, row_id)
    if ts:
        _hold_conversation(connection, row, ts)


def _hold_conversation(connection: Connection, row: Any, ts: str) -> None:
    """A greeting that started its project's conversation, once sent: the conversation goes
    on in its thread (if the project is still bound to the greeting's channel)."""
    key = str(row.key)
    if row.project_id is None or not key.startswith(GREETING) or "#" in key:
        return  # a long greeting's later part (``#2``…) is not where the conversation goes
    bound = select(PROJECT.c.id).where(PROJECT.c.id == row.project_id,
                                       PROJECT.c.channel_id == row.channel)
    connection.execute(
        update(CONVERSATION)
        .where(CONVERSATION.c.project_id == row.project_id, CONVERSATION.c.project_id.in_(bound))
        .values(channel_id=row.channel, thread_ts=ts)
    )


def mark_failed(connection: Connection, row_id: int, error: str) -> None:
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row_id, OUTBOX.c.state == PENDING)
        .values(state=FAILED, error=error[:64])
    )
    _forget(connection, row_id)


def _forget(connection: Connection, row_id: int) -> None:
    """A change notice or a reminder handled keeps no copy of what it said (see
    :data:`FORGOTTEN`)."""
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row_id, OUTBOX.c.kind.in_(FORGOTTEN))
        .values(payload={})
    )


def retry_at(connection: Connection, row_id: int, when: datetime, error: str) -> None:
    """Leave the row pending until ``when`` (a back-off after a 5xx or a time-out)."""
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == row_id, OUTBOX.c.state == PENDING)
        .values(next_attempt_at=when, error=error[:64])
    )


def counts(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state))
    return {str(row[0]): int(row[1]) for row in rows}


def rows_for(connection: Connection, project_id: int) -> list[dict[str, Any]]:
    """A project's posts, oldest first (for tests and operators)."""
    rows = connection.execute(
        select(OUTBOX).where(OUTBOX.c.project_id == project_id).order_by(OUTBOX.c.id)
    )
    return [dict(row._mapping) for row in rows]
