"""Local resource persons (référents ENT) and the competences that must reach each school."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services import conversation, csv_files, matrix_import, personal_data, school_import
from services.answers import extract_mentions, parse_competence_list
from services.changes import Change, record
from services.entities import CREATE_ENTITIES, name_problem
from services.local_providers import DEFAULT_LOCAL, QUESTION, defaults
from services.school_import import tokens
from services.text import has_control_chars, match_key
from services.tokenize import ParseFailure, TokenizeError
from services.turn import Reply, Turn
from services.uai import is_valid_uai, normalize_uai
from storage import schools as db
from storage.state import CompetenceInfo, EntityInfo, ProjectInfo
from storage.store import Pending

SHOWN = 10
PER_SCHOOL_HISTORY = 5
"""Up to this many schools changed at once, one history line each; beyond, one in all."""
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
    if len(changes) > PER_SCHOOL_HISTORY:
        people = sorted({person or "" for _school, person in changes})
        record(turn, project, [
            Change("schools.referent", f"{len(changes)}", "referent", None,
                   ", ".join(people)[:1000] or None)
        ])
        return
    record(turn, project, [
        Change("school.referent", school.uai, "referent", school.referent, person)
        for school, person in changes
    ])


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
    providers = defaults(state.answers.get(QUESTION), state.entities)
    rows = []
    for competence in local_competences(turn, project):
        assignment = state.assignments.get(competence.id)
        owner: EntityInfo | None = state.entity(assignment.entity_id) if assignment else None
        rows.append(
            {"competence": competence, "schools": found.covers.get(competence.id, 0),
             "entity": owner, "providers": [e.name for e in providers.get(competence.id, [])]}
        )
    return rows


_CONFIRM = {"confirmer", "confirm", "oui", "yes", "appliquer", "apply"}
MAX_PERSON = 200
PEOPLE_IMPORT = "people_import"
"""The pending kind: a checked resource-person file (its Slack id, name and SHA-256), the
only one ``confirmer`` applies."""


@dataclass(frozen=True, slots=True)
class PersonRow:
    """One row of a resource-person CSV, checked against the perimeter."""

    line: int
    uai: str
    person: str
    competences: tuple[CompetenceInfo, ...] = ()
    problem: str | None = None
    """``bad_uai``, ``unknown_school``, ``missing_person``, ``unknown_competence``,
    ``duplicate``, ``bad_person``."""
    detail: str = ""


def _person_cell(cell: str) -> str:
    mentions, rest = extract_mentions(cell)
    return mentions[0] if len(mentions) == 1 and not rest.strip() else " ".join(cell.split())


def check_people(
    data: bytes, schools: Sequence[db.SchoolInfo], competences: Sequence[CompetenceInfo]
) -> list[PersonRow] | school_import.FileProblem:
    """Read ``UAI;personne;compétences`` rows (header optional) and check each one."""
    read = csv_files.read_rows(data)
    if isinstance(read, csv_files.FileProblem):
        return read
    lines, _encoding = read
    known = {s.uai: s for s in schools}
    seen: dict[str, int] = {}
    rows: list[PersonRow] = []
    for index, (number, cells) in enumerate(lines):
        cells = [*cells, "", "", ""]
        uai = normalize_uai(cells[0])
        if index == 0 and not _is_uai(uai):
            continue
        rows.append(_check(number, uai, cells[1], cells[2], known, seen, competences))
    if not rows:
        return school_import.FileProblem("no_rows")
    return rows


def _check(
    line: int,
    uai: str,
    person_cell: str,
    competence_cell: str,
    known: dict[str, db.SchoolInfo],
    seen: dict[str, int],
    competences: Sequence[CompetenceInfo],
) -> PersonRow:
    person = _person_cell(person_cell)
    if not is_valid_uai(uai):
        return PersonRow(line, uai[:20], person, problem="bad_uai",
                         detail=school_import.bad_uai_detail(uai))
    if uai not in known:
        return PersonRow(line, uai, person, problem="unknown_school")
    if uai in seen:
        return PersonRow(line, uai, person, problem="duplicate", detail=str(seen[uai]))
    seen[uai] = line
    if not person:
        return PersonRow(line, uai, person, problem="missing_person")
    if len(person) > MAX_PERSON or has_control_chars(person):
        return PersonRow(line, uai, person[:40], problem="bad_person")
    chosen: tuple[CompetenceInfo, ...] = ()
    if competence_cell.strip():
        parsed = parse_competence_list(competence_cell, competences)
        if isinstance(parsed, ParseFailure):
            return PersonRow(line, uai, person, problem="unknown_competence",
                             detail=parsed.fragment or competence_cell.strip())
        chosen = tuple(parsed)
    return PersonRow(line, uai, person, chosen)


def confirms(words: Sequence[str]) -> bool:
    """Whether the words after ``referents importer`` ask to apply (``confirmer``)."""
    return any(match_key(word) in _CONFIRM for word in words)


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pinned(turn: Turn, lock: bool = True) -> dict[str, Any] | None:
    """The file the caller's last check pinned for this project: ``source``, ``file`` (its
    Slack id, None from the console) and ``sha256``; None when no check waits. The adapter
    downloads that file again on ``confirmer``."""
    caller, project = turn.caller, turn.project
    pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=lock)
    if (pending is None or pending.kind != PEOPLE_IMPORT or project is None
            or pending.project_id != project.id):
        return None
    return pending.payload


def other_question(pending: Pending | None, project: ProjectInfo) -> dict[str, Any] | None:
    """The person's waiting question when it is not a check of this project's file, as the
    data of ``schools_people_pending`` (one question waits per person, so a check and
    that question replace each other); None when nothing else waits."""
    if pending is None:
        return None
    payload = pending.payload
    if pending.kind == PEOPLE_IMPORT:
        if pending.project_id == project.id:
            return None
        return {"other": "people_elsewhere", "source": str(payload.get("source", ""))[:200]}
    if pending.kind == personal_data.ERASE:
        return {"other": "erase", "target": str(payload.get("target") or ""),
                "by_lead": bool(payload.get("by_lead"))}
    if pending.kind == CREATE_ENTITIES:
        return {"other": "entities", "names": [str(n) for n in payload.get("names", [])]}
    if pending.kind == matrix_import.MATRIX_IMPORT:
        return {"other": "matrix", "source": str(payload.get("source", ""))[:200]}
    if pending.kind == conversation.ASK_PROJECT_NAME:
        return {"other": "project_name"}
    return {"other": "unknown"}


_KEPT = {"erase"}
"""The questions a check never replaces: an erasure is deliberate and answered by its own
command. A check replaces the others and says so: the creation of entities and a matrix
import are asked again by their command, the project's name by ``/ent projet creer``
(which does not end that question, so waiting for it could block every check)."""


def not_checked(turn: Turn, usage: str = "people") -> Reply:
    """Why ``confirmer`` finds no check to apply: none was made, or another question has
    replaced it since (named, with how to answer it, when one waits)."""
    caller, project = turn.caller, turn.project
    pending = turn.store.pending(caller.workspace_id, caller.user_id)
    other = other_question(pending, project) if project is not None else None
    if other is None:
        return turn.error("schools_error", code="not_checked", usage=usage)
    return turn.error("schools_people_pending", code="not_checked", **other)


def people_file(
    turn: Turn, data: bytes, source: str, confirm_words: Sequence[str], usage: str = "people",
    file_id: str | None = None,
) -> list[Reply]:
    """Check a resource-person CSV and pin it (its Slack ``file_id``, name and SHA-256) in
    the caller's pending confirmation; with ``confirmer``, apply its valid rows only if
    ``data`` is that very file, unchanged: a newer upload is never applied unchecked.
    One question waits per person: a check never replaces a waiting erasure (it says how
    to answer it and changes nothing); it replaces any other question and says so."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    confirmed = confirms(confirm_words)
    schools = db.schools(turn.store.connection, project.id)
    competences = turn.store.competences(project.id)
    checked = check_people(data, schools, competences)
    if isinstance(checked, school_import.FileProblem):
        return [turn.error("schools_error", code=checked.code, fragment=source,
                           detail=list(checked.detail), usage=usage)]
    good = [row for row in checked if row.problem is None]
    bad = [row for row in checked if row.problem is not None]
    by_uai = {s.uai: s for s in schools}
    changes = [(by_uai[row.uai], row.person) for row in good
               if by_uai[row.uai].referent != row.person]
    known = db.covers(turn.store.connection, project.id)
    covers = [(by_uai[row.uai].id, c.id, row.person) for row in good for c in row.competences
              if known.get((by_uai[row.uai].id, c.id)) != row.person]
    data_out = {"source": source, "good": len(good), "changes": len(changes),
                "covers": len(covers), "bad": bad[:SHOWN], "bad_count": len(bad),
                "applied": confirmed}
    caller = turn.caller
    pin = {"source": source[:200], "file": file_id, "sha256": fingerprint(data)}
    if not confirmed:
        if not (changes or covers):
            if pinned(turn) is not None:
                turn.store.clear_pending(caller.workspace_id, caller.user_id)
            return [turn.reply("schools_people", **data_out)]
        other = other_question(
            turn.store.pending(caller.workspace_id, caller.user_id, lock=True), project)
        if other is not None and other["other"] in _KEPT:
            return [turn.error("schools_people_pending", code="waiting", **other)]
        turn.store.set_pending(caller.workspace_id, caller.user_id, project.id,
                               PEOPLE_IMPORT, pin)
        replaced = [] if other is None else [
            turn.reply("schools_people_pending", code="replaced", **other)]
        return [turn.reply("schools_people", **data_out), *replaced]
    if not (changes or covers):
        return [turn.reply("schools_people", **data_out)]
    waiting = pinned(turn)
    if waiting is None:
        return [not_checked(turn, usage)]
    if (waiting.get("file"), waiting.get("sha256")) != (file_id, pin["sha256"]):
        return [turn.error("schools_error", code="checked_changed",
                           fragment=str(waiting.get("source", source)), usage=usage)]
    turn.store.clear_pending(caller.workspace_id, caller.user_id)
    if changes:
        apply_referents(turn, project, changes)
    if covers:
        db.save_covers(turn.store.connection, project.workspace_id, project.id, covers,
                       turn.actor)
        record(turn, project, [
            Change("schools.cover", source[:200], "covers", None, str(len(covers)))
        ])
    return [turn.announce("schools_people", **data_out)]


def local_changes(text: str) -> bool:
    """Whether ``/ent local …`` changes the project (a list of competences after the word)."""
    word, _, rest = text.strip().partition(" ")
    if match_key(word) in {"competences", "competence", "skills"}:
        return bool(rest.strip())
    return bool(word) and match_key(word) not in {"voir", "show", "liste", "list"}


def local_command(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``/ent local competences 9, 10, 11`` (or bare, to see them)."""
    word, _, rest = text.strip().partition(" ")
    if match_key(word) in {"competences", "competence", "skills"}:
        text = rest
    elif word and match_key(word) not in {"", "voir", "show", "liste", "list"}:
        text = text.strip()
    else:
        text = ""
    current = local_competences(turn, project)
    if not text.strip():
        return turn.reply("schools_local", competences=current, changed=False)
    parsed = parse_competence_list(text, turn.store.competences(project.id))
    if isinstance(parsed, ParseFailure):
        return turn.error("error", code=parsed.code.value, fragment=parsed.fragment,
                          candidates=parsed.candidates, usage="help")
    if not parsed:
        return turn.error("schools_error", code="no_local", fragment=text, usage="local")
    if [c.id for c in parsed] == [c.id for c in current]:
        return turn.reply("schools_local", competences=current, changed=False)
    db.set_local_competences(turn.store.connection, project.workspace_id, project.id,
                             [c.id for c in parsed])
    record(turn, project, [
        Change("schools.local", project.name[:200], "competences",
               ", ".join(str(c.number) for c in current),
               ", ".join(str(c.number) for c in parsed))
    ])
    return turn.announce("schools_local", competences=parsed, changed=True)
