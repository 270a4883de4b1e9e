"""Resolve what users type to a competence or an entity: numbers, codes, label words, typos."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeAlias, TypeVar

from services.text import match_key, normalize, words
from services.uai import is_valid_uai, normalize_uai
from storage.state import CompetenceInfo, EntityInfo

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resolved(Generic[T]):
    item: T


@dataclass(frozen=True, slots=True)
class Ambiguous(Generic[T]):
    candidates: tuple[T, ...]  # best first


@dataclass(frozen=True, slots=True)
class Unknown(Generic[T]):
    """Nothing matched. ``out_of_range`` is set for a number that is no competence's."""

    suggestions: tuple[T, ...] = ()  # closest first, at most MAX_SUGGESTIONS
    out_of_range: bool = False


Resolution: TypeAlias = Resolved[T] | Ambiguous[T] | Unknown[T]

MAX_SUGGESTIONS = 3
MIN_PREFIX = 4
MIN_FUZZY = 5
FUZZY_RATIO = 0.8
SUGGEST_RATIO = 0.6
_WORD_SUGGEST_RATIO = 0.5
_MAX_NUMBER_DIGITS = 6
_MAX_SUGGEST_WORDS = 8
_WORD_CACHE_SIZE = 4096
# How well a typed word matches a competence word; a competence's tier is its weakest word.
_EXACT, _PREFIX, _FUZZY = 3, 2, 1


def _similarity(matcher: difflib.SequenceMatcher[str], other: str, cutoff: float) -> float:
    """``matcher``'s ratio against ``other``, or 0 when it is surely below ``cutoff``."""
    matcher.set_seq1(other)
    if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= cutoff else 0.0


class _CompetenceIndex:
    """Normalized names and label words of one catalogue, built once per catalogue."""

    def __init__(self, competences: tuple[CompetenceInfo, ...]) -> None:
        self.competences = competences
        self.by_number = {c.number: c for c in competences}
        self.exact: dict[str, list[int]] = {}
        self.vocab: dict[str, set[int]] = {}
        self.word_sets: list[frozenset[str]] = []
        for i, competence in enumerate(competences):
            names = (competence.code, *competence.aliases, competence.label_fr, competence.label_en)
            own: set[str] = set()
            for name in names:
                key = match_key(name)
                indexes = self.exact.setdefault(key, []) if key else []
                if i not in indexes:
                    indexes.append(i)
                own.update(words(name))
            for word in own:
                self.vocab.setdefault(word, set()).add(i)
            self.word_sets.append(frozenset(own))
        self.fuzzy_vocab = tuple(w for w in self.vocab if len(w) >= MIN_FUZZY)
        self._cache: dict[str, dict[int, int]] = {}

    def match_word(self, word: str) -> dict[int, int]:
        """Competence index → match quality, for one typed (normalized) word."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        quality = dict.fromkeys(self.vocab.get(word, ()), _EXACT)
        if len(word) >= MIN_PREFIX:
            for known, indexes in self.vocab.items():
                if known != word and known.startswith(word):
                    for i in indexes:
                        quality[i] = max(quality.get(i, 0), _PREFIX)
        if len(word) >= MIN_FUZZY:
            matcher = difflib.SequenceMatcher(None, "", word)
            for known in self.fuzzy_vocab:
                if known != word and _similarity(matcher, known, FUZZY_RATIO):
                    for i in self.vocab[known]:
                        quality[i] = max(quality.get(i, 0), _FUZZY)
        if len(self._cache) >= _WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = quality
        return quality

    def resolve(self, ref: str, *, suggest: bool = True) -> Resolution[CompetenceInfo]:
        text = ref.strip()
        digits = text.removeprefix("#")
        if digits.isascii() and digits.isdigit():
            found = self.by_number.get(int(digits)) if len(digits) <= _MAX_NUMBER_DIGITS else None
            return Unknown(out_of_range=True) if found is None else Resolved(found)
        exact = self.exact.get(match_key(text))
        if exact:
            return self._result(dict.fromkeys(exact, 0))
        typed = list(dict.fromkeys(words(text)))
        if not typed:
            return Unknown()
        qualities: dict[int, list[int]] = {i: [] for i in range(len(self.competences))}
        for word in typed:
            matches = self.match_word(word)
            qualities = {i: [*q, matches[i]] for i, q in qualities.items() if i in matches}
            if not qualities:
                return Unknown(self.suggest(typed) if suggest else ())
        tier = max(min(q) for q in qualities.values())
        return self._result({i: sum(q) for i, q in qualities.items() if min(q) == tier})

    def _ranked(self, score: dict[int, float]) -> tuple[CompetenceInfo, ...]:
        """Competences by index, highest score first, then in sheet order."""
        order = sorted(score, key=lambda i: (-score[i], self.competences[i].number))
        return tuple(self.competences[i] for i in order)

    def _result(self, score: dict[int, float]) -> Resolution[CompetenceInfo]:
        ranked = self._ranked(score)
        return Resolved(ranked[0]) if len(ranked) == 1 else Ambiguous(ranked)

    def suggest(self, typed: Sequence[str]) -> tuple[CompetenceInfo, ...]:
        """Competences whose words are close to the typed words."""
        typed = typed[:_MAX_SUGGEST_WORDS]
        closeness: list[dict[str, float]] = []
        for word in typed:
            matcher = difflib.SequenceMatcher(None, "", word)
            closeness.append(
                {
                    known: 1.0
                    if len(word) >= 3 and known.startswith(word)
                    else _similarity(matcher, known, _WORD_SUGGEST_RATIO)
                    for known in self.vocab
                }
            )
        score: dict[int, float] = {}
        for i, own in enumerate(self.word_sets):
            best = [max((c[w] for w in own), default=0.0) for c in closeness]
            # Half the mean, half the best word: one well-matched word is worth suggesting.
            value = (sum(best) / len(best) + max(best)) / 2
            if value >= SUGGEST_RATIO:
                score[i] = value
        return self._ranked(score)[:MAX_SUGGESTIONS]


@lru_cache(maxsize=32)
def _index(competences: tuple[CompetenceInfo, ...]) -> _CompetenceIndex:
    return _CompetenceIndex(competences)


def resolve_competence(
    ref: str, competences: Sequence[CompetenceInfo]
) -> Resolution[CompetenceInfo]:
    """A competence from its number, code, alias, label, label words, their prefixes or typos.

    Every significant typed word must match a word of the same competence. An exact
    code, alias or full label wins; otherwise several matches are ambiguous, except
    that competences matching every word exactly beat prefix matches, which beat typos.
    """
    return _index(tuple(competences)).resolve(ref)


@dataclass(frozen=True, slots=True)
class PrefixMatch:
    """How many leading parts name a competence, and the resolution of those parts.

    When nothing resolves, ``length`` covers the longest ambiguous prefix, or the
    first part when even that is unknown.
    """

    length: int
    result: Resolution[CompetenceInfo]


def resolve_competence_prefix(
    parts: Sequence[str], competences: Sequence[CompetenceInfo], *, max_parts: int
) -> PrefixMatch:
    """The longest prefix of ``parts`` (at most ``max_parts``) naming one competence.

    Trailing parts made only of stop words are left out of a resolved prefix, so
    ``hébergement à DSI`` stops before ``à``.
    """
    index = _index(tuple(competences))
    first = index.resolve(parts[0]) if parts else Unknown[CompetenceInfo]()
    best = PrefixMatch(1, first)
    ambiguous = best if isinstance(first, Ambiguous) else None
    for length in range(2, min(max_parts, len(parts)) + 1):
        result = index.resolve(" ".join(parts[:length]), suggest=False)
        if isinstance(result, Unknown):
            break  # every word must match one competence: longer prefixes fail too
        if isinstance(result, Resolved):
            best = PrefixMatch(length, result)
        else:
            ambiguous = PrefixMatch(length, result)
    if isinstance(best.result, Resolved):
        length = best.length
        while length > 1 and not words(parts[length - 1]):
            length -= 1
        return PrefixMatch(length, best.result)
    return ambiguous or best


def _entity_score(
    matcher: difflib.SequenceMatcher[str], typed_words: set[str], entity: EntityInfo
) -> float:
    score = _similarity(matcher, normalize(entity.name), SUGGEST_RATIO)
    own = set(words(entity.name))
    if typed_words and own and (typed_words <= own or own <= typed_words):
        score = max(score, FUZZY_RATIO)
    return score


def resolve_entity(name: str, entities: Sequence[EntityInfo]) -> Resolution[EntityInfo]:
    """An entity by exact normalized name (or UAI), else Unknown with similar names."""
    key = normalize(name)
    if not key:
        return Unknown()
    exact = tuple(e for e in entities if normalize(e.name) == key)
    if not exact and is_valid_uai(name):
        uai = normalize_uai(name)
        exact = tuple(e for e in entities if e.uai and normalize_uai(e.uai) == uai)
    if len(exact) == 1:
        return Resolved(exact[0])
    if exact:
        return Ambiguous(exact)
    typed_words = set(words(name))
    matcher = difflib.SequenceMatcher(None, "", key)
    scored = [(_entity_score(matcher, typed_words, e), e) for e in entities]
    close = sorted(
        ((s, e) for s, e in scored if s >= SUGGEST_RATIO), key=lambda p: (-p[0], p[1].name)
    )
    return Unknown(tuple(e for _, e in close[:MAX_SUGGESTIONS]))
