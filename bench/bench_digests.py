"""One due pass over many projects: digests computed and queued, then posted to a loopback
fake Slack that answers some posts with 429.

    .venv/bin/python bench/bench_digests.py [--projects 10000] [--database-url URL]

Reports the time to compute and queue every digest, the SQL statements per batch of
projects (the same for every batch), the peak memory, the posting time, and checks that
each project's digest arrived exactly once.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
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
from services import digest_pass, reminders
from services.calendar import Place
from services.schedules import DEFAULT_DIGEST, DEFAULT_REMINDERS, next_slots
from storage import outbox
from storage.store import utcnow
from tests.support.fake_slack import FakeSlack


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--schools", type=int, default=20,
                        help="schools per project, 80%% with a resource person")
    parser.add_argument("--rate-limited", type=int, default=25,
                        help="posts answered 429 (Retry-After: 1) along the way")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    application = build(settings)
    database = application.database
    seed(database, args.projects, history_per_project=0)
    tables = SQLModel.metadata.tables
    with database.engine.begin() as conn:
        projects = conn.execute(
            select(tables["project"].c.id, tables["project"].c.created_at)
            .where(tables["project"].c.workspace_id == WORKSPACE)
        ).all()
        conn.execute(insert(tables["history"]), [
            {"workspace_id": WORKSPACE, "project_id": pid, "at": created + timedelta(minutes=1),
             "actor": "U0SEED", "action": "assignment", "subject": "hebergement",
             "field": "sourcing", "old_value": "interne", "new_value": "externe"}
            for pid, created in projects[::2] for _ in range(5)
        ])
        conn.execute(insert(tables["school"]), [
            {"workspace_id": WORKSPACE, "project_id": pid, "uai": f"{n:07d}X", "name": f"E{n}",
             "referent": "U0SEED" if n % 5 else None, "created_by": "bench",
             "created_at": created, "updated_at": created}
            for pid, created in projects for n in range(args.schools)
        ])
    at = next_slots(DEFAULT_DIGEST, "Europe/Paris", Place(), utcnow(), 1)[0]
    at += timedelta(minutes=1)
    print(f"{len(projects)} projects seeded with {args.schools} schools each; "
          f"pass at {at:%Y-%m-%d %H:%M} UTC")

    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute",
                 lambda *a: statements.append(str(a[2])))
    before = _rss_mb()
    started = time.perf_counter()
    planned = digest_pass.plan_digests(database, at, render_payload(application.messages))
    computed = time.perf_counter() - started
    peak = _rss_mb()
    batches = -(-len(projects) // digest_pass.BATCH)
    print(f"compute + queue: {planned.queued} digests in {computed:.2f} s "
          f"({1000 * computed / max(planned.queued, 1):.2f} ms each)")
    kinds = Counter(s.split()[0].upper() for s in statements)
    print(f"SQL statements: {len(statements)} for {batches} batches of "
          f"{digest_pass.BATCH} ({len(statements) / batches:.1f} per batch): {dict(kinds)}")
    print(f"peak RSS: {peak:.0f} MB (grew {peak - before:.0f} MB during the pass)")

    with FakeSlack() as fake:
        fake.fail_next("chat.postMessage", times=args.rate_limited, status=429, retry_after=1)
        bot = dataclasses.replace(application, settings=settings.model_copy(update={
            "slack_bot_token": fake.token, "slack_api_url": fake.base_url}))
        waits: list[float] = []
        started = time.perf_counter()
        sender = Sender(database, pass_client(bot), waits.append)
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
    print(f"posting: {sent.sent} sent in {posting:.1f} s, {sent.rate_limited} 429s "
          f"(waited {sum(waits):.0f} s, not slept in the bench), outbox {states}")
    print(f"each project's digest posted exactly once: {once}")
    reminded = _reminders(application, [pid for pid, _ in projects], at)
    application.close()
    return 0 if once and computed < 10 and reminded else 1


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
