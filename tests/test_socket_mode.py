"""Socket Mode end to end: the bot on a loopback WebSocket fake of Slack, as ``ent-bot run``
starts it when SLACK_APP_TOKEN is set, with FakeSlack as the Web API behind it."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.app import Application
from bot.slack.app import create_app
from bot.slack.server import serve
from bot.slack.socket_mode import SocketModeServer
from storage.models import Assignment, HistoryEntry, Project
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket import APP_TOKEN, Ack, FakeSocketMode
from tests.support.slack_app import ALICE, BOB, CHANNEL, EVE, TrackingExecutor, posted, text_of

ROOT = Path(__file__).resolve().parents[1]
ENT_BOT = Path(sys.executable).with_name("ent-bot")


@dataclass
class SocketBot:
    fake: FakeSlack
    socket: FakeSocketMode
    server: SocketModeServer
    executor: TrackingExecutor
    application: Application

    def send(self, request: sr.SlackRequest, *, retry_attempt: int | None = None) -> Ack:
        """Send ``request`` as an envelope; wait for its ack and the work after it."""
        ack = self.socket.wait_ack(self.socket.send(request, retry_attempt=retry_attempt))
        self.executor.wait_idle()
        return ack

    def command(self, command: str, text: str, *, user: str = ALICE) -> Ack:
        return self.send(sr.slash_command(command, text, user_id=user, channel_id=CHANNEL,
                                          response_url=self.fake.new_response_url()))

    def click(self, action_id: str, value: str, *, user: str = ALICE) -> Ack:
        return self.send(sr.block_actions(sr.button(action_id, value), user_id=user,
                                          channel_id=CHANNEL,
                                          response_url=self.fake.new_response_url()))

    def status(self) -> str:
        ack = self.command("/ent", "statut")
        assert ack.payload is not None, ack
        return text_of(ack.payload)


@contextmanager
def socket_bot(app: Application) -> Iterator[SocketBot]:
    """The bot's Bolt app on a Socket Mode link to a fresh fake, on the test's database."""
    with FakeSlack(users={ALICE: {"name": "alice"}, BOB: {"name": "bob"}, EVE: {"name": "eve"}},
                   channel_members={CHANNEL: [ALICE, BOB, sr.BOT_USER_ID]}) as fake, \
            FakeSocketMode(fake) as socket:
        settings = dataclasses.replace(app.settings, **{
            "slack_bot_token": fake.token, "slack_app_token": socket.app_token,
            "slack_api_url": fake.base_url,
        })
        application = dataclasses.replace(app, settings=settings)
        executor = TrackingExecutor()
        server = SocketModeServer(create_app(application, executor), socket.app_token).start()
        try:
            yield SocketBot(fake, socket, server, executor, application)
        finally:
            server.stop()
            executor.shutdown(wait=True)
        assert fake.internal_errors == [] and socket.internal_errors == []


@pytest.fixture
def bot(app: Application) -> Iterator[SocketBot]:
    with socket_bot(app) as running:
        yield running


def projects(app: Application) -> list[str]:
    with Session(app.database.engine) as session:
        return list(session.exec(select(Project.name).where(Project.channel_id == CHANNEL)))


def history_rows(app: Application, new_value: str | None = None) -> int:
    """History rows, or only those whose new value is ``new_value``."""
    query = select(func.count()).select_from(HistoryEntry)
    if new_value is not None:
        query = query.where(HistoryEntry.new_value == new_value)
    with Session(app.database.engine) as session:
        return int(session.exec(query).one())


def assignments(app: Application) -> int:
    with Session(app.database.engine) as session:
        return int(session.exec(select(func.count()).select_from(Assignment)).one())


def thread_of(fake: FakeSlack) -> str:
    roots = [c for c in fake.calls("chat.postMessage") if not c.params.get("thread_ts")]
    return str(roots[-1].response["ts"])


def test_the_bot_opens_its_link_with_the_app_token_and_answers_after_hello(
    bot: SocketBot,
) -> None:
    [opened] = bot.fake.calls("apps.connections.open")
    [link] = bot.socket.links()

    ack = bot.command("/ent", "aide")

    assert opened.token == APP_TOKEN
    assert [m["type"] for m in link.sent][:1] == ["hello"]
    assert ack.link == link.number and link.received == [
        {"envelope_id": ack.envelope_id, "payload": ack.payload}]
    assert ack.payload is not None and ack.payload["response_type"] == "ephemeral"
    assert "/ent statut" in text_of(ack.payload)


def test_slash_commands_are_acked_with_their_reply_and_their_changes_stored(
    bot: SocketBot, app: Application,
) -> None:
    before = bot.command("/ent", "statut")
    created = bot.command("/ent", "projet creer ENT des collèges 35")
    asked = bot.command("/ent-assign", f"hebergement DSI du Département externe <@{BOB}|bob>")

    assert before.payload is not None and before.payload["response_type"] == "ephemeral"
    assert "pas encore de projet" in text_of(before.payload)
    assert created.payload is None
    [announce] = posted(bot.fake)
    assert announce["channel"] == CHANNEL and "ENT des collèges 35" in announce["text"]
    assert projects(app) == ["ENT des collèges 35"]
    assert asked.payload is not None and "DSI du Département" in text_of(asked.payload)
    assert "ENT des collèges 35 — qui s'occupe de quoi" in bot.status()


def test_a_button_is_acked_and_its_change_posted_and_stored(
    bot: SocketBot, app: Application,
) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent-assign", f"hebergement DSI externe <@{BOB}|bob>")
    bot.fake.reset()

    ack = bot.click("confirm_yes", "yes")

    assert ack.payload is None
    [announce] = posted(bot.fake)
    assert announce["channel"] == CHANNEL and "DSI" in text_of(announce)
    [private] = bot.fake.calls("response_url")
    assert "DSI" in text_of(private.params)
    assert assignments(app) == 1
    status = bot.status()
    assert "7.* Hébergement" in status and "DSI" in status and BOB in status


def test_events_are_acked_and_the_conversation_goes_on_in_the_thread(
    bot: SocketBot, app: Application,
) -> None:
    joined = bot.send(sr.event_callback(
        sr.member_joined_channel_event(sr.BOT_USER_ID, CHANNEL, inviter=ALICE)))

    assert joined.payload is None
    [welcome] = posted(bot.fake)
    assert "quel est le nom du projet" in text_of(welcome)
    thread = thread_of(bot.fake)
    answer = sr.event_callback({
        "type": "message", "user": ALICE, "text": "ENT des collèges 35",
        "ts": "1800000000.000100", "thread_ts": thread, "parent_user_id": sr.BOT_USER_ID,
        "channel": CHANNEL, "channel_type": "channel", "event_ts": "1800000000.000100",
        "team": sr.TEAM_ID,
    })

    bot.send(answer)

    assert all(post.get("thread_ts") == thread for post in posted(bot.fake)[1:])
    assert "maîtrise d'ouvrage" in text_of(posted(bot.fake)[-1])
    assert projects(app) == ["ENT des collèges 35"]


def test_a_redelivered_event_is_applied_once(bot: SocketBot, app: Application) -> None:
    bot.command("/ent", "projet creer ENT 35")
    event = sr.event_callback(sr.app_mention_event(
        ALICE, CHANNEL, f"<@{sr.BOT_USER_ID}> facteurs 2 fait"))
    bot.send(event)
    count, rows = len(posted(bot.fake)), history_rows(app)

    again = bot.send(event, retry_attempt=1)

    assert again.payload is None
    assert (len(posted(bot.fake)), history_rows(app)) == (count, rows)
    assert "facteurs clés de succès : 1/3" in bot.status()


@pytest.mark.parametrize("how", ["close frame", "no close frame", "disconnect message"])
def test_a_dropped_link_is_reopened_and_later_envelopes_handled_once(
    bot: SocketBot, app: Application, how: str,
) -> None:
    bot.command("/ent", "projet creer ENT 35")
    if how == "close frame":
        first = bot.socket.drop(1001)
    elif how == "no close frame":
        first = bot.socket.drop()
    else:
        first = bot.socket.refresh()

    second = bot.socket.wait_connected(2)
    ack = bot.command("/ent", "projet moa Département d'Ille-et-Vilaine")

    bot.socket.wait_closed(first)
    assert len(bot.fake.calls("apps.connections.open")) == 2
    assert ack.link == second.number == 2
    assert [a.envelope_id for a in bot.socket.acks()].count(ack.envelope_id) == 1
    assert history_rows(app, "Département d'Ille-et-Vilaine") == 1
    assert "Département d'Ille-et-Vilaine" in bot.status()


def test_a_link_slack_will_not_reopen_at_once_is_retried(bot: SocketBot) -> None:
    bot.fake.error_next("apps.connections.open", "internal_error")

    bot.socket.drop()
    bot.socket.wait_connected(2, timeout=10)

    assert [c.status for c in bot.fake.calls("apps.connections.open")] == [200, 200, 200]
    assert [c.response["ok"] for c in bot.fake.calls("apps.connections.open")] == [
        True, False, True]
    assert "pas encore de projet" in bot.status()


def test_stopping_closes_the_link_with_a_normal_close_frame(bot: SocketBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    [link] = bot.socket.links()

    bot.server.stop()

    assert bot.socket.wait_closed(link).close_code == 1000
    assert len(bot.socket.links()) == 1


def test_ent_bot_run_serves_socket_mode_and_closes_cleanly_on_sigterm(
    app: Application, tmp_path: Path,
) -> None:
    with FakeSlack(channel_members={CHANNEL: [ALICE, sr.BOT_USER_ID]}) as fake, \
            FakeSocketMode(fake) as socket:
        env = {**os.environ, "DATABASE_URL": app.settings.database_url,
               "SLACK_BOT_TOKEN": fake.token, "SLACK_APP_TOKEN": socket.app_token,
               "SLACK_API_URL": fake.base_url, "SLACK_SIGNING_SECRET": ""}
        process = subprocess.Popen(
            [str(ENT_BOT), "run"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        try:
            link = socket.wait_connected(timeout=30)
            ack = socket.request(sr.slash_command(
                "/ent", "projet creer ENT 35", user_id=ALICE, channel_id=CHANNEL,
                response_url=fake.new_response_url()))
            fake.wait_for("chat.postMessage")

            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=5)

        assert process.returncode == 0, err
        assert socket.wait_closed(link).close_code == 1000
    assert ack.payload is None and projects(app) == ["ENT 35"]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_link_that_cannot_be_opened_ends_ent_bot_run_in_one_line(
    app: Application, capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeSlack() as fake, FakeSocketMode(fake) as socket:
        settings = dataclasses.replace(app.settings, **{
            "slack_bot_token": fake.token, "slack_app_token": socket.app_token,
            "slack_api_url": fake.base_url,
        })
        socket.stop()

        code = serve(settings)

    assert code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "ent-bot console" in line
