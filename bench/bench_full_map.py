"""Time the README's short path: an empty project to ``/ent lacunes`` reporting no gap,
through the command layer on SQLite (rendering included); print the session's median and
p95 in milliseconds and its SQL statement count.

Each session runs in a new channel of the same database, alternating with a baseline of
as many empty write transactions as the session has lines (the lock every change takes,
and nothing else), so both are measured equally warm.

Run: ``.venv/bin/python bench/bench_full_map.py [--runs N]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from bot.app import Application, build
from bot.console import parse_line
from bot.settings import Settings
from services.turn import Caller, Reply

BUDGET_MS = 100.0
WORKSPACE = "TBENCH"
SESSION = (
    "/ent projet creer ENT des collèges d'Ille-et-Vilaine",
    "/ent entite ajouter DSI du Département collectivité, DANE Rennes académie, "
    "Open Digital Education éditeur, Département d'Ille-et-Vilaine collectivité",
    "oui",
    '/ent-assign 1-5, 9 "DSI du Département" interne @yann',
    '/ent-assign 6-8 "Open Digital Education" externe @julie niveau "GTI 4 h ouvrées"',
    '/ent-assign 10-18 "DANE Rennes" interne @anne',
    "/ent-assign 19 \"Département d'Ille-et-Vilaine\" interne @paul",
    "/ent questions 1 DANE Rennes",
    "/ent questions 2 tout sauf 17",
    "/ent questions 3 DSI du Département, DANE Rennes",
    "/ent facteurs 1-3",
    "/ent lacunes",
)
"""The README's short path, line for line."""


def run_session(app: Application, channel: str) -> list[Reply]:
    """Type the session in ``channel``; every reply rendered as Slack would show it."""
    caller = Caller(WORKSPACE, "U0BENCH", channel)
    replies: list[Reply] = []
    for line in SESSION:
        parsed = parse_line(line)
        got = (
            app.assistant.message(caller, line) if parsed is None
            else app.assistant.command(caller, *parsed)
        )
        for reply in got:
            app.messages.slack(reply.template, reply.data, reply.language)
        replies += got
    return replies


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _p95(timings: list[float]) -> float:
    return timings[max(int(len(timings) * 0.95) - 1, 0)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db")
        app = build(settings)
        channels = iter(f"C{n:06d}" for n in range(10**6))

        last = run_session(app, next(channels))
        assert last[-1].template == "gaps" and not last[-1].data["gaps"], "the path leaves gaps"
        statements: list[str] = []

        def record(*event_args: object) -> None:
            statements.append(str(event_args[2]))

        event.listen(app.database.engine, "before_cursor_execute", record)
        run_session(app, next(channels))
        event.remove(app.database.engine, "before_cursor_execute", record)

        def empty_changes() -> None:
            for _line in SESSION:
                app.database.attempt(lambda store: store.connection.exec_driver_sql("SELECT 1"))

        def session() -> None:
            run_session(app, next(channels))

        for _ in range(5):
            session()
            empty_changes()
        timings: list[float] = []
        bases: list[float] = []
        for _ in range(args.runs):
            timings.append(_timed(session))
            bases.append(_timed(empty_changes))
        timings.sort()
        bases.sort()
        median, base = statistics.median(timings), statistics.median(bases)
        verdict = "ok" if median <= BUDGET_MS else "OVER BUDGET"
        print(f"full map, {len(SESSION)} typed lines, {args.runs} sessions, SQLite, "
              f"rendering included")
        print(f"session median {median:6.2f} ms   p95 {_p95(timings):6.2f} ms   "
              f"({len(SESSION)} empty changes {base:.2f} / {_p95(bases):.2f} ms: "
              f"x{median / base:.1f} median, x{_p95(timings) / _p95(bases):.1f} p95)   "
              f"budget {BUDGET_MS:.0f} ms  {verdict}")
        print(f"statements per session: {len(statements)} "
              f"({sum(1 for s in statements if s.lstrip().upper().startswith('SELECT'))} reads)")
        app.close()
    return 0 if median <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
