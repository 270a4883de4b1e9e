"""People who leave (contact parti), closed projects and their retention, uninstalled
workspaces and their grace period."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot import cli
from bot.app import Application
from services import retention
from services.turn import Caller
from storage.models import Project
from storage.store import utcnow
from tests.support import slack_requests as sr
from tests.support.db import dump
from tests.support.history import replay_problems
from tests.support.slack_app import ALICE, BOB, CHANNEL, SlackBot, running_bot, text_of

DM_ALICE = "D" + ALICE[1:]


def _seed(bot: SlackBot) -> int:
    bot.command("/ent", "projet creer ENT des collèges")
    bot.command("/ent", "entite ajouter DSI collectivite")
    bot.command("/ent-assign", f"7 DSI interne <@{BOB}|bob>")
    bot.command("/ent-assign", f"9 DSI interne <@{ALICE}|alice> <@{BOB}|bob>")
    with bot.application.database.engine.connect() as conn:
        return int(conn.execute(select(Project.id)).scalar_one())


def _notices(bot: SlackBot) -> list[str]:
    return [text_of(call.params) for call in bot.fake.calls("chat.postMessage")
            if call.params.get("channel") in (ALICE, DM_ALICE)]


@pytest.mark.parametrize("event", [
    {"type": "user_change", "user": {"id": BOB, "deleted": True, "name": "bob"}},
    {"type": "member_left_channel", "user": BOB, "channel": CHANNEL},
])
def test_a_person_who_leaves_opens_contact_parti_and_tells_the_lead_once(
    app: Application, event: dict[str, object],
) -> None:
    with running_bot(app) as bot:
        project_id = _seed(bot)
        request = sr.event_callback(event, event_id="Ev0LEFT0001")
        assert bot.send(request).status == 200
        assert bot.send(request, retry_num=1).status == 200
        [notice] = _notices(bot)
        assert "contact parti" in notice and "Hébergement" in notice
        [call] = [c for c in bot.fake.calls("chat.postMessage")
                  if c.params.get("channel") in (ALICE, DM_ALICE)]
        buttons = [e for b in call.params["blocks"] if b["type"] == "actions"
                   for e in b["elements"]]
        assert [(b["action_id"], b["value"]) for b in buttons] == [
            ("gap_assign", f"{project_id}:hebergement")
        ]
        gaps = text_of(bot.command("/ent", "lacunes tout").json())
        assert "contact parti" in gaps
        status = bot.status()
        assert BOB not in status and ALICE in status
        assert replay_problems(app.database.engine, project_id) == []


def test_an_unrelated_user_change_changes_nothing(app: Application) -> None:
    with running_bot(app) as bot:
        _seed(bot)
        state = dump(app.database.engine)
        bot.send(sr.event_callback({"type": "user_change", "user": {"id": BOB, "deleted": False}},
                                   event_id="Ev0CHANGE01"))
        assert dump(app.database.engine) == state
        assert _notices(bot) == []


def _say(app: Application, user: str, text: str, command: str = "/ent") -> str:
    replies = app.assistant.command(Caller("local", user, "console"), command, text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def test_console_contact_retirer_opens_contact_parti(app: Application) -> None:
    _say(app, "alice", "projet creer ENT")
    _say(app, "alice", "entite ajouter DSI collectivite")
    _say(app, "alice", "7 DSI interne @bob", "/ent-assign")
    out = _say(app, "alice", "contact retirer @bob")
    assert "retiré @bob" in out and "Contact parti" in out
    assert "contact parti" in _say(app, "alice", "lacunes tout")
    refused = app.assistant.command(Caller("local", "alice", "console"), "/ent",
                                    "contact retirer @zoe")
    assert refused[0].error


def test_a_closed_project_is_read_only_and_pseudonymised_after_the_retention(
    app: Application,
) -> None:
    _say(app, "alice", "projet creer ENT")
    _say(app, "alice", "entite ajouter DSI collectivite")
    _say(app, "alice", "7 DSI interne @bob @alice", "/ent-assign")
    _say(app, "alice", "notes 7 voir avec bob")
    refused = app.assistant.command(Caller("local", "bob", "console"), "/ent", "projet clore")
    assert refused[0].error
    with freeze_time("2026-01-10 09:00"):
        assert "a clos le projet" in _say(app, "alice", "projet clore")
    changed = app.assistant.command(Caller("local", "alice", "console"), "/ent-assign",
                                    "8 DSI interne")
    assert changed[0].error and "est clos" in app.messages.plain(
        changed[0].template, changed[0].data)
    assert "ENT — qui s'occupe de quoi" in _say(app, "alice", "statut")
    database = app.database
    early = retention.purge(database, datetime(2026, 12, 31), 12, 30)
    assert early.projects == [] and "bob" in json.dumps(dump(database.engine))
    dry = retention.purge(database, datetime(2027, 1, 11), 12, 30, dry_run=True)
    assert len(dry.projects) == 1 and "bob" in json.dumps(dump(database.engine))
    done = retention.purge(database, datetime(2027, 1, 11), 12, 30)
    assert len(done.projects) == 1 and done.people == 2
    stored = json.dumps(dump(database.engine), ensure_ascii=False)
    assert "bob" not in stored and "alice" not in stored
    assert "personne effacée n° 1" in stored
    with database.engine.connect() as conn:
        project_id = int(conn.execute(select(Project.id)).scalar_one())
    assert replay_problems(database.engine, project_id) == []
    again = retention.purge(database, datetime(2027, 2, 1), 12, 30)
    assert again.projects == []


def test_an_uninstalled_workspace_is_deleted_after_the_grace_period(app: Application) -> None:
    with running_bot(app) as bot:
        _seed(bot)
        bot.send(sr.event_callback({"type": "app_uninstalled"}, event_id="Ev0UNINST1"))
    uninstalled = utcnow()
    _say(app, "carol", "projet creer ENT local")
    database = app.database
    assert retention.purge(database, uninstalled + timedelta(days=29), 12, 30).workspaces == []
    assert sr.TEAM_ID in json.dumps(dump(database.engine))
    done = retention.purge(database, uninstalled + timedelta(days=31), 12, 30)
    assert done.workspaces == [sr.TEAM_ID] and done.rows > 0
    stored = json.dumps(dump(database.engine))
    assert sr.TEAM_ID not in stored and BOB not in stored
    assert "carol" in stored


def test_rgpd_purge_on_the_command_line(
    app: Application, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _say(app, "alice", "projet creer ENT")
    with freeze_time("2026-01-10 09:00"):
        _say(app, "alice", "projet clore")
    monkeypatch.setenv("DATABASE_URL", app.settings.database_url)
    monkeypatch.delenv("BOT_LANGUAGE", raising=False)
    assert cli.main(["rgpd", "purge", "--dry-run", "--at", "2027-02-01T00:00"]) == 0
    assert "1 projet(s) clos seraient pseudonymisé(s)" in capsys.readouterr().out
    assert "alice" in json.dumps(dump(app.database.engine))
    assert cli.main(["rgpd", "purge", "--at", "2027-02-01T00:00"]) == 0
    assert "1 projet(s) clos ont été pseudonymisé(s)" in capsys.readouterr().out
    assert "alice" not in json.dumps(dump(app.database.engine))
    assert cli.main(["rgpd", "purge", "--at", "hier"]) == 2


def test_a_closed_project_refuses_the_gap_buttons(app: Application) -> None:
    with running_bot(app) as bot:
        _seed(bot)
        bot.command("/ent", "projet clore")
        state = dump(app.database.engine)
        bot.send(sr.block_actions(sr.button("gap_take", "hebergement"), user_id=BOB,
                                  channel_id=CHANNEL, response_url=bot.fake.new_response_url()))
        assert dump(app.database.engine) == state
        answered = [text_of(call.params) for call in bot.fake.calls("response_url")]
        assert any("est clos" in text for text in answered), answered
