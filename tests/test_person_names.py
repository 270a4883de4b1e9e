"""People by name where Slack does not show them: a slash command's ``<@U456DEF|thomas>``
keeps ``thomas``; the handover document and the console's history then say ``@thomas``,
Slack keeps its own mentions, and the name goes with the person."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.app import Application
from services import retention
from services.answers import mention_labels
from services.turn import Caller
from storage.person_names import PERSON_NAME
from tests.support import slack_requests as sr
from tests.support.db import count_statements
from tests.support.slack_app import ALICE, CHANNEL, SlackBot, running_bot, text_of

THOMAS = "U456DEF"
WRITES = {"INSERT", "UPDATE", "DELETE"}


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        assert running.command("/ent", "projet creer ENT des collèges 35").status == 200
        running.command("/ent", "entite ajouter DSI collectivite")
        yield running


def names(app: Application) -> dict[str, tuple[str, datetime]]:
    """The stored names, by person: (name, when it was last changed)."""
    with app.database.engine.connect() as conn:
        rows = conn.execute(select(PERSON_NAME.c.user_id, PERSON_NAME.c.name,
                                   PERSON_NAME.c.updated_at))
        return {str(user): (str(name), when) for user, name, when in rows}


def exported(bot: SlackBot, fmt: str) -> str:
    """The text of the handover document ``/ent export`` shares in the channel."""
    bot.fake.uploads.clear()
    answer = bot.command("/ent", f"export {fmt}")
    assert answer.status == 200
    [upload] = list(bot.fake.uploads.values())
    data: bytes = upload["content"]
    if fmt == "ods":
        with zipfile.ZipFile(io.BytesIO(data)) as ods:
            return ods.read("content.xml").decode("utf-8")
    return data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["md", "csv", "ods"])
def test_the_handover_document_names_the_person_slack_keeps_its_mention(
    bot: SlackBot, fmt: str
) -> None:
    bot.command("/ent-assign", f"7 DSI interne <@{THOMAS}|thomas>")

    assert {user: name for user, (name, _) in names(bot.application).items()} == {
        THOMAS: "thomas"
    }
    document = exported(bot, fmt)
    assert "@thomas" in document
    assert THOMAS not in document
    assert ALICE in document  # no name known for her: shown as before
    assert f"<@{THOMAS}>" in bot.status()


def test_a_later_label_renames_and_the_same_label_writes_nothing(bot: SlackBot) -> None:
    bot.command("/ent-assign", f"7 DSI interne <@{THOMAS}|thomas>")
    first = names(bot.application)[THOMAS]

    bot.command("/ent", f"contact 8 <@{THOMAS}|thomas>")
    assert names(bot.application)[THOMAS] == first

    with count_statements(bot.application.database.engine) as statements:
        bot.command("/ent", f"contact 9 <@{THOMAS}|thomas.martin> <@U0BOB0001|bob>")
    assert sum("person_name" in s for s in statements) == 1
    assert names(bot.application)[THOMAS][0] == "thomas.martin"
    assert names(bot.application)["U0BOB0001"][0] == "bob"
    document = exported(bot, "md")
    assert "@thomas.martin" in document and "@bob" in document
    assert "@thomas |" not in document and THOMAS not in document


def test_history_as_text_shows_the_name_and_slack_keeps_the_mention(bot: SlackBot) -> None:
    """Slack renders ``<@U456DEF>`` itself; the same history as plain text (the console's,
    the logs') has only the name to show."""
    bot.command("/ent-assign", f"7 DSI interne <@{THOMAS}|thomas>")
    in_slack = text_of(bot.command("/ent", "historique 7").json())
    assert f"<@{THOMAS}>" in in_slack and "@thomas" not in in_slack

    app = bot.application
    [reply] = app.assistant.command(Caller(sr.TEAM_ID, ALICE, CHANNEL), "/ent", "historique 7")
    text = app.messages.plain(reply.template, reply.data, reply.language)

    assert "contacts : ∅ → @thomas" in text
    assert THOMAS not in text
    assert f"<@{ALICE}>" in text  # no name known for her: shown as before


def test_erasing_the_person_deletes_the_name(bot: SlackBot) -> None:
    bot.command("/ent-assign", f"7 DSI interne <@{THOMAS}|thomas>")
    asked = text_of(bot.command("/ent", f"oublier <@{THOMAS}|thomas>").json())
    assert "Effacer" in asked

    done = text_of(bot.command("/ent", f"oublier <@{THOMAS}|thomas> confirmer").json())

    assert "personne effacée n° 1" in done
    assert THOMAS not in names(bot.application)
    document = exported(bot, "md")
    assert "thomas" not in document and THOMAS not in document


def test_a_read_only_command_costs_the_same_statements_once_names_are_known(
    bot: SlackBot,
) -> None:
    app = bot.application
    caller = Caller(sr.TEAM_ID, ALICE, CHANNEL)
    with count_statements(app.database.engine) as before:
        app.assistant.command(caller, "/ent", "statut")

    bot.command("/ent-assign", f"7 DSI interne <@{THOMAS}|thomas>")
    with count_statements(app.database.engine) as after:
        replies = app.assistant.command(caller, "/ent", "statut")

    assert not replies[0].error
    assert len(after) == len(before)
    assert not any("person_name" in s for s in after)


def test_the_retention_purge_drops_names_nothing_names_any_more(bot: SlackBot) -> None:
    app = bot.application
    bot.command("/ent-assign", f"7 DSI interne <@{THOMAS}|thomas>")
    assert THOMAS in names(app)
    with freeze_time("2026-01-10 09:00"):
        [closed] = app.assistant.command(Caller(sr.TEAM_ID, ALICE, CHANNEL), "/ent",
                                         "projet clore")
    assert not closed.error

    done = retention.purge(app.database, datetime(2027, 1, 11), 12, 30)

    assert len(done.projects) == 1
    assert names(app) == {}


def test_labels_are_read_as_slack_writes_them() -> None:
    text = f"7 DSI <@{THOMAS}|thomas> <@U0BOB0001|B&amp;B\tdupont> <@U0EVE0001|> <@U0ANN0001>"
    assert mention_labels(text) == {THOMAS: "thomas", "U0BOB0001": "B&B dupont"}
    assert mention_labels(f"<@{THOMAS}|thomas> puis <@{THOMAS}|thomas.m>") == {
        THOMAS: "thomas.m"
    }


def test_only_slacks_own_mentions_give_a_name(bot: SlackBot) -> None:
    """Slack escapes what a person types: a typed ``<@U0BOSS0001|menteur>`` arrives as
    ``&lt;@…&gt;`` and names nobody; Slack's own labelled mention names the person."""
    bot.command("/ent", "contact 7 &lt;@U0BOSS0001|menteur&gt;")
    assert names(bot.application) == {}

    bot.command("/ent", "contact 7 <@U0BOSS0001|boss>")
    assert {user: name for user, (name, _) in names(bot.application).items()} == {
        "U0BOSS0001": "boss"
    }


def test_a_label_is_decoded_once(bot: SlackBot) -> None:
    """Slack writes ``&amp;lt;`` for a ``&lt;`` in a name: it stays ``&lt;``, never ``<``;
    only Slack's three escapes are decoded (``&eacute;`` is a name's own text)."""
    bot.command("/ent", "contact 7 <@U0BOB0001|&amp;lt;!channel&amp;gt; A&amp;B>")
    assert names(bot.application)["U0BOB0001"][0] == "&lt;!channel&gt; A&B"
    assert mention_labels("<@U0BOB0001|caf&eacute; &lt;x&gt;>") == {
        "U0BOB0001": "caf&eacute; <x>"
    }


def test_a_read_only_command_writes_no_name(bot: SlackBot) -> None:
    with count_statements(bot.application.database.engine) as statements:
        answer = bot.command("/ent", "statut <@U0BOB0001|bob>")
    assert answer.status == 200
    assert names(bot.application) == {}
    writes = [s for s in statements if s.lstrip().split()[0].upper() in WRITES]
    assert writes == []
    bot.command("/ent", "aide <@U0BOB0001|bob>")
    assert names(bot.application) == {}


def test_forgetting_someone_records_no_name(bot: SlackBot) -> None:
    """The erasure's question is about what the bot held before it: the label of the
    command that asks it is not one more thing to erase."""
    assert "ne connaît pas" in text_of(
        bot.command("/ent", "oublier <@U0NOBODY01|nobody>").json())
    bot.command("/ent", "contact 7 <@U0BOB0001>")

    asked = text_of(bot.command("/ent", "oublier <@U0BOB0001|bob>").json())

    assert "Effacer" in asked and "nom affiché" not in asked
    assert names(bot.application) == {}


def test_a_mention_of_the_bot_gives_no_name_from_what_was_typed(bot: SlackBot) -> None:
    bot.send(sr.event_callback(sr.app_mention_event(
        ALICE, CHANNEL, f"<@{sr.BOT_USER_ID}> contact 7 &lt;@U0BOSS0001|menteur&gt;")))
    assert names(bot.application) == {}
