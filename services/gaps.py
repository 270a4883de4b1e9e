"""Gap analysis: where a project does not yet follow the sheet's advice.

Pure functions of a :class:`~storage.state.ProjectState`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from storage.sheet import FAMILIES
from storage.state import CompetenceInfo, EntityInfo, ProjectState
from storage.vocab import KEY_QUESTIONS, SUCCESS_FACTORS, EntityKind, Keep, Sourcing

PILOT_QUESTION = 1
KEEP_QUESTION = 2
LOCAL_QUESTION = 3
COVERAGE_QUESTION = 4


class GapKind(StrEnum):
    UNASSIGNED = "unassigned"
    NO_CONTACT = "no_contact"
    NO_SOURCING = "no_sourcing"
    NO_PROVIDER = "no_provider"
    NO_SERVICE_LEVEL = "no_service_level"
    KEEP_UNDECIDED = "keep_undecided"
    QUESTION_UNANSWERED = "question_unanswered"
    FACTOR_PENDING = "factor_pending"
    CONTACT_LEFT = "contact_left"
    """The only contact of an assigned competence left (deactivated, or left the channel)."""


class Severity(IntEnum):
    """Higher is more urgent; the value orders gap lists."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True, slots=True)
class Gap:
    kind: GapKind
    severity: Severity
    competence: CompetenceInfo | None = None
    question: int | None = None
    factor: int | None = None
    owner: EntityInfo | None = None
    """The entity that can close the gap: the responsible entity, else the steering one."""
    contacts: tuple[str, ...] = ()
    """People who can close the gap, when known."""


@dataclass(frozen=True, slots=True)
class Coverage:
    family: str | None
    covered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 100


PROVIDER_KINDS = frozenset({EntityKind.EDITEUR.value, EntityKind.PRESTATAIRE.value})
OUTSOURCED = frozenset({Sourcing.EXTERNE.value, Sourcing.MIXTE.value})


def pilot_entity(state: ProjectState) -> EntityInfo | None:
    """The entity that steers the services (key question 1), if answered."""
    answer = state.answers.get(PILOT_QUESTION)
    if answer is None:
        return None
    entity_id = answer.data.get("entity_id")
    return state.entity(entity_id if isinstance(entity_id, int) else None)


def uncovered(state: ProjectState) -> list[CompetenceInfo]:
    return [
        competence
        for competence in state.competences
        if (a := state.assignments.get(competence.id)) is None or a.entity_id is None
    ]


def coverage(state: ProjectState) -> tuple[Coverage, list[Coverage]]:
    """Coverage overall and by profile family."""
    covered_ids = {
        cid for cid, assignment in state.assignments.items() if assignment.entity_id is not None
    }
    overall = Coverage(
        None, sum(1 for c in state.competences if c.id in covered_ids), len(state.competences)
    )
    by_family = []
    for family in FAMILIES:
        members = [c for c in state.competences if family in c.families]
        by_family.append(
            Coverage(family, sum(1 for c in members if c.id in covered_ids), len(members))
        )
    return overall, by_family


def analyse(state: ProjectState, left: frozenset[int] | set[int] = frozenset()) -> list[Gap]:
    """Every gap of the project, most severe first, then in the sheet's order.

    ``left``: competences whose only contact left; with no contact now, their gap is
    “contact parti” rather than “no contact”.
    """
    pilot = pilot_entity(state)
    gaps: list[Gap] = []
    for competence in state.competences:
        assignment = state.assignments.get(competence.id)
        entity = state.entity(assignment.entity_id) if assignment else None
        if assignment is None or entity is None:
            gaps.append(Gap(GapKind.UNASSIGNED, Severity.HIGH, competence, owner=pilot))
            keep = assignment.keep if assignment else Keep.A_DECIDER.value
        else:
            contacts = assignment.contacts
            keep = assignment.keep
            if not contacts and competence.id in left:
                gaps.append(Gap(GapKind.CONTACT_LEFT, Severity.HIGH, competence, owner=entity))
            elif not contacts:
                gaps.append(Gap(GapKind.NO_CONTACT, Severity.MEDIUM, competence, owner=entity))
            if assignment.sourcing is None:
                gaps.append(
                    Gap(
                        GapKind.NO_SOURCING,
                        Severity.LOW,
                        competence,
                        owner=entity,
                        contacts=contacts,
                    )
                )
            elif assignment.sourcing in OUTSOURCED:
                if not assignment.provider and entity.kind not in PROVIDER_KINDS:
                    gaps.append(
                        Gap(
                            GapKind.NO_PROVIDER,
                            Severity.MEDIUM,
                            competence,
                            owner=entity,
                            contacts=contacts,
                        )
                    )
                if not assignment.service_level:
                    gaps.append(
                        Gap(
                            GapKind.NO_SERVICE_LEVEL,
                            Severity.MEDIUM,
                            competence,
                            owner=pilot or entity,
                            contacts=contacts,
                        )
                    )
        if keep == Keep.A_DECIDER.value:
            gaps.append(Gap(GapKind.KEEP_UNDECIDED, Severity.LOW, competence, owner=pilot))
    for question in KEY_QUESTIONS:
        if question != COVERAGE_QUESTION and question not in state.answers:
            gaps.append(
                Gap(GapKind.QUESTION_UNANSWERED, Severity.MEDIUM, question=question, owner=pilot)
            )
    for factor in SUCCESS_FACTORS:
        if not state.factors.get(factor, False):
            gaps.append(Gap(GapKind.FACTOR_PENDING, Severity.LOW, factor=factor, owner=pilot))
    gaps.sort(key=lambda gap: -gap.severity)
    return gaps
