"""Slack events about people and the app leaving: a deactivated account, someone leaving
the project's channel, the app uninstalled or its tokens revoked.

Each is applied once (its ``event_id`` is claimed in the change's transaction), so the
project's lead gets one direct message per departure however often Slack delivers it.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.outbox import Kind, Post
from services import departures, retention
from services.conversation import BOT

log = logging.getLogger(__name__)


def _workspace(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def on_user_change(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], _bot_user: str | None
) -> None:
    """``user_change`` with ``deleted``: the account was deactivated, every project loses it."""
    user = event.get("user")
    if not isinstance(user, dict) or not user.get("deleted") or not user.get("id"):
        return
    _left(deps, body, _workspace(body, event), str(user["id"]), None)


def on_left_channel(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], bot_user: str | None
) -> None:
    """``member_left_channel``: the channel's project loses the person."""
    user, channel = event.get("user"), event.get("channel")
    if not user or not channel or user == bot_user:
        return
    deps.members.forget(str(channel))
    _left(deps, body, _workspace(body, event), str(user), str(channel))


def _left(deps: Deps, body: dict[str, Any], workspace: str, user: str,
          channel: str | None) -> None:
    caller = deps.caller(workspace, BOT, channel)
    replies = deps.assistant.run(
        caller, lambda turn: departures.departed(turn, user, channel),
        f"event:{body.get('event_id')}",
    )
    deliver(deps, [
        Post(Kind.DIRECT, (reply,), workspace, channel=str(reply.data["lead"]),
             user=str(reply.data["lead"]))
        for reply in replies if reply.template == "contact_left_notice"
    ])


def on_uninstalled(
    deps: Deps, body: dict[str, Any], event: dict[str, Any], _bot_user: str | None
) -> None:
    """``app_uninstalled`` / ``tokens_revoked``: the workspace's data goes after the grace."""
    workspace = _workspace(body, event)
    if not workspace:
        return
    deps.assistant.run(deps.caller(workspace, BOT, None), retention.uninstalled,
                       f"event:{body.get('event_id')}")
    log.info("app uninstalled from workspace %s: its data will be deleted after the grace "
             "period", workspace)
