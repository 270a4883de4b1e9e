"""What stops the bot from starting, said in one line (no traceback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


class StartupError(Exception):
    """The bot cannot start; ``template`` and ``data`` give the one line to print."""

    def __init__(self, template: str, data: dict[str, str]) -> None:
        super().__init__(template)
        self.template = template
        self.data = data


def check_database(settings: Settings) -> None:
    """Raise :class:`StartupError` unless the database answers."""
    from storage.db import describe, unreachable

    problem = unreachable(settings.database_url)
    if problem is not None:
        where = describe(settings.database_url)
        raise StartupError("database_unreachable", {"where": where, "detail": problem})
