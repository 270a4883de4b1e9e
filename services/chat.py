"""The chat events' service: a message in a thread, a direct message, a mention or the bot
joining a channel is one request, decided and answered in one write transaction
(:meth:`Assistant.run`), so an event is never half applied; plus the short reads chat
adapters need besides (repeats, a button's project, the conversation's thread).

Slack is never asked inside a transaction (every other request would wait for its
round-trip behind the write lock): what an event needs checked (membership, a private
channel's visibility) is read in a short read-only transaction, asked of Slack, then the
write transaction decides again with the answer.

An event records its key only once it is known to be for the bot: a message in some other
thread writes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import TypeVar

from services import commands, conversation, direct, onboarding
from services.assistant import Assistant, answers_erasure
from services.requests import first_time
from services.turn import Caller, Reply, Turn
from storage import requests
from storage.state import ProjectInfo
from storage.store import Database, Store, utcnow

KEEP_KEYS = timedelta(hours=1)
"""Slack retries an event for a few minutes at most; older keys are dropped."""
PRUNE_EVERY = 600.0
COMMAND = "/ent"
"""A mention reads like this command."""

T = TypeVar("T")

Refusal = Callable[[str | None], Reply | None]
"""A chat adapter's membership rule: why the caller may not change the project bound to
this channel, or None when they may. Asked only for an event that would change something."""


Poster = Callable[[Turn, str, list[Reply]], list[str]]
"""A chat adapter's outbox: queue ``replies`` under a key as a post of the bot's own in the
caller's channel, in the request's transaction (sent after the commit, or by a later due
pass; never twice); the keys of its rows (a long post is several messages)."""


class Thread(Enum):
    """What a message in a thread is to the bot."""

    IGNORED = "ignored"
    CONVERSATION = "conversation"
    """An answer in the project's conversation thread."""
    PROJECT_NAME = "project_name"
    """The author was asked the name of the channel's new project."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An event's replies, and what the adapter needs to know where they go."""

    replies: list[Reply]
    project: ProjectInfo | None = None
    """The project a direct message acted on (its channel sees the changes; None when the
    person was asked to choose one)."""
    new_thread: bool = False
    """The conversation the replies start opens a new thread (a mention asking the
    questions)."""
    queued: list[str] = field(default_factory=list)
    """The outbox keys of the bot's own posts the event queued, for the adapter to send
    after the commit (the greeting)."""


class Chat:
    """Built by the adapter factory on the application's database; the event methods run
    on the adapter's assistant (the one that queues change notices)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._lock = threading.Lock()
        self._pruned_at = 0.0

    # -- events: one write transaction each, Slack asked outside it -------------------------

    def thread_message(
        self, assistant: Assistant, caller: Caller, thread_ts: str, text: str, key: str, *,
        under_bot: bool, refuse: Refusal,
    ) -> list[Reply]:
        """A message in a thread of the caller's channel: an answer in the project's
        conversation, or the name of the channel's new project (asked by the bot, in the
        thread under ``under_bot``'s message, which then holds the conversation); anything
        else is not for the bot (no replies, nothing written).

        Slack is never asked inside a transaction: a short read says whether the message
        is for the bot (the only transaction of a message that is not), then the membership
        rule is asked, then the write transaction decides again and answers."""
        seen: list[Thread] = [Thread.IGNORED]

        def look(turn: Turn) -> list[Reply]:
            seen[0] = _thread(turn, thread_ts, under_bot)
            return []

        failed = assistant.run(caller, look, write=False)
        if failed or seen[0] is Thread.IGNORED:
            return failed
        refused = refuse(caller.channel_id)
        if refused is not None:
            return [refused]
        decided = _per_turn(lambda turn: _thread(turn, thread_ts, under_bot))

        def action(turn: Turn) -> list[Reply]:
            found = decided(turn)
            if found is Thread.IGNORED:
                return []
            replies = self._answer(assistant, turn, text, key)
            if found is Thread.PROJECT_NAME and turn.project is not None and caller.channel_id:
                turn.store.set_thread(turn.project.id, caller.channel_id, thread_ts)
            return replies

        def closed_ok(turn: Turn) -> bool:
            return decided(turn) is not Thread.CONVERSATION or answers_erasure(turn)

        return assistant.run(caller, action, closed_ok=closed_ok)

    def direct_message(
        self, assistant: Assistant, caller: Caller, text: str, key: str, refuse: Refusal
    ) -> Answer:
        """A direct message: an answer about the project the person chose for direct
        messages (else the workspace's only one); without one they may see, which one.

        Slack is never asked inside a transaction: the chosen project and the workspace's
        projects are read first, who may see them and change the chosen one asked after,
        and only an answer takes the write transaction (on the project checked)."""
        read: list[tuple[ProjectInfo | None, list[ProjectInfo]]] = []

        def look(turn: Turn) -> list[Reply]:
            who = turn.caller
            chosen = _chosen_project(turn.store, who.workspace_id, who.user_id)
            read[:] = [(chosen, turn.store.projects(who.workspace_id))]
            return []

        failed = assistant.run(caller, look, write=False, find=_nowhere)
        if failed or not read:
            return Answer(failed)
        chosen, projects = read[0]
        if chosen is not None and caller.sees(chosen):
            refused = refuse(chosen.channel_id)
            if refused is not None:
                return Answer([refused], chosen)
            there = [True]
            checked_id = chosen.id

            def checked(store: Store, who: Caller, lock: bool) -> ProjectInfo | None:
                return store.project(who.workspace_id, checked_id, lock=lock)

            def action(turn: Turn) -> list[Reply]:
                if turn.project is None:
                    there[0] = False
                    return []
                return self._answer(assistant, turn, text, key)

            replies = assistant.run(caller, action, closed_ok=answers_erasure, find=checked)
            if there[0]:
                return Answer(replies, chosen)
            projects = [project for project in projects if project.id != chosen.id]
        return Answer(direct.choices(caller, [p for p in projects if caller.sees(p)]))

    def mention(
        self, assistant: Assistant, caller: Caller, text: str, key: str, refuse: Refusal
    ) -> Answer:
        """A mention of the bot in a channel works like the command; a change is for the
        channel's members only."""
        new_thread = commands.starts_conversation(COMMAND, text)
        if not commands.changes_project(COMMAND, text):
            return Answer(assistant.command(caller, COMMAND, text), new_thread=new_thread)
        refused = refuse(caller.channel_id)
        replies = [refused] if refused is not None else assistant.command(
            caller, COMMAND, text, key)
        return Answer(replies, new_thread=new_thread)

    def joined(
        self, assistant: Assistant, caller: Caller, key: str, greeting: str, post: Poster
    ) -> Answer:
        """The bot joined the caller's channel (invited by the caller): its greeting, the
        conversation's start or the question of the new project's name, is a post of its
        own, queued under ``greeting`` with the event (``key``) that caused it. The
        replies to send directly: none, unless the greeting was refused. Once sent, the
        greeting's thread holds the conversation it started (:func:`storage.outbox.mark_sent`)."""
        queued: list[str] = []

        def action(turn: Turn) -> list[Reply]:
            replies = onboarding.greet(turn)
            if any(reply.error for reply in replies):
                return replies
            queued[:] = post(turn, greeting, replies)
            return []

        replies = assistant.run(caller, action, key)
        return Answer(replies, queued=queued if not replies else [])

    def _answer(self, assistant: Assistant, turn: Turn, text: str, key: str) -> list[Reply]:
        """The assistant's answer to a message, once per key; old keys go, when due."""
        if not first_time(turn, key):
            return []
        if self._prune_due():
            requests.forget_before(turn.store.connection, utcnow() - KEEP_KEYS)
        return assistant.answer(turn, text)

    def _prune_due(self) -> bool:
        """At most every ``PRUNE_EVERY`` (a rolled-back prune waits for the next one)."""
        now = time.monotonic()
        with self._lock:
            if now - self._pruned_at < PRUNE_EVERY:
                return False
            self._pruned_at = now
            return True

    # -- short reads for the adapters ------------------------------------------------------

    def seen(self, key: str) -> bool:
        with self.database.transaction() as store:
            return requests.seen(store.connection, key)

    def project(self, workspace_id: str, project_id: int) -> ProjectInfo | None:
        with self.database.transaction() as store:
            return store.project(workspace_id, project_id)

    def channel_project(self, workspace_id: str, channel_id: str) -> ProjectInfo | None:
        with self.database.transaction() as store:
            return store.project_for_channel(workspace_id, channel_id)

    def direct_project(self, workspace_id: str, user_id: str) -> ProjectInfo | None:
        """The project chosen for direct messages, else the workspace's only project."""
        with self.database.transaction() as store:
            return _chosen_project(store, workspace_id, user_id)

    def picker(self, caller: Caller) -> list[Reply]:
        """Which project: the workspace's projects are read, then who may see them is
        asked, outside the transaction (the platform may be asked)."""
        with self.database.transaction() as store:
            projects = store.projects(caller.workspace_id)
        return direct.choices(caller, [project for project in projects if caller.sees(project)])

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


def _thread(turn: Turn, thread_ts: str, under_bot: bool) -> Thread:
    caller = turn.caller
    project = turn.project
    if project is None:
        pending = turn.store.pending(caller.workspace_id, caller.user_id)
        asked = pending is not None and pending.kind == conversation.ASK_PROJECT_NAME
        return Thread.PROJECT_NAME if asked and under_bot else Thread.IGNORED
    state = conversation.active(turn, project)
    if state is None or state.thread_ts != thread_ts or state.channel_id != caller.channel_id:
        return Thread.IGNORED
    return Thread.CONVERSATION


def _chosen_project(store: Store, workspace_id: str, user_id: str) -> ProjectInfo | None:
    chosen = requests.direct_project(store.connection, workspace_id, user_id)
    if chosen is not None:
        found = store.project(workspace_id, chosen)
        if found is not None:
            return found
    projects = store.projects(workspace_id)
    return projects[0] if len(projects) == 1 else None


def _nowhere(_store: Store, _caller: Caller, _lock: bool) -> None:
    """A request that reads what it needs itself."""
    return None


def _per_turn(decide: Callable[[Turn], T]) -> Callable[[Turn], T]:
    """``decide`` once per transaction attempt: the closed-project check and the action
    both ask, and a retried transaction asks again."""
    memo: list[tuple[Turn, T]] = []

    def decided(turn: Turn) -> T:
        if not memo or memo[0][0] is not turn:
            memo[:] = [(turn, decide(turn))]
        return memo[0][1]

    return decided
