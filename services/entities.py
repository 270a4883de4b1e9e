"""Entities (who can own a competence): validation, kind inference, creation after confirmation."""

from __future__ import annotations

from typing import Any

from services import changes
from services.answers import MAX_NAME_LENGTH, parse_yes_no
from services.resolve import Ambiguous, Resolved, resolve_entity
from services.text import has_control_chars, is_blank, normalize, words
from services.turn import Reply, Turn
from services.uai import expected_letter, is_valid_uai
from storage.state import EntityInfo, ProjectInfo
from storage.vocab import EntityKind

CREATE_ENTITIES = "create_entities"

_KIND_WORDS: dict[str, EntityKind] = {
    "academie": EntityKind.ACADEMIE,
    "rectorat": EntityKind.ACADEMIE,
    "dane": EntityKind.ACADEMIE,
    "drane": EntityKind.ACADEMIE,
    "dsden": EntityKind.ACADEMIE,
    "daj": EntityKind.ACADEMIE,
    "erun": EntityKind.ACADEMIE,
    "inspection": EntityKind.ACADEMIE,
    "circonscription": EntityKind.ACADEMIE,
    "departement": EntityKind.COLLECTIVITE,
    "region": EntityKind.COLLECTIVITE,
    "commune": EntityKind.COLLECTIVITE,
    "mairie": EntityKind.COLLECTIVITE,
    "ville": EntityKind.COLLECTIVITE,
    "metropole": EntityKind.COLLECTIVITE,
    "collectivite": EntityKind.COLLECTIVITE,
    "conseil": EntityKind.COLLECTIVITE,
    "dsi": EntityKind.COLLECTIVITE,
    "ecole": EntityKind.ECOLE,
    "college": EntityKind.ECOLE,
    "lycee": EntityKind.ECOLE,
    "etablissement": EntityKind.ECOLE,
    "editeur": EntityKind.EDITEUR,
    "publisher": EntityKind.EDITEUR,
    "prestataire": EntityKind.PRESTATAIRE,
    "integrateur": EntityKind.PRESTATAIRE,
    "hebergeur": EntityKind.PRESTATAIRE,
    "societe": EntityKind.PRESTATAIRE,
}

KIND_KEYWORDS: dict[str, EntityKind] = {
    "academie": EntityKind.ACADEMIE,
    "collectivite": EntityKind.COLLECTIVITE,
    "ecole": EntityKind.ECOLE,
    "etablissement": EntityKind.ECOLE,
    "ecole-etablissement": EntityKind.ECOLE,
    "collectivites": EntityKind.COLLECTIVITE,
    "college": EntityKind.ECOLE,
    "lycee": EntityKind.ECOLE,
    "editeur": EntityKind.EDITEUR,
    "prestataire": EntityKind.PRESTATAIRE,
    "autre": EntityKind.AUTRE,
    "school": EntityKind.ECOLE,
    "publisher": EntityKind.EDITEUR,
    "provider": EntityKind.PRESTATAIRE,
    "authority": EntityKind.COLLECTIVITE,
    "other": EntityKind.AUTRE,
}


def infer_kind(name: str) -> EntityKind:
    """Guess an entity's kind from its name (``DANE Rennes`` → académie)."""
    for word in words(name):
        kind = _KIND_WORDS.get(word)
        if kind is not None:
            return kind
    return EntityKind.AUTRE


def name_problem(
    turn: Turn, name: str, usage: str, limit: int = MAX_NAME_LENGTH, empty: str = "empty_name"
) -> Reply | None:
    """A reply explaining why ``name`` can't be stored (empty, too long, control
    characters), or None if it can."""
    stored = name.strip()
    if not stored:
        return turn.error("error", code=empty, fragment=name, usage=usage)
    if has_control_chars(name):
        return turn.error("error", code="control_chars", fragment=name[:40], usage=usage)
    if is_blank(stored):
        return turn.error("error", code=empty, fragment=name, usage=usage)
    if empty == "empty_name" and parse_yes_no(stored) is not None:
        return turn.error("error", code="yes_no_name", fragment=stored, usage=usage)
    if max(len(stored), len(normalize(stored))) > limit:
        return turn.error("error", code="too_long", fragment=stored[:40], limit=limit, usage=usage)
    return None


def uai_problem(turn: Turn, uai: str, usage: str) -> Reply | None:
    if is_valid_uai(uai):
        return None
    letter = expected_letter(uai)
    return turn.error("error", code="bad_uai", fragment=uai, expected=letter, usage=usage)


def find_or_confirm(
    turn: Turn,
    project: ProjectInfo,
    names: list[str],
    then: dict[str, Any],
    usage: str,
    existing: tuple[EntityInfo, ...] | None = None,
) -> list[EntityInfo] | Reply:
    """Resolve entity names; unknown ones are created only once the caller confirms.

    When some are unknown, the pending action remembers ``then`` so that the
    request is replayed after ``oui``.
    """
    if existing is None:
        existing = turn.store.entities(project.id)
    found: list[EntityInfo] = []
    unknown: list[str] = []
    suggestions: dict[str, list[str]] = {}
    for name in names:
        name = name.strip()
        problem = name_problem(turn, name, usage)
        if problem is not None:
            return problem
        result = resolve_entity(name, existing)
        if isinstance(result, Resolved):
            found.append(result.item)
        elif isinstance(result, Ambiguous):
            return turn.error(
                "error",
                code="ambiguous_entity",
                fragment=name,
                candidates=[e.name for e in result.candidates],
                usage=usage,
            )
        elif name not in unknown:
            unknown.append(name)
            suggestions[name] = [e.name for e in result.suggestions]
    if not unknown:
        return found
    return confirm(turn, project, unknown, {}, {}, then, suggestions)


def confirm(
    turn: Turn,
    project: ProjectInfo,
    names: list[str],
    kinds: dict[str, str],
    uais: dict[str, str],
    then: dict[str, Any],
    suggestions: dict[str, list[str]] | None = None,
) -> Reply:
    """Ask once whether to create these entities, each with its kind (given, or guessed
    from its name); ``oui`` creates them all, ``oui, DANE académie`` corrects a kind."""
    kinds = {name: kinds.get(name) or infer_kind(name).value for name in names}
    turn.store.set_pending(
        turn.caller.workspace_id,
        turn.actor,
        project.id,
        CREATE_ENTITIES,
        {"names": names, "kinds": kinds, "uais": uais, "then": then},
    )
    return turn.reply(
        "confirm_create",
        names=names,
        suggestions=suggestions or {name: [] for name in names},
        kinds=kinds,
    )


def corrected_kinds(text: str, names: list[str]) -> dict[str, str] | None:
    """``oui, Open Digital Education éditeur, DANE académie``: the kinds the person
    corrects while confirming; None when the text is not such a confirmation."""
    head, _, rest = text.partition(",")
    if parse_yes_no(head) is not True or not rest.strip():
        return None
    by_key = {normalize(name): name for name in names}
    found: dict[str, str] = {}
    for item in rest.split(","):
        parts = item.split()
        if len(parts) < 2:
            return None
        kind = KIND_KEYWORDS.get(normalize(parts[-1]))
        name = by_key.get(normalize(" ".join(parts[:-1])))
        if kind is None or name is None:
            return None
        found[name] = kind.value
    return found


def create_confirmed(turn: Turn, project: ProjectInfo, payload: dict[str, Any]) -> list[str]:
    """Create the entities a confirmation named (those not created meanwhile)."""
    names: list[str] = list(payload.get("names", []))
    kinds: dict[str, str] = dict(payload.get("kinds", {}))
    uais: dict[str, str] = dict(payload.get("uais", {}))
    existing = {normalize(e.name) for e in turn.store.entities(project.id)}
    for name in names:
        if normalize(name) not in existing:
            kind = kinds.get(name)
            create(turn, project, name, EntityKind(kind) if kind else None, uais.get(name))
            existing.add(normalize(name))
    return names


def create(
    turn: Turn,
    project: ProjectInfo,
    name: str,
    kind: EntityKind | None = None,
    uai: str | None = None,
) -> EntityInfo:
    return changes.add_entity(
        turn, project, name, normalize(name), (kind or infer_kind(name)).value, uai
    )
