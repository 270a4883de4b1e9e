"""Pacing: the sender keeps Slack's posting limits (one post a second per channel, a
workspace-wide ceiling per minute) on a virtual clock, and a busy channel holds no other back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient

from bot.app import Application
from bot.scheduler import Sender
from bot.slack.pacing import WINDOW, Pacer
from storage import outbox
from tests.support.fake_slack import FakeSlack

WORKSPACE = "T0TEAM0001"
BUSY = "C0BUSY0001"
OTHERS = ("C0CALM0001", "C0CALM0002")
NOW = datetime(2027, 1, 4, 8, 1)


class VirtualClock:
    """Seconds that pass only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


def record_posts(fake: FakeSlack, clock: VirtualClock) -> list[tuple[float, str, str]]:
    """(virtual instant, channel, text) of every chat.postMessage, as Slack receives it."""
    posts: list[tuple[float, str, str]] = []

    def post(params: dict[str, Any]) -> dict[str, Any]:
        posts.append((clock.now, str(params["channel"]), str(params.get("text"))))
        return {"ok": True, "channel": params["channel"], "ts": f"{len(posts)}.000100"}

    fake.on("chat.postMessage", post)
    return posts


def queue(app: Application, channels: list[str], workspace: str = WORKSPACE) -> None:
    messages = [
        outbox.Message(key=f"test:{index}", workspace_id=workspace, project_id=None,
                       kind=outbox.NOTICE, channel=channel, payload={"text": f"n°{index}"})
        for index, channel in enumerate(channels)
    ]
    with app.database.transaction() as store:
        outbox.enqueue(store.connection, messages, NOW)


def send(app: Application, fake: FakeSlack, clock: VirtualClock, **limits: Any) -> int:
    client = WebClient(token=fake.token, base_url=fake.base_url, retry_handlers=[], timeout=5)
    pacer = Pacer(clock, clock.sleep, **limits)
    with freeze_time(NOW):
        return Sender(app.database, client, clock.sleep, pacer).send_due(lambda: NOW).sent


def test_many_posts_to_one_channel_are_a_second_apart_while_other_channels_proceed(
    app: Application, fake: FakeSlack
) -> None:
    clock = VirtualClock()
    posts = record_posts(fake, clock)
    queue(app, [BUSY] * 6 + list(OTHERS))

    assert send(app, fake, clock) == 8

    start = 1_000.0
    busy = [at - start for at, channel, _text in posts if channel == BUSY]
    assert busy == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert [text for _at, channel, text in posts if channel == BUSY] == [
        f"n°{index}" for index in range(6)]  # a channel's posts keep their order
    others = {channel: at - start for at, channel, _text in posts if channel != BUSY}
    assert others == {OTHERS[0]: 0.0, OTHERS[1]: 0.0}  # not queued behind the busy channel
    assert [channel for _at, channel, _text in posts[:3]] == [BUSY, *OTHERS]
    assert clock.now - start == 5.0  # the whole pass: one second per extra busy post


def test_a_workspace_never_exceeds_its_ceiling_in_any_minute(
    app: Application, fake: FakeSlack
) -> None:
    clock = VirtualClock()
    posts = record_posts(fake, clock)
    channels = [f"C0MANY{index:04d}" for index in range(12)]
    queue(app, channels)
    queue_other = [outbox.Message(key="test:other", workspace_id="T0OTHER01", project_id=None,
                                  kind=outbox.NOTICE, channel="C0ELSE0001",
                                  payload={"text": "ailleurs"})]
    with app.database.transaction() as store:
        outbox.enqueue(store.connection, queue_other, NOW)

    assert send(app, fake, clock, per_minute=5) == 13

    times = sorted(at - 1_000.0 for at, channel, _text in posts if channel != "C0ELSE0001")
    assert times == [0.0] * 5 + [WINDOW] * 5 + [2 * WINDOW] * 2
    for first in range(len(times)):
        assert sum(1 for t in times if times[first] <= t < times[first] + WINDOW) <= 5
    [(other_at, _channel, _text)] = [p for p in posts if p[1] == "C0ELSE0001"]
    assert other_at - 1_000.0 == 0.0  # another workspace has its own ceiling


def test_a_pacer_with_nothing_sent_yet_never_sleeps() -> None:
    clock = VirtualClock()
    pacer = Pacer(clock, clock.sleep)
    assert list(pacer.paced(["a", "b", "c"], lambda row: (WORKSPACE, row))) == ["a", "b", "c"]
    assert clock.slept == []
    pacer.wait((WORKSPACE, "a"))
    assert clock.slept == [1.0]
