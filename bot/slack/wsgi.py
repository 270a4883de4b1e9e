"""The Slack HTTP mode as a WSGI application, for ``ent-bot run`` and for your own server.

``create_wsgi_app()`` builds everything from the settings when it is called (nothing is
created at import time), e.g. ``gunicorn -w 2 --threads 8 'bot.slack.wsgi:create_wsgi_app()'``
or ``waitress-serve --call bot.slack.wsgi:create_wsgi_app``. It does not upgrade the
schema: run ``ent-bot db upgrade`` first.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from wsgiref.types import WSGIApplication

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import logs
from bot.app import build
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.app import WORKERS, create_app
from bot.slack.http_guard import DEFAULT_LIMITS, EVENTS_PATH, Limits, SignatureGuard
from messages.render import Messages


def limits(settings: Settings) -> Limits:
    return Limits(max_body=settings.http_max_body, timeout=float(settings.http_timeout))


def wsgi_app(app: App, signing_secret: str, bounds: Limits = DEFAULT_LIMITS) -> WSGIApplication:
    """Bolt on ``POST /slack/events`` behind the signature guard, ``GET /healthz``, 404 else."""
    return SignatureGuard(SlackRequestHandler(app, path=EVENTS_PATH), signing_secret, bounds)


def create_wsgi_app() -> WSGIApplication:
    """The bot's WSGI application, built from the environment and ``.env``.

    A missing or invalid setting prints one line and exits with status 2.
    """
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(Messages().plain("startup_error", exc.data()), file=sys.stderr)
        raise SystemExit(2) from None
    if not settings.slack_bot_token or not settings.slack_signing_secret:
        missing = "SLACK_BOT_TOKEN" if not settings.slack_bot_token else "SLACK_SIGNING_SECRET"
        print(Messages(settings.timezone).plain(
            "slack_missing_setting", {"setting": missing}, settings.bot_language
        ), file=sys.stderr)
        raise SystemExit(2)
    logs.install(settings.slack_signing_secret)
    application = build(settings, migrate=False)
    executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="ent-bot")
    bolt = create_app(application, executor)
    return wsgi_app(bolt, settings.slack_signing_secret, limits(settings))
