"""Files in Slack: the handover document uploaded to the project's channel, and the CSV a
person shared in the channel imported (directory and resource persons), end to end through
signed requests against FakeSlack."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Application
from bot.slack import files
from services import school_import
from services.uai import expected_letter
from storage import schools as db
from tests.support import slack_requests as sr
from tests.support.db import dump
from tests.support.slack_app import ALICE, BOB, CHANNEL, EVE, SlackBot, posted, running_bot, text_of

DATA = Path(__file__).parent / "data"
EXTRACT = (DATA / "annuaire-extrait.csv").read_bytes()
HEADER = EXTRACT.decode("utf-8-sig").splitlines()[0]


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


@pytest.fixture
def project(bot: SlackBot) -> SlackBot:
    assert bot.command("/ent", "projet creer ENT des collèges 35").status == 200
    bot.fake.reset()
    return bot


def perimeter(app: Application) -> dict[str, db.SchoolInfo]:
    with app.database.transaction() as store:
        found = store.project_for_channel(sr.TEAM_ID, CHANNEL)
        assert found is not None
        return {s.uai: s for s in db.schools(store.connection, found.id)}


def answered(bot: SlackBot) -> str:
    """Everything the caller was told through the command's response_url."""
    return "\n".join(text_of(call.params) for call in bot.fake.calls("response_url"))


def row(uai: str, name: str, commune: str = "Rennes") -> str:
    columns = HEADER.split(";")
    values = dict.fromkeys(columns, "")
    values.update({"Identifiant_de_l_etablissement": uai, "Nom_etablissement": name,
                   "Type_etablissement": "Collège", "Statut_public_prive": "Public",
                   "Nom_commune": commune, "Code_departement": "035"})
    return ";".join(values[c] for c in columns)


def directory(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join([HEADER, *lines]).encode(encoding) + b"\r\n"


# ---------------------------------------------------------------------------- export


@pytest.mark.parametrize("fmt", ["md", "csv", "ods"])
def test_export_is_uploaded_to_the_project_channel_and_announced(
    project: SlackBot, fmt: str
) -> None:
    bot = project
    bot.command("/ent", "entite ajouter DSI collectivite")
    bot.command("/ent-assign", f"7 DSI interne <@{BOB}|bob>")
    bot.fake.reset()

    answer = bot.command("/ent", f"export {fmt}")

    assert f"partagé dans <#{CHANNEL}>" in text_of(answer.json())
    [upload] = list(bot.fake.uploads.values())
    assert upload["channel"] == CHANNEL
    assert upload["filename"] == f"ent-des-colleges-35-passation.{fmt}"
    data: bytes = upload["content"]
    if fmt == "md":
        assert "ENT des collèges 35" in data.decode("utf-8") and "DSI" in data.decode("utf-8")
    elif fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf") and b"DSI" in data
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as ods:
            assert ods.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
            assert b"DSI" in ods.read("content.xml")
    [complete] = bot.fake.calls("files.completeUploadExternal")
    comment = complete.params["initial_comment"]
    assert f"<@{ALICE}>" in comment and "document de passation" in comment
    assert "ENT des collèges 35" in comment and fmt.upper() in comment
    assert bot.fake.calls("response_url") == []


def test_export_takes_a_file_name(project: SlackBot) -> None:
    project.command("/ent", "export ../bilan-juin.ods")

    [upload] = list(project.fake.uploads.values())
    assert upload["filename"] == "bilan-juin.ods"


def test_a_non_member_may_not_export(project: SlackBot) -> None:
    answer = project.command("/ent", "export ods", user=EVE)

    assert "Seuls les membres" in text_of(answer.json())
    assert project.fake.calls("files.getUploadURLExternal") == []
    assert project.fake.uploads == {}


def test_an_unknown_format_is_refused_before_anything(project: SlackBot) -> None:
    answer = project.command("/ent", "export pdf")

    text = text_of(answer.json())
    assert "format « pdf »" in text and "`md`, `csv` ou `ods`" in text
    assert project.fake.calls("files.getUploadURLExternal") == []


def test_export_without_a_project_says_how_to_create_one(bot: SlackBot) -> None:
    answer = bot.command("/ent", "export")

    assert "/ent projet creer" in text_of(answer.json())
    assert bot.fake.uploads == {}


@pytest.mark.parametrize(("method", "error", "said"), [
    ("files.completeUploadExternal", "not_in_channel", "Invitez-moi"),
    ("files.getUploadURLExternal", "missing_scope", "`files:write`"),
    ("files.completeUploadExternal", "ratelimited_forever", "ratelimited_forever"),
])
def test_a_refused_upload_is_explained_and_nothing_is_posted(
    project: SlackBot, method: str, error: str, said: str
) -> None:
    project.fake.error_next(method, error)

    project.command("/ent", "export csv")

    text = answered(project)
    assert "Slack a refusé l'envoi du document" in text and said in text
    assert "Rien n'a été publié" in text
    assert all(upload["channel"] is None for upload in project.fake.uploads.values())
    assert posted(project.fake) == []


def test_export_from_a_direct_message_goes_to_the_project_channel(project: SlackBot) -> None:
    dm = "D" + ALICE[1:]
    picked = project.command("/ent", "statut", channel=dm)
    assert "ENT des collèges 35" in text_of(picked.json())

    project.command("/ent", "export md", channel=dm)

    [upload] = list(project.fake.uploads.values())
    assert upload["channel"] == CHANNEL


# ---------------------------------------------------------------------------- import


def test_import_takes_the_csv_the_caller_shared_in_the_channel(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "annuaire.csv", EXTRACT)

    answer = bot.command("/ent", "ecoles importer type:college statut:public")

    assert "dernier fichier CSV" in text_of(answer.json())
    schools = perimeter(bot.application)
    assert len(schools) == 8
    assert schools["0350003N"].name == "Collège René Cassin"
    [announce] = posted(bot.fake)
    assert announce["channel"] == CHANNEL
    assert "*8* écoles ajoutées" in text_of(announce) and "annuaire.csv" in text_of(announce)
    [listing] = bot.fake.calls("files.list")
    assert (listing.params["channel"], listing.params["user"]) == (CHANNEL, ALICE)
    [download] = bot.fake.calls("<download>")
    assert download.headers["authorization"] == f"Bearer {bot.fake.token}"


def test_the_newest_csv_of_the_caller_is_imported_not_others(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "ancien.csv", directory(row("0350003N", "Ancien")))
    bot.fake.share_file(ALICE, CHANNEL, "nouveau.csv", directory(row("0350033W", "Nouveau")))
    bot.fake.share_file(ALICE, CHANNEL, "notes.pdf", b"%PDF-1.4", mimetype="application/pdf")
    bot.fake.share_file(BOB, CHANNEL, "bob.csv", directory(row("0350027P", "De Bob")))
    bot.fake.share_file(ALICE, "C0OTHER001", "ailleurs.csv", directory(row("0350027P", "X")))

    bot.command("/ent", "ecoles importer")

    assert set(perimeter(bot.application)) == {"0350033W"}


def test_a_named_file_is_looked_for(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "ancien.csv", directory(row("0350003N", "Ancien")))
    bot.fake.share_file(ALICE, CHANNEL, "nouveau.csv", directory(row("0350033W", "Nouveau")))

    bot.command("/ent", "ecoles importer Ancien.CSV")
    assert set(perimeter(bot.application)) == {"0350003N"}

    bot.command("/ent", "ecoles importer absent.csv")
    assert "aucun fichier « absent.csv »" in answered(bot)


def test_windows_1252_is_read(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "annuaire.csv",
                        directory(row("0350003N", "Collège René Cassin", "Saint-Méen"),
                                  encoding="cp1252"))

    bot.command("/ent", "ecoles importer")

    assert perimeter(bot.application)["0350003N"].commune == "Saint-Méen"


@pytest.mark.parametrize(("name", "content", "said"), [
    ("vide.csv", b"", "est vide"),
    ("colonnes.csv", b"UAI;Commune\r\n0350003N;Rennes\r\n", "Il manque une colonne"),
    ("binaire.csv", bytes(range(256)) * 4, "n'est pas un fichier CSV"),
    ("entete.csv", HEADER.encode("utf-8") + b"\r\n", "aucune école"),
])
def test_bad_files_are_explained_and_nothing_is_imported(
    project: SlackBot, name: str, content: bytes, said: str
) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, name, content)
    before = dump(bot.application.database.engine)

    bot.command("/ent", "ecoles importer")

    text = answered(bot)
    assert said in text and name in text
    assert "partagez l'export CSV de l'annuaire dans le canal" in text
    assert dump(bot.application.database.engine) == before
    assert posted(bot.fake) == []


def test_a_file_that_is_not_csv_is_named(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "annuaire.xlsx", b"PK\x03\x04",
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml")

    bot.command("/ent", "ecoles importer")

    assert "« annuaire.xlsx » n'est pas un fichier CSV" in answered(bot)
    assert bot.fake.calls("<download>") == []


def test_a_file_too_big_is_not_even_downloaded(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "national.csv", EXTRACT,
                        size=school_import.MAX_BYTES + 1)

    bot.command("/ent", "ecoles importer")

    assert "« national.csv » dépasse 20 Mo" in answered(bot)
    assert bot.fake.calls("<download>") == []
    assert perimeter(bot.application) == {}


def test_no_shared_file_says_how_to_share_one(project: SlackBot) -> None:
    project.command("/ent", "ecoles importer")

    text = answered(project)
    assert "aucun fichier CSV que vous ayez partagé" in text and f"<#{CHANNEL}>" in text


def test_a_non_member_may_not_import(project: SlackBot) -> None:
    project.fake.share_file(EVE, CHANNEL, "annuaire.csv", EXTRACT)

    answer = project.command("/ent", "ecoles importer", user=EVE)

    assert "Seuls les membres" in text_of(answer.json())
    assert project.fake.calls("files.list") == []
    assert perimeter(project.application) == {}


def test_a_bad_filter_is_refused_before_fetching(project: SlackBot) -> None:
    answer = project.command("/ent", "ecoles importer couleur:bleu")

    assert "filtre « couleur:bleu »" in text_of(answer.json())
    assert project.fake.calls("files.list") == []


@pytest.mark.parametrize(("method", "error", "said"), [
    ("files.list", "missing_scope", "`files:read`"),
    ("files.list", "not_in_channel", "Invitez-moi"),
])
def test_listing_errors_are_explained(
    project: SlackBot, method: str, error: str, said: str
) -> None:
    project.fake.share_file(ALICE, CHANNEL, "annuaire.csv", EXTRACT)
    project.fake.error_next(method, error)

    project.command("/ent", "ecoles importer")

    text = answered(project)
    assert said in text and "Rien n'a été importé" in text
    assert perimeter(project.application) == {}


def test_a_failed_download_imports_nothing(project: SlackBot) -> None:
    project.fake.share_file(ALICE, CHANNEL, "annuaire.csv", EXTRACT)
    project.fake.fail_next("<download>", status=500)

    project.command("/ent", "ecoles importer")

    assert "Je n'ai pas pu télécharger « annuaire.csv »" in answered(project)
    assert perimeter(project.application) == {}


def test_a_download_answered_by_a_login_page_imports_nothing(project: SlackBot) -> None:
    project.fake.share_file(ALICE, CHANNEL, "annuaire.csv", b"<html>sign in</html>",
                            mimetype="text/html")

    project.command("/ent", "ecoles importer")

    assert "Slack ne m'a pas laissé télécharger" in answered(project)
    assert perimeter(project.application) == {}


def test_resource_persons_are_checked_then_applied_on_confirmation(project: SlackBot) -> None:
    bot = project
    bot.fake.share_file(ALICE, CHANNEL, "annuaire.csv", EXTRACT)
    bot.command("/ent", "ecoles importer type:college")
    people = f"UAI;personne;compétences\r\n0350003N;<@{BOB}>;9,10\r\n0350003X;Anne;\r\n"
    bot.fake.share_file(ALICE, CHANNEL, "referents.csv", people.encode())
    bot.fake.reset()

    bot.command("/ent", "ecoles referents importer")

    checked = answered(bot)
    assert "referents.csv" in checked and "0350003X" in checked
    assert perimeter(bot.application)["0350003N"].referent is None
    assert posted(bot.fake) == []

    bot.command("/ent", "ecoles referents importer confirmer")

    assert perimeter(bot.application)["0350003N"].referent == BOB
    [announce] = posted(bot.fake)
    assert announce["channel"] == CHANNEL


def test_an_empty_resource_person_file_uses_the_people_syntax(project: SlackBot) -> None:
    project.fake.share_file(ALICE, CHANNEL, "referents.csv", b"  \r\n")

    project.command("/ent", "ecoles referents importer")

    text = answered(project)
    assert "« referents.csv » est vide" in text and "/ent ecoles referents importer" in text


# ---------------------------------------------------------------------------- home


def home_of(bot: SlackBot, user: str) -> str:
    bot.fake.reset()
    bot.send(sr.event_callback(sr.app_home_opened_event(user)))
    [publish] = bot.fake.calls("views.publish")
    return text_of(publish.params["view"])


def test_the_home_of_a_resource_person_shows_their_schools(project: SlackBot) -> None:
    bot = project
    rows = [row(uai, f"Collège {n}", commune) for uai, n, commune in (
        ("0350003N", "Cassin", "Cancale"), ("0350033W", "Ormeaux", "Rennes"),
        ("0350027P", "Gayeulles", "Rennes"),
    )]
    bot.fake.share_file(ALICE, CHANNEL, "annuaire.csv", directory(*rows))
    bot.command("/ent", "ecoles importer")
    assert "personne ressource" not in home_of(bot, BOB)

    bot.command("/ent", f"ecoles referent commune:Rennes <@{BOB}|bob>")
    bot.command("/ent", "ecoles referent 0350003N Anne Martin")

    home = home_of(bot, BOB)
    assert "ENT des collèges 35" in home
    assert "Vous êtes personne ressource de 2 écoles" in home
    assert "0350033W Collège Ormeaux (Rennes)" in home and "0350027P Collège Gayeulles" in home
    assert "0350003N" not in home
    assert "personne ressource" not in home_of(bot, ALICE)


def test_the_home_lists_ten_schools_and_counts_the_others(project: SlackBot) -> None:
    bot = project
    valid = [f"0350{n:03d}{expected_letter(f'0350{n:03d}')}" for n in range(100, 112)]
    bot.fake.share_file(ALICE, CHANNEL, "annuaire.csv",
                        directory(*(row(u, f"Ecole {u}") for u in valid)))
    bot.command("/ent", "ecoles importer")
    bot.command("/ent", f"ecoles referent commune:Rennes <@{BOB}|bob>")

    home = home_of(bot, BOB)

    assert "personne ressource de 12 écoles" in home
    assert home.count("• 0350") == 10 and "Et 2 autres : `/ent ecoles`" in home


def test_the_manifest_asks_for_the_file_scopes() -> None:
    manifest = (Path(__file__).resolve().parents[1] / "manifest.yml").read_text("utf-8")
    lines = {line.strip() for line in manifest.splitlines()}

    assert {"- files:read", "- files:write"} <= lines


@pytest.mark.parametrize(("url", "sent"), [
    ("https://files.slack.com/files-pri/T1-F1/download/a.csv", True),
    ("https://slack.com/files-pri/T1-F1/a.csv", True),
    ("http://files.slack.com/files-pri/T1-F1/a.csv", False),
    ("https://files.slack.com.evil.example/a.csv", False),
    ("https://evil.example/slack.com/a.csv", False),
])
def test_the_token_goes_to_slack_s_file_hosts_only(url: str, sent: bool) -> None:
    assert files.trusted(url, "https://slack.com/api/") is sent


def test_a_file_address_off_slack_is_not_downloaded(project: SlackBot) -> None:
    bot = project
    file_id = bot.fake.share_file(ALICE, CHANNEL, "annuaire.csv", EXTRACT)
    bot.fake.shared[file_id]["url_private_download"] = "http://localhost:9/annuaire.csv"

    bot.command("/ent", "ecoles importer")

    assert "Slack ne m'a pas laissé télécharger « annuaire.csv »" in answered(bot)
    assert bot.fake.calls("<download>") == []
    assert perimeter(bot.application) == {}
