"""Where each reply goes in Slack.

The assistant's replies are routed by what they are: errors and help go to their
author only; changes (``public``) go to the project's channel; the onboarding
conversation goes to its thread. Routing is pure: :mod:`bot.slack.delivery` sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from messages.render import Messages, Rendered
from services.turn import Reply

MAX_BLOCKS = 50
class Private(StrEnum):
    """How a request's author is answered privately."""

    ACK = "ack"
    """In the HTTP acknowledgement (slash commands)."""
    EPHEMERAL = "ephemeral"
    """chat.postEphemeral in the channel (or thread) of the request."""
    RESPOND = "respond"
    """The response_url of a message button."""
    DIRECT = "direct"
    """A message in the direct-message channel of the request."""
    HOME = "home"
    """A notice at the top of the author's home tab."""
    THREAD = "thread"
    """Nobody in particular (the bot joined): everything starts a thread."""


class Kind(StrEnum):
    CHANNEL = "channel"
    THREAD = "thread"
    START = "start"
    """A new message in the channel, whose thread becomes the project's conversation."""
    CONVERSATION = "conversation"
    """The project's conversation thread, or a new one in its channel."""
    EPHEMERAL = "ephemeral"
    RESPOND = "respond"
    DIRECT = "direct"
    HOME = "home"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, and how to answer it."""

    workspace: str
    user: str
    private: Private
    channel: str | None = None
    thread_ts: str | None = None
    project_id: int | None = None
    project_channel: str | None = None
    response_url: str | None = None
    start_thread: bool = False
    """Conversation replies open a new thread (``/ent questions``)."""
    replace_original: bool = False
    """Private replies through response_url replace the message clicked."""

    @property
    def public_channel(self) -> str | None:
        return self.project_channel or self.channel


@dataclass(frozen=True, slots=True)
class Post:
    kind: Kind
    replies: tuple[Reply, ...]
    workspace: str
    channel: str | None = None
    thread_ts: str | None = None
    user: str | None = None
    project_id: int | None = None
    response_url: str | None = None
    replace_original: bool = False


@dataclass(slots=True)
class Routed:
    ack: list[Reply] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)


def route(replies: Sequence[Reply], origin: Origin) -> Routed:
    """Group ``replies`` by destination, in their order; nothing is sent here."""
    routed = Routed()
    groups: dict[tuple[Kind, str | None, str | None], list[Reply]] = {}
    for reply in replies:
        if reply.error:
            destination = _private(origin)
        elif reply.public:
            destination = _public(origin)
        elif reply.conversation and origin.private is not Private.DIRECT:
            destination = _conversation(origin)
        else:
            destination = _private(origin)
        if destination is None:
            routed.ack.append(reply)
        else:
            groups.setdefault(destination, []).append(reply)
    notices = groups.pop((Kind.HOME, None, None), [])
    for (kind, channel, thread_ts), grouped in groups.items():
        routed.posts.append(Post(
            kind, tuple(grouped), origin.workspace, channel, thread_ts, origin.user,
            origin.project_id, origin.response_url, origin.replace_original,
        ))
    changed = any(reply.public for reply in replies)
    if notices or changed or origin.private is Private.HOME:
        routed.posts.append(Post(Kind.HOME, tuple(notices), origin.workspace, user=origin.user))
    return routed


def _public(origin: Origin) -> tuple[Kind, str | None, str | None]:
    if origin.thread_ts and origin.channel:
        return Kind.THREAD, origin.channel, origin.thread_ts
    if origin.private is Private.THREAD:
        return Kind.START, origin.channel, None
    return Kind.CHANNEL, origin.public_channel, None


def _conversation(origin: Origin) -> tuple[Kind, str | None, str | None]:
    if origin.thread_ts and origin.channel:
        return Kind.THREAD, origin.channel, origin.thread_ts
    if origin.start_thread or origin.private is Private.THREAD:
        return Kind.START, origin.channel, None
    return Kind.CONVERSATION, origin.public_channel, None


def _private(origin: Origin) -> tuple[Kind, str | None, str | None] | None:
    match origin.private:
        case Private.ACK:
            return None
        case Private.EPHEMERAL:
            return Kind.EPHEMERAL, origin.channel, origin.thread_ts
        case Private.RESPOND:
            return Kind.RESPOND, origin.channel, None
        case Private.DIRECT:
            return Kind.DIRECT, origin.channel, None
        case Private.HOME:
            return Kind.HOME, None, None
        case Private.THREAD:
            return Kind.START, origin.channel, None


def render(messages: Messages, replies: Iterable[Reply]) -> Rendered:
    """Several replies as one message: their blocks one after the other."""
    blocks: list[dict[str, Any]] = []
    text = ""
    for reply in replies:
        rendered = messages.slack(reply.template, reply.data, reply.language)
        text = text or rendered.text
        blocks.extend(rendered.blocks)
    return Rendered(text=text, blocks=blocks)


def chunks(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [blocks[i:i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)] or [[]]
