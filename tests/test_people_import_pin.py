"""``referents importer confirmer`` applies exactly the file that was checked: its Slack id
and content are pinned by the check, never the newest upload; a file deleted or changed
since is said, and nothing changes. The check shares the person's one waiting question: it
never replaces an erasure, says which question it replaces, and ``confirmer`` names the
question that replaced it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import console
from bot.app import Application
from storage import schools as db
from tests.support import slack_requests as sr
from tests.support.console import say
from tests.support.db import dump
from tests.support.slack_app import (
    ALICE,
    BOB,
    CHANNEL,
    EVE,
    SlackBot,
    posted,
    running_bot,
    text_of,
)
from tests.test_matrix_import import FRENCH, matrix
from tests.test_schools import EXTRACT as EXTRACT_PATH
from tests.test_slack_events import reply_in_thread, thread_of
from tests.test_slack_files import EXTRACT, answered, perimeter

CHECKED = f"UAI;personne;compétences\r\n0350003N;<@{BOB}>;9\r\n".encode()
NEWER = f"UAI;personne;compétences\r\n0351795L;<@{EVE}>;10\r\n".encode()


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    """A project in the channel, its colleges imported."""
    with running_bot(app) as running:
        running.command("/ent", "projet creer ENT des collèges 35")
        running.fake.share_file(ALICE, CHANNEL, "annuaire.csv", EXTRACT)
        running.command("/ent", "ecoles importer type:college")
        yield running


def _check(bot: SlackBot, name: str = "referents.csv") -> str:
    """Share the checked file and check it; its Slack id."""
    file_id = bot.fake.share_file(ALICE, CHANNEL, name, CHECKED)
    bot.fake.reset()
    bot.command("/ent", "ecoles referents importer")
    assert "Vérification de « referents.csv »" in answered(bot)
    return file_id


def _confirm(bot: SlackBot) -> str:
    bot.fake.reset()
    bot.command("/ent", "ecoles referents importer confirmer")
    return answered(bot)


def _referents(bot: SlackBot) -> dict[str, str | None]:
    return {uai: school.referent for uai, school in perimeter(bot.application).items()
            if school.referent is not None}


def test_confirming_applies_the_checked_file_not_a_newer_upload(bot: SlackBot) -> None:
    checked = _check(bot)
    bot.fake.share_file(ALICE, CHANNEL, "referents-corriges.csv", NEWER)
    bot.fake.reset()

    acknowledged = text_of(bot.command("/ent", "ecoles referents importer confirmer").json())

    assert "Je récupère le fichier que vous avez vérifié" in acknowledged

    assert _referents(bot) == {"0350003N": BOB}
    [announce] = posted(bot.fake)
    assert "a appliqué « referents.csv » : 1 personne ressource changée" in str(announce)
    assert [c.params.get("file") for c in bot.fake.calls("files.info")] == [checked]
    assert bot.fake.calls("files.list") == []


def test_a_checked_file_deleted_since_is_said_and_nothing_changes(bot: SlackBot) -> None:
    checked = _check(bot)
    del bot.fake.shared[checked]
    bot.fake.share_file(ALICE, CHANNEL, "referents.csv", NEWER)
    before = dump(bot.application.database.engine)

    told = _confirm(bot)

    assert "Le fichier vérifié « referents.csv » n'est plus dans Slack" in told
    assert "rien n'a été appliqué" in told
    assert dump(bot.application.database.engine) == before
    assert posted(bot.fake) == []


def test_a_checked_file_whose_content_changed_is_said_and_nothing_changes(
    bot: SlackBot,
) -> None:
    checked = _check(bot)
    bot.fake.shared[checked]["_content"] = NEWER
    before = dump(bot.application.database.engine)

    told = _confirm(bot)

    assert "« referents.csv » a changé depuis sa vérification" in told
    assert dump(bot.application.database.engine) == before
    assert posted(bot.fake) == []


def test_confirming_with_nothing_checked_downloads_and_changes_nothing(bot: SlackBot) -> None:
    bot.fake.share_file(ALICE, CHANNEL, "referents.csv", CHECKED)
    before = dump(bot.application.database.engine)

    told = _confirm(bot)

    assert "Aucune vérification de personnes ressources n'attend votre confirmation" in told
    assert bot.fake.calls("<download>") == []
    assert dump(bot.application.database.engine) == before


def test_a_yes_in_the_channel_is_not_a_confirmation_and_keeps_the_check(
    bot: SlackBot,
) -> None:
    bot.command("/ent", "questions")
    thread = thread_of(bot)
    _check(bot)
    bot.fake.reset()

    bot.send(sr.event_callback({"type": "message", "user": ALICE, "text": "oui",
                                "ts": "1800000000.000001", "channel": CHANNEL,
                                "channel_type": "channel", "team": sr.TEAM_ID}))
    bot.send(reply_in_thread(thread, "oui"))

    [seen] = bot.fake.calls("chat.postEphemeral")
    assert seen.params["thread_ts"] == thread
    assert "« oui » est une réponse, pas un nom" in text_of(seen.params)
    assert "appliqué" not in text_of(seen.params)
    assert posted(bot.fake) == []
    assert _referents(bot) == {}
    _confirm(bot)
    assert _referents(bot) == {"0350003N": BOB}


def _erasure_asked(bot: SlackBot) -> None:
    asked = text_of(bot.command("/ent", "mes-donnees effacer").json())
    assert "Ce qui va disparaître" in asked


def test_a_check_never_replaces_a_waiting_erasure_and_says_how_to_answer_it(
    bot: SlackBot,
) -> None:
    _erasure_asked(bot)
    bot.fake.share_file(ALICE, CHANNEL, "referents.csv", CHECKED)
    bot.fake.reset()

    bot.command("/ent", "ecoles referents importer")

    told = answered(bot)
    assert "Une autre question attend votre réponse : l'effacement de vos données" in told
    assert "`/ent mes-donnees effacer annuler`" in told
    assert "Rien n'a été vérifié ni changé" in told
    assert "Vérification de" not in told
    cancelled = text_of(bot.command("/ent", "mes-donnees effacer annuler").json())
    assert "rien n'est effacé" in cancelled
    _check(bot)
    _confirm(bot)
    assert _referents(bot) == {"0350003N": BOB}


def test_a_check_replacing_an_entity_question_says_it_is_dropped(bot: SlackBot) -> None:
    asked = text_of(bot.command("/ent-assign", "9 DSI Rennes").json())
    assert "L'entité « DSI Rennes » n'existe pas encore" in asked

    _check(bot)

    assert ("La question précédente (la création de l'entité « DSI Rennes ») est abandonnée"
            in answered(bot))
    _confirm(bot)
    assert _referents(bot) == {"0350003N": BOB}


def test_confirming_after_another_question_replaced_the_check_names_that_question(
    bot: SlackBot,
) -> None:
    _check(bot)
    bot.command("/ent-assign", "9 DSI Rennes")
    before = dump(bot.application.database.engine)

    told = _confirm(bot)

    assert ("la question en attente est maintenant la création de l'entité « DSI Rennes »"
            in told)
    assert "elle a remplacé toute vérification antérieure" in told
    assert bot.fake.calls("<download>") == []
    assert dump(bot.application.database.engine) == before


def test_in_the_console_a_file_changed_since_its_check_is_not_applied(
    app: Application, tmp_path: Path
) -> None:
    say(app, "/ent projet creer ENT 35", f"/ent ecoles importer {EXTRACT_PATH} type:college")
    path = tmp_path / "referents.csv"
    path.write_text("UAI;personne;compétences\n0350003N;@anne;9\n", encoding="utf-8")
    assert "Vérification de « referents.csv »" in say(
        app, f"/ent ecoles referents importer {path}")
    path.write_text("UAI;personne;compétences\n0350003N;@zoe;9\n", encoding="utf-8")

    told = say(app, f"/ent ecoles referents importer {path} confirmer")

    assert "« referents.csv » a changé depuis sa vérification" in told
    with app.database.transaction() as store:
        project = store.project_for_channel(console.WORKSPACE, console.CHANNEL)
        assert project is not None
        assert all(s.referent is None for s in db.schools(store.connection, project.id))


def test_in_the_console_a_check_and_a_matrix_import_replace_each_other_and_say_so(
    app: Application, tmp_path: Path
) -> None:
    say(app, "/ent projet creer ENT 35", f"/ent ecoles importer {EXTRACT_PATH} type:college")
    people = tmp_path / "referents.csv"
    people.write_text("UAI;personne;compétences\n0350003N;@anne;9\n", encoding="utf-8")
    grid = tmp_path / "matrice.csv"
    grid.write_text(FRENCH, encoding="utf-8")
    say(app, f"/ent ecoles referents importer {people}", f"/ent importer {grid}")

    told = say(app, f"/ent ecoles referents importer {people} confirmer")

    assert ("la question en attente est maintenant l'import de la matrice « matrice.csv »"
            in told)
    assert "Rien n'a été appliqué" in told
    checked = say(app, f"/ent ecoles referents importer {people}")
    assert ("La question précédente (l'import de la matrice « matrice.csv ») est abandonnée"
            in checked)
    say(app, "oui")
    assert matrix(app) == {}
    assert "a appliqué « referents.csv »" in say(
        app, f"/ent ecoles referents importer {people} confirmer")


def test_a_check_replacing_the_project_name_question_says_how_to_create_it(
    bot: SlackBot,
) -> None:
    bot.send(sr.event_callback(sr.member_joined_channel_event(
        sr.BOT_USER_ID, "C0NEWPROJ", inviter=ALICE)))
    assert "quel est le nom du projet" in text_of(posted(bot.fake)[-1])

    _check(bot)

    told = answered(bot)
    assert "La question précédente (le nom d'un nouveau projet) est abandonnée" in told
    assert "tapez `/ent projet creer NOM` dans son canal" in told
    _confirm(bot)
    assert _referents(bot) == {"0350003N": BOB}
