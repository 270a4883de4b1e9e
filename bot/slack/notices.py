"""Change notices through the outbox: a change's public replies are queued in the change's own
transaction, then sent right after the commit by this process, or by any later due pass if
it died before (``ent-bot run``'s scheduler, ``ent-bot digests --due``).

:func:`port` is what the Slack app factory gives :class:`~services.assistant.Assistant`: it
renders the request's public replies as one message for the project's channel and queues
it, due only after :data:`GRACE` so that a pass leaves it to the process that queued it
(:func:`queue`, which the bot's other posts of its own, its greeting, use too).
:func:`deliver` then sends the queued rows of a routed post, with the outbox key in the
message metadata (a pass finding an earlier attempt in the channel's history records it
instead of posting again). A notice routed into a thread (the conversation) is posted in
that thread as before and recorded; if the process died first, a pass posts it in the
channel.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.scheduler import BACKOFF, post_message
from bot.slack.deps import Deps
from bot.slack.outbox import Kind, Post, chunks, render
from messages.render import Messages
from services.assistant import Notices
from services.turn import Reply, Turn
from storage import outbox
from storage.state import ProjectInfo
from storage.store import Store, utcnow

log = logging.getLogger(__name__)

KEY = "_notice"
"""Where a queued public reply carries its outbox keys (in its data)."""
PART = "#"
"""Between a post's key and the number of a later part of it (a message holds at most
:data:`~bot.slack.outbox.MAX_BLOCKS` blocks): ``greeting:Ev1#2``."""
GRACE = timedelta(seconds=30)
NOT_POSTABLE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def port(messages: Messages) -> Notices:
    """Queue a change's public replies in its transaction (one outbox row per request)."""

    def notices(turn: Turn, replies: list[Reply]) -> list[Reply]:
        public = [reply for reply in replies if reply.public]
        project = turn.project
        channel = (project.channel_id if project else None) or turn.caller.channel_id
        if not public or not channel or channel.startswith("D"):
            return replies
        keys = queue(messages, turn, f"notice:{uuid.uuid4().hex}", channel, public)
        return [
            dataclasses.replace(reply, data={**reply.data, KEY: keys}) if reply.public else reply
            for reply in replies
        ]

    return notices


def queue(
    messages: Messages, turn: Turn, key: str, channel: str, replies: list[Reply],
    project: ProjectInfo | None = None,
) -> list[str]:
    """Queue ``replies`` as one post of the bot's own in ``channel``, in the turn's
    transaction: one outbox row per message Slack takes (``key``, then ``key#2``…), due
    after :data:`GRACE` so that a pass leaves them to this process. Their keys, in order.
    ``project``: the one they are about, when not the turn's."""
    rendered = render(messages, replies)
    parts = chunks(rendered.blocks)
    keys = [key, *(f"{key}{PART}{n}" for n in range(2, len(parts) + 1))]
    project = project or turn.project
    now = utcnow()
    outbox.enqueue(turn.store.connection, [outbox.Message(
        key=part_key, workspace_id=turn.caller.workspace_id,
        project_id=project.id if project else None, kind=outbox.NOTICE, channel=channel,
        payload={"text": rendered.text, "blocks": blocks},
    ) for part_key, blocks in zip(keys, parts, strict=True)], now, due=now + GRACE)
    return keys


def claim(deps: Deps, keys: list[str]) -> list[outbox.Claimed]:
    """Lease the queued rows of ``keys`` for this process to send now (those another sender
    holds, or already sent, are left)."""
    if not keys:
        return []
    return deps.application.database.attempt(
        lambda store: outbox.claim_keys(store.connection, keys, utcnow()))


def keys_of(reply: Reply) -> list[str]:
    keys = reply.data.get(KEY)
    return [str(key) for key in keys] if isinstance(keys, list) else []


def deliver(
    deps: Deps, post: Post, send: Callable[[Post], None], elsewhere: Callable[[Post], None]
) -> None:
    """Send ``post``: its queued notices from the outbox, the rest with ``send``; notices
    the bot cannot post in their channel with ``elsewhere``."""
    keys = list(dict.fromkeys(k for reply in post.replies for k in keys_of(reply)))
    if not keys:
        send(post)
        return
    claimed = claim(deps, keys)
    mine = {row.key for row in claimed}
    if post.kind is Kind.CHANNEL and post.channel:
        rest = tuple(reply for reply in post.replies if not keys_of(reply))
        unposted = {row.key for row in claimed if not post_row(deps, row)}
        refused = tuple(reply for reply in post.replies if unposted & set(keys_of(reply)))
        if rest:
            send(dataclasses.replace(post, replies=rest))
        if refused:
            elsewhere(dataclasses.replace(post, replies=refused))
        return
    replies = tuple(r for r in post.replies if not keys_of(r) or mine & set(keys_of(r)))
    if replies:
        send(dataclasses.replace(post, replies=replies))
    _record(deps, claimed, None)


def post_row(deps: Deps, row: outbox.Claimed) -> bool:
    """Post a claimed row in its channel; False when the bot cannot post there (the caller
    answers another way: the row is recorded as failed)."""
    try:
        ts = post_message(deps.client, row)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error in NOT_POSTABLE:
            deps.application.database.attempt(
                lambda store: outbox.mark_failed(store.connection, row.id, error))
            return False
        _later(deps, row, error or f"http_{exc.response.status_code}")
        return True
    except (SlackClientError, OSError) as exc:
        # It may have been posted: the pass that tries again looks for it first.
        _later(deps, row, type(exc).__name__)
        return True
    _record(deps, [row], ts)
    return True


def _later(deps: Deps, row: outbox.Claimed, reason: str) -> None:
    log.warning("notice %s not sent (%s): left to the next pass", row.id, reason)
    when = utcnow() + BACKOFF[0]
    deps.application.database.attempt(
        lambda store: outbox.retry_at(store.connection, row.id, when, reason))


def _record(deps: Deps, rows: list[outbox.Claimed], ts: str | None) -> None:
    if rows:
        now = utcnow()

        def record(store: Store) -> None:
            for row in rows:
                outbox.mark_sent(store.connection, row.id, ts, now)

        deps.application.database.attempt(record)
