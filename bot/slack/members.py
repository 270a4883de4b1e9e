"""Who is in a channel, from ``conversations.members``, cached briefly per channel."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

TTL = 60.0
"""How long a member list is trusted."""
RECHECK_AFTER = 5.0
"""A user missing from a list older than this triggers one fresh look-up (they may just
have joined)."""
PAGE = 1000


@dataclass(frozen=True, slots=True)
class _Entry:
    members: frozenset[str]
    at: float


class Members:
    """Channel membership checks; thread-safe, one Web API look-up per channel per ``TTL``."""

    def __init__(
        self, client: WebClient, ttl: float = TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Entry] = {}

    def contains(self, channel: str, user: str) -> bool | None:
        """Whether ``user`` is in ``channel``; None when Slack could not tell."""
        now = self.clock()
        with self._lock:
            entry = self._cache.get(channel)
        if entry is not None and now - entry.at < self.ttl and (
            user in entry.members or now - entry.at < RECHECK_AFTER
        ):
            return user in entry.members
        members = self._fetch(channel)
        if members is None:
            return None
        with self._lock:
            self._cache[channel] = _Entry(members, self.clock())
        return user in members

    def forget(self, channel: str) -> None:
        with self._lock:
            self._cache.pop(channel, None)

    def _fetch(self, channel: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor: str | None = None
        try:
            while True:
                response = self.client.conversations_members(
                    channel=channel, limit=PAGE, cursor=cursor
                )
                found.update(str(member) for member in response.get("members") or [])
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return frozenset(found)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("conversations.members failed for %s: %s", channel, exc)
            return None
