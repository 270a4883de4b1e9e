"""Giving competences to an entity, and taking them back, with their history.

Changes to several competences are written together (see :mod:`services.changes`): one
upsert and one history insert, whatever their number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.changes import TRACKED, Edit, edit, save_assignments
from services.turn import Reply, Turn
from storage import limits
from storage.state import AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo
from storage.vocab import Keep, Sourcing

__all__ = ["TRACKED", "Owner", "assign", "assign_many", "set_keep", "unassign_many"]

CLEARED_BY_UNASSIGN = ("entity_id", "sourcing", "contacts", "provider")
"""What taking a competence back from its entity clears; the rest stays decided."""


@dataclass(frozen=True, slots=True)
class Owner:
    """What one assignment line says: the entity and the details typed with it."""

    entity: EntityInfo
    sourcing: str | None = None
    contacts: tuple[str, ...] = ()
    keep: str | None = None
    provider: str | None = None
    service_level: str | None = None
    notes: str | None = None


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
    """Apply ``values`` to the competence's assignment; return (old, new, changed fields)."""
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
    done = edit(competence, old, values)
    save_assignments(turn, project, [done], entities)
    return done.old, done.new, list(done.changed)


def update_many(
    turn: Turn,
    project: ProjectInfo,
    current: dict[int, AssignmentInfo],
    wanted: Sequence[tuple[CompetenceInfo, dict[str, Any]]],
    entities: Sequence[EntityInfo],
) -> list[Edit]:
    """Apply values to several competences at once; ``current`` is updated in place.
    Returns the edits that changed something."""
    edits = [edit(c, current.get(c.id), values) for c, values in wanted]
    done = save_assignments(turn, project, edits, entities)
    for e in done:
        current[e.competence.id] = e.new
    return done


def owner_values(owner: Owner, current: AssignmentInfo | None) -> dict[str, Any]:
    """The values an assignment line sets. Unspecified details are kept, except that a
    new entity starts with no contact unless some are named; an external entity is its
    own provider unless another is named."""
    entity = owner.entity
    values: dict[str, Any] = {"entity_id": entity.id}
    if owner.sourcing is not None:
        values["sourcing"] = owner.sourcing
    if owner.contacts:
        values["contacts"] = tuple(dict.fromkeys(owner.contacts))
    elif current is not None and current.entity_id not in (None, entity.id):
        values["contacts"] = ()
    for name in ("keep", "provider", "service_level", "notes"):
        value = getattr(owner, name)
        if value is not None:
            values[name] = value
    sourcing = owner.sourcing or (current.sourcing if current else None)
    provider = current.provider if current else None
    if owner.provider is None:
        moved = current is not None and current.entity_id not in (None, entity.id)
        if sourcing == Sourcing.EXTERNE.value and (provider is None or moved):
            values["provider"] = entity.name
        elif sourcing == Sourcing.INTERNE.value and (provider == entity.name or moved):
            values["provider"] = None
    return values


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
    """Give one competence to ``entity`` (see :func:`assign_many`)."""
    owner = Owner(entity, sourcing, tuple(contacts or ()), keep, provider, service_level, notes)
    return assign_many(turn, project, [competence], owner, entities)


def assign_many(
    turn: Turn,
    project: ProjectInfo,
    competences: Sequence[CompetenceInfo],
    owner: Owner,
    entities: Sequence[EntityInfo],
    current: dict[int, AssignmentInfo] | None = None,
) -> Reply:
    """Give competences to ``owner.entity`` with the details of the line, in one write."""
    if owner.contacts:
        problem = contacts_problem(turn, tuple(dict.fromkeys(owner.contacts)), "assign")
        if problem is not None:
            return problem
    if current is None:
        current = turn.store.assignments(project.id)
    everything = (
        tuple(entities)
        if any(e.id == owner.entity.id for e in entities)
        else (*entities, owner.entity)
    )
    before = dict(current)
    wanted = [(c, owner_values(owner, current.get(c.id))) for c in competences]
    done = update_many(turn, project, current, wanted, everything)
    if len(competences) == 1:
        competence = competences[0]
        changed = done[0].changed if done else ()
        old = before.get(competence.id) or AssignmentInfo(competence.id)
        new = current.get(competence.id) or old
        return outcome(turn, competence, owner.entity, everything, old, new, list(changed))
    changed_ids = {e.competence.id for e in done}
    previous = {
        c.number: name
        for c in competences
        if (a := before.get(c.id)) is not None
        and a.entity_id not in (None, owner.entity.id)
        and (name := _name(a.entity_id, everything))
    }
    first = current.get(competences[0].id) or AssignmentInfo(competences[0].id)
    if not done:
        return turn.reply(
            "assign_unchanged_many", competences=list(competences), entity=owner.entity, a=first
        )
    return turn.announce(
        "assigned_many",
        competences=[c for c in competences if c.id in changed_ids],
        unchanged=[c for c in competences if c.id not in changed_ids],
        entity=owner.entity,
        a=first,
        previous=previous,
    )


def _name(entity_id: int | None, entities: Sequence[EntityInfo]) -> str | None:
    return next((e.name for e in entities if e.id == entity_id), None)


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


def _previous(old: AssignmentInfo, entities: Sequence[EntityInfo]) -> EntityInfo | None:
    return next((e for e in entities if e.id == old.entity_id), None)


def unassign_many(
    turn: Turn, project: ProjectInfo, competences: Sequence[CompetenceInfo]
) -> Reply:
    """Take competences back from their entities; the reply says what went with them
    (contacts, sourcing, provider) and how to take it back (``/ent annuler``)."""
    entities = turn.store.entities(project.id)
    current = turn.store.assignments(project.id)
    before = dict(current)
    cleared = dict.fromkeys(CLEARED_BY_UNASSIGN, None)
    cleared["contacts"] = ()
    done = update_many(turn, project, current, [(c, dict(cleared)) for c in competences], entities)
    taken = [e for e in done if "entity_id" in e.changed]
    if not taken:
        if len(competences) == 1:
            return turn.reply("unassign_unchanged", competence=competences[0])
        return turn.reply("unassign_unchanged_many", competences=list(competences))
    rows = [
        {
            "competence": e.competence,
            "previous": _previous(before[e.competence.id], entities),
            "a": e.old,
        }
        for e in taken
    ]
    return turn.announce("unassigned", rows=rows)


def set_keep(
    turn: Turn,
    project: ProjectInfo,
    competences: Sequence[CompetenceInfo],
    keep: Keep,
    current: dict[int, AssignmentInfo] | None = None,
    entities: Sequence[EntityInfo] | None = None,
) -> list[CompetenceInfo]:
    """Mark competences as to keep (or not) after deployment, in one write; return those
    that changed."""
    if current is None:
        current = turn.store.assignments(project.id)
    if entities is None:
        entities = turn.store.entities(project.id)
    wanted = [(c, {"keep": keep.value}) for c in competences]
    return [e.competence for e in update_many(turn, project, current, wanted, entities)]


def add_contact(turn: Turn, project: ProjectInfo, competence: CompetenceInfo, user: str) -> Reply:
    """“Je m'en occupe”: the caller becomes a contact person of the competence."""
    current = turn.store.assignment(project.id, competence.id)
    contacts = current.contacts if current else ()
    if user in contacts:
        return turn.reply(
            "contact_unchanged", competences=[competence], people=[user], you=True
        )
    entities = turn.store.entities(project.id)
    change(turn, project, competence, entities, contacts=(*contacts, user))
    return turn.announce("contact_added", competence=competence, user=user)
