"""Events: the bot joins a channel, people answer in the conversation's thread or in a direct
message, or mention the bot. Every event is acknowledged at once; the work runs after, on
the app's workers.

An event whose work changes something records its ``event_id`` in the same transaction as
the change, so a delivery that Slack retries is never applied twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack import departures
from bot.slack.common import is_direct, refusal
from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from bot.slack.texts import unescape
from services import commands, direct, onboarding, schedule_commands
from services.chat import Thread
from services.conversation import BOT
from services.turn import Reply

log = logging.getLogger(__name__)

THREAD_SUBTYPES = frozenset({None, "thread_broadcast"})


def register(app: App, deps: Deps) -> None:
    handlers: dict[str, Handler] = {
        "member_joined_channel": on_joined, "message": on_message, "app_mention": on_mention,
        "channel_archive": on_archived, "member_left_channel": on_left,
        "user_change": departures.on_user_change,
        "app_uninstalled": departures.on_uninstalled,
        "tokens_revoked": departures.on_uninstalled,
    }
    for name, handler in handlers.items():
        app.event(name)(after_ack(deps, handler))


Handler = Callable[[Deps, dict[str, Any], dict[str, Any], str | None], None]


def after_ack(deps: Deps, handler: Handler) -> Callable[..., None]:
    """A listener that acknowledges at once and runs ``handler`` after."""

    def listener(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        bot_user = _bot_user(body, context)
        deps.later(lambda: handler(deps, body, event, bot_user))

    return listener


def _workspace(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def _bot_user(body: dict[str, Any], context: BoltContext) -> str | None:
    """The bot's user id: from the event's authorizations, else from auth.test."""
    for authorization in body.get("authorizations") or []:
        if authorization.get("is_bot") and authorization.get("user_id"):
            return str(authorization["user_id"])
    return context.bot_user_id


def on_joined(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], bot_user: str | None
) -> None:
    channel = str(event.get("channel") or "")
    deps.members.forget(channel)
    if event.get("user") != bot_user or not channel:
        return
    workspace = _workspace(body, event)
    caller = deps.caller(workspace, str(event.get("inviter") or BOT), channel)
    replies = deps.assistant.run(caller, onboarding.greet, f"event:{body.get('event_id')}")
    deliver(deps, route(replies, Origin(workspace, caller.user_id, Private.THREAD, channel)).posts)


def on_archived(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], _bot_user: str | None
) -> None:
    """An archived channel gets no more digests: its projects' schedules are paused."""
    _pause(deps, body, event, "is_archived")


def on_left(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], bot_user: str | None
) -> None:
    """Someone left a channel; the bot itself removed pauses the channel's schedules."""
    channel = str(event.get("channel") or "")
    deps.members.forget(channel)
    if event.get("user") == bot_user:
        _pause(deps, body, event, "not_in_channel")
    else:
        departures.on_left_channel(deps, body, event, bot_user)


def _pause(deps: Deps, body: dict[str, Any], event: dict[str, Any], reason: str) -> None:
    channel = str(event.get("channel") or "")
    if not channel:
        return
    caller = deps.caller(_workspace(body, event), BOT, channel)
    deps.assistant.run(caller, lambda turn: schedule_commands.pause_channel(turn, reason),
                       f"event:{body.get('event_id')}")


def on_message(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], bot_user: str | None
) -> None:
    """A person's message: an answer in the conversation's thread, or a direct message."""
    if event.get("bot_id") or event.get("subtype") not in THREAD_SUBTYPES or not event.get("user"):
        return
    workspace = _workspace(body, event)
    user = str(event["user"])
    channel = str(event.get("channel") or "")
    text = unescape(str(event.get("text") or ""))
    key = f"event:{body.get('event_id')}"
    if event.get("channel_type") == "im" or is_direct(channel):
        _direct_message(deps, workspace, user, channel, text, key, sent_at(event))
        return
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return
    found = deps.chat.thread(workspace, channel, str(thread_ts), user)
    if found is Thread.IGNORED or (
        found is Thread.PROJECT_NAME and event.get("parent_user_id") != bot_user
    ):
        return
    deps.chat.prune_keys()
    origin = Origin(workspace, user, Private.EPHEMERAL, channel, str(thread_ts))
    refused = refusal(deps, channel, user)
    if refused is not None:
        deliver(deps, route([refused], origin).posts)
        return
    caller = replace(deps.caller(workspace, user, channel), sent_at=sent_at(event))
    replies = deps.assistant.message(caller, text, key=key)
    if found is Thread.PROJECT_NAME:
        project = deps.chat.channel_project(workspace, channel)
        if project is not None:
            deps.chat.bind_thread(workspace, project.id, channel, str(thread_ts))
    deliver(deps, route(replies, origin).posts)


def _direct_message(
    deps: Deps, workspace: str, user: str, channel: str, text: str, key: str,
    sent: datetime | None,
) -> None:
    project = deps.chat.direct_project(workspace, user)
    if project is None or not deps.members.may_see(project.channel_id, user):
        replies = deps.assistant.run(deps.caller(workspace, user, channel), direct.picker,
                                     write=False)
        deliver(deps, route(replies, Origin(workspace, user, Private.DIRECT, channel)).posts)
        return
    origin = Origin(
        workspace, user, Private.DIRECT, channel, project_id=project.id,
        project_channel=project.channel_id,
    )
    refused = refusal(deps, project.channel_id, user)
    caller = replace(deps.caller(workspace, user, channel, project.id), sent_at=sent)
    answers: list[Reply] = [refused] if refused is not None else deps.assistant.message(
        caller, text, key=key
    )
    deliver(deps, route(answers, origin).posts)


def sent_at(event: dict[str, Any]) -> datetime | None:
    """When the message was sent, from its Slack ``ts`` (naive UTC, like stored times)."""
    try:
        return datetime.fromtimestamp(float(str(event.get("ts"))), UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None


def on_mention(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], _bot_user: str | None
) -> None:
    """``@ent-bot statut`` in a channel works like ``/ent statut`` (threads are answered by
    :func:`on_message`)."""
    if event.get("thread_ts") or event.get("bot_id") or not event.get("user"):
        return
    workspace = _workspace(body, event)
    user = str(event["user"])
    channel = str(event.get("channel") or "")
    text = unescape(str(event.get("text") or "")).strip()
    if text.startswith("<@"):
        text = text.partition(">")[2].strip()
    caller = deps.caller(workspace, user, channel)
    origin = Origin(workspace, user, Private.EPHEMERAL, channel,
                    start_thread=commands.starts_conversation("/ent", text))
    if not commands.changes_project("/ent", text):
        replies = deps.assistant.command(caller, "/ent", text)
    else:
        refused = refusal(deps, channel, user)
        replies = [refused] if refused is not None else deps.assistant.command(
            caller, "/ent", text, f"event:{body.get('event_id')}"
        )
    deliver(deps, route(replies, origin).posts)
