"""The digest's coverage chart: drawn (matplotlib, lazily) and uploaded in the digest's
channel after the digest when the project asked for it; a failed upload neither blocks nor
repeats the digest."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from freezegun import freeze_time

from bot.app import Application
from bot.scheduler import run_pass
from services import chart
from services.gaps import Coverage
from services.turn import Caller
from storage import outbox
from tests.support.fake_slack import FakeSlack
from tests.support.scheduled import bot, client, fake, members, no_sleep

__all__ = ["bot", "fake", "members"]

WORKSPACE = "T0TEAM0001"
CHANNEL = "C0CHAN0001"
ALICE = "U0ALICE01"
PNG = b"\x89PNG\r\n\x1a\n"
MONDAY = datetime(2027, 1, 4, 8, 1)  # 09:01 in Paris, first Monday after the holidays


def command(app: Application, text: str) -> str:
    replies = app.assistant.command(Caller(WORKSPACE, ALICE, CHANNEL), "/ent", text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def project(app: Application, chart_wanted: bool) -> int:
    with freeze_time("2026-12-01 10:00"):
        command(app, "projet creer ENT des collèges 35")
        command(app, "projet zone B")
        command(app, "assigner 7 DSI")
        command(app, "oui")
        if chart_wanted:
            assert "graphique" in command(app, "rappels graphique oui")
    with app.database.transaction() as store:
        found = store.project_for_channel(WORKSPACE, CHANNEL)
    assert found is not None
    return found.id


def test_the_digest_gets_its_chart_after_it_in_its_channel(
    bot: Application, fake: FakeSlack
) -> None:
    project(bot, chart_wanted=True)

    result = run_pass(bot, client(fake), MONDAY, sleep=no_sleep)

    assert (result.sent.sent, result.sent.charts, result.sent.charts_failed) == (1, 1, 0)
    methods = [call.method for call in fake.calls()]
    assert methods.index("chat.postMessage") < methods.index("files.completeUploadExternal")
    [upload] = fake.uploads.values()
    assert upload["channel"] == CHANNEL and upload["filename"] == "couverture.png"
    assert upload["content"].startswith(PNG) and len(upload["content"]) > 2_000


def test_no_chart_unless_the_project_asks_for_it(bot: Application, fake: FakeSlack) -> None:
    project(bot, chart_wanted=False)

    result = run_pass(bot, client(fake), MONDAY, sleep=no_sleep)

    assert result.sent.sent == 1 and result.sent.charts == 0
    assert fake.calls("files.getUploadURLExternal") == [] and fake.uploads == {}


def test_a_failed_upload_neither_blocks_nor_repeats_the_digest(
    bot: Application, fake: FakeSlack
) -> None:
    pid = project(bot, chart_wanted=True)
    fake.error_next("files.getUploadURLExternal", "not_in_channel")

    first = run_pass(bot, client(fake), MONDAY, sleep=no_sleep)
    again = run_pass(bot, client(fake), datetime(2027, 1, 4, 8, 30), sleep=no_sleep)

    assert (first.sent.sent, first.sent.charts_failed) == (1, 1)
    assert (again.sent.sent, again.sent.charts, again.sent.charts_failed) == (0, 0, 0)
    assert len(fake.calls("chat.postMessage")) == 1
    assert len(fake.calls("files.getUploadURLExternal")) == 1
    with bot.database.transaction() as store:
        rows = outbox.rows_for(store.connection, pid)
    assert [row["state"] for row in rows] == ["sent"]


def test_the_chart_shows_every_family_and_the_overall_coverage() -> None:
    texts = {"title": "ENT", "overall": "Ensemble", "family.technique": "Profils techniques"}
    drawn = chart.spec(Coverage(None, 3, 19), [Coverage("technique", 1, 4)], texts)

    assert drawn["bars"] == [["Ensemble", 3, 19], ["Profils techniques", 1, 4]]
    assert [bar.percent for bar in chart.bars_of(drawn)] == [16, 25]
    assert chart.png(drawn).startswith(PNG)


def test_matplotlib_is_not_imported_at_start_up() -> None:
    code = ("import sys, bot.cli, bot.scheduler, bot.slack.app, services.digest_pass, "
            "services.chart; print('matplotlib' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=60)
    assert shown.stdout.strip() == "False"
