"""A database that is down or never answers: requests are answered in time, start-up errors
are one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.assistant import Assistant
from services.turn import Caller
from storage.db import Limits, make_engine
from storage.store import RETRY_WITHIN, Database
from tests.support.console import ROOT, say
from tests.support.db import dump

SLACK_DEADLINE = 3.0


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback server that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    server.close()


def test_a_request_on_a_silent_database_is_answered_before_slacks_deadline(
    silent_port: int,
) -> None:
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{silent_port}/ent", Limits())
    assistant = Assistant(Database(engine))
    try:
        replies = assistant.command(Caller(WORKSPACE, "alice", CHANNEL), "/ent", "statut")
    finally:
        engine.dispose()
    assert [r.template for r in replies] == ["database_unavailable"]
    assert replies[0].error


def test_every_database_wait_is_bounded_within_slacks_deadline() -> None:
    """The waits a request can meet, as configured (not timed: any machine agrees): the
    longest single wait, then a change that retries a conflict, stay under 3 s."""
    limits = Limits()
    single_waits = (limits.connect_timeout, limits.statement_timeout_ms / 1000,
                    limits.lock_timeout_ms / 1000, limits.pool_timeout)
    assert max(single_waits) < SLACK_DEADLINE
    assert RETRY_WITHIN + limits.lock_timeout_ms / 1000 < SLACK_DEADLINE


def _start(command: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env["DATABASE_URL"] = url
    return subprocess.run(
        # The console opens the database at its first line.
        [sys.executable, "-m", "bot.cli", *command], input="/ent statut\n", capture_output=True,
        text=True,
        timeout=30, cwd=ROOT, env=env, check=False,
    )


@pytest.mark.parametrize("command", [["console"], ["db", "upgrade"], ["run"]])
def test_an_unreachable_database_at_start_is_one_line(
    command: list[str], silent_port: int
) -> None:
    for url in (
        f"postgresql://postgres@127.0.0.1:{silent_port}/ent",
        "postgresql://postgres@127.0.0.1:1/ent",
    ):
        done = _start(command, url)
        assert done.returncode == 3
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "Traceback" not in done.stderr
        port = url.rsplit(":", 1)[1].split("/")[0]
        assert f"127.0.0.1:{port}" in lines[0]
        assert "DATABASE_URL" in lines[0]


def test_a_sqlite_file_that_cannot_be_opened_is_one_line() -> None:
    done = _start(["console"], "sqlite:////nonexistent-folder/ent-bot.db")
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1
    assert "/nonexistent-folder/ent-bot.db" in done.stderr


def test_a_change_waiting_too_long_for_its_project_is_answered_busy_in_time(
    app: Application,
) -> None:
    """Another transaction holds the project (a long migration, a stuck process): the change
    gives up (its waits are bounded, see above), says so, and changes nothing."""
    say(app, "/ent projet creer ENT 35")
    before = dump(app.database.engine)
    engine = app.database.engine
    with engine.connect() as holder:
        if engine.dialect.name == "sqlite":
            holder.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        else:
            holder.begin()
            holder.exec_driver_sql("SELECT id FROM project FOR UPDATE")
        replies = app.assistant.command(Caller(WORKSPACE, "alice", CHANNEL), "/ent-assign", "7 DSI")
        holder.rollback()
    assert [r.template for r in replies] == ["database_busy"]
    assert dump(app.database.engine) == before
