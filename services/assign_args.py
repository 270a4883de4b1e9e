"""``/ent-assign <compétences> <entité> [interne|externe|mixte] [@contacts…] [pérenne|temporaire]
[niveau <texte>] [prestataire <texte>]``.

The competences are numbers, ranges, ``tout sauf …``, ``famille …``, a quoted label, or
the longest run of leading words that names one competence; the entity is what follows,
kept as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.answers import answer_tokens, owner_from_tokens, split_mentions
from services.competence_list import split_competences
from services.text import normalize
from services.tokenize import FailureCode, ParseFailure
from storage.state import CompetenceInfo
from storage.vocab import Keep, Sourcing

__all__ = ["AssignRequest", "FailureCode", "ParseFailure", "parse_assign"]

_CONNECTORS = frozenset({"a", "->", "→", "=>", "pour", "to"})


@dataclass(frozen=True, slots=True)
class AssignRequest:
    """A parsed ``/ent-assign``; the entity is a name as typed, not yet looked up."""

    competences: tuple[CompetenceInfo, ...]
    entity_name: str
    sourcing: Sourcing | None = None
    contacts: tuple[str, ...] = ()
    keep: Keep | None = None
    provider: str | None = None
    service_level: str | None = None

    @property
    def competence(self) -> CompetenceInfo:
        return self.competences[0]


def _swapped(text: str, competences: Sequence[CompetenceInfo]) -> ParseFailure | None:
    """``/ent-assign DSI 7``: the competence typed last. Say the order, not a guess."""
    tokens = text.split()
    if len(tokens) < 2 or not tokens[-1].strip(",").isdigit():
        return None
    found = split_competences(tokens[-1], competences)
    if isinstance(found, ParseFailure):
        return None
    return ParseFailure(FailureCode.SWAPPED, text.strip(), tuple(found.competences))


def parse_assign(text: str, competences: Sequence[CompetenceInfo]) -> AssignRequest | ParseFailure:
    """Parse the arguments of ``/ent-assign``; mentions may appear anywhere.

    The competences come first (``6, 8, 17``, ``1-5``, ``tout sauf 17``, a name); then
    the entity and its details. When every word belongs to the competence
    (``hébergement ENT``) the entity is missing: quote it to use such words as a name
    (``hébergement "ENT"``).
    """
    tokens = answer_tokens(text)
    if isinstance(tokens, ParseFailure):
        return tokens
    contacts, rest = split_mentions(tokens)
    if not rest:
        return ParseFailure(FailureCode.EMPTY, text.strip())
    found = split_competences(text[rest[0].start :], competences)
    if isinstance(found, ParseFailure):
        if found.code in (FailureCode.UNKNOWN_COMPETENCE, FailureCode.EMPTY):
            return _swapped(text, competences) or found
        return found
    remaining_text = found.rest
    remaining = answer_tokens(remaining_text) if remaining_text.strip() else []
    if isinstance(remaining, ParseFailure):
        return remaining
    contacts_after, remaining = split_mentions(remaining)
    if remaining and not remaining[0].quoted and normalize(remaining[0].value) in _CONNECTORS:
        remaining = remaining[1:]
    owner = owner_from_tokens(remaining_text, remaining, contacts)
    if isinstance(owner, ParseFailure):
        if owner.code is FailureCode.MISSING_ENTITY:
            return replace(owner, candidates=tuple(found.competences[:1]))
        return owner
    return AssignRequest(
        tuple(found.competences),
        owner.entity_name,
        owner.sourcing,
        tuple(dict.fromkeys([*owner.contacts, *contacts_after])),
        owner.keep,
        owner.provider,
        owner.service_level,
    )


def quote_known_entity(text: str, names: Sequence[str]) -> str | None:
    """``text`` with the longest known entity name it contains put in quotes, or None.

    Unquoted, ``administration ENT Bretagne`` reads as competence ``administration
    ENT`` and entity ``Bretagne``; when ``ENT Bretagne`` is a known entity, quoting it
    lets the parser see it whole.
    """
    if any(quote in text for quote in ('"', "«", "“")):
        return None
    typed = text.split()
    keys = [normalize(word) for word in typed]
    best: tuple[int, int] | None = None
    for name in names:
        wanted = [normalize(word) for word in name.split()]
        size = len(wanted)
        if not wanted or (best is not None and size <= best[1]):
            continue
        for start in range(1, len(keys) - size + 1):
            if keys[start : start + size] == wanted:
                best = (start, size)
                break
    if best is None:
        return None
    start, size = best
    name = " ".join(typed[start : start + size])
    return " ".join([*typed[:start], f'"{name}"', *typed[start + size :]])
