"""Apply a request's change once, even when the chat platform delivers it again."""

from __future__ import annotations

from collections.abc import Callable

from services.turn import Reply, Turn
from storage import requests


def first_time(turn: Turn, key: str) -> bool:
    """Record ``key`` in the turn's transaction; False if a previous request recorded it.

    The record is rolled back with the turn, so a request whose change failed may be
    tried again.
    """
    return requests.claim(turn.store.connection, key, turn.caller.workspace_id)


def once(
    key: str | None, action: Callable[[Turn], list[Reply]]
) -> Callable[[Turn], list[Reply]]:
    """``action``, or nothing at all if ``key`` was already applied (None: no key, no check)."""
    if key is None:
        return action

    def guarded(turn: Turn) -> list[Reply]:
        return action(turn) if first_time(turn, key) else []

    return guarded
