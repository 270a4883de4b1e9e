"""``/ent-assign <compétence> <entité> [interne|externe|mixte] [@contacts…] [pérenne|temporaire]``.

The competence is a number, a quoted label, or the longest run of leading words that
names one competence; the entity is what follows, kept as typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.answers import (
    MAX_REF_PARTS,
    answer_tokens,
    competence_failure,
    owner_from_tokens,
    split_mentions,
)
from services.resolve import PrefixMatch, Resolved, resolve_competence, resolve_competence_prefix
from services.text import normalize
from services.tokenize import FailureCode, ParseFailure, Token
from storage.state import CompetenceInfo
from storage.vocab import Keep, Sourcing

__all__ = ["AssignRequest", "FailureCode", "ParseFailure", "parse_assign"]

_CONNECTORS = frozenset({"a", "->", "→", "=>", "pour", "to"})


@dataclass(frozen=True, slots=True)
class AssignRequest:
    """A parsed ``/ent-assign``; the entity is a name as typed, not yet looked up."""

    competence: CompetenceInfo
    entity_name: str
    sourcing: Sourcing | None = None
    contacts: tuple[str, ...] = ()
    keep: Keep | None = None


def _competence(
    text: str, tokens: Sequence[Token], competences: Sequence[CompetenceInfo]
) -> tuple[CompetenceInfo, int] | ParseFailure:
    """The competence the leading tokens name, and how many tokens name it."""
    if tokens[0].quoted:
        match = PrefixMatch(1, resolve_competence(tokens[0].value, competences))
    else:
        unquoted = next((i for i, t in enumerate(tokens) if t.quoted), len(tokens))
        parts = [t.value for t in tokens[:unquoted]]
        match = resolve_competence_prefix(parts, competences, max_parts=MAX_REF_PARTS)
    if isinstance(match.result, Resolved):
        return match.result.item, match.length
    return competence_failure(match.result, text[tokens[0].start : tokens[match.length - 1].end])


def parse_assign(text: str, competences: Sequence[CompetenceInfo]) -> AssignRequest | ParseFailure:
    """Parse the arguments of ``/ent-assign``; mentions may appear anywhere.

    When every word belongs to the competence (``hébergement ENT``) the entity is
    missing: quote it to use such words as a name (``hébergement "ENT"``).
    """
    tokens = answer_tokens(text)
    if isinstance(tokens, ParseFailure):
        return tokens
    contacts, rest = split_mentions(tokens)
    if not rest:
        return ParseFailure(FailureCode.EMPTY, text.strip())
    found = _competence(text, rest, competences)
    if isinstance(found, ParseFailure):
        return found
    competence, used = found
    remaining = rest[used:]
    if remaining and not remaining[0].quoted and normalize(remaining[0].value) in _CONNECTORS:
        remaining = remaining[1:]
    owner = owner_from_tokens(text, remaining, contacts)
    if isinstance(owner, ParseFailure):
        if owner.code is FailureCode.MISSING_ENTITY:
            return replace(owner, candidates=(competence,))
        return owner
    return AssignRequest(competence, owner.entity_name, owner.sourcing, owner.contacts, owner.keep)


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
