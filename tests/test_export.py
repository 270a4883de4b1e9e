"""The handover document: Markdown, CSV and ODS, from the console and the command line."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from odfdo import Document

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller
from tests.support.console import ROOT, say
from tests.support.db import count_statements
from tests.test_schools import EXTRACT, row, write

DEFAULT = "ent-35-passation"


@pytest.fixture
def project(app: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Application:
    monkeypatch.chdir(tmp_path)
    say(app, "/ent projet creer ENT 35", "/ent projet moa Département d'Ille-et-Vilaine",
        "/ent-assign 7 Éditeur Open ENT externe @alice", "oui",
        "/ent prestataire 7 Open ENT SAS", "/ent niveau 7 disponibilité 99,5 % | 4 h",
        "/ent perenne 7 oui", "/ent facteurs 3 fait",
        f"/ent ecoles importer {EXTRACT} type:college statut:public",
        "/ent ecoles referent commune:Rennes @bob")
    return app


def test_markdown_has_every_part(project: Application, tmp_path: Path) -> None:
    out = say(project, "/ent export")

    assert f"Document de passation écrit : {DEFAULT}.md (MD)" in out
    text = (tmp_path / f"{DEFAULT}.md").read_text(encoding="utf-8")
    assert text.startswith("## ENT 35 — document de passation")
    assert "Maîtrise d'ouvrage : Département d'Ille-et-Vilaine" in text
    assert ("| 7 | Hébergement et exploitation de la solution ENT | Éditeur Open ENT | externe "
            "| @alice | Open ENT SAS | disponibilité 99,5 % \\| 4 h | pérenne |  |") in text
    assert "**1. Quelle entité de la structure de projet ENT assure le pilotage" in text
    assert "- [x] Mettre en place une structure de personnes ressources locales" in text
    assert "3/8 écoles ont une personne ressource locale" in text
    assert "| 0350033W | Collège les Ormeaux | Rennes | @bob |" in text
    assert "n°1 Fourniture des équipements informatiques (mobiles ou non) : aucune entité" in text
    assert "| alice | schools.import | annuaire-extrait.csv |" in text


def test_csv_is_semicolon_separated_utf8_with_bom(project: Application, tmp_path: Path) -> None:
    out = say(project, "/ent export csv")

    assert f"{DEFAULT}.csv (CSV)" in out
    data = (tmp_path / f"{DEFAULT}.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    titles = [r[0] for r in rows if len(r) == 1]
    assert titles == ["Matrice des compétences", "Questions clés", "Facteurs clés de succès",
                      "Couverture locale", "Écoles", "Lacunes ouvertes", "Historique"]
    hosting = next(r for r in rows if r[:2] == ["7", "Hébergement et exploitation de la "
                                                     "solution ENT"])
    assert hosting[2:9] == ["Éditeur Open ENT", "éditeur", "externe", "@alice", "Open ENT SAS",
                            "disponibilité 99,5 % | 4 h", "pérenne"]
    assert ["0350033W", "Collège les Ormeaux", "Collège", "public", "Rennes", "", "ouverte",
            "@bob"] in rows


def test_ods_has_one_sheet_per_part_in_the_project_s_language(
    project: Application, tmp_path: Path
) -> None:
    say(project, "/ent projet langue en")

    out = say(project, "/ent export ods")

    assert f"Handover document written: {DEFAULT}.ods (ODS)" in out
    document = Document(str(tmp_path / f"{DEFAULT}.ods"))
    tables = document.body.tables
    assert [t.name for t in tables] == ["Competence matrix", "Key questions",
                                        "Key success factors", "Local coverage", "Schools",
                                        "Open gaps", "History"]
    matrix = tables[0].get_values()
    assert matrix[0][:3] == ["No.", "Competence", "Responsible entity"]
    assert matrix[7][:5] == [7, "Hosting and operation of the ENT solution", "Éditeur Open ENT",
                             "publisher", "external"]
    assert len(tables[4].get_values()) == 1 + 8


def test_a_file_name_or_a_bad_format(project: Application, tmp_path: Path) -> None:
    written = say(project, f"/ent export {tmp_path / 'mine.ods'}")
    bad = say(project, "/ent export docx")
    unwritable = say(project, "/ent export md /nonexistent/folder/x.md")

    assert "écrit : " + str(tmp_path / "mine.ods") + " (ODS)." in written
    assert (tmp_path / "mine.ods").read_bytes().startswith(b"PK")
    assert "Je ne connais pas le format « docx »" in bad
    assert "Je n'arrive pas à écrire le fichier « /nonexistent/folder/x.md »" in unwritable
    assert not (tmp_path / "docx").exists()


@pytest.mark.parametrize("word", ["exporter", "document", "passation", "handover"])
def test_every_export_word_writes_the_document(
    project: Application, tmp_path: Path, word: str
) -> None:
    target = tmp_path / f"{word}.md"
    written = say(project, f"/ent {word} {target}")

    assert "Document de passation écrit : " + str(target) + " (MD)." in written
    assert target.read_text(encoding="utf-8").startswith("## ENT 35 — document de passation")


def test_in_slack_the_export_is_not_written_on_the_server(project: Application) -> None:
    caller = Caller(WORKSPACE, "alice", CHANNEL)
    replies = project.assistant.command(caller, "/ent", "export ods")
    assert [r.data.get("code") for r in replies] == ["console_only"]


def test_command_line_export_of_a_named_project(
    project: Application, database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "doc.csv"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--format", "csv", "--output", str(target),
         "--projet", "ent 35"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
    )
    missing = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--projet", "ENT 99"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
    )

    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbfMatrice des comp")
    assert missing.returncode == 1
    assert "Aucun projet ne s'appelle « ENT 99 ». Projets : ENT 35." in missing.stderr


def test_the_export_reads_a_fixed_number_of_statements(
    project: Application, tmp_path: Path
) -> None:
    from bot.export import write_export

    caller = Caller(WORKSPACE, "alice", CHANNEL)
    engine = project.database.engine
    with count_statements(engine) as small:
        write_export(project, caller, "csv", str(tmp_path / "a.csv"))
    lines = [row(f"{n:07d}" + "ABCDEFGHJKLMNPRSTUVWXYZ"[n % 23], f"École {n}", kind="Ecole",
                 commune=f"Commune {n % 50}") for n in range(300000, 300600)]
    say(project, f"/ent ecoles importer {write(tmp_path, lines)}")
    with count_statements(engine) as large:
        write_export(project, caller, "csv", str(tmp_path / "b.csv"))

    assert len(small) == len(large)
