"""Read models: plain, immutable snapshots of a project that services reason on.

Storage queries build them from rows; services never see a session or a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.vocab import Keep


@dataclass(frozen=True, slots=True)
class CompetenceInfo:
    id: int
    number: int
    code: str
    label_fr: str
    label_en: str
    families: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    custom: bool = False

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_fr


@dataclass(frozen=True, slots=True)
class EntityInfo:
    id: int
    name: str
    kind: str
    uai: str | None = None


@dataclass(frozen=True, slots=True)
class AssignmentInfo:
    competence_id: int
    entity_id: int | None = None
    sourcing: str | None = None
    contacts: tuple[str, ...] = ()
    provider: str | None = None
    service_level: str | None = None
    keep: str = Keep.A_DECIDER.value
    notes: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AnswerInfo:
    question: int
    text: str
    data: dict[str, Any]
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    id: int
    workspace_id: str
    name: str
    territory_kind: str | None = None
    moa: str | None = None
    language: str = "fr"
    timezone: str = "Europe/Paris"
    channel_id: str | None = None
    closed: bool = False
    """Closed (``/ent projet clore``): read-only, refused centrally by the assistant."""


@dataclass(frozen=True, slots=True)
class ProjectState:
    """Everything gap analysis and the matrix need about one project."""

    project: ProjectInfo
    competences: tuple[CompetenceInfo, ...]
    entities: tuple[EntityInfo, ...] = ()
    assignments: dict[int, AssignmentInfo] = field(default_factory=dict)
    answers: dict[int, AnswerInfo] = field(default_factory=dict)
    factors: dict[int, bool] = field(default_factory=dict)

    def entity(self, entity_id: int | None) -> EntityInfo | None:
        if entity_id is None:
            return None
        for entity in self.entities:
            if entity.id == entity_id:
                return entity
        return None
