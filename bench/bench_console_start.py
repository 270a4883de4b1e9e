"""Time ``ent-bot console </dev/null`` as a whole process, against a bare
``python -c pass`` in the same run (alternating), on a SQLite database whose schema is
already current; print median and p95 in milliseconds. Also time a session of one line
(``/ent statut``), which opens the database and answers: the console shows its prompt
before it loads the database layer, so the first figure is the time to the prompt and
the second the time to a first answer.

Run: ``.venv/bin/python bench/bench_console_start.py [--runs N]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET_MS = 400.0
ENT_BOT = Path(sys.executable).with_name("ent-bot")


def _timed(command: list[str], folder: str, lines: bytes = b"") -> float:
    start = time.perf_counter()
    subprocess.run(command, input=lines, stdout=subprocess.DEVNULL, cwd=folder, check=True,
                   timeout=60)
    return (time.perf_counter() - start) * 1000


def _p95(timings: list[float]) -> float:
    return timings[max(int(len(timings) * 0.95) - 1, 0)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    console = [str(ENT_BOT), "console", "--user", "bench"]
    bare = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as folder:
        _timed(console, folder)  # creates and migrates ent-bot.db
        _timed(console, folder, b"/ent projet creer ENT 35\n")
        starts: list[float] = []
        answers: list[float] = []
        bases: list[float] = []
        for _ in range(args.runs):
            starts.append(_timed(console, folder))
            bases.append(_timed(bare, folder))
            answers.append(_timed(console, folder, b"/ent statut\n"))
    starts.sort()
    bases.sort()
    answers.sort()
    median, base = statistics.median(starts), statistics.median(bases)
    answer = statistics.median(answers)
    print(f"first answer  median {answer:6.1f} ms   p95 {_p95(answers):6.1f} ms   "
          f"(x{answer / base:.1f} python -c pass)")
    verdict = "ok" if median <= BUDGET_MS else "OVER BUDGET"
    print(f"console start median {median:6.1f} ms   p95 {_p95(starts):6.1f} ms   "
          f"(python -c pass {base:.1f} / {_p95(bases):.1f} ms: x{median / base:.1f} median)   "
          f"budget {BUDGET_MS:.0f} ms  {verdict}")
    return 0 if median <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
