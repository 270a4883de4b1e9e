"""The greeting the bot posts when it is invited to a channel goes through the durable
outbox: queued in the event's transaction, posted once with its key in the message
metadata, posted by the due pass when Slack failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.app import Application
from bot.scheduler import METADATA_EVENT, run_pass
from bot.slack import outbox as slack_outbox
from storage import outbox
from storage.store import utcnow
from tests.support import slack_requests as sr
from tests.support.slack_app import ALICE, CHANNEL, SlackBot, running_bot, text_of
from tests.test_slack_events import reply_in_thread

ASKED = "quel est le nom du projet"


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


def joined(event_id: str) -> sr.SlackRequest:
    event = sr.member_joined_channel_event(sr.BOT_USER_ID, CHANNEL, inviter=ALICE)
    return sr.event_callback(event, event_id=event_id)


def greetings(bot: SlackBot) -> list[dict[str, Any]]:
    """The top-level messages Slack accepted in the channel."""
    return [call.params for call in bot.fake.calls("chat.postMessage")
            if call.params.get("channel") == CHANNEL and not call.params.get("thread_ts")
            and call.status == 200]


def greeting_rows(bot: SlackBot) -> list[dict[str, Any]]:
    with bot.application.database.engine.connect() as connection:
        rows = connection.execute(
            select(outbox.OUTBOX).where(outbox.OUTBOX.c.key.startswith("greeting:"))
        )
        return [dict(row._mapping) for row in rows]


def test_the_greeting_is_posted_once_however_often_the_event_comes(bot: SlackBot) -> None:
    request = joined("Ev0JOIN0001")

    bot.send(request)
    bot.send(request, retry_num=1)
    bot.send(request)

    [greeting] = greetings(bot)
    assert ASKED in text_of(greeting)
    assert greeting["metadata"] == {"event_type": METADATA_EVENT,
                                    "event_payload": {"key": "greeting:Ev0JOIN0001"}}
    [row] = greeting_rows(bot)
    assert (row["state"], row["channel"]) == (outbox.SENT, CHANNEL)


def test_a_greeting_slack_failed_is_posted_once_by_the_due_pass(bot: SlackBot) -> None:
    bot.fake.fail_next("chat.postMessage", times=1, status=500, retry_after=None)

    bot.send(joined("Ev0JOIN0002"))

    assert greetings(bot) == []
    [row] = greeting_rows(bot)
    assert row["state"] == outbox.PENDING
    client = WebClient(token=bot.fake.token, base_url=bot.fake.base_url, retry_handlers=[],
                       timeout=5)
    later = utcnow() + timedelta(minutes=10)
    run_pass(bot.application, client, later, sleep=lambda _s: None)
    run_pass(bot.application, client, later + timedelta(minutes=10), sleep=lambda _s: None)
    [greeting] = greetings(bot)
    assert ASKED in text_of(greeting)
    [row] = greeting_rows(bot)
    assert row["state"] == outbox.SENT

    bot.send(reply_in_thread(str(row["ts"]), "ENT des collèges 35"))

    assert "ENT des collèges 35" in bot.status()


def test_invited_back_the_conversation_goes_on_in_the_greeting_s_thread(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    bot.fake.reset()

    bot.send(joined("Ev0JOIN0003"))

    [greeting] = greetings(bot)
    assert "maîtrise d'ouvrage" in text_of(greeting)
    [row] = greeting_rows(bot)
    bot.send(reply_in_thread(str(row["ts"]), "Département d'Ille-et-Vilaine"))
    answer = bot.fake.calls("chat.postMessage")[-1].params
    assert answer["thread_ts"] == row["ts"] and "Question clé 1/4" in text_of(answer)


def test_invited_back_a_greeting_slack_failed_still_holds_the_conversation(
    bot: SlackBot,
) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    bot.fake.reset()
    bot.fake.fail_next("chat.postMessage", times=1, status=500, retry_after=None)

    bot.send(joined("Ev0JOIN0004"))

    assert greetings(bot) == []
    client = WebClient(token=bot.fake.token, base_url=bot.fake.base_url, retry_handlers=[],
                       timeout=5)
    later = utcnow() + timedelta(minutes=10)
    run_pass(bot.application, client, later, sleep=lambda _s: None)
    run_pass(bot.application, client, later + timedelta(minutes=10), sleep=lambda _s: None)
    [greeting] = greetings(bot)
    assert "maîtrise d'ouvrage" in text_of(greeting)
    [row] = greeting_rows(bot)
    assert row["state"] == outbox.SENT

    bot.send(reply_in_thread(str(row["ts"]), "Département d'Ille-et-Vilaine"))

    answer = bot.fake.calls("chat.postMessage")[-1].params
    assert answer["thread_ts"] == row["ts"] and "Question clé 1/4" in text_of(answer)


def test_a_greeting_longer_than_a_message_is_posted_whole_its_first_part_holding_the_thread(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    [question] = [call.params for call in bot.fake.calls("chat.postMessage")
                  if "maîtrise d'ouvrage" in text_of(call.params)]
    bot.fake.reset()
    monkeypatch.setattr(slack_outbox, "MAX_BLOCKS", 1)

    bot.send(joined("Ev0JOIN0005"))

    parts = greetings(bot)
    blocks = [block for part in parts for block in part["blocks"]]
    assert len(parts) == len(blocks) > len(question["blocks"])
    assert blocks[-len(question["blocks"]):] == question["blocks"]
    first, *_ = sorted(greeting_rows(bot), key=lambda row: row["id"])
    assert first["key"] == "greeting:Ev0JOIN0005"
    bot.send(reply_in_thread(str(first["ts"]), "Département d'Ille-et-Vilaine"))
    answers = [call.params for call in bot.fake.calls("chat.postMessage")
               if call.params.get("thread_ts") == first["ts"]]
    assert any("Question clé 1/4" in text_of(answer) for answer in answers)
