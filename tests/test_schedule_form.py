"""The schedule modal end to end: *Modifier* under ``/ent rappels`` opens it, its submission
goes through the schedule commands (same checks, errors under their fields), only the
channel's members may use it, and a submission Slack sends twice is applied once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import Application
from storage import schedules as schedule_store
from tests.support import slack_requests as sr
from tests.support.db import dump
from tests.support.slack_app import ALICE, CHANNEL, EVE, SlackBot, posted, running_bot, text_of


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        running.command("/ent", "projet creer ENT 35")
        running.command("/ent", "projet zone B")
        running.fake.reset()
        yield running


def edit_button(bot: SlackBot) -> dict[str, Any]:
    answer = bot.command("/ent", "rappels")
    buttons: list[dict[str, Any]] = [
        element for block in answer.json()["blocks"] if block["type"] == "actions"
        for element in block["elements"] if element["action_id"] == "schedule_edit"
    ]
    assert len(buttons) == 1
    return buttons[0]


def open_modal(bot: SlackBot, user: str = ALICE) -> dict[str, Any]:
    button = edit_button(bot)
    trigger = bot.fake.new_trigger_id()
    answer = bot.send(sr.block_actions(
        sr.button("schedule_edit", button["value"]), user_id=user, channel_id=CHANNEL,
        trigger_id=trigger, response_url=bot.fake.new_response_url(),
    ))
    assert (answer.status, answer.body) == (200, "")
    [call] = bot.fake.wait_for("views.open")
    assert call.params["trigger_id"] == trigger
    view: dict[str, Any] = call.params["view"]
    return view


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": sr.option(value)}


def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def ticked(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [sr.option(v) for v in values]}


def current(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The modal's fields as Slack would submit them untouched (from their initial values)."""
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "static_select":
            values[block["block_id"]] = select(element["initial_option"]["value"])
        elif element["type"] == "plain_text_input":
            values[block["block_id"]] = typed(element.get("initial_value", ""))
        else:
            values[block["block_id"]] = ticked(
                *(o["value"] for o in element.get("initial_options", [])))
    return values


def submit(bot: SlackBot, view: dict[str, Any], user: str = ALICE, view_id: str = "V0SCHED01",
           **changes: dict[str, Any]) -> sr.HttpResult:
    fields = {**current(view), **changes}
    state = {name: {name: value} for name, value in fields.items()}
    return bot.send(sr.view_submission(
        view["callback_id"], state, view["private_metadata"], user_id=user,
        blocks=view["blocks"], view_id=view_id,
    ))


def settings(app: Application) -> tuple[dict[str, str | None], schedule_store.Calendar]:
    with app.database.transaction() as store:
        project = store.project_for_channel(sr.TEAM_ID, CHANNEL)
        assert project is not None
        rules = schedule_store.rules(store.connection, project.id)
        return ({kind: rule.rule for kind, rule in rules.items()},
                schedule_store.calendar(store.connection, project.id))


def test_modify_opens_a_modal_prefilled_with_the_schedule(bot: SlackBot) -> None:
    view = open_modal(bot)

    assert view["callback_id"] == "schedule_form" and view["title"]["text"] == (
        "Synthèses et relances")
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    digest = blocks["digest_cadence"]["element"]
    assert digest["initial_option"]["value"] == "weekly"
    assert blocks["digest_day"]["element"]["initial_option"]["value"] == "monday"
    assert blocks["digest_time"]["element"]["initial_value"] == "9h00"
    assert blocks["reminders_cadence"]["element"]["initial_option"]["value"] == "off"
    options = [o["value"] for o in blocks["options"]["element"]["options"]]
    assert options == ["paused", "ignore_school_holidays", "chart"]
    assert "initial_options" not in blocks["options"]["element"]
    assert json.loads(view["private_metadata"])["c"] == CHANNEL


def test_a_submitted_modal_changes_the_schedule_like_the_commands(
    bot: SlackBot, app: Application
) -> None:
    view = open_modal(bot)

    answer = submit(bot, view, digest_cadence=select("daily"), digest_time=typed("8h30"),
                    reminders_cadence=select("weekly"), reminders_day=select("thursday"),
                    reminders_time=typed("10:00"), options=ticked("chart"))

    assert (answer.status, answer.body) == (200, "")
    [post] = posted(bot.fake)
    shown = text_of(post)
    assert post["channel"] == CHANNEL
    assert f"<@{ALICE}> a modifié les réglages des synthèses et relances" in shown
    assert "chaque jour ouvré à 08h30" in shown and "le jeudi à 10h00" in shown
    rules, calendar = settings(app)
    assert rules["digest"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=30;BYSECOND=0"
    assert rules["reminders"] is not None and "BYDAY=TH" in rules["reminders"]
    assert calendar.chart and not calendar.paused and not calendar.ignore_school_holidays
    assert "chaque jour ouvré à 08h30" in text_of(bot.command("/ent", "rappels").json())


def test_pause_and_holidays_boxes_pause_and_ignore_the_holidays(
    bot: SlackBot, app: Application
) -> None:
    view = open_modal(bot)

    submit(bot, view, options=ticked("paused", "ignore_school_holidays"))

    calendar = settings(app)[1]
    assert calendar.paused and calendar.ignore_school_holidays and not calendar.chart
    assert "En pause" in text_of(posted(bot.fake)[-1])


def test_errors_show_under_their_fields_and_change_nothing(
    bot: SlackBot, app: Application
) -> None:
    view = open_modal(bot)
    before = dump(app.database.engine)

    answer = submit(bot, view, digest_time=typed("25h"), reminders_cadence=select("weekly"),
                    reminders_time=typed("midi"), options=ticked("chart"))

    body = answer.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"digest_time", "reminders_time"}
    assert "Heure impossible : `25h`" in body["errors"]["digest_time"]
    assert "Heure impossible : `midi`" in body["errors"]["reminders_time"]
    assert "Rien n'a été changé." in body["errors"]["digest_time"]
    assert dump(app.database.engine) == before
    assert posted(bot.fake) == []


def test_someone_outside_the_channel_cannot_change_the_schedule(
    bot: SlackBot, app: Application
) -> None:
    view = open_modal(bot)
    before = dump(app.database.engine)

    answer = submit(bot, view, user=EVE, digest_cadence=select("off"))

    assert "Seuls les membres du canal du projet" in answer.json()["errors"]["digest_cadence"]
    assert dump(app.database.engine) == before


def test_a_submission_sent_twice_is_applied_once(bot: SlackBot, app: Application) -> None:
    view = open_modal(bot)

    first = submit(bot, view, options=ticked("chart"))
    bot.command("/ent", "rappels graphique non")
    again = submit(bot, view, options=ticked("chart"))

    assert (first.status, again.status) == (200, 200)
    assert not settings(app)[1].chart  # the repeat did not turn the chart back on
    assert sum("modifié les réglages" in text_of(p) for p in posted(bot.fake)) == 1


def test_an_untouched_modal_changes_nothing(bot: SlackBot, app: Application) -> None:
    view = open_modal(bot)
    before = dump(app.database.engine)

    answer = submit(bot, view)

    assert (answer.status, answer.body) == (200, "")
    assert posted(bot.fake) == []
    after = dump(app.database.engine)
    assert {k: v for k, v in after.items() if "request" not in k} == {
        k: v for k, v in before.items() if "request" not in k}


def test_a_submission_that_breaks_the_listener_shows_the_error_in_the_modal(
    bot: SlackBot, app: Application
) -> None:
    view = open_modal(bot)
    before = dump(app.database.engine)

    answer = bot.send(sr.view_submission(
        view["callback_id"], {}, view["private_metadata"], user_id=ALICE,
        blocks=view["blocks"], view_extra={"state": {"values": {"digest_cadence": "broken"}}},
    ))

    body = answer.json()
    assert body["response_action"] == "errors" and list(body["errors"]) == ["digest_cadence"]
    assert dump(app.database.engine) == before
