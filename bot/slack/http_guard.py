"""The WSGI guard in front of Bolt: Slack's signature is checked before anything parses the body.

A request to ``/slack/events`` reaches Bolt only with a well-formed, fresh v0 signature
(``X-Slack-Signature``, ``X-Slack-Request-Timestamp``) that matches the raw body, read with
a bounded size and time. Everything else gets a short plain-text 4xx: 401 unsigned or
badly signed, 400 for a missing, invalid or incomplete body, 413 over the size limit,
408 for a body that stops arriving. Nothing here raises on client input.
"""

from __future__ import annotations

import io
import logging
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_AGE = 5 * 60
"""Seconds a signature stays valid either side of now, as Slack and Bolt check it."""

_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_LENGTH = re.compile(r"[0-9]{1,12}")
_CHUNK = 65_536
_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    408: "408 Request Timeout",
    413: "413 Content Too Large",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one request: its body size (bytes) and each wait for its bytes (seconds)."""

    max_body: int = 1_048_576
    timeout: float = 10.0


DEFAULT_LIMITS = Limits()


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class SignatureGuard:
    """WSGI middleware: ``GET /healthz``, 404 off ``/slack/events``, signed requests to ``app``.

    The body handed on is the exact bytes that were verified, in a fresh ``wsgi.input``.
    """

    def __init__(
        self, app: WSGIApplication, signing_secret: str, limits: Limits = DEFAULT_LIMITS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._verifier = SignatureVerifier(signing_secret)
        self._limits = limits
        self._clock = clock

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _answer(start_response, 200, "ok")
        if path != EVENTS_PATH:
            return _answer(start_response, 404, "not found")
        try:
            body = self._verified_body(environ)
        except _Refused as refused:
            log.debug("request refused with %d: %s", refused.status, refused)
            return _answer(start_response, refused.status, _STATUS[refused.status][4:].lower())
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self._app(environ, start_response)

    def _verified_body(self, environ: WSGIEnvironment) -> bytes:
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
        if not (_SIGNATURE.fullmatch(signature) and _TIMESTAMP.fullmatch(timestamp)):
            raise _Refused(401, "no well-formed signature")
        if abs(self._clock() - int(timestamp)) > MAX_AGE:
            raise _Refused(401, "stale timestamp")
        length = str(environ.get("CONTENT_LENGTH") or "")
        if not _LENGTH.fullmatch(length):
            raise _Refused(400, "missing or invalid Content-Length")
        if int(length) > self._limits.max_body:
            raise _Refused(413, "body over the limit")
        body = self._read(environ, int(length))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            # Slack signs UTF-8 text; the verifier (and Bolt) would fail to decode this.
            raise _Refused(401, "body is not UTF-8") from None
        if not self._verifier.is_valid(text, timestamp, signature):
            raise _Refused(401, "signature mismatch")
        return body

    def _read(self, environ: WSGIEnvironment, length: int) -> bytes:
        """Exactly ``length`` bytes (never more than the limit), each wait bounded."""
        connection = environ.get("gunicorn.socket")
        if isinstance(connection, socket.socket):
            # Gunicorn reads the body on this thread from a blocking socket: bound each wait.
            connection.settimeout(self._limits.timeout)
        stream = environ["wsgi.input"]
        parts: list[bytes] = []
        left = min(length, self._limits.max_body)
        try:
            while left > 0:
                part = stream.read(min(left, _CHUNK))
                if not part:
                    break
                parts.append(part)
                left -= len(part)
        except TimeoutError:
            raise _Refused(408, "body stopped arriving") from None
        except (OSError, ValueError):
            raise _Refused(400, "body could not be read") from None
        if left > 0:
            raise _Refused(400, "body shorter than its Content-Length")
        return b"".join(parts)


def _answer(start_response: StartResponse, status: int, text: str) -> list[bytes]:
    body = text.encode("ascii")
    start_response(_STATUS[status], [
        ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
    ])
    return [body]
