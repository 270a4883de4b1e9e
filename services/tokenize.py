"""Command arguments split on whitespace, with quoted groups, and the parsers' failure type.

Quotes are ``"…"``, ``“…”`` and ``« … »``. The apostrophe is not a quote (``l'ENT``).
A quote opens only at the start of an argument: inside a word it is a plain character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from storage.state import CompetenceInfo

_CLOSERS: dict[str, str] = {'"': '"', "“": '”"', "«": "»"}
_GUILLEMET = "«"
_WORD_END = re.compile(r"\s|$")
_NEXT = re.compile(r"\S")


class FailureCode(StrEnum):
    EMPTY = "empty"
    MISSING_ENTITY = "missing_entity"
    UNKNOWN_COMPETENCE = "unknown_competence"
    AMBIGUOUS_COMPETENCE = "ambiguous_competence"
    COMPETENCE_OUT_OF_RANGE = "competence_out_of_range"
    REVERSED_RANGE = "reversed_range"
    INVALID_RANGE = "invalid_range"
    UNBALANCED_QUOTE = "unbalanced_quote"
    CONTROL_CHARS = "control_chars"
    TOO_LONG = "too_long"
    CONFLICTING_OPTIONS = "conflicting_options"
    MISSING_VALUE = "missing_value"
    SWAPPED = "competence_first"


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """Why some input could not be parsed; the text shown to users is rendered elsewhere.

    ``fragment`` is the offending part as typed. ``candidates`` holds the competences
    an ambiguous reference may mean, the suggestions for an unknown one, or (for
    ``missing_entity``) the competence that was understood.
    """

    code: FailureCode
    fragment: str = ""
    candidates: tuple[CompetenceInfo, ...] = ()


class TokenizeError(ValueError):
    """A quote was opened and never closed; ``fragment`` runs from that quote to the end."""

    def __init__(self, fragment: str) -> None:
        super().__init__(f"unbalanced quote: {fragment[:40]!r}")
        self.fragment = fragment

    @property
    def failure(self) -> ParseFailure:
        return ParseFailure(FailureCode.UNBALANCED_QUOTE, self.fragment)


@dataclass(frozen=True, slots=True)
class Token:
    """One argument; ``start``/``end`` delimit it in the text, quotes included."""

    value: str
    quoted: bool = False
    start: int = 0
    end: int = 0


def _closing(text: str, opener: str, start: int) -> int:
    ends = [i for i in (text.find(c, start) for c in _CLOSERS[opener]) if i >= 0]
    return min(ends, default=-1)


def _skip_space(text: str, position: int) -> int:
    found = _NEXT.search(text, position)
    return len(text) if found is None else found.start()


def _word_end(text: str, position: int) -> int:
    found = _WORD_END.search(text, position)
    return len(text) if found is None else found.start()


def split_args(text: str) -> list[Token]:
    """Split ``text`` into arguments; raises TokenizeError on an unbalanced quote."""
    tokens: list[Token] = []
    position = _skip_space(text, 0)
    while position < len(text):
        opener = text[position]
        if opener in _CLOSERS:
            close = _closing(text, opener, position + 1)
            if close < 0:
                raise TokenizeError(text[position:])
            value = text[position + 1 : close]
            tokens.append(
                Token(value.strip() if opener == _GUILLEMET else value, True, position, close + 1)
            )
            position = close + 1
        else:
            end = _word_end(text, position)
            tokens.append(Token(text[position:end], False, position, end))
            position = end
        position = _skip_space(text, position)
    return tokens
