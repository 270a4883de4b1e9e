"""The digest's local-coverage line: schools with a resource person, and the change since
the last digest, read for a whole batch of projects at once."""

from __future__ import annotations

import json

from freezegun import freeze_time

from bot.app import Application
from bot.scheduler import render_payload, run_pass
from services.digest_pass import plan_digests
from tests.support.db import count_statements
from tests.support.fake_slack import FakeSlack
from tests.support.scheduled import at, bot, client, fake, members, no_sleep, project_in
from tests.test_outbox import CHANNEL, command

__all__ = ["bot", "fake", "members"]
UAIS = "0350003N 0351795L 0350001L"


def digest_posted(app: Application, fake_slack: FakeSlack, instant: str) -> str:
    before = len(fake_slack.calls("chat.postMessage"))
    with freeze_time(instant):
        run_pass(app, client(fake_slack), at(instant), sleep=no_sleep)
    posts = fake_slack.calls("chat.postMessage")
    assert len(posts) == before + 1
    return json.dumps(posts[-1].params, ensure_ascii=False)


def test_the_digest_says_how_many_schools_have_a_resource_person_and_the_change(
    bot: Application, fake: FakeSlack
) -> None:
    project_in(bot)
    command(bot, f"ecoles ajouter {UAIS}")
    command(bot, "ecoles referent 0350003N @anne")

    first = digest_posted(bot, fake, "2026-12-07 08:00")
    assert "*1/3* ont une personne ressource locale (33 %) · `/ent ecoles`" in first

    command(bot, "ecoles referent 0351795L @bob")
    command(bot, "ecoles referent 0350001L Jean Dupont")
    second = digest_posted(bot, fake, "2026-12-14 08:05")
    assert "*3/3* ont une personne ressource locale (100 %), +2 depuis la dernière synthèse" \
        in second

    command(bot, "ecoles referent 0350001L aucun")
    now = command(bot, "synthese")
    assert "*2/3* ont une personne ressource locale (67 %), -1 depuis la dernière synthèse" in now


def test_a_project_without_schools_has_no_local_line(bot: Application, fake: FakeSlack) -> None:
    project_in(bot)
    posted = digest_posted(bot, fake, "2026-12-07 08:00")
    assert "synthèse" in posted and "personne ressource locale" not in posted


def test_in_english_the_line_is_translated(bot: Application, fake: FakeSlack) -> None:
    project_in(bot)
    command(bot, "projet langue en")
    command(bot, f"ecoles ajouter {UAIS}")
    command(bot, "ecoles referent 0350003N @anne")
    posted = digest_posted(bot, fake, "2026-12-07 08:00")
    assert "*1/3* have a local resource person (33 %) · `/ent schools`" in posted


def _statements(app: Application, count: int, first: int, queued: int) -> int:
    for index in range(first, first + count):
        channel = f"C0CHAN{index:04d}"
        project_in(app, channel=channel)
        command(app, f"ecoles ajouter {UAIS}", channel)
        command(app, "ecoles referent 0350003N @anne", channel)
    instant = at(f"2026-12-{7 * (first // 10 + 1):02d} 08:00")
    with freeze_time(instant), count_statements(app.database.engine) as statements:
        planned = plan_digests(app.database, instant, render_payload(app.messages))
    assert planned.queued == queued
    return len(statements)


def test_the_local_figures_cost_the_same_statements_for_2_or_8_projects(
    bot: Application,
) -> None:
    assert CHANNEL
    small = _statements(bot, 2, 1, queued=2)
    big = _statements(bot, 6, 10, queued=8)
    assert small == big
