"""Gap analysis as a pure function of a project's state."""

from __future__ import annotations

from datetime import datetime

from services.gaps import GapKind, Severity, analyse, coverage
from storage.sheet import SHEET
from storage.state import (
    AnswerInfo,
    AssignmentInfo,
    CompetenceInfo,
    EntityInfo,
    ProjectInfo,
    ProjectState,
)

COMPETENCES = tuple(
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families) for s in SHEET
)
DSI = EntityInfo(1, "DSI du Département", "collectivite")
EDITEUR = EntityInfo(2, "Éditeur Open ENT", "editeur")
DANE = EntityInfo(3, "DANE Rennes", "academie")
WHEN = datetime(2026, 11, 2, 9, 0)


def project_state(**kwargs: object) -> ProjectState:
    return ProjectState(
        ProjectInfo(1, "T1", "ENT 35"),
        COMPETENCES,
        (DSI, EDITEUR, DANE),
        **kwargs,  # type: ignore[arg-type]
    )


def test_an_empty_project_has_every_competence_unassigned_first() -> None:
    gaps = analyse(project_state())
    unassigned = [g for g in gaps if g.kind is GapKind.UNASSIGNED]
    assert len(unassigned) == 19
    assert gaps[:19] == unassigned
    assert {g.kind for g in gaps[19:]} == {
        GapKind.KEEP_UNDECIDED,
        GapKind.QUESTION_UNANSWERED,
        GapKind.FACTOR_PENDING,
    }
    assert [g.question for g in gaps if g.question] == [1, 2, 3]


def test_details_missing_on_assigned_competences() -> None:
    state = project_state(
        assignments={
            4: AssignmentInfo(4, DSI.id, "externe", (), None, None, "oui"),
            7: AssignmentInfo(7, EDITEUR.id, "externe", ("U1",), None, "99,5 %", "oui"),
            9: AssignmentInfo(9, DSI.id, None, ("U2",), keep="non"),
        },
        answers={1: AnswerInfo(1, "DANE Rennes", {"entity_id": DANE.id}, "U1", WHEN)},
    )
    by_competence = {
        (g.competence.number, g.kind) for g in analyse(state) if g.competence is not None
    }
    assert (4, GapKind.NO_CONTACT) in by_competence
    assert (4, GapKind.NO_PROVIDER) in by_competence
    assert (4, GapKind.NO_SERVICE_LEVEL) in by_competence
    assert not any(number == 7 for number, _kind in by_competence)
    assert (9, GapKind.NO_SOURCING) in by_competence
    unassigned = next(g for g in analyse(state) if g.kind is GapKind.UNASSIGNED)
    assert unassigned.owner == DANE
    assert unassigned.severity is Severity.HIGH


def test_coverage_overall_and_by_family() -> None:
    state = project_state(
        assignments={
            8: AssignmentInfo(8, DSI.id),
            10: AssignmentInfo(10, DANE.id),
            11: AssignmentInfo(11, None, keep="oui"),
        },
    )
    overall, families = coverage(state)
    assert (overall.covered, overall.total, overall.percent) == (2, 19, 11)
    assert {f.family: (f.covered, f.total) for f in families} == {
        "technique": (1, 9),
        "fonctionnel": (2, 7),
        "pilotage": (0, 4),
    }
