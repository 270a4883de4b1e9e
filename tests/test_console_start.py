"""The console shows its prompt before it loads the database layer, and never loads what
only rare commands need (its start time is measured by bench/bench_console_start.py; this
checks the modules, which any machine agrees on)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
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


DATABASE_LAYER = ("sqlalchemy", "sqlmodel", "pydantic", "jinja2", "rich", "storage.store")


def test_an_empty_console_session_loads_no_database_layer(tmp_path: Path) -> None:
    code, modules = _modules_after("", f"sqlite:///{tmp_path}/ent-bot.db")

    assert code == 0
    assert sorted(m for m in DATABASE_LAYER if m in modules) == []
    assert not (tmp_path / "ent-bot.db").exists()


def test_a_status_loads_none_of_the_rare_modules(database_url: str) -> None:
    _modules_after("/ent statut\n", database_url)
    code, modules = _modules_after("/ent statut\n", database_url)

    on_postgres = database_url.startswith("postgres")
    deferred = [m for m in DEFERRED if not (on_postgres and m.endswith(".postgresql"))]
    assert code == 0
    assert sorted(m for m in deferred if m in modules) == []


def test_a_rare_command_still_works_once_its_module_is_loaded(database_url: str) -> None:
    code, modules = _modules_after("/ent projet creer ENT 35\n/ent rappels\n", database_url)

    assert code == 0
    assert "services.schedule_commands" in modules


def test_on_a_terminal_the_prompt_comes_first_and_the_first_command_is_answered(
    tmp_path: Path,
) -> None:
    """The database is opened in the background while the prompt waits for a line."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TERM": "dumb", "NO_COLOR": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path}/ent-bot.db"}
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the console on the pseudo-terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "bot.cli", "console", "--user",
                                   "alice"], env)
    try:
        before = _read_until(terminal, "> ")
        assert "Bienvenue" in before or "console" in before.lower()
        os.write(terminal, b"/ent projet creer ENT 35\r")
        created = _read_until(terminal, "> ")
        assert "a créé le projet" in created and "ENT 35" in created
        os.write(terminal, b"\x04")  # Ctrl-D: the end of the session
        _read_until(terminal, "")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0


def _read_until(terminal: int, marker: str, timeout: float = 30.0) -> str:
    """What the terminal shows until ``marker`` ends it (or until it closes, for "")."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        text = seen.decode("utf-8", "replace")
        if marker and text.rstrip(" ").endswith(marker.rstrip(" ")):
            return text
    if marker:
        raise AssertionError(f"no {marker!r} in {seen!r}")
    return seen.decode("utf-8", "replace")
