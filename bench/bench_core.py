"""Time ``/ent statut``, ``/ent lacunes`` and ``/ent-assign`` through the command layer
on SQLite with 1,000 full projects; print median and p95 in milliseconds.

Each run of a command alternates with a run of the baseline, an empty write transaction
(the lock every change takes, and nothing else), so both are measured equally warm.

Run: ``.venv/bin/python bench/bench_core.py [--projects N] [--runs N]``
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

from bench.seed import WORKSPACE, seed
from bot.app import build
from bot.settings import Settings
from services.turn import Caller

BUDGET_MS = {"/ent statut": 3.0, "/ent lacunes": 3.0, "/ent-assign": 5.0}


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def measure(
    action: Callable[[], object], baseline: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """``runs`` timings of ``action`` and of ``baseline``, one of each alternately."""
    for _ in range(20):
        action()
        baseline()
    timings: list[float] = []
    bases: list[float] = []
    for _ in range(runs):
        timings.append(_timed(action))
        bases.append(_timed(baseline))
    return sorted(timings), sorted(bases)


def _p95(timings: list[float]) -> float:
    return timings[int(len(timings) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db")
        app = build(settings)
        seed(app.database, args.projects)
        caller = Caller(WORKSPACE, "U0BENCH", f"C{args.projects // 2:06d}")
        toggle = iter(range(10**9))

        def render(replies: list) -> None:  # type: ignore[type-arg]
            for reply in replies:
                app.messages.slack(reply.template, reply.data, reply.language)

        def status() -> None:
            render(app.assistant.command(caller, "/ent", "statut"))

        def gaps() -> None:
            render(app.assistant.command(caller, "/ent", "lacunes"))

        def empty_change() -> None:
            app.database.attempt(lambda store: store.connection.exec_driver_sql("SELECT 1"))

        def assign() -> None:
            sourcing = ("interne", "externe")[next(toggle) % 2]
            replies = app.assistant.command(caller, "/ent-assign", f"7 Entité 2 {sourcing}")
            assert replies[0].template == "assigned", replies[0]
            render(replies)

        print(f"{args.projects} projects, {args.runs} runs each, SQLite, rendering included")
        failed = False
        for name, action in (
            ("/ent statut", status),
            ("/ent lacunes", gaps),
            ("/ent-assign", assign),
        ):
            timings, bases = measure(action, empty_change, args.runs)
            median = statistics.median(timings)
            base = statistics.median(bases)
            verdict = "ok" if median <= BUDGET_MS[name] else "OVER BUDGET"
            failed |= median > BUDGET_MS[name]
            print(
                f"{name:14} median {median:6.2f} ms   p95 {_p95(timings):6.2f} ms   "
                f"(empty change {base:.2f} / {_p95(bases):.2f} ms: "
                f"x{median / base:.1f} median, x{_p95(timings) / _p95(bases):.1f} p95)   "
                f"budget {BUDGET_MS[name]:.0f} ms  {verdict}"
            )
        app.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
