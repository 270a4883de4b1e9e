"""The console in a terminal: tables fitted to the width, styles instead of mrkdwn,
emoji instead of codes; piped output plain and stable; a quick start."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

from bench.bench_full_map import WORKSPACE, run_session
from bot.app import Application
from bot.console import CHANNEL
from bot.console_render import Terminal
from services.turn import Caller
from tests.support.console import ROOT, run_console

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BENCH = Caller(WORKSPACE, "U0BENCH", CHANNEL)


def _shown(app: Application, width: int, *lines: str) -> str:
    run_session(app, CHANNEL)
    app.assistant.command(BENCH, "/ent", "desassigner 1-3")
    out = io.StringIO()
    terminal = Terminal(app.messages, out, color=True, width=width)
    for line in lines:
        for reply in app.assistant.command(BENCH, *line.split(" ", 1)):
            terminal.show(reply)
    return out.getvalue()


def test_the_matrix_and_the_gaps_are_tables_fitted_to_the_terminal(app: Application) -> None:
    narrow = ANSI.sub("", _shown(app, 80, "/ent statut", "/ent lacunes"))
    assert max(len(line) for line in narrow.splitlines()) <= 80
    out = _shown(app, 160, "/ent statut", "/ent lacunes")
    plain = ANSI.sub("", out)
    assert max(len(line) for line in plain.splitlines()) <= 160
    assert "Prestataire" in plain and "Niveau de service" in plain and "GTI 4 h ouvrées" in plain
    assert "┃" in plain and "│" in plain
    assert "Ce qui manque" in plain and "aucune entité responsable" in plain
    assert "\x1b[1m" in out  # bold, as a style
    assert "*DSI" not in plain and "*7.*" not in plain
    assert ":red_circle:" not in plain and "🔴" in plain


def test_piped_output_is_plain_and_shows_providers_and_levels(
    database_url: str, tmp_path: Path
) -> None:
    result = run_console(
        database_url,
        "/ent projet creer ENT 35",
        '/ent-assign 7 OVHcloud externe @thomas niveau "99,9 %"',
        "oui",
        "/ent statut",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert ("*7.* Hébergement et exploitation de la solution ENT → *OVHcloud* (externe, "
            "pérennité à décider) — @thomas · prestataire : OVHcloud · niveau : 99,9 %"
            ) in result.stdout


def test_a_current_schema_starts_the_console_without_alembic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from bot import cli\n"
        "status = cli.main(['console', '--user', 'alice'])\n"
        "print('ALEMBIC' if any(m.startswith('alembic') for m in sys.modules) else 'NONE')\n"
        "sys.exit(status)\n"
    )

    def start() -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], input="/ent aide\n", capture_output=True,
            text=True, cwd=tmp_path, timeout=60, check=False,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert start() == "ALEMBIC"  # a new database is migrated
    assert start() == "NONE"  # then the schema is current: nothing to load
