"""Regression tests for the bugs seen while mapping a collège ENT from scratch (issue 8)."""

from __future__ import annotations

import re

import pytest

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services import commands
from services.text import normalize
from services.turn import Caller
from storage.state import AssignmentInfo
from tests.support.console import ROOT, say
from tests.support.db import dump
from tests.support.history import replay_problems
from tests.support.project_state import assignment, state
from tests.support.terminal import row, table_rows
from tests.test_concurrency import project_id

ALICE = Caller(WORKSPACE, "alice", CHANNEL)


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT des collèges d'Ille-et-Vilaine")
    return app


def test_a_yes_or_no_word_is_never_a_name(app: Application) -> None:
    out = say(app, "bonjour", "oui")
    assert "« oui » est une réponse, pas un nom" in out
    with app.database.transaction() as store:
        assert store.projects(WORKSPACE) == []
    say(app, "ENT 35", "non")
    assert state(app).project.moa is None
    out = say(app, "/ent projet moa Non", "/ent entite ajouter oui")
    assert out.count("est une réponse, pas un nom") == 2
    assert state(app).project.moa is None and state(app).entities == ()


def test_already_a_contact_speaks_of_the_right_person(project: Application) -> None:
    say(project, "/ent-assign 7 DSI interne @bob", "oui")
    assert "@bob est déjà contact pour 7. Hébergement et exploitation de la solution ENT." in say(
        project, "/ent contact 7 @bob"
    )
    say(project, "/ent contact 7 moi")
    assert "Vous êtes déjà contact pour 7. Hébergement" in say(project, "/ent contact 7 moi")


@pytest.mark.parametrize(
    ("line", "usage"),
    [("/ent contact @alice 7", "/ent contact"), ("/ent contact <@U0ALICE|alice> 7", "/ent contact"),
     ("/ent-assign DSI 7", "/ent-assign"), ("/ent perenne moi 7", "/ent perenne")],
)
def test_swapped_arguments_say_the_order_instead_of_guessing(
    project: Application, line: str, usage: str
) -> None:
    before = dump(project.database.engine)
    out = say(project, line)
    assert "la compétence vient en premier" in out
    assert "Vouliez-vous dire" not in out
    assert f"Syntaxe : {usage} <compétences>" in out
    assert dump(project.database.engine) == before


def test_unassign_says_what_goes_and_undo_takes_it_back(project: Application) -> None:
    say(project, "/ent-assign 7 OVHcloud externe @thomas niveau 99,9 % pérenne", "oui")
    before = assignment(project, 7)
    out = say(project, "/ent desassigner 7")
    assert "a retiré 7. Hébergement et exploitation de la solution ENT à OVHcloud :" in out
    assert "Retirés avec elle : sourcing externe, contacts @thomas, prestataire OVHcloud." in out
    assert "Pour revenir en arrière : /ent annuler." in out
    out = say(project, "/ent annuler")
    assert "a annulé son dernier changement : 7. Hébergement" in out
    assert _same(assignment(project, 7), before)
    assert replay_problems(project.database.engine, project_id(project)) == []


def _same(a: AssignmentInfo | None, b: AssignmentInfo | None) -> bool:
    assert a is not None and b is not None
    fields = ("entity_id", "sourcing", "contacts", "provider", "service_level", "keep", "notes")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def test_undo_takes_back_only_its_author_s_last_change_and_never_someone_else_s(
    project: Application,
) -> None:
    say(project, "/ent-assign 1-3 DSI interne", "oui")
    say(project, "/ent perenne 1-3")
    say(project, "/ent perenne 2 non", user="bob")
    before = dump(project.database.engine)
    out = say(project, "/ent annuler")
    assert "a changé depuis" in out
    assert dump(project.database.engine) == before
    assert "a annulé" in say(project, "/ent annuler", user="bob")
    assert assignment(project, 2).keep == "oui"  # type: ignore[union-attr]
    assert "rien à annuler" in say(project, "/ent annuler", user="carole")
    assert replay_problems(project.database.engine, project_id(project)) == []


def test_too_long_notes_are_not_called_a_name(project: Application) -> None:
    say(project, "/ent-assign 7 DSI", "oui")
    out = say(project, "/ent notes 7 " + "x" * 3001)
    assert "Ces notes sont trop longues" in out and "Ce nom" not in out
    out = say(project, "/ent niveau 7 " + "x" * 501)
    assert "Ce niveau de service est trop long" in out


def test_factors_already_done_are_shown_not_hidden(project: Application) -> None:
    say(project, "/ent facteurs 2 fait")
    out = say(project, "/ent facteurs 2 3 fait")
    assert "marqué le facteur clé 3 comme fait" in out
    assert "Déjà fait : facteur 2." in out
    assert "Facteurs clés de succès : 1 à faire · 2 ✓ · 3 ✓" in out


def test_the_history_shows_people_as_mentions(project: Application) -> None:
    project.assistant.command(ALICE, "/ent", "entite ajouter DSI")
    project.assistant.command(ALICE, "/ent-assign", "7 DSI <@U456DEF|thomas>")
    replies = project.assistant.command(ALICE, "/ent", "historique 7")
    rendered = project.messages.slack(replies[0].template, replies[0].data, "fr")
    text = str(rendered.blocks)
    assert "contacts : ∅ → <@U456DEF>" in text


def test_the_readme_try_block_works_as_written(app: Application) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Essayez :\n\n```\n(.*?)```", readme, re.S)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    out = say(app, *lines)
    assert "a confié 7. Hébergement et exploitation de la solution ENT" in out
    assert "⚠️" not in out
    assert row(out, "7")[1:4] == [
        "Hébergement et exploitation de la solution ENT", "Éditeur Open ENT", "externe"
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_command_the_help_advertises_exists(language: str) -> None:
    text = (ROOT / "messages" / "templates" / language / "help.j2").read_text(encoding="utf-8")
    advertised = set(re.findall(r"/ent ([a-z-]+)((?:\|[a-z-]+)*)", text))
    words = {word for first, more in advertised for word in [first, *more.split("|")] if word}
    unknown = sorted(w for w in words if normalize(w) not in commands._SUBCOMMANDS)
    assert unknown == []
    assert language == "fr" or "level" in words


def test_the_gap_list_says_how_to_see_the_rest(project: Application) -> None:
    say(project, "/ent-assign tout DSI externe", "oui")
    first = say(project, "/ent lacunes")
    assert re.search(r"\n… et \d+ autres : /ent lacunes page 2, ou /ent lacunes tout\.\n", first)
    everything = say(project, "/ent lacunes tout")
    assert "page 2" not in everything
    second = say(project, "/ent lacunes page 2")

    def listed(out: str) -> set[tuple[str, ...]]:
        return {tuple(cells) for cells in table_rows(out)}

    assert listed(first) and listed(second)
    assert listed(first) | listed(second) <= listed(everything)
    assert len(listed(everything)) > len(listed(first))
    assert "Je n'ai pas compris « zzz »" in say(project, "/ent lacunes zzz")
