"""Each Slack event is one service call with one write transaction at most: what it needs
from Slack (membership, a private channel's visibility) is asked between a short read and
the write, never while a transaction is open; a message not for the bot is one read. Through
the real app (signed requests, fake Slack over loopback)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.app import Application
from storage.db import IMMEDIATE
from tests.support import slack_requests as sr
from tests.support.db import row_counts
from tests.support.slack_app import ALICE, BOB, CHANNEL, EVE, SlackBot, posted, running_bot, text_of
from tests.test_slack_events import reply_in_thread, thread_of

DM = "D0ALICE01"
MOA = "Département d'Ille-et-Vilaine"


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


@contextmanager
def transactions(engine: Engine) -> Iterator[list[str]]:
    """Collect ``read`` or ``write`` per transaction the engine starts while the block runs
    (a write takes SQLite's write lock at once, BEGIN IMMEDIATE)."""
    begun: list[str] = []

    def record(connection: Any) -> None:
        begun.append("write" if connection.get_execution_options().get(IMMEDIATE) else "read")

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

    assert begun == ["read", "write"]
    answer = posted(bot.fake)[-1]
    assert answer["thread_ts"] == thread and "Question clé 1/4" in text_of(answer)
    assert MOA in bot.status()


def test_a_message_in_another_thread_is_one_read_that_takes_no_write_lock(
    bot: SlackBot,
) -> None:
    started(bot)
    before = row_counts(bot.application.database.engine)
    calls = len(bot.fake.calls())

    with transactions(bot.application.database.engine) as begun:
        bot.send(reply_in_thread("1700000000.999999", MOA))

    assert begun == ["read"]
    assert row_counts(bot.application.database.engine) == before
    assert len(bot.fake.calls()) == calls


def test_a_direct_message_is_one_read_and_one_write_applied_once(bot: SlackBot) -> None:
    started(bot)
    answer = direct_message(MOA)

    with transactions(bot.application.database.engine) as begun:
        bot.send(answer)
    bot.send(answer, retry_num=1)

    assert begun[:2] == ["read", "write"]
    replies = [post for post in posted(bot.fake) if post["channel"] == DM]
    assert len(replies) == 1 and "Question clé 1/4" in text_of(replies[0])
    history = bot.command("/ent", "historique")
    assert text_of(history.json()).count(MOA) == 1


def test_a_direct_message_without_a_chosen_project_asks_which_in_one_read(
    bot: SlackBot,
) -> None:
    bot.fake.set_members("C0CHAN0002", [ALICE])
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "projet creer ENT 56", channel="C0CHAN0002")

    with transactions(bot.application.database.engine) as begun:
        bot.send(direct_message(MOA))

    assert begun == ["read"]
    [picker] = [post for post in posted(bot.fake) if post["channel"] == DM]
    buttons = [e["text"]["text"] for b in picker["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == ["ENT 35", "ENT 56"]


def test_a_direct_message_from_someone_outside_the_projects_channel_changes_nothing(
    bot: SlackBot,
) -> None:
    started(bot)
    before = row_counts(bot.application.database.engine)

    with transactions(bot.application.database.engine) as begun:
        bot.send(direct_message(MOA, user=EVE, channel="D0EVE0001"))

    assert begun == ["read"]
    [refusal] = [post for post in posted(bot.fake) if post["channel"] == "D0EVE0001"]
    assert "Seuls les membres" in text_of(refusal)
    assert row_counts(bot.application.database.engine) == before
    assert MOA not in bot.status()


def test_a_mention_that_reads_is_one_read(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    mention = sr.app_mention_event(ALICE, CHANNEL, f"<@{sr.BOT_USER_ID}> statut")

    with transactions(bot.application.database.engine) as begun:
        bot.send(sr.event_callback(mention))

    assert begun == ["read"]
    shown = bot.fake.calls("chat.postEphemeral")[-1].params
    assert shown["user"] == ALICE and "ENT 35 — qui s'occupe de quoi" in text_of(shown)


def write_locked(engine: Engine) -> bool:
    """Whether a request's write transaction holds the database now: SQLite's write lock
    (BEGIN IMMEDIATE, no wait), PostgreSQL's project rows (FOR UPDATE NOWAIT)."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(str(engine.url.database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with engine.connect() as connection:
        try:
            connection.execute(text("SELECT id FROM project FOR UPDATE NOWAIT")).all()
            return False
        except OperationalError:
            return True
        finally:
            connection.rollback()


def probing(bot: SlackBot, method: str, locked: list[bool]) -> None:
    """Answer ``method`` as the fake does, noting first whether the database is locked."""
    fake = bot.fake
    route: Callable[[dict[str, Any]], dict[str, Any]] = fake._routes[method]

    def handler(params: dict[str, Any]) -> dict[str, Any]:
        locked.append(write_locked(bot.application.database.engine))
        with fake._cond:
            return route(params)

    fake.on(method, handler)


def forget(bot: SlackBot, *channels: str) -> None:
    """Someone joined: the bot asks Slack afresh who is in these channels."""
    for channel in channels:
        bot.send(sr.event_callback(sr.member_joined_channel_event(BOB, channel, inviter=ALICE)))


def test_slack_is_never_asked_while_a_transaction_holds_the_database(bot: SlackBot) -> None:
    private = "C0PRIVE001"
    bot.fake.channels[private] = {"name": "ent-prive", "is_private": True}
    bot.fake.set_members(private, [ALICE, sr.BOT_USER_ID])
    thread = started(bot)
    locked: list[bool] = []
    probing(bot, "conversations.members", locked)
    probing(bot, "conversations.info", locked)

    forget(bot, CHANNEL)
    bot.send(reply_in_thread(thread, MOA))
    forget(bot, CHANNEL)
    bot.send(direct_message("Alice Martin"))
    bot.command("/ent", "projet creer ENT prive", channel=private)
    forget(bot, CHANNEL, private)
    bot.send(direct_message("statut", user=EVE, channel="D0EVE0001"))
    forget(bot, CHANNEL)
    bot.send(sr.event_callback(sr.app_mention_event(
        ALICE, CHANNEL, f"<@{sr.BOT_USER_ID}> questions")))

    assert len(locked) >= 5 and not any(locked)
    assert MOA in bot.status()
    [picker] = [post for post in posted(bot.fake) if post["channel"] == "D0EVE0001"]
    assert "ENT prive" not in text_of(picker)
