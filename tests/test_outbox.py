"""The due pass end to end: digests queued in the outbox and posted to a loopback Slack,
exactly once, through restarts, downtime, rate limits, two runners and archived channels."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
from pathlib import Path

from freezegun import freeze_time

from bot.app import Application, build
from bot.scheduler import METADATA_EVENT, Sender, Sent, render_payload, run_pass
from services.digest_pass import plan_digests
from services.turn import Caller
from storage import outbox
from storage import schedules as schedule_store
from tests.support.fake_slack import FakeSlack
from tests.support.scheduled import at, bot, client, fake, members, no_sleep, project_in

__all__ = ["bot", "fake", "members"]

WORKSPACE = "T0TEAM0001"
CHANNEL = "C0CHAN0001"
ALICE = "U0ALICE01"


def command(app: Application, text: str, channel: str = CHANNEL) -> str:
    caller = Caller(WORKSPACE, ALICE, channel)
    replies = app.assistant.command(caller, "/ent", text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def rows(app: Application, project_id: int) -> list[dict[str, object]]:
    with app.database.transaction() as store:
        return outbox.rows_for(store.connection, project_id)


def test_christmas_holidays_give_one_digest_on_4_january_then_nothing_twice(
    bot: Application, fake: FakeSlack
) -> None:
    pid = project_in(bot)
    sent = []
    for instant in ("2026-12-07 08:00", "2026-12-14 08:05", "2026-12-21 08:05",
                    "2026-12-28 08:05", "2027-01-04 08:01", "2027-01-04 08:30"):
        with freeze_time(instant):
            result = run_pass(bot, client(fake), at(instant), sleep=no_sleep)
        sent.append(result.sent.sent)
    assert sent == [1, 1, 0, 0, 1, 0]
    posts = fake.calls("chat.postMessage")
    assert [p.params["channel"] for p in posts] == [CHANNEL] * 3
    assert "ENT des collèges 35 — synthèse" in posts[-1].params["text"]
    assert posts[-1].params["metadata"]["event_payload"]["key"] == (
        f"digest:{pid}:2027-01-04T08:00")
    stored = rows(bot, pid)
    assert [(r["state"], r["late"]) for r in stored] == [("sent", False)] * 3


def test_slots_before_the_project_existed_are_never_due(bot: Application, fake: FakeSlack) -> None:
    project_in(bot, created="2027-01-11 08:30")  # after that Monday's 09:00 (08:00 UTC)
    result = run_pass(bot, client(fake), at("2027-01-11 09:00"), sleep=no_sleep)
    assert result.planned.queued == 0 and fake.calls("chat.postMessage") == []


def test_a_week_of_downtime_gives_one_late_post(bot: Application, fake: FakeSlack) -> None:
    pid = project_in(bot)
    run_pass(bot, client(fake), at("2027-01-04 08:01"), sleep=no_sleep)
    # Down from 5 January to 20 January: the 11th and 18th were missed.
    with freeze_time("2027-01-20 10:00"):
        result = run_pass(bot, client(fake), at("2027-01-20 10:00"), sleep=no_sleep)
    assert (result.planned.queued, result.planned.late, result.sent.sent) == (1, 1, 1)
    last = fake.calls("chat.postMessage")[-1]
    assert "En retard" in str(last.params["blocks"]) and "18/01/2027" in str(last.params["blocks"])
    assert len(fake.calls("chat.postMessage")) == 2
    assert [r["late"] for r in rows(bot, pid)] == [False, True]


def test_a_restart_between_the_post_and_its_record_posts_nothing_twice(
    bot: Application, fake: FakeSlack
) -> None:
    pid = project_in(bot)
    slack = client(fake)
    plan_digests(bot.database, at("2027-01-04 08:01"), render_payload(bot.messages))
    # The first process claims the row and posts it, then dies before recording it.
    with bot.database.transaction(write=True) as store:
        [claimed] = outbox.claim(store.connection, at("2027-01-04 08:01"), 10)
    crashed = Sender(bot.database, slack, no_sleep)
    crashed_result = Sent()
    crashed._post(claimed, crashed_result)
    assert crashed_result.sent == 0 and len(fake.calls("chat.postMessage")) == 1
    # After its lease, a new process finds the post by its metadata and records it.
    result = run_pass(bot, slack, at("2027-01-04 08:10"), sleep=no_sleep)
    assert (result.sent.sent, result.sent.found) == (0, 1)
    assert len(fake.calls("chat.postMessage")) == 1
    history = fake.calls("conversations.history")
    assert history and history[0].params.get("include_all_metadata") in ("1", "true", True)
    [row] = rows(bot, pid)
    assert row["state"] == "sent" and row["ts"] == fake.calls("chat.postMessage")[0].response["ts"]
    assert fake.messages(CHANNEL)[0]["metadata"]["event_type"] == METADATA_EVENT


def test_429_waits_for_retry_after_then_posts_once(bot: Application, fake: FakeSlack) -> None:
    project_in(bot)
    fake.fail_next("chat.postMessage", times=2, status=429, retry_after=3)
    waits: list[float] = []
    result = run_pass(bot, client(fake), at("2027-01-04 08:01"), sleep=waits.append)
    assert waits == [3, 3]
    assert result.sent.sent == 1 and result.sent.rate_limited == 2
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 429, 200]
    assert len(fake.messages(CHANNEL)) == 1


def test_a_5xx_backs_off_and_a_later_pass_sends_it_once(bot: Application, fake: FakeSlack) -> None:
    pid = project_in(bot)
    fake.fail_next("chat.postMessage", times=1, status=503, retry_after=None)
    first = run_pass(bot, client(fake), at("2027-01-04 08:01"), sleep=no_sleep)
    assert (first.sent.sent, first.sent.retried) == (0, 1)
    soon = run_pass(bot, client(fake), at("2027-01-04 08:01:30"), sleep=no_sleep)
    assert soon.sent.sent == 0  # still backing off
    later = run_pass(bot, client(fake), at("2027-01-04 08:05"), sleep=no_sleep)
    assert later.sent.sent + later.sent.found == 1
    assert len(fake.messages(CHANNEL)) == 1
    assert [r["state"] for r in rows(bot, pid)] == ["sent"]


def test_an_archived_channel_pauses_its_project_and_never_loops(
    bot: Application, fake: FakeSlack
) -> None:
    pid = project_in(bot)
    fake.error_next("chat.postMessage", "is_archived")
    result = run_pass(bot, client(fake), at("2027-01-04 08:01"), sleep=no_sleep)
    assert result.sent.failed == 1 and result.sent.paused == [pid]
    [row] = rows(bot, pid)
    assert (row["state"], row["error"]) == ("failed", "is_archived")
    with bot.database.transaction() as store:
        assert schedule_store.calendar(store.connection, pid).paused_reason == "is_archived"
    again = run_pass(bot, client(fake), at("2027-01-11 08:01"), sleep=no_sleep)
    assert again.planned.queued == 0 and len(fake.calls("chat.postMessage")) == 1
    shown = command(bot, "rappels")
    assert "En pause" in shown and "is_archived" in shown


def test_two_runners_at_the_same_instant_post_each_digest_once(
    bot: Application, fake: FakeSlack, settings: object
) -> None:
    ids = [project_in(bot, channel=f"C0CHAN{n:04d}") for n in range(6)]
    other = dataclasses.replace(build(bot.settings, migrate=False))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def runner(application: Application) -> None:
        try:
            barrier.wait(5)
            run_pass(application, client(fake), at("2027-01-04 08:01"), sleep=no_sleep)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(a,)) for a in (bot, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    other.close()
    assert errors == []
    posts = fake.calls("chat.postMessage")
    assert sorted(p.params["channel"] for p in posts) == sorted(
        f"C0CHAN{n:04d}" for n in range(6))
    for pid in ids:
        assert [r["state"] for r in rows(bot, pid)] == ["sent"]


def test_digests_due_dry_run_prints_and_changes_nothing(
    bot: Application, tmp_path: Path, database_url: str
) -> None:
    pid = project_in(bot)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "digests", "--due", "--at", "2027-01-04T09:01+01:00",
         "--dry-run"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url,
             "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert result.returncode == 0, result.stderr
    assert f"digest:{pid}:2027-01-04T08:00" in result.stdout
    assert "ENT des collèges 35 — synthèse" in result.stdout
    assert rows(bot, pid) == []
