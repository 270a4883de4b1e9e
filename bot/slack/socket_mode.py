"""Socket Mode: the Bolt app on Slack's WebSocket link (``ent-bot run`` with SLACK_APP_TOKEN).

A small client on the ``websockets`` package rather than slack_sdk's built-in one, which
(3.48) sends no close frame on shutdown and waits 3 s doing it, reconnects only ~10 s
after Slack closes a link, and notices a link dropped without a close frame only ~60 s
later. Here every wait is bounded: opening a link, keepalive pings, closing, and the
pauses between attempts to reopen one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

log = logging.getLogger(__name__)

OPEN_TIMEOUT = 10.0
"""Seconds for the WebSocket handshake of a new link."""
START_TIMEOUT = 30.0
"""Seconds ``start`` waits for the first link (apps.connections.open, then the handshake)."""
PING_INTERVAL = 10.0
PING_TIMEOUT = 10.0
"""A link that answers no ping within this many seconds is dropped and reopened."""
CLOSE_TIMEOUT = 2.0
"""Seconds to wait for Slack's answer to our close frame."""
DRAIN_TIMEOUT = 5.0
"""On stop, seconds left to envelopes already being handled to send their acks."""
RETRY_DELAYS = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Pauses before successive attempts to reopen a link; the last one repeats."""
WORKERS = 8
NORMAL_CLOSURE = 1000

_START_ERRORS = (SlackApiError, SlackClientError, OSError)
"""What ``ent-bot run`` reports in one line; any other failure to open is wrapped in one."""


class SocketModeServer:
    """The Slack app on a Socket Mode link: acks each envelope with Bolt's answer,
    reopens the link when Slack drops it, closes it with code 1000 on :meth:`stop`."""

    def __init__(
        self, app: App, app_token: str, *, retry_delays: Sequence[float] = RETRY_DELAYS,
        ping_interval: float = PING_INTERVAL, ping_timeout: float = PING_TIMEOUT,
    ) -> None:
        self.app = app
        self._token = app_token
        self._retry_delays = tuple(retry_delays) or (0.0,)
        self._ping = (ping_interval, ping_timeout)
        self._workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="ent-bot-socket")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._failure: Exception | None = None
        self._link: ClientConnection | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SocketModeServer:
        """Open the first link; Slack refusing it raises here (``SlackClientError`` and co.)."""
        self._thread = threading.Thread(target=self._run, name="ent-bot-socket-link",
                                        daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            self.stop()
            raise SlackClientError(f"Socket Mode: no link within {START_TIMEOUT:.0f} s")
        if self._failure is not None:
            self.stop()
            if isinstance(self._failure, _START_ERRORS):
                raise self._failure
            detail = str(self._failure) or type(self._failure).__name__
            raise SlackClientError(f"Socket Mode: {detail}") from self._failure
        return self

    def stop(self) -> None:
        """Take no new envelope, let those in hand ack (bounded), then close with 1000."""
        self._stopping.set()
        with self._lock:
            pending = set(self._pending)
        if pending:
            wait_all(pending, timeout=DRAIN_TIMEOUT)
        with self._lock:
            link, self._link = self._link, None
        if link is not None:
            link.close(NORMAL_CLOSURE)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=CLOSE_TIMEOUT + 1)
        self._workers.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ the link

    def _run(self) -> None:
        """Open a link, read it until it closes, open the next one; until stopped."""
        failures = 0
        while not self._stopping.is_set():
            try:
                url = str(self.app.client.apps_connections_open(app_token=self._token)["url"])
                interval, timeout = self._ping
                with connect(url, open_timeout=OPEN_TIMEOUT, ping_interval=interval,
                             ping_timeout=timeout, close_timeout=CLOSE_TIMEOUT) as link:
                    failures = 0
                    if not self._publish(link):
                        return
                    self._read(link)
            except Exception as exc:  # whatever failed, the link is reopened, never abandoned
                if not self._ready.is_set():
                    self._failure = exc
                    self._ready.set()
                    return
                failures += 1
                log.warning("Socket Mode link not reopened (attempt %d): %s",
                            failures, type(exc).__name__)
            delay = self._retry_delays[min(failures, len(self._retry_delays) - 1)]
            if self._stopping.wait(delay):
                return

    def _publish(self, link: ClientConnection) -> bool:
        """Make ``link`` the one acks go to, unless stopping (then its ``with`` closes it)."""
        with self._lock:
            if self._stopping.is_set():
                return False
            self._link = link
        log.info("Socket Mode link open (%s)", link.id)
        self._ready.set()
        return True

    def _read(self, link: ClientConnection) -> None:
        try:
            for message in link:
                self._receive(link, message)
        except ConnectionClosed:
            pass
        with self._lock:
            if self._link is link:
                self._link = None
        log.info("Socket Mode link closed (%s, code %s)", link.id, link.close_code)

    def _receive(self, link: ClientConnection, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            log.warning("Socket Mode: a message that is not JSON was ignored")
            return
        if not isinstance(data, dict):
            return
        kind = data.get("type")
        if kind == "disconnect":
            log.info("Socket Mode: Slack retires the link (%s)", data.get("reason"))
            link.close(NORMAL_CLOSURE)
        elif kind == "hello":
            log.info("Socket Mode: hello (%s)", link.id)
        elif isinstance(data.get("envelope_id"), str) and not self._stopping.is_set():
            future = self._workers.submit(self._handle, link, data)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    # ------------------------------------------------------------------ one envelope

    def _handle(self, link: ClientConnection, envelope: dict[str, Any]) -> None:
        envelope_id = str(envelope["envelope_id"])
        headers: dict[str, str | Sequence[str]] = {}
        if envelope.get("retry_attempt"):
            headers["x-slack-retry-num"] = str(envelope["retry_attempt"])
            headers["x-slack-retry-reason"] = str(envelope.get("retry_reason") or "")
        request = BoltRequest(body=envelope.get("payload") or {}, headers=headers,
                              mode="socket_mode")
        response = self.app.dispatch(request)
        if response.status != 200:
            log.info("Socket Mode: envelope %s not acknowledged (status %d)",
                     envelope_id, response.status)
            return
        self._ack(link, json.dumps(_ack(envelope_id, response), ensure_ascii=False),
                  envelope_id)

    def _ack(self, link: ClientConnection, text: str, envelope_id: str) -> None:
        """Send on the envelope's link, or on the current one if that one just closed."""
        with self._lock:
            current = self._link
        for target in (link, current):
            if target is None:
                continue
            try:
                target.send(text)
                return
            except ConnectionClosed:
                continue
        log.warning("Socket Mode: ack of %s lost, no open link", envelope_id)


def _ack(envelope_id: str, response: BoltResponse) -> dict[str, Any]:
    """Bolt's answer as a Socket Mode ack, as Bolt's own handler builds it."""
    ack: dict[str, Any] = {"envelope_id": envelope_id}
    if not response.body:
        return ack
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.startswith("application/json"):
        ack["payload"] = json.loads(response.body)
    else:
        ack["payload"] = {"text": response.body}
    return ack
