"""The console starts without loading what only rare commands need (its start time is
measured by bench/bench_console_start.py; this checks the modules, which any machine
agrees on)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFERRED = (
    "alembic",
    "bot.scheduler",
    "holidays",
    "odfdo",
    "dateutil.rrule",
    "services.export",
    "services.schedule_commands",
    "services.schools",
    "slack_sdk",
    "sqlalchemy.dialects.postgresql",
    "storage.schedules",
)
_PROBE = """
import io, json, sys
from bot import cli
sys.stdin = io.StringIO("")
code = cli.main(["console", "--user", "probe"])
print(json.dumps([code, sorted(sys.modules)]))
"""


def _modules_after(lines: str, database_url: str) -> tuple[int, set[str]]:
    probe = _PROBE.replace('io.StringIO("")', f"io.StringIO({lines!r})")
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT,
        check=False, env={"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url},
    )
    assert result.returncode == 0, result.stderr
    code, modules = json.loads(result.stdout.strip().splitlines()[-1])
    return code, set(modules)


def test_an_empty_console_session_loads_none_of_the_rare_modules(database_url: str) -> None:
    _modules_after("", database_url)
    code, modules = _modules_after("", database_url)

    on_postgres = database_url.startswith("postgres")
    deferred = [m for m in DEFERRED if not (on_postgres and m.endswith(".postgresql"))]
    assert code == 0
    assert sorted(m for m in deferred if m in modules) == []


def test_a_rare_command_still_works_once_its_module_is_loaded(database_url: str) -> None:
    code, modules = _modules_after("/ent projet creer ENT 35\n/ent rappels\n", database_url)

    assert code == 0
    assert "services.schedule_commands" in modules
