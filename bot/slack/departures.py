"""Slack events about people and the app leaving: a deactivated account, someone leaving
the project's channel, the app uninstalled or its tokens revoked.

Each is applied once (its ``event_id`` is claimed in the change's transaction), so the
project's lead gets one direct message per departure however often Slack delivers it: the
message is queued in the outbox in that transaction (keyed by the event and the project),
sent right after the commit, and by the due pass if this process dies first or Slack fails.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from bot.slack import notices
from bot.slack.deps import Deps
from bot.slack.notices import post_row
from services import departures, retention
from services.conversation import BOT
from services.turn import Reply, Turn

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
    _left(deps, body, _workspace(body, event), str(user), str(channel))


def _left(deps: Deps, body: dict[str, Any], workspace: str, user: str,
          channel: str | None) -> None:
    caller = deps.caller(workspace, BOT, channel)
    event = str(body.get("event_id") or uuid.uuid4().hex)
    keys: list[str] = []

    def leave(turn: Turn) -> list[Reply]:
        keys.clear()
        for reply in departures.departed(turn, user, channel):
            project = reply.data["project"]
            keys.extend(notices.queue(
                deps.application.messages, turn, f"contact_left:{project.id}:{event}",
                str(reply.data["lead"]), [reply], project,
            ))
        return []

    deps.assistant.run(caller, leave, f"event:{event}")
    for row in notices.claim(deps, keys):
        post_row(deps, row)


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
