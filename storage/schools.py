"""A project's perimeter of schools (by UAI), their local resource persons, local coverage.

Writes are bulk: a fixed number of statements per batch of schools, never one per school.
Reads for the coverage view are aggregates: a fixed number of statements whatever the size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from storage.personal import Category, Erase, personal
from storage.store import utcnow

BATCH = 1000
"""Rows per bulk statement: well under SQLite's and PostgreSQL's bound-parameter limits."""


class School(SQLModel, table=True):
    """One school of a project's perimeter, as the national directory describes it."""

    __tablename__ = "school"
    __table_args__ = (
        UniqueConstraint("project_id", "uai"),
        Index("ix_school_referent", "workspace_id", "referent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id")
    uai: str = Field(max_length=8)
    name: str = Field(max_length=200)
    kind: str = Field(default="", max_length=64)
    """The directory's type, normalized (``college``, ``ecole``, ``lycee``…)."""
    kind_label: str = Field(default="", max_length=64)
    statut: str | None = Field(default=None, max_length=16)
    """``public`` or ``prive``."""
    commune: str = Field(default="", max_length=100)
    departement: str = Field(default="", max_length=8)
    circonscription: str = Field(default="", max_length=200)
    etat: str = Field(default="OUVERT", max_length=16)
    """``OUVERT``, ``A FERMER`` or ``FERME``, as the directory says."""
    source: str = Field(default="annuaire", max_length=16)
    referent: str | None = Field(
        default=None, max_length=200, sa_column_kwargs=personal(Category.CONTACT, Erase.REMOVE)
    )
    """The local resource person (référent ENT): a Slack user id or a name."""
    referent_by: str | None = Field(
        default=None, max_length=200, sa_column_kwargs=personal(Category.AUTHOR)
    )
    referent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(), nullable=True))
    created_by: str = Field(max_length=200, sa_column_kwargs=personal(Category.AUTHOR))
    created_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


class LocalCompetence(SQLModel, table=True):
    """A competence the project wants covered down to each school (default: 9, 10, 11)."""

    __tablename__ = "local_competence"

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    competence_id: int = Field(foreign_key="competence.id", primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)


class SchoolCover(SQLModel, table=True):
    """Who covers a local competence at one school."""

    __tablename__ = "school_cover"
    __table_args__ = (Index("ix_school_cover_project", "project_id", "competence_id"),)

    school_id: int = Field(foreign_key="school.id", primary_key=True)
    competence_id: int = Field(foreign_key="competence.id", primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    person: str = Field(
        max_length=200, sa_column_kwargs=personal(Category.CONTACT, Erase.REMOVE)
    )
    updated_by: str = Field(max_length=200, sa_column_kwargs=personal(Category.AUTHOR))
    updated_at: datetime = Field(sa_column=Column(DateTime(), nullable=False))


SCHOOL: Table = School.__table__  # type: ignore[attr-defined]
LOCAL: Table = LocalCompetence.__table__  # type: ignore[attr-defined]
COVER: Table = SchoolCover.__table__  # type: ignore[attr-defined]

DIRECTORY_FIELDS = (
    "name",
    "kind",
    "kind_label",
    "statut",
    "commune",
    "departement",
    "circonscription",
    "etat",
)
"""The columns an import may update; everything else is the team's."""


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    id: int
    uai: str
    name: str
    kind: str
    kind_label: str
    statut: str | None
    commune: str
    departement: str
    circonscription: str
    etat: str
    referent: str | None
    source: str = "annuaire"

    def directory(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DIRECTORY_FIELDS}


@dataclass(frozen=True, slots=True)
class Group:
    """Schools of one commune, circonscription or type: how many have a resource person."""

    key: str
    total: int
    covered: int


@dataclass(frozen=True, slots=True)
class Coverage:
    total: int
    covered: int
    closing: int
    by_commune: tuple[Group, ...]
    by_circonscription: tuple[Group, ...]
    by_kind: tuple[Group, ...]
    uncovered: tuple[SchoolInfo, ...]
    """One page of the schools with no resource person, by commune then name."""
    covers: dict[int, int]
    """Schools with a named person, per local competence id."""


_COLUMNS = (
    SCHOOL.c.id,
    SCHOOL.c.uai,
    SCHOOL.c.name,
    SCHOOL.c.kind,
    SCHOOL.c.kind_label,
    SCHOOL.c.statut,
    SCHOOL.c.commune,
    SCHOOL.c.departement,
    SCHOOL.c.circonscription,
    SCHOOL.c.etat,
    SCHOOL.c.referent,
    SCHOOL.c.source,
)
_OPEN = SCHOOL.c.etat != "FERME"


def _info(row: Sequence[Any]) -> SchoolInfo:
    return SchoolInfo(*row)


def _batches(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def schools(connection: Connection, project_id: int) -> list[SchoolInfo]:
    """Every school of the project, by UAI (one statement)."""
    rows = connection.execute(
        select(*_COLUMNS).where(SCHOOL.c.project_id == project_id).order_by(SCHOOL.c.uai)
    )
    return [_info(row) for row in rows]


def school(connection: Connection, project_id: int, uai: str) -> SchoolInfo | None:
    row = connection.execute(
        select(*_COLUMNS).where(SCHOOL.c.project_id == project_id, SCHOOL.c.uai == uai)
    ).first()
    return None if row is None else _info(row)


def add_schools(
    connection: Connection,
    workspace_id: str,
    project_id: int,
    rows: Sequence[dict[str, Any]],
    actor: str,
    source: str = "annuaire",
) -> None:
    """Insert new schools (``uai`` plus the directory fields), one statement per batch."""
    now = utcnow()
    for batch in _batches(rows):
        connection.execute(
            insert(SCHOOL),
            [
                {
                    "workspace_id": workspace_id,
                    "project_id": project_id,
                    "source": source,
                    "referent": None,
                    "referent_by": None,
                    "referent_at": None,
                    "created_by": actor,
                    "created_at": now,
                    "updated_at": now,
                    **row,
                }
                for row in batch
            ],
        )


_UPDATE_DIRECTORY = (
    update(SCHOOL)
    .where(SCHOOL.c.project_id == bindparam("pid"), SCHOOL.c.uai == bindparam("key_uai"))
    .values(
        **{name: bindparam(name) for name in DIRECTORY_FIELDS},
        updated_at=bindparam("now"),
    )
)


def update_schools(
    connection: Connection, project_id: int, rows: Sequence[dict[str, Any]]
) -> None:
    """Update the directory fields of existing schools (never the team's), one per batch."""
    now = utcnow()
    for batch in _batches(rows):
        connection.execute(
            _UPDATE_DIRECTORY,
            [
                {
                    "pid": project_id,
                    "key_uai": row["uai"],
                    "now": now,
                    **{name: row[name] for name in DIRECTORY_FIELDS},
                }
                for row in batch
            ],
        )


_SET_REFERENT = (
    update(SCHOOL)
    .where(SCHOOL.c.project_id == bindparam("pid"), SCHOOL.c.id == bindparam("school_id"))
    .values(
        referent=bindparam("person"),
        referent_by=bindparam("actor"),
        referent_at=bindparam("now"),
    )
)


def set_referents(
    connection: Connection, project_id: int, people: Sequence[tuple[int, str | None]], actor: str
) -> None:
    """Set the resource person of schools given as (school id, person); one per batch."""
    now = utcnow()
    rows = [
        {"pid": project_id, "school_id": sid, "person": person, "actor": actor, "now": now}
        for sid, person in people
    ]
    for batch in _batches(rows):
        connection.execute(_SET_REFERENT, list(batch))


def covers(connection: Connection, project_id: int) -> dict[tuple[int, int], str]:
    """Who covers which local competence where: (school id, competence id) → person."""
    rows = connection.execute(
        select(COVER.c.school_id, COVER.c.competence_id, COVER.c.person).where(
            COVER.c.project_id == project_id
        )
    )
    return {(row[0], row[1]): row[2] for row in rows}


def save_covers(
    connection: Connection,
    workspace_id: str,
    project_id: int,
    rows: Sequence[tuple[int, int, str]],
    actor: str,
) -> None:
    """Replace who covers (school id, competence id); a fixed number of statements per batch."""
    now = utcnow()
    for batch in _batches([{"s": s, "c": c, "p": p} for s, c, p in rows]):
        connection.execute(
            delete(COVER).where(
                COVER.c.project_id == project_id,
                COVER.c.school_id == bindparam("s"),
                COVER.c.competence_id == bindparam("c"),
            ),
            list(batch),
        )
        connection.execute(
            insert(COVER),
            [
                {
                    "school_id": row["s"],
                    "competence_id": row["c"],
                    "person": row["p"],
                    "project_id": project_id,
                    "workspace_id": workspace_id,
                    "updated_by": actor,
                    "updated_at": now,
                }
                for row in batch
            ],
        )


def local_competences(connection: Connection, project_id: int) -> list[int]:
    """The competence ids the project chose to cover locally (empty: not chosen yet)."""
    rows = connection.execute(
        select(LOCAL.c.competence_id).where(LOCAL.c.project_id == project_id)
    )
    return sorted(int(row[0]) for row in rows)


def set_local_competences(
    connection: Connection, workspace_id: str, project_id: int, competence_ids: Sequence[int]
) -> None:
    connection.execute(delete(LOCAL).where(LOCAL.c.project_id == project_id))
    if competence_ids:
        connection.execute(
            insert(LOCAL),
            [
                {"project_id": project_id, "competence_id": cid, "workspace_id": workspace_id}
                for cid in competence_ids
            ],
        )


def _grouped(groups: dict[str, list[int]]) -> tuple[Group, ...]:
    return tuple(Group(key, total, covered) for key, (total, covered) in sorted(groups.items()))


def coverage(
    connection: Connection, project_id: int, offset: int = 0, limit: int = 20
) -> Coverage:
    """The local coverage in four statements, whatever the number of schools.

    One grouped scan gives every (type, circonscription, commune) with its counts; the
    totals by each of them are summed here from those few hundred rows.
    """
    covered = func.sum(case((SCHOOL.c.referent.is_not(None), 1), else_=0))
    closing = func.sum(case((SCHOOL.c.etat == "A FERMER", 1), else_=0))
    columns = (SCHOOL.c.kind_label, SCHOOL.c.circonscription, SCHOOL.c.commune)
    rows = connection.execute(
        select(*columns, func.count(), covered, closing)
        .where(SCHOOL.c.project_id == project_id, _OPEN)
        .group_by(*columns)
    ).all()
    by: tuple[dict[str, list[int]], ...] = ({}, {}, {})
    total = covered_total = closing_total = 0
    for row in rows:
        count, with_person = int(row[3]), int(row[4] or 0)
        total += count
        covered_total += with_person
        closing_total += int(row[5] or 0)
        for index in range(3):
            sums = by[index].setdefault(row[index] or "", [0, 0])
            sums[0] += count
            sums[1] += with_person
    uncovered = connection.execute(
        select(*_COLUMNS)
        .where(SCHOOL.c.project_id == project_id, _OPEN, SCHOOL.c.referent.is_(None))
        .order_by(SCHOOL.c.commune, SCHOOL.c.name, SCHOOL.c.uai)
        .offset(offset)
        .limit(limit)
    ) if limit else ()
    cover_rows = connection.execute(
        select(COVER.c.competence_id, func.count())
        .select_from(COVER.join(SCHOOL, and_(COVER.c.school_id == SCHOOL.c.id)))
        .where(COVER.c.project_id == project_id, _OPEN)
        .group_by(COVER.c.competence_id)
    )
    return Coverage(
        total=total,
        covered=covered_total,
        closing=closing_total,
        by_commune=_grouped(by[2]),
        by_circonscription=_grouped(by[1]),
        by_kind=_grouped(by[0]),
        uncovered=tuple(_info(row) for row in uncovered),
        covers={int(row[0]): int(row[1]) for row in cover_rows},
    )


def referent_schools(
    connection: Connection, workspace_id: str, user_id: str, project_ids: Sequence[int],
    limit: int,
) -> dict[int, tuple[int, list[SchoolInfo]]]:
    """The open schools whose resource person is ``user_id``, per project: how many, and the
    first ``limit`` by commune and name. Two statements, through ``ix_school_referent``."""
    if not project_ids:
        return {}
    mine = (
        SCHOOL.c.workspace_id == workspace_id,
        SCHOOL.c.referent == user_id,
        SCHOOL.c.project_id.in_(list(project_ids)),
        _OPEN,
    )
    counts = connection.execute(
        select(SCHOOL.c.project_id, func.count()).where(*mine).group_by(SCHOOL.c.project_id)
    ).all()
    if not counts:
        return {}
    rank = func.row_number().over(
        partition_by=SCHOOL.c.project_id,
        order_by=(SCHOOL.c.commune, SCHOOL.c.name, SCHOOL.c.uai),
    ).label("rank")
    ranked = select(*_COLUMNS, SCHOOL.c.project_id.label("pid"), rank).where(*mine).subquery()
    rows = connection.execute(
        select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.pid, ranked.c.rank)
    ).all()
    found: dict[int, tuple[int, list[SchoolInfo]]] = {
        int(pid): (int(count), []) for pid, count in counts
    }
    for row in rows:
        found[int(row[len(_COLUMNS)])][1].append(_info(row[: len(_COLUMNS)]))
    return found


def local_figures(connection: Connection, project_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Per project: open schools, and those with a resource person (one statement for any
    number of projects; projects with no school are absent)."""
    if not project_ids:
        return {}
    covered = func.sum(case((SCHOOL.c.referent.is_not(None), 1), else_=0))
    rows = connection.execute(
        select(SCHOOL.c.project_id, func.count(), covered)
        .where(SCHOOL.c.project_id.in_(list(project_ids)), _OPEN)
        .group_by(SCHOOL.c.project_id)
    )
    return {int(row[0]): (int(row[1]), int(row[2] or 0)) for row in rows}
