"""``referents importer confirmer`` applies exactly the file that was checked: its Slack id
and content are pinned by the check, never the newest upload; a file deleted or changed
since is said, and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import console
from bot.app import Application
from services.turn import Caller
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
from tests.test_schools import EXTRACT as EXTRACT_PATH
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
    _check(bot)
    bot.application.assistant.message(Caller(sr.TEAM_ID, ALICE, CHANNEL), "oui")
    assert _referents(bot) == {}

    _confirm(bot)

    assert _referents(bot) == {"0350003N": BOB}


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
