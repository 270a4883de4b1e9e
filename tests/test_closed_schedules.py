"""A closed project (``/ent projet clore``) keeps its schedule rows but gets no digest and no
reminder: the due pass leaves it out in the query that reads each batch, at no extra
statement."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest
from freezegun import freeze_time

from bot.app import Application
from bot.scheduler import render_payload, run_pass
from services.digest_pass import plan_digests
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
from tests.test_reminders import ALICE, BOB, CHANNEL, direct_messages, say

__all__ = ["bot", "fake"]


@pytest.fixture
def members() -> Mapping[str, Sequence[str]]:
    return REMINDER_MEMBERS


THIRD = "C0CHAN0003"


def _digest_project(app: Application, channel: str, name: str,
                    created: str = "2026-12-01 10:00") -> None:
    """A zone B project with the default digest (Mondays at 09:00)."""
    with freeze_time(created):
        assert "créé" in say(app, f"projet creer {name}", channel)
        say(app, "projet zone B", channel)


def _close(app: Application, channel: str) -> None:
    with freeze_time("2026-12-02 10:00"):
        assert "a clos le projet" in say(app, "projet clore", channel)


def test_a_closed_project_gets_no_monday_digest_an_open_one_does(
    bot: Application, fake: FakeSlack
) -> None:
    _digest_project(bot, CHANNEL, "ENT 35")
    _digest_project(bot, OTHER, "ENT 22")
    _close(bot, OTHER)

    with freeze_time("2026-12-07 08:00"):  # Monday 09:00 in Paris
        result = run_pass(bot, client(fake), at("2026-12-07 08:00"), sleep=no_sleep)

    assert result.planned.queued == 1 and result.sent.sent == 1
    [digest] = fake.messages(CHANNEL)
    assert "ENT 35" in json.dumps(digest, ensure_ascii=False)
    assert fake.messages(OTHER) == []
    with freeze_time("2026-12-14 08:00"):
        run_pass(bot, client(fake), at("2026-12-14 08:00"), sleep=no_sleep)
    assert len(fake.messages(CHANNEL)) == 2 and fake.messages(OTHER) == []


def test_a_closed_project_s_gaps_are_in_nobody_s_reminder(
    bot: Application, fake: FakeSlack
) -> None:
    reminded_project_in(bot)
    reminded_project_in(bot, OTHER, "ENT 22")
    _close(bot, OTHER)

    run_pass(bot, client(fake), at("2027-01-07 09:01"), sleep=no_sleep)

    # Bob is the contact of competence 7 in both projects, Alice the lead of both.
    for person in (BOB, ALICE):
        [reminder] = direct_messages(fake, person)
        text = json.dumps(reminder["blocks"], ensure_ascii=False)
        assert "ENT 35" in text and "ENT 22" not in text
    assert fake.messages(OTHER) == []


def test_leaving_closed_projects_out_costs_no_statement(bot: Application) -> None:
    render = render_payload(bot.messages)
    _digest_project(bot, CHANNEL, "ENT 35")
    with freeze_time("2026-12-07 08:00"), count_statements(bot.database.engine) as alone:
        assert plan_digests(bot.database, at("2026-12-07 08:00"), render).queued == 1

    _digest_project(bot, OTHER, "ENT 22")
    _close(bot, OTHER)
    _digest_project(bot, THIRD, "ENT 56")
    with freeze_time("2026-12-14 08:00"), count_statements(bot.database.engine) as mixed:
        assert plan_digests(bot.database, at("2026-12-14 08:00"), render).queued == 2

    assert len(mixed) == len(alone)
