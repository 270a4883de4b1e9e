"""Requests Slack delivers again (``X-Slack-Retry-Num``) whose event was already handled
are answered at once, without running any listener."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse

from bot.slack.deps import Deps

RETRY_HEADER = "x-slack-retry-num"


def register(app: App, deps: Deps) -> None:
    def skip_handled_retries(
        request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        if request.headers.get(RETRY_HEADER):
            event_id = request.body.get("event_id") if isinstance(request.body, dict) else None
            if event_id and deps.chat.seen(f"event:{event_id}"):
                return BoltResponse(status=200, body="")
        return next()

    app.middleware(skip_handled_retries)
