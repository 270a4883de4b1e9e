"""Each Slack event is one service call in one transaction: the thread answer, the direct
message and the mention are decided and answered together, through the real app (signed
requests, fake Slack over loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.app import Application
from tests.support import slack_requests as sr
from tests.support.db import row_counts
from tests.support.slack_app import ALICE, CHANNEL, EVE, SlackBot, posted, running_bot, text_of
from tests.test_slack_events import reply_in_thread, thread_of

DM = "D0ALICE01"
MOA = "Département d'Ille-et-Vilaine"


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


@contextmanager
def transactions(engine: Engine) -> Iterator[list[str]]:
    """Collect a line per transaction (BEGIN) the engine starts while the block runs."""
    begun: list[str] = []

    def record(connection: Any) -> None:
        begun.append("BEGIN")

    event.listen(engine, "begin", record)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", record)


def direct_message(text: str, user: str = ALICE, channel: str = DM) -> sr.SlackRequest:
    ts = f"{1_800_000_000 + len(text)}.{abs(hash(text)) % 1_000_000:06d}"
    return sr.event_callback({
        "type": "message", "user": user, "text": text, "ts": ts, "channel": channel,
        "channel_type": "im", "event_ts": ts, "team": sr.TEAM_ID,
    })


def started(bot: SlackBot) -> str:
    """A project whose conversation asks its maîtrise d'ouvrage; the conversation's thread."""
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    return thread_of(bot)


def test_a_thread_answer_is_one_transaction(bot: SlackBot) -> None:
    thread = started(bot)

    with transactions(bot.application.database.engine) as begun:
        bot.send(reply_in_thread(thread, MOA))

    assert len(begun) == 1
    answer = posted(bot.fake)[-1]
    assert answer["thread_ts"] == thread and "Question clé 1/4" in text_of(answer)
    assert MOA in bot.status()


def test_a_message_in_another_thread_is_one_transaction_that_writes_nothing(
    bot: SlackBot,
) -> None:
    started(bot)
    before = row_counts(bot.application.database.engine)
    calls = len(bot.fake.calls())

    with transactions(bot.application.database.engine) as begun:
        bot.send(reply_in_thread("1700000000.999999", MOA))

    assert len(begun) == 1
    assert row_counts(bot.application.database.engine) == before
    assert len(bot.fake.calls()) == calls


def test_a_direct_message_is_one_transaction_applied_once(bot: SlackBot) -> None:
    started(bot)
    answer = direct_message(MOA)

    with transactions(bot.application.database.engine) as begun:
        bot.send(answer)
    bot.send(answer, retry_num=1)

    assert len(begun) == 1
    replies = [post for post in posted(bot.fake) if post["channel"] == DM]
    assert len(replies) == 1 and "Question clé 1/4" in text_of(replies[0])
    history = bot.command("/ent", "historique")
    assert text_of(history.json()).count(MOA) == 1


def test_a_direct_message_without_a_chosen_project_asks_which_in_one_transaction(
    bot: SlackBot,
) -> None:
    bot.fake.set_members("C0CHAN0002", [ALICE])
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "projet creer ENT 56", channel="C0CHAN0002")

    with transactions(bot.application.database.engine) as begun:
        bot.send(direct_message(MOA))

    assert len(begun) == 1
    [picker] = [post for post in posted(bot.fake) if post["channel"] == DM]
    buttons = [e["text"]["text"] for b in picker["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == ["ENT 35", "ENT 56"]


def test_a_direct_message_from_someone_outside_the_projects_channel_changes_nothing(
    bot: SlackBot,
) -> None:
    started(bot)
    before = row_counts(bot.application.database.engine)

    bot.send(direct_message(MOA, user=EVE, channel="D0EVE0001"))

    [refusal] = [post for post in posted(bot.fake) if post["channel"] == "D0EVE0001"]
    assert "Seuls les membres" in text_of(refusal)
    assert row_counts(bot.application.database.engine) == before
    assert MOA not in bot.status()


def test_a_mention_is_one_transaction(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    mention = sr.app_mention_event(ALICE, CHANNEL, f"<@{sr.BOT_USER_ID}> statut")

    with transactions(bot.application.database.engine) as begun:
        bot.send(sr.event_callback(mention))

    assert len(begun) == 1
    shown = bot.fake.calls("chat.postEphemeral")[-1].params
    assert shown["user"] == ALICE and "ENT 35 — qui s'occupe de quoi" in text_of(shown)
