"""Slash commands end to end: signed HTTP requests to the bot, a fake Slack Web API behind it."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator

import pytest

from bot.app import Application
from tests.support import slack_requests as sr
from tests.support.slack_app import (
    ALICE,
    BOB,
    CHANNEL,
    EVE,
    SECRET,
    SlackBot,
    posted,
    running_bot,
    text_of,
)


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


@pytest.fixture
def project(bot: SlackBot) -> SlackBot:
    answer = bot.command("/ent", "projet creer ENT des collèges 35")
    assert answer.status == 200 and answer.body == ""
    bot.fake.reset()
    return bot


def test_help_is_answered_in_the_acknowledgement_only(bot: SlackBot) -> None:
    answer = bot.command("/ent", "aide")

    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "/ent statut" in text_of(body)
    assert posted(bot.fake) == []


def test_creating_a_project_posts_it_in_the_channel_with_its_author(bot: SlackBot) -> None:
    answer = bot.command("/ent", "projet creer ENT des collèges 35")

    assert (answer.status, answer.body) == (200, "")
    [post] = posted(bot.fake)
    assert post["channel"] == CHANNEL
    assert f"<@{ALICE}>" in post["text"] and "ENT des collèges 35" in post["text"]
    assert "ENT des collèges 35" in bot.status()


def test_assign_command_changes_the_project_after_confirming_the_new_entity(
    project: SlackBot,
) -> None:
    bot = project
    asked = bot.command("/ent-assign", f"hebergement DSI du Département externe <@{BOB}|bob>")
    assert "DSI du Département" in text_of(asked.json())

    yes = sr.block_actions(
        sr.button("confirm_yes", "yes"), user_id=ALICE, channel_id=CHANNEL,
        response_url=bot.fake.new_response_url(),
    )
    assert bot.send(yes).status == 200

    [announce] = posted(bot.fake)
    assert announce["channel"] == CHANNEL
    assert f"<@{ALICE}>" in announce["text"] and "DSI du Département" in text_of(announce)
    [private] = bot.fake.calls("response_url")[-1:]
    assert "DSI du Département" in text_of(private.params)
    assert private.params["replace_original"] is True
    status = bot.status()
    assert "7.* Hébergement" in status and "DSI du Département" in status and BOB in status


def test_only_channel_members_change_the_project_but_anyone_may_look(project: SlackBot) -> None:
    bot = project
    refused = bot.command("/ent-assign", "7 DSI", user=EVE)
    look = bot.command("/ent", "statut", user=EVE)

    assert "Seuls les membres de <#C0CHAN0001>" in text_of(refused.json())
    assert "_personne_" in text_of(look.json())
    assert posted(bot.fake) == []
    assert "DSI" not in bot.status()


def test_membership_is_looked_up_once_per_channel_while_fresh(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    for number in (1, 2, 3):
        bot.command("/ent", f"facteurs {number} fait")
    bot.command("/ent", "statut")

    assert len(bot.fake.calls("conversations.members")) == 1


def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(project: SlackBot) -> None:
    bot = project
    request = sr.slash_command("/ent", "projet renommer Piraté", user_id=ALICE, channel_id=CHANNEL)

    forged = bot.send(request, secret="not-the-secret")
    stale = bot.send(request, timestamp=int(time.time()) - 600)

    assert (forged.status, stale.status) == (401, 401)
    assert "Piraté" not in bot.status()


def test_a_name_that_would_ping_the_channel_never_reaches_slack_unescaped(
    project: SlackBot,
) -> None:
    bot = project
    bot.command("/ent", "entite ajouter &lt;!channel&gt; &amp; co")
    bot.command("/ent-assign", '7 "&lt;!channel&gt; &amp; co"')
    status = bot.status()

    everything = [text_of(call.params) for call in bot.fake.calls()] + [status]
    assert all("<!channel>" not in text for text in everything)
    assert "&lt;!channel&gt; &amp; co" in status


def test_web_api_429_is_retried_after_retry_after(project: SlackBot) -> None:
    bot = project
    bot.fake.fail_next("chat.postMessage", times=1, status=429, retry_after=1)

    bot.command("/ent", "facteurs 1 fait")

    first, second = bot.fake.calls("chat.postMessage")[-2:]
    assert (first.status, second.status) == (429, 200)
    assert second.monotonic - first.monotonic >= 1.0
    assert "facteur" in second.params["text"].lower()


def test_health_check_and_url_verification(bot: SlackBot) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{bot.server.port}/healthz", timeout=5) as r:
        assert (r.status, r.read()) == (200, b"ok")
    token = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    assert bot.send(sr.url_verification(token)).json() == {"challenge": token}


def test_no_project_yet_gives_a_clear_french_error(bot: SlackBot) -> None:
    answer = bot.command("/ent-assign", "7 DSI")

    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "/ent projet creer" in text_of(body)
    assert posted(bot.fake) == []


def test_the_answer_does_not_wait_for_a_slow_web_api(project: SlackBot) -> None:
    bot = project
    bot.fake.delay("chat.postMessage", 2)
    request = sr.slash_command("/ent", "facteurs 2 fait", user_id=ALICE, channel_id=CHANNEL)

    answer = sr.post(bot.url, request.body, request.headers(SECRET))

    assert (answer.status, answer.body) == (200, "")
    assert bot.executor.pending == 1, "the post is still on its way"
    bot.executor.wait_idle()
    assert "facteur" in posted(bot.fake)[-1]["text"].lower()


def test_a_membership_lookup_that_hangs_refuses_without_a_traceback(bot: SlackBot) -> None:
    bot.fake.delay("conversations.members", 3)

    answer = bot.command("/ent", "projet creer ENT 35")

    assert answer.status == 200
    assert "Je n'ai pas pu vérifier que vous êtes membre" in text_of(answer.json())
    assert "Aucun projet dans ce canal" in text_of(bot.command("/ent", "aide").json())


def test_a_change_in_a_channel_the_bot_is_not_in_still_shows_there(project: SlackBot) -> None:
    bot = project
    bot.fake.error_next("chat.postMessage", "not_in_channel")

    bot.command("/ent", "facteurs 3 fait")

    [shown] = bot.fake.calls("response_url")
    assert shown.params["response_type"] == "in_channel"
    assert f"<@{ALICE}>" in text_of(shown.params)
