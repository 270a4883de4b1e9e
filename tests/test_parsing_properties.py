"""Property tests: the parsers never raise on arbitrary input and keep their promises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.answers import MAX_NAME_LENGTH, OwnerAnswer, parse_competence_list, parse_owner
from services.assign_args import AssignRequest, ParseFailure, parse_assign
from services.resolve import Resolved, resolve_competence
from services.text import has_control_chars, is_blank, normalize, words
from services.tokenize import TokenizeError, split_args
from storage.sheet import SHEET
from storage.state import CompetenceInfo


def catalogue() -> tuple[CompetenceInfo, ...]:
    return tuple(
        CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
        for s in SHEET
    )


COMPETENCES = catalogue()
QUOTES = '"“”«»'
FRAGMENTS = [
    "7", "19", "20", "0", "1-3", "9-7", "à", "->", ",", ";", " et ", "toutes", "aucune",
    "hébergement", "hebergment", "maintenance", "Formation à l'utilisation de l'ENT", "moa",
    "externe", "interne", "mixte", "pérenne", "temporaire", "à décider", "@alice", "<@U0ALICE>",
    "<@U0BOB|bob>", "<!channel>", "@here", '"', "«", "»", "“", "”", "'", "\x00", "\t", "\n",
    "\x1f", "\x85", "\u00a0", "\u200d", "\u202e", "🚀", "مدرسة", "DSI du Département",
    "'); DROP TABLE entity;--", "\ud800",
]
any_char = st.characters(exclude_categories=())
chunks = st.one_of(st.sampled_from(FRAGMENTS), st.text(any_char, max_size=12))
texts = st.one_of(
    st.lists(chunks, max_size=25).map(" ".join),
    st.lists(chunks, max_size=25).map("".join),
    st.text(any_char, max_size=200),
    st.builds(lambda piece, times: (piece * times)[:10_000],
              st.lists(chunks, min_size=1, max_size=5).map(" ".join), st.integers(50, 10_000)),
)
safe_names = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=QUOTES),
    min_size=1, max_size=MAX_NAME_LENGTH,
).filter(
    lambda name: name == name.strip()
    and not is_blank(name)
    and len(normalize(name)) <= MAX_NAME_LENGTH
)

SETTINGS = settings(max_examples=150, deadline=None)


def assert_valid_name(name: str) -> None:
    assert name
    assert name == name.strip()
    assert len(name) <= MAX_NAME_LENGTH
    assert not has_control_chars(name)


@SETTINGS
@given(texts)
def test_parse_assign_never_raises(text: str) -> None:
    result = parse_assign(text, COMPETENCES)
    assert isinstance(result, AssignRequest | ParseFailure)
    if isinstance(result, AssignRequest):
        assert result.competence in COMPETENCES
        assert_valid_name(result.entity_name)
        assert all(contact and not has_control_chars(contact) for contact in result.contacts)
    else:
        assert all(c in COMPETENCES for c in result.candidates)


@SETTINGS
@given(texts)
def test_parse_owner_never_raises(text: str) -> None:
    result = parse_owner(text)
    assert isinstance(result, OwnerAnswer | ParseFailure)
    if isinstance(result, OwnerAnswer):
        assert_valid_name(result.entity_name)


@SETTINGS
@given(texts)
def test_parse_competence_list_never_raises(text: str) -> None:
    result = parse_competence_list(text, COMPETENCES)
    if isinstance(result, list):
        found = [c.number for c in result]
        assert found == sorted(set(found))
        assert all(c in COMPETENCES for c in result)
    else:
        assert isinstance(result, ParseFailure)


@SETTINGS
@given(texts)
def test_split_args_only_raises_on_unbalanced_quotes(text: str) -> None:
    try:
        tokens = split_args(text)
    except TokenizeError as error:
        assert error.fragment[:1] in QUOTES
        assert text.endswith(error.fragment)
        return
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        if token.quoted:
            assert text[token.start] in QUOTES
        else:
            assert token.value == text[token.start:token.end]
            assert token.value and not any(c.isspace() for c in token.value)


@SETTINGS
@given(texts)
def test_resolve_competence_never_raises(text: str) -> None:
    result = resolve_competence(text, COMPETENCES)
    if isinstance(result, Resolved):
        assert result.item in COMPETENCES


@SETTINGS
@given(safe_names, st.sampled_from(['"{}"', "« {} »", "“{}”", "«{}»"]))
def test_quoted_entity_round_trips(name: str, quoting: str) -> None:
    for competence in ("7", "hébergement", '"Formation à l\'utilisation de l\'ENT"'):
        result = parse_assign(f"{competence} {quoting.format(name)} externe", COMPETENCES)
        assert isinstance(result, AssignRequest), result
        assert result.entity_name == name


@SETTINGS
@given(st.text(any_char, max_size=60))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert words(once) == words(text)


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_huge_inputs(size: int) -> None:
    text = ("hébergement " * size)[:size]
    assert isinstance(parse_assign(text, COMPETENCES), ParseFailure | AssignRequest)
    assert isinstance(parse_competence_list(text, COMPETENCES), list)
    assert isinstance(parse_owner("x" * size), ParseFailure)
