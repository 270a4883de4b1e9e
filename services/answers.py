"""Free-text answers to the bot's questions, in French (English accepted)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from services.resolve import Ambiguous, Resolved, Unknown, resolve_competence_prefix
from services.text import (
    find_control_char,
    has_control_chars,
    is_blank,
    match_key,
    normalize,
    words,
)
from services.tokenize import FailureCode, ParseFailure, Token, TokenizeError, split_args
from storage import limits
from storage.state import CompetenceInfo
from storage.vocab import Keep, Sourcing

MAX_NAME_LENGTH = limits.NAME
MAX_REF_PARTS = 30
"""Longest competence reference tried, in words (the longest label has 19)."""
_MAX_DIGITS = 6

_SLACK_MENTION = r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_LABELLED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|([^<>]*)>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPED = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
"""The only escapes the chat writes in its text."""
_ESCAPE = re.compile("|".join(_ESCAPED))
_PLAIN_MENTION = r"(@(?!(?:here|channel|everyone)\b)\w(?:[\w.\-]*\w)?)(?![\w@])"
_MENTION_IN_TEXT = re.compile(rf"\s*(?:{_SLACK_MENTION}|(?<!\S){_PLAIN_MENTION})\s*")
_MENTION_TOKEN = re.compile(rf"(?:{_SLACK_MENTION}|{_PLAIN_MENTION})[,;.!?]*")
_NOT_SPACE = re.compile(r"\S+")
# A run of whitespace holding anything but spaces and French non-breaking spaces.
_ODD_SPACES = re.compile(r"\s*[^\S \u00a0\u202f]\s*")
_LIST_SEPARATOR = re.compile(r"[^,;]+")
_NUMBER = re.compile(r"#?[0-9]+")
_DASHED = re.compile(r"(#?[0-9]+)?(-|–|—|\.\.)([0-9]+)?")
_DASHES = frozenset({"-", "–", "—", ".."})
_RANGE_WORDS = frozenset({"a", "au", "to", "jusqu a", "jusqu au"})
_AND_WORDS = frozenset({"et", "and"})

_SOURCING: dict[str, Sourcing] = {
    **dict.fromkeys(
        (
            "interne",
            "internes",
            "internal",
            "internalise",
            "internalisee",
            "internalises",
            "internalisees",
            "internalise e",
            "en interne",
        ),
        Sourcing.INTERNE,
    ),
    **dict.fromkeys(
        (
            "externe",
            "externes",
            "external",
            "externalise",
            "externalisee",
            "externalises",
            "externalisees",
            "externalise e",
            "en externe",
        ),
        Sourcing.EXTERNE,
    ),
    **dict.fromkeys(
        ("mixte", "mixtes", "mixed", "partiel", "partielle", "partial", "hybride", "hybrid"),
        Sourcing.MIXTE,
    ),
}
_KEEP_DEDICATED: dict[str, Keep] = {
    **dict.fromkeys(
        (
            "perenne",
            "perennes",
            "permanent",
            "permanente",
            "permanents",
            "permanentes",
            "perennise",
            "perennisee",
            "perennises",
            "perennisees",
            "a perenniser",
        ),
        Keep.OUI,
    ),
    **dict.fromkeys(("temporaire", "temporaires", "temporary"), Keep.NON),
    **dict.fromkeys(("a decider", "undecided", "tbd"), Keep.A_DECIDER),
}
_KEEP_YES_NO: dict[str, Keep] = {"oui": Keep.OUI, "yes": Keep.OUI, "non": Keep.NON, "no": Keep.NON}
_YES = frozenset(
    {
        "oui",
        "o",
        "ouais",
        "ouaip",
        "yes",
        "y",
        "yep",
        "yeah",
        "ok",
        "okay",
        "d accord",
        "daccord",
        "bien sur",
        "oui oui",
        "oui merci",
        "ok merci",
        "sure",
        "volontiers",
        "absolument",
    }
)
_NO = frozenset({"non", "n", "no", "nope", "nan", "non merci", "no thanks", "pas du tout"})
_YES_SYMBOLS = frozenset({"👍", "✅", "✔", "✔️"})
_NO_SYMBOLS = frozenset({"👎", "❌", "✖", "✖️"})
_ALL = frozenset({"toutes", "tout", "tous", "all", "toutes les competences", "all of them"})
_NONE = frozenset({"aucune", "aucun", "none", "rien", "nothing", "aucune competence"})


class Control(StrEnum):
    """Conversation words that steer the questions instead of answering them."""

    SKIP = "skip"
    BACK = "back"
    STOP = "stop"


_CONTROL_WORDS: dict[str, Control] = {
    **dict.fromkeys(("passer", "passe", "je passe", "skip", "sauter"), Control.SKIP),
    **dict.fromkeys(("retour", "back", "revenir", "precedent", "previous"), Control.BACK),
    **dict.fromkeys(
        ("stop", "arreter", "arrete", "pause", "annuler", "cancel", "quitter", "quit"), Control.STOP
    ),
}


@dataclass(frozen=True, slots=True)
class OwnerAnswer:
    """Who owns a competence; contacts are Slack user ids or ``@names`` as typed."""

    entity_name: str
    sourcing: Sourcing | None = None
    contacts: tuple[str, ...] = ()
    keep: Keep | None = None
    provider: str | None = None
    service_level: str | None = None


def is_user_id(text: str) -> bool:
    """A Slack user id (``U0ALICE``), as opposed to a name typed with ``@``."""
    return _USER_ID.fullmatch(text) is not None


def extract_mentions(text: str) -> tuple[list[str], str]:
    """Slack user ids (``<@U1|bob>`` → ``U1``) and typed ``@names``, and the text without them."""
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.append(match.group(1) or match.group(2))
        return " "

    rest = _MENTION_IN_TEXT.sub(take, text).strip()
    return list(dict.fromkeys(found)), rest


def mention_labels(text: str) -> dict[str, str]:
    """The label of each labelled mention (``<@U1|thomas>`` → ``{"U1": "thomas"}``), the last
    one of a person kept; an empty label is no label.

    ``text`` is the chat's raw text, before its escapes are decoded: there, only the chat's
    own mentions are real ``<@…|…>`` (what a person types arrives escaped), and a label's
    escapes are decoded here, once."""
    found: dict[str, str] = {}
    for user, label in _LABELLED_MENTION.findall(text):
        decoded = _ESCAPE.sub(lambda m: _ESCAPED[m.group(0)], label)
        name = " ".join(_CONTROL.sub(" ", decoded).split())[:MAX_NAME_LENGTH]
        if name:
            found[user] = name
    return found


def parse_sourcing(word: str) -> Sourcing | None:
    return _SOURCING.get(match_key(word))


def parse_keep(word: str, *, dedicated_only: bool = False) -> Keep | None:
    """``pérenne``/``temporaire``/``à décider``; ``oui``/``non`` too unless ``dedicated_only``."""
    key = match_key(word)
    found = _KEEP_DEDICATED.get(key)
    return found if found is not None or dedicated_only else _KEEP_YES_NO.get(key)


def parse_yes_no(text: str) -> bool | None:
    stripped = text.strip()
    if stripped in _YES_SYMBOLS or stripped in _NO_SYMBOLS:
        return stripped in _YES_SYMBOLS
    key = match_key(stripped)
    return True if key in _YES else False if key in _NO else None


def parse_control(text: str) -> Control | None:
    return _CONTROL_WORDS.get(match_key(text))


def control_failure(text: str) -> ParseFailure | None:
    """A failure naming the word that holds a control character other than a line break."""
    index = find_control_char(text, spaces_allowed=True)
    if index < 0:
        return None
    start = next((i + 1 for i in range(index - 1, -1, -1) if text[i].isspace()), 0)
    end = next((i for i in range(index, len(text)) if text[i].isspace()), len(text))
    return ParseFailure(FailureCode.CONTROL_CHARS, text[start:end])


def competence_failure(
    result: Ambiguous[CompetenceInfo] | Unknown[CompetenceInfo], fragment: str
) -> ParseFailure:
    """The failure for a competence reference that did not resolve to one competence."""
    if isinstance(result, Ambiguous):
        return ParseFailure(FailureCode.AMBIGUOUS_COMPETENCE, fragment, result.candidates)
    if result.out_of_range:
        return ParseFailure(FailureCode.COMPETENCE_OUT_OF_RANGE, fragment)
    return ParseFailure(FailureCode.UNKNOWN_COMPETENCE, fragment, result.suggestions)


# --- owner answers: "DSI du Département externe @bob pérenne" ---------------------------------


def split_mentions(tokens: Sequence[Token]) -> tuple[list[str], list[Token]]:
    """Mentions among unquoted tokens (ids or ``@names``), and the other tokens."""
    contacts: list[str] = []
    rest: list[Token] = []
    for token in tokens:
        found = None if token.quoted else _MENTION_TOKEN.fullmatch(token.value)
        if found is None:
            rest.append(token)
        else:
            contacts.append(found.group(1) or found.group(2))
    return contacts, rest


def _span(text: str, tokens: Sequence[Token]) -> str:
    """The tokens as typed; where a mention was taken out, a single space."""
    pieces = [text[tokens[0].start : tokens[0].end]]
    for before, token in pairwise(tokens):
        gap = text[before.end : token.start]
        pieces.append(gap if not gap or gap.isspace() else " ")
        pieces.append(text[token.start : token.end])
    return "".join(pieces)


def _entity_name(text: str, tokens: Sequence[Token]) -> str:
    if len(tokens) == 1 and tokens[0].quoted:
        return tokens[0].value.strip()
    name = _ODD_SPACES.sub(" ", _span(text, tokens)).strip()
    return name.rstrip(",;").rstrip()


def _name_failure(name: str) -> ParseFailure | None:
    if not name:
        return ParseFailure(FailureCode.MISSING_ENTITY)
    if has_control_chars(name):
        return ParseFailure(FailureCode.CONTROL_CHARS, name)
    if is_blank(name):
        return ParseFailure(FailureCode.MISSING_ENTITY)
    if max(len(name), len(normalize(name))) > MAX_NAME_LENGTH:
        return ParseFailure(FailureCode.TOO_LONG, name)
    return None


def _keyword_before(
    text: str, tokens: Sequence[Token], end: int
) -> tuple[int, Sourcing | None, Keep | None] | None:
    """The sourcing or keep keyword ending at ``end``: its length in tokens and its value."""
    if end == 0 or tokens[end - 1].quoted:
        return None
    sourcing = parse_sourcing(tokens[end - 1].value)
    if sourcing is not None:
        return 1, sourcing, None
    keep = parse_keep(tokens[end - 1].value, dedicated_only=True)
    if keep is not None:
        return 1, None, keep
    if end > 1 and not tokens[end - 2].quoted:
        keep = parse_keep(_span(text, tokens[end - 2 : end]), dedicated_only=True)
        if keep is not None:
            return 2, None, keep
    return None


DETAIL_WORDS: dict[str, str] = {
    **dict.fromkeys(("niveau", "sla", "level", "service-level"), "service_level"),
    **dict.fromkeys(("prestataire", "provider"), "provider"),
}
"""Words that introduce a detail in an owner answer: ``… niveau 99,9 % prestataire OVH``."""


def _segments(tokens: Sequence[Token]) -> list[tuple[str, list[Token]]]:
    """The name's tokens, then each detail's: a detail word starts a segment, except
    as the first word (``Prestataire Itop`` is a name)."""
    segments: list[tuple[str, list[Token]]] = [("name", [])]
    for index, token in enumerate(tokens):
        field = None if token.quoted or index == 0 else DETAIL_WORDS.get(match_key(token.value))
        if field is not None:
            segments.append((field, []))
        else:
            segments[-1][1].append(token)
    return segments


def owner_from_tokens(
    text: str, tokens: Sequence[Token], contacts: Sequence[str] = ()
) -> OwnerAnswer | ParseFailure:
    """An entity name followed by sourcing and keep keywords, in any order, and details
    introduced by ``niveau`` or ``prestataire``.

    Mentions are taken out anywhere; keywords only at the end of the name or of a
    detail, so that a name may contain them (``Prestataire externe Itop externe`` keeps
    its first ``externe``).
    """
    found, tokens = split_mentions(tokens)
    sourcing: Sourcing | None = None
    keep: Keep | None = None
    values: dict[str, str] = {}
    for field, part in _segments(tokens):
        end = len(part)
        while (keyword := _keyword_before(text, part, end)) is not None:
            used, word_sourcing, word_keep = keyword
            if (sourcing and word_sourcing and sourcing != word_sourcing) or (
                keep and word_keep and keep != word_keep
            ):
                fragment = _span(text, part[end - used : end])
                return ParseFailure(FailureCode.CONFLICTING_OPTIONS, fragment)
            sourcing, keep = sourcing or word_sourcing, keep or word_keep
            end -= used
        value = _entity_name(text, part[:end]) if end else ""
        if field == "name":
            failure = _name_failure(value)
            if failure is not None:
                return failure
        elif not value:
            return ParseFailure(FailureCode.MISSING_VALUE, field)
        elif field in values and values[field] != value:
            return ParseFailure(FailureCode.CONFLICTING_OPTIONS, value)
        elif max(len(value), len(normalize(value))) > limits.DETAILS[field]:
            return ParseFailure(FailureCode.TOO_LONG, value)
        values[field] = value
    return OwnerAnswer(
        values["name"],
        sourcing,
        tuple(dict.fromkeys([*contacts, *found])),
        keep,
        values.get("provider"),
        values.get("service_level"),
    )


def answer_tokens(text: str) -> list[Token] | ParseFailure:
    """The tokens of a non-empty answer without control characters or open quotes."""
    if not text.strip():
        return ParseFailure(FailureCode.EMPTY)
    failure = control_failure(text)
    if failure is not None:
        return failure
    try:
        return split_args(text)
    except TokenizeError as error:
        return error.failure


def parse_owner(text: str) -> OwnerAnswer | ParseFailure:
    """The answer to “who owns this competence?”: ``DSI du Département externe @bob pérenne``."""
    tokens = answer_tokens(text)
    if isinstance(tokens, ParseFailure):
        return tokens
    return owner_from_tokens(text, tokens)


# --- entity lists: "DSI, DANE et Éditeur" ----------------------------------------------------


def parse_entity_list(text: str) -> list[str]:
    """Names split on ``,`` ``;`` ``et`` ``and``, as typed; quoted names are kept whole.

    Unbalanced quotes are read as plain characters. Duplicates (same normalized name)
    are dropped.
    """
    try:
        tokens = split_args(text)
    except TokenizeError:
        tokens = [Token(m.group(), False, m.start(), m.end()) for m in _NOT_SPACE.finditer(text)]
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.quoted:
            groups[-1].append(token)
        elif match_key(token.value) in _AND_WORDS and token.value.isalpha():
            groups.append([])
        else:
            position = 0
            for piece in _LIST_SEPARATOR.finditer(token.value):
                if piece.start() > position:
                    groups.append([])
                groups[-1].append(
                    Token(
                        piece.group(), False, token.start + piece.start(), token.start + piece.end()
                    )
                )
                position = piece.end()
            if position < len(token.value):
                groups.append([])
    names: dict[str, str] = {}
    for group in groups:
        name = _entity_name(text, group) if group else ""
        if name:
            names.setdefault(normalize(name), name)
    return list(names.values())


# --- competence lists: "1, 4 et 7-9", "hébergement et juridique", "toutes" -------------------


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: str  # "number", "dash" (a range connector) or "word"
    value: str
    start: int
    end: int


def _lexemes(text: str, start: int, end: int) -> list[_Lexeme]:
    found: list[_Lexeme] = []
    for match in _NOT_SPACE.finditer(text, start, end):
        value, offset = match.group(), match.start()
        dashed = _DASHED.fullmatch(value)
        if _NUMBER.fullmatch(value):
            found.append(_Lexeme("number", value, offset, match.end()))
        elif dashed and (dashed.group(1) or dashed.group(3)) is not None:
            for group, kind in ((1, "number"), (2, "dash"), (3, "number")):
                if dashed.group(group):
                    found.append(
                        _Lexeme(
                            kind,
                            dashed.group(group),
                            offset + dashed.start(group),
                            offset + dashed.end(group),
                        )
                    )
        elif value in _DASHES or match_key(value) in _RANGE_WORDS:
            found.append(_Lexeme("dash", value, offset, match.end()))
        else:
            found.append(_Lexeme("word", value, offset, match.end()))
    return found


class _ListParser:
    def __init__(self, text: str, competences: Sequence[CompetenceInfo]) -> None:
        self.text = text
        self.competences = competences
        self.by_number = {c.number: c for c in competences}
        self.chosen: dict[int, CompetenceInfo] = {}

    def fragment(self, first: _Lexeme, last: _Lexeme) -> str:
        return self.text[first.start : last.end]

    def number(self, value: str) -> int | None:
        digits = value.removeprefix("#")
        return int(digits) if len(digits) <= _MAX_DIGITS else None

    def single(self, lexeme: _Lexeme) -> ParseFailure | None:
        number = self.number(lexeme.value)
        found = None if number is None else self.by_number.get(number)
        if found is None:
            return ParseFailure(FailureCode.COMPETENCE_OUT_OF_RANGE, lexeme.value)
        self.chosen[found.number] = found
        return None

    def range(self, first: _Lexeme, last: _Lexeme) -> ParseFailure | None:
        low, high = self.number(first.value), self.number(last.value)
        fragment = self.fragment(first, last)
        if low is not None and high is not None and low > high:
            return ParseFailure(FailureCode.REVERSED_RANGE, fragment)
        if low is None or high is None or low not in self.by_number or high not in self.by_number:
            return ParseFailure(FailureCode.COMPETENCE_OUT_OF_RANGE, fragment)
        for competence in self.competences:
            if low <= competence.number <= high:
                self.chosen[competence.number] = competence
        return None

    def names(self, run: Sequence[_Lexeme]) -> ParseFailure | None:
        """Words naming one or more competences: ``hébergement et juridique``."""
        position = 0
        while position < len(run):
            key = match_key(run[position].value)
            if key in _ALL:
                self.chosen.update((c.number, c) for c in self.competences)
            elif key in _NONE:
                return ParseFailure(FailureCode.CONFLICTING_OPTIONS, run[position].value)
            if key in _ALL or not words(run[position].value):
                position += 1
                continue
            parts = [lexeme.value for lexeme in run[position:]]
            match = resolve_competence_prefix(parts, self.competences, max_parts=MAX_REF_PARTS)
            if not isinstance(match.result, Resolved):
                fragment = self.fragment(run[position], run[position + match.length - 1])
                return competence_failure(match.result, fragment)
            self.chosen[match.result.item.number] = match.result.item
            position += match.length
        return None

    def chunk(self, start: int, end: int) -> ParseFailure | None:
        lexemes = _lexemes(self.text, start, end)
        position = 0
        while position < len(lexemes):
            lexeme = lexemes[position]
            if lexeme.kind == "number":
                following = lexemes[position + 1 : position + 3]
                if not following or following[0].kind != "dash":
                    failure, position = self.single(lexeme), position + 1
                elif len(following) == 2 and following[1].kind == "number":
                    failure, position = self.range(lexeme, following[1]), position + 3
                else:
                    return ParseFailure(
                        FailureCode.INVALID_RANGE, self.fragment(lexeme, following[0])
                    )
            else:
                run_end = next(
                    (i for i in range(position, len(lexemes)) if lexemes[i].kind == "number"),
                    len(lexemes),
                )
                failure, position = self.names(lexemes[position:run_end]), run_end
            if failure is not None:
                return failure
        return None


def parse_competence_list(
    text: str, competences: Sequence[CompetenceInfo]
) -> list[CompetenceInfo] | ParseFailure:
    """Competences named by numbers, ranges, names, ``toutes`` or ``aucune``, in sheet order.

    The first item that is unknown, ambiguous or out of range fails the whole list.
    """
    if not text.strip():
        return ParseFailure(FailureCode.EMPTY)
    key = match_key(text)
    if key in _ALL:
        return sorted(competences, key=lambda c: c.number)
    if key in _NONE:
        return []
    parser = _ListParser(text, competences)
    for chunk in _LIST_SEPARATOR.finditer(text):
        failure = parser.chunk(chunk.start(), chunk.end())
        if failure is not None:
            return failure
    if not parser.chosen:
        return ParseFailure(FailureCode.EMPTY, text.strip())
    return [parser.chosen[number] for number in sorted(parser.chosen)]
