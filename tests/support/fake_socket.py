"""A fake Slack Socket Mode server: real WebSockets on loopback.

``FakeSocketMode`` serves ``ws://127.0.0.1:<free port>/link`` with the ``websockets``
package and tells a :class:`~tests.support.fake_slack.FakeSlack` to hand that URL out
from ``apps.connections.open``.  Each connection (a :class:`Link`) gets Slack's
``hello``; tests then push envelopes (``slash_commands``, ``events_api``,
``interactive``) and wait for their acknowledgements, and can drop the link (with a
close frame, without one, or with Slack's ``disconnect`` message) to force a reconnect.

    with FakeSlack() as fake, FakeSocketMode(fake) as socket:
        ...  # start the app with socket.app_token and fake.base_url
        socket.wait_connected()
        ack = socket.request(sr.slash_command("/ent", "statut"))
        ack.payload["text"]
"""

from __future__ import annotations

import json
import secrets
import socket as sockets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from .fake_slack import FakeSlack
from .slack_requests import API_APP_ID, SlackRequest

__all__ = ["APP_TOKEN", "Ack", "FakeSocketMode", "Link"]

JsonDict = dict[str, Any]

APP_TOKEN = "xapp-1-A0ENTBOT1-1-test"
WAIT = 5.0
"""Default bound, in seconds, of every wait below."""


@dataclass(frozen=True)
class Ack:
    """An acknowledgement the app sent back: ``payload`` is None for a bare ack."""

    envelope_id: str
    payload: JsonDict | None
    link: int


@dataclass
class Link:
    """One WebSocket connection the app opened, numbered from 1 in opening order."""

    number: int
    path: str
    connection: ServerConnection = field(repr=False)
    sent: list[JsonDict] = field(default_factory=list)
    received: list[JsonDict] = field(default_factory=list)
    open: bool = True
    close_code: int | None = None
    """The code of the close frame the app sent; None when it sent none."""


class FakeSocketMode:
    """Socket Mode endpoint on a loopback WebSocket server, driven by the test."""

    def __init__(
        self, fake: FakeSlack | None = None, *, app_token: str = APP_TOKEN,
        app_id: str = API_APP_ID,
    ) -> None:
        self.fake = fake
        self.app_token = app_token
        self.app_id = app_id
        self.internal_errors: list[str] = []
        self._cond = threading.Condition()
        self._links: list[Link] = []
        self._acks: dict[str, Ack] = {}
        self._ack_order: list[Ack] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Serve on 127.0.0.1:0 in a daemon thread; point the FakeSlack at it."""
        if self._server is not None:
            return self
        self._server = serve(
            self._serve, "127.0.0.1", 0, compression=None, open_timeout=WAIT,
            close_timeout=1, ping_interval=None,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        if self.fake is not None:
            self.fake.socket_url = self.url
            self.fake.tokens.add(self.app_token)
        return self

    def stop(self) -> None:
        """Close every link (1001 going away) and stop serving."""
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=WAIT)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started")
        port = int(self._server.socket.getsockname()[1])
        return f"ws://127.0.0.1:{port}/link"

    # ------------------------------------------------------------------ inspection

    def links(self) -> list[Link]:
        with self._cond:
            return list(self._links)

    def acks(self) -> list[Ack]:
        """Every acknowledgement received, oldest first."""
        with self._cond:
            return list(self._ack_order)

    def wait_connected(self, count: int = 1, timeout: float = WAIT) -> Link:
        """Wait until ``count`` links were opened and the last one is open; return it."""
        def ready() -> bool:
            return len(self._links) >= count and self._links[-1].open

        self._wait(ready, timeout, f"{count} open link(s)")
        with self._cond:
            return self._links[-1]

    def wait_closed(self, link: Link, timeout: float = WAIT) -> Link:
        """Wait until ``link`` is closed (by either side) and return it."""
        self._wait(lambda: not link.open, timeout, f"link {link.number} closed")
        return link

    def wait_ack(self, envelope_id: str, timeout: float = WAIT) -> Ack:
        self._wait(lambda: envelope_id in self._acks, timeout, f"ack of {envelope_id}")
        with self._cond:
            return self._acks[envelope_id]

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(done, timeout):
                state = [(link.number, link.open, link.close_code) for link in self._links]
                raise AssertionError(
                    f"no {what} within {timeout}s; links (number, open, close code): {state}"
                )

    # ------------------------------------------------------------------ driving

    def send_envelope(
        self, kind: str, payload: JsonDict, *, accepts_response_payload: bool = False,
        retry_attempt: int | None = None, retry_reason: str | None = None,
        envelope_id: str | None = None,
    ) -> str:
        """Send one envelope on the open link; return its envelope_id."""
        envelope: JsonDict = {
            "envelope_id": envelope_id or f"{secrets.token_hex(4)}-{secrets.token_hex(6)}",
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        self._send(self.wait_connected(len(self._links) or 1), envelope)
        return str(envelope["envelope_id"])

    def send(self, request: SlackRequest, *, retry_attempt: int | None = None) -> str:
        """Send an HTTP-style request (tests.support.slack_requests) as Slack's envelope."""
        payload = request.payload
        if "command" in payload:
            return self.send_envelope("slash_commands", payload, accepts_response_payload=True)
        if payload.get("type") == "event_callback":
            return self.send_envelope(
                "events_api", payload, retry_attempt=retry_attempt,
                retry_reason="timeout" if retry_attempt else None,
            )
        answers = payload.get("type") in {"view_submission", "block_suggestion"}
        return self.send_envelope("interactive", payload, accepts_response_payload=answers)

    def request(self, request: SlackRequest, timeout: float = WAIT) -> Ack:
        """Send ``request`` as an envelope and wait for its acknowledgement."""
        return self.wait_ack(self.send(request), timeout)

    def drop(self, code: int | None = None) -> Link:
        """Drop the open link: a close frame with ``code``, or a bare TCP close if None."""
        link = self.wait_connected(len(self._links) or 1)
        if code is None:
            link.connection.socket.shutdown(sockets.SHUT_RDWR)
        else:
            link.connection.close(code, "fake drop")
        return link

    def refresh(self, reason: str = "refresh_requested") -> Link:
        """Send Slack's ``disconnect`` message, as Slack does before retiring a link."""
        link = self.wait_connected(len(self._links) or 1)
        self._send(link, {"type": "disconnect", "reason": reason,
                          "debug_info": {"host": "applink-fake"}})
        return link

    # ------------------------------------------------------------------ serving

    def _send(self, link: Link, message: JsonDict) -> None:
        with self._cond:
            link.sent.append(message)
        link.connection.send(json.dumps(message, ensure_ascii=False))

    def _serve(self, connection: ServerConnection) -> None:
        request = connection.request
        with self._cond:
            link = Link(len(self._links) + 1, request.path if request else "", connection)
            self._links.append(link)
            self._cond.notify_all()
        try:
            self._send(link, {
                "type": "hello", "num_connections": len(self._links),
                "debug_info": {"host": "applink-fake", "build_number": 1,
                               "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            })
            for message in connection:
                self._receive(link, message)
        except ConnectionClosed:
            pass
        except Exception as error:  # pragma: no cover - surfaced via internal_errors
            with self._cond:
                self.internal_errors.append(repr(error))
        finally:
            close = connection.protocol.close_rcvd
            with self._cond:
                link.open = False
                link.close_code = close.code if close is not None else None
                self._cond.notify_all()

    def _receive(self, link: Link, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            with self._cond:
                self.internal_errors.append(f"not JSON: {message!r}")
            return
        with self._cond:
            link.received.append(data)
            envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
            if isinstance(envelope_id, str):
                ack = Ack(envelope_id, data.get("payload"), link.number)
                if envelope_id in self._acks:
                    self.internal_errors.append(f"acknowledged twice: {envelope_id}")
                self._acks[envelope_id] = ack
                self._ack_order.append(ack)
            self._cond.notify_all()
