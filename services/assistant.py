"""The bot's entry points for every adapter: one transaction per request, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services import (
    commands,
    conversation,
    entities,
    matrix_import,
    person_names,
    personal_data,
    projects,
    school_people,
)
from services.answers import parse_yes_no
from services.log_ids import user_ref
from services.requests import once
from services.turn import Caller, Reply, Turn
from storage.errors import Busy, Unavailable
from storage.state import ProjectInfo
from storage.store import Database, Pending, Store

log = logging.getLogger(__name__)


class _Rollback(Exception):
    def __init__(self, replies: list[Reply]) -> None:
        super().__init__("rolled back")
        self.replies = replies


_CONFIRMED_BY_BUTTON = (entities.CREATE_ENTITIES, matrix_import.MATRIX_IMPORT)

Notices = Callable[[Turn, list[Reply]], list[Reply]]
"""A port for the public replies of a change (given by a chat adapter): called in the
change's transaction, it queues them in the outbox with the turn's store and returns the
replies, marked so the adapter sends the queued rows rather than posting them itself."""
Finder = Callable[[Store, Caller, bool], ProjectInfo | None]
"""The project a request acts on, read (and locked, when told) in its transaction."""


class Assistant:
    """Commands and messages in, replies out; built by the app factory."""

    def __init__(self, database: Database, notices: Notices | None = None) -> None:
        self.database = database
        self.notices = notices

    def command(
        self, caller: Caller, command: str, text: str, key: str | None = None
    ) -> list[Reply]:
        """A slash command; with a ``key``, applied once however often it is delivered.

        The names its labelled mentions carry are kept first, so that its replies use them.
        """
        write = commands.changes_project(command, text)

        def action(turn: Turn) -> list[Reply]:
            person_names.remember(turn, text)
            return commands.run(turn, command, text)

        return self._run(caller, action, key, write,
                         lambda _turn: commands.allowed_when_closed(command, text))

    def message(self, caller: Caller, text: str, key: str | None = None) -> list[Reply]:
        """A free-text message; with a ``key``, applied once however often it is delivered."""
        return self._run(caller, lambda turn: self._message(turn, text), key,
                         closed_ok=_erasing)

    def confirm(self, caller: Caller, yes: bool, key: str | None = None) -> list[Reply]:
        """The answer to a pending “shall I create it?” question, from a button."""
        return self._run(caller, lambda turn: self._confirm(turn, yes), key)

    def run(
        self,
        caller: Caller,
        action: Callable[[Turn], list[Reply]],
        key: str | None = None,
        write: bool = True,
        closed_ok: bool = False,
    ) -> list[Reply]:
        """Run any service function in a transaction (for the adapters' buttons and forms);
        ``write=False`` for one that only reads; ``closed_ok`` for a write a closed project
        still allows (its export)."""
        return self._run(caller, action, key, write, (lambda _turn: True) if closed_ok else None)

    def _run(
        self,
        caller: Caller,
        action: Callable[[Turn], list[Reply]],
        key: str | None = None,
        write: bool = True,
        closed_ok: Callable[[Turn], bool] | None = None,
        find: Finder | None = None,
    ) -> list[Reply]:
        """One transaction; a ``key`` already recorded by an earlier request makes it a no-op.

        A write to a closed project (read-only) is refused here, for every adapter and
        request, unless ``closed_ok`` says the request is one a closed project allows.
        ``find`` is where the request acts when the caller does not say (a direct message:
        the person's chosen project); by default the project named, else the channel's.

        A change (``write``) locks its project before reading it, so two changes at once
        are applied one after the other, each seeing the other's result; a transaction
        that conflicts anyway is run again by :meth:`Database.attempt`.
        """
        guarded = once(key, action)
        write = write or key is not None

        def work(store: Store) -> list[Reply]:
            turn = Turn(store, caller, (find or _project)(store, caller, write))
            project = turn.project
            if write and project is not None and project.closed and not (
                closed_ok is not None and closed_ok(turn)
            ):
                raise _Rollback([turn.error("personal_error", code="closed",
                                            fragment=project.name)])
            replies = guarded(turn)
            if any(reply.error for reply in replies):
                raise _Rollback(replies)
            if self.notices is not None and any(reply.public for reply in replies):
                replies = self.notices(turn, replies)
            return replies

        try:
            return self.database.attempt(work, write=write)
        except _Rollback as rollback:
            return rollback.replies
        except Busy:
            log.warning("request refused, database busy: workspace %s", caller.workspace_id)
            return [Reply("database_busy", error=True, language=caller.language)]
        except Unavailable:
            log.warning("request refused, database unavailable: workspace %s",
                        caller.workspace_id)
            return [Reply("database_unavailable", error=True, language=caller.language)]
        except Exception:
            log.exception("request failed: workspace %s, channel %s, %s", caller.workspace_id,
                          caller.channel_id, user_ref(caller.user_id))
            return [Reply("internal_error", error=True, language=caller.language)]

    def _message(self, turn: Turn, text: str) -> list[Reply]:
        caller = turn.caller
        pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=True)
        if pending is not None:
            handled = self._pending(turn, pending, text)
            if handled is not None:
                return handled
        project = turn.project
        if project is None:
            return conversation.ask_project_name(turn)
        return conversation.answer(turn, project, text)

    def _pending(self, turn: Turn, pending: Pending, text: str) -> list[Reply] | None:
        caller = turn.caller
        if pending.kind == conversation.ASK_PROJECT_NAME:
            if turn.project is not None:
                turn.store.clear_pending(caller.workspace_id, caller.user_id)
                return None
            created = projects.create(turn, text.strip(), "answer_project_name")
            if created.error or turn.project is None:
                return [created]
            turn.store.clear_pending(caller.workspace_id, caller.user_id)
            return [created, *conversation.start(turn, turn.project, "")]
        if pending.kind == personal_data.ERASE:
            return personal_data.answer(turn, pending, text)
        if pending.kind == school_people.PEOPLE_IMPORT:
            return None  # applied by ``referents importer confirmer`` only, never by ``oui``
        decision = parse_yes_no(text)
        if decision is None and pending.kind == entities.CREATE_ENTITIES:
            kinds = entities.corrected_kinds(text, list(pending.payload.get("names", [])))
            if kinds is not None:
                payload = {**pending.payload, "kinds": {**pending.payload.get("kinds", {}),
                                                        **kinds}}
                return self._decide(turn, Pending(pending.project_id, pending.kind, payload),
                                    True)
        if decision is None:
            turn.store.clear_pending(caller.workspace_id, caller.user_id)
            return None
        return self._decide(turn, pending, decision)

    def _confirm(self, turn: Turn, yes: bool) -> list[Reply]:
        caller = turn.caller
        pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=True)
        if pending is None or pending.kind not in _CONFIRMED_BY_BUTTON:
            return [turn.reply("nothing_pending")]
        return self._decide(turn, pending, yes)

    def _decide(self, turn: Turn, pending: Pending, yes: bool) -> list[Reply]:
        caller = turn.caller
        turn.store.clear_pending(caller.workspace_id, caller.user_id)
        project = turn.project
        if project is None or project.id != pending.project_id:
            return [turn.reply("nothing_pending")]
        if not yes:
            replies = [turn.reply("cancelled", matrix=pending.kind == matrix_import.MATRIX_IMPORT)]
            if conversation.active(turn, project) is not None:
                replies += conversation.resume(turn, project)
            return replies
        if pending.kind == matrix_import.MATRIX_IMPORT:
            return matrix_import.apply(turn, project, pending.payload)
        names = entities.create_confirmed(turn, project, pending.payload)
        replies = [turn.reply("entities_created", names=names)]
        return replies + self._replay(turn, pending.payload.get("then", {}))

    def _replay(self, turn: Turn, then: dict[str, Any]) -> list[Reply]:
        project = turn.project
        text = str(then.get("text", ""))
        if project is None:
            return []
        if then.get("op") == "assign":
            return [commands.assign_text(turn, text)]
        if then.get("op") == "answer":
            return conversation.answer(turn, project, text)
        if then.get("op") == "question":
            return conversation.start(turn, project, f"{then.get('number')} {text}")
        if then.get("op") == "command":
            return commands.run(turn, str(then.get("command", "")), text)
        return []


def _erasing(turn: Turn) -> bool:
    """A message answering a pending erasure (allowed on a closed project)."""
    caller = turn.caller
    pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=True)
    return pending is not None and pending.kind == personal_data.ERASE


def _project(store: Store, caller: Caller, lock: bool) -> ProjectInfo | None:
    """The project the request acts on: the one named, else the channel's."""
    if caller.project_id is not None:
        project = store.project(caller.workspace_id, caller.project_id, lock=lock)
        return project if project is not None and caller.sees(project) else None
    if caller.channel_id:
        return store.project_for_channel(caller.workspace_id, caller.channel_id, lock=lock)
    return None
