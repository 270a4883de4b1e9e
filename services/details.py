"""The details of an assignment besides its entity: contacts, provider, service level,
notes and whether to keep it; and the project's own competences."""

from __future__ import annotations

from services import assignments, changes, competence_list
from services.answers import extract_mentions, parse_keep
from services.entities import name_problem
from services.text import match_key, normalize
from services.tokenize import FailureCode, ParseFailure, TokenizeError, split_args
from services.turn import Reply, Turn
from storage import limits
from storage.sheet import FAMILIES
from storage.state import CompetenceInfo, ProjectInfo
from storage.vocab import Keep

_ME = {"moi", "me", "myself"}
_FAMILY_WORDS = {
    "technique": "technique",
    "techniques": "technique",
    "technical": "technique",
    "fonctionnel": "fonctionnel",
    "fonctionnels": "fonctionnel",
    "functional": "fonctionnel",
    "pilotage": "pilotage",
    "steering": "pilotage",
}


def failure_reply(turn: Turn, failure: ParseFailure, usage: str) -> Reply:
    """The error for a competence list (or an answer) that could not be read."""
    code = failure.code.value
    if failure.code is FailureCode.EMPTY:
        code = "missing_competence"
    elif failure.code is FailureCode.COMPETENCE_OUT_OF_RANGE:
        code = "out_of_range"
    return turn.error(
        "error", code=code, fragment=failure.fragment, candidates=failure.candidates, usage=usage
    )


def split_competences(
    turn: Turn, project: ProjectInfo, text: str, usage: str
) -> tuple[list[CompetenceInfo], str] | Reply:
    """Split ``<compétences> <reste>``: ``6, 8``, ``1-5``, ``tout sauf 17``, a name…

    A mention where the competence is expected means the order was swapped: the reply
    says the order rather than guessing a competence from the person's name.
    """
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    mentions, _rest = extract_mentions(first)
    if mentions or normalize(first) in _ME:
        return turn.error("error", code="competence_first", fragment=text.strip(), usage=usage)
    found = competence_list.split_competences(text, turn.store.competences(project.id))
    if isinstance(found, ParseFailure):
        return failure_reply(turn, found, usage)
    return found.competences, found.rest


def set_text(turn: Turn, project: ProjectInfo, field: str, text: str, usage: str) -> Reply:
    """``/ent prestataire|niveau|notes <compétences> <texte>``."""
    found = split_competences(turn, project, text, usage)
    if isinstance(found, Reply):
        return found
    competences, value = found
    problem = name_problem(turn, value, usage, limits.DETAILS[field], "missing_value")
    if problem is not None:
        return problem
    entities = turn.store.entities(project.id)
    current = turn.store.assignments(project.id)
    done = assignments.update_many(
        turn, project, current, [(c, {field: value}) for c in competences], entities
    )
    if not done:
        return turn.reply("detail_unchanged", competences=competences, field=field, value=value)
    return turn.announce(
        "detail_set", competences=[e.competence for e in done], field=field, value=value
    )


def add_contacts(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``/ent contact <compétences> @alice [@bob…|moi]``."""
    usage = "contact"
    found = split_competences(turn, project, text, usage)
    if isinstance(found, Reply):
        return found
    competences, rest = found
    people, leftover = extract_mentions(rest)
    words = leftover.split()
    if any(normalize(word) in _ME for word in words):
        people.append(turn.actor)
        words = [word for word in words if normalize(word) not in _ME]
    if words or not people:
        return turn.error("error", code="bad_contacts", fragment=" ".join(words), usage=usage)
    current = turn.store.assignments(project.id)
    wanted = []
    for competence in competences:
        had = current[competence.id].contacts if competence.id in current else ()
        contacts = tuple(dict.fromkeys((*had, *people)))
        problem = assignments.contacts_problem(turn, contacts, usage)
        if problem is not None:
            return problem
        wanted.append((competence, {"contacts": contacts}))
    entities = turn.store.entities(project.id)
    done = assignments.update_many(turn, project, current, wanted, entities)
    if not done:
        return turn.reply(
            "contact_unchanged", competences=competences, people=people,
            you=people == [turn.actor],
        )
    return turn.announce(
        "contacts_added", competences=[e.competence for e in done], people=people
    )


def set_keep(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``/ent perenne <compétences> [oui|non|a-decider]``."""
    usage = "keep"
    found = split_competences(turn, project, text, usage)
    if isinstance(found, Reply):
        return found
    competences, rest = found
    keep = parse_keep(rest) if rest else Keep.OUI
    if keep is None:
        return turn.error("error", code="bad_keep", fragment=rest, usage=usage)
    changed = assignments.set_keep(turn, project, competences, keep)
    if not changed:
        return turn.reply(
            "detail_unchanged", competences=competences, field="keep", value=keep.value
        )
    return turn.announce("detail_set", competences=changed, field="keep", value=keep.value)


def add_competence(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``/ent competence ajouter <nom> [technique|fonctionnel|pilotage]``: a project's own."""
    usage = "competence_add"
    try:
        tokens = [token.value for token in split_args(text)]
    except TokenizeError as exc:
        return turn.error("error", code="unbalanced_quote", fragment=exc.fragment, usage=usage)
    families: list[str] = []
    while tokens and normalize(tokens[-1]) in _FAMILY_WORDS:
        families.insert(0, _FAMILY_WORDS[normalize(tokens.pop())])
    name = " ".join(tokens).strip()
    problem = name_problem(turn, name, usage)
    if problem is not None:
        return problem
    competences = turn.store.competences(project.id)
    key = match_key(name)
    if any(match_key(c.label_fr) == key or match_key(c.label_en) == key for c in competences):
        return turn.error("error", code="competence_exists", fragment=name, usage=usage)
    code = "-".join(key.split())[:48] or "competence"
    if any(c.code == code for c in competences):
        code = f"{code}-{len(competences) + 1}"
    ordered = tuple(f for f in FAMILIES if f in families) or ("fonctionnel",)
    competence = changes.add_competence(
        turn, project, max(c.number for c in competences) + 1, code, name, ordered
    )
    return turn.announce("competence_added", competence=competence)
