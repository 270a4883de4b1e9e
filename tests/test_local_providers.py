"""Key question 3 answered for real: who provides each local competence, as the default
of the schools' local coverage."""

from __future__ import annotations

import pytest

from bot.app import Application
from tests.support.console import say
from tests.support.db import dump
from tests.support.project_state import state
from tests.test_schools import EXTRACT


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT 35", f"/ent ecoles importer {EXTRACT} type:college",
        "/ent entite ajouter DANE Rennes académie", "/ent entite ajouter Canopé autre")
    return app


def local_line(app: Application) -> str:
    out = say(app, "/ent ecoles")
    return next(line for line in out.splitlines() if "Compétences locales" in line)


def test_named_entities_provide_every_local_competence(project: Application) -> None:
    out = say(project, "/ent questions 3 DANE Rennes, Canopé")

    assert "Entités mobilisables jusqu'au niveau local : DANE Rennes, Canopé" in out
    answer = state(project).answers[3]
    ids = {e.name: e.id for e in state(project).entities}
    assert sorted(answer.data["local"].values()) == [[ids["DANE Rennes"], ids["Canopé"]]] * 3
    line = local_line(project)
    assert line.count("sinon DANE Rennes, Canopé") == 3


def test_per_competence_answer_sets_each_default_and_is_in_history(
    project: Application,
) -> None:
    out = say(project, "/ent questions 3 9 : DANE Rennes ; 10-11 : Canopé")

    assert "9 : DANE Rennes ; 10 : Canopé ; 11 : Canopé" in out
    line = local_line(project)
    assert "9. Administration de l'ENT — 0 école avec une personne nommée, sinon DANE Rennes" \
        in line
    assert line.count("sinon Canopé") == 2
    history = say(project, "/ent historique")
    assert "9 : DANE Rennes ; 10 : Canopé ; 11 : Canopé" in history


def test_a_new_entity_is_confirmed_then_provides_its_competence(project: Application) -> None:
    asked = say(project, "/ent questions 3 9 : Rectorat de Rennes")
    assert "n'existent pas encore" in asked or "n'existe pas encore" in asked
    say(project, "oui")
    line = local_line(project)
    assert "sinon Rectorat de Rennes" in line
    assert line.count("sinon") == 1


def test_the_projects_own_local_competences_are_the_ones_answered(
    project: Application,
) -> None:
    say(project, "/ent local competences 9, 16", "/ent questions 3 16 : Canopé")
    line = local_line(project)
    assert "fonctionnement de l'ENT — 0 école avec une personne nommée, sinon Canopé" in line
    assert line.count("sinon") == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("3 : DANE Rennes", "n'est pas une compétence locale du projet : répondez pour 9, 10, 11"),
        ("3 : DANE Rennes", "/ent local competences 9, 10, 11"),
        ("9 : ; 10 : Canopé", "Il manque un nom"),
        ("douze : Canopé", "Je ne connais pas la compétence"),
    ],
)
def test_a_bad_answer_says_why_and_changes_nothing(
    project: Application, answer: str, expected: str
) -> None:
    before = dump(project.database.engine)
    out = say(project, f"/ent questions 3 {answer}")
    assert expected in out
    assert dump(project.database.engine) == before
