"""The App Home tab: published when its owner opens it (and after their changes)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.delivery import publish_home
from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    def opened(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        workspace = str(body.get("team_id") or event.get("team") or "")
        user = str(event["user"])
        deps.later(lambda: publish_home(deps, workspace, user))

    app.event("app_home_opened")(opened)
