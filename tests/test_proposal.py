"""The conversation that proposes: a full distribution after key question 3, defaults for
steering and the maîtrise d'ouvrage, provider and service level in the walk's answer,
``idem``, a whole family at once."""

from __future__ import annotations

import pytest

from bot.app import Application
from services import proposal
from services.tokenize import ParseFailure
from storage.sheet import SHEET
from storage.state import CompetenceInfo
from tests.support.console import say
from tests.support.history import replay_problems
from tests.support.project_state import assigned as assignment
from tests.support.project_state import state
from tests.test_concurrency import project_id

COMPETENCES = [
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET
]


def owner(app: Application, number: int) -> str | None:
    snapshot = state(app)
    entity = snapshot.entity(assignment(app, number).entity_id)
    return entity.name if entity else None


ANSWERS = [
    "Département d'Ille-et-Vilaine",
    "DANE Rennes",
    "oui",
    "tout sauf 17",
    "DSI du Département, DANE Rennes, Open Digital Education",
    "oui, Open Digital Education éditeur",
    "1-5, 9 : DSI du Département interne @yann ; 6-8 : Open Digital Education externe @julie "
    "niveau 99,9 % ; 10-18 : DANE Rennes interne @anne ; 19 : Département d'Ille-et-Vilaine "
    "interne @paul",
    "oui",
    "oui",
]


def test_the_conversation_alone_reaches_no_gap_in_about_a_dozen_answers(app: Application) -> None:
    lines = ["/ent projet creer ENT des collèges d'Ille-et-Vilaine", "/ent questions", *ANSWERS,
             "/ent facteurs 1-3", "/ent lacunes"]
    assert len(ANSWERS) <= 12
    out = say(app, *lines)
    assert "Proposition de répartition" in out
    assert "• 6, 7, 8 → Open Digital Education (externe)" in out
    assert "Oui : les 19 compétences ont une entité responsable." in out
    assert "Aucune lacune : les 19 compétences sont couvertes et précisées." in out
    assert owner(app, 19) == "Département d'Ille-et-Vilaine"
    assert assignment(app, 7).provider == "Open Digital Education"
    assert assignment(app, 17).keep == "non" and assignment(app, 1).keep == "oui"
    assert replay_problems(app.database.engine, project_id(app)) == []


def test_the_proposal_follows_kinds_steering_and_the_maitrise_d_ouvrage(
    app: Application,
) -> None:
    out = say(app, "/ent projet creer ENT 35", "/ent questions", "Région Bretagne", "DANE Rennes",
              "oui", "toutes", "DSI de la Région, Open Digital Education",
              "oui, Open Digital Education éditeur")
    assert "• 1, 2, 3, 4, 5, 9 → DSI de la Région (interne)" in out
    assert "• 6, 7, 8 → Open Digital Education (externe)" in out
    assert "• 10, 11, 12, 13, 14, 15, 16, 17, 18 → DANE Rennes (interne)" in out
    assert "• 19 → Région Bretagne (interne)" in out
    out = say(app, "non")
    assert "Pas encore : 0/19" in out


def test_the_walk_takes_provider_level_idem_a_family_and_the_proposed_owner(
    app: Application,
) -> None:
    say(app, "/ent projet creer ENT 35", "/ent projet moa Région Bretagne",
        "/ent entite ajouter DANE Rennes académie", "/ent questions 1 DANE Rennes",
        "/ent questions", "passer", "passer", "passer", "non", "oui")
    out = say(app, "OVHcloud externe @thomas niveau 99,9 % prestataire OVH SAS", "oui")
    a = assignment(app, 1)
    assert (a.sourcing, a.contacts, a.provider, a.service_level) == (
        "externe", ("@thomas",), "OVH SAS", "99,9 %"
    )
    assert "idem pour « OVHcloud externe @thomas niveau 99,9 % prestataire OVH SAS »" in out
    say(app, "idem")
    assert owner(app, 2) == "OVHcloud" and assignment(app, 2).service_level == "99,9 %"
    say(app, "technique : DSI interne @yann, sauf 6-8 : Open Digital Education externe @julie",
        "oui")
    assert [owner(app, n) for n in (3, 5, 6, 8, 9)] == [
        "DSI", "DSI", "Open Digital Education", "Open Digital Education", "DSI"
    ]
    out = say(app, "fonctionnel : DANE Rennes interne @anne")
    assert owner(app, 8) == "Open Digital Education"  # a family line leaves the covered
    assert "Proposition : DANE Rennes" in out  # 16, steering: the pilot entity
    say(app, "oui", "oui", "oui")
    assert [owner(app, n) for n in (16, 17, 18)] == ["DANE Rennes"] * 3
    out = say(app, "oui")
    assert "L'entité « Région Bretagne » n'existe pas encore" in out
    out = say(app, "oui")
    assert owner(app, 19) == "Région Bretagne"
    assert "Oui : les 19 compétences ont une entité responsable" not in out
    assert replay_problems(app.database.engine, project_id(app)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("technique : DSI interne", {"DSI": list(range(1, 10))}),
        ("technique : DSI, sauf 6-8 : Open ENT",
         {"DSI": [1, 2, 3, 4, 5, 9], "Open ENT": [6, 7, 8]}),
        ("1-3 : A ; 4 : B", {"A": [1, 2, 3], "B": [4]}),
    ],
)
def test_lines_give_competences_to_owners(text: str, expected: dict[str, list[int]]) -> None:
    lines = proposal.parse_lines(text, COMPETENCES)
    assert not isinstance(lines, ParseFailure)
    assert {line.entity: list(line.numbers) for line in lines} == expected


def test_a_line_without_a_colon_or_competence_fails() -> None:
    assert isinstance(proposal.parse_lines("DSI interne", COMPETENCES), ParseFailure)
    assert isinstance(proposal.parse_lines("zzz : DSI", COMPETENCES), ParseFailure)
