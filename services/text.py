"""Text normalisation shared by every parser: matching ignores case, accents and spacing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOP_WORDS: frozenset[str] = frozenset(
    {
        "a",
        "au",
        "aux",
        "de",
        "des",
        "du",
        "d",
        "la",
        "le",
        "les",
        "l",
        "et",
        "en",
        "pour",
        "ou",
        "sur",
        "aupres",
        "un",
        "une",
        "qu",
        "avec",
        "par",
        "dans",
        "of",
        "the",
        "to",
        "and",
        "or",
        "in",
        "its",
        "with",
        "an",
        "for",
        "on",
    }
)

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "’": "'", "‘": "'", "ʼ": "'", "′": "'"})
_WORD = re.compile(r"[^\W_]+")
# Cc (C0, DEL, C1) and lone surrogates (Cs), which no storage or chat API can carry.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, minus those Python counts as whitespace (tab, newlines, \x1c-\x1f, NEL).
_CONTROL_NOT_SPACE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
_CACHED_LENGTH = 200


def normalize(text: str) -> str:
    """Casefold, strip accents, expand ``œ``/``æ``, unify apostrophes, collapse whitespace."""
    return _normalize_short(text) if len(text) <= _CACHED_LENGTH else _normalize(text)


@lru_cache(maxsize=8192)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_LIGATURES).split())


def match_key(text: str) -> str:
    """``normalize`` without punctuation: ``Maîtrise-d'ouvrage`` → ``maitrise d ouvrage``."""
    return " ".join(_WORD.findall(normalize(text)))


def words(text: str) -> list[str]:
    """Normalized word tokens without stop words and elided articles (``l'ENT`` → ``ent``)."""
    return [
        w
        for w in _WORD.findall(normalize(text))
        if w not in STOP_WORDS and not (len(w) == 1 and w.isalpha())
    ]


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_blank(text: str) -> bool:
    """True if nothing in ``text`` would show: spaces, zero-width and format characters,
    combining marks alone."""
    return all(unicodedata.category(c) in _INVISIBLE for c in text)


def has_control_chars(text: str) -> bool:
    """True if ``text`` holds a control character (tab and newline included)."""
    return _CONTROL.search(text) is not None


def find_control_char(text: str, *, spaces_allowed: bool = False) -> int:
    """Index of the first control character, or -1; optionally skip tabs and newlines."""
    found = (_CONTROL_NOT_SPACE if spaces_allowed else _CONTROL).search(text)
    return -1 if found is None else found.start()
