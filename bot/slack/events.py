"""Events: the bot joins a channel, people answer in the conversation's thread or in a direct
message, or mention the bot. Every event is acknowledged at once; the work runs after, on
the app's workers.

Each event is one call to a service (:mod:`services.chat` for messages, mentions and the
bot's arrival), which decides and answers it in one write transaction, asking Slack
(membership, visibility) only outside it; this module parses the event and posts the
replies. An event whose work changes something records its ``event_id`` in that
transaction, so a delivery that Slack retries is never applied twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack import departures, notices
from bot.slack.common import is_direct, refusal
from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.notices import post_row
from bot.slack.outbox import Origin, Private, route
from bot.slack.texts import unescape
from services import schedule_commands
from services.chat import Poster, Refusal
from services.conversation import BOT
from storage import outbox

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
    """Someone joined a channel; the bot itself greets it through the outbox: queued with the
    event, posted here after the commit (or by the due pass if Slack fails), once."""
    channel = str(event.get("channel") or "")
    deps.members.forget(channel)
    if event.get("user") != bot_user or not channel:
        return
    workspace = _workspace(body, event)
    caller = deps.caller(workspace, str(event.get("inviter") or BOT), channel)
    event_id = body.get("event_id")
    greeting = f"{outbox.GREETING}{event_id}"
    answer = deps.chat.joined(deps.assistant, caller, f"event:{event_id}", greeting,
                              _outbox(deps))
    origin = Origin(workspace, caller.user_id, Private.THREAD, channel)
    deliver(deps, route(answer.replies, origin).posts)
    for row in notices.claim(deps, answer.queued):
        post_row(deps, row)


def _outbox(deps: Deps) -> Poster:
    """The greeting queued in the joined channel (:func:`notices.queue`), posted with its
    key in the message metadata."""
    return lambda turn, key, replies: notices.queue(
        deps.messages, turn, key, str(turn.caller.channel_id), replies)


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
    caller = replace(deps.caller(workspace, user, channel), sent_at=sent_at(event))
    refuse = _refusal(deps, user)
    if event.get("channel_type") == "im" or is_direct(channel):
        answer = deps.chat.direct_message(deps.assistant, caller, text, key, refuse)
        project = answer.project
        origin = Origin(
            workspace, user, Private.DIRECT, channel,
            project_id=project.id if project else None,
            project_channel=project.channel_id if project else None,
        )
        deliver(deps, route(answer.replies, origin).posts)
        return
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return
    replies = deps.chat.thread_message(
        deps.assistant, caller, str(thread_ts), text, key,
        under_bot=event.get("parent_user_id") == bot_user, refuse=refuse,
    )
    origin = Origin(workspace, user, Private.EPHEMERAL, channel, str(thread_ts))
    deliver(deps, route(replies, origin).posts)


def _refusal(deps: Deps, user: str) -> Refusal:
    """Slack's membership rule for the chat service, asked only when it matters."""
    return lambda channel: refusal(deps, channel, user)


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
    answer = deps.chat.mention(deps.assistant, deps.caller(workspace, user, channel), text,
                               f"event:{body.get('event_id')}", _refusal(deps, user))
    origin = Origin(workspace, user, Private.EPHEMERAL, channel, start_thread=answer.new_thread)
    deliver(deps, route(answer.replies, origin).posts)
