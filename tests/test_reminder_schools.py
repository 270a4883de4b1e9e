"""Reminders nudge the lead about the project's schools with no local resource person: one
grouped line per project in the person's one reminder, never one item per school."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from freezegun import freeze_time

from bot.app import Application
from bot.scheduler import render_payload, run_pass
from services.reminders import plan_reminders
from services.uai import expected_letter
from storage import outbox
from tests.support.db import count_statements
from tests.support.fake_slack import FakeSlack
from tests.support.scheduled import (
    OTHER,
    REMINDER_MEMBERS,
    at,
    bot,
    client,
    fake,
    no_sleep,
    reminded_project_in,
)
from tests.support.slack_app import ALICE, BOB, CHANNEL, text_of
from tests.test_reminders import WORKSPACE, direct_messages, say

__all__ = ["bot", "fake"]


@pytest.fixture
def members() -> Mapping[str, Sequence[str]]:
    return REMINDER_MEMBERS


THURSDAY = "2027-01-07 09:01"


def uais(count: int, first: int = 1) -> list[str]:
    return [f"{n:07d}{expected_letter(f'{n:07d}')}" for n in range(350000 + first,
                                                                  350000 + first + count)]


def with_schools(app: Application, channel: str, count: int, covered: int) -> list[str]:
    """``count`` schools in the channel's project, the first ``covered`` with a person."""
    found = uais(count)
    with freeze_time("2026-12-01 11:00"):
        say(app, "ecoles ajouter " + " ".join(found), channel)
        for uai in found[:covered]:
            say(app, f"ecoles referent {uai} @anne", channel)
    return found


def test_the_lead_gets_one_grouped_line_per_project_never_one_per_school(
    bot: Application, fake: FakeSlack
) -> None:
    reminded_project_in(bot)
    reminded_project_in(bot, OTHER, "ENT 22")
    with freeze_time("2026-12-01 11:00"):
        say(bot, f"projet chef <@{BOB}>", OTHER)
    found = with_schools(bot, CHANNEL, 14, 2)
    with_schools(bot, OTHER, 3, 2)
    result = run_pass(bot, client(fake), at(THURSDAY), sleep=no_sleep)
    assert result.reminded.queued == 2 and result.sent.sent == 2
    [to_alice] = direct_messages(fake, ALICE)
    text = text_of(to_alice["blocks"])
    assert "12 écoles sans personne ressource locale · `/ent ecoles`" in text
    assert text.count("sans personne ressource locale") == 1
    assert not any(uai in text for uai in found)
    # Bob, lead of ENT 22 and contact in both: one message, its schools line included.
    to_bob = text_of(direct_messages(fake, BOB)[0]["blocks"])
    assert "ENT 35" in to_bob and "*7.* Hébergement" in to_bob
    assert "1 école sans personne ressource locale · `/ent ecoles`" in to_bob
    assert to_bob.count("sans personne ressource locale") == 1
    # The same slot again: nothing more, the one outbox row per person stays.
    again = run_pass(bot, client(fake), at("2027-01-07 09:30"), sleep=no_sleep)
    assert again.reminded.queued == 0 and len(direct_messages(fake, ALICE)) == 1
    with bot.database.transaction() as store:
        keys = [row.key for row in store.connection.execute(
            outbox.OUTBOX.select().where(outbox.OUTBOX.c.kind == "reminders"))]
    assert sorted(keys) == [f"reminders:{WORKSPACE}:{ALICE}:2027-01-07T09:00",
                            f"reminders:{WORKSPACE}:{BOB}:2027-01-07T09:00"]


def test_the_designated_lead_gets_it_in_english_and_a_covered_perimeter_gives_none(
    bot: Application, fake: FakeSlack
) -> None:
    reminded_project_in(bot)
    reminded_project_in(bot, OTHER, "ENT 22")
    with freeze_time("2026-12-01 11:00"):
        say(bot, "projet langue en")
        say(bot, f"projet chef <@{BOB}>")
    with_schools(bot, CHANNEL, 5, 0)
    with_schools(bot, OTHER, 4, 4)
    run_pass(bot, client(fake), at(THURSDAY), sleep=no_sleep)
    [to_bob] = direct_messages(fake, BOB)
    assert "5 schools without a local resource person · `/ent schools`" in text_of(
        to_bob["blocks"])
    [to_alice] = direct_messages(fake, ALICE)
    assert "personne ressource" not in text_of(to_alice["blocks"])


def test_me_off_and_the_calendar_are_respected(bot: Application, fake: FakeSlack) -> None:
    reminded_project_in(bot)
    with_schools(bot, CHANNEL, 3, 0)
    sent = []
    for instant in ("2026-12-17 09:01", "2026-12-24 09:01", "2026-12-31 09:01",
                    "2027-01-04 09:01"):  # nothing on the holidays' Thursdays
        run_pass(bot, client(fake), at(instant), sleep=no_sleep)
        sent.append(len(direct_messages(fake, ALICE)))
    assert sent == [1, 1, 1, 2]
    last = text_of(direct_messages(fake, ALICE)[-1]["blocks"])
    assert "3 écoles sans personne ressource locale" in last
    with freeze_time("2027-01-05 10:00"):
        assert "plus de relances" in say(bot, "rappels moi off")
    run_pass(bot, client(fake), at(THURSDAY), sleep=no_sleep)
    assert len(direct_messages(fake, ALICE)) == 2


def _statements(app: Application, count: int, first: int) -> int:
    for index in range(first, first + count):
        channel = f"C0CHAN{index:04d}"
        reminded_project_in(app, channel, f"ENT {index}")
        with_schools(app, channel, 3, 1)
    instant = at(f"2027-01-{7 * (first // 10 + 1):02d} 09:01")
    with freeze_time(instant), count_statements(app.database.engine) as statements:
        planned = plan_reminders(app.database, instant, render_payload(app.messages))
    assert planned.queued == 2  # Alice (lead, with every project's line) and Bob
    return len(statements)


def test_the_local_figures_cost_the_same_statements_for_2_or_6_projects(
    bot: Application,
) -> None:
    assert _statements(bot, 2, 1) == _statements(bot, 6, 10)
