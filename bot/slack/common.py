"""Helpers every kind of listener uses: the project a request acts on, the membership rule,
answering in the acknowledgement, and sending the rest after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_bolt import Ack

from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.outbox import MAX_BLOCKS, Post, render
from services.turn import Reply


@dataclass(frozen=True, slots=True)
class Place:
    """The project a request acts on (None: the channel's own, found by the assistant)."""

    project_id: int | None
    project_channel: str | None
    """The channel whose members may change the project."""


def is_direct(channel: str | None) -> bool:
    return bool(channel) and str(channel).startswith("D")


def place(
    deps: Deps, workspace: str, user: str, channel: str | None, project_id: int | None = None
) -> Place | list[Reply]:
    """Where the request acts: an explicit project (home buttons), the channel's project,
    or the one chosen for direct messages; else the replies asking which one."""
    if project_id is not None:
        project = deps.chat.project(workspace, project_id)
        if project is None or not deps.members.may_see(project.channel_id, user):
            return [Reply("stale_button", error=True, language=deps.settings.bot_language)]
        return Place(project.id, project.channel_id)
    if channel is None or not is_direct(channel):
        return Place(None, channel)
    chosen = deps.chat.direct_project(workspace, user)
    if chosen is None or not deps.members.may_see(chosen.channel_id, user):
        return deps.chat.picker(deps.caller(workspace, user, channel))
    return Place(chosen.id, chosen.channel_id)


def refusal(deps: Deps, channel: str | None, user: str, link: bool = True) -> Reply | None:
    """Why ``user`` may not change the project bound to ``channel``, or None if they may.

    ``link`` names the channel with a Slack link (not in plain-text places such as forms)."""
    if not channel or is_direct(channel):
        return None
    member = deps.members.contains(channel, user)
    if member:
        return None
    template = "slack_not_member" if member is False else "slack_membership_unknown"
    return Reply(
        template, {"channel": channel if link else None}, error=True,
        language=deps.settings.bot_language,
    )


def ack_with(deps: Deps, ack: Ack, replies: Sequence[Reply]) -> None:
    """Acknowledge with ``replies``, shown to their author only (or with nothing)."""
    if not replies:
        ack()
        return
    rendered = render(deps.messages, replies)
    ack(text=rendered.text, blocks=rendered.blocks[:MAX_BLOCKS], response_type="ephemeral")


def send_later(deps: Deps, posts: Sequence[Post]) -> None:
    """Send ``posts`` after the acknowledgement (nothing is scheduled when there are none)."""
    if posts:
        chosen = list(posts)
        deps.later(lambda: deliver(deps, chosen))
