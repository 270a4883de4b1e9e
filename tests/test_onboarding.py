"""The onboarding conversation through the piped console, across processes."""

from __future__ import annotations

from pathlib import Path

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from tests.support.console import run_console, say


def test_onboarding_end_to_end_interrupted_and_resumed_in_a_new_process(
    database_url: str, tmp_path: Path
) -> None:
    first = run_console(
        database_url,
        "bonjour",
        "ENT des collèges d'Ille-et-Vilaine",
        "Département d'Ille-et-Vilaine",
        "DANE Rennes",
        "oui",
        "1, 4 et 7-9",
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert "quel est le nom du projet ?" in first.stdout
    assert "Maîtrise d'ouvrage : Département d'Ille-et-Vilaine" in first.stdout
    assert "Pilotage des prestations : DANE Rennes" in first.stdout
    assert "À pérenniser après le déploiement : 1, 4, 7, 8, 9." in first.stdout
    assert first.stdout.rstrip().endswith(
        "DSI du Département, DANE Rennes · retour · passer · stop"
    )
    assert first.stderr == ""

    second = run_console(
        database_url,
        "DSI du Département, DANE Rennes",
        "oui",
        "non",
        "oui",
        "DSI du Département interne @bob pérenne",
        "passer",
        "retour",
        "stop",
        user="bob",
        cwd=tmp_path,
    )
    assert second.returncode == 0, second.stderr
    assert "Entités mobilisables jusqu'au niveau local : DSI du Département, DANE Rennes" in (
        second.stdout
    )
    assert "Proposition de répartition" in second.stdout
    assert "Pas encore : 0/19 compétences couvertes" in second.stdout
    assert "bob a confié 1. Fourniture des équipements" in second.stdout
    assert second.stdout.count("2/19 — Qui est responsable de 2.") == 2
    assert "Conversation en pause" in second.stdout

    third = run_console(
        database_url, "/ent questions", "Éditeur Open ENT externe", "oui", cwd=tmp_path
    )
    assert "On reprend là où nous en étions." in third.stdout
    assert "2/19 — Qui est responsable de 2." in third.stdout
    assert (
        "a confié 2. Exploitation des équipements informatiques (mobiles ou non) à "
        "Éditeur Open ENT." in third.stdout
    )
    assert "3/19 — Qui est responsable de 3." in third.stdout


def test_answers_can_be_changed_later_and_the_change_is_in_the_history(
    app: Application,
) -> None:
    say(
        app,
        "/ent projet creer ENT 35",
        "/ent projet moa Région Bretagne",
        "/ent questions",
        "DANE Rennes",
        "oui",
        "toutes",
    )
    out = say(app, "/ent questions 1", "DRANE Bretagne", "oui", "stop", user="carole")
    assert "Réponse actuelle : DANE Rennes (alice)" in out
    history = say(app, "/ent historique")
    assert "carole : réponse à la question 1 : DANE Rennes → DRANE Bretagne" in history
    with app.database.transaction() as store:
        project = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project is not None
        answers = store.load_state(project).answers
    assert answers[1].text == "DRANE Bretagne"
    assert answers[1].answered_by == "carole"


def test_question_four_is_answered_by_the_bot_from_the_coverage(app: Application) -> None:
    lines = ["/ent projet creer ENT 35", "/ent projet moa Région Bretagne"]
    lines += [f"/ent-assign {n} DSI interne" for n in range(1, 20)]
    say(app, *lines[:3])
    say(app, "oui", *lines[3:])
    out = say(app, "/ent questions 3", "DSI")
    assert "Oui : les 19 compétences ont une entité responsable." in out
    assert "C'est fini pour les questions clés" in out


def test_first_message_without_a_project_asks_its_name_and_bad_name_changes_nothing(
    app: Application,
) -> None:
    out = say(app, "salut", "\x01\x02")
    assert "quel est le nom du projet ?" in out
    assert "caractères invisibles" in out
    with app.database.transaction() as store:
        assert store.projects(WORKSPACE) == []


def test_settings_error_is_one_clear_line(database_url: str, tmp_path: Path) -> None:
    result = run_console(database_url, "/ent", cwd=tmp_path, env={"TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "ent-bot ne peut pas démarrer : le réglage TIMEZONE vaut « Mars/Olympus », attendu : "
        "un fuseau horaire connu, par exemple Europe/Paris.")


def test_console_works_with_no_configuration_at_all(tmp_path: Path) -> None:
    result = run_console(None, "/ent projet creer Essai", "/ent statut", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Essai — qui s'occupe de quoi" in result.stdout
    assert (tmp_path / "ent-bot.db").exists()


def test_a_message_delivered_twice_with_its_key_is_applied_once(app: Application) -> None:
    from services.turn import Caller
    from tests.support.db import dump

    caller = Caller(WORKSPACE, "alice", CHANNEL)
    app.assistant.command(caller, "/ent", "projet creer ENT 35")
    asked = app.assistant.command(caller, "/ent", "questions")
    assert [r.template for r in asked if r.conversation] == ["ask"]
    first = app.assistant.message(caller, "Région Bretagne", key="event:Ev1")
    assert [r.template for r in first] == ["noted", "ask"]
    assert all(r.conversation for r in first)
    before = dump(app.database.engine)
    assert app.assistant.message(caller, "Région Bretagne", key="event:Ev1") == []
    assert dump(app.database.engine) == before


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = "import sys; sys.stdin.readline(); sys.stdin.close()"
    reader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
    console = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--user", "alice"],
        input="\n".join(["/ent"] * 2000) + "\n", stdout=reader.stdin, stderr=subprocess.PIPE,
        text=True, cwd=tmp_path, timeout=60, check=False,
    )
    reader.stdin.close()  # type: ignore[union-attr]
    reader.wait(timeout=10)
    assert console.returncode == 0
    assert "Traceback" not in console.stderr
