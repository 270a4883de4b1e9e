"""Resolving competences and entities from what users type."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.resolve import (
    Ambiguous,
    Resolution,
    Resolved,
    Unknown,
    resolve_competence,
    resolve_competence_prefix,
    resolve_entity,
)
from storage.sheet import SHEET
from storage.state import CompetenceInfo, EntityInfo


def catalogue() -> tuple[CompetenceInfo, ...]:
    return tuple(
        CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
        for s in SHEET
    )


COMPETENCES = catalogue()


def resolved(result: Resolution[CompetenceInfo]) -> int:
    assert isinstance(result, Resolved), result
    return result.item.number


def ambiguous(result: Resolution[CompetenceInfo]) -> list[int]:
    assert isinstance(result, Ambiguous), result
    return [c.number for c in result.candidates]


def unknown(result: Resolution[CompetenceInfo]) -> Unknown[CompetenceInfo]:
    assert isinstance(result, Unknown), result
    return result


@pytest.mark.parametrize(("ref", "number"), [
    ("7", 7), (" 19 ", 19), ("07", 7), ("#4", 4),
    ("hebergement", 7), ("hébergement", 7), ("HÉBERGEMENT", 7), ("Hebergement", 7),
    ("moa", 19), ("MOA", 19), ("hosting", 7), ("legal", 15), ("juridique", 15),
    ("formation", 10), ("admin", 9), ("maintenance-ent", 8), ("maintenance ent", 8),
    ("Maîtrise d'ouvrage", 19), ("maitrise ouvrage", 19), ("maîtrise d’ouvrage", 19),
    ("Formation à l'utilisation de l'ENT", 10),
    ("formation a l utilisation de l ent", 10),
    ("Hébergement et exploitation de la solution ENT", 7),
    ("Hosting and operation of the ENT solution", 7),
    ("Compétences juridiques pour la mise en œuvre des conventions "
     "(avec les collectivités, les fournisseurs, les parents d'élèves, etc.)", 15),
    ("Project ownership", 19), ("maintenance corrective", 8), ("maintenance équipements", 3),
    ("gestion de projet", 18), ("évaluation", 16), ("sécurité", 5), ("securite", 5),
    ("réseaux", 4), ("contenu", 13),
])
def test_resolves(ref: str, number: int) -> None:
    assert resolved(resolve_competence(ref, COMPETENCES)) == number


@pytest.mark.parametrize(("ref", "number"), [
    ("heberg", 7), ("héberg", 7), ("juridi", 15), ("pilot", 18), ("evalu", 16),
])
def test_resolves_prefixes_of_four_letters_or_more(ref: str, number: int) -> None:
    assert resolved(resolve_competence(ref, COMPETENCES)) == number


@pytest.mark.parametrize(("ref", "number"), [
    ("hebergment", 7), ("hébergemnt", 7), ("juridiqe", 15), ("jurdique", 15),
    ("comunication", 14), ("securiter", 5), ("documentaton", 12),
])
def test_resolves_small_typos(ref: str, number: int) -> None:
    assert resolved(resolve_competence(ref, COMPETENCES)) == number


@pytest.mark.parametrize(("ref", "numbers"), [
    ("maintenance", [3, 8]),
    ("équipements", [1, 2, 3]),
    ("equipement", [1, 2, 3]),
    ("exploitation", [2, 7]),
    ("usages", [10, 16]),
    ("projet", [12, 18]),
    ("ENT", [6, 7, 8, 9, 10, 16]),
])
def test_ambiguous(ref: str, numbers: list[int]) -> None:
    assert ambiguous(resolve_competence(ref, COMPETENCES)) == numbers


def test_exact_code_beats_word_matches() -> None:
    # "formation" is the code of 10 but "information"-like words elsewhere must not compete.
    assert resolved(resolve_competence("formation", COMPETENCES)) == 10
    assert resolved(resolve_competence("equipment", COMPETENCES)) == 1


def test_all_words_must_match_one_competence() -> None:
    result = unknown(resolve_competence("hebergement juridique", COMPETENCES))
    assert {7, 15} <= {c.number for c in result.suggestions}
    assert not result.out_of_range


@pytest.mark.parametrize("ref", ["0", "20", "999", "99999999999999999999999"])
def test_out_of_range(ref: str) -> None:
    result = unknown(resolve_competence(ref, COMPETENCES))
    assert result.out_of_range
    assert result.suggestions == ()


@pytest.mark.parametrize("ref", ["", "   ", "de la", "xyzzy", "-1", "²", "hé"])
def test_unknown_without_suggestions(ref: str) -> None:
    result = unknown(resolve_competence(ref, COMPETENCES))
    assert result.suggestions == ()
    assert not result.out_of_range


def suggested(ref: str) -> list[int]:
    return [c.number for c in unknown(resolve_competence(ref, COMPETENCES)).suggestions]


def test_unknown_suggests_closest_first_at_most_three() -> None:
    assert suggested("hbrgmnt") == [7]
    assert suggested("heb") == [7]
    assert set(suggested("hebergement juridique")[:2]) == {7, 15}
    assert len(suggested("fourni zzz")) == 3


def test_accepts_any_sequence_and_custom_competences() -> None:
    custom = CompetenceInfo(20, 20, "rgpd", "Conformité RGPD", "GDPR compliance", ("fonctionnel",),
                            ("gdpr",), custom=True)
    competences = [*COMPETENCES, custom]
    assert resolved(resolve_competence("20", competences)) == 20
    assert resolved(resolve_competence("conformite", competences)) == 20
    assert resolved(resolve_competence("GDPR", competences)) == 20
    assert unknown(resolve_competence("20", COMPETENCES)).out_of_range


def test_shared_alias_is_ambiguous() -> None:
    twin = replace(COMPETENCES[6], id=20, number=20, code="hebergement-bis", custom=True)
    assert ambiguous(resolve_competence("hosting", [*COMPETENCES, twin])) == [7, 20]


def test_empty_catalogue() -> None:
    assert unknown(resolve_competence("7", [])).out_of_range
    assert unknown(resolve_competence("hebergement", [])).suggestions == ()


# --- prefixes -----------------------------------------------------------------------------


def test_prefix_takes_the_longest_resolving_run() -> None:
    parts = ["Formation", "à", "l'utilisation", "de", "l'ENT", "DANE", "Rennes"]
    match = resolve_competence_prefix(parts, COMPETENCES, max_parts=30)
    assert match.length == 5
    assert resolved(match.result) == 10


def test_prefix_leaves_trailing_stop_words() -> None:
    match = resolve_competence_prefix(["hébergement", "à", "DSI"], COMPETENCES, max_parts=30)
    assert (match.length, resolved(match.result)) == (1, 7)


def test_prefix_narrows_an_ambiguity() -> None:
    match = resolve_competence_prefix(["maintenance", "corrective", "DSI"], COMPETENCES,
                                      max_parts=30)
    assert (match.length, resolved(match.result)) == (2, 8)


def test_prefix_reports_the_longest_ambiguous_run() -> None:
    parts = ["équipements", "informatiques", "DSI"]
    match = resolve_competence_prefix(parts, COMPETENCES, max_parts=30)
    assert (match.length, ambiguous(match.result)) == (2, [1, 2, 3])


def test_prefix_respects_max_parts() -> None:
    match = resolve_competence_prefix(["maintenance", "corrective"], COMPETENCES, max_parts=1)
    assert (match.length, ambiguous(match.result)) == (1, [3, 8])


def test_prefix_unknown_first_part() -> None:
    match = resolve_competence_prefix(["xyzzy", "hébergement"], COMPETENCES, max_parts=30)
    assert match.length == 1
    unknown(match.result)


# --- entities -----------------------------------------------------------------------------


ENTITIES = (
    EntityInfo(1, "DSI du Département", "collectivite"),
    EntityInfo(2, "DANE Rennes", "academie"),
    EntityInfo(3, "Éditeur Open ENT", "editeur"),
    EntityInfo(4, "Collège Anne de Bretagne", "ecole", uai="0350122T"),
    EntityInfo(5, "🚀", "autre"),
)


@pytest.mark.parametrize(("name", "entity_id"), [
    ("DSI du Département", 1), ("dsi du departement", 1), ("  DSI   du  DÉPARTEMENT ", 1),
    ("editeur open ent", 3), ("0350122t", 4), ("🚀", 5),
])
def test_resolve_entity(name: str, entity_id: int) -> None:
    result = resolve_entity(name, ENTITIES)
    assert isinstance(result, Resolved)
    assert result.item.id == entity_id


def test_resolve_entity_unknown_suggests_similar_names() -> None:
    result = resolve_entity("DANE", ENTITIES)
    assert isinstance(result, Unknown)
    assert [e.id for e in result.suggestions] == [2]
    result = resolve_entity("DSI du Departemnt", ENTITIES)
    assert isinstance(result, Unknown)
    assert [e.id for e in result.suggestions][:1] == [1]
    result = resolve_entity("Mairie de Vitré", ENTITIES)
    assert isinstance(result, Unknown)
    assert result.suggestions == ()


def test_resolve_entity_ambiguous_and_empty() -> None:
    twins = (*ENTITIES, EntityInfo(6, "dane rennes", "academie"))
    result = resolve_entity("DANE Rennes", twins)
    assert isinstance(result, Ambiguous)
    assert [e.id for e in result.candidates] == [2, 6]
    assert resolve_entity("  ", ENTITIES) == Unknown()
    assert resolve_entity("DANE", ()) == Unknown()
