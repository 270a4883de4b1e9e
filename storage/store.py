"""Queries and writes, one :class:`Store` per transaction.

Reads return the immutable snapshots of :mod:`storage.state`; the hot reads
(``load_state``) issue one statement per table and build no ORM objects.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Table,
    bindparam,
    column,
    delete,
    exists,
    insert,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Engine

from storage.db import IMMEDIATE
from storage.errors import Busy, DatabaseError, classify, should_retry
from storage.models import (
    Assignment,
    AssignmentContact,
    Competence,
    Conversation,
    Entity,
    HistoryEntry,
    KeyAnswer,
    PendingAction,
    Project,
    SuccessFactor,
    Workspace,
)
from storage.state import (
    AnswerInfo,
    AssignmentInfo,
    CompetenceInfo,
    EntityInfo,
    ProjectInfo,
    ProjectState,
)

ASSIGNMENT: Table = Assignment.__table__  # type: ignore[attr-defined]
ASSIGNMENT_CONTACT: Table = AssignmentContact.__table__  # type: ignore[attr-defined]
COMPETENCE: Table = Competence.__table__  # type: ignore[attr-defined]
CONVERSATION: Table = Conversation.__table__  # type: ignore[attr-defined]
ENTITY: Table = Entity.__table__  # type: ignore[attr-defined]
HISTORY_ENTRY: Table = HistoryEntry.__table__  # type: ignore[attr-defined]
KEY_ANSWER: Table = KeyAnswer.__table__  # type: ignore[attr-defined]
PENDING_ACTION: Table = PendingAction.__table__  # type: ignore[attr-defined]
PROJECT: Table = Project.__table__  # type: ignore[attr-defined]
SUCCESS_FACTOR: Table = SuccessFactor.__table__  # type: ignore[attr-defined]
WORKSPACE: Table = Workspace.__table__  # type: ignore[attr-defined]

T = TypeVar("T")
log = logging.getLogger(__name__)

ATTEMPTS = 4
"""A transaction that conflicts with another one is run again, this many times at most."""
RETRY_WITHIN = 1.2
"""Seconds after which a conflict is no longer tried again (a request must be answered
within Slack's 3 seconds; a wait that ran out has already used most of them)."""

_UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "assignment": ("project_id", "competence_id"),
    "keyanswer": ("project_id", "question"),
    "successfactor": ("project_id", "factor"),
    "conversation": ("project_id",),
}
"""The unique key each upserted table is found by."""


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp is stored in (SQLite keeps no offset)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    at: datetime
    actor: str
    action: str
    subject: str
    field: str
    old_value: str | None
    new_value: str | None
    competence_id: int | None


@dataclass(frozen=True, slots=True)
class ConversationState:
    project_id: int
    step: str
    position: int
    active: bool
    data: dict[str, Any]
    channel_id: str | None
    thread_ts: str | None


@dataclass(frozen=True, slots=True)
class Pending:
    project_id: int | None
    kind: str
    payload: dict[str, Any]


_PROJECT_COLUMNS = (
    PROJECT.c.id,
    PROJECT.c.workspace_id,
    PROJECT.c.name,
    PROJECT.c.territory_kind,
    PROJECT.c.moa,
    PROJECT.c.language,
    PROJECT.c.timezone,
    PROJECT.c.channel_id,
    exists()
    .where(table("project_closure", column("project_id")).c.project_id == PROJECT.c.id)
    .label("closed"),
)
"""A project's columns, and whether it is closed (read in the same statement)."""
_COMPETENCE_COLUMNS = (
    COMPETENCE.c.id,
    COMPETENCE.c.number,
    COMPETENCE.c.code,
    COMPETENCE.c.label_fr,
    COMPETENCE.c.label_en,
    COMPETENCE.c.families,
    COMPETENCE.c.aliases,
    COMPETENCE.c.project_id,
)
_ASSIGNMENT_COLUMNS = (
    ASSIGNMENT.c.competence_id,
    ASSIGNMENT.c.entity_id,
    ASSIGNMENT.c.sourcing,
    ASSIGNMENT.c.contacts,
    ASSIGNMENT.c.provider,
    ASSIGNMENT.c.service_level,
    ASSIGNMENT.c.keep,
    ASSIGNMENT.c.notes,
    ASSIGNMENT.c.updated_by,
    ASSIGNMENT.c.updated_at,
)


_BY_CHANNEL = select(*_PROJECT_COLUMNS).where(
    PROJECT.c.workspace_id == bindparam("workspace_id"),
    PROJECT.c.channel_id == bindparam("channel_id"),
)
_HISTORY_COLUMNS = (
    HISTORY_ENTRY.c.at,
    HISTORY_ENTRY.c.actor,
    HISTORY_ENTRY.c.action,
    HISTORY_ENTRY.c.subject,
    HISTORY_ENTRY.c.field,
    HISTORY_ENTRY.c.old_value,
    HISTORY_ENTRY.c.new_value,
    HISTORY_ENTRY.c.competence_id,
)
"""A history row's columns, in :class:`HistoryRow`'s order."""
_BY_CHANNEL_LOCKED = _BY_CHANNEL.with_for_update()
_COMPETENCES = (
    select(*_COMPETENCE_COLUMNS)
    .where(or_(COMPETENCE.c.project_id.is_(None), COMPETENCE.c.project_id == bindparam("pid")))
    .order_by(COMPETENCE.c.number, COMPETENCE.c.id)
)
_ENTITIES = (
    select(ENTITY.c.id, ENTITY.c.name, ENTITY.c.kind, ENTITY.c.uai)
    .where(ENTITY.c.project_id == bindparam("pid"))
    .order_by(ENTITY.c.name_key, ENTITY.c.id)
)
_ASSIGNMENTS = select(*_ASSIGNMENT_COLUMNS).where(ASSIGNMENT.c.project_id == bindparam("pid"))
_ASSIGNMENT = _ASSIGNMENTS.where(ASSIGNMENT.c.competence_id == bindparam("cid"))
_ANSWERS = select(
    KEY_ANSWER.c.question,
    KEY_ANSWER.c.text,
    KEY_ANSWER.c.data,
    KEY_ANSWER.c.answered_by,
    KEY_ANSWER.c.answered_at,
).where(KEY_ANSWER.c.project_id == bindparam("pid"))
_FACTORS = select(SUCCESS_FACTOR.c.factor, SUCCESS_FACTOR.c.done).where(
    SUCCESS_FACTOR.c.project_id == bindparam("pid")
)


def _upsert_insert(connection: Connection) -> Any:
    """The ``insert`` that has ``ON CONFLICT`` for the connection's database."""
    return upsert_dialect(connection).insert


def upsert_dialect(connection: Connection) -> Any:
    """The dialect module whose ``insert`` has ``ON CONFLICT`` (SQLite or PostgreSQL); the
    PostgreSQL one is imported only when it is the database in use."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql
    return sqlite


def _project(row: Sequence[Any]) -> ProjectInfo:
    (project_id, workspace_id, name, territory_kind, moa, language, timezone, channel_id,
     closed) = row
    return ProjectInfo(project_id, workspace_id, name, territory_kind, moa, language, timezone,
                       channel_id, bool(closed))


def _competence(row: Sequence[Any]) -> CompetenceInfo:
    return CompetenceInfo(
        id=row[0],
        number=row[1],
        code=row[2],
        label_fr=row[3],
        label_en=row[4],
        families=tuple(row[5].split(",")) if row[5] else (),
        aliases=tuple(row[6].split(",")) if row[6] else (),
        custom=row[7] is not None,
    )


def _assignment(row: Sequence[Any]) -> AssignmentInfo:
    return AssignmentInfo(
        competence_id=row[0],
        entity_id=row[1],
        sourcing=row[2],
        contacts=tuple(row[3] or ()),
        provider=row[4],
        service_level=row[5],
        keep=row[6],
        notes=row[7],
        updated_by=row[8],
        updated_at=row[9],
    )


class Store:
    """The queries of one transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- workspaces and projects -------------------------------------------------

    def ensure_workspace(self, workspace_id: str) -> None:
        self.connection.execute(
            _upsert_insert(self.connection)(WORKSPACE)
            .values(id=workspace_id, created_at=utcnow())
            .on_conflict_do_nothing()
        )

    def project_for_channel(
        self, workspace_id: str, channel_id: str, lock: bool = False
    ) -> ProjectInfo | None:
        """The channel's project; with ``lock``, held until the transaction ends, so that
        every change to the project reads what it changes after the previous one."""
        query = _BY_CHANNEL_LOCKED if lock else _BY_CHANNEL
        row = self.connection.execute(
            query, {"workspace_id": workspace_id, "channel_id": channel_id}
        ).first()
        return None if row is None else _project(row)

    def project(self, workspace_id: str, project_id: int, lock: bool = False) -> ProjectInfo | None:
        """A project of the workspace; ``lock`` as in :meth:`project_for_channel`."""
        query = select(*_PROJECT_COLUMNS).where(
            PROJECT.c.workspace_id == workspace_id, PROJECT.c.id == project_id
        )
        row = self.connection.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _project(row)

    def lock_projects(self, workspace_id: str, project_id: int | None = None) -> None:
        """Lock every project of the workspace (or one), in id order, for a change that
        rewrites rows across projects (an erasure, a purge): no change to any of them can
        interleave with it."""
        query = select(PROJECT.c.id).where(PROJECT.c.workspace_id == workspace_id)
        if project_id is not None:
            query = query.where(PROJECT.c.id == project_id)
        self.connection.execute(query.order_by(PROJECT.c.id).with_for_update()).all()

    def projects(self, workspace_id: str) -> list[ProjectInfo]:
        rows = self.connection.execute(
            select(*_PROJECT_COLUMNS)
            .where(PROJECT.c.workspace_id == workspace_id)
            .order_by(PROJECT.c.name, PROJECT.c.id)
        )
        return [_project(row) for row in rows]

    def create_project(
        self,
        workspace_id: str,
        name: str,
        channel_id: str | None,
        actor: str,
        language: str,
        timezone: str,
    ) -> ProjectInfo:
        self.ensure_workspace(workspace_id)
        project_id = self.connection.execute(
            insert(PROJECT)
            .values(
                workspace_id=workspace_id,
                name=name,
                channel_id=channel_id,
                created_by=actor,
                created_at=utcnow(),
                language=language,
                timezone=timezone,
            )
            .returning(PROJECT.c.id)
        ).scalar_one()
        return ProjectInfo(
            id=project_id,
            workspace_id=workspace_id,
            name=name,
            language=language,
            timezone=timezone,
            channel_id=channel_id,
        )

    def update_project(self, project_id: int, **values: Any) -> None:
        self.connection.execute(update(PROJECT).where(PROJECT.c.id == project_id).values(**values))

    # -- catalogue and entities ----------------------------------------------------

    def competences(self, project_id: int) -> tuple[CompetenceInfo, ...]:
        rows = self.connection.execute(_COMPETENCES, {"pid": project_id})
        return tuple(_competence(row) for row in rows)

    def add_competence(
        self, project: ProjectInfo, number: int, code: str, label: str, families: tuple[str, ...]
    ) -> CompetenceInfo:
        """A competence of the project's own, after the sheet's 19."""
        competence_id = self.connection.execute(
            insert(COMPETENCE)
            .values(
                workspace_id=project.workspace_id,
                project_id=project.id,
                number=number,
                code=code,
                label_fr=label,
                label_en=label,
                families=",".join(families),
            )
            .returning(COMPETENCE.c.id)
        ).scalar_one()
        return CompetenceInfo(competence_id, number, code, label, label, families, custom=True)

    def entities(self, project_id: int) -> tuple[EntityInfo, ...]:
        rows = self.connection.execute(_ENTITIES, {"pid": project_id})
        return tuple(EntityInfo(*row) for row in rows)

    def add_entity(
        self,
        project: ProjectInfo,
        name: str,
        name_key: str,
        kind: str,
        uai: str | None,
        actor: str,
    ) -> EntityInfo:
        entity_id = self.connection.execute(
            insert(ENTITY)
            .values(
                workspace_id=project.workspace_id,
                project_id=project.id,
                name=name,
                name_key=name_key,
                kind=kind,
                uai=uai,
                created_by=actor,
                created_at=utcnow(),
            )
            .returning(ENTITY.c.id)
        ).scalar_one()
        return EntityInfo(id=entity_id, name=name, kind=kind, uai=uai)

    def rename_entity(self, entity_id: int, name: str, name_key: str) -> None:
        self.connection.execute(
            update(ENTITY).where(ENTITY.c.id == entity_id).values(name=name, name_key=name_key)
        )

    # -- the project's state -------------------------------------------------------

    def load_state(self, project: ProjectInfo) -> ProjectState:
        """Five statements, whatever the size of the project or of the database."""
        pid = project.id
        competences = self.competences(pid)
        entities = self.entities(pid)
        assignments = {
            row[0]: _assignment(row) for row in self.connection.execute(_ASSIGNMENTS, {"pid": pid})
        }
        answers = {
            row[0]: AnswerInfo(*row) for row in self.connection.execute(_ANSWERS, {"pid": pid})
        }
        factors = {row[0]: bool(row[1]) for row in self.connection.execute(_FACTORS, {"pid": pid})}
        return ProjectState(project, competences, entities, assignments, answers, factors)

    def _save(
        self, table: Table, project: ProjectInfo, keys: dict[str, Any], values: dict[str, Any]
    ) -> None:
        """Insert the project's row that ``keys`` identify, or update it: one upsert, so two
        first changes at once never collide on the unique key."""
        self.connection.execute(
            _upsert_insert(self.connection)(table)
            .values(workspace_id=project.workspace_id, project_id=project.id, **keys, **values)
            .on_conflict_do_update(
                index_elements=[table.c[name] for name in _UNIQUE_KEYS[table.name]], set_=values
            )
        )

    def save_assignments(
        self,
        project: ProjectInfo,
        changed: Sequence[tuple[AssignmentInfo, AssignmentInfo]],
        actor: str,
    ) -> None:
        """Write several assignments (old, new) at once: one upsert for all of them, and
        the contacts index rewritten in two statements for those whose contacts changed."""
        if not changed:
            return
        now = utcnow()
        rows = [
            {
                "workspace_id": project.workspace_id,
                "project_id": project.id,
                "competence_id": new.competence_id,
                "entity_id": new.entity_id,
                "sourcing": new.sourcing,
                "contacts": list(new.contacts),
                "provider": new.provider,
                "service_level": new.service_level,
                "keep": new.keep,
                "notes": new.notes,
                "updated_by": actor,
                "updated_at": now,
            }
            for _old, new in changed
        ]
        statement = _upsert_insert(self.connection)(ASSIGNMENT)
        keys = {"workspace_id", "project_id", "competence_id"}
        statement = statement.on_conflict_do_update(
            index_elements=[ASSIGNMENT.c[name] for name in _UNIQUE_KEYS["assignment"]],
            set_={name: statement.excluded[name] for name in rows[0] if name not in keys},
        )
        self.connection.execute(statement, rows)
        moved = [new for old, new in changed if old.contacts != new.contacts]
        if not moved:
            return
        self.connection.execute(
            delete(ASSIGNMENT_CONTACT).where(
                ASSIGNMENT_CONTACT.c.project_id == project.id,
                ASSIGNMENT_CONTACT.c.competence_id.in_([new.competence_id for new in moved]),
            )
        )
        people = [
            {"workspace_id": project.workspace_id, "project_id": project.id,
             "competence_id": new.competence_id, "user_id": user}
            for new in moved
            for user in dict.fromkeys(new.contacts)
        ]
        if people:
            self.connection.execute(insert(ASSIGNMENT_CONTACT), people)

    def assignments(self, project_id: int) -> dict[int, AssignmentInfo]:
        """The project's assignments by competence id, in one statement."""
        rows = self.connection.execute(_ASSIGNMENTS, {"pid": project_id})
        return {row[0]: _assignment(row) for row in rows}

    def assignment(self, project_id: int, competence_id: int) -> AssignmentInfo | None:
        row = self.connection.execute(
            _ASSIGNMENT, {"pid": project_id, "cid": competence_id}
        ).first()
        return None if row is None else _assignment(row)

    def save_answer(
        self,
        project: ProjectInfo,
        question: int,
        text: str,
        data: dict[str, Any],
        actor: str,
    ) -> None:
        values = {"text": text, "data": data, "answered_by": actor, "answered_at": utcnow()}
        self._save(KEY_ANSWER, project, {"question": question}, values)

    def save_factor(self, project: ProjectInfo, factor: int, done: bool, actor: str) -> None:
        values = {"done": done, "updated_by": actor, "updated_at": utcnow()}
        self._save(SUCCESS_FACTOR, project, {"factor": factor}, values)

    # -- history -------------------------------------------------------------------

    def add_history(
        self,
        project: ProjectInfo,
        actor: str,
        rows: Sequence[dict[str, Any]],
        at: datetime | None = None,
    ) -> None:
        """Append ``rows`` (action, subject, field, old_value, new_value, competence_id);
        ``at`` (default now) is shared by the rows of one request."""
        if not rows:
            return
        now = at or utcnow()
        self.connection.execute(
            insert(HISTORY_ENTRY),
            [
                {
                    "workspace_id": project.workspace_id,
                    "project_id": project.id,
                    "at": now,
                    "actor": actor,
                    "competence_id": None,
                    "field": "",
                    "old_value": None,
                    "new_value": None,
                    **row,
                }
                for row in rows
            ],
        )

    def history(
        self, project_id: int, competence_id: int | None = None, limit: int = 20
    ) -> list[HistoryRow]:
        query = select(*_HISTORY_COLUMNS).where(HISTORY_ENTRY.c.project_id == project_id)
        if competence_id is not None:
            query = query.where(HISTORY_ENTRY.c.competence_id == competence_id)
        query = query.order_by(HISTORY_ENTRY.c.id.desc()).limit(limit)
        return [HistoryRow(*row) for row in self.connection.execute(query)]

    def last_change(self, project_id: int, actor: str) -> list[HistoryRow]:
        """The history rows of ``actor``'s latest change to the project (one request's rows
        share their time), newest first."""
        latest = (
            select(HISTORY_ENTRY.c.at)
            .where(HISTORY_ENTRY.c.project_id == project_id, HISTORY_ENTRY.c.actor == actor)
            .order_by(HISTORY_ENTRY.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(*_HISTORY_COLUMNS)
            .where(
                HISTORY_ENTRY.c.project_id == project_id,
                HISTORY_ENTRY.c.actor == actor,
                HISTORY_ENTRY.c.at == latest,
            )
            .order_by(HISTORY_ENTRY.c.id.desc())
        )
        return [HistoryRow(*row) for row in self.connection.execute(query)]

    # -- conversation and pending confirmations --------------------------------------

    def conversation(self, project_id: int) -> ConversationState | None:
        row = self.connection.execute(
            select(
                CONVERSATION.c.project_id,
                CONVERSATION.c.step,
                CONVERSATION.c.position,
                CONVERSATION.c.active,
                CONVERSATION.c.data,
                CONVERSATION.c.channel_id,
                CONVERSATION.c.thread_ts,
            ).where(CONVERSATION.c.project_id == project_id)
        ).first()
        return None if row is None else ConversationState(*row)

    def save_conversation(self, project: ProjectInfo, state: ConversationState, actor: str) -> None:
        values = {
            "step": state.step,
            "position": state.position,
            "active": state.active,
            "data": state.data,
            "channel_id": state.channel_id,
            "thread_ts": state.thread_ts,
            "updated_by": actor,
            "updated_at": utcnow(),
        }
        self._save(CONVERSATION, project, {}, values)

    def set_thread(self, project_id: int, channel_id: str, thread_ts: str) -> None:
        """Remember the Slack thread the conversation is held in."""
        self.connection.execute(
            update(CONVERSATION)
            .where(CONVERSATION.c.project_id == project_id)
            .values(channel_id=channel_id, thread_ts=thread_ts)
        )

    def pending(self, workspace_id: str, user_id: str, lock: bool = False) -> Pending | None:
        """The person's pending confirmation; with ``lock``, held until the transaction ends,
        so that two answers to it at once are taken one after the other."""
        query = select(
            PENDING_ACTION.c.project_id, PENDING_ACTION.c.kind, PENDING_ACTION.c.payload
        ).where(PENDING_ACTION.c.workspace_id == workspace_id, PENDING_ACTION.c.user_id == user_id)
        row = self.connection.execute(query.with_for_update() if lock else query).first()
        return None if row is None else Pending(*row)

    def set_pending(
        self,
        workspace_id: str,
        user_id: str,
        project_id: int | None,
        kind: str,
        payload: dict[str, Any],
    ) -> None:
        self.ensure_workspace(workspace_id)
        values = {"project_id": project_id, "kind": kind, "payload": payload,
                  "created_at": utcnow()}
        self.connection.execute(
            _upsert_insert(self.connection)(PENDING_ACTION)
            .values(workspace_id=workspace_id, user_id=user_id, **values)
            .on_conflict_do_update(
                index_elements=[PENDING_ACTION.c.workspace_id, PENDING_ACTION.c.user_id],
                set_=values,
            )
        )

    def clear_pending(self, workspace_id: str, user_id: str) -> None:
        self.connection.execute(
            delete(PENDING_ACTION).where(
                PENDING_ACTION.c.workspace_id == workspace_id, PENDING_ACTION.c.user_id == user_id
            )
        )


class Database:
    """The engine, and the transactions every change runs in."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Store]:
        """One transaction: committed when the block ends, rolled back on any error.

        A ``write`` transaction takes SQLite's write lock at once (``BEGIN IMMEDIATE``), so
        what it reads cannot change before it writes; on PostgreSQL, changes lock the row
        they start from (see :meth:`Store.project`).
        """
        with self.engine.connect() as connection:
            if write:
                connection = connection.execution_options(**{IMMEDIATE: True})
            with connection.begin():
                yield Store(connection)

    def attempt(self, work: Callable[[Store], T], write: bool = True) -> T:
        """Run ``work`` in one transaction; run it again when it conflicted with another.

        Raises :class:`~storage.errors.Busy` or :class:`~storage.errors.Unavailable` when the
        database cannot serve it in time; any other error is the caller's (a bug).
        """
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.transaction(write=write) as store:
                    return work(store)
            except DatabaseError:
                raise
            except Exception as error:
                in_time = time.monotonic() - started < RETRY_WITHIN
                if attempt < ATTEMPTS and in_time and should_retry(error):
                    log.info("transaction conflict, attempt %d: %s", attempt,
                             type(getattr(error, "orig", error)).__name__)
                    time.sleep(random.uniform(0.005, 0.02) * attempt)
                    continue
                found = classify(error)
                if found is None:
                    raise
                raise found from error
        raise Busy("conflicts")

    def dispose(self) -> None:
        self.engine.dispose()
