"""Schedules: when a project's digest and gap reminders are due, and the calendar they follow.

``project_schedule`` holds what is per project (school zone, Alsace-Moselle, lead, pause,
holiday opt-out, chart); ``schedule`` one row per project and kind (``digest`` or
``reminders``) with its RFC 5545 recurrence rule and the last slot handled. A project with
no ``schedule`` row for a kind follows the default of that kind (see :mod:`services.schedules`).
Reads for the due pass are batched: a fixed number of statements per batch of projects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    exists,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from storage.models import (
    Assignment,
    Competence,
    Entity,
    HistoryEntry,
    KeyAnswer,
    Project,
    SuccessFactor,
)
from storage.personal import Category, Erase, personal
from storage.privacy import CLOSURE
from storage.state import (
    AnswerInfo,
    AssignmentInfo,
    CompetenceInfo,
    EntityInfo,
    ProjectInfo,
    ProjectState,
)
from storage.store import HistoryRow, upsert_dialect, utcnow

DIGEST = "digest"
REMINDERS = "reminders"
KINDS = (DIGEST, REMINDERS)


class ProjectSchedule(SQLModel, table=True):
    """What the schedules of one project share: its calendar, its lead, its pause."""

    __tablename__ = "project_schedule"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    zone: str | None = Field(default=None, max_length=1)
    """School-holiday zone: ``A``, ``B`` or ``C``; None: not known (public holidays only)."""
    subdivision: str | None = Field(default=None, max_length=8)
    """``57`` (Moselle) or ``6AE`` (Alsace): two more public holidays."""
    lead: str | None = Field(
        default=None, max_length=200, sa_column_kwargs=personal(Category.CONTACT, Erase.REMOVE)
    )
    """The project lead (gets the unowned gaps); None: the project's creator."""
    paused: bool = False
    paused_reason: str | None = Field(default=None, max_length=64)
    paused_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    ignore_school_holidays: bool = False
    chart: bool = False
    updated_by: str = Field(max_length=200, sa_column_kwargs=personal(Category.AUTHOR))
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class Schedule(SQLModel, table=True):
    """One recurring post of a project: its rule, in its time zone, and the last slot handled."""

    __tablename__ = "schedule"
    __table_args__ = (UniqueConstraint("project_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id")
    kind: str = Field(max_length=16)
    rule: str | None = Field(default=None, max_length=200)
    """RFC 5545 RRULE (``FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0``); None: off."""
    timezone: str = Field(default="Europe/Paris", max_length=64)
    last_slot: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    """The last slot (naive UTC) whose post was written to the outbox."""
    last_coverage: int | None = None
    """Competences covered at the last digest, for the change since then."""
    last_local_covered: int | None = None
    """Schools with a resource person at the last digest, for the change since then."""
    updated_by: str = Field(max_length=200, sa_column_kwargs=personal(Category.AUTHOR))
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class ReminderSetting(SQLModel, table=True):
    """A person who stopped their own gap reminders."""

    __tablename__ = "reminder_setting"

    workspace_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        primary_key=True, max_length=200,
        sa_column_kwargs=personal(Category.IDENTIFIER, Erase.DELETE_ROW),
    )
    enabled: bool = True
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class GapState(SQLModel, table=True):
    """A gap as reminders see it: since when it is open, snoozed, escalated, declined."""

    __tablename__ = "gap_state"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    gap_key: str = Field(primary_key=True, max_length=64)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    opened_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    snoozed_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(), nullable=True)
    )
    escalated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(), nullable=True)
    )
    declined_by: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON(), nullable=False, **personal(Category.CONTACT, Erase.REMOVE)),
    )


PROJECT_SCHEDULE: Table = ProjectSchedule.__table__  # type: ignore[attr-defined]
SCHEDULE: Table = Schedule.__table__  # type: ignore[attr-defined]
REMINDER_SETTING: Table = ReminderSetting.__table__  # type: ignore[attr-defined]
GAP_STATE: Table = GapState.__table__  # type: ignore[attr-defined]
PROJECT: Table = Project.__table__  # type: ignore[attr-defined]
COMPETENCE: Table = Competence.__table__  # type: ignore[attr-defined]
ENTITY: Table = Entity.__table__  # type: ignore[attr-defined]
ASSIGNMENT: Table = Assignment.__table__  # type: ignore[attr-defined]
KEY_ANSWER: Table = KeyAnswer.__table__  # type: ignore[attr-defined]
SUCCESS_FACTOR: Table = SuccessFactor.__table__  # type: ignore[attr-defined]
HISTORY: Table = HistoryEntry.__table__  # type: ignore[attr-defined]


def _insert(connection: Connection) -> Any:
    return upsert_dialect(connection).insert


@dataclass(frozen=True, slots=True)
class Calendar:
    """A project's schedule settings (defaults when it has no row)."""

    zone: str | None = None
    subdivision: str | None = None
    lead: str | None = None
    paused: bool = False
    paused_reason: str | None = None
    ignore_school_holidays: bool = False
    chart: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind's stored rule; ``stored`` False: no row, the default applies."""

    kind: str
    rule: str | None
    timezone: str
    last_slot: datetime | None = None
    last_coverage: int | None = None
    last_local_covered: int | None = None
    stored: bool = True


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A project as the due pass sees it."""

    project: ProjectInfo
    created_at: datetime
    created_by: str
    calendar: Calendar
    rules: dict[str, Rule] = field(default_factory=dict)


_CALENDAR_COLUMNS = (
    PROJECT_SCHEDULE.c.zone,
    PROJECT_SCHEDULE.c.subdivision,
    PROJECT_SCHEDULE.c.lead,
    PROJECT_SCHEDULE.c.paused,
    PROJECT_SCHEDULE.c.paused_reason,
    PROJECT_SCHEDULE.c.ignore_school_holidays,
    PROJECT_SCHEDULE.c.chart,
)


def calendar(connection: Connection, project_id: int) -> Calendar:
    row = connection.execute(
        select(*_CALENDAR_COLUMNS).where(PROJECT_SCHEDULE.c.project_id == project_id)
    ).first()
    return Calendar() if row is None else _calendar(row)


def _calendar(row: Sequence[Any]) -> Calendar:
    if row[3] is None:  # no project_schedule row (outer join)
        return Calendar()
    return Calendar(row[0], row[1], row[2], bool(row[3]), row[4], bool(row[5]), bool(row[6]))


def save_calendar(
    connection: Connection, project: ProjectInfo, actor: str, **values: Any
) -> None:
    """Set some of the project's schedule settings (the others keep their value)."""
    now = utcnow()
    changes = {**values, "updated_by": actor, "updated_at": now}
    connection.execute(
        _insert(connection)(PROJECT_SCHEDULE)
        .values(project_id=project.id, workspace_id=project.workspace_id, **changes)
        .on_conflict_do_update(index_elements=[PROJECT_SCHEDULE.c.project_id], set_=changes)
    )


def rules(connection: Connection, project_id: int) -> dict[str, Rule]:
    rows = connection.execute(
        select(SCHEDULE.c.kind, SCHEDULE.c.rule, SCHEDULE.c.timezone, SCHEDULE.c.last_slot,
               SCHEDULE.c.last_coverage, SCHEDULE.c.last_local_covered)
        .where(SCHEDULE.c.project_id == project_id)
    )
    return {row[0]: Rule(*row) for row in rows}


def save_rule(
    connection: Connection, project: ProjectInfo, kind: str, rule: str | None, timezone: str,
    actor: str,
) -> None:
    now = utcnow()
    values = {"rule": rule, "timezone": timezone, "updated_by": actor, "updated_at": now}
    connection.execute(
        _insert(connection)(SCHEDULE)
        .values(project_id=project.id, workspace_id=project.workspace_id, kind=kind, **values)
        .on_conflict_do_update(
            index_elements=[SCHEDULE.c.project_id, SCHEDULE.c.kind], set_=values
        )
    )


def pause_channel(
    connection: Connection, workspace_id: str, channel_id: str, reason: str
) -> list[int]:
    """Pause the schedules of the channel's projects; the ids paused now (not before)."""
    rows = connection.execute(
        select(PROJECT.c.id, PROJECT_SCHEDULE.c.paused)
        .select_from(PROJECT.outerjoin(
            PROJECT_SCHEDULE, PROJECT_SCHEDULE.c.project_id == PROJECT.c.id))
        .where(PROJECT.c.workspace_id == workspace_id, PROJECT.c.channel_id == channel_id)
    ).all()
    paused = [int(row[0]) for row in rows if not row[1]]
    for project_id in paused:
        pause(connection, workspace_id, project_id, reason)
    return paused


def pause(connection: Connection, workspace_id: str, project_id: int, reason: str) -> None:
    """Pause the project's schedules, under the project's lock like any change to them
    (the sender pauses outside any request)."""
    connection.execute(
        select(PROJECT.c.id).where(PROJECT.c.id == project_id).with_for_update()
    ).all()
    now = utcnow()
    values = {"paused": True, "paused_reason": reason, "paused_at": now,
              "updated_by": "ent-bot", "updated_at": now}
    connection.execute(
        _insert(connection)(PROJECT_SCHEDULE)
        .values(project_id=project_id, workspace_id=workspace_id, **values)
        .on_conflict_do_update(index_elements=[PROJECT_SCHEDULE.c.project_id], set_=values)
    )


# -- the due pass --------------------------------------------------------------------

_SCHEDULED = (
    select(
        PROJECT.c.id, PROJECT.c.workspace_id, PROJECT.c.name, PROJECT.c.territory_kind,
        PROJECT.c.moa, PROJECT.c.language, PROJECT.c.timezone, PROJECT.c.channel_id,
        PROJECT.c.created_at, PROJECT.c.created_by, *_CALENDAR_COLUMNS,
    )
    .select_from(PROJECT.outerjoin(
        PROJECT_SCHEDULE, PROJECT_SCHEDULE.c.project_id == PROJECT.c.id))
    .where(
        PROJECT.c.id > bindparam("after"),
        PROJECT.c.channel_id.is_not(None),
        or_(PROJECT_SCHEDULE.c.paused.is_(None), PROJECT_SCHEDULE.c.paused.is_(False)),
        ~exists().where(CLOSURE.c.project_id == PROJECT.c.id),
    )
    .order_by(PROJECT.c.id)
    .limit(bindparam("limit"))
)


def scheduled(
    connection: Connection, after: int, limit: int, ids: Sequence[int] | None = None,
    lock: bool = False,
) -> list[Scheduled]:
    """Channel-bound projects neither paused nor closed, by id after ``after`` (two
    statements): a closed project gets no digest and no reminder, and would get them again
    if its closure were lifted.

    With ``ids`` only those; with ``lock`` their project rows are locked, skipping rows
    another runner holds (PostgreSQL; SQLite serves one process and ignores it).
    """
    query = _SCHEDULED
    if ids is not None:
        query = query.where(PROJECT.c.id.in_(list(ids)))
    if lock:
        query = query.with_for_update(of=PROJECT, skip_locked=True)
    rows = connection.execute(query, {"after": after, "limit": limit}).all()
    found = {
        int(row[0]): Scheduled(
            ProjectInfo(*row[:8]), row[8], row[9], _calendar(row[10:]), {}
        )
        for row in rows
    }
    if found:
        for row in connection.execute(
            select(SCHEDULE.c.project_id, SCHEDULE.c.kind, SCHEDULE.c.rule, SCHEDULE.c.timezone,
                   SCHEDULE.c.last_slot, SCHEDULE.c.last_coverage, SCHEDULE.c.last_local_covered)
            .where(SCHEDULE.c.project_id.in_(list(found)))
        ):
            found[int(row[0])].rules[row[1]] = Rule(*row[1:])
    return list(found.values())


def record_slots(
    connection: Connection, kind: str, done: Iterable[tuple[ProjectInfo, datetime, int | None,
                                                            str | None, str]],
    local: Mapping[int, int] | None = None,
) -> None:
    """Remember each project's last slot handled (and its coverage): one upsert per batch.

    ``done``: (project, slot, coverage, rule, timezone), the rule and zone kept as they are
    for a project that had no row (it follows the default).
    With ``local`` (project id → schools with a resource person), that figure too.
    """
    rows = [
        {"project_id": p.id, "workspace_id": p.workspace_id, "kind": kind, "rule": rule,
         "timezone": zone, "last_slot": slot, "last_coverage": coverage,
         "last_local_covered": (local or {}).get(p.id),
         "updated_by": "ent-bot", "updated_at": utcnow()}
        for p, slot, coverage, rule, zone in done
    ]
    if not rows:
        return
    statement = _insert(connection)(SCHEDULE)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[SCHEDULE.c.project_id, SCHEDULE.c.kind],
            set_={"last_slot": statement.excluded.last_slot,
                  "last_coverage": statement.excluded.last_coverage,
                  **({"last_local_covered": statement.excluded.last_local_covered}
                     if local is not None else {})},
        ),
        rows,
    )


def load_states(connection: Connection, projects: Sequence[ProjectInfo]) -> dict[int, ProjectState]:
    """The states of many projects in six statements, whatever their number."""
    ids = [p.id for p in projects]
    if not ids:
        return {}
    competences: dict[int | None, list[CompetenceInfo]] = {}
    for c_row in connection.execute(
        select(COMPETENCE.c.id, COMPETENCE.c.number, COMPETENCE.c.code, COMPETENCE.c.label_fr,
               COMPETENCE.c.label_en, COMPETENCE.c.families, COMPETENCE.c.aliases,
               COMPETENCE.c.project_id)
        .where(or_(COMPETENCE.c.project_id.is_(None), COMPETENCE.c.project_id.in_(ids)))
        .order_by(COMPETENCE.c.number, COMPETENCE.c.id)
    ):
        competences.setdefault(c_row[7], []).append(CompetenceInfo(
            c_row[0], c_row[1], c_row[2], c_row[3], c_row[4],
            tuple(c_row[5].split(",")) if c_row[5] else (),
            tuple(c_row[6].split(",")) if c_row[6] else (), c_row[7] is not None,
        ))
    entities: dict[int, list[EntityInfo]] = {}
    for e_row in connection.execute(
        select(ENTITY.c.project_id, ENTITY.c.id, ENTITY.c.name, ENTITY.c.kind, ENTITY.c.uai)
        .where(ENTITY.c.project_id.in_(ids)).order_by(ENTITY.c.name_key, ENTITY.c.id)
    ):
        entities.setdefault(e_row[0], []).append(EntityInfo(*e_row[1:]))
    assignments: dict[int, dict[int, AssignmentInfo]] = {}
    for a_row in connection.execute(
        select(ASSIGNMENT.c.project_id, ASSIGNMENT.c.competence_id, ASSIGNMENT.c.entity_id,
               ASSIGNMENT.c.sourcing, ASSIGNMENT.c.contacts, ASSIGNMENT.c.provider,
               ASSIGNMENT.c.service_level, ASSIGNMENT.c.keep, ASSIGNMENT.c.notes,
               ASSIGNMENT.c.updated_by, ASSIGNMENT.c.updated_at)
        .where(ASSIGNMENT.c.project_id.in_(ids))
    ):
        assignments.setdefault(a_row[0], {})[a_row[1]] = AssignmentInfo(
            a_row[1], a_row[2], a_row[3], tuple(a_row[4] or ()), a_row[5], a_row[6],
            a_row[7], a_row[8], a_row[9], a_row[10],
        )
    answers: dict[int, dict[int, AnswerInfo]] = {}
    for k_row in connection.execute(
        select(KEY_ANSWER.c.project_id, KEY_ANSWER.c.question, KEY_ANSWER.c.text,
               KEY_ANSWER.c.data, KEY_ANSWER.c.answered_by, KEY_ANSWER.c.answered_at)
        .where(KEY_ANSWER.c.project_id.in_(ids))
    ):
        answers.setdefault(k_row[0], {})[k_row[1]] = AnswerInfo(*k_row[1:])
    factors: dict[int, dict[int, bool]] = {}
    for f_row in connection.execute(
        select(SUCCESS_FACTOR.c.project_id, SUCCESS_FACTOR.c.factor, SUCCESS_FACTOR.c.done)
        .where(SUCCESS_FACTOR.c.project_id.in_(ids))
    ):
        factors.setdefault(f_row[0], {})[f_row[1]] = bool(f_row[2])
    sheet = competences.get(None, [])
    return {
        p.id: ProjectState(
            p,
            tuple(sorted([*sheet, *competences.get(p.id, [])], key=lambda c: (c.number, c.id))),
            tuple(entities.get(p.id, ())),
            assignments.get(p.id, {}),
            answers.get(p.id, {}),
            factors.get(p.id, {}),
        )
        for p in projects
    }


def history_since(
    connection: Connection, since: dict[int, datetime], limit: int = 200
) -> dict[int, list[HistoryRow]]:
    """Each project's changes after its own instant, newest first (one statement)."""
    if not since:
        return {}
    found: dict[int, list[HistoryRow]] = {}
    earliest = min(since.values())
    for row in connection.execute(
        select(HISTORY.c.project_id, HISTORY.c.at, HISTORY.c.actor, HISTORY.c.action,
               HISTORY.c.subject, HISTORY.c.field, HISTORY.c.old_value, HISTORY.c.new_value,
               HISTORY.c.competence_id)
        .where(HISTORY.c.project_id.in_(list(since)), HISTORY.c.at > earliest)
        .order_by(HISTORY.c.id.desc())
    ):
        pid = int(row[0])
        rows = found.setdefault(pid, [])
        if row[1] > since[pid] and len(rows) < limit:
            rows.append(HistoryRow(*row[1:]))
    return found


# -- people and gaps (reminders) -------------------------------------------------------

def reminders_off(connection: Connection, workspace_id: str, users: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(users))
    if not wanted:
        return set()
    rows = connection.execute(
        select(REMINDER_SETTING.c.user_id).where(
            REMINDER_SETTING.c.workspace_id == workspace_id,
            REMINDER_SETTING.c.user_id.in_(wanted),
            REMINDER_SETTING.c.enabled.is_(False),
        )
    )
    return {str(row[0]) for row in rows}


def set_reminders(connection: Connection, workspace_id: str, user_id: str, enabled: bool) -> None:
    values = {"enabled": enabled, "updated_at": utcnow()}
    connection.execute(
        _insert(connection)(REMINDER_SETTING)
        .values(workspace_id=workspace_id, user_id=user_id, **values)
        .on_conflict_do_update(
            index_elements=[REMINDER_SETTING.c.workspace_id, REMINDER_SETTING.c.user_id],
            set_=values,
        )
    )


@dataclass(frozen=True, slots=True)
class GapRecord:
    opened_at: datetime
    snoozed_until: datetime | None
    escalated_at: datetime | None
    declined_by: tuple[str, ...]


def gap_states(connection: Connection, project_ids: Sequence[int]) -> dict[tuple[int, str],
                                                                          GapRecord]:
    if not project_ids:
        return {}
    rows = connection.execute(
        select(GAP_STATE.c.project_id, GAP_STATE.c.gap_key, GAP_STATE.c.opened_at,
               GAP_STATE.c.snoozed_until, GAP_STATE.c.escalated_at, GAP_STATE.c.declined_by)
        .where(GAP_STATE.c.project_id.in_(list(project_ids)))
    )
    return {
        (int(r[0]), str(r[1])): GapRecord(r[2], r[3], r[4], tuple(r[5] or ())) for r in rows
    }


def open_gaps(
    connection: Connection, project: ProjectInfo, keys: Iterable[str], at: datetime
) -> None:
    """Record when gaps were first seen open (those already recorded keep their date)."""
    rows = [{"project_id": project.id, "gap_key": key, "workspace_id": project.workspace_id,
             "opened_at": at, "declined_by": []} for key in dict.fromkeys(keys)]
    if rows:
        connection.execute(_insert(connection)(GAP_STATE).on_conflict_do_nothing(), rows)


def update_gap(connection: Connection, project_id: int, gap_key: str, **values: Any) -> None:
    connection.execute(
        update(GAP_STATE)
        .where(GAP_STATE.c.project_id == project_id, GAP_STATE.c.gap_key == gap_key)
        .values(**values)
    )


def track_gaps(
    connection: Connection, opened: Sequence[tuple[ProjectInfo, str]],
    closed: Sequence[tuple[int, str]], at: datetime,
) -> None:
    """Gaps first seen open at ``at`` (those recorded keep their date), and gaps closed since
    (forgotten: one that opens again starts over); two statements whatever their number."""
    if opened:
        connection.execute(_insert(connection)(GAP_STATE).on_conflict_do_nothing(), [
            {"project_id": p.id, "gap_key": key, "workspace_id": p.workspace_id,
             "opened_at": at, "declined_by": []} for p, key in opened
        ])
    if closed:
        connection.execute(delete(GAP_STATE).where(
            tuple_(GAP_STATE.c.project_id, GAP_STATE.c.gap_key).in_(list(closed))))


def mark_escalated(connection: Connection, keys: Sequence[tuple[int, str]], at: datetime) -> None:
    if keys:
        connection.execute(
            update(GAP_STATE)
            .where(tuple_(GAP_STATE.c.project_id, GAP_STATE.c.gap_key).in_(list(keys)))
            .values(escalated_at=at)
        )
