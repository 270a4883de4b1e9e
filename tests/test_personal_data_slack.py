"""A person's data in Slack: shown privately anywhere, the export uploaded in a DM."""

from __future__ import annotations

import json

from bot.app import Application
from tests.support.db import dump
from tests.support.slack_app import ALICE, BOB, CHANNEL, running_bot, text_of

DM_BOB = "D" + BOB[1:]


def test_export_is_uploaded_to_the_person_and_names_nobody_else(app: Application) -> None:
    with running_bot(app) as bot:
        assert bot.command("/ent", "projet creer ENT des collèges").status == 200
        bot.command("/ent", "entite ajouter DSI collectivite")
        bot.command("/ent-assign", f"7 DSI interne <@{ALICE}|alice> <@{BOB}|bob>")
        bot.command("/ent", f"notes 7 voir avec <@{BOB}|bob> et <@{ALICE}|alice>")
        answer = bot.command("/ent", "mes-donnees export", user=BOB)
        assert "message direct" in text_of(answer.json())
        [upload] = list(bot.fake.uploads.values())
        assert upload["channel"] == DM_BOB
        assert upload["filename"] == f"mes-donnees-{BOB}.json"
        content = upload["content"].decode("utf-8")
        assert ALICE not in content
        document = json.loads(content)
        assert document["personne"] == BOB
        [assignment] = document["donnees"]["assignment"]
        assert assignment["contacts"] == ["…", BOB]
        assert assignment["notes"] == f"voir avec <@{BOB}|bob> et …"
        assert bot.fake.calls("files.completeUploadExternal")


def test_my_data_answers_in_a_direct_message_with_no_project_chosen(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT des collèges")
        bot.command("/ent", "entite ajouter DSI collectivite")
        bot.command("/ent-assign", f"7 DSI interne <@{BOB}|bob>")
        answer = bot.command("/ent", "mes-donnees", user=BOB, channel=DM_BOB)
        text = text_of(answer.json())
        assert "Contact de 1 compétence(s)" in text and "ENT des collèges" in text
        assert not bot.fake.calls("chat.postMessage") or all(
            call.params.get("channel") != DM_BOB for call in bot.fake.calls("chat.postMessage")
        )


def test_erasure_in_slack_after_confirmation(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT des collèges")
        bot.command("/ent", "entite ajouter DSI collectivite")
        bot.command("/ent-assign", f"7 DSI interne <@{ALICE}|alice> <@{BOB}|bob>")
        bot.command("/ent", f"notes 7 appeler <@{BOB}|bobby.martin> jeudi")
        asked = text_of(bot.command("/ent", "mes-donnees effacer", user=BOB).json())
        assert "Ce qui va disparaître" in asked
        done = text_of(bot.command("/ent", "mes-donnees effacer confirmer", user=BOB).json())
        assert "personne effacée n° 1" in done
        status = bot.status()
        assert BOB not in status and ALICE in status
        stored = json.dumps(dump(app.database.engine), ensure_ascii=False)
        assert BOB not in stored and "bobby.martin" not in stored
        assert "appeler personne effacée n° 1 jeudi" in stored
        assert CHANNEL in stored
