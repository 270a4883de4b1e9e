"""What chat adapters need besides the assistant's replies: one short transaction each.

Repeat detection, the project a direct message acts on, and whether a thread
message answers the onboarding conversation.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from enum import Enum

from services import conversation
from storage import requests
from storage.state import ProjectInfo
from storage.store import Database, utcnow

KEEP_KEYS = timedelta(hours=1)
"""Slack retries an event for a few minutes at most; older keys are dropped."""
PRUNE_EVERY = 600.0


class Thread(Enum):
    """What a message in a thread is to the bot."""

    IGNORED = "ignored"
    CONVERSATION = "conversation"
    """An answer in the project's conversation thread."""
    PROJECT_NAME = "project_name"
    """The author was asked the name of the channel's new project."""


class Chat:
    """Built by the adapter factory on the application's database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._pruned_at = 0.0

    # -- repeats ------------------------------------------------------------------

    def seen(self, key: str) -> bool:
        with self.database.transaction() as store:
            return requests.seen(store.connection, key)

    def prune_keys(self) -> None:
        """Forget request keys older than Slack's retries, at most every ``PRUNE_EVERY``."""
        if self._prune_due():
            with self.database.transaction() as store:
                requests.forget_before(store.connection, utcnow() - KEEP_KEYS)

    def _prune_due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._pruned_at < PRUNE_EVERY:
                return False
            self._pruned_at = now
            return True

    # -- projects -----------------------------------------------------------------

    def project(self, workspace_id: str, project_id: int) -> ProjectInfo | None:
        with self.database.transaction() as store:
            return store.project(workspace_id, project_id)

    def channel_project(self, workspace_id: str, channel_id: str) -> ProjectInfo | None:
        with self.database.transaction() as store:
            return store.project_for_channel(workspace_id, channel_id)

    def direct_project(self, workspace_id: str, user_id: str) -> ProjectInfo | None:
        """The project chosen for direct messages, else the workspace's only project."""
        with self.database.transaction() as store:
            chosen = requests.direct_project(store.connection, workspace_id, user_id)
            if chosen is not None:
                found = store.project(workspace_id, chosen)
                if found is not None:
                    return found
            projects = store.projects(workspace_id)
            return projects[0] if len(projects) == 1 else None

    # -- the conversation's thread ------------------------------------------------------

    def thread(self, workspace_id: str, channel_id: str, thread_ts: str, user_id: str) -> Thread:
        with self.database.transaction() as store:
            project = store.project_for_channel(workspace_id, channel_id)
            if project is None:
                pending = store.pending(workspace_id, user_id)
                if pending is not None and pending.kind == conversation.ASK_PROJECT_NAME:
                    return Thread.PROJECT_NAME
                return Thread.IGNORED
            state = store.conversation(project.id)
            if state is None or state.thread_ts != thread_ts or state.channel_id != channel_id:
                return Thread.IGNORED
            if not state.active or state.step == "done":
                return Thread.IGNORED
            return Thread.CONVERSATION

    def conversation_thread(self, workspace_id: str, project_id: int) -> tuple[str, str] | None:
        """(channel, thread ts) of the project's conversation, if it has one in a channel."""
        with self.database.transaction() as store:
            project = store.project(workspace_id, project_id)
            state = store.conversation(project_id) if project is not None else None
            if state is None or not state.channel_id or not state.thread_ts:
                return None
            return state.channel_id, state.thread_ts

    def bind_thread(self, workspace_id: str, project_id: int, channel_id: str, ts: str) -> None:
        """Hold the project's conversation in the thread under message ``ts``."""
        with self.database.transaction(write=True) as store:
            if store.project(workspace_id, project_id, lock=True) is not None:
                store.set_thread(project_id, channel_id, ts)
