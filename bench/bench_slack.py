"""Time signed ``/ent statut`` and ``/ent-assign`` through the bot's Bolt app, against a bare
Bolt app whose listener only acknowledges, on SQLite with 1,000 seeded projects.

Both apps verify signatures and answer before responding (``process_before_response``).
The bot's Web API calls go to a FakeSlack on loopback; the posting it does after the
acknowledgement is waited for outside the timed dispatch. The two apps are measured
interleaved: one bot dispatch, then one bare dispatch (the order alternating from one
pair to the next), so both run equally warm and drift hits both alike. Prints median
and p95 (µs) of each, and both ratios.

Run: ``.venv/bin/python bench/bench_slack.py [--projects N] [--runs N] [--channels N]``
Exit status 1 if a ratio, median or p95, exceeds its budget (statut ≤ 15×, assign ≤ 60×
the bare ack).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from bench.seed import WORKSPACE, seed
from bot.app import build
from bot.settings import Settings
from bot.slack.app import create_app
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import TrackingExecutor

SECRET = "bench-signing-secret"
USER = "U0BENCH01"
BUDGET = {"/ent statut": 15.0, "/ent-assign": 60.0}


def bare_app(fake: FakeSlack) -> App:
    """The baseline: same Bolt settings, a listener that only acknowledges."""
    app = App(
        client=WebClient(base_url=fake.base_url, token=fake.token),
        signing_secret=SECRET, process_before_response=True, token_verification_enabled=False,
    )

    def ack_only(ack: Ack) -> None:
        ack()

    app.command("/ent")(ack_only)
    app.command("/ent-assign")(ack_only)
    return app


def request(channel: str, command: str, text: str) -> BoltRequest:
    body = sr.slash_command(command, text, user_id=USER, channel_id=channel, team_id=WORKSPACE)
    return body.bolt_request(SECRET)


def timed(app: App, bolt_request: BoltRequest, check: Callable[[int, str], None]) -> float:
    start = time.perf_counter()
    response = app.dispatch(bolt_request)
    elapsed = time.perf_counter() - start
    check(response.status, response.body)
    return elapsed * 1e6


def expect_ok(status: int, _body: str) -> None:
    assert status == 200, status


def expect_posted(status: int, body: str) -> None:
    assert (status, body) == (200, ""), (status, body[:200])


def expect_status(status: int, body: str) -> None:
    assert status == 200 and "qui s'occupe de quoi" in body, (status, body[:200])


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=200, help="channels the runs cycle on")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    channels = [f"C{n:06d}" for n in rng.sample(range(args.projects), args.channels)]
    with tempfile.TemporaryDirectory() as folder, FakeSlack(
        channel_members={channel: [USER, sr.BOT_USER_ID] for channel in channels}
    ) as fake:
        settings = Settings(
            database_url=f"sqlite:///{folder}/bench.db",
            slack_bot_token=fake.token, slack_signing_secret=SECRET,
            slack_api_url=fake.base_url,
        )
        application = build(settings)
        seed(application.database, args.projects)
        executor = TrackingExecutor()
        bot = create_app(application, executor)
        bare = bare_app(fake)
        visits: dict[str, int] = {}

        def assign_text(channel: str) -> str:
            visit = visits.get(channel, 0)
            visits[channel] = visit + 1
            number = visit % 19 + 1
            return f'{number} "Entité {(number + visit) % 6}" {("externe", "interne")[visit % 2]}'

        for channel in channels:  # warm-up: caches, membership, SQLite pages
            timed(bot, request(channel, "/ent", "statut"), expect_status)
            timed(bot, request(channel, "/ent-assign", assign_text(channel)), expect_posted)
            timed(bare, request(channel, "/ent", "statut"), expect_ok)
            executor.wait_idle()
        calls_before = len(fake.calls())
        Measured = tuple[App, Callable[[str], BoltRequest], Callable[[int, str], None]]
        pairs: dict[str, tuple[Measured, Measured]] = {
            "/ent statut": (
                (bot, lambda c: request(c, "/ent", "statut"), expect_status),
                (bare, lambda c: request(c, "/ent", "statut"), expect_ok),
            ),
            "/ent-assign": (
                (bot, lambda c: request(c, "/ent-assign", assign_text(c)), expect_posted),
                (bare, lambda c: request(c, "/ent-assign", "7 DSI"), expect_ok),
            ),
        }
        times: dict[tuple[str, str], list[float]] = {}
        for run in range(args.runs):
            channel = channels[run % len(channels)]
            for name, (mine, baseline) in pairs.items():
                requests = [
                    ("bot", mine, mine[1](channel)), ("bare", baseline, baseline[1](channel))
                ]
                for who, (app, _make, check), bolt_request in requests[:: 1 if run % 2 else -1]:
                    times.setdefault((who, name), []).append(timed(app, bolt_request, check))
                    executor.wait_idle()
        lookups = len(fake.calls("conversations.members"))
        posts = len(fake.calls()) - calls_before
        application.close()
        executor.shutdown()
    print(f"{args.projects} projects, {args.runs} runs on {args.channels} channels "
          f"(µs per dispatch; signature checked)")
    failed = False
    for name, budget in BUDGET.items():
        bot_median, bot_p95 = summary(times[("bot", name)])
        bare_median, bare_p95 = summary(times[("bare", name)])
        ratio, ratio_p95 = bot_median / bare_median, bot_p95 / bare_p95
        over = max(ratio, ratio_p95) > budget
        failed = failed or over
        print(f"{name:12} bot median {bot_median:8.0f} p95 {bot_p95:8.0f} | "
              f"bare median {bare_median:6.0f} p95 {bare_p95:6.0f} | "
              f"ratio median {ratio:5.1f}× p95 {ratio_p95:5.1f}× "
              f"(budget {budget:.0f}×) {'OVER BUDGET' if over else 'ok'}")
    print(f"Web API after the acknowledgements (posts, home tabs): {posts} calls; "
          f"conversations.members look-ups in all: {lookups}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
