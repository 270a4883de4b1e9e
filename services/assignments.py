"""Giving a competence to an entity, and taking it back, with its history."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from services.turn import Reply, Turn
from storage import limits
from storage.state import AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo
from storage.vocab import Keep

TRACKED = ("entity_id", "sourcing", "contacts", "provider", "service_level", "keep", "notes")


def _as_text(field: str, value: Any, entities: dict[int, str]) -> str | None:
    if value is None or value == ():
        return None
    if field == "entity_id":
        return entities.get(value, str(value))
    if field == "contacts":
        return ", ".join(value)
    return str(value)


def contacts_problem(turn: Turn, contacts: tuple[str, ...], usage: str) -> Reply | None:
    """Why these contacts can't be stored: too many people, or a name too long for one."""
    too_long = next((p for p in contacts if len(p) > limits.PERSON), None)
    if too_long is not None:
        return turn.error("error", code="bad_contacts", fragment=too_long[:40], usage=usage)
    if len(contacts) > limits.CONTACTS:
        return turn.error(
            "error", code="too_many_contacts", limit=limits.CONTACTS, usage=usage,
            fragment=" ".join(contacts[limits.CONTACTS:])[:40],
        )
    return None


def change(
    turn: Turn,
    project: ProjectInfo,
    competence: CompetenceInfo,
    entities: tuple[EntityInfo, ...],
    **values: Any,
) -> tuple[AssignmentInfo, AssignmentInfo, list[str]]:
    """Apply ``values`` to the competence's assignment; return (old, new, changed fields).

    Writes the row and one history row per changed field, in the caller's transaction.
    """
    old = turn.store.assignment(project.id, competence.id)
    return apply(turn, project, competence, entities, old, values)


def apply(
    turn: Turn,
    project: ProjectInfo,
    competence: CompetenceInfo,
    entities: tuple[EntityInfo, ...],
    old: AssignmentInfo | None,
    values: dict[str, Any],
) -> tuple[AssignmentInfo, AssignmentInfo, list[str]]:
    """:func:`change` when the current assignment ``old`` is already read."""
    base = old or AssignmentInfo(competence_id=competence.id)
    known = {f.name for f in fields(AssignmentInfo)}
    new = replace(base, **{k: v for k, v in values.items() if k in known})
    changed = [name for name in TRACKED if getattr(base, name) != getattr(new, name)]
    if not changed:
        return base, base, []
    turn.store.save_assignment(project, new, turn.actor, base.contacts)
    names = {entity.id: entity.name for entity in entities}
    turn.store.add_history(
        project,
        turn.actor,
        [
            {
                "action": "assignment",
                "subject": competence.code,
                "competence_id": competence.id,
                "field": name,
                "old_value": _as_text(name, getattr(base, name), names),
                "new_value": _as_text(name, getattr(new, name), names),
            }
            for name in changed
        ],
    )
    return base, new, changed


def assign(
    turn: Turn,
    project: ProjectInfo,
    competence: CompetenceInfo,
    entity: EntityInfo,
    entities: tuple[EntityInfo, ...],
    sourcing: str | None = None,
    contacts: list[str] | None = None,
    keep: str | None = None,
    provider: str | None = None,
    service_level: str | None = None,
    notes: str | None = None,
) -> Reply:
    """Give ``competence`` to ``entity``. Unspecified details are kept, except that a new
    entity starts with no contact unless some are named."""
    current = turn.store.assignment(project.id, competence.id)
    values: dict[str, Any] = {"entity_id": entity.id}
    if sourcing is not None:
        values["sourcing"] = sourcing
    if contacts:
        values["contacts"] = tuple(dict.fromkeys(contacts))
        problem = contacts_problem(turn, values["contacts"], "assign")
        if problem is not None:
            return problem
    elif current is not None and current.entity_id not in (None, entity.id):
        values["contacts"] = ()
    for name, value in (
        ("keep", keep),
        ("provider", provider),
        ("service_level", service_level),
        ("notes", notes),
    ):
        if value is not None:
            values[name] = value
    everything = entities if any(e.id == entity.id for e in entities) else (*entities, entity)
    old, new, changed = apply(turn, project, competence, everything, current, values)
    return outcome(turn, competence, entity, everything, old, new, changed)


def outcome(
    turn: Turn,
    competence: CompetenceInfo,
    entity: EntityInfo,
    entities: tuple[EntityInfo, ...],
    old: AssignmentInfo,
    new: AssignmentInfo,
    changed: list[str],
) -> Reply:
    """The reply to an assignment: announced when something changed."""
    if not changed:
        return turn.reply("assign_unchanged", competence=competence, entity=entity, a=new)
    return turn.announce(
        "assigned",
        competence=competence,
        entity=entity,
        a=new,
        changed=changed,
        previous=_previous(old, entities),
    )


def _previous(old: AssignmentInfo, entities: tuple[EntityInfo, ...]) -> EntityInfo | None:
    return next((e for e in entities if e.id == old.entity_id), None)


def unassign(turn: Turn, project: ProjectInfo, competence: CompetenceInfo) -> Reply:
    entities = turn.store.entities(project.id)
    old, _new, changed = change(
        turn,
        project,
        competence,
        entities,
        entity_id=None,
        contacts=(),
        sourcing=None,
        provider=None,
    )
    if "entity_id" not in changed:
        return turn.reply("unassign_unchanged", competence=competence)
    return turn.announce("unassigned", competence=competence, previous=_previous(old, entities))


def set_keep(
    turn: Turn, project: ProjectInfo, competences: list[CompetenceInfo], keep: Keep
) -> list[CompetenceInfo]:
    """Mark competences as to keep (or not) after deployment; return those that changed."""
    entities = turn.store.entities(project.id)
    return [
        competence
        for competence in competences
        if change(turn, project, competence, entities, keep=keep.value)[2]
    ]


def add_contact(turn: Turn, project: ProjectInfo, competence: CompetenceInfo, user: str) -> Reply:
    """“Je m'en occupe”: the caller becomes a contact person of the competence."""
    current = turn.store.assignment(project.id, competence.id)
    contacts = current.contacts if current else ()
    if user in contacts:
        return turn.reply("contact_unchanged", competence=competence)
    entities = turn.store.entities(project.id)
    change(turn, project, competence, entities, contacts=(*contacts, user))
    return turn.announce("contact_added", competence=competence, user=user)
