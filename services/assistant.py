"""The bot's entry points for every adapter: one transaction per request, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
        self, caller: Caller, command: str, text: str, key: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> list[Reply]:
        """A slash command; with a ``key``, applied once however often it is delivered.

        ``names`` are the names the chat gave with its own mentions (see
        :func:`services.answers.mention_labels`), never read from ``text``, which a person
        typed. A change of the project keeps them first, so that its replies use them; a
        read-only command writes nothing, and the person's own data (``oublier``,
        ``mes-donnees``) is not one more thing to hold.
        """
        write = commands.changes_project(command, text)
        kept = names if write and not commands.allowed_when_closed(command, text) else None

        def action(turn: Turn) -> list[Reply]:
            if kept:
                person_names.remember(turn, kept)
            return commands.run(turn, command, text)

        return self._run(caller, action, key, write,
                         lambda _turn: commands.allowed_when_closed(command, text))

    def message(self, caller: Caller, text: str, key: str | None = None) -> list[Reply]:
        """A free-text message; with a ``key``, applied once however often it is delivered."""
        return self._run(caller, lambda turn: self.answer(turn, text), key,
                         closed_ok=answers_erasure)

    def confirm(self, caller: Caller, yes: bool, key: str | None = None) -> list[Reply]:
        """The answer to a pending “shall I create it?” question, from a button."""
        return self._run(caller, lambda turn: self._confirm(turn, yes), key)

    def run(
        self,
        caller: Caller,
        action: Callable[[Turn], list[Reply]],
        key: str | None = None,
        write: bool = True,
        closed_ok: bool | Callable[[Turn], bool] = False,
        find: Finder | None = None,
    ) -> list[Reply]:
        """Run any service function in one transaction (see :meth:`_run`): the adapters'
        buttons and forms, and the event services. ``write=False`` for one that only
        reads; ``closed_ok`` for a write a closed project still allows (its export), or
        the rule that says which; ``find`` for where it acts when the caller does not say."""
        allowed = closed_ok if callable(closed_ok) else (lambda _turn: closed_ok)
        return self._run(caller, action, key, write, allowed, find)

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

    def answer(self, turn: Turn, text: str) -> list[Reply]:
        """A free-text message, in the caller's transaction: the answer to the person's
        pending question if it is one, else to the project's conversation."""
        caller = turn.caller
        pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=True)
        if pending is not None:
            handled = _answer_pending(turn, pending, text)
            if handled is not None:
                return handled
        project = turn.project
        if project is None:
            return conversation.ask_project_name(turn)
        return conversation.answer(turn, project, text)

    def _confirm(self, turn: Turn, yes: bool) -> list[Reply]:
        caller = turn.caller
        pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=True)
        kind = _KINDS.get(pending.kind) if pending is not None else None
        if pending is None or kind is None or not kind.by_button:
            return [turn.reply("nothing_pending")]
        return _decide(turn, pending, kind, yes)


@dataclass(frozen=True, slots=True)
class PendingKind:
    """How the person's pending question of one kind is answered."""

    read: Callable[[Turn, Pending, str], list[Reply] | None] | None = None
    """Reads the message itself (a project's name, an erasure's words); None when the
    message is not an answer. Without it, the answer is a yes or a no."""
    apply: Callable[[Turn, ProjectInfo, Pending], list[Reply]] | None = None
    """What a yes does."""
    correct: Callable[[Pending, str], Pending | None] | None = None
    """A message that is neither yes nor no but a yes with corrections (entity kinds)."""
    by_button: bool = False
    """Answered by the confirmation buttons too."""
    cancelled: dict[str, Any] = field(default_factory=dict)
    """The data of the ``cancelled`` reply to a no."""


def _answer_pending(turn: Turn, pending: Pending, text: str) -> list[Reply] | None:
    """The replies to a message answering ``pending``; None when the message is something
    else (a pending yes-or-no question is then dropped)."""
    caller = turn.caller
    kind = _KINDS.get(pending.kind)
    if kind is not None and kind.read is not None:
        return kind.read(turn, pending, text)
    decision = parse_yes_no(text)
    if kind is not None and decision is None and kind.correct is not None:
        corrected = kind.correct(pending, text)
        if corrected is not None:
            return _decide(turn, corrected, kind, True)
    if kind is None or decision is None:
        turn.store.clear_pending(caller.workspace_id, caller.user_id)
        return None
    return _decide(turn, pending, kind, decision)


def _decide(turn: Turn, pending: Pending, kind: PendingKind, yes: bool) -> list[Reply]:
    caller = turn.caller
    turn.store.clear_pending(caller.workspace_id, caller.user_id)
    project = turn.project
    if project is None or project.id != pending.project_id or kind.apply is None:
        return [turn.reply("nothing_pending")]
    if not yes:
        replies = [turn.reply("cancelled", **kind.cancelled)]
        if conversation.active(turn, project) is not None:
            replies += conversation.resume(turn, project)
        return replies
    return kind.apply(turn, project, pending)


def _project_name(turn: Turn, _pending: Pending, text: str) -> list[Reply] | None:
    """The name of the channel's new project, asked when the bot was invited."""
    caller = turn.caller
    if turn.project is not None:
        turn.store.clear_pending(caller.workspace_id, caller.user_id)
        return None
    created = projects.create(turn, text.strip(), "answer_project_name")
    if created.error or turn.project is None:
        return [created]
    turn.store.clear_pending(caller.workspace_id, caller.user_id)
    return [created, *conversation.start(turn, turn.project, "")]


def _not_by_message(_turn: Turn, _pending: Pending, _text: str) -> None:
    """Applied by ``referents importer confirmer`` only, never by ``oui``."""
    return None


def _create_entities(turn: Turn, project: ProjectInfo, pending: Pending) -> list[Reply]:
    """Creates the confirmed entities, then does what needed them."""
    names = entities.create_confirmed(turn, project, pending.payload)
    then = pending.payload.get("then", {})
    replay = _REPLAYS.get(str(then.get("op", "")))
    text = str(then.get("text", ""))
    done = replay(turn, project, then, text) if replay is not None else []
    return [turn.reply("entities_created", names=names), *done]


def _entity_kinds(pending: Pending, text: str) -> Pending | None:
    """``oui, DSI collectivité``: the pending creation with the kinds corrected."""
    kinds = entities.corrected_kinds(text, list(pending.payload.get("names", [])))
    if kinds is None:
        return None
    payload = {**pending.payload, "kinds": {**pending.payload.get("kinds", {}), **kinds}}
    return Pending(pending.project_id, pending.kind, payload)


def _apply_matrix(turn: Turn, project: ProjectInfo, pending: Pending) -> list[Reply]:
    return matrix_import.apply(turn, project, pending.payload)


Replay = Callable[[Turn, ProjectInfo, dict[str, Any], str], list[Reply]]

_REPLAYS: dict[str, Replay] = {
    "assign": lambda turn, _project, _then, text: [commands.assign_text(turn, text)],
    "answer": lambda turn, project, _then, text: conversation.answer(turn, project, text),
    "question": lambda turn, project, then, text: conversation.start(
        turn, project, f"{then.get('number')} {text}"),
    "command": lambda turn, _project, then, text: commands.run(
        turn, str(then.get("command", "")), text),
}
"""The requests that waited for new entities, by the ``op`` they were saved under."""

_KINDS: dict[str, PendingKind] = {
    conversation.ASK_PROJECT_NAME: PendingKind(read=_project_name),
    personal_data.ERASE: PendingKind(read=personal_data.answer),
    school_people.PEOPLE_IMPORT: PendingKind(read=_not_by_message),
    entities.CREATE_ENTITIES: PendingKind(apply=_create_entities, correct=_entity_kinds,
                                          by_button=True),
    matrix_import.MATRIX_IMPORT: PendingKind(apply=_apply_matrix, by_button=True,
                                             cancelled={"matrix": True}),
}
"""Every kind of pending question, and how it is answered."""


def answers_erasure(turn: Turn) -> bool:
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
