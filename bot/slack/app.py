"""The Slack app factory: a Bolt ``App`` wired to the application, built from settings."""

from __future__ import annotations

import dataclasses
import json
import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.app import Application
from bot.slack import actions, commands, events, home, middleware, notices, schedule_form, views
from bot.slack.deps import Deps, Later
from bot.slack.members import Members
from services.assistant import Assistant
from services.chat import Chat
from services.turn import Reply

log = logging.getLogger(__name__)


class _SameToken(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN (from the environment) is unused when a client is
    given; ours is built from that very setting."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("As you gave `client` as well")


TIMEOUT = 10
QUICK_TIMEOUT = 1
QUICK_MAX_WAIT = 1
"""Before an acknowledgement, a 429 is retried only if Slack asks to wait this long at most."""
WORKERS = 8


class QuickRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 only when its ``Retry-After`` fits in the 3-second acknowledgement."""

    def __init__(self, max_wait: int = QUICK_MAX_WAIT, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        try:
            wait = int(waits[0][0]) if waits and waits[0] else 1
        except ValueError:
            return False
        return wait <= self.max_wait


def web_client(application: Application, quick: bool = False) -> WebClient:
    """A Web API client on ``SLACK_API_URL`` that retries 429s and connection errors."""
    settings = application.settings
    handlers: list[RetryHandler] = (
        [QuickRateLimitRetryHandler(), ConnectionErrorRetryHandler(max_retry_count=1)]
        if quick else
        [RateLimitErrorRetryHandler(max_retry_count=3),
         ConnectionErrorRetryHandler(max_retry_count=2)]
    )
    return WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url,
        timeout=QUICK_TIMEOUT if quick else TIMEOUT, retry_handlers=handlers,
    )


def create_app(
    application: Application, executor: Executor | None = None, verify_token: bool = True
) -> App:
    """The Bolt app: commands, buttons, forms, events and the home tab.

    Listeners run before the HTTP answer (``process_before_response``) and answer in it;
    Web API calls run after it, on ``executor`` (Bolt's worker pool). With
    ``verify_token`` the token is checked once here (auth.test), so no request waits
    for it.
    """
    settings = application.settings
    # A change's public replies go through the outbox: sent after the commit, never lost.
    application = dataclasses.replace(application, assistant=Assistant(
        application.database, notices.port(application.messages)))
    if not any(isinstance(known, _SameToken) for known in log.filters):
        log.addFilter(_SameToken())
    client = web_client(application)
    workers = executor or ThreadPoolExecutor(WORKERS, thread_name_prefix="ent-bot")
    app = App(
        name="ent-bot",
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=True,
        token_verification_enabled=verify_token,
        listener_executor=workers,
        logger=log,
    )
    deps = Deps(application, Chat(application.database),
                Members(web_client(application, quick=True)), client, Later(workers))
    middleware.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    schedule_form.register(app, deps)
    events.register(app, deps)
    home.register(app, deps)
    app.error(_error_answer(deps))
    return app


def _error_answer(deps: Deps) -> Any:
    """A listener failed (already logged): answer Slack with a message, never a traceback."""

    def answer(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.error("listener failed", exc_info=error)
        reply = Reply("internal_error", error=True, language=deps.settings.bot_language)
        payload: dict[str, Any]
        if body.get("command"):
            rendered = deps.messages.slack(reply.template, reply.data, reply.language)
            payload = {"response_type": "ephemeral", "text": rendered.text,
                       "blocks": rendered.blocks}
        elif body.get("type") == "view_submission":
            text = deps.messages.plain(reply.template, reply.data, reply.language)
            inputs = [block.get("block_id") for block in (body.get("view") or {}).get("blocks")
                      or [] if block.get("type") == "input"]
            field = str(inputs[0]) if inputs else "competence"
            payload = {"response_action": "errors", "errors": {field: text}}
        else:
            return BoltResponse(status=200, body="")
        return BoltResponse(
            status=200, body=json.dumps(payload, ensure_ascii=False),
            headers={"content-type": ["application/json;charset=utf-8"]},
        )

    return answer
