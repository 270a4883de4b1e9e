"""A closed project is read-only for every request, refused in one place (the assistant's
transaction): conversation answers, forms, imports, not only commands; what still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Application
from services.turn import Caller
from tests.support.console import say
from tests.support.db import dump
from tests.support.slack_app import BOB, SlackBot, running_bot
from tests.test_slack_forms import open_form, radio, select, submit, typed

CONSOLE = Caller("local", "alice", "console")


def _say(app: Application, text: str, command: str = "/ent") -> str:
    replies = app.assistant.command(CONSOLE, command, text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def _answer(app: Application, text: str) -> str:
    replies = app.assistant.message(CONSOLE, text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def test_a_conversation_answer_to_a_closed_project_is_refused_and_changes_nothing(
    app: Application,
) -> None:
    _say(app, "projet creer ENT")
    _say(app, "entite ajouter DSI collectivite")
    assert "1" in _say(app, "questions 1")
    _say(app, "projet clore")
    before = dump(app.database.engine)
    answer = _answer(app, "La DSI pilote")
    assert "Le projet « ENT » est clos : il ne se modifie plus." in answer
    assert "`/ent statut`" in answer and "`/ent export`" in answer
    assert dump(app.database.engine) == before
    assert "ENT — qui s'occupe de quoi" in _say(app, "statut")
    assert "est clos" not in _say(app, "lacunes tout")


def test_export_and_erasure_still_work_on_a_closed_project(
    app: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    say(app, "/ent projet creer ENT 35", "/ent entite ajouter DSI collectivite",
        "/ent-assign 7 DSI interne @alice @bob", "/ent projet clore")
    assert "Document de passation écrit" in say(app, "/ent export")
    assert (tmp_path / "ent-35-passation.md").exists()
    asked = say(app, "/ent mes-donnees effacer")
    assert "est clos" not in asked
    erased = say(app, "oui")
    assert "est clos" not in erased
    assert "alice" not in str(dump(app.database.engine))


def test_the_assignment_form_submitted_after_closing_is_refused(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT 35")
        view = open_form(bot)
        bot.command("/ent", "projet clore")
        before = dump(app.database.engine)
        answer = submit(
            bot, view, competence=select("hebergement"), new_entity=typed("Éditeur Open ENT"),
            sourcing=radio("externe"), keep=radio("oui"),
            contacts={"type": "multi_users_select", "selected_users": [BOB]},
        )
        body = answer.json()
        assert body["response_action"] == "errors"
        assert "est clos" in str(body["errors"])
        assert dump(app.database.engine) == before
        assert "Éditeur Open ENT" not in _status(bot)


def _status(bot: SlackBot) -> str:
    return bot.status()
