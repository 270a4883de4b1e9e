"""Local resource persons and local competences: one by one, by commune, from a CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller
from storage import schools as db
from tests.support.console import say
from tests.support.db import dump
from tests.test_schools import EXTRACT, perimeter


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT 35", f"/ent ecoles importer {EXTRACT} type:college")
    return app


def covers(app: Application) -> dict[tuple[str, int], str]:
    with app.database.transaction() as store:
        project = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project is not None
        by_id = {s.id: s.uai for s in db.schools(store.connection, project.id)}
        numbers = {c.id: c.number for c in store.competences(project.id)}
        return {(by_id[s], numbers[c]): p for (s, c), p in
                db.covers(store.connection, project.id).items()}


def test_a_resource_person_by_uai_by_mention_or_by_name(project: Application) -> None:
    out = say(project, "/ent ecoles referent 0350003n @anne",
              '/ent ecoles referent 0351795L "Jean Dupont"',
              "/ent schools referent 0351795L Jean Dupont")

    assert "personne ressource @anne pour 1 école :" in out
    assert "0350003N Collège René Cassin" in out
    assert "Rien n'a changé : 1 école déjà avec Jean Dupont." in out
    schools = perimeter(project)
    assert schools["0350003N"].referent == "@anne"
    assert schools["0351795L"].referent == "Jean Dupont"


def test_a_resource_person_for_a_whole_commune_then_removed(project: Application) -> None:
    out = say(project, "/ent ecoles referent commune:rennes type:college @bob")

    assert "pour 4 écoles (commune:rennes type:college)" in out
    rennes = [s for s in perimeter(project).values() if s.commune == "Rennes"]
    assert len(rennes) == 4 and all(s.referent == "@bob" for s in rennes)

    out = say(project, "/ent ecoles referent commune:Rennes aucun")
    assert "plus de personne ressource pour 4 écoles" in out
    assert all(s.referent is None for s in perimeter(project).values())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/ent ecoles referent 0350003A @anne", "(ici « N »)"),
        ("/ent ecoles referent 0350001L @anne", "n'est pas dans le périmètre"),
        ("/ent ecoles referent commune:Brest @anne", "Aucune école ouverte"),
        ("/ent ecoles referent @anne", "Dites pour quelles écoles"),
        ("/ent ecoles referent 0350003N", "Il manque la personne ressource"),
        ("/ent ecoles referent 0350003N @anne @bob", "Une seule personne ressource"),
        ("/ent ecoles referent couleur:bleu @anne", "Je ne connais pas le filtre"),
    ],
)
def test_bad_resource_person_commands_change_nothing(
    project: Application, line: str, expected: str
) -> None:
    before = dump(project.database.engine)

    out = say(project, line)

    assert expected in out and out.count("⚠️") == 1
    assert dump(project.database.engine) == before


def test_local_competences_default_to_9_10_11_and_can_be_chosen(project: Application) -> None:
    shown = say(project, "/ent local competences")
    changed = say(project, "/ent local competences 9, 10 et 16")
    refused = say(project, "/ent local competences aucune")

    assert "9. Administration de l'ENT" in shown and "11. Accompagnement" in shown
    assert "a choisi" not in shown and "16. Évaluation" in changed
    assert "Gardez au moins une compétence locale" in refused
    assert "16. Évaluation des usages" in say(project, "/ent ecoles")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "referents.csv"
    path.write_text(text, encoding="utf-8")
    return path


CSV = (
    "UAI;Personne;Compétences\n"
    "0350003N;@anne;9,10\n"
    "0351795L;Jean Dupont;\n"
    "0350003A;@bob;\n"
    "0350001L;@bob;\n"
    "0350003N;@carole;\n"
    "0350033W;;9\n"
    "0350027P;@dan;cuisine\n"
)


def test_a_resource_person_csv_is_checked_then_applied_only_when_confirmed(
    project: Application, tmp_path: Path
) -> None:
    path = write(tmp_path, CSV)
    before = dump(project.database.engine)

    preview = say(project, f"/ent ecoles referents importer {path}")

    assert "rien n'est encore appliqué" in preview
    assert "2 lignes correctes" in preview and "5 lignes à corriger" in preview
    assert "ligne 4 : 0350003A — UAI invalide (la lettre de contrôle devrait être « N »)" in preview
    assert "ligne 5 : 0350001L — pas dans le périmètre" in preview
    assert "ligne 6 : 0350003N — UAI déjà vue ligne 2" in preview
    assert "ligne 7 : 0350033W — personne ressource manquante" in preview
    assert "ligne 8 : 0350027P — compétence inconnue « cuisine »" in preview
    after = dump(project.database.engine)
    assert after.pop("pending_action") != before.pop("pending_action"), "the check is pinned"
    assert after == before

    applied = say(project, f"/ent ecoles referents importer {path} confirmer")

    assert "a appliqué « referents.csv » : 2 personnes ressources changées" in applied
    schools = perimeter(project)
    assert schools["0350003N"].referent == "@anne"
    assert schools["0351795L"].referent == "Jean Dupont"
    assert schools["0350033W"].referent is None
    assert covers(project) == {("0350003N", 9): "@anne", ("0350003N", 10): "@anne"}
    assert "Rien n'a changé" in say(project, f"/ent ecoles referents importer {path} oui")


def test_a_resource_person_file_that_is_not_csv_is_refused(
    project: Application, tmp_path: Path
) -> None:
    path = tmp_path / "x.ods"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    out = say(project, f"/ent ecoles referents importer {path} confirmer")
    assert "n'est pas un fichier CSV" in out
    assert all(s.referent is None for s in perimeter(project).values())


def test_in_slack_a_file_path_is_never_read(project: Application) -> None:
    caller = Caller(WORKSPACE, "alice", CHANNEL)
    replies = project.assistant.command(caller, "/ent", "ecoles referents importer /etc/passwd")
    assert [r.data.get("code") for r in replies] == ["upload_needed"]


def test_the_coverage_view_counts_by_group_and_pages_the_uncovered(project: Application) -> None:
    say(project, "/ent ecoles referent commune:Rennes @bob")

    first = say(project, "/ent ecoles")
    assert "4/10 écoles ont une personne ressource locale (40 %)" in first
    assert "Par type :" not in first, "a single type needs no breakdown"
    assert "Rennes 4/4" in first and "Cancale 0/1" in first
    assert "Sans personne ressource (6)" in first and "0350003N Collège René Cassin" in first
    assert "Il n'y a pas de page 2 : 1 page en tout." in say(project, "/ent ecoles page 2")


def test_the_coverage_view_is_a_fixed_number_of_statements_and_fits_slack(
    project: Application, tmp_path: Path
) -> None:
    from tests.support.db import count_statements
    from tests.test_schools import row
    from tests.test_schools import write as write_directory

    caller = Caller(WORKSPACE, "alice", CHANNEL)
    engine = project.database.engine
    with count_statements(engine) as small:
        project.assistant.command(caller, "/ent", "ecoles")
    lines = []
    for number in range(300000, 301200):
        uai = f"{number:07d}" + "ABCDEFGHJKLMNPRSTUVWXYZ"[number % 23]
        lines.append(row(uai, f"École élémentaire publique au nom très long n°{number} " * 2,
                         kind="Ecole", commune=f"Commune n°{number % 400}"))
    say(project, f"/ent ecoles importer {write_directory(tmp_path, lines)}",
        "/ent ecoles referent commune:\"Commune n°7\" @anne")
    with count_statements(engine) as large:
        replies = project.assistant.command(caller, "/ent", "ecoles page 3")

    assert len(small) == len(large)
    rendered = project.messages.slack(replies[0].template, replies[0].data, "fr")
    assert len(rendered.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in rendered.blocks if b["type"] == "section")
    assert "page 3/" in str(rendered.blocks)


def test_history_says_who_named_whom_and_sums_up_bulk_changes(project: Application) -> None:
    say(project, "/ent ecoles referent 0350003N @anne", "/ent ecoles referent commune:Rennes @bob",
        "/ent local competences 9 10")

    out = say(project, "/ent historique")

    assert "alice : compétences locales : 9, 10, 11 → 9, 10" in out
    assert "alice : personne ressource de 0350003N : ∅ → @anne" in out
    assert out.count("personne ressource de 035") == 5, "up to five schools: one line each"
    say(project, "/ent ecoles referent type:college @carole")
    assert "personne ressource de 10 écoles : ∅ → @carole" in say(project, "/ent historique")
    assert "import de l'annuaire « annuaire-extrait.csv »" in out
