"""Replay a project's history from empty and compare it with the assignment table."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.engine import Engine

from storage.models import Assignment, Entity, HistoryEntry

TRACKED = ("entity_id", "sourcing", "contacts", "provider", "service_level", "keep", "notes")
KEEP_DEFAULT = "a_decider"


def _as_text(field: str, value: object, names: dict[int, str]) -> str | None:
    """A table value as the history writes it."""
    if value is None or value == [] or value == ():
        return None
    if field == "entity_id":
        return names[int(str(value))]
    if field == "contacts":
        return ", ".join(str(v) for v in value)  # type: ignore[attr-defined]
    return str(value)


def replay_problems(engine: Engine, project_id: int) -> list[str]:
    """Every way the history fails to tell the table's story (empty: it replays exactly).

    Each history row's old value must be the previous row's new value for the same
    competence and field (starting from nothing), and the last new value must be the
    table's value.
    """
    history = HistoryEntry.__table__  # type: ignore[attr-defined]
    assignment = Assignment.__table__  # type: ignore[attr-defined]
    entity = Entity.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(history.c.id, history.c.competence_id, history.c.field,
                   history.c.old_value, history.c.new_value)
            .where(history.c.project_id == project_id, history.c.action == "assignment")
            .order_by(history.c.id)
        ).all()
        table = conn.execute(
            select(assignment).where(assignment.c.project_id == project_id)
        ).mappings().all()
        names = {
            int(row[0]): str(row[1])
            for row in conn.execute(
                select(entity.c.id, entity.c.name).where(entity.c.project_id == project_id)
            )
        }
    problems: list[str] = []
    replayed: dict[tuple[int, str], str | None] = defaultdict(lambda: None)
    for row_id, competence_id, field, old, new in rows:
        expected = replayed[(competence_id, field)]
        if field == "keep" and expected is None:
            expected = KEEP_DEFAULT
        if old != expected:
            problems.append(
                f"history {row_id}: {field} of competence {competence_id} was {old!r}, "
                f"but the previous change left {expected!r}"
            )
        replayed[(competence_id, field)] = new
    for current in table:
        for field in TRACKED:
            value = _as_text(field, current[field], names)
            told = replayed[(current["competence_id"], field)]
            if field == "keep" and told is None:
                told = KEEP_DEFAULT
            if value != told:
                problems.append(
                    f"competence {current['competence_id']}: table has {field}={value!r}, "
                    f"history replays to {told!r}"
                )
    return problems
