"""Engine creation and schema upgrades, with every wait on the database bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
IMMEDIATE = "ent_bot_immediate"
"""Execution option: on SQLite, the transaction starts with ``BEGIN IMMEDIATE``."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How long anything may wait on the database, and how many connections a process holds.

    The defaults keep a request within Slack's 3-second deadline: a database that does
    not answer makes the request fail fast, and the caller is asked to try again.
    """

    connect_timeout: int = 2
    """Seconds to open a connection (PostgreSQL's minimum is 2)."""
    statement_timeout_ms: int = 2000
    """PostgreSQL ``statement_timeout``; SQLite's ``busy_timeout`` (waiting for a writer)."""
    lock_timeout_ms: int = 1500
    """PostgreSQL ``lock_timeout``: how long a change waits for the row it changes."""
    pool_size: int = 8
    max_overflow: int = 4
    pool_timeout: float = 2.0
    """Seconds a request waits for a free connection of the pool."""


def make_engine(url: str, limits: Limits | None = None, **kwargs: Any) -> Engine:
    """Build an engine; statement parameters never reach the logs (``hide_parameters``)."""
    limits = limits or Limits()
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False,
                               "timeout": limits.statement_timeout_ms / 1000},
            hide_parameters=True, **kwargs,
        )
        busy = limits.statement_timeout_ms
        event.listen(engine, "connect", lambda dbapi, _record: _sqlite_pragmas(dbapi, busy))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    options = (
        f"-c statement_timeout={limits.statement_timeout_ms}"
        f" -c lock_timeout={limits.lock_timeout_ms}"
        " -c idle_in_transaction_session_timeout=60000"
    )
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_size=limits.pool_size,
        max_overflow=limits.max_overflow,
        pool_timeout=limits.pool_timeout,
        connect_args={"connect_timeout": limits.connect_timeout, "options": options},
        **kwargs,
    )


def describe(url: str) -> str:
    """Where the database is, for a one-line start-up error: host and port, or the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def unreachable(url: str, limits: Limits | None = None) -> str | None:
    """Why the database at ``url`` cannot be used, in one line; None when it answers.

    A SQLite file that does not exist yet is not created here: its folder must exist.
    """
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            folder = Path(path).resolve().parent
            return None if folder.is_dir() else "unable to open database file"
    engine = make_engine(url, limits)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except exc.SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        return detail[0] if detail else type(error).__name__
    finally:
        engine.dispose()
    return None


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    # The driver must not open transactions by itself: :func:`_sqlite_begin` does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # erased values leave no trace in free pages
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """A change takes the database's write lock before it reads what it changes."""
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*["']?([^"'\s]+)""", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the files without loading Alembic (a start-up
    with a current schema needs nothing more); None when it cannot be told."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        parents.add(found.get("down_revision", "None"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(engine: Engine) -> bool:
    """Whether the database is already at the newest migration (one query)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except exc.SQLAlchemyError:
        return False
    return [row[0] for row in rows] == [head]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default); Alembic is loaded only
    when there is something to do."""
    if revision == "head" and is_current(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
