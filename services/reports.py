"""Read-only replies: the matrix, the gaps, the history, the entities, the success factors."""

from __future__ import annotations

from services import gaps as gap_analysis
from services.person_names import names_in
from services.text import match_key
from services.turn import Reply, Turn
from storage.privacy import contacts_left
from storage.state import CompetenceInfo, ProjectInfo, ProjectState


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


GAPS_PER_PAGE = 10
_ALL_WORDS = frozenset({"tout", "toutes", "tous", "all"})
_PAGE_WORDS = frozenset({"page", "p"})


def gaps_page(rest: str) -> int | str | None:
    """``/ent lacunes [tout|page N|N]``: the page (1 by default), None for every gap, or
    the word that could not be read."""
    words = [match_key(word) for word in rest.split()]
    if not words:
        return 1
    if len(words) == 1 and words[0] in _ALL_WORDS:
        return None
    if words[0] in _PAGE_WORDS:
        words = words[1:]
    if len(words) == 1 and words[0].isascii() and words[0].isdigit() and int(words[0]) >= 1:
        return int(words[0])
    return rest.strip()


def _left(turn: Turn, state: ProjectState) -> set[int]:
    """Competences whose only contact left; looked up only when one has no contact."""
    if all(a.contacts or a.entity_id is None for a in state.assignments.values()):
        return set()
    return contacts_left(turn.store.connection, state.project.id)


def gaps(turn: Turn, project: ProjectInfo, rest: str = "") -> Reply:
    """The gaps, most severe first, ten at a time (``page N``) or all (``tout``)."""
    page = gaps_page(rest)
    if isinstance(page, str):
        return turn.error("error", code="bad_page", fragment=page, usage="gaps")
    state = turn.store.load_state(project)
    overall, families = gap_analysis.coverage(state)
    return turn.reply(
        "gaps",
        project=project,
        gaps=gap_analysis.analyse(state, _left(turn, state)),
        overall=overall,
        families=families,
        page=page or 1,
        per_page=GAPS_PER_PAGE if page else None,
    )


def history(turn: Turn, project: ProjectInfo, competence: CompetenceInfo | None) -> Reply:
    rows = turn.store.history(project.id, competence.id if competence else None)
    names = names_in(turn, [text for r in rows for text in (r.actor, r.old_value, r.new_value)])
    return turn.reply("history", project=project, competence=competence, rows=rows,
                      names=names)


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
