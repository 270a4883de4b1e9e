"""Say it once: lists and ranges wherever a command takes a competence, a whole
assignment on one line, several entities in one confirmation, key questions answered
directly. Each multi-competence change is one transaction, one history row per field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller
from storage.models import HistoryEntry
from tests.support.console import say
from tests.support.db import count_statements, dump
from tests.support.history import replay_problems
from tests.support.project_state import assignment, state
from tests.test_concurrency import project_id

ALICE = Caller(WORKSPACE, "alice", CHANNEL)


def numbers_where(app: Application, **wanted: object) -> list[int]:
    snapshot = state(app)
    return [
        c.number
        for c in snapshot.competences
        if (a := snapshot.assignments.get(c.id)) is not None
        and all(getattr(a, k) == v for k, v in wanted.items())
    ]


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT des collèges d'Ille-et-Vilaine")
    return app


def test_one_assign_line_carries_everything_in_one_transaction(project: Application) -> None:
    line = ('/ent-assign 6, 8, 17 "Open Digital Education" externe @julie '
            'niveau "GTI 4 h ouvrées" pérenne')
    asked = say(project, line)
    assert "L'entité « Open Digital Education » n'existe pas encore" in asked
    out = say(project, "oui")
    assert "a confié 3 compétences (6, 8, 17) à Open Digital Education" in out
    assert "prestataire : Open Digital Education · niveau de service : GTI 4 h ouvrées" in out
    for number in (6, 8, 17):
        a = assignment(project, number)
        assert a is not None
        assert (a.sourcing, a.contacts, a.provider, a.service_level, a.keep) == (
            "externe", ("@julie",), "Open Digital Education", "GTI 4 h ouvrées", "oui"
        )
    with project.database.engine.connect() as conn:
        rows = conn.execute(
            select(HistoryEntry.at, HistoryEntry.field)
            .where(HistoryEntry.action == "assignment")
        ).all()
    # One row per changed field of each competence, all of one request (one time).
    assert len(rows) == 3 * 6
    assert len({at for at, _field in rows}) == 1
    assert replay_problems(project.database.engine, project_id(project)) == []


def test_an_external_entity_is_its_own_provider_unless_another_is_named(
    project: Application,
) -> None:
    say(project, "/ent entite ajouter OVHcloud prestataire", "/ent entite ajouter DSI")
    say(project, "/ent-assign 7 OVHcloud externe", "/ent-assign 1 DSI externe prestataire Dell")
    assert assignment(project, 7).provider == "OVHcloud"  # type: ignore[union-attr]
    assert assignment(project, 1).provider == "Dell"  # type: ignore[union-attr]
    say(project, "/ent-assign 7 OVHcloud interne")
    assert assignment(project, 7).provider is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ent perenne 1-5, 18", [1, 2, 3, 4, 5, 18]),
        ("/ent perenne tout sauf 17", [n for n in range(1, 20) if n != 17]),
        ("/ent perenne toutes sauf 6-8, 17", [n for n in range(1, 20) if n not in (6, 7, 8, 17)]),
        ("/ent perenne famille technique", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("/ent perenne famille pilotage non", [16, 17, 18, 19]),
        ("/ent perenne 6,8,17", [6, 8, 17]),
        ("/ent perenne 1 à 3", [1, 2, 3]),
        ("/ent perenne hébergement et juridique", [7, 15]),
    ],
)
def test_lists_and_ranges_name_competences(
    project: Application, line: str, expected: list[int]
) -> None:
    out = say(project, line)
    assert "a précisé" in out
    keep = "non" if line.endswith(" non") else "oui"
    assert numbers_where(project, keep=keep) == expected


def test_every_detail_command_takes_a_list(project: Application) -> None:
    say(project, "/ent entite ajouter DSI", "/ent-assign tout DSI interne @yann")
    out = say(
        project,
        "/ent prestataire 1-3 Dell",
        "/ent niveau 1-3 remplacement sous 48 h",
        "/ent notes tout sauf 1-18 marché 2027",
        "/ent contact famille technique @bob moi",
    )
    assert "a précisé les compétences 1, 2, 3 — Prestataire : Dell\n" in out
    assert "pour les compétences 1, 2, 3, 4, 5, 6, 7, 8, 9 : @bob, alice." in out
    assert numbers_where(project, provider="Dell") == [1, 2, 3]
    assert numbers_where(project, service_level="remplacement sous 48 h") == [1, 2, 3]
    assert numbers_where(project, notes="marché 2027") == [19]
    assert numbers_where(project, contacts=("@yann", "@bob", "alice")) == list(range(1, 10))
    out = say(project, "/ent desassigner 1-2")
    assert out.count("a retiré") == 2
    assert numbers_where(project, entity_id=None) == [1, 2]
    assert replay_problems(project.database.engine, project_id(project)) == []


def test_a_change_to_every_competence_costs_what_a_change_to_one_costs(
    project: Application,
) -> None:
    say(project, "/ent entite ajouter DSI")
    counts = []
    for line in ("/ent-assign 1 DSI interne @a", "/ent-assign 2-19 DSI interne @a"):
        with count_statements(project.database.engine) as statements:
            project.assistant.command(ALICE, *line.split(" ", 1))
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_factors_take_a_range(project: Application) -> None:
    out = say(project, "/ent facteurs 1-3")
    assert out.count("comme fait") == 3
    assert state(project).factors == {1: True, 2: True, 3: True}


def test_several_entities_are_added_after_one_confirmation_with_their_kinds(
    project: Application,
) -> None:
    before = dump(project.database.engine)
    asked = say(project, "/ent entite ajouter Département d'Ille-et-Vilaine collectivité, "
                         "DANE Rennes, Open Digital Education éditeur")
    assert ("« Département d'Ille-et-Vilaine » (collectivité), « DANE Rennes » (académie), "
            "« Open Digital Education » (éditeur)") in asked
    assert dump(project.database.engine)["entity"] == before["entity"]
    out = say(project, "oui, DANE Rennes autre")
    assert "Entités créées" in out
    kinds = {e.name: e.kind for e in state(project).entities}
    assert kinds == {"Département d'Ille-et-Vilaine": "collectivite", "DANE Rennes": "autre",
                     "Open Digital Education": "editeur"}


def test_unknown_entities_are_asked_once_for_all(project: Application) -> None:
    asked = say(project, "/ent questions 3 DSI du Département, DANE Rennes, Collège Rosa Parks")
    assert asked.count("n'existent pas encore") == 1
    out = say(project, "oui")
    assert "Entités mobilisables jusqu'au niveau local : DSI du Département, DANE Rennes, " \
           "Collège Rosa Parks" in out
    assert len(state(project).entities) == 3


def test_a_key_question_is_answered_directly(project: Application) -> None:
    out = say(project, "/ent questions 2 tout sauf 17", "/ent questions 1 DANE Rennes", "oui")
    assert "À pérenniser après le déploiement : 1, 2, 3" in out
    assert "Pilotage des prestations : DANE Rennes" in out
    snapshot = state(project)
    assert snapshot.answers[2].text == ", ".join(str(n) for n in range(1, 20) if n != 17)
    assert snapshot.answers[1].text == "DANE Rennes"
    # Nothing else is asked: the conversation did not start.
    assert "Question clé" not in out
    with project.database.transaction() as store:
        conversation = store.conversation(snapshot.project.id)
    assert conversation is None or not conversation.active
