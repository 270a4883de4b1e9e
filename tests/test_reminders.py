"""Gap reminders: one direct message per person per period, grouping that person's gaps across
the workspace's projects, through the outbox; the buttons; the escalation in the channel."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from bot.app import Application
from bot.scheduler import run_pass
from services import home as home_page
from services import reminders, schedules
from services.calendar import Place
from services.turn import Caller
from storage import outbox
from storage import schedules as schedule_store
from storage.store import utcnow
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack
from tests.support.scheduled import (
    OTHER,
    REMINDER_MEMBERS,
    WEEKLY_THURSDAY,
    at,
    bot,
    client,
    fake,
    no_sleep,
    reminded_project_in,
)
from tests.support.slack_app import ALICE, BOB, CHANNEL, SlackBot, running_bot, text_of

__all__ = ["bot", "fake"]
WORKSPACE = sr.TEAM_ID


@pytest.fixture
def members() -> Mapping[str, Sequence[str]]:
    return REMINDER_MEMBERS


def say(app: Application, text: str, channel: str = CHANNEL, user: str = ALICE,
        command: str = "/ent") -> str:
    replies = app.assistant.command(Caller(WORKSPACE, user, channel), command, text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def direct_messages(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls("chat.postMessage")
            if c.params.get("channel") == user and c.status == 200]


def competence_id(app: Application, pid: int, number: int) -> int:
    with app.database.transaction() as store:
        project = store.project(WORKSPACE, pid)
        assert project is not None
        return next(c.id for c in store.competences(project.id) if c.number == number)


def test_one_message_per_person_groups_their_gaps_across_the_workspace_projects(
    bot: Application, fake: FakeSlack
) -> None:
    first = reminded_project_in(bot)
    second = reminded_project_in(bot, OTHER, "ENT 22")
    result = run_pass(bot, client(fake), at("2027-01-07 09:01"), sleep=no_sleep)
    assert result.reminded.queued == 2 and result.sent.sent == 2
    [to_bob] = direct_messages(fake, BOB)
    text = text_of(to_bob["blocks"])
    # Bob is the contact of competence 7 in both projects: both in one message.
    assert "ENT 35" in text and "ENT 22" in text
    assert "*7.* Hébergement" in text and "pas de niveau de service" in text
    assert "aucune entité responsable" not in text  # the unowned gaps go to the lead
    assert to_bob["metadata"]["event_payload"]["key"] == (
        f"reminders:{WORKSPACE}:{BOB}:2027-01-07T09:00")
    [to_alice] = direct_messages(fake, ALICE)
    assert "En tant que chef de projet" in text_of(to_alice["blocks"])
    assert "aucune entité responsable" in text_of(to_alice["blocks"])
    buttons = [e for b in to_bob["blocks"] if b["type"] == "actions" for e in b["elements"]]
    cid = competence_id(bot, first, 7)
    assert {(e["action_id"], e["value"]) for e in buttons} >= {
        ("reminder_done", f"{first}:no_service_level:{cid}"),
        ("reminder_snooze", f"{second}:no_service_level:{competence_id(bot, second, 7)}"),
        ("reminder_decline", f"{first}:keep_undecided:{cid}"),
    }
    # The same period again: nothing more.
    again = run_pass(bot, client(fake), at("2027-01-07 09:30"), sleep=no_sleep)
    assert again.reminded.queued == 0 and len(fake.calls("chat.postMessage")) == 2


def test_me_off_and_the_calendar_are_respected(bot: Application, fake: FakeSlack) -> None:
    reminded_project_in(bot)
    with freeze_time("2026-12-02 10:00"):
        assert "plus de relances" in say(bot, "rappels moi off", user=BOB)
    sent: list[list[str]] = []
    for instant in ("2026-12-17 09:01", "2026-12-24 09:01", "2026-12-31 09:01",
                    "2027-01-04 09:01"):
        before = len(fake.calls("chat.postMessage"))
        run_pass(bot, client(fake), at(instant), sleep=no_sleep)
        sent.append([c.params["metadata"]["event_payload"]["key"]
                     for c in fake.calls("chat.postMessage")[before:]])
    # Nothing on the holidays' Thursdays (24 and 31 December): one message on the first
    # working day after them, Monday 4 January at 10:00; never to Bob, who stopped his.
    assert sent == [
        [f"reminders:{WORKSPACE}:{ALICE}:2026-12-17T09:00"], [], [],
        [f"reminders:{WORKSPACE}:{ALICE}:2027-01-04T09:00"],
    ]
    assert direct_messages(fake, BOB) == []


def test_a_gap_open_three_weeks_is_escalated_once_in_the_channel_naming_the_lead(
    bot: Application, fake: FakeSlack
) -> None:
    reminded_project_in(bot)
    escalations = []
    for instant in ("2027-01-07 09:01", "2027-01-14 09:01", "2027-01-21 09:01",
                    "2027-01-28 09:01", "2027-02-04 09:01"):
        result = run_pass(bot, client(fake), at(instant), sleep=no_sleep)
        escalations.append(len(fake.messages(CHANNEL)))
        assert result.sent.failed == 0
    assert escalations == [0, 0, 0, 1, 1]
    [post] = fake.messages(CHANNEL)
    text = text_of(post["blocks"])
    assert f"<@{ALICE}>, en tant que chef de projet" in text
    assert "plus de 3 semaines" in text and "(3 semaines)" in text
    # The most urgent first (no responsible entity), the rest counted.
    assert "*1.* Fourniture des équipements informatiques" in text and "… et " in text


def test_snooze_leaves_a_gap_out_for_a_week(bot: Application, fake: FakeSlack) -> None:
    pid = reminded_project_in(bot)
    key = f"no_service_level:{competence_id(bot, pid, 7)}"
    run_pass(bot, client(fake), at("2027-01-07 09:01"), sleep=no_sleep)
    with freeze_time("2027-01-07 12:00"):
        replies = bot.assistant.run(Caller(WORKSPACE, BOB, "D0BOB0001", project_id=pid),
                                    lambda turn: reminders.snooze(turn, key))
    [reply] = replies
    assert "avant le jeudi 14/01/2027 à 13:00" in bot.messages.plain(
        reply.template, reply.data)
    run_pass(bot, client(fake), at("2027-01-14 09:01"), sleep=no_sleep)
    run_pass(bot, client(fake), at("2027-01-21 09:01"), sleep=no_sleep)
    texts = [text_of(m["blocks"]) for m in direct_messages(fake, BOB)]
    assert ["pas de niveau de service" in t for t in texts] == [True, False, True]


@pytest.fixture
def slack(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


def test_the_buttons_of_a_reminder_in_slack(slack: SlackBot) -> None:
    slack.command("/ent", "projet creer ENT 35")
    slack.command("/ent", WEEKLY_THURSDAY)
    slack.command("/ent", "rappels synthese off")
    slack.command("/ent", "entite ajouter DSI collectivite")
    slack.command("/ent-assign", f"7 DSI externe <@{BOB}>")
    rule = schedules.rule_text("weekly", 3, 10, 0)
    due = schedules.next_slots(rule, "Europe/Paris", Place(), utcnow(), 1)[0]
    run_pass(slack.application, client(slack.fake), due + timedelta(minutes=1),
             sleep=no_sleep)
    [dm] = direct_messages(slack.fake, BOB)
    values = {e["action_id"] + ":" + e["value"].split(":", 1)[1]: e["value"]
              for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]}
    done = next(v for k, v in values.items() if k.startswith("reminder_done:no_service"))
    decline = values["reminder_decline:" + done.split(":", 1)[1]]

    def click(action: str, value: str) -> str:
        """What Bob is answered (through the button's response_url)."""
        slack.send(sr.block_actions(sr.button(action, value), user_id=BOB,
                                    channel_id="D0BOB0001",
                                    response_url=slack.fake.new_response_url()))
        return text_of(slack.fake.calls("response_url")[-1].params)

    assert "Pas encore tout à fait" in click("reminder_done", done)
    assert "`/ent niveau 7" in text_of(slack.fake.calls("response_url")[-1].params)
    slack.fake.reset()
    answer = click("reminder_decline", decline)
    assert "vous ne serez plus relancé" in answer
    [notice] = [c.params for c in slack.fake.calls("chat.postMessage")
                if c.params.get("channel") == CHANNEL]
    assert f"<@{ALICE}> : <@{BOB}> indique ne pas être la bonne personne" in text_of(notice)
    slack.fake.reset()
    assert "déjà signalé" in click("reminder_decline", decline)
    assert [c for c in slack.fake.calls("chat.postMessage")
            if c.params.get("channel") == CHANNEL] == []
    pid, key = done.split(":", 1)
    with slack.application.database.transaction() as store:
        states = schedule_store.gap_states(store.connection, [int(pid)])
    assert states[(int(pid), key)].declined_by == (BOB,)
    slack.command("/ent", "niveau 7 99,5 % de disponibilité", user=ALICE)
    assert "Merci !" in click("reminder_done", done)


def test_the_home_page_says_when_a_project_is_paused(bot: Application) -> None:
    pid = reminded_project_in(bot)
    caller = Caller(WORKSPACE, ALICE, None)

    def home(language: str = "fr") -> str:
        [reply] = bot.assistant.run(caller, home_page.home, write=False)
        return bot.messages.plain(reply.template, reply.data, language)

    assert "en pause" not in home()
    say(bot, "rappels pause")
    assert "*Synthèses et relances en pause*. `/ent rappels reprise`" in home()
    with bot.database.transaction(write=True) as store:
        schedule_store.pause(store.connection, WORKSPACE, pid, "is_archived")
    assert "(`is_archived`)" in home() and "paused" in home("en")
    say(bot, "rappels reprise")
    assert "en pause" not in home()


def test_a_long_reminder_stays_within_slack_limits(bot: Application, fake: FakeSlack) -> None:
    for n in range(6):  # two gaps of Bob's in each: twelve in all
        reminded_project_in(bot, f"C0CHAN01{n:02d}", f"ENT {n}")
    run_pass(bot, client(fake), at("2027-01-07 09:01"), sleep=no_sleep)
    [to_bob] = direct_messages(fake, BOB)
    text = text_of(to_bob["blocks"])
    assert text.count("*7.* Hébergement") == 10 and "ENT 4" in text and "ENT 5" not in text
    assert "… et 2 autres points dans d'autres projets" in text
    assert len(to_bob["blocks"]) <= 50


def test_a_sent_reminder_keeps_no_copy_of_its_text(bot: Application, fake: FakeSlack) -> None:
    reminded_project_in(bot)
    run_pass(bot, client(fake), at("2027-01-07 09:01"), sleep=no_sleep)
    with bot.database.transaction() as store:
        rows = store.connection.execute(
            outbox.OUTBOX.select().where(outbox.OUTBOX.c.kind == "reminders")).all()
    assert len(rows) == 2 and {(r.state, str(r.payload)) for r in rows} == {("sent", "{}")}
