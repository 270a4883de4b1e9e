"""Key question 3: which entities provide each local competence, down to each school.

``DANE, Canopé`` names entities for every local competence; ``9 : DANE ; 10-11 : Canopé``
says which competence each provides. The answer is kept in the key answer's data as
``{"entity_ids": [...], "local": {"<competence id>": [entity ids]}}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from services import competence_list
from services.answers import parse_entity_list
from services.tokenize import FailureCode, ParseFailure
from storage import schools as db
from storage.state import AnswerInfo, CompetenceInfo, EntityInfo

QUESTION = 3
DEFAULT_LOCAL = ("administration", "formation", "accompagnement")
"""Sheet competences 9, 10 and 11: what a school needs on site by default."""
_SEGMENT = re.compile(r";")


@dataclass(frozen=True, slots=True)
class Providers:
    """What an answer says: per local competence, the entity names (as typed)."""

    names: tuple[str, ...]
    """Every entity named, in order, once."""
    local: dict[int, tuple[str, ...]]
    """Competence id → the names that provide it locally."""
    per_competence: bool


@dataclass(frozen=True, slots=True)
class NotLocal:
    """The answer names a competence the project does not cover locally."""

    fragment: str
    local: tuple[str, ...]
    """The local competences' numbers."""


def local_competences(
    chosen: Sequence[int], competences: Sequence[CompetenceInfo]
) -> list[CompetenceInfo]:
    """The project's local competences: its choice, else 9, 10 and 11."""
    if chosen:
        return [c for c in competences if c.id in set(chosen)]
    return [c for c in competences if c.code in DEFAULT_LOCAL and not c.custom]


def read_local(connection: Connection, project_id: int,
               competences: Sequence[CompetenceInfo]) -> list[CompetenceInfo]:
    return local_competences(db.local_competences(connection, project_id), competences)


def parse(
    text: str, local: Sequence[CompetenceInfo], competences: Sequence[CompetenceInfo]
) -> Providers | NotLocal | ParseFailure:
    """Read the answer; a competence named must be one of the local ones."""
    if ":" not in text:
        names = tuple(parse_entity_list(text))
        if not names:
            return ParseFailure(FailureCode.EMPTY, text.strip())
        return Providers(names, {c.id: names for c in local}, False)
    local_ids = {c.id for c in local}
    found: dict[int, tuple[str, ...]] = {}
    every: list[str] = []
    for part in (p for p in _SEGMENT.split(text) if p.strip()):
        left, colon, right = part.partition(":")
        if not colon:
            return ParseFailure(FailureCode.EMPTY, part.strip())
        chosen = competence_list.parse_list(left.strip(), competences)
        if isinstance(chosen, ParseFailure):
            return chosen
        if any(c.id not in local_ids for c in chosen):
            return NotLocal(left.strip(), tuple(str(c.number) for c in local))
        names = tuple(parse_entity_list(right))
        if not names:
            return ParseFailure(FailureCode.EMPTY, part.strip())
        for competence in chosen:
            found[competence.id] = names
        every += [n for n in names if n not in every]
    ordered = {c.id: found[c.id] for c in local if c.id in found}
    return Providers(tuple(every), ordered, True)


def stored(
    providers: Providers, entities: Mapping[str, EntityInfo]
) -> dict[str, list[int]]:
    """``local`` as the key answer keeps it: competence id (text) → entity ids."""
    return {str(cid): [entities[n].id for n in names] for cid, names in
            providers.local.items()}


def describe(
    providers: Providers, local: Sequence[CompetenceInfo], entities: Mapping[str, EntityInfo]
) -> str:
    """The answer as recorded: the names, or ``9 : DANE ; 10 : Canopé`` per competence."""
    if not providers.per_competence:
        return ", ".join(entities[n].name for n in providers.names)
    return " ; ".join(
        f"{c.number} : " + ", ".join(entities[n].name for n in providers.local[c.id])
        for c in local if c.id in providers.local
    )


def defaults(
    answer: AnswerInfo | None, entities: Sequence[EntityInfo]
) -> dict[int, list[EntityInfo]]:
    """Competence id → the entities key question 3 says provide it locally."""
    if answer is None:
        return {}
    local = answer.data.get("local")
    if not isinstance(local, dict):
        return {}
    by_id = {e.id: e for e in entities}
    found: dict[int, list[EntityInfo]] = {}
    for key, ids in local.items():
        if str(key).isdigit() and isinstance(ids, list):
            found[int(key)] = [by_id[i] for i in ids if isinstance(i, int) and i in by_id]
    return found
