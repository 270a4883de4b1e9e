"""One due pass over many projects: digests computed and queued, then posted to a loopback
fake Slack that answers some posts with 429.

    .venv/bin/python bench/bench_digests.py [--projects 2000] [--full] [--database-url URL]

``--full`` runs the 10,000 projects the budget is set for (several minutes of seeding on a
slow machine); the default is smaller so that it can be run often.

The pass is timed batch by batch (``digest_pass.BATCH`` projects), each digest batch
interleaved with a baseline batch over the same projects, one of each alternately (which
one goes first alternates too), and both are judged by their median and p95. The baseline
is the same batch pass at an instant when nothing is due (before the first slot after the
projects were created): it reads the batch's projects, calendars and rules and decides, like
every scheduler tick between two slots. What the digest batch adds to it is exactly what
"computing digests" means here: the locked re-read, the states, history, local figures and
departed contacts, the rendering, the outbox rows and the slots recorded. A bare outbox
pass was not chosen: it times the sending, which is measured on its own below.

Reports the time to compute and queue every digest (budget: under 10 s for 10,000 projects;
the sum of the digest batches), the per-batch median and p95 of both, the SQL statements per
batch (the same for every batch), the peak memory (budget: under 300 MB), the posting time,
and checks that each project's digest arrived exactly once.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.seed import WORKSPACE, seed
from bot.app import build
from bot.scheduler import Sender, pass_client, render_payload
from bot.settings import Settings
from bot.slack.pacing import Pacer
from services import digest_pass, reminders
from services.calendar import Place
from services.schedules import DEFAULT_DIGEST, DEFAULT_REMINDERS, next_slots
from storage import outbox
from storage.store import utcnow
from tests.support.fake_slack import FakeSlack


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _p95(values: list[float]) -> float:
    """Nearest rank: with fewer than 20 batches, the slowest one."""
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def _seed(url: str, projects: int, schools: int) -> None:
    """The projects, half of them with 5 changes to show, each with ``schools`` schools."""
    application = build(Settings(database_url=url), migrate=False)
    database = application.database
    seed(database, projects, history_per_project=0)
    tables = SQLModel.metadata.tables
    with database.engine.begin() as conn:
        rows = conn.execute(
            select(tables["project"].c.id, tables["project"].c.created_at)
            .where(tables["project"].c.workspace_id == WORKSPACE)
        ).all()
        conn.execute(insert(tables["history"]), [
            {"workspace_id": WORKSPACE, "project_id": pid, "at": created + timedelta(minutes=1),
             "actor": "U0SEED", "action": "assignment", "subject": "hebergement",
             "field": "sourcing", "old_value": "interne", "new_value": "externe"}
            for pid, created in rows[::2] for _ in range(5)
        ])
        if schools:
            conn.execute(insert(tables["school"]), [
                {"workspace_id": WORKSPACE, "project_id": pid, "uai": f"{n:07d}X",
                 "name": f"E{n}", "referent": "U0SEED" if n % 5 else None,
                 "created_by": "bench", "created_at": created, "updated_at": created}
                for pid, created in rows for n in range(schools)
            ])
    application.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2_000)
    parser.add_argument("--full", action="store_true", help="10,000 projects (the budget's size)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--schools", type=int, default=20,
                        help="schools per project, 80%% with a resource person")
    parser.add_argument("--rate-limited", type=int, default=25,
                        help="posts answered 429 (Retry-After: 1) along the way")
    args = parser.parse_args()
    if args.full:
        args.projects = 10_000
    folder = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    settings = Settings(database_url=url)
    application = build(settings)
    database = application.database
    # Seeded in a child process: the peak memory measured below is the pass's, not the
    # seed's lists of rows.
    child = multiprocessing.get_context("spawn").Process(
        target=_seed, args=(url, args.projects, args.schools))
    child.start()
    child.join()
    if child.exitcode != 0:
        return 1
    with database.engine.begin() as conn:
        project = SQLModel.metadata.tables["project"]
        projects = conn.execute(
            select(project.c.id).where(project.c.workspace_id == WORKSPACE)).all()
    at = next_slots(DEFAULT_DIGEST, "Europe/Paris", Place(), utcnow(), 1)[0]
    at += timedelta(minutes=1)
    print(f"{len(projects)} projects seeded with {args.schools} schools each; "
          f"pass at {at:%Y-%m-%d %H:%M} UTC")

    quiet = utcnow()  # before the first slot after the projects were created: nothing due
    render = render_payload(application.messages)
    statements: list[str] = []
    counting = [False]
    event.listen(database.engine, "before_cursor_execute",
                 lambda *a: statements.append(str(a[2])) if counting[0] else None)
    before = _rss_mb()
    planned = digest_pass.Planned()
    idle = digest_pass.Planned()
    timings: dict[str, list[float]] = {"digest": [], "baseline": []}
    counts: dict[str, list[int]] = {"digest": [], "baseline": []}
    after: int | None = 0
    index = 0
    while after is not None:
        start = after
        order = ("baseline", "digest") if index % 2 else ("digest", "baseline")
        for kind in order:
            counted = len(statements)
            counting[0] = True
            started = time.perf_counter()
            if kind == "digest":
                after = digest_pass.plan_batch(database, at, render, planned, start)
            else:
                digest_pass.plan_batch(database, quiet, render, idle, start)
            timings[kind].append(time.perf_counter() - started)
            counting[0] = False
            counts[kind].append(len(statements) - counted)
        index += 1
    peak = _rss_mb()
    computed = sum(timings["digest"])
    batches = -(-len(projects) // digest_pass.BATCH)
    for kind in timings:  # the last call of each only found no project left
        timings[kind] = timings[kind][:batches]
        counts[kind] = counts[kind][:batches]
    print(f"compute + queue: {planned.queued} digests in {computed:.2f} s "
          f"({1000 * computed / max(planned.queued, 1):.2f} ms each; budget 10 s for 10,000)")
    for kind in ("digest", "baseline"):
        spent = timings[kind]
        print(f"{kind:>8} batch of {digest_pass.BATCH}: median {1000 * _median(spent):.1f} ms, "
              f"p95 {1000 * _p95(spent):.1f} ms over {len(spent)} batches")
    ratio = _median(timings["digest"]) / _median(timings["baseline"])
    print(f"digest / baseline: {ratio:.1f}x at the median, "
          f"{_p95(timings['digest']) / _p95(timings['baseline']):.1f}x at p95; "
          f"the baseline queued {idle.queued} (nothing due)")
    kinds = Counter(s.split()[0].upper() for s in statements)
    print(f"SQL statements per batch (statements: batches): "
          f"digest {dict(Counter(counts['digest']))}, "
          f"baseline {dict(Counter(counts['baseline']))}; all: {dict(kinds)}")
    print(f"peak RSS: {peak:.0f} MB (grew {peak - before:.0f} MB during the pass; budget 300 MB)")

    with FakeSlack() as fake:
        fake.fail_next("chat.postMessage", times=args.rate_limited, status=429, retry_after=1)
        bot = dataclasses.replace(application, settings=dataclasses.replace(
            settings, slack_bot_token=fake.token, slack_api_url=fake.base_url))
        # Slack's pacing and Retry-After waits run on a virtual clock: added up, not slept.
        virtual = [0.0]

        def pause(seconds: float) -> None:
            virtual[0] += seconds

        started = time.perf_counter()
        sender = Sender(database, pass_client(bot), pause,
                        Pacer(clock=lambda: virtual[0], sleep=pause))
        sent = sender.send_due(lambda: at)
        # Rows still rate-limited after three tries are due again after their Retry-After.
        later = sender.send_due(lambda: at + timedelta(seconds=5))
        sent.sent += later.sent
        sent.rate_limited += later.rate_limited
        posting = time.perf_counter() - started
        channels = Counter(str(c.params.get("channel")) for c in fake.calls("chat.postMessage")
                           if c.status == 200)
        with database.transaction() as store:
            states: dict[str, Any] = outbox.counts(store.connection)
    once = len(channels) == len(projects) and set(channels.values()) == {1}
    print(f"posting: {sent.sent} sent in {posting:.1f} s, {sent.rate_limited} 429s; Slack's "
          f"pacing and Retry-After would spread them over {virtual[0] / 60:.0f} min (virtual "
          f"clock, not slept), outbox {states}")
    print(f"each project's digest posted exactly once: {once}")
    reminded = _reminders(application, [pid for (pid,) in projects], at)
    application.close()
    within = computed < 10 * len(projects) / 10_000 and peak < 300
    return 0 if once and within and idle.queued == 0 and reminded else 1


def _reminders(application: Any, ids: list[int], digest_at: datetime) -> bool:
    """Reminders on for every project (Thursdays 10:00): one pass groups each person's gaps
    across all of them; a second pass at the same instant queues nothing."""
    database = application.database
    with database.engine.begin() as conn:
        conn.execute(insert(SQLModel.metadata.tables["schedule"]), [
            {"workspace_id": WORKSPACE, "project_id": pid, "kind": "reminders",
             "rule": DEFAULT_REMINDERS, "timezone": "Europe/Paris", "updated_by": "bench",
             "updated_at": digest_at}
            for pid in ids
        ])
    at = next_slots(DEFAULT_REMINDERS, "Europe/Paris", Place(), digest_at, 1)[0]
    at += timedelta(minutes=1)
    statements: list[str] = []
    listener = lambda *a: statements.append(str(a[2]))  # noqa: E731
    event.listen(database.engine, "before_cursor_execute", listener)
    before = _rss_mb()
    started = time.perf_counter()
    planned = reminders.plan_reminders(database, at, render_payload(application.messages))
    took = time.perf_counter() - started
    again = reminders.plan_reminders(database, at, render_payload(application.messages))
    event.remove(database.engine, "before_cursor_execute", listener)
    batches = -(-len(ids) // digest_pass.BATCH)
    print(f"reminders: {planned.queued} messages (one per person, escalations included) for "
          f"{len(ids)} projects in {took:.2f} s; {len(statements)} SQL statements for both "
          f"passes ({len(statements) / batches:.1f} per batch of {digest_pass.BATCH}); "
          f"peak RSS {_rss_mb():.0f} MB (grew {_rss_mb() - before:.0f} MB); "
          f"same instant again: {again.queued} queued")
    return again.queued == 0 and planned.queued > 0


if __name__ == "__main__":
    sys.exit(main())
