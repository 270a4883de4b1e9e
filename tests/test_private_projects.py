"""A project bound to a private channel is for that channel's members only: not in another
person's direct-message picker, nor on their home page, nor reachable by a forged button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import Application
from tests.support import slack_requests as sr
from tests.support.slack_app import ALICE, BOB, CHANNEL, SlackBot, running_bot, text_of

PRIVATE = "C0PRIV0001"
BOB_DM = "D0BOB0001"


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        running.fake.channels[PRIVATE] = {"name": "ent-prive", "is_private": True}
        running.fake.set_members(PRIVATE, [ALICE, sr.BOT_USER_ID])
        running.command("/ent", "projet creer ENT public")
        running.command("/ent", "projet creer ENT confidentiel", channel=PRIVATE)
        running.command("/ent-assign", f"7 DSI <@{BOB}|bob>", channel=PRIVATE)
        running.send(sr.block_actions(
            sr.button("confirm_yes", "yes"), user_id=ALICE, channel_id=PRIVATE,
            response_url=running.fake.new_response_url(),
        ))
        assert "DSI" in running.status(channel=PRIVATE)
        running.fake.reset()
        yield running


def picker_buttons(answer: sr.HttpResult) -> dict[str, str]:
    return {
        e["text"]["text"]: e["value"]
        for b in answer.json()["blocks"] if b["type"] == "actions" for e in b["elements"]
    }


def test_the_dm_picker_shows_a_private_project_to_its_members_only(bot: SlackBot) -> None:
    alice = picker_buttons(bot.command("/ent", "statut", channel="D0ALICE01"))
    assert set(alice) == {"ENT public", "ENT confidentiel"}

    answer = bot.command("/ent", "statut", user=BOB, channel=BOB_DM)

    assert "ENT confidentiel" not in text_of(answer.json())
    assert set(picker_buttons(answer)) == {"ENT public"}


def test_a_forged_button_does_not_open_a_private_project(bot: SlackBot) -> None:
    value = picker_buttons(bot.command("/ent", "statut", channel="D0ALICE01"))["ENT confidentiel"]

    bot.send(sr.block_actions(sr.button("dm_project", value), user_id=BOB, channel_id=BOB_DM,
                              response_url=bot.fake.new_response_url()))
    answer = bot.command("/ent", "statut", user=BOB, channel=BOB_DM)

    assert "ENT confidentiel" not in text_of(answer.json())
    assert "DSI" not in text_of(answer.json())


def test_the_home_page_hides_a_private_project_from_a_non_member(bot: SlackBot) -> None:
    bot.send(sr.event_callback(sr.app_home_opened_event(BOB)))
    [publish] = bot.fake.calls("views.publish")
    home = text_of(publish.params["view"])
    assert "ENT confidentiel" not in home and "Hébergement" not in home

    bot.fake.set_members(PRIVATE, [ALICE, BOB, sr.BOT_USER_ID])
    bot.send(sr.event_callback(sr.member_joined_channel_event(BOB, PRIVATE, channel_type="G")))
    bot.fake.reset()
    bot.send(sr.event_callback(sr.app_home_opened_event(BOB)))
    home = text_of(bot.fake.calls("views.publish")[-1].params["view"])
    assert "ENT confidentiel" in home and "Hébergement" in home


def test_a_public_project_stays_visible_to_everyone(bot: SlackBot) -> None:
    bot.command("/ent-assign", f"4 DSI <@{BOB}|bob>", channel=CHANNEL)
    bot.send(sr.block_actions(
        sr.button("confirm_yes", "yes"), user_id=ALICE, channel_id=CHANNEL,
        response_url=bot.fake.new_response_url(),
    ))
    bot.fake.reset()
    bot.send(sr.event_callback(sr.app_home_opened_event(BOB)))
    home = text_of(bot.fake.calls("views.publish")[-1].params["view"])
    assert "ENT public" in home
