"""Change notices through the outbox: queued in the change's transaction, posted right after
the commit, and by the next pass when the process failed or died before posting them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.app import Application
from bot.scheduler import Sender, Sent, run_pass
from bot.slack import notices
from services.assistant import Assistant
from services.turn import Caller
from storage import outbox
from storage.store import utcnow
from tests.support import slack_requests as sr
from tests.support.scheduled import no_sleep
from tests.support.slack_app import ALICE, BOB, CHANNEL, SlackBot, running_bot, text_of

WORKSPACE = sr.TEAM_ID


def client(bot: SlackBot) -> WebClient:
    return WebClient(token=bot.fake.token, base_url=bot.fake.base_url, retry_handlers=[],
                     timeout=5)


def in_channel(bot: SlackBot) -> list[dict[str, Any]]:
    return [c.params for c in bot.fake.calls("chat.postMessage")
            if c.params.get("channel") == CHANNEL and c.status == 200]


def notice_rows(app: Application) -> list[dict[str, Any]]:
    with app.database.transaction() as store:
        rows = store.connection.execute(
            outbox.OUTBOX.select().where(outbox.OUTBOX.c.kind == outbox.NOTICE)
            .order_by(outbox.OUTBOX.c.id)
        )
        return [dict(row._mapping) for row in rows]


def later(minutes: float) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def test_a_change_is_posted_once_with_its_key_and_recorded(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT 35")
        bot.fake.reset()
        bot.command("/ent", "facteurs 3 fait")
        [post] = in_channel(bot)
        assert "facteur" in text_of(post["blocks"]).lower()
        [row] = notice_rows(app)[-1:]
        assert post["metadata"]["event_payload"]["key"] == row["key"]
        assert (row["state"], row["ts"], row["payload"]) == ("sent", bot.fake.messages(
            CHANNEL)[-1]["ts"], {})
        result = run_pass(bot.application, client(bot), later(5), sleep=no_sleep)
        assert result.sent.sent == 0 and len(in_channel(bot)) == 1
        assert all(r["state"] == "sent" for r in notice_rows(app))


def test_a_change_whose_post_failed_is_posted_once_by_the_next_pass(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT 35")
        bot.fake.reset()
        bot.fake.fail_next("chat.postMessage", times=1, status=503, retry_after=None)
        bot.command("/ent", "facteurs 3 fait")
        assert in_channel(bot) == []
        [row] = notice_rows(app)[-1:]
        assert (row["state"], row["error"]) == ("pending", "service_unavailable")
        soon = run_pass(bot.application, client(bot), later(0.5), sleep=no_sleep)
        assert soon.sent.sent == 0  # backing off
        result = run_pass(bot.application, client(bot), later(2), sleep=no_sleep)
        assert (result.sent.sent, result.sent.found) == (1, 0)
        [post] = in_channel(bot)
        assert post["metadata"]["event_payload"]["key"] == row["key"]
        assert "facteur" in text_of(post["blocks"]).lower()
        again = run_pass(bot.application, client(bot), later(10), sleep=no_sleep)
        assert again.sent.sent == 0 and len(in_channel(bot)) == 1


def test_a_change_notice_survives_a_crash_after_the_commit(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT 35")
        bot.fake.reset()
        # The process commits the change, then dies before posting it.
        assistant = Assistant(app.database, notices.port(app.messages))
        caller = Caller(WORKSPACE, ALICE, CHANNEL)
        replies = assistant.command(caller, "/ent-assign", f"7 Éditeur editeur externe <@{BOB}>")
        replies += assistant.confirm(caller, True)
        assert [r.template for r in replies if r.public] == ["assigned"]
        [row] = [r for r in notice_rows(app) if r["state"] == "pending"]
        # A pass leaves it a moment to the process that queued it…
        early = run_pass(bot.application, client(bot), later(0.1), sleep=no_sleep)
        assert early.sent.sent == 0 and in_channel(bot) == []
        # …then posts it, once.
        result = run_pass(bot.application, client(bot), later(1), sleep=no_sleep)
        assert result.sent.sent == 1
        [post] = in_channel(bot)
        assert post["metadata"]["event_payload"]["key"] == row["key"]
        assert "Hébergement" in text_of(post["blocks"])
        run_pass(bot.application, client(bot), later(5), sleep=no_sleep)
        assert len(in_channel(bot)) == 1


def test_a_notice_posted_before_a_crash_is_found_not_posted_again(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT 35")
        bot.fake.reset()
        assistant = Assistant(app.database, notices.port(app.messages))
        assistant.command(Caller(WORKSPACE, ALICE, CHANNEL), "/ent", "facteurs 3 fait")
        [row] = [r for r in notice_rows(app) if r["state"] == "pending"]
        # Claimed and posted, then the process dies before recording it.
        with app.database.transaction(write=True) as store:
            [claimed] = outbox.claim_keys(store.connection, [row["key"]], utcnow())
        Sender(app.database, client(bot), no_sleep)._post(claimed, Sent())
        assert len(in_channel(bot)) == 1
        result = run_pass(bot.application, client(bot), later(5), sleep=no_sleep)
        assert (result.sent.sent, result.sent.found) == (0, 1)
        assert len(in_channel(bot)) == 1


def test_the_console_keeps_printing_changes(app: Application) -> None:
    caller = Caller(WORKSPACE, ALICE, CHANNEL)
    app.assistant.command(caller, "/ent", "projet creer ENT 35")
    replies = app.assistant.command(caller, "/ent", "facteurs 3 fait")
    assert [r.template for r in replies if r.public] and notice_rows(app) == []
    assert all(notices.KEY not in r.data for r in replies)
