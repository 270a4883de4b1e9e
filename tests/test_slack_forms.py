"""The assignment form and the gap buttons, end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import Application
from tests.support import slack_requests as sr
from tests.support.slack_app import ALICE, BOB, CHANNEL, EVE, SlackBot, posted, running_bot, text_of


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        running.command("/ent", "projet creer ENT 35")
        running.fake.reset()
        yield running


def open_form(bot: SlackBot, user: str = ALICE) -> dict[str, Any]:
    trigger = sr.new_trigger_id()
    request = sr.slash_command(
        "/ent-assign", "", user_id=user, channel_id=CHANNEL, trigger_id=trigger,
        response_url=bot.fake.new_response_url(),
    )
    answer = bot.send(request)
    assert (answer.status, answer.body) == (200, "")
    [call] = bot.fake.calls("views.open")
    assert call.params["trigger_id"] == trigger
    view: dict[str, Any] = call.params["view"]
    return view


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": sr.option(value)}


def radio(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": sr.option(value)}


def typed(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def state(**fields: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    return {name: {name: value} for name, value in fields.items()}


def submit(
    bot: SlackBot, view: dict[str, Any], user: str = ALICE, **fields: dict[str, Any]
) -> sr.HttpResult:
    return bot.send(sr.view_submission(
        view["callback_id"], state(**fields), view["private_metadata"], user_id=user,
        blocks=view["blocks"],
    ))


def test_assign_alone_opens_the_form_after_the_acknowledgement(bot: SlackBot) -> None:
    view = open_form(bot)

    assert view["type"] == "modal" and view["title"]["text"] == "Assigner une compétence"
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    options = blocks["competence"]["element"]["options"]
    assert len(options) == 19 and options[6]["text"]["text"].startswith("7. Hébergement")
    assert blocks["contacts"]["element"]["type"] == "multi_users_select"
    assert {"new_entity", "sourcing", "keep", "service_level", "notes"} <= blocks.keys()
    assert json.loads(view["private_metadata"])["c"] == CHANNEL


def test_a_submitted_form_creates_the_entity_and_assigns_the_competence(bot: SlackBot) -> None:
    view = open_form(bot)

    answer = submit(
        bot, view, competence=select("hebergement"), new_entity=typed("Éditeur Open ENT"),
        sourcing=radio("externe"), keep=radio("oui"), service_level=typed("4 h ouvrées"),
        contacts={"type": "multi_users_select", "selected_users": [BOB]},
        notes=typed("Marché 2024-17"),
    )

    assert (answer.status, answer.body) == (200, "")
    [post] = posted(bot.fake)
    assert post["channel"] == CHANNEL
    shown = text_of(post)
    assert f"<@{ALICE}> a ajouté l'entité *Éditeur Open ENT*" in shown
    assert "Hébergement" in shown and f"<@{BOB}>" in shown
    status = bot.status()
    assert "Éditeur Open ENT* (externe, pérenne) — <@U0BOB0001>" in status


def test_form_errors_show_under_their_fields_and_change_nothing(bot: SlackBot) -> None:
    view = open_form(bot)

    answer = submit(bot, view, notes=typed("ok"), service_level=typed("x" * 501))

    body = answer.json()
    assert body["response_action"] == "errors"
    assert body["errors"]["competence"] == "Choisissez une compétence."
    assert "Choisissez une entité" in body["errors"]["new_entity"]
    assert "500 caractères" in body["errors"]["service_level"]
    assert posted(bot.fake) == []
    assert "_personne_" in bot.status() and "x" * 50 not in bot.status()


def test_a_form_from_someone_outside_the_channel_is_refused(bot: SlackBot) -> None:
    view = open_form(bot)

    answer = submit(bot, view, user=EVE, competence=select("hebergement"),
                    new_entity=typed("DSI"))

    assert "Seuls les membres du canal du projet" in answer.json()["errors"]["competence"]
    assert "DSI" not in bot.status()


def gaps_buttons(bot: SlackBot) -> dict[tuple[str, str], dict[str, Any]]:
    """The buttons of ``/ent lacunes``, by (action id, value)."""
    answer = bot.command("/ent", "lacunes")
    return {
        (element["action_id"], element["value"]): element
        for block in answer.json()["blocks"] if block["type"] == "actions"
        for element in block["elements"]
    }


def press(bot: SlackBot, action_id: str, value: str, user: str = ALICE) -> sr.HttpResult:
    return bot.send(sr.block_actions(
        sr.button(action_id, value), user_id=user, channel_id=CHANNEL,
        response_url=bot.fake.new_response_url(),
    ))


def test_i_take_it_makes_the_clicker_a_contact(bot: SlackBot) -> None:
    bot.command("/ent-assign", "4 DSI")
    press(bot, "confirm_yes", "yes")

    press(bot, "gap_take", "reseau", user=BOB)

    assert f"<@{BOB}> est maintenant contact" in posted(bot.fake)[-1]["text"]
    assert f"*DSI* (sourcing non précisé, pérennité à décider) — <@{BOB}>" in bot.status()


def test_every_gap_button_is_one_the_bot_handles(bot: SlackBot) -> None:
    buttons = gaps_buttons(bot)

    assert buttons and {action for action, _value in buttons} <= {
        "gap_assign", "gap_take", "gap_keep",
    }
    for action, value in buttons:
        assert press(bot, action, value).status == 200
    assert bot.fake.calls("views.open")


def test_mark_as_permanent_button(bot: SlackBot) -> None:
    press(bot, "gap_keep", "juridique")
    press(bot, "gap_keep", "juridique")

    posts = [p["text"] for p in posted(bot.fake)]
    assert sum("à pérenniser après le déploiement" in text for text in posts) == 1
    [line] = [line for line in bot.status().splitlines() if "*15.*" in line]
    assert line.endswith("_personne_ (pérenne)")


def test_assign_button_opens_the_form_for_that_competence(bot: SlackBot) -> None:
    press(bot, "gap_assign", "juridique")

    [call] = bot.fake.calls("views.open")
    competence = next(b for b in call.params["view"]["blocks"] if b.get("block_id") == "competence")
    assert competence["element"]["initial_option"]["value"] == "juridique"


def test_a_form_that_cannot_open_is_explained_privately(bot: SlackBot) -> None:
    bot.fake.error_next("views.open", "expired_trigger_id")

    press(bot, "gap_assign", "juridique")

    [notice] = bot.fake.calls("response_url")
    assert "Le formulaire n'a pas pu s'ouvrir" in text_of(notice.params)
