"""``/ent-assign`` arguments."""

from __future__ import annotations

import pytest

from services.assign_args import AssignRequest, FailureCode, ParseFailure, parse_assign
from storage.sheet import SHEET
from storage.state import CompetenceInfo
from storage.vocab import Keep, Sourcing


def catalogue() -> tuple[CompetenceInfo, ...]:
    return tuple(
        CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
        for s in SHEET
    )


COMPETENCES = catalogue()


def request(text: str) -> AssignRequest:
    result = parse_assign(text, COMPETENCES)
    assert isinstance(result, AssignRequest), result
    return result


def summary(text: str) -> tuple[int, str, Sourcing | None, tuple[str, ...], Keep | None]:
    r = request(text)
    return r.competence.number, r.entity_name, r.sourcing, r.contacts, r.keep


def failure(text: str) -> ParseFailure:
    result = parse_assign(text, COMPETENCES)
    assert isinstance(result, ParseFailure), result
    return result


@pytest.mark.parametrize(("text", "expected"), [
    ("7 Éditeur Open ENT externe", (7, "Éditeur Open ENT", Sourcing.EXTERNE, (), None)),
    ("hébergement à Éditeur Open ENT externe @alice",
     (7, "Éditeur Open ENT", Sourcing.EXTERNE, ("@alice",), None)),
    ('"Formation à l\'utilisation de l\'ENT" "DANE Rennes" interne',
     (10, "DANE Rennes", Sourcing.INTERNE, (), None)),
    ("juridique DAJ Rectorat", (15, "DAJ Rectorat", None, (), None)),
    ("Formation à l'utilisation de l'ENT DANE Rennes interne",
     (10, "DANE Rennes", Sourcing.INTERNE, (), None)),
    ("<@U0ALICE> 7 DSI du Département", (7, "DSI du Département", None, ("U0ALICE",), None)),
    ("7 DSI <@U0BOB|bob> du Département externe <@U0ALICE> pérenne",
     (7, "DSI du Département", Sourcing.EXTERNE, ("U0BOB", "U0ALICE"), Keep.OUI)),
    ("7 DSI @bob @bob temporaire", (7, "DSI", None, ("@bob",), Keep.NON)),
    ("7 DSI mixte à décider", (7, "DSI", Sourcing.MIXTE, (), Keep.A_DECIDER)),
    ("7 DSI pérenne interne", (7, "DSI", Sourcing.INTERNE, (), Keep.OUI)),
    ("heberg -> DSI", (7, "DSI", None, (), None)),
    ("hebergement pour DSI", (7, "DSI", None, (), None)),
    ("hosting to Open ENT publisher external", (7, "Open ENT publisher", Sourcing.EXTERNE, (),
                                                None)),
    ("hebergment DSI", (7, "DSI", None, (), None)),
    ("HÉBERGEMENT « DSI du Département »", (7, "DSI du Département", None, (), None)),
    ("moa “Conseil départemental d'Ille-et-Vilaine”",
     (19, "Conseil départemental d'Ille-et-Vilaine", None, (), None)),
    ("maintenance corrective Éditeur", (8, "Éditeur", None, (), None)),
    ("19 Mairie oui", (19, "Mairie oui", None, (), None)),
    ("7 Prestataire externe Itop externe",
     (7, "Prestataire externe Itop", Sourcing.EXTERNE, (), None)),
    ('7 "interne"', (7, "interne", None, (), None)),
    ("7 DSI, externe", (7, "DSI", Sourcing.EXTERNE, (), None)),
])
def test_parses(text: str, expected: tuple[object, ...]) -> None:
    assert summary(text) == expected


@pytest.mark.parametrize("name", [
    "Éditeur Open ENT", "dsi du DÉPARTEMENT", "🚀 Team Ünïcødé 🚀", "مدرسة الأمل",
    "Robert'); DROP TABLE entity;--", "<!channel>", "<#C123|général>", "100% ENT & Cie",
    "L'Éditeur", "Lycée  Brizeux",
])
def test_entity_name_kept_as_typed(name: str) -> None:
    assert request(f"7 {name}").entity_name == name
    assert request(f'7 "{name}"').entity_name == name
    assert request(f"7 « {name} »").entity_name == name


def test_odd_whitespace_inside_a_name_becomes_a_space() -> None:
    assert request("7 DSI\tdu\n Département").entity_name == "DSI du Département"
    assert request("7\u00a0DSI\u00a0Rennes").entity_name == "DSI\u00a0Rennes"


def test_name_of_label_words_needs_quotes() -> None:
    refused = failure("hébergement ENT")
    assert refused.code is FailureCode.MISSING_ENTITY
    assert [c.number for c in refused.candidates] == [7]
    assert request('hébergement "ENT"').entity_name == "ENT"


@pytest.mark.parametrize(("text", "code", "fragment", "candidates"), [
    ("", FailureCode.EMPTY, "", []),
    ("   ", FailureCode.EMPTY, "", []),
    ("<@U0ALICE>", FailureCode.EMPTY, "<@U0ALICE>", []),
    ("7", FailureCode.MISSING_ENTITY, "", [7]),
    ("hébergement externe @bob", FailureCode.MISSING_ENTITY, "", [7]),
    ("7 à", FailureCode.MISSING_ENTITY, "", [7]),
    ('7 ""', FailureCode.MISSING_ENTITY, "", [7]),
    ("maintenance DSI", FailureCode.AMBIGUOUS_COMPETENCE, "maintenance", [3, 8]),
    ("équipements informatiques DSI", FailureCode.AMBIGUOUS_COMPETENCE,
     "équipements informatiques", [1, 2, 3]),
    ("20 DSI", FailureCode.COMPETENCE_OUT_OF_RANGE, "20", []),
    ("0 DSI", FailureCode.COMPETENCE_OUT_OF_RANGE, "0", []),
    ("xyzzy DSI", FailureCode.UNKNOWN_COMPETENCE, "xyzzy", []),
    ("hbrgmnt DSI", FailureCode.UNKNOWN_COMPETENCE, "hbrgmnt", [7]),
    ('7 "DANE Rennes', FailureCode.UNBALANCED_QUOTE, '"DANE Rennes', []),
    ("7 « DANE Rennes", FailureCode.UNBALANCED_QUOTE, "« DANE Rennes", []),
    ("7 DS\x00I Rennes", FailureCode.CONTROL_CHARS, "DS\x00I", []),
    ('7 "DSI\nRennes"', FailureCode.CONTROL_CHARS, "DSI\nRennes", []),
    ("7 " + "x" * 201, FailureCode.TOO_LONG, "x" * 201, []),
    ("7 DSI externe interne", FailureCode.CONFLICTING_OPTIONS, "externe", []),
    ("7 DSI pérenne temporaire", FailureCode.CONFLICTING_OPTIONS, "pérenne", []),
])
def test_failures(text: str, code: FailureCode, fragment: str, candidates: list[int]) -> None:
    result = failure(text)
    assert (result.code, result.fragment) == (code, fragment)
    assert [c.number for c in result.candidates] == candidates


def test_quoted_competence_is_resolved_whole() -> None:
    result = failure('"Formation au pilotage" DSI')
    assert (result.code, result.fragment) == (
        FailureCode.UNKNOWN_COMPETENCE, '"Formation au pilotage"'
    )
    assert {10, 18} <= {c.number for c in result.candidates}


def test_a_leading_connector_word_is_dropped() -> None:
    assert request("7 à DSI").entity_name == "DSI"
    assert request("7 A Conseil").entity_name == "Conseil"
    assert request('7 "A Conseil"').entity_name == "A Conseil"


def test_quotes_inside_an_unquoted_name_are_kept() -> None:
    assert request('7 Lycée "Victor Hugo" externe').entity_name == 'Lycée "Victor Hugo"'
    assert request('7 "DANE" Rennes').entity_name == '"DANE" Rennes'


def test_quoting_keeps_label_words_in_the_name() -> None:
    # Unquoted, the longest resolving prefix takes "ENT" as part of "Administration de l'ENT".
    assert request("administration ENT Bretagne").entity_name == "Bretagne"
    assert request('administration "ENT Bretagne"').entity_name == "ENT Bretagne"


def test_two_hundred_characters_is_fine() -> None:
    assert request("7 " + "é" * 200).entity_name == "é" * 200
