"""Slack's posting limits, kept by the sender rather than discovered through 429s.

``chat.postMessage`` is in Slack's *special* rate-limit tier: about one message per second
per channel (short bursts tolerated, not guaranteed) and a workspace-wide limit of several
hundred messages per minute (https://docs.slack.dev/apis/web-api/rate-limits). The pacer
spaces posts to one channel by :data:`CHANNEL_INTERVAL` and keeps each workspace under
:data:`WORKSPACE_PER_MINUTE` in any :data:`WINDOW`; while one channel waits, the rows of
other channels go first. Its clock and sleep are injected, so tests never really wait.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

CHANNEL_INTERVAL = 1.0
"""Seconds between two posts in one channel (Slack: about one per second per channel)."""
WORKSPACE_PER_MINUTE = 300
"""Posts per workspace in any :data:`WINDOW` (Slack: "several hundred per minute")."""
WINDOW = 60.0

Row = TypeVar("Row")
Target = tuple[str, str]
"""(workspace, channel)."""


class Pacer:
    """Decides when the next post to a channel may leave; one per sending thread."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        channel_interval: float = CHANNEL_INTERVAL,
        per_minute: int = WORKSPACE_PER_MINUTE,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.channel_interval = channel_interval
        self.per_minute = per_minute
        self._last: dict[Target, float] = {}
        self._recent: dict[str, deque[float]] = {}

    def ready_at(self, target: Target) -> float:
        """The earliest instant (on :attr:`clock`) a post to ``target`` may leave."""
        ready = self.clock()
        last = self._last.get(target)
        if last is not None:
            ready = max(ready, last + self.channel_interval)
        recent = self._recent.get(target[0])
        if recent is not None and len(recent) >= self.per_minute:
            ready = max(ready, recent[0] + WINDOW)
        return ready

    def wait(self, target: Target) -> None:
        """Sleep until a post to ``target`` may leave, and count it as leaving then."""
        ready = self.ready_at(target)
        delay = ready - self.clock()
        if delay > 0:
            self.sleep(delay)
        at = max(self.clock(), ready)
        self._last[target] = at
        recent = self._recent.setdefault(target[0], deque(maxlen=self.per_minute))
        recent.append(at)

    def paced(self, rows: Iterable[Row], target: Callable[[Row], Target]) -> Iterator[Row]:
        """``rows`` in the order to send them, each yielded when it may be posted.

        A channel's rows keep their order; the next row is taken from the channel ready
        first (ties: the row queued first), so one busy channel never holds the others back.
        """
        queues: dict[Target, deque[Row]] = {}
        for row in rows:
            queues.setdefault(target(row), deque()).append(row)
        order = {key: index for index, key in enumerate(queues)}
        while queues:
            chosen = min(queues, key=lambda key: (self.ready_at(key), order[key]))
            queue = queues[chosen]
            row = queue.popleft()
            if not queue:
                del queues[chosen]
            self.wait(chosen)
            yield row
