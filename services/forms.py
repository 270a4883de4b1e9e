"""The assignment form: what it shows, and its submission checked field by field.

A form states the whole assignment: a field left empty clears it, unlike
``/ent-assign`` where what is not typed is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services import assignments, entities
from services.answers import is_user_id
from services.resolve import Resolved, resolve_entity
from services.text import find_control_char, has_control_chars
from services.turn import Reply, Turn
from storage import limits
from storage.state import CompetenceInfo, EntityInfo, ProjectInfo
from storage.vocab import Keep, Sourcing

FORM = "assign_form"
FIELD_ERROR = "form_error"
MAX_PROVIDER = limits.PROVIDER
MAX_SERVICE_LEVEL = limits.SERVICE_LEVEL
MAX_NOTES = limits.NOTES
MAX_CONTACTS = limits.CONTACTS


@dataclass(frozen=True, slots=True)
class AssignForm:
    """A submitted form, as typed: every value still to be checked."""

    competence: str | None = None
    """The competence's code."""
    entity_id: str | None = None
    new_entity: str | None = None
    sourcing: str | None = None
    contacts: tuple[str, ...] = ()
    keep: str | None = None
    service_level: str | None = None
    provider: str | None = None
    notes: str | None = None


def competence_by_code(turn: Turn, project: ProjectInfo, code: str) -> CompetenceInfo | None:
    return next((c for c in turn.store.competences(project.id) if c.code == code), None)


def form(turn: Turn, code: str | None = None) -> list[Reply]:
    """The form's content for the caller's project, prefilled from ``code``'s assignment."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    competence = competence_by_code(turn, project, code) if code else None
    current = turn.store.assignment(project.id, competence.id) if competence else None
    return [
        turn.reply(
            FORM, project=project, competences=turn.store.competences(project.id),
            entities=turn.store.entities(project.id), competence=competence, a=current,
        )
    ]


def _error(turn: Turn, field: str, code: str, **data: Any) -> Reply:
    return turn.error(FIELD_ERROR, field=field, code=code, **data)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_text(
    turn: Turn, field: str, value: str | None, limit: int, multiline: bool = False
) -> Reply | None:
    if value is None:
        return None
    if len(value) > limit:
        return _error(turn, field, "too_long", limit=limit)
    bad = find_control_char(value, spaces_allowed=True) >= 0 if multiline else (
        has_control_chars(value)
    )
    return _error(turn, field, "control_chars") if bad else None


def _entity(
    turn: Turn, project: ProjectInfo, form: AssignForm, known: tuple[EntityInfo, ...]
) -> EntityInfo | str | Reply:
    """The chosen entity, the name of a new one, or the field's error."""
    new_name = _text(form.new_entity)
    chosen = next((e for e in known if str(e.id) == form.entity_id), None)
    if form.entity_id and chosen is None:
        return _error(turn, "entity", "unknown_entity")
    if new_name is None:
        return chosen if chosen is not None else _error(turn, "entity", "missing_entity")
    problem = entities.name_problem(turn, new_name, "assign")
    if problem is not None:
        details = {k: v for k, v in problem.data.items() if k != "code"}
        return _error(turn, "new_entity", str(problem.data.get("code")), **details)
    existing = resolve_entity(new_name, known)
    if isinstance(existing, Resolved):
        if chosen is not None and chosen.id != existing.item.id:
            return _error(turn, "new_entity", "both_entities")
        return existing.item
    if chosen is not None:
        return _error(turn, "new_entity", "both_entities")
    return new_name


def _choices(turn: Turn, form: AssignForm) -> list[Reply]:
    errors = []
    if form.sourcing is not None and form.sourcing not in set(Sourcing):
        errors.append(_error(turn, "sourcing", "bad_choice"))
    if form.keep is not None and form.keep not in set(Keep):
        errors.append(_error(turn, "keep", "bad_choice"))
    if len(form.contacts) > MAX_CONTACTS or not all(is_user_id(u) for u in form.contacts):
        errors.append(_error(turn, "contacts", "bad_contacts", limit=MAX_CONTACTS))
    for field, limit, multiline in (
        ("service_level", MAX_SERVICE_LEVEL, False), ("provider", MAX_PROVIDER, False),
        ("notes", MAX_NOTES, True),
    ):
        problem = _check_text(turn, field, _text(getattr(form, field)), limit, multiline)
        if problem is not None:
            errors.append(problem)
    return errors


def submit(turn: Turn, form: AssignForm) -> list[Reply]:
    """Apply a submitted form; on any problem, one error reply per field and no change."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    errors: list[Reply] = []
    competence = competence_by_code(turn, project, form.competence) if form.competence else None
    if competence is None:
        code = "unknown_competence" if form.competence else "missing_competence"
        errors.append(_error(turn, "competence", code))
    known = turn.store.entities(project.id)
    entity = _entity(turn, project, form, known)
    if isinstance(entity, Reply):
        errors.append(entity)
    errors += _choices(turn, form)
    if errors or competence is None or isinstance(entity, Reply):
        return errors
    replies: list[Reply] = []
    if isinstance(entity, str):
        entity = entities.create(turn, project, entity)
        known = (*known, entity)
        replies.append(turn.announce("entity_added", entity=entity))
    return [*replies, _apply(turn, project, competence, entity, known, form)]


def _apply(
    turn: Turn, project: ProjectInfo, competence: CompetenceInfo, entity: EntityInfo,
    known: tuple[EntityInfo, ...], form: AssignForm,
) -> Reply:
    current = turn.store.assignment(project.id, competence.id)
    values = {
        "entity_id": entity.id,
        "sourcing": form.sourcing or (current.sourcing if current else None),
        "contacts": tuple(dict.fromkeys(form.contacts)),
        "keep": form.keep or (current.keep if current else Keep.A_DECIDER.value),
        "service_level": _text(form.service_level),
        "provider": _text(form.provider),
        "notes": _text(form.notes),
    }
    old, new, changed = assignments.apply(turn, project, competence, known, current, values)
    return assignments.outcome(turn, competence, entity, known, old, new, changed)
