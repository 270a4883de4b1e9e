"""Normalisation, UAI, tokenizing, and the conversation's free-text answers."""

from __future__ import annotations

import pytest

from services.answers import (
    Control,
    OwnerAnswer,
    extract_mentions,
    parse_competence_list,
    parse_control,
    parse_entity_list,
    parse_keep,
    parse_owner,
    parse_sourcing,
    parse_yes_no,
)
from services.text import has_control_chars, match_key, normalize, words
from services.tokenize import FailureCode, ParseFailure, Token, TokenizeError, split_args
from services.uai import expected_letter, is_valid_uai, normalize_uai
from storage.sheet import SHEET
from storage.state import CompetenceInfo
from storage.vocab import Keep, Sourcing


def catalogue() -> tuple[CompetenceInfo, ...]:
    return tuple(
        CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
        for s in SHEET
    )


COMPETENCES = catalogue()


def numbers(result: list[CompetenceInfo] | ParseFailure) -> list[int]:
    assert isinstance(result, list), result
    return [c.number for c in result]


def failure(result: object) -> ParseFailure:
    assert isinstance(result, ParseFailure), result
    return result


# --- text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("Hébergement", "hebergement"),
    ("  MAÎTRISE   d’ouvrage ", "maitrise d'ouvrage"),
    ("mise en Œuvre", "mise en oeuvre"),
    ("Cæsar", "caesar"),
    ("Évaluation\tdes\nusages", "evaluation des usages"),
    ("Straße", "strasse"),
    ("", ""),
])
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_words_drop_stop_words_and_elisions() -> None:
    assert words("Formation à l'utilisation de l'ENT") == ["formation", "utilisation", "ent"]
    assert words("Fourniture d’accès au réseau") == ["fourniture", "acces", "reseau"]
    assert words("Communication auprès de la communauté éducative") == [
        "communication", "communaute", "educative",
    ]
    assert words("Training in using the ENT and its educational uses") == [
        "training", "using", "ent", "educational", "uses",
    ]
    assert words("de la, et/ou") == []


def test_match_key_ignores_punctuation() -> None:
    assert match_key("maitrise-ouvrage") == match_key("Maîtrise ouvrage") == "maitrise ouvrage"


def test_control_chars() -> None:
    assert has_control_chars("a\x00b")
    assert has_control_chars("a\nb")
    assert has_control_chars("\x7f")
    assert has_control_chars("\x9b")
    assert not has_control_chars("DANE Rennes 🚀 مدرسة")
    assert not has_control_chars("zero\u200dwidth joiner, nbsp\u00a0ok")


# --- UAI ----------------------------------------------------------------------------------


def test_uai() -> None:
    assert expected_letter("0350122") == "T"
    assert expected_letter("0350122X") == "T"
    assert is_valid_uai("0350122T")
    assert is_valid_uai(" 0350122t ")
    assert not is_valid_uai("0350122A")
    assert not is_valid_uai("035012T")
    assert not is_valid_uai("0350122TT")
    assert not is_valid_uai("٠٣٥٠١٢٢T")
    assert normalize_uai(" 0350122t\n") == "0350122T"


def test_expected_letter_rejects_non_digits() -> None:
    with pytest.raises(ValueError):
        expected_letter("²²²²²²²A")


# --- tokenize -----------------------------------------------------------------------------


def test_split_args_plain_and_quoted() -> None:
    text = '7 "DANE Rennes" « Éditeur Open ENT » “Lycée X” l\'ENT'
    assert [(t.value, t.quoted) for t in split_args(text)] == [
        ("7", False), ("DANE Rennes", True), ("Éditeur Open ENT", True), ("Lycée X", True),
        ("l'ENT", False),
    ]


def test_split_args_spans_cover_quotes() -> None:
    text = '  a  "b c" '
    tokens = split_args(text)
    assert tokens == [Token("a", False, 2, 3), Token("b c", True, 5, 10)]
    assert text[tokens[1].start:tokens[1].end] == '"b c"'


def test_split_args_quote_inside_word_is_literal() -> None:
    assert [t.value for t in split_args('Lycée"X" aujourd\'hui')] == ['Lycée"X"', "aujourd'hui"]
    assert split_args('"" x') == [Token("", True, 0, 2), Token("x", False, 3, 4)]


@pytest.mark.parametrize(("text", "fragment"), [
    ('7 "DANE Rennes', '"DANE Rennes'),
    ("7 « DANE", "« DANE"),
    ("“abc", "“abc"),
    ('"a" "b', '"b'),
])
def test_split_args_unbalanced(text: str, fragment: str) -> None:
    with pytest.raises(TokenizeError) as caught:
        split_args(text)
    assert caught.value.fragment == fragment
    assert caught.value.failure == ParseFailure(FailureCode.UNBALANCED_QUOTE, fragment)


# --- small answers ------------------------------------------------------------------------


def test_extract_mentions() -> None:
    mentions, rest = extract_mentions("voir <@U123ABC> et <@U9XYZ|alice>, @bob.martin bob@x.fr")
    assert mentions == ["U123ABC", "U9XYZ", "@bob.martin"]
    assert rest == "voir et , bob@x.fr"
    assert extract_mentions("@here <!channel> <@U1> <@U1>") == (["U1"], "@here <!channel>")


@pytest.mark.parametrize(("word", "expected"), [
    ("interne", Sourcing.INTERNE), ("Internalisée", Sourcing.INTERNE),
    ("internal", Sourcing.INTERNE), ("EXTERNE", Sourcing.EXTERNE),
    ("externalisé", Sourcing.EXTERNE), ("external", Sourcing.EXTERNE),
    ("mixte", Sourcing.MIXTE), ("mixed", Sourcing.MIXTE), ("partiel", Sourcing.MIXTE),
    ("DSI", None), ("", None),
])
def test_parse_sourcing(word: str, expected: Sourcing | None) -> None:
    assert parse_sourcing(word) is expected


@pytest.mark.parametrize(("word", "expected", "dedicated"), [
    ("pérenne", Keep.OUI, Keep.OUI), ("perenne", Keep.OUI, Keep.OUI),
    ("permanent", Keep.OUI, Keep.OUI), ("oui", Keep.OUI, None),
    ("temporaire", Keep.NON, Keep.NON), ("temporary", Keep.NON, Keep.NON), ("non", Keep.NON, None),
    ("a-decider", Keep.A_DECIDER, Keep.A_DECIDER), ("à décider", Keep.A_DECIDER, Keep.A_DECIDER),
    ("undecided", Keep.A_DECIDER, Keep.A_DECIDER), ("peut-être", None, None),
])
def test_parse_keep(word: str, expected: Keep | None, dedicated: Keep | None) -> None:
    assert parse_keep(word) is expected
    assert parse_keep(word, dedicated_only=True) is dedicated


@pytest.mark.parametrize(("text", "expected"), [
    ("oui", True), ("Oui !", True), ("o", True), ("ouais", True), ("yes", True), ("y", True),
    ("OK.", True), ("d'accord", True), ("d’accord", True), ("bien sûr", True), ("👍", True),
    ("non", False), ("N", False), ("no", False), ("nope", False), ("Non.", False),
    ("peut-être", None), ("", None), ("oui non", None),
])
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("passer", Control.SKIP), ("Skip", Control.SKIP), ("retour", Control.BACK),
    ("back", Control.BACK), ("stop", Control.STOP), ("arreter", Control.STOP),
    ("Arrêter.", Control.STOP), ("DSI", None), ("non", None),
])
def test_parse_control(text: str, expected: Control | None) -> None:
    assert parse_control(text) is expected


# --- competence lists ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1, 4 et 7-9", [1, 4, 7, 8, 9]),
    ("1 4 7 à 9", [1, 4, 7, 8, 9]),
    ("9, 1 ; 4", [1, 4, 9]),
    ("3 - 5", [3, 4, 5]),
    ("1..3 et 2–4", [1, 2, 3, 4]),
    ("de 2 à 4", [2, 3, 4]),
    ("#4", [4]),
    ("1,1,1", [1]),
    ("hébergement et juridique", [7, 15]),
    ("hebergement, formation", [7, 10]),
    ("Hebergement JURIDIQUE", [7, 15]),
    ("1, hébergement et 7–9", [1, 7, 8, 9]),
    ("Hébergement et exploitation de la solution ENT, 3", [3, 7]),
    ("Formation à l'utilisation de l'ENT et juridique", [10, 15]),
    ("maintenance corrective, moa", [8, 19]),
    ("hebergment", [7]),
    ("aucune", []),
    ("none", []),
])
def test_parse_competence_list(text: str, expected: list[int]) -> None:
    assert numbers(parse_competence_list(text, COMPETENCES)) == expected


@pytest.mark.parametrize("text", ["toutes", "Toutes !", "all", "tout", "toutes les compétences"])
def test_parse_competence_list_all(text: str) -> None:
    assert numbers(parse_competence_list(text, COMPETENCES)) == list(range(1, 20))


@pytest.mark.parametrize(("text", "code", "fragment", "candidates"), [
    ("", FailureCode.EMPTY, "", []),
    (" , ;", FailureCode.EMPTY, ", ;", []),
    ("9-7", FailureCode.REVERSED_RANGE, "9-7", []),
    ("1, 9 à 7", FailureCode.REVERSED_RANGE, "9 à 7", []),
    ("1-25", FailureCode.COMPETENCE_OUT_OF_RANGE, "1-25", []),
    ("3, 20", FailureCode.COMPETENCE_OUT_OF_RANGE, "20", []),
    ("0", FailureCode.COMPETENCE_OUT_OF_RANGE, "0", []),
    ("99999999999999999999", FailureCode.COMPETENCE_OUT_OF_RANGE, "99999999999999999999", []),
    ("7-", FailureCode.INVALID_RANGE, "7-", []),
    ("2 et 7 à", FailureCode.INVALID_RANGE, "7 à", []),
    ("1, maintenance", FailureCode.AMBIGUOUS_COMPETENCE, "maintenance", [3, 8]),
    ("équipements", FailureCode.AMBIGUOUS_COMPETENCE, "équipements", [1, 2, 3]),
    ("hébergement, xyzzy", FailureCode.UNKNOWN_COMPETENCE, "xyzzy", []),
    ("hbrgmnt", FailureCode.UNKNOWN_COMPETENCE, "hbrgmnt", [7]),
    ("aucune, 3", FailureCode.CONFLICTING_OPTIONS, "aucune", []),
])
def test_parse_competence_list_failures(
    text: str, code: FailureCode, fragment: str, candidates: list[int]
) -> None:
    result = failure(parse_competence_list(text, COMPETENCES))
    assert (result.code, result.fragment) == (code, fragment)
    assert [c.number for c in result.candidates] == candidates


# --- entity lists and owners --------------------------------------------------------------


def test_parse_entity_list() -> None:
    assert parse_entity_list("DSI du Département, DANE Rennes et Éditeur ; CD35 and DAJ") == [
        "DSI du Département", "DANE Rennes", "Éditeur", "CD35", "DAJ",
    ]
    assert parse_entity_list('"Direction et Réseaux", DSI') == ["Direction et Réseaux", "DSI"]
    assert parse_entity_list("DSI,DANE,, dsi ;") == ["DSI", "DANE"]
    assert parse_entity_list("Établissement Brocéliande") == ["Établissement Brocéliande"]
    assert parse_entity_list('"ouvert, DSI') == ['"ouvert', "DSI"]
    assert parse_entity_list(" , et ") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("DSI du Département externe @bob pérenne",
     OwnerAnswer("DSI du Département", Sourcing.EXTERNE, ("@bob",), Keep.OUI)),
    ("DSI du Département pérenne <@U0BOB|bob> interne",
     OwnerAnswer("DSI du Département", Sourcing.INTERNE, ("U0BOB",), Keep.OUI)),
    ("DANE Rennes", OwnerAnswer("DANE Rennes")),
    ("dane  rennes  mixte temporaire", OwnerAnswer("dane  rennes", Sourcing.MIXTE, (), Keep.NON)),
    ("Éditeur, externe, à décider", OwnerAnswer("Éditeur", Sourcing.EXTERNE, (), Keep.A_DECIDER)),
    ("Prestataire externe Itop externe", OwnerAnswer("Prestataire externe Itop", Sourcing.EXTERNE)),
    ("« Prestataire externe » externe", OwnerAnswer("Prestataire externe", Sourcing.EXTERNE)),
    ("DSI <@U1> Rennes", OwnerAnswer("DSI Rennes", None, ("U1",))),
    ("Mairie oui", OwnerAnswer("Mairie oui")),
])
def test_parse_owner(text: str, expected: OwnerAnswer) -> None:
    assert parse_owner(text) == expected


@pytest.mark.parametrize(("text", "code", "fragment"), [
    ("", FailureCode.EMPTY, ""),
    ("externe @bob", FailureCode.MISSING_ENTITY, ""),
    ("DSI interne externe", FailureCode.CONFLICTING_OPTIONS, "interne"),
    ('"DSI', FailureCode.UNBALANCED_QUOTE, '"DSI'),
    ("DSI\x07 x", FailureCode.CONTROL_CHARS, "DSI\x07"),
    ("x" * 201, FailureCode.TOO_LONG, "x" * 201),
])
def test_parse_owner_failures(text: str, code: FailureCode, fragment: str) -> None:
    result = failure(parse_owner(text))
    assert (result.code, result.fragment) == (code, fragment)
