"""The app factory: everything the bot needs, built from settings (nothing at import time)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from bot.startup import check_database
from messages.render import Messages
from services.assistant import Assistant
from storage.db import Limits, make_engine, upgrade
from storage.store import Database


@dataclass(frozen=True, slots=True)
class Application:
    settings: Settings
    database: Database
    assistant: Assistant
    messages: Messages

    def close(self) -> None:
        self.database.dispose()


BACKGROUND_THREADS = 10
"""Threads that use the database besides the HTTP server's: the workers after the
acknowledgement (8), the scheduler, and one to spare."""


def pool_size(settings: Settings) -> int:
    """One connection for every thread that may use the database at once."""
    return settings.http_threads + BACKGROUND_THREADS


def build(settings: Settings, migrate: bool = True) -> Application:
    """Open the database (upgrading its schema unless told not to) and wire the services."""
    engine = make_engine(settings.database_url, Limits(pool_size=pool_size(settings)))
    if migrate:
        upgrade(engine)
    database = Database(engine)
    return Application(
        settings=settings,
        database=database,
        assistant=Assistant(database),
        messages=Messages(settings.timezone),
    )



def open_app(settings: Settings) -> Application:
    """:func:`build`, once the database answers (else :class:`StartupError`)."""
    check_database(settings)
    return build(settings)
