"""``ent-bot run``: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

HTTP serves ``POST /slack/events`` (commands, interactivity and events) and
``GET /healthz`` with waitress, a production WSGI server: its I/O loop reads each request
whole (headers, then a body capped at HTTP_MAX_BODY) before a thread of HTTP_THREADS takes
it, and closes a connection silent for HTTP_TIMEOUT seconds, so slow or half-sent requests
never hold a thread. One process: SQLite wants a single writer; to run several processes
on PostgreSQL, serve ``bot.slack.wsgi:create_wsgi_app()`` with gunicorn instead.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError
from waitress import trigger, wasyncore
from waitress.server import MultiSocketServer, create_server

from bot.app import Application, build
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.slack.app import WORKERS, create_app
from bot.slack.http_guard import DEFAULT_LIMITS, Limits
from bot.slack.socket_mode import SocketModeServer
from bot.slack.wsgi import limits, wsgi_app
from messages.render import Messages

log = logging.getLogger(__name__)

THREADS = 8


class HttpServer:
    """The Slack app on waitress; ``port=0`` picks a free port.

    ``signing_secret`` defaults to the one the Bolt app verifies with.
    """

    def __init__(
        self, app: App, host: str = "0.0.0.0", port: int = 3000, *,
        signing_secret: str | None = None, bounds: Limits = DEFAULT_LIMITS, threads: int = THREADS,
    ) -> None:
        self.app = app
        secret = app._signing_secret if signing_secret is None else signing_secret
        # waitress's socket map (its stubs type it three different ways).
        self._map: Any = {}
        self._server = create_server(
            wsgi_app(app, secret, bounds), self._map, host=host, port=port, threads=threads,
            max_request_body_size=bounds.max_body + 1, channel_timeout=int(bounds.timeout),
            cleanup_interval=max(1, int(bounds.timeout) // 2), ident="ent-bot",
            clear_untrusted_proxy_headers=True, expose_tracebacks=False,
        )
        self._wake = trigger.trigger(self._map)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        server = self._server
        if isinstance(server, MultiSocketServer):
            return int(server.effective_listen[0][1])
        assert server.socket is not None
        return int(server.socket.getsockname()[1])

    def serve_forever(self) -> None:
        self._server.run()

    def start(self) -> HttpServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the requests being served, then close every connection and end the loop."""
        self._server.task_dispatcher.shutdown(cancel_pending=False)
        connections = self._map

        def close_all(_: None = None) -> None:
            wasyncore.close_all(connections)

        self._wake.pull_trigger(close_all)
        if self._thread is not None:
            self._thread.join(timeout=5)


def missing_setting(settings: Settings) -> str | None:
    """The first setting ``ent-bot run`` needs and lacks."""
    if not settings.slack_bot_token:
        return "SLACK_BOT_TOKEN"
    if not settings.slack_app_token and not settings.slack_signing_secret:
        return "SLACK_SIGNING_SECRET"
    return None


def serve(settings: Settings) -> int:
    """Run the Slack app until interrupted; 2 when a setting is missing, 1 if Slack refuses."""
    missing = missing_setting(settings)
    if missing is not None:
        text = Messages(settings.timezone).plain(
            "slack_missing_setting", {"setting": missing}, settings.bot_language
        )
        print(text, file=sys.stderr)
        return 2
    application = build(settings)
    executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="ent-bot")
    schedule = Scheduler(application)
    try:
        app = create_app(application, executor)
        schedule.start()
        if settings.slack_app_token:
            _socket_mode(app, settings.slack_app_token, application)
        else:
            _http(app, settings.port, application)
        return 0
    except (BoltError, SlackApiError, SlackClientError, OSError) as exc:
        log.debug("startup failed", exc_info=exc)
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(application.messages.plain(
            "slack_startup_failed", {"detail": detail}, settings.bot_language
        ), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        schedule.stop()
        executor.shutdown(wait=True)
        application.close()


def _announce(application: Application, socket: bool, port: int = 0) -> None:
    text = application.messages.plain(
        "slack_listening", {"socket": socket, "port": port}, application.settings.bot_language
    )
    print(text, file=sys.stderr)


def _socket_mode(app: App, app_token: str, application: Application) -> None:
    server = SocketModeServer(app, app_token).start()
    _announce(application, socket=True)
    try:
        _wait_for_stop()
    finally:
        server.stop()


def _http(app: App, port: int, application: Application) -> None:
    settings = application.settings
    server = HttpServer(
        app, port=port, signing_secret=settings.slack_signing_secret or "",
        bounds=limits(settings), threads=settings.http_threads,
    )
    _announce(application, socket=False, port=server.port)
    server.start()
    try:
        _wait_for_stop()
    finally:
        server.stop()


def _wait_for_stop() -> None:
    """Block until SIGINT or SIGTERM."""
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    stop.wait()
