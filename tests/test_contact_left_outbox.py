"""The lead's “contact parti” message goes through the durable outbox: queued in the
departure's transaction (one row per event and project), sent once, retried by the due
pass when Slack fails."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot.app import Application
from bot.scheduler import run_pass
from storage import outbox
from storage.models import Project
from storage.store import utcnow
from tests.support import slack_requests as sr
from tests.support.slack_app import ALICE, BOB, SlackBot, running_bot, text_of

DM_ALICE = "D" + ALICE[1:]
LEFT = {"type": "user_change", "user": {"id": BOB, "deleted": True, "name": "bob"}}


def _seed(bot: SlackBot) -> int:
    bot.command("/ent", "projet creer ENT des collèges")
    bot.command("/ent", "entite ajouter DSI collectivite")
    bot.command("/ent-assign", f"7 DSI interne <@{BOB}|bob>")
    with bot.application.database.engine.connect() as conn:
        return int(conn.execute(select(Project.id)).scalar_one())


def _delivered(bot: SlackBot) -> list[str]:
    """The lead's direct messages Slack accepted."""
    return [text_of(call.params) for call in bot.fake.calls("chat.postMessage")
            if call.params.get("channel") in (ALICE, DM_ALICE) and call.status == 200]


def _rows(bot: SlackBot, project_id: int) -> list[dict[str, object]]:
    with bot.application.database.transaction() as store:
        return [row for row in outbox.rows_for(store.connection, project_id)
                if str(row["key"]).startswith("contact_left:")]


def test_the_lead_s_message_is_an_outbox_row_sent_once(app: Application) -> None:
    with running_bot(app) as bot:
        project_id = _seed(bot)
        request = sr.event_callback(LEFT, event_id="Ev0LEFT0010")
        bot.send(request)
        bot.send(request, retry_num=1)
        [row] = _rows(bot, project_id)
        assert row["key"] == f"contact_left:{project_id}:Ev0LEFT0010"
        assert row["channel"] == ALICE and row["state"] == outbox.SENT
        [notice] = _delivered(bot)
        assert "contact parti" in notice


def test_a_failed_message_is_sent_by_the_due_pass_once(app: Application) -> None:
    with running_bot(app) as bot:
        project_id = _seed(bot)
        bot.fake.fail_next("chat.postMessage", times=1, status=503, retry_after=None)
        bot.send(sr.event_callback(LEFT, event_id="Ev0LEFT0011"))
        assert _delivered(bot) == []
        [row] = _rows(bot, project_id)
        assert row["state"] == outbox.PENDING
        client = WebClient(token=bot.fake.token, base_url=bot.fake.base_url,
                           retry_handlers=[], timeout=5)
        later = utcnow() + timedelta(minutes=10)
        run_pass(bot.application, client, later, sleep=lambda _s: None)
        run_pass(bot.application, client, later + timedelta(minutes=10), sleep=lambda _s: None)
        [notice] = _delivered(bot)
        assert "contact parti" in notice and "Hébergement" in notice
        [row] = _rows(bot, project_id)
        assert row["state"] == outbox.SENT
