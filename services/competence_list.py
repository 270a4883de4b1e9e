"""The competences a command starts with: ``6, 8, 17``, ``1-5, 18``, ``tout sauf 17``,
``famille technique``, ``hébergement et juridique`` or one quoted label.

:func:`split_competences` reads as many as the text names, then hands back the rest as
typed, so every command that takes a competence takes a list of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.answers import MAX_REF_PARTS, competence_failure
from services.resolve import Resolved, resolve_competence, resolve_competence_prefix
from services.text import match_key
from services.tokenize import FailureCode, ParseFailure, Token, TokenizeError, split_args
from storage.sheet import FAMILIES
from storage.state import CompetenceInfo

_PIECE = re.compile(r"[^,;]+|[,;]")
_NUMBER = re.compile(r"#?([0-9]{1,6})")
_RANGE = re.compile(r"#?([0-9]{1,6})(?:-|–|—|\.\.)#?([0-9]{1,6})")
_DASHES = frozenset({"-", "–", "—", ".."})
_DASH_WORDS = frozenset({"a", "au", "to"})
_ALL = frozenset({"tout", "toutes", "tous", "all"})
_EXCEPT = frozenset({"sauf", "hors", "except", "but"})
_AND = frozenset({"et", "and", ",", ";"})
_FAMILY = frozenset({"famille", "family", "profils", "profil", "profiles"})
FAMILY_WORDS: dict[str, str] = {
    "technique": "technique",
    "techniques": "technique",
    "technical": "technique",
    "fonctionnel": "fonctionnel",
    "fonctionnels": "fonctionnel",
    "fonctionnelle": "fonctionnel",
    "functional": "fonctionnel",
    "pilotage": "pilotage",
    "steering": "pilotage",
}
assert set(FAMILY_WORDS.values()) == set(FAMILIES)


@dataclass(frozen=True, slots=True)
class _Piece:
    value: str
    quoted: bool
    start: int
    end: int


def _pieces(tokens: Sequence[Token]) -> list[_Piece]:
    """Tokens with commas split off: ``6,8,`` → ``6`` ``,`` ``8`` ``,``."""
    found: list[_Piece] = []
    for token in tokens:
        if token.quoted:
            found.append(_Piece(token.value, True, token.start, token.end))
            continue
        for match in _PIECE.finditer(token.value):
            found.append(
                _Piece(match.group(), False, token.start + match.start(),
                       token.start + match.end())
            )
    return found


@dataclass(frozen=True, slots=True)
class Split:
    """The competences named at the start of a text, in sheet order, and what follows."""

    competences: list[CompetenceInfo]
    rest: str


class _Reader:
    def __init__(self, text: str, competences: Sequence[CompetenceInfo]) -> None:
        self.text = text
        self.competences = sorted(competences, key=lambda c: c.number)
        self.by_number = {c.number: c for c in self.competences}
        self.chosen: dict[int, CompetenceInfo] = {}
        self.excluded: dict[int, CompetenceInfo] = {}
        self.excepting = False

    def add(self, items: Sequence[CompetenceInfo]) -> None:
        target = self.excluded if self.excepting else self.chosen
        target.update((c.number, c) for c in items)

    def number(self, pieces: Sequence[_Piece], i: int) -> tuple[int, ParseFailure | None] | None:
        """A number or a range at ``i``: how many pieces it takes, or why it is wrong."""
        piece = pieces[i]
        if piece.quoted:
            return None
        dashed = _RANGE.fullmatch(piece.value)
        if dashed:
            return 1, self.range(int(dashed.group(1)), int(dashed.group(2)), piece.value)
        single = _NUMBER.fullmatch(piece.value)
        if single is None:
            return None
        low = int(single.group(1))
        if (
            i + 2 < len(pieces)
            and not pieces[i + 1].quoted
            and (
                pieces[i + 1].value in _DASHES or match_key(pieces[i + 1].value) in _DASH_WORDS
            )
            and (high := _NUMBER.fullmatch(pieces[i + 2].value)) is not None
            and not pieces[i + 2].quoted
        ):
            fragment = self.text[piece.start : pieces[i + 2].end]
            return 3, self.range(low, int(high.group(1)), fragment)
        found = self.by_number.get(low)
        if found is None:
            return 1, ParseFailure(FailureCode.COMPETENCE_OUT_OF_RANGE, piece.value)
        self.add([found])
        return 1, None

    def range(self, low: int, high: int, fragment: str) -> ParseFailure | None:
        if low > high:
            return ParseFailure(FailureCode.REVERSED_RANGE, fragment)
        if low not in self.by_number or high not in self.by_number:
            return ParseFailure(FailureCode.COMPETENCE_OUT_OF_RANGE, fragment)
        self.add([c for c in self.competences if low <= c.number <= high])
        return None

    def family(self, pieces: Sequence[_Piece], i: int) -> int:
        """``famille technique``: how many pieces it takes (0 if it is not one)."""
        if i + 1 >= len(pieces) or pieces[i].quoted or pieces[i + 1].quoted:
            return 0
        if match_key(pieces[i].value) not in _FAMILY:
            return 0
        family = FAMILY_WORDS.get(match_key(pieces[i + 1].value))
        if family is None:
            return 0
        self.add([c for c in self.competences if family in c.families])
        return 2

    def name(self, pieces: Sequence[_Piece], i: int) -> tuple[int, ParseFailure | None]:
        """Words naming one competence, up to the next comma or quote."""
        end = i
        while end < len(pieces) and not pieces[end].quoted and pieces[end].value not in ",;":
            end += 1
        parts = [p.value for p in pieces[i:end]]
        if not parts:
            return 0, None
        match = resolve_competence_prefix(parts, self.competences, max_parts=MAX_REF_PARTS)
        if isinstance(match.result, Resolved):
            self.add([match.result.item])
            return match.length, None
        fragment = self.text[pieces[i].start : pieces[i + match.length - 1].end]
        return 0, competence_failure(match.result, fragment)


def split_competences(
    text: str, competences: Sequence[CompetenceInfo]
) -> Split | ParseFailure:
    """Read the competences ``text`` starts with; fail when it names none, or when a
    number, a range or the first name is wrong."""
    try:
        tokens = split_args(text)
    except TokenizeError as error:
        return error.failure
    if not tokens:
        return ParseFailure(FailureCode.EMPTY)
    if tokens[0].quoted:
        result = resolve_competence(tokens[0].value, competences)
        if not isinstance(result, Resolved):
            return competence_failure(result, text[tokens[0].start : tokens[0].end])
        return Split([result.item], text[tokens[0].end :].strip())
    pieces = _pieces(tokens)
    reader = _Reader(text, competences)
    i = 0
    expecting = True
    stop = len(pieces)
    separator: int | None = None
    while i < len(pieces):
        piece = pieces[i]
        key = "" if piece.quoted else match_key(piece.value) or piece.value
        if not expecting:
            if piece.quoted:
                stop = i
                break
            if key in _AND:
                separator, expecting, i = i, True, i + 1
                continue
            if key in _EXCEPT and (reader.chosen or reader.excepting):
                separator, expecting, i = i, True, i + 1
                reader.excepting = True
                continue
            stop = i
            break
        if piece.quoted:
            stop = separator if separator is not None and reader.chosen else i
            break
        if key in _ALL:
            reader.add(reader.competences)
            expecting, separator, i = False, None, i + 1
            continue
        taken = reader.family(pieces, i)
        if taken:
            expecting, separator, i = False, None, i + taken
            continue
        numbered = reader.number(pieces, i)
        if numbered is not None:
            taken, failure = numbered
            if failure is not None:
                return failure
            expecting, separator, i = False, None, i + taken
            continue
        taken, failure = reader.name(pieces, i)
        if failure is not None:
            if not reader.chosen:
                return failure
            stop = separator if separator is not None else i
            break
        expecting, separator, i = False, None, i + taken
    else:
        stop = separator if separator is not None and expecting else len(pieces)
    if not reader.chosen:
        return ParseFailure(FailureCode.EMPTY, text.strip())
    chosen = [c for n, c in sorted(reader.chosen.items()) if n not in reader.excluded]
    rest = text[pieces[stop].start :].strip() if stop < len(pieces) else ""
    if rest[:1] in (",", ";"):
        rest = rest[1:].strip()
    return Split(chosen, rest)


def parse_list(
    text: str, competences: Sequence[CompetenceInfo]
) -> list[CompetenceInfo] | ParseFailure:
    """A whole text naming competences (nothing may follow)."""
    found = split_competences(text, competences)
    if isinstance(found, ParseFailure):
        return found
    if found.rest:
        return ParseFailure(FailureCode.UNKNOWN_COMPETENCE, found.rest)
    return found.competences
