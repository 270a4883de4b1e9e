"""The details of an assignment besides its entity: contacts, provider, service level,
notes and whether to keep it; and the project's own competences."""

from __future__ import annotations

from services import assignments, changes
from services.answers import MAX_REF_PARTS, extract_mentions, parse_keep
from services.entities import name_problem
from services.resolve import Ambiguous, Resolved, resolve_competence_prefix
from services.text import match_key, normalize
from services.tokenize import TokenizeError, split_args
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


def split_competence(
    turn: Turn, project: ProjectInfo, text: str, usage: str
) -> tuple[CompetenceInfo, str] | Reply:
    """Split ``<compétence> <reste>``: the longest leading words that name one competence."""
    try:
        tokens = split_args(text)
    except TokenizeError as exc:
        return turn.error("error", code="unbalanced_quote", fragment=exc.fragment, usage=usage)
    if not tokens:
        return turn.error("error", code="missing_competence", fragment="", usage=usage)
    competences = turn.store.competences(project.id)
    if tokens[0].quoted:
        match = resolve_competence_prefix([tokens[0].value], competences, max_parts=1)
    else:
        parts = [token.value for token in tokens]
        match = resolve_competence_prefix(parts, competences, max_parts=MAX_REF_PARTS)
    ref = " ".join(token.value for token in tokens[: match.length])
    if isinstance(match.result, Resolved):
        rest = text[tokens[match.length].start :] if match.length < len(tokens) else ""
        return match.result.item, rest.strip()
    if isinstance(match.result, Ambiguous):
        return turn.error(
            "error",
            code="ambiguous_competence",
            fragment=ref,
            candidates=match.result.candidates,
            usage=usage,
        )
    return turn.error(
        "error",
        code="out_of_range" if match.result.out_of_range else "unknown_competence",
        fragment=ref,
        candidates=match.result.suggestions,
        usage=usage,
    )


def set_text(turn: Turn, project: ProjectInfo, field: str, text: str, usage: str) -> Reply:
    """``/ent prestataire|niveau|notes <compétence> <texte>``."""
    found = split_competence(turn, project, text, usage)
    if isinstance(found, Reply):
        return found
    competence, value = found
    problem = name_problem(turn, value, usage, limits.DETAILS[field], "missing_value")
    if problem is not None:
        return problem
    entities = turn.store.entities(project.id)
    _old, _new, changed = assignments.change(turn, project, competence, entities, **{field: value})
    if not changed:
        return turn.reply("detail_unchanged", competence=competence, field=field, value=value)
    return turn.announce("detail_set", competence=competence, field=field, value=value)


def add_contacts(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``/ent contact <compétence> @alice [@bob…|moi]``."""
    usage = "contact"
    found = split_competence(turn, project, text, usage)
    if isinstance(found, Reply):
        return found
    competence, rest = found
    people, leftover = extract_mentions(rest)
    words = leftover.split()
    if any(normalize(word) in _ME for word in words):
        people.append(turn.actor)
        words = [word for word in words if normalize(word) not in _ME]
    if words or not people:
        return turn.error("error", code="bad_contacts", fragment=" ".join(words), usage=usage)
    current = turn.store.assignment(project.id, competence.id)
    contacts = tuple(dict.fromkeys((*(current.contacts if current else ()), *people)))
    problem = assignments.contacts_problem(turn, contacts, usage)
    if problem is not None:
        return problem
    entities = turn.store.entities(project.id)
    _old, _new, changed = assignments.change(turn, project, competence, entities, contacts=contacts)
    if not changed:
        return turn.reply(
            "contact_unchanged", competence=competence, people=people, you=people == [turn.actor]
        )
    return turn.announce("contacts_added", competence=competence, people=people)


def set_keep(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``/ent perenne <compétence> [oui|non|a-decider]``."""
    usage = "keep"
    found = split_competence(turn, project, text, usage)
    if isinstance(found, Reply):
        return found
    competence, rest = found
    keep = parse_keep(rest) if rest else Keep.OUI
    if keep is None:
        return turn.error("error", code="bad_keep", fragment=rest, usage=usage)
    if not assignments.set_keep(turn, project, [competence], keep):
        return turn.reply("detail_unchanged", competence=competence, field="keep", value=keep.value)
    return turn.announce("detail_set", competence=competence, field="keep", value=keep.value)


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
