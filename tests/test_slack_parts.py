"""The Slack adapter's parts on their own: routing, the membership cache, the form rules,
which commands only read, and ``ent-bot run`` without its settings."""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot import cli
from bot.app import Application
from bot.settings import Settings
from bot.slack.commands import COMMANDS
from bot.slack.members import RECHECK_AFTER, TTL, Members
from bot.slack.outbox import Kind, Origin, Private, route
from bot.slack.server import missing_setting, serve
from services import commands, forms
from services.forms import AssignForm
from services.turn import Caller, Reply
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import ALICE, running_bot

ERROR = Reply("error", error=True)
HELP = Reply("help")
CHANGE = Reply("assigned", public=True)
QUESTION = Reply("ask", conversation=True)


def kinds(replies: list[Reply], origin: Origin) -> tuple[list[str], list[tuple[Kind, str | None]]]:
    routed = route(replies, origin)
    return [r.template for r in routed.ack], [(p.kind, p.thread_ts) for p in routed.posts]


def test_a_slash_command_answers_privately_in_the_ack_and_posts_changes() -> None:
    origin = Origin("T1", "U1", Private.ACK, channel="C1")

    assert kinds([HELP, ERROR], origin) == (["help", "error"], [])
    assert kinds([CHANGE], origin) == ([], [(Kind.CHANNEL, None), (Kind.HOME, None)])
    assert kinds([QUESTION], origin) == ([], [(Kind.CONVERSATION, None)])
    started = Origin("T1", "U1", Private.ACK, channel="C1", start_thread=True)
    assert kinds([QUESTION], started) == ([], [(Kind.START, None)])


def test_in_the_thread_answers_stay_in_it_and_errors_stay_private() -> None:
    origin = Origin("T1", "U1", Private.EPHEMERAL, channel="C1", thread_ts="1.2")

    _, posts = kinds([CHANGE, QUESTION, ERROR], origin)

    assert posts == [(Kind.THREAD, "1.2"), (Kind.EPHEMERAL, "1.2"), (Kind.HOME, None)]
    assert route([CHANGE, QUESTION], origin).posts[0].replies == (CHANGE, QUESTION)


def test_in_a_direct_message_the_conversation_stays_private_and_changes_go_to_the_channel() -> None:
    origin = Origin("T1", "U1", Private.DIRECT, channel="D1", project_channel="C1")

    routed = route([QUESTION, CHANGE], origin)

    assert [(p.kind, p.channel) for p in routed.posts] == [
        (Kind.DIRECT, "D1"), (Kind.CHANNEL, "C1"), (Kind.HOME, None),
    ]


def test_home_buttons_refresh_the_home_with_their_notices() -> None:
    origin = Origin("T1", "U1", Private.HOME)

    [home] = route([ERROR], origin).posts

    assert (home.kind, home.replies) == (Kind.HOME, (ERROR,))


@pytest.mark.parametrize("text", [
    "", "aide", "help", "statut", "matrice", "lacunes", "historique", "historique 7",
    "entite", "entite liste", "facteurs", "projet", "competence", "competence liste",
])
def test_read_only_commands_change_nothing(app: Application, text: str) -> None:
    caller = Caller("T1", "U1", "C1")
    app.assistant.command(caller, "/ent", "projet creer ENT 35")
    before = app.assistant.command(caller, "/ent", "historique")

    assert not commands.changes_project("/ent", text)
    replies = app.assistant.command(caller, "/ent", text)

    assert not any(reply.public for reply in replies)
    assert app.assistant.command(caller, "/ent", "historique") == before


@pytest.mark.parametrize(("command", "text"), [
    ("/ent", "projet creer X"), ("/ent", "projet renommer X"), ("/ent", "facteurs 1 fait"),
    ("/ent", "entite ajouter DSI"), ("/ent", "entite renommer A B"), ("/ent", "questions"),
    ("/ent", "desassigner 7"), ("/ent", "assigner 7 DSI"), ("/ent-assign", "7 DSI"),
    ("/ent", "nouveau-mot"), ("/autre", "statut"), ("/ent", "contact 7 moi"),
    ("/ent", "competence ajouter X"), ("/ent", "projet langue en"), ("/ent", "perenne 7"),
])
def test_everything_else_counts_as_a_change(command: str, text: str) -> None:
    assert commands.changes_project(command, text)


def test_membership_is_cached_per_channel_and_refreshed() -> None:
    now = [0.0]
    with FakeSlack(channel_members={"C1": ["U1"]}) as fake:
        members = Members(WebClient(base_url=fake.base_url, token=fake.token),
                          clock=lambda: now[0])
        assert members.contains("C1", "U1") is True
        assert members.contains("C1", "U1") is True
        assert members.contains("C1", "U2") is False  # fresh list: trusted
        fake.set_members("C1", ["U1", "U2"])
        now[0] = RECHECK_AFTER + 1
        assert members.contains("C1", "U2") is True  # missing from an older list: look again
        now[0] += TTL + 1
        assert members.contains("C1", "U1") is True
        assert members.contains("C9", "U1") is None  # channel_not_found: cannot tell
        assert len(fake.calls("conversations.members")) == 4


def test_a_new_entity_named_like_an_existing_one_is_that_entity(app: Application) -> None:
    caller = Caller("T1", ALICE, "C1")
    app.assistant.command(caller, "/ent", "projet creer ENT 35")
    app.assistant.command(caller, "/ent", "entite ajouter DSI du Département")

    replies = app.assistant.run(caller, lambda turn: forms.submit(turn, AssignForm(
        competence="reseau", new_entity="dsi du departement",
    )))

    assert [reply.template for reply in replies] == ["assigned"]
    assert replies[0].data["entity"].name == "DSI du Département"


def test_two_different_entities_in_one_form_are_refused(app: Application) -> None:
    caller = Caller("T1", ALICE, "C1")
    app.assistant.command(caller, "/ent", "projet creer ENT 35")
    app.assistant.command(caller, "/ent", "entite ajouter DSI")

    [entity_id] = [str(e.id) for e in app.assistant.run(caller, lambda turn: forms.form(turn))[0]
                   .data["entities"]]
    replies = app.assistant.run(caller, lambda turn: forms.submit(turn, AssignForm(
        competence="reseau", entity_id=entity_id, new_entity="Région", contacts=("bob",),
    )))

    assert [(r.data["field"], r.data["code"]) for r in replies] == [
        ("new_entity", "both_entities"), ("contacts", "bad_contacts"),
    ]
    assert all(reply.error for reply in replies)


def test_run_without_a_token_says_which_setting_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite")

    code = cli.main(["run"])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "SLACK_BOT_TOKEN" in err and "ent-bot console" in err
    assert not (tmp_path / "db.sqlite").exists()


def test_socket_mode_needs_no_signing_secret() -> None:
    base = Settings()
    assert missing_setting(base) == "SLACK_BOT_TOKEN"
    http = dataclasses.replace(base, **{"slack_bot_token": "xoxb-1"})
    assert missing_setting(http) == "SLACK_SIGNING_SECRET"
    assert missing_setting(dataclasses.replace(http, **{"slack_app_token": "xapp-1"})) is None


def test_other_paths_are_not_found(app: Application) -> None:
    with running_bot(app) as bot:
        url = f"http://127.0.0.1:{bot.server.port}/"
        with pytest.raises(urllib.error.HTTPError) as found:
            urllib.request.urlopen(url + "admin", timeout=5)
        assert found.value.code == 404


def test_the_manifest_declares_the_commands_and_events_the_bot_listens_to() -> None:
    manifest = (Path(__file__).resolve().parents[1] / "manifest.yml").read_text("utf-8")
    lines = {line.strip() for line in manifest.splitlines()}

    for command in COMMANDS:
        assert f"- command: {command}" in lines
    for event in ("app_home_opened", "app_mention", "member_joined_channel", "message.channels",
                  "message.groups", "message.im"):
        assert f"- {event}" in lines
    for scope in ("commands", "chat:write", "channels:read", "channels:history", "im:history"):
        assert f"- {scope}" in lines
    assert "socket_mode_enabled: true" in lines and "is_enabled: true" in lines
    assert "should_escape: true" in lines


def test_socket_mode_opens_its_connection_with_the_app_token(
    app: Application, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeSlack() as fake:
        settings = dataclasses.replace(app.settings, **{
            "slack_bot_token": fake.token, "slack_app_token": "xapp-1-A0ENTBOT1-test",
            "slack_api_url": fake.base_url,
        })

        code = serve(settings)

        [opened] = fake.calls("apps.connections.open")
    assert opened.token == "xapp-1-A0ENTBOT1-test"
    assert code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "Slack refuse la connexion" in line and "ent-bot console" in line
