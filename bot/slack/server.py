"""``ent-bot run``: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

HTTP serves ``POST /slack/events`` (commands, interactivity and events) and
``GET /healthz`` on a threading WSGI server.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from socketserver import ThreadingMixIn
from types import FrameType
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import Application, build
from bot.settings import Settings
from bot.slack.app import WORKERS, create_app
from messages.render import Messages

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


def wsgi_app(app: App) -> WSGIApplication:
    """Bolt on POST /slack/events, a health check on GET /healthz, 404 elsewhere."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def route(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return slack(environ, start_response)

    return route


class HttpServer:
    """The Slack app on a threading HTTP server; ``port=0`` picks a free port."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000) -> None:
        self.app = app
        self._server = make_server(host, port, wsgi_app(app), _ThreadingServer, _QuietHandler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.2)

    def start(self) -> HttpServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
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
    try:
        app = create_app(application, executor)
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
        executor.shutdown(wait=True)
        application.close()


def _announce(application: Application, socket: bool, port: int = 0) -> None:
    text = application.messages.plain(
        "slack_listening", {"socket": socket, "port": port}, application.settings.bot_language
    )
    print(text, file=sys.stderr)


def _socket_mode(app: App, app_token: str, application: Application) -> None:
    handler = SocketModeHandler(app, app_token=app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    _announce(application, socket=True)
    try:
        _wait_for_stop()
    finally:
        handler.close()  # type: ignore[no-untyped-call]


def _http(app: App, port: int, application: Application) -> None:
    server = HttpServer(app, port=port)
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
