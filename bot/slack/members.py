"""Who is in a channel, from ``conversations.members``, and whether it is private, from
``conversations.info``; both cached briefly per channel."""

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
PRIVACY_TTL = 600.0
"""How long a channel's privacy is trusted (a channel rarely becomes private)."""
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
        self._private: dict[str, tuple[bool, float]] = {}

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
            self._private.pop(channel, None)

    def is_private(self, channel: str) -> bool | None:
        """Whether ``channel`` is private; None when Slack could not tell."""
        now = self.clock()
        with self._lock:
            known = self._private.get(channel)
        if known is not None and now - known[1] < PRIVACY_TTL:
            return known[0]
        try:
            info = self.client.conversations_info(channel=channel).get("channel") or {}
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("conversations.info failed for %s: %s", channel, type(exc).__name__)
            return None
        private = bool(info.get("is_private"))
        with self._lock:
            self._private[channel] = (private, self.clock())
        return private

    def may_see(self, channel: str | None, user: str) -> bool:
        """A project bound to a private channel is for that channel's members only; when
        Slack cannot tell, it stays hidden."""
        if not channel:
            return True
        private = self.is_private(channel)
        if private is False:
            return True
        return private is True and self.contains(channel, user) is True

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
