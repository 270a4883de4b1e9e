"""The perimeter of schools: importing the national directory, adding schools by UAI."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller
from storage import schools as db
from tests.support.console import ROOT, say
from tests.support.db import count_statements, dump, row_counts

DATA = Path(__file__).parent / "data"
EXTRACT = DATA / "annuaire-extrait.csv"
REAL_NAME = "annuaire-education-ille-et-vilaine.csv"
HEADER = EXTRACT.read_text(encoding="utf-8-sig").splitlines()[0]


def real_file() -> Path | None:
    """The real Ille-et-Vilaine export, from ``shared/`` beside the repository, if present."""
    for base in (ROOT.parent / "shared", ROOT / "shared", ROOT / ".." / "shared"):
        path = base / "data" / REAL_NAME
        if path.is_file():
            return path
    return None


def perimeter(app: Application) -> dict[str, db.SchoolInfo]:
    with app.database.transaction() as store:
        project = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project is not None
        return {s.uai: s for s in db.schools(store.connection, project.id)}


def row(uai: str, name: str, kind: str = "Collège", statut: str = "Public",
        commune: str = "Rennes", etat: str = "OUVERT") -> str:
    """One line shaped like the directory's (the columns the bot reads, the rest empty)."""
    columns = HEADER.split(";")
    values = dict.fromkeys(columns, "")
    values.update({
        "Identifiant_de_l_etablissement": uai, "Nom_etablissement": name,
        "Type_etablissement": kind, "Statut_public_prive": statut, "Nom_commune": commune,
        "Code_departement": "035", "etat": etat,
    })
    return ";".join(values[c] for c in columns)


def write(tmp_path: Path, lines: list[str], name: str = "annuaire.csv",
          encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join([HEADER, *lines]).encode(encoding) + b"\r\n")
    return path


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT des collèges d'Ille-et-Vilaine")
    return app


def test_import_of_the_directory_filtered_to_public_colleges(project: Application) -> None:
    out = say(project, f"/ent ecoles importer {EXTRACT} type:college statut:public")

    assert ": 8 écoles ajoutées" in out
    assert "9 hors des filtres" in out
    schools = perimeter(project)
    assert len(schools) == 8
    cancale = schools["0350003N"]
    assert (cancale.name, cancale.kind, cancale.statut, cancale.commune, cancale.departement,
            cancale.etat) == ("Collège René Cassin", "college", "public", "Cancale", "035",
                              "OUVERT")
    assert all(s.kind == "college" and s.statut == "public" for s in schools.values())


def test_filters_ignore_accents_and_case_and_combine(project: Application) -> None:
    out = say(project, f'/ent ecoles importer {EXTRACT} TYPE:Collèges statut:Publique '
                       f'commune:"RENNES" departement:35')

    assert ": 3 écoles ajoutées" in out
    assert {s.commune for s in perimeter(project).values()} == {"Rennes"}


def test_reimporting_the_same_file_changes_nothing(project: Application) -> None:
    say(project, f"/ent ecoles importer {EXTRACT}")
    before = dump(project.database.engine)

    out = say(project, f"/ent ecoles importer {EXTRACT}")

    assert "Rien n'a changé" in out and "16 inchangées" in out
    assert dump(project.database.engine) == before


def test_a_newer_file_updates_names_marks_closing_and_keeps_the_team_s_data(
    project: Application, tmp_path: Path
) -> None:
    first = write(tmp_path, [row("0350003N", "Collège René Cassin", commune="Cancale"),
                             row("0350033W", "Collège les Ormeaux"),
                             row("0350027P", "Collège les Gayeulles")])
    say(project, f"/ent ecoles importer {first}")
    say(project, "/ent ecoles referent 0350033W @anne")
    newer = write(tmp_path, [row("0350003N", "Collège René-Cassin", commune="Cancale"),
                             row("0350033W", "Collège les Ormeaux", etat="A FERMER")],
                  name="annuaire-2026.csv")

    out = say(project, f"/ent ecoles importer {newer}")

    assert ", 2 mises à jour" in out
    assert "0350033W Collège les Ormeaux (à fermer)" in out
    schools = perimeter(project)
    assert schools["0350003N"].name == "Collège René-Cassin"
    assert schools["0350033W"].etat == "A FERMER"
    assert schools["0350033W"].referent == "@anne"
    assert "0350027P" in schools, "a school missing from the newer file is kept"


def test_skipped_rows_are_reported_with_their_reason(
    project: Application, tmp_path: Path
) -> None:
    path = write(tmp_path, [
        row("0350003N", "Collège René Cassin"),
        row("0350003A", "Collège à la mauvaise lettre"),
        row("0350003N", "Collège René Cassin (annexe)"),
        row("0350027P", "École privée", kind="Ecole", statut="Privé"),
        row("0350033W", "Collège fermé", etat="FERME"),
    ])

    out = say(project, f"/ent ecoles importer {path} type:college")

    assert ": 1 école ajoutée" in out and "3 écartées" in out
    assert "ligne 3 : 0350003A — UAI invalide (la lettre de contrôle devrait être « N »)" in out
    assert "ligne 4 : 0350003N — UAI en double (déjà lue ligne 2)" in out
    assert "ligne 6 : 0350033W — école fermée" in out
    assert "1 hors des filtres" in out
    assert set(perimeter(project)) == {"0350003N"}


def test_windows_1252_and_utf8_without_bom_are_read(project: Application, tmp_path: Path) -> None:
    latin = write(tmp_path, [row("0350003N", "Collège René Cassin", commune="Cancale")],
                  name="cp1252.csv", encoding="cp1252")
    plain = write(tmp_path, [row("0350033W", "Collège Thérèse Pierre", commune="Fougères")],
                  name="utf8.csv", encoding="utf-8")

    say(project, f"/ent ecoles importer {latin}", f"/ent ecoles importer {plain}")

    schools = perimeter(project)
    assert schools["0350003N"].name == "Collège René Cassin"
    assert schools["0350033W"].commune == "Fougères"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "est vide"),
        (codecs.BOM_UTF8 + HEADER.encode() + b"\r\n", "n'a qu'une ligne d'en-tête"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "n'est pas un fichier CSV"),
        (b"Code;Nom de la ville\n0350003N;Cancale\n", "Identifiant_de_l_etablissement"),
        (b"just some words\nand more\n", "n'est pas un fichier CSV"),
    ],
)
def test_a_bad_file_gets_one_clear_reply_and_nothing_is_imported(
    project: Application, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = row_counts(project.database.engine)

    out = say(project, f"/ent ecoles importer {path}")

    assert expected in out
    assert out.count("⚠️") == 1
    assert row_counts(project.database.engine) == before


def test_a_file_over_the_size_limit_is_refused(project: Application, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(HEADER.encode() + b"\n")
        handle.truncate(20 * 1024 * 1024 + 10)

    out = say(project, f"/ent ecoles importer {path}")

    assert "dépasse 20 Mo" in out
    assert perimeter(project) == {}


def test_a_filter_needing_a_missing_column_or_unknown_is_refused(
    project: Application, tmp_path: Path
) -> None:
    path = tmp_path / "short.csv"
    path.write_text("UAI;Nom\n0350003N;Collège René Cassin\n", encoding="utf-8")

    missing = say(project, f"/ent ecoles importer {path} commune:Rennes")
    unknown = say(project, f"/ent ecoles importer {path} couleur:bleu")
    fine = say(project, f"/ent ecoles importer {path}")

    assert "Nom_commune" in missing
    assert "Je ne connais pas le filtre « couleur:bleu »" in unknown
    assert ": 1 école ajoutée" in fine


def test_missing_file_and_slack_path_are_refused(project: Application) -> None:
    assert "Je ne trouve pas le fichier « nowhere.csv »" in say(
        project, "/ent ecoles importer nowhere.csv"
    )
    caller = Caller(WORKSPACE, "alice", CHANNEL)
    replies = project.assistant.command(caller, "/ent", "ecoles importer /etc/passwd")
    assert [r.data.get("code") for r in replies] == ["upload_needed"]
    assert perimeter(project) == {}


def test_adding_schools_by_uai(project: Application) -> None:
    out = say(project, "/ent ecoles ajouter 0350001L", "/ent schools add 0350001l 0350122T",
              "/ent ecoles ajouter 0350001A")

    assert "a ajouté au périmètre : 0350001L." in out
    assert "a ajouté au périmètre : 0350122T. Déjà présente : 0350001L." in out
    assert "L'UAI « 0350001A » n'est pas valide" in out and "(ici « L »)" in out
    assert set(perimeter(project)) == {"0350001L", "0350122T"}
    assert perimeter(project)["0350001L"].source == "manuel"


def test_import_writes_a_fixed_number_of_statements_per_batch(
    project: Application, tmp_path: Path
) -> None:
    def synthetic(first: int, count: int) -> Path:
        lines = []
        for number in range(first, first + count):
            digits = f"{number:07d}"
            uai = digits + "ABCDEFGHJKLMNPRSTUVWXYZ"[number % 23]
            lines.append(row(uai, f"École {number}", kind="Ecole"))
        return write(tmp_path, lines, name=f"s{first}.csv")

    small, large = synthetic(350000, 30), synthetic(360000, 900)
    engine = project.database.engine
    counts = []
    for path in (small, large):
        with count_statements(engine) as statements:
            say(project, f"/ent ecoles importer {path}")
        counts.append(len(statements))

    assert counts[0] == counts[1]
    assert len(perimeter(project)) == 930


@pytest.mark.skipif(real_file() is None, reason="shared/ with the real directory is absent")
def test_the_real_ille_et_vilaine_file_has_62_public_colleges(project: Application) -> None:
    path = real_file()
    out = say(project, f"/ent ecoles importer {path} type:college statut:public")

    assert ": 62 écoles ajoutées" in out and "934 hors des filtres" in out
    schools = perimeter(project)
    assert len(schools) == 62
    assert sum(1 for s in schools.values() if s.commune == "Rennes") == 12

    everything = say(project, f"/ent ecoles importer {path}")
    assert ": 931 écoles ajoutées" in everything
    assert "3 écartées" in everything and everything.count("UAI en double") == 3


def test_command_line_import_for_the_console_project(
    project: Application, database_url: str
) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ecoles", "importer", str(EXTRACT), "type:college",
         "--user", "bob"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
    )

    assert result.returncode == 0, result.stderr
    assert "bob a importé" in result.stdout and "*10* écoles ajoutées" in result.stdout
    assert "[" not in result.stderr, "no progress bar when standard error is not a terminal"
    assert len(perimeter(project)) == 10
