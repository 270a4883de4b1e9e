"""Every change to a project is written here, with its history rows.

The history row's old value is always the value the change replaces (read in the
request's transaction, which holds the project's lock), so the history replays to the
tables. All rows of one request share its start time: together they are one change,
which ``/ent annuler`` takes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.turn import Turn
from storage.state import AnswerInfo, AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo

ASSIGNMENT = "assignment"
ANSWER = "answer"
FACTOR = "factor"
ENTITY_ADD = "entity.add"
ENTITY_RENAME = "entity.rename"
COMPETENCE_ADD = "competence.add"
PROJECT_CREATE = "project.create"
PROJECT_CLOSE = "project.close"
TRACKED = ("entity_id", "sourcing", "contacts", "provider", "service_level", "keep", "notes")
"""The fields of an assignment the history follows, in the order they are written."""


@dataclass(frozen=True, slots=True)
class Change:
    """One history row: what changed, from which value to which (as text)."""

    action: str
    subject: str
    field: str
    old: str | None = None
    new: str | None = None
    competence_id: int | None = None


def record(
    turn: Turn, project: ProjectInfo, changes: Iterable[Change], actor: str | None = None
) -> None:
    """Append the history rows of changes already written, in one statement."""
    rows = [
        {
            "action": change.action,
            "subject": change.subject,
            "field": change.field,
            "old_value": change.old,
            "new_value": change.new,
            "competence_id": change.competence_id,
        }
        for change in changes
    ]
    turn.store.add_history(project, actor or turn.actor, rows, at=turn.started)


def as_text(field: str, value: Any, names: dict[int, str]) -> str | None:
    """An assignment value as the history writes it."""
    if value is None or value == ():
        return None
    if field == "entity_id":
        return names.get(value, str(value))
    if field == "contacts":
        return ", ".join(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Edit:
    """One assignment before and after a change, and the fields that changed."""

    competence: CompetenceInfo
    old: AssignmentInfo
    new: AssignmentInfo
    changed: tuple[str, ...]


def edit(
    competence: CompetenceInfo, old: AssignmentInfo | None, values: dict[str, Any]
) -> Edit:
    """What applying ``values`` to the competence's assignment ``old`` would change."""
    base = old or AssignmentInfo(competence_id=competence.id)
    new = replace(base, **{k: v for k, v in values.items() if k in TRACKED})
    changed = tuple(name for name in TRACKED if getattr(base, name) != getattr(new, name))
    return Edit(competence, base, new if changed else base, changed)


def save_assignments(
    turn: Turn,
    project: ProjectInfo,
    edits: Sequence[Edit],
    entities: Iterable[EntityInfo],
    actor: str | None = None,
) -> list[Edit]:
    """Write the edits that change something, and one history row per changed field:
    a fixed number of statements however many competences change. Returns those edits.

    ``actor``: who the change is recorded for, when not the request's author (the bot
    itself, for someone who left)."""
    effective = [e for e in edits if e.changed]
    if not effective:
        return []
    author = actor or turn.actor
    turn.store.save_assignments(project, [(e.old, e.new) for e in effective], author)
    names = {entity.id: entity.name for entity in entities}
    record(
        turn,
        project,
        [
            Change(
                ASSIGNMENT,
                e.competence.code,
                name,
                as_text(name, getattr(e.old, name), names),
                as_text(name, getattr(e.new, name), names),
                e.competence.id,
            )
            for e in effective
            for name in e.changed
        ],
        author,
    )
    return effective


def save_answer(
    turn: Turn,
    project: ProjectInfo,
    question: int,
    text: str,
    data: dict[str, Any],
    previous: AnswerInfo | None,
    actor: str | None = None,
) -> None:
    """A key question's answer; ``previous`` is the answer it replaces."""
    who = actor or turn.actor
    turn.store.save_answer(project, question, text, data, who)
    old = previous.text if previous else None
    record(turn, project, [Change(ANSWER, f"question:{question}", "text", old, text)], who)


def save_factor(
    turn: Turn, project: ProjectInfo, numbers: Sequence[int], done: bool, was: dict[int, bool]
) -> None:
    """Success factors ticked (or not); ``was`` holds their current values."""
    for number in numbers:
        turn.store.save_factor(project, number, done, turn.actor)
    record(
        turn,
        project,
        [
            Change(
                FACTOR,
                f"facteur:{number}",
                "done",
                str(was.get(number, False)).lower(),
                str(done).lower(),
            )
            for number in numbers
        ],
    )


def set_project_field(
    turn: Turn, project: ProjectInfo, field: str, value: str | None
) -> ProjectInfo:
    """Change one field of the project; return the project as it now is."""
    old = getattr(project, field)
    if old == value:
        return project
    turn.store.update_project(project.id, **{field: value})
    record(turn, project, [Change("project." + field, project.name, field, old, value)])
    updated = replace(project, **{field: value})  # type: ignore[arg-type]
    turn.project = updated
    return updated


def add_entity(
    turn: Turn, project: ProjectInfo, name: str, name_key: str, kind: str, uai: str | None
) -> EntityInfo:
    entity = turn.store.add_entity(project, name, name_key, kind, uai, turn.actor)
    record(turn, project, [Change(ENTITY_ADD, name, "kind", None, entity.kind)])
    return entity


def rename_entity(
    turn: Turn, project: ProjectInfo, entity: EntityInfo, name: str, name_key: str
) -> None:
    turn.store.rename_entity(entity.id, name, name_key)
    record(turn, project, [Change(ENTITY_RENAME, name, "name", entity.name, name)])


def add_competence(
    turn: Turn, project: ProjectInfo, number: int, code: str, label: str, families: tuple[str, ...]
) -> CompetenceInfo:
    competence = turn.store.add_competence(project, number, code, label, families)
    record(
        turn,
        project,
        [Change(COMPETENCE_ADD, code, "label", None, label, competence.id)],
    )
    return competence


def create_project(turn: Turn, name: str) -> ProjectInfo:
    caller = turn.caller
    project = turn.store.create_project(
        caller.workspace_id, name, caller.channel_id, turn.actor, caller.language, caller.timezone
    )
    turn.project = project
    record(turn, project, [Change(PROJECT_CREATE, project.name, "name", None, project.name)])
    return project
