"""Bring the spreadsheet: a matrix CSV read, shown as a diff, applied after one ``oui``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller
from storage.state import AssignmentInfo
from tests.support import slack_requests as sr
from tests.support.console import say
from tests.support.db import count_statements, dump
from tests.support.history import replay_problems
from tests.support.slack_app import ALICE, BOB, SlackBot, posted, running_bot, text_of
from tests.support.slack_app import CHANNEL as SLACK_CHANNEL
from tests.test_concurrency import project_id

ROOT = Path(__file__).resolve().parents[1]
FRENCH = (
    "Compétence;Entité responsable;Sourcing;Contacts;Pérenne;Prestataire;Niveau de service\r\n"
    "1;DSI du Département;interne;@yann;oui;;\r\n"
    "2 - Exploitation;dsi du departement;interne;@yann, Anne Martin;;;\r\n"
    "6;Open Digital Education;externe;@julie;pérenne;;GTI 4 h ouvrées\r\n"
)
BAD_ROWS = (
    "zzz;Foo;;;;;\r\n"
    "7;Open Digital Education;bizarre;;;;\r\n"
    "6;DANE;;;;;\r\n"
    "8;;interne;;;;\r\n"
)


def matrix(app: Application) -> dict[int, AssignmentInfo]:
    with app.database.transaction() as store:
        project = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project is not None
        numbers = {c.id: c.number for c in store.competences(project.id)}
        return {numbers[c]: a for c, a in store.assignments(project.id).items()
                if a.entity_id is not None}


def names(app: Application) -> list[str]:
    with app.database.transaction() as store:
        project = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project is not None
        return sorted(e.name for e in store.entities(project.id))


def without_pending(tables: dict[str, Any]) -> dict[str, Any]:
    return {name: rows for name, rows in tables.items() if name != "pending_action"}


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT 35", "/ent entite ajouter DSI du Département collectivite",
        "oui")
    return app


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_the_file_shows_a_diff_then_one_oui_applies_it_with_history(
    project: Application, tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "matrice.csv"
    path.write_bytes(FRENCH.encode(encoding))
    before = dump(project.database.engine)

    shown = say(project, f"/ent importer {path}")

    assert "3 compétences changeraient" in shown and "rien n'est encore appliqué" in shown
    assert "6. Fourniture/édition de la solution ENT : entité ∅ → Open Digital Education" in (
        shown)
    assert "niveau de service ∅ → GTI 4 h ouvrées" in shown
    assert "« Open Digital Education » (autre)" in shown
    assert without_pending(dump(project.database.engine)) == without_pending(before)

    applied = say(project, "oui", "/ent historique")

    assert "alice a importé « matrice.csv » : 3 compétences changées (1, 2, 6)" in applied
    assert "Open Digital Education" in applied.split("Historique")[1]
    rows = matrix(project)
    assert rows[1].contacts == ("@yann",) and rows[1].keep == "oui"
    assert rows[2].contacts == ("@yann", "Anne Martin") and rows[2].sourcing == "interne"
    assert rows[6].provider == "Open Digital Education"
    assert rows[6].service_level == "GTI 4 h ouvrées"
    assert names(project) == ["DSI du Département", "Open Digital Education"]


def test_english_headers_commas_and_a_reimport_that_changes_nothing(
    project: Application, tmp_path: Path
) -> None:
    path = tmp_path / "matrix.csv"
    path.write_text("Competence,Entity,Sourcing,Contacts,Keep,Provider,Service level\n"
                    'hebergement,DSI du Département,externe,"@yann; @bob",no,OVHcloud,99.9 %\n',
                    encoding="utf-8-sig")

    out = say(project, f"/ent importer {path}", "oui", f"/ent importer {path}")

    assert "1 compétence changerait" in out and "importé « matrix.csv »" in out
    assert "rien ne changerait, 1 compétence déjà à jour" in out
    hosting = matrix(project)[7]
    assert (hosting.provider, hosting.service_level, hosting.keep) == (
        "OVHcloud", "99.9 %", "non")
    assert hosting.contacts == ("@yann", "@bob")


def test_bad_rows_are_listed_and_nothing_applies_until_accepted(
    project: Application, tmp_path: Path
) -> None:
    path = tmp_path / "matrice.csv"
    path.write_text(FRENCH + BAD_ROWS, encoding="utf-8")
    before = dump(project.database.engine)

    out = say(project, f"/ent importer {path}", "non")

    assert "4 lignes à corriger" in out
    assert "ligne 5 (zzz) : compétence inconnue" in out
    assert "ligne 6 (7) : sourcing « bizarre » : interne, externe ou mixte" in out
    assert "ligne 7 (6) : compétence déjà vue ligne 4" in out
    assert "ligne 8 (8) : entité manquante" in out
    assert "en écartant les 4 lignes" in out and "je n'importe rien" in out
    assert dump(project.database.engine) == before

    out = say(project, f"/ent importer {path}", "oui")

    assert "4 lignes écartées" in out
    assert sorted(matrix(project)) == [1, 2, 6]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "est vide"),
        (b"Entite;Sourcing\r\nDSI;interne\r\n", "Il manque une colonne dans « m.csv »"),
        (b"Competence;Entite\r\n", "n'a qu'une ligne d'en-tête"),
        (b"\x00\x01\x02binary", "n'est pas un fichier CSV"),
        (b"juste du texte sans colonnes\n", "n'est pas un fichier CSV"),
    ],
)
def test_a_bad_file_is_refused_whole(
    project: Application, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    before = dump(project.database.engine)

    out = say(project, f"/ent importer {path}", "oui")

    assert expected in out
    assert dump(project.database.engine) == before


def test_a_missing_file_or_no_path_says_how(project: Application) -> None:
    out = say(project, "/ent importer /nulle/part.csv", "/ent importer")

    assert "Je ne trouve pas le fichier « /nulle/part.csv »" in out
    assert "glissez le CSV de la matrice dans le canal du projet" in out


def test_the_import_is_taken_back_by_undo_when_no_entity_was_created(
    project: Application, tmp_path: Path
) -> None:
    path = tmp_path / "m.csv"
    path.write_text("N°;Entité\n1;DSI du Département\n2;DSI du Département\n", encoding="utf-8")

    out = say(project, f"/ent importer {path}", "oui", "/ent annuler")

    assert "2 compétences changées (1, 2)" in out and "/ent annuler reprend" in out
    assert matrix(project) == {}


def test_a_closed_project_imports_nothing(project: Application, tmp_path: Path) -> None:
    path = tmp_path / "matrice.csv"
    path.write_text(FRENCH, encoding="utf-8")
    say(project, f"/ent importer {path}")
    say(project, "/ent projet clore")
    before = dump(project.database.engine)

    out = say(project, "oui", f"/ent importer {path}")

    assert out.count("est clos : il ne se modifie plus") == 2, out
    assert without_pending(dump(project.database.engine)) == without_pending(before)
    assert matrix(project) == {}


def _apply_cost(app: Application, path: Path) -> list[str]:
    say(app, f"/ent importer {path}")
    with count_statements(app.database.engine) as statements:
        replies = app.assistant.message(Caller(WORKSPACE, "alice", CHANNEL), "oui")
    assert [r.template for r in replies] == ["matrix_applied"]
    return statements


def test_applying_costs_the_same_statements_for_3_or_19_rows_and_the_history_replays(
    project: Application, tmp_path: Path
) -> None:
    say(project, "/ent entite ajouter DANE Rennes academie", "oui")
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_text("N°;Entité;Contacts\n" + "".join(
        f"{n};DSI du Département;@u{n}\n" for n in (1, 2, 3)), encoding="utf-8")
    big.write_text("N°;Entité;Sourcing;Contacts\n" + "".join(
        f"{n};DANE Rennes;interne;@v{n}\n" for n in range(1, 20)), encoding="utf-8")

    few = _apply_cost(project, small)
    many = _apply_cost(project, big)

    assert len(many) == len(few) <= 11, many
    assert sum(1 for s in many if s.upper().startswith("INSERT INTO ASSIGNMENT ")) == 1
    assert sorted(matrix(project)) == list(range(1, 20))
    assert replay_problems(project.database.engine, project_id(project)) == []


def test_command_line_import_with_confirmation(
    project: Application, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "matrice.csv"
    path.write_text(FRENCH, encoding="utf-8")

    def run(*args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "importer", str(path), "--user", "bob", *args],
            input=answer, capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
        )

    refused = run(answer="non\n")
    assert refused.returncode == 0, refused.stderr
    assert "3 compétences changeraient" in refused.stdout and "je n'importe rien" in refused.stdout
    assert matrix(project) == {}

    accepted = run("--oui")
    assert accepted.returncode == 0, accepted.stderr
    assert "bob a importé « matrice.csv »" in accepted.stdout
    assert sorted(matrix(project)) == [1, 2, 6]


# ---------------------------------------------------------------------------- Slack


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        assert running.command("/ent", "projet creer ENT des collèges 35").status == 200
        running.fake.reset()
        yield running


def test_slack_imports_the_csv_the_caller_shared_after_the_button(bot: SlackBot) -> None:
    content = FRENCH.replace("@yann", f"<@{BOB}|bob>").encode("cp1252")
    bot.fake.share_file(ALICE, SLACK_CHANNEL, "matrice.csv", content)

    answer = bot.command("/ent", "importer")

    assert "dernier fichier CSV" in text_of(answer.json())
    shown = "\n".join(text_of(call.params) for call in bot.fake.calls("response_url"))
    assert "3 compétences changeraient" in shown
    assert posted(bot.fake) == []

    bot.send(sr.block_actions(sr.button("confirm_yes", "yes"), user_id=ALICE,
                              channel_id=SLACK_CHANNEL, response_url=bot.fake.new_response_url()))

    announced = "\n".join(text_of(p) for p in posted(bot.fake))
    assert "importé « matrice.csv »" in announced
    assert BOB in bot.status(channel=SLACK_CHANNEL)


def test_slack_refuses_a_file_that_is_not_csv(bot: SlackBot) -> None:
    bot.fake.share_file(ALICE, SLACK_CHANNEL, "photo.png", b"\x89PNG")

    bot.command("/ent", "importer")

    shown = "\n".join(text_of(call.params) for call in bot.fake.calls("response_url"))
    assert "« photo.png » n'est pas un fichier CSV" in shown and "la feuille" in shown
