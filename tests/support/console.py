"""Drive the console as a user would: lines in, printed replies out."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot import console
from bot.app import Application

ROOT = Path(__file__).resolve().parents[2]


def say(app: Application, *lines: str, user: str = "alice") -> str:
    """Feed ``lines`` to the console in this process; return what it printed."""
    out = io.StringIO()
    stdin = io.StringIO("\n".join(lines) + "\n")
    code = console.run(lambda: app, app.settings, user, stdin, out)
    assert code == 0
    return out.getvalue()


def run_console(
    database_url: str | None,
    *lines: str,
    user: str = "alice",
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``ent-bot console`` in a new process, piping ``lines`` to it."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DATABASE_URL", "BOT_LANGUAGE", "TIMEZONE"))
    }
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--user", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd or ROOT,
        env=environment,
        check=False,
    )
