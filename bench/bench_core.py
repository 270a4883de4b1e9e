"""Time ``/ent statut``, ``/ent lacunes`` and ``/ent-assign`` through the command layer
on SQLite with 1,000 full projects; print median and p95 in milliseconds.

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


def measure(action: Callable[[], object], runs: int) -> list[float]:
    for _ in range(20):
        action()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/bench.db")  # type: ignore[call-arg]
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
            timings = sorted(measure(action, args.runs))
            median = statistics.median(timings)
            p95 = timings[int(len(timings) * 0.95) - 1]
            verdict = "ok" if median <= BUDGET_MS[name] else "OVER BUDGET"
            failed |= median > BUDGET_MS[name]
            print(
                f"{name:14} median {median:6.2f} ms   p95 {p95:6.2f} ms   "
                f"budget {BUDGET_MS[name]:.0f} ms  {verdict}"
            )
        app.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
