"""The README's short path: an empty project to no gap in at most 15 typed lines, the
same lines as bench/bench_full_map.py."""

from __future__ import annotations

import re

from bench.bench_full_map import SESSION
from bot.app import Application
from tests.support.console import ROOT, say
from tests.support.history import replay_problems
from tests.test_concurrency import project_id


def _block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"### Le chemin court[^\n]*\n.*?```\n(.*?)```", readme, re.S)
    assert found is not None
    return found.group(1).strip().splitlines()


def test_the_readme_short_path_is_the_benchmarked_one() -> None:
    assert tuple(_block()) == SESSION
    assert len(SESSION) <= 15


def test_the_short_path_reaches_no_gap(app: Application) -> None:
    out = say(app, *_block())
    assert "⚠️" not in out
    no_gap = "Aucune lacune : les 19 compétences sont couvertes et précisées. 🎉"
    assert out.rstrip().endswith(no_gap)
    assert replay_problems(app.database.engine, project_id(app)) == []
