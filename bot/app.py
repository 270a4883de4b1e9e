"""The app factory: everything the bot needs, built from settings (nothing at import time)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings
from messages.render import Messages
from services.assistant import Assistant
from storage.db import make_engine, upgrade
from storage.store import Database


@dataclass(frozen=True, slots=True)
class Application:
    settings: Settings
    database: Database
    assistant: Assistant
    messages: Messages

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings, migrate: bool = True) -> Application:
    """Open the database (upgrading its schema unless told not to) and wire the services."""
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    database = Database(engine)
    return Application(
        settings=settings,
        database=database,
        assistant=Assistant(database),
        messages=Messages(settings.timezone),
    )
