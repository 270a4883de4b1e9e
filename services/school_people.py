"""Local resource persons (référents ENT) and the competences that must reach each school."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services import school_import
from services.answers import extract_mentions
from services.entities import name_problem
from services.school_import import tokens
from services.text import match_key
from services.tokenize import TokenizeError
from services.turn import Reply, Turn
from services.uai import is_valid_uai, normalize_uai
from storage import schools as db
from storage.state import CompetenceInfo, EntityInfo, ProjectInfo

DEFAULT_LOCAL = ("administration", "formation", "accompagnement")
"""Sheet competences 9, 10 and 11: what a school needs on site by default."""
SHOWN = 10
_NOBODY = {"aucun", "aucune", "personne", "none", "nobody", "retirer", "remove", "-"}


@dataclass(frozen=True, slots=True)
class Targets:
    schools: list[db.SchoolInfo]
    filters: list[str]


def _is_uai(word: str) -> bool:
    return len(word) == 8 and word[:7].isascii() and word[:7].isdigit()


def targets(
    turn: Turn, project: ProjectInfo, words: Sequence[str], usage: str
) -> tuple[Targets, list[str]] | Reply:
    """The schools named by UAI or selected by ``clé:valeur`` filters; the other words."""
    uais: list[str] = []
    filter_words: list[str] = []
    rest: list[str] = []
    for word in words:
        candidate = normalize_uai(word)
        if _is_uai(candidate):
            if not is_valid_uai(candidate):
                return turn.error("schools_error", code="bad_uai", fragment=candidate,
                                  expected=school_import.bad_uai_detail(candidate), usage=usage)
            uais.append(candidate)
        elif ":" in word and not word.startswith(("@", "<")):
            filter_words.append(word)
        else:
            rest.append(word)
    if not uais and not filter_words:
        return turn.error("schools_error", code="missing_target", fragment=" ".join(words),
                          usage=usage)
    everything = db.schools(turn.store.connection, project.id)
    chosen: dict[str, db.SchoolInfo] = {}
    if uais:
        by_uai = {s.uai: s for s in everything}
        unknown = [u for u in uais if u not in by_uai]
        if unknown:
            return turn.error("schools_error", code="unknown_school", fragment=unknown[0],
                              usage=usage)
        chosen.update((u, by_uai[u]) for u in uais)
    if filter_words:
        filters = school_import.parse_filters(filter_words)
        if isinstance(filters, school_import.FilterProblem):
            return turn.error("schools_error", code=filters.code, fragment=filters.fragment,
                              usage=usage)
        matched = [s for s in everything
                   if s.etat != school_import.CLOSED and filters.matches(s.directory())]
        if not matched:
            return turn.error("schools_error", code="no_match",
                              fragment=" ".join(filter_words), usage=usage)
        chosen.update((s.uai, s) for s in matched)
    return Targets(list(chosen.values()), filter_words), rest


def person_of(turn: Turn, text: str, rest: Sequence[str], usage: str) -> str | Reply | None:
    """One person: a Slack mention, an ``@name`` or a plain name; ``aucun`` clears."""
    mentions, _ = extract_mentions(" ".join(rest))
    if len(mentions) > 1:
        return turn.error("schools_error", code="one_person", fragment=text, usage=usage)
    if mentions:
        return mentions[0]
    name = " ".join(rest).strip()
    if match_key(name) in _NOBODY:
        return None
    if not name:
        return turn.error("schools_error", code="missing_person", fragment=text, usage=usage)
    problem = name_problem(turn, name, usage)
    return problem if problem is not None else name


def referent(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``referent 0351234B @anne`` or ``referent commune:Rennes type:college @anne``."""
    usage = "referent"
    try:
        words = tokens(text)
    except TokenizeError as exc:
        return turn.error("error", code="unbalanced_quote", fragment=exc.fragment, usage="help")
    found = targets(turn, project, words, usage)
    if isinstance(found, Reply):
        return found
    chosen, rest = found
    person = person_of(turn, text, rest, usage)
    if isinstance(person, Reply):
        return person
    changed = [s for s in chosen.schools if s.referent != person]
    if not changed:
        return turn.reply("schools_referent_set", person=person, schools=[],
                          count=0, unchanged=len(chosen.schools), filters=chosen.filters)
    apply_referents(turn, project, [(s, person) for s in changed])
    return turn.announce(
        "schools_referent_set",
        person=person,
        schools=changed[:SHOWN],
        count=len(changed),
        unchanged=len(chosen.schools) - len(changed),
        filters=chosen.filters,
    )


def apply_referents(
    turn: Turn, project: ProjectInfo, changes: Sequence[tuple[db.SchoolInfo, str | None]]
) -> None:
    """Write the new resource persons and their history: two statements per batch."""
    db.set_referents(
        turn.store.connection, project.id, [(s.id, person) for s, person in changes], turn.actor
    )
    turn.store.add_history(
        project,
        turn.actor,
        [
            {
                "action": "school.referent",
                "subject": school.uai,
                "field": "referent",
                "old_value": school.referent,
                "new_value": person,
            }
            for school, person in changes
        ],
    )


def local_competences(turn: Turn, project: ProjectInfo) -> list[CompetenceInfo]:
    """The competences to cover in each school: the project's choice, else 9, 10 and 11."""
    competences = turn.store.competences(project.id)
    chosen = set(db.local_competences(turn.store.connection, project.id))
    if chosen:
        return [c for c in competences if c.id in chosen]
    return [c for c in competences if c.code in DEFAULT_LOCAL and not c.custom]


def local_view(turn: Turn, project: ProjectInfo, found: db.Coverage) -> list[dict[str, Any]]:
    """Per local competence: schools with a named person there, and the project's owner."""
    state = turn.store.load_state(project)
    rows = []
    for competence in local_competences(turn, project):
        assignment = state.assignments.get(competence.id)
        owner: EntityInfo | None = state.entity(assignment.entity_id) if assignment else None
        rows.append(
            {"competence": competence, "schools": found.covers.get(competence.id, 0),
             "entity": owner}
        )
    return rows
