"""``/ent annuler``: take back the author's last change, read from the history.

A change is the rows one request wrote (they share its time). Each value goes back to
what the history says it replaced, only if it is still what that change left: a value
someone changed since is not overwritten. The undo is itself a change, with its own
history rows, so the history still replays to the tables (and ``/ent annuler`` again
puts the change back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services import assignments, changes
from services.turn import Reply, Turn
from storage.state import AssignmentInfo, EntityInfo, ProjectInfo
from storage.store import HistoryRow
from storage.vocab import Keep

_PROJECT_FIELDS = frozenset({"name", "moa", "territory_kind", "language"})


def _value(field: str, text: str | None, entities: Sequence[EntityInfo]) -> Any:
    """An assignment value from its history text; ``KeyError`` for an entity gone."""
    if field == "entity_id":
        if text is None:
            return None
        return next(e.id for e in entities if e.name == text)
    if field == "contacts":
        return tuple(text.split(", ")) if text else ()
    if field == "keep":
        return text or Keep.A_DECIDER.value
    return text


def _still(current: AssignmentInfo | None, row: HistoryRow, names: dict[int, str]) -> bool:
    """Whether the assignment still holds what ``row`` left there."""
    now = getattr(current, row.field) if current is not None else None
    if row.field == "keep" and now is None:
        now = Keep.A_DECIDER.value
    return changes.as_text(row.field, now, names) == row.new_value


def undo(turn: Turn, project: ProjectInfo) -> Reply:
    rows = turn.store.last_change(project.id, turn.actor)
    if not rows:
        return turn.reply("undo_nothing")
    unsupported = [r for r in rows if not _supported(r)]
    if unsupported:
        return turn.error("undo_refused", action=unsupported[0].action,
                          subject=unsupported[0].subject)
    entities = turn.store.entities(project.id)
    names = {e.id: e.name for e in entities}
    current = turn.store.assignments(project.id)
    competences = {c.id: c for c in turn.store.competences(project.id)}
    wanted: dict[int, dict[str, Any]] = {}
    factors: dict[bool, list[int]] = {}
    fields: list[tuple[str, str | None]] = []
    factor_state = turn.store.load_state(project).factors if any(
        r.action == changes.FACTOR for r in rows
    ) else {}
    for row in reversed(rows):  # oldest first: the first old value of a field wins
        if row.action == changes.ASSIGNMENT and row.competence_id in competences:
            if not _still(current.get(row.competence_id), row, names):
                return turn.error("undo_refused", action="changed_since",
                                  subject=competences[row.competence_id].code)
            try:
                value = _value(row.field, row.old_value, entities)
            except StopIteration:
                return turn.error("undo_refused", action="entity_gone", subject=row.old_value)
            wanted.setdefault(row.competence_id, {})[row.field] = value
        elif row.action == changes.FACTOR:
            number = int(row.subject.partition(":")[2])
            if str(factor_state.get(number, False)).lower() != row.new_value:
                return turn.error("undo_refused", action="changed_since", subject=row.subject)
            factors.setdefault(row.old_value == "true", []).append(number)
        elif row.action.startswith("project."):
            fields.append((row.field, row.old_value))
    done = assignments.update_many(
        turn, project, current, [(competences[cid], values) for cid, values in wanted.items()],
        entities,
    )
    for done_value, numbers in factors.items():
        changes.save_factor(turn, project, numbers, done_value, factor_state)
    for field, old in fields:
        project = changes.set_project_field(turn, project, field, old)
    return turn.announce(
        "undone",
        competences=[e.competence for e in done],
        factors=sorted(n for numbers in factors.values() for n in numbers),
        fields=[field for field, _old in fields],
    )


def _supported(row: HistoryRow) -> bool:
    if row.action in (changes.ASSIGNMENT, changes.FACTOR):
        return True
    return row.action.startswith("project.") and row.field in _PROJECT_FIELDS and (
        row.action != changes.PROJECT_CREATE
    )
