"""A full distribution proposed from what the conversation already knows: the named
entities, their kinds, the steering entity, the maîtrise d'ouvrage, and the sheet's
profile families. The team confirms it with one ``oui`` or corrects it line by line
(``1-5 : DSI du Département interne @yann``).

Pure functions; the proposal is stored in the conversation's data as plain lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.answers import OwnerAnswer, parse_owner
from services.competence_list import FAMILY_WORDS, split_competences
from services.gaps import PROVIDER_KINDS
from services.text import match_key
from services.tokenize import FailureCode, ParseFailure
from storage.sheet import FONCTIONNEL, PILOTAGE, TECHNIQUE
from storage.state import CompetenceInfo, EntityInfo, ProjectState
from storage.vocab import EntityKind, Sourcing

EDITOR_CODES = frozenset({"edition", "hebergement", "maintenance-ent"})
"""What the ENT's publisher usually provides: the solution, its hosting, its maintenance."""
MOA_CODE = "moa"
_EXCEPT = re.compile(r",?\s*\b(?:sauf|except|hors)\b\s*", re.IGNORECASE)
_SEGMENT = re.compile(r"\s*;\s*|\n")


@dataclass(frozen=True, slots=True)
class Line:
    """Competences given to one entity (a name: it may not exist yet)."""

    numbers: tuple[int, ...]
    entity: str
    sourcing: str | None = None
    contacts: tuple[str, ...] = ()
    provider: str | None = None
    service_level: str | None = None
    keep: str | None = None

    def stored(self) -> dict[str, object]:
        return {"numbers": list(self.numbers), "entity": self.entity, "sourcing": self.sourcing,
                "contacts": list(self.contacts), "provider": self.provider,
                "service_level": self.service_level, "keep": self.keep}

    @classmethod
    def load(cls, data: dict[str, object]) -> Line:
        numbers = data.get("numbers") or []
        contacts = data.get("contacts") or []
        assert isinstance(numbers, list) and isinstance(contacts, list)

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(tuple(int(n) for n in numbers), str(data.get("entity", "")), text("sourcing"),
                   tuple(str(c) for c in contacts), text("provider"), text("service_level"),
                   text("keep"))


def _first(entities: Sequence[EntityInfo], *kinds: EntityKind) -> EntityInfo | None:
    wanted = {kind.value for kind in kinds}
    return next((e for e in entities if e.kind in wanted), None)


def propose(state: ProjectState, named: Sequence[EntityInfo]) -> list[Line]:
    """A responsible entity for every uncovered competence, grouped by entity."""
    entities = list(named) or list(state.entities)
    pilot_id = state.answers[1].data.get("entity_id") if 1 in state.answers else None
    pilot = next((e for e in state.entities if e.id == pilot_id), None)
    local = _first(entities, EntityKind.COLLECTIVITE)
    editor = _first(entities, EntityKind.EDITEUR, EntityKind.PRESTATAIRE)
    pedagogy = _first(entities, EntityKind.ACADEMIE) or pilot
    fallback = pilot or (entities[0] if entities else None)
    moa = state.project.moa
    chosen: dict[str, list[int]] = {}
    kinds = {e.name: e.kind for e in state.entities}
    for competence in state.competences:
        a = state.assignments.get(competence.id)
        if a is not None and a.entity_id is not None:
            continue
        owner: EntityInfo | None
        name: str | None = None
        if competence.code == MOA_CODE and moa:
            name = moa
        elif competence.code in EDITOR_CODES and editor is not None:
            owner = editor
        elif PILOTAGE in competence.families and pilot is not None:
            owner = pilot
        elif FONCTIONNEL in competence.families and pedagogy is not None:
            owner = pedagogy
        elif TECHNIQUE in competence.families and local is not None:
            owner = local
        else:
            owner = fallback
        if name is None:
            if owner is None:
                continue
            name = owner.name
        chosen.setdefault(name, []).append(competence.number)
    lines = []
    for name, numbers in chosen.items():
        outsourced = kinds.get(name) in PROVIDER_KINDS
        lines.append(Line(tuple(numbers), name,
                          Sourcing.EXTERNE.value if outsourced else Sourcing.INTERNE.value))
    return lines


def _line(numbers: Sequence[int], owner: OwnerAnswer) -> Line:
    return Line(
        tuple(numbers),
        owner.entity_name,
        owner.sourcing.value if owner.sourcing else None,
        owner.contacts,
        owner.provider,
        owner.service_level,
        owner.keep.value if owner.keep else None,
    )


def parse_lines(text: str, competences: Sequence[CompetenceInfo]) -> list[Line] | ParseFailure:
    """``technique : DSI interne @yann, sauf 6-8 : Open Digital Education externe`` (also
    separated by ``;``): each part gives its competences to an owner; a ``sauf`` part
    takes its competences from the parts before it."""
    parts = [p for chunk in _SEGMENT.split(text) for p in _EXCEPT.split(chunk) if p.strip()]
    lines: list[Line] = []
    for part in parts:
        left, colon, right = part.partition(":")
        if not colon:
            return ParseFailure(FailureCode.EMPTY, part.strip())
        ref = left.strip()
        if match_key(ref) in FAMILY_WORDS:
            ref = "famille " + ref
        found = split_competences(ref, competences)
        if isinstance(found, ParseFailure):
            return found
        if found.rest:
            return ParseFailure(FailureCode.UNKNOWN_COMPETENCE, found.rest)
        owner = parse_owner(right)
        if isinstance(owner, ParseFailure):
            return owner
        numbers = [c.number for c in found.competences]
        taken = set(numbers)
        lines = [
            Line(tuple(n for n in line.numbers if n not in taken), *_rest(line))
            for line in lines
        ]
        lines = [line for line in lines if line.numbers]
        lines.append(_line(numbers, owner))
    return lines


def _rest(line: Line) -> tuple[str, str | None, tuple[str, ...], str | None, str | None,
                               str | None]:
    return (line.entity, line.sourcing, line.contacts, line.provider, line.service_level,
            line.keep)


def merge(proposal: Sequence[Line], corrections: Sequence[Line]) -> list[Line]:
    """The proposal with the corrected competences given as the corrections say."""
    taken = {n for line in corrections for n in line.numbers}
    kept = [
        Line(tuple(n for n in line.numbers if n not in taken), *_rest(line))
        for line in proposal
    ]
    return [line for line in kept if line.numbers] + list(corrections)

