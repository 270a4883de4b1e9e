"""Projects: one per channel, created and renamed with their history."""

from __future__ import annotations

from services import changes
from services.entities import name_problem
from services.text import words
from services.turn import Reply, Turn
from storage.state import ProjectInfo
from storage.vocab import TerritoryKind

_TERRITORY_WORDS = {
    "commune": TerritoryKind.COMMUNE,
    "communes": TerritoryKind.COMMUNE,
    "ville": TerritoryKind.COMMUNE,
    "mairie": TerritoryKind.COMMUNE,
    "departement": TerritoryKind.DEPARTEMENT,
    "departemental": TerritoryKind.DEPARTEMENT,
    "colleges": TerritoryKind.DEPARTEMENT,
    "region": TerritoryKind.REGION,
    "regional": TerritoryKind.REGION,
    "lycees": TerritoryKind.REGION,
    "academie": TerritoryKind.ACADEMIE,
    "rectorat": TerritoryKind.ACADEMIE,
    "municipality": TerritoryKind.COMMUNE,
    "department": TerritoryKind.DEPARTEMENT,
    "academy": TerritoryKind.ACADEMIE,
}


def territory_of(text: str) -> TerritoryKind | None:
    """The territory kind a name or answer speaks of (``Département d'Ille-et-Vilaine``)."""
    for word in words(text):
        kind = _TERRITORY_WORDS.get(word)
        if kind is not None:
            return kind
    return None


def create(turn: Turn, name: str, usage: str) -> Reply:
    problem = name_problem(turn, name, usage)
    if problem is not None:
        return problem
    if turn.project is not None:
        return turn.error("project_exists", project=turn.project)
    project = changes.create_project(turn, name.strip())
    return turn.announce("project_created", project=project)


def update(turn: Turn, project: ProjectInfo, field: str, value: str | None) -> ProjectInfo:
    """Change one field of the project, with its history row; return the new project."""
    return changes.set_project_field(turn, project, field, value)


def rename(turn: Turn, project: ProjectInfo, name: str, usage: str) -> Reply:
    problem = name_problem(turn, name, usage)
    if problem is not None:
        return problem
    old = project.name
    updated = update(turn, project, "name", name.strip())
    return turn.announce("project_renamed", project=updated, old=old)


def set_moa(turn: Turn, project: ProjectInfo, moa: str, usage: str) -> Reply | ProjectInfo:
    problem = name_problem(turn, moa, usage)
    if problem is not None:
        return problem
    updated = update(turn, project, "moa", moa.strip())
    territory = territory_of(moa)
    if territory is not None and updated.territory_kind is None:
        updated = update(turn, updated, "territory_kind", territory.value)
    return updated
