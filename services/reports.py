"""Read-only replies: the matrix, the gaps, the history, the entities, the success factors."""

from __future__ import annotations

from services import gaps as gap_analysis
from services.turn import Reply, Turn
from storage.state import CompetenceInfo, ProjectInfo


def status(turn: Turn, project: ProjectInfo) -> Reply:
    state = turn.store.load_state(project)
    overall, families = gap_analysis.coverage(state)
    gaps = gap_analysis.analyse(state)
    rows = []
    for competence in state.competences:
        assignment = state.assignments.get(competence.id)
        rows.append(
            {
                "competence": competence,
                "a": assignment,
                "entity": state.entity(assignment.entity_id) if assignment else None,
            }
        )
    return turn.reply(
        "status",
        project=project,
        rows=rows,
        overall=overall,
        families=families,
        gap_count=len(gaps),
        pilot=gap_analysis.pilot_entity(state),
        answered=sorted(state.answers),
        factors=state.factors,
    )


def gaps(turn: Turn, project: ProjectInfo) -> Reply:
    state = turn.store.load_state(project)
    overall, families = gap_analysis.coverage(state)
    return turn.reply(
        "gaps",
        project=project,
        gaps=gap_analysis.analyse(state),
        overall=overall,
        families=families,
    )


def history(turn: Turn, project: ProjectInfo, competence: CompetenceInfo | None) -> Reply:
    rows = turn.store.history(project.id, competence.id if competence else None)
    return turn.reply("history", project=project, competence=competence, rows=rows)


def entities(turn: Turn, project: ProjectInfo) -> Reply:
    state = turn.store.load_state(project)
    held: dict[int, list[CompetenceInfo]] = {}
    for competence in state.competences:
        assignment = state.assignments.get(competence.id)
        if assignment is not None and assignment.entity_id is not None:
            held.setdefault(assignment.entity_id, []).append(competence)
    return turn.reply("entities", project=project, entities=state.entities, held=held)


def factors(turn: Turn, project: ProjectInfo) -> Reply:
    state = turn.store.load_state(project)
    return turn.reply("factors", project=project, factors=state.factors)
