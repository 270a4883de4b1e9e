"""Time the schools features on SQLite (or ``--database-url``): importing the real
Ille-et-Vilaine directory and a synthetic 5,000-school perimeter, ``/ent ecoles`` with
resource persons on 80 % of the schools, and the handover document in md, csv and ods.

Each figure is interleaved with a baseline (``/ent statut``, the project matrix) so a busy
machine shows in both; median and p95 in milliseconds.

Run: ``.venv/bin/python bench/bench_schools.py [--schools N] [--runs N]``
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

from bot.app import Application, build
from bot.console_files import import_people, import_schools
from bot.export import write_export
from bot.settings import Settings
from services.turn import Caller, Reply
from services.uai import CHECK_LETTERS

ROOT = Path(__file__).resolve().parents[1]
REAL = "annuaire-education-ille-et-vilaine.csv"
HEADER = (
    "Identifiant_de_l_etablissement;Nom_etablissement;Type_etablissement;Statut_public_prive;"
    "Nom_commune;Code_departement;nom_circonscription;etat"
)
BUDGET_MS = {"import 5,000": 5000.0, "/ent ecoles": 50.0, "export md": 1000.0,
             "export csv": 1000.0, "export ods": 1000.0}


def real_file() -> Path | None:
    for base in (ROOT.parent / "shared", ROOT / "shared"):
        if (base / "data" / REAL).is_file():
            return base / "data" / REAL
    return None


def synthetic(folder: Path, count: int) -> tuple[Path, Path]:
    """A directory export of ``count`` écoles, and a resource-person CSV for 80 % of them."""
    directory, people = [HEADER], ["UAI;Personne;Compétences"]
    for index in range(count):
        number = 3500000 + index
        uai = f"{number:07d}{CHECK_LETTERS[number % 23]}"
        commune = f"Commune {index % 350}"
        directory.append(
            f"{uai};École élémentaire publique n°{index};Ecole;Public;{commune};035;"
            f"Circonscription d'inspection du 1er degré n°{index % 25};OUVERT"
        )
        if index % 5:
            people.append(f"{uai};Personne {index % 900};9,10")
    first, second = folder / "synthetic.csv", folder / "people.csv"
    first.write_text("\n".join(directory) + "\n", encoding="utf-8")
    second.write_text("\n".join(people) + "\n", encoding="utf-8")
    return first, second


def check(replies: list[Reply]) -> list[Reply]:
    assert replies and not any(r.error for r in replies), replies
    return replies


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def interleaved(
    action: Callable[[], object], baseline: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    for _ in range(3):
        action()
        baseline()
    measured, base = [], []
    for _ in range(runs):
        measured.append(timed(action))
        base.append(timed(baseline))
    return sorted(measured), sorted(base)


def figures(timings: list[float]) -> str:
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return f"median {statistics.median(timings):8.2f} ms   p95 {p95:8.2f} ms"


def new_project(app: Application, index: int) -> Caller:
    caller = Caller("T-BENCH", "U0BENCH", f"C{index:06d}")
    check(app.assistant.command(caller, "/ent", f"projet creer Bench {index}"))
    return caller


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5, help="imports and exports")
    parser.add_argument("--view-runs", type=int, default=200, help="/ent ecoles")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        app = build(Settings(database_url=url))
        directory, people = synthetic(folder, args.schools)
        projects = iter(range(10**6))
        print(f"{args.schools} synthetic schools, {url.split(':')[0]}, rendering included")

        real = real_file()
        if real is not None:
            for filters in ((), ("type:college", "statut:public")):
                times = sorted(
                    timed(lambda f=filters: check(import_schools(  # type: ignore[misc]
                        app, new_project(app, next(projects)), str(real), f)))
                    for _ in range(args.runs)
                )
                label = "real file " + (" ".join(filters) or "(all 993)")
                print(f"{label:34} {figures(times)}")

        base_caller = new_project(app, next(projects))

        def baseline() -> None:
            check(render(app, app.assistant.command(base_caller, "/ent", "statut")))

        import_times = sorted(
            timed(lambda: check(import_schools(
                app, new_project(app, next(projects)), str(directory), ())))
            for _ in range(args.runs)
        )
        failed |= report("import 5,000", import_times)
        caller = new_project(app, next(projects))
        check(import_schools(app, caller, str(directory), ()))
        again = sorted(timed(lambda: check(import_schools(app, caller, str(directory), ())))
                       for _ in range(args.runs))
        print(f"{'re-import 5,000 (unchanged)':34} {figures(again)}")
        people_time = timed(lambda: check(import_people(app, caller, str(people),
                                                        ("confirmer",))))
        print(f"{'resource-person CSV, 4,000 rows':34} {people_time:8.2f} ms")

        def view() -> None:
            replies = check(app.assistant.command(caller, "/ent", "ecoles page 2"))
            assert replies[0].data["covered"] == args.schools * 4 // 5, replies[0].data
            render(app, replies)

        measured, base = interleaved(view, baseline, args.view_runs)
        failed |= report("/ent ecoles", measured)
        print(f"{'  baseline /ent statut':34} {figures(base)}")

        for fmt in ("md", "csv", "ods"):
            target = folder / f"export.{fmt}"
            measured, base = interleaved(
                lambda f=fmt, t=target: check(write_export(app, caller, f, str(t))),  # type: ignore[misc]
                baseline, args.runs,
            )
            failed |= report(f"export {fmt}", measured)
            print(f"{'  size':34} {target.stat().st_size / 1024:8.0f} KiB")
        app.close()
    return 1 if failed else 0


def render(app: Application, replies: list[Reply]) -> list[Reply]:
    for reply in replies:
        app.messages.slack(reply.template, reply.data, reply.language)
    return replies


def report(name: str, timings: list[float]) -> bool:
    budget = BUDGET_MS[name]
    over = statistics.median(timings) > budget
    verdict = "OVER BUDGET" if over else "ok"
    print(f"{name:34} {figures(timings)}   budget {budget:.0f} ms  {verdict}")
    return over


if __name__ == "__main__":
    sys.exit(main())
