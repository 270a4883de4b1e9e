"""A fake Slack Web API served over real HTTP on loopback.

``FakeSlack`` is a ``ThreadingHTTPServer`` on ``127.0.0.1`` (ephemeral port) that
speaks enough of the Web API for ent-bot's end-to-end tests, records every call,
and lets tests inject failures (429 with ``Retry-After``, ``ok: false`` errors,
slowness).  It also serves ``response_url``s.

    with FakeSlack(users={"U1": {"name": "alice", "tz": "Europe/Paris"}}) as fake:
        client = WebClient(base_url=fake.base_url, token=fake.token)
        client.chat_postMessage(channel="C1", text="hi")
        [call] = fake.wait_for("chat.postMessage")

Behaviour mirrors Slack where it is cheap to do so (``no_text``, ``hash_conflict``,
``exchanged_trigger_id``/``expired_trigger_id``, ``already_reacted``,
``user_not_in_channel``, ``locale`` only with ``include_locale``); unknown
message timestamps and view ids are accepted leniently.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.parser
import email.policy
import json
import re
import secrets
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from .slack_requests import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

__all__ = ["DEFAULT_TOKEN", "FakeSlack", "SlackCall", "fake_slack"]

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], JsonDict]

DEFAULT_TOKEN = "xoxb-test"
RESPONSE_URL = "response_url"
TRIGGER_TTL = 3.0

# Web API arguments that travel as JSON-encoded strings in form bodies.
_JSON_FIELDS = frozenset(
    {
        "attachments",
        "blocks",
        "metadata",
        "option_groups",
        "options",
        "unfurls",
        "user_auth_blocks",
        "view",
    }
)
_TRIGGER_RE = re.compile(r"^\d+\.\d+\.[0-9A-Za-z]+$")
_MESSAGE_KEYS = (
    "text",
    "blocks",
    "attachments",
    "thread_ts",
    "metadata",
    "username",
    "icon_emoji",
    "icon_url",
)


@dataclass(frozen=True)
class SlackCall:
    """One HTTP request received by the fake, as recorded on arrival.

    ``method`` is the Web API method (``"chat.postMessage"``), ``"response_url"`` for
    response_url POSTs, or ``"<path>"`` for anything else.  ``params`` merges query,
    form/JSON/multipart body and an interactive ``payload``, with JSON-string fields
    (``blocks``, ``view``, …) decoded.  ``headers`` keys are lower-case.  ``time`` is
    ``time.time()``, ``monotonic`` is ``time.monotonic()``; ``status``/``response`` is
    what the fake answered (sent after any configured delay).
    """

    method: str
    params: JsonDict
    headers: dict[str, str]
    time: float
    monotonic: float
    http_method: str = "POST"
    url: str = ""
    token: str | None = None
    status: int = 200
    response: Any = field(default=None, repr=False)


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _decode_json_fields(params: JsonDict) -> JsonDict:
    out = dict(params)
    for key in _JSON_FIELDS & out.keys():
        value = out[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                out[key] = json.loads(value)
    return out


def _parse_multipart(content_type: str, body: bytes) -> JsonDict:
    raw = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: JsonDict = {}
    for part in msg.iter_parts() if msg.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            fields[name] = data
        else:
            fields[name] = data.decode("utf-8", errors="replace")
    return fields


def _tz_info(tz_name: str) -> tuple[str, int]:
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return tz_name, 0
    now = dt.datetime.now(zone)
    offset = now.utcoffset()
    return now.tzname() or tz_name, int(offset.total_seconds()) if offset else 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FakeSlack/1.0"

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    def do_GET(self) -> None:
        self.server.fake._serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class FakeSlack:
    """Fake Slack Web API + response_url endpoint on a loopback HTTP server."""

    def __init__(
        self,
        *,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        channel_members: Mapping[str, Sequence[str]] | None = None,
        channels: Mapping[str, Mapping[str, Any]] | None = None,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        bot_user_id: str = BOT_USER_ID,
        bot_id: str = BOT_ID,
        app_id: str = API_APP_ID,
        trigger_ttl: float = TRIGGER_TTL,
    ) -> None:
        """Configure users (id → name/real_name/tz/locale/…), channels and valid tokens."""
        token_list = list(tokens)
        self.tokens: set[str] = set(token_list)
        self.token: str = token_list[0] if token_list else DEFAULT_TOKEN
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl
        self.users: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (users or {}).items()}
        self.channel_members: dict[str, list[str]] = {
            k: list(v) for k, v in (channel_members or {}).items()
        }
        self.channels: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (channels or {}).items()}
        self.internal_errors: list[str] = []
        self.socket_url: str | None = None
        """What ``apps.connections.open`` answers (set by a Socket Mode fake); unset: an error."""

        self._cond = threading.Condition()
        self._calls: list[SlackCall] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._custom: dict[str, Handler] = {}
        self._seq = 0
        self._ts_seq = 0
        self._messages: dict[tuple[str, str], JsonDict] = {}
        self._views: dict[str, JsonDict] = {}
        self._triggers_issued: dict[str, float] = {}
        self._triggers_used: set[str] = set()
        self._reactions: set[tuple[str, str, str]] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._routes: dict[str, Callable[[JsonDict], JsonDict]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "reactions.add": self._reactions_add,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.list": self._files_list,
            "files.info": self._files_info,
        }
        self.uploads: dict[str, JsonDict] = {}
        """Files by id: ``filename``, ``length``, ``content`` (bytes), ``channel``, ``title``."""
        self.shared: dict[str, JsonDict] = {}
        """Files people shared (:meth:`share_file`): files.list/files.info objects plus
        ``_content``, downloadable from ``url_private_download`` with a valid token."""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind 127.0.0.1:0 and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes up delayed requests."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``, ending in ``/api/``."""
        return f"{self.url}api/"

    # ------------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "Europe/Paris",
        locale: str = "fr-FR",
        **extra: Any,
    ) -> None:
        """Register (or replace) a user answered by ``users.info``."""
        with self._cond:
            self.users[user_id] = {
                "name": name,
                "real_name": real_name or name,
                "tz": tz,
                "locale": locale,
                **extra,
            }

    def set_members(self, channel_id: str, members: Sequence[str]) -> None:
        """Set the member list answered by ``conversations.members``."""
        with self._cond:
            self.channel_members[channel_id] = list(members)

    def on(self, method: str, handler: Handler) -> None:
        """Answer ``method`` with ``handler(params) -> JSON`` (overrides built-ins)."""
        with self._cond:
            self._custom[method] = handler

    def fail_next(
        self, method: str, times: int = 1, status: int = 429, retry_after: int | None = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` (+ Retry-After)."""
        error = {429: "ratelimited", 503: "service_unavailable"}.get(status, "internal_error")
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(status, retry_after, error) for _ in range(times))

    def error_next(self, method: str, error: str = "channel_not_found", times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``{"ok": false, "error": error}``."""
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(200, None, error) for _ in range(times))

    def delay(self, method: str, seconds: float) -> None:
        """Make every call of ``method`` answer ``seconds`` late (0 removes the delay)."""
        with self._cond:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def share_file(
        self, user: str, channel: str, name: str, content: bytes, *,
        filetype: str | None = None, mimetype: str = "text/csv", size: int | None = None,
    ) -> str:
        """A file ``user`` shared in ``channel`` (newest last); its id. ``size`` overrides
        the size files.list reports."""
        with self._cond:
            self._seq += 1
            file_id = f"F{self._seq:010d}"
            created = 1_700_000_000 + self._seq
            self.shared[file_id] = {
                "id": file_id, "created": created, "timestamp": created, "name": name,
                "title": name, "mimetype": mimetype,
                "filetype": filetype or (name.rsplit(".", 1)[-1].lower() if "." in name else ""),
                "user": user, "size": len(content) if size is None else size,
                "url_private": f"{self.url}files-pri/{self.team_id}-{file_id}/{name}",
                "url_private_download":
                    f"{self.url}files-pri/{self.team_id}-{file_id}/download/{name}",
                "channels": [channel], "groups": [], "ims": [], "_content": content,
            }
        return file_id

    def new_response_url(self) -> str:
        """A fresh ``response_url`` served by this fake (POSTs recorded as ``response_url``)."""
        with self._cond:
            self._seq += 1
            n = self._seq
        return f"{self.url}hooks/commands/{self.team_id}/{n}/{secrets.token_hex(12)}"

    def new_trigger_id(self) -> str:
        """A trigger id this fake tracks: it expires after ``trigger_ttl`` seconds."""
        tid = f"{int(time.time() * 1000)}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"
        with self._cond:
            self._triggers_issued[tid] = time.monotonic()
        return tid

    def reset(self) -> None:
        """Forget calls, injected failures/delays/handlers and stored state (keeps config)."""
        with self._cond:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()
            self._custom.clear()
            self._messages.clear()
            self._views.clear()
            self._triggers_issued.clear()
            self._triggers_used.clear()
            self._reactions.clear()
            self.internal_errors.clear()

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[SlackCall]:
        """Recorded calls, oldest first, optionally only those of ``method``."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[SlackCall]:
        """Wait until ``count`` calls of ``method`` arrived and return them.

        Raises ``AssertionError`` (listing the calls seen) after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"expected {count} call(s) of {method!r} within {timeout}s, "
                        f"got {len(found)}; calls seen: {seen}"
                    )
                self._cond.wait(remaining)

    def messages(self, channel: str | None = None) -> list[JsonDict]:
        """Current (non-deleted) messages posted via chat.postMessage, oldest first."""
        with self._cond:
            return [
                dict(m)
                for (ch, _), m in sorted(self._messages.items(), key=lambda kv: kv[0][1])
                if channel is None or ch == channel
            ]

    def view(self, view_id: str) -> JsonDict | None:
        """Current state of a view opened/pushed/updated/published through the fake."""
        with self._cond:
            found = self._views.get(view_id)
            if found is None:
                return None
            return {k: v for k, v in found.items() if not k.startswith("_")}

    # ------------------------------------------------------------------ HTTP plumbing

    def _serve(self, req: _RequestHandler) -> None:
        try:
            self._serve_inner(req)
        except Exception:  # pragma: no cover - surfaced via internal_errors
            text = traceback.format_exc()
            with self._cond:
                self.internal_errors.append(text)
            self._send(req, _Reply(500, {"ok": False, "error": "fake_slack_internal_error"}))

    def _serve_inner(self, req: _RequestHandler) -> None:
        received, mono = time.time(), time.monotonic()
        split = urlsplit(req.path)
        headers = {k.lower(): v for k, v in req.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = req.rfile.read(length) if length > 0 else b""
        upload = split.path.startswith("/upload/")
        download = split.path.startswith("/files-pri/")
        params = {} if upload or download else self._parse_params(
            split.query, headers.get("content-type", ""), raw
        )

        if download:
            method = "<download>"
            token = self._token_of(headers, {})
            reply = self._download_reply(split.path, token)
        elif upload:
            method, token = "<upload>", None
            reply = self._upload_reply(split.path[len("/upload/") :], raw)
        elif split.path.startswith("/api/"):
            method = split.path[len("/api/") :]
            token = self._token_of(headers, params)
            reply = self._dispatch(method, params, token)
        elif split.path.startswith("/hooks/"):
            method, token = RESPONSE_URL, None
            reply = self._response_url_reply()
        else:
            method, token = f"<{split.path}>", None
            reply = _Reply(404, "not_found")

        call = SlackCall(
            method=method,
            params=params,
            headers=headers,
            time=received,
            monotonic=mono,
            http_method=req.command,
            url=f"{self.url.rstrip('/')}{req.path}",
            token=token,
            status=reply.status,
            response=reply.body,
        )
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
            wait = self._delays.get(method, 0.0)
        if wait > 0:
            self._stopping.wait(wait)
        self._send(req, reply)

    @staticmethod
    def _parse_params(query: str, content_type: str, raw: bytes) -> JsonDict:
        params: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
        ctype = content_type.split(";")[0].strip().lower()
        if ctype == "application/json" and raw:
            body = json.loads(raw.decode("utf-8"))
            if isinstance(body, dict):
                params.update(body)
            else:
                params["_body"] = body
        elif ctype == "multipart/form-data":
            params.update(_parse_multipart(content_type, raw))
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
            payload = params.get("payload")
            if isinstance(payload, str) and payload.startswith("{"):
                params.update(json.loads(payload))
                del params["payload"]
        return _decode_json_fields(params)

    @staticmethod
    def _token_of(headers: Mapping[str, str], params: Mapping[str, Any]) -> str | None:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip() or None
        token = params.get("token")
        return token if isinstance(token, str) and token else None

    @staticmethod
    def _send(req: _RequestHandler, reply: _Reply) -> None:
        headers = dict(reply.headers)
        if isinstance(reply.body, bytes):
            data = reply.body
            ctype = headers.pop("Content-Type", "application/octet-stream")
        elif isinstance(reply.body, str):
            data = reply.body.encode("utf-8")
            ctype = "text/html"
        else:
            data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        try:
            req.send_response(reply.status)
            req.send_header("Content-Type", ctype)
            req.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                req.send_header(key, value)
            req.end_headers()
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            return queue.popleft() if queue else None

    def _failure_reply(self, failure: _Failure, *, text: bool = False) -> _Reply:
        hdrs = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        if text:
            status = failure.status if failure.status != 200 else 404
            return _Reply(status, failure.error, hdrs)
        return _Reply(failure.status, {"ok": False, "error": failure.error}, hdrs)

    def _response_url_reply(self) -> _Reply:
        failure = self._take_failure(RESPONSE_URL)
        if failure is not None:
            return self._failure_reply(failure, text=True)
        return _Reply(200, "ok")

    def _dispatch(self, method: str, params: JsonDict, token: str | None) -> _Reply:
        with self._cond:
            custom = self._custom.get(method)
        route = self._routes.get(method)
        if custom is None and route is None:
            return _Reply(200, {"ok": False, "error": "unknown_method"})
        if method != "api.test":
            if token is None:
                return _Reply(200, {"ok": False, "error": "not_authed"})
            if token not in self.tokens:
                return _Reply(200, {"ok": False, "error": "invalid_auth"})
        failure = self._take_failure(method)
        if failure is not None:
            return self._failure_reply(failure)
        if custom is not None:
            return _Reply(200, custom(params))
        assert route is not None
        with self._cond:
            return _Reply(200, route(params))

    # ------------------------------------------------------------------ helpers (lock held)

    def _next_ts(self) -> str:
        self._ts_seq += 1
        micros = self._ts_seq * 100
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    @staticmethod
    def _error(error: str, *messages: str) -> JsonDict:
        out: JsonDict = {"ok": False, "error": error}
        if messages:
            out["response_metadata"] = {"messages": list(messages)}
        return out

    def _dm_channel(self, channel: str) -> str:
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _known_channel(self, channel: str) -> bool:
        return channel in self.channels or channel in self.channel_members

    def _channel_info(self, channel: str) -> JsonDict:
        conf = self.channels.get(channel, {})
        members = self.channel_members.get(channel)
        is_im = channel.startswith("D")
        info: JsonDict = {
            "id": channel,
            "name": conf.get("name", channel.lower()),
            "is_channel": not is_im and not conf.get("is_private", False),
            "is_group": False,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": bool(conf.get("is_private", False)) or is_im,
            "is_archived": bool(conf.get("is_archived", False)),
            "is_general": bool(conf.get("is_general", False)),
            "is_member": self.bot_user_id in members if members is not None else True,
            "created": 1_700_000_000,
            "context_team_id": self.team_id,
            "topic": {"value": conf.get("topic", ""), "creator": "", "last_set": 0},
            "purpose": {"value": conf.get("purpose", ""), "creator": "", "last_set": 0},
        }
        if members is not None:
            info["num_members"] = len(members)
        info.update({k: v for k, v in conf.items() if k not in {"topic", "purpose"}})
        return info

    def _bot_message(self, params: Mapping[str, Any], ts: str) -> JsonDict:
        msg: JsonDict = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        for key in _MESSAGE_KEYS:
            if key in params:
                msg[key] = params[key]
        msg.setdefault("text", "")
        return msg

    def _check_trigger(self, params: Mapping[str, Any]) -> JsonDict | None:
        trigger = params.get("trigger_id")
        if not trigger and params.get("interactivity_pointer"):
            return None
        if not isinstance(trigger, str) or not trigger:
            return self._error("invalid_arguments", "[ERROR] missing required field: trigger_id")
        if not _TRIGGER_RE.match(trigger):
            return self._error("invalid_trigger_id")
        if trigger in self._triggers_used:
            return self._error("exchanged_trigger_id")
        issued = self._triggers_issued.get(trigger)
        if issued is not None and time.monotonic() - issued > self.trigger_ttl:
            return self._error("expired_trigger_id")
        self._triggers_used.add(trigger)
        return None

    def _store_view(
        self, view: Mapping[str, Any], view_id: str | None = None, **extra: Any
    ) -> JsonDict:
        if view_id is None:
            self._seq += 1
            view_id = f"V{self._seq:010d}"
        stored: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": "",
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        stored.update(view)
        stored.update(extra)
        stored["id"] = view_id
        self._views[view_id] = stored
        return stored

    @staticmethod
    def _view_param(params: Mapping[str, Any]) -> JsonDict | None:
        view = params.get("view")
        return view if isinstance(view, dict) else None

    # ------------------------------------------------------------------ Web API methods

    def _api_test(self, params: JsonDict) -> JsonDict:
        args = {k: v for k, v in params.items() if k != "token"}
        return {"ok": True, "args": args} if args else {"ok": True}

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain,
            "user": "ent-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: JsonDict) -> JsonDict:
        if self.socket_url is None:
            return self._error("not_allowed_token_type")
        self._seq += 1
        return {"ok": True, "url": f"{self.socket_url}?ticket={self._seq}"}

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        channel = params.get("channel")
        if not channel:
            return self._error("channel_not_found")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            return self._error("no_text")
        channel = self._dm_channel(str(channel))
        ts = self._next_ts()
        message = self._bot_message(params, ts)
        self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel, user = params.get("channel"), params.get("user")
        if not channel:
            return self._error("channel_not_found")
        if not user:
            return self._error("user_not_found")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            return self._error("no_text")
        members = self.channel_members.get(str(channel))
        if members is not None and user not in members:
            return self._error("user_not_in_channel")
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, params: JsonDict) -> JsonDict:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return self._error("channel_not_found")
        if not ts:
            return self._error("message_not_found")
        key = (str(channel), str(ts))
        message = dict(self._messages.get(key) or self._bot_message({}, str(ts)))
        for k in _MESSAGE_KEYS:
            if k in params:
                message[k] = params[k]
        if key in self._messages:
            self._messages[key] = message
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": message,
        }

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return self._error("channel_not_found")
        if not ts:
            return self._error("message_not_found")
        self._messages.pop((str(channel), str(ts)), None)
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        channel, ts = str(params.get("channel", "")), str(params.get("message_ts", ""))
        if not channel or not ts:
            return self._error("invalid_arguments")
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _views_open(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params)
        if view is None:
            return self._error("invalid_arguments", "[ERROR] missing required field: view")
        problem = self._check_trigger(params)
        if problem is not None:
            return problem
        return {"ok": True, "view": self._store_view(view)}

    def _views_push(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params)
        if view is None:
            return self._error("invalid_arguments", "[ERROR] missing required field: view")
        problem = self._check_trigger(params)
        if problem is not None:
            return problem
        return {"ok": True, "view": self._store_view(view)}

    def _views_update(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params)
        if view is None:
            return self._error("invalid_arguments", "[ERROR] missing required field: view")
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if not view_id and external_id:
            view_id = next(
                (k for k, v in self._views.items() if v.get("external_id") == external_id), None
            )
            if view_id is None:
                return self._error("not_found")
        if not view_id:
            return self._error("invalid_arguments", "[ERROR] view_id or external_id required")
        current = self._views.get(str(view_id))
        wanted_hash = params.get("hash")
        if current is not None and wanted_hash and wanted_hash != current.get("hash"):
            return self._error("hash_conflict")
        keep = {k: current[k] for k in ("root_view_id", "previous_view_id")} if current else {}
        fresh_hash = f"{int(time.time())}.{secrets.token_hex(4)}"
        stored = self._store_view(view, str(view_id), **keep, hash=fresh_hash)
        return {"ok": True, "view": stored}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        view = self._view_param(params)
        user_id = params.get("user_id")
        if view is None or not user_id:
            return self._error("invalid_arguments", "[ERROR] user_id and view are required")
        if view.get("type") != "home":
            return self._error("invalid_arguments", "[ERROR] view.type must be home")
        existing = next(
            (k for k, v in self._views.items() if v.get("_published_for") == user_id), None
        )
        current = self._views.get(existing) if existing else None
        wanted_hash = params.get("hash")
        if current is not None and wanted_hash and wanted_hash != current.get("hash"):
            return self._error("hash_conflict")
        fresh_hash = f"{int(time.time())}.{secrets.token_hex(4)}"
        stored = self._store_view(view, existing, _published_for=user_id, hash=fresh_hash)
        return {"ok": True, "view": {k: v for k, v in stored.items() if not k.startswith("_")}}

    def _users_info(self, params: JsonDict) -> JsonDict:
        user_id = str(params.get("user", ""))
        conf = self.users.get(user_id)
        if conf is None:
            return self._error("user_not_found")
        name = str(conf.get("name", user_id.lower()))
        real_name = str(conf.get("real_name", name))
        tz = str(conf.get("tz", "Europe/Paris"))
        tz_label, tz_offset = _tz_info(tz)
        profile: JsonDict = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": conf.get("display_name", name),
            "display_name_normalized": conf.get("display_name", name),
            "team": self.team_id,
        }
        if "email" in conf:
            profile["email"] = conf["email"]
        profile.update(conf.get("profile", {}))
        user: JsonDict = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": bool(conf.get("deleted", False)),
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": bool(conf.get("is_admin", False)),
            "is_owner": bool(conf.get("is_owner", False)),
            "is_bot": bool(conf.get("is_bot", False)),
            "is_app_user": False,
            "updated": 1_700_000_000,
        }
        if _truthy(params.get("include_locale")):
            user["locale"] = conf.get("locale", "fr-FR")
        extra = {
            k: v
            for k, v in conf.items()
            if k not in {"name", "real_name", "tz", "locale", "profile", "email", "display_name"}
        }
        user.update(extra)
        return {"ok": True, "user": user}

    def _conversations_members(self, params: JsonDict) -> JsonDict:
        channel = str(params.get("channel", ""))
        if not self._known_channel(channel):
            return self._error("channel_not_found")
        members = self.channel_members.get(channel, [])
        limit = int(params.get("limit") or 100) or 100
        cursor = str(params.get("cursor") or "")
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
        page = members[start : start + limit]
        nxt = start + limit
        next_cursor = (
            base64.b64encode(f"offset:{nxt}".encode()).decode() if nxt < len(members) else ""
        )
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, params: JsonDict) -> JsonDict:
        channel = str(params.get("channel", ""))
        if not (self._known_channel(channel) or channel.startswith("D")):
            return self._error("channel_not_found")
        return {"ok": True, "channel": self._channel_info(channel)}

    def _conversations_join(self, params: JsonDict) -> JsonDict:
        channel = str(params.get("channel", ""))
        if not self._known_channel(channel):
            return self._error("channel_not_found")
        if self.channels.get(channel, {}).get("is_private"):
            return self._error("method_not_supported_for_channel_type")
        members = self.channel_members.setdefault(channel, [])
        out: JsonDict = {"ok": True}
        if self.bot_user_id in members:
            out["warning"] = "already_in_channel"
            out["response_metadata"] = {"warnings": ["already_in_channel"]}
        else:
            members.append(self.bot_user_id)
        out["channel"] = self._channel_info(channel)
        return out

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        users = str(params.get("users", "")).split(",")
        users = [u.strip() for u in users if u.strip()]
        if not users:
            return self._error("users_list_not_supplied")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": self._dm_channel(users[0])}}
        return {"ok": True, "channel": {"id": "G" + secrets.token_hex(5).upper()}}

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        """Messages posted in a channel, newest first; ``metadata`` only with
        ``include_all_metadata`` (as Slack does)."""
        channel = self._dm_channel(str(params.get("channel", "")))
        oldest = float(params.get("oldest") or 0)
        with_metadata = _truthy(params.get("include_all_metadata"))
        found = [
            {k: v for k, v in m.items() if with_metadata or k != "metadata"}
            for (ch, ts), m in sorted(self._messages.items(), key=lambda kv: -float(kv[0][1]))
            if ch == channel and float(ts) >= oldest
        ]
        limit = int(params.get("limit") or 100) or 100
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit,
                "response_metadata": {"next_cursor": ""}}

    def _upload_reply(self, file_id: str, raw: bytes) -> _Reply:
        with self._cond:
            found = self.uploads.get(file_id)
            if found is None:
                return _Reply(404, "not_found")
            found["content"] = raw
        return _Reply(200, f"OK - {len(raw)}")

    def _download_reply(self, path: str, token: str | None) -> _Reply:
        """A shared file's bytes, for a valid token (else Slack's login page)."""
        failure = self._take_failure("<download>")
        if failure is not None:
            return self._failure_reply(failure, text=True)
        if token not in self.tokens:
            return _Reply(200, "<html>sign in</html>")
        file_id = path[len("/files-pri/") :].split("/", 1)[0].rsplit("-", 1)[-1]
        with self._cond:
            found = self.shared.get(file_id)
        if found is None:
            return _Reply(404, "not_found")
        return _Reply(200, found["_content"], {"Content-Type": str(found["mimetype"])})

    def _public_file(self, found: JsonDict) -> JsonDict:
        return {k: v for k, v in found.items() if not k.startswith("_")}

    def _files_list(self, params: JsonDict) -> JsonDict:
        """Shared files, newest first, filtered by ``channel``, ``user``, ``ts_from``/``ts_to``."""
        channel, user = params.get("channel"), params.get("user")
        ts_from, ts_to = float(params.get("ts_from") or 0), float(params.get("ts_to") or 1e12)
        found = [
            self._public_file(f) for f in sorted(self.shared.values(), key=lambda f: -f["created"])
            if (not channel or channel in f["channels"] + f["groups"] + f["ims"])
            and (not user or f["user"] == user) and ts_from <= f["created"] <= ts_to
        ]
        count = max(1, min(int(params.get("count") or 100), 1000))
        page = max(1, int(params.get("page") or 1))
        pages = max(1, -(-len(found) // count))
        return {"ok": True, "files": found[(page - 1) * count : page * count],
                "paging": {"count": count, "total": len(found), "page": page, "pages": pages}}

    def _files_info(self, params: JsonDict) -> JsonDict:
        found = self.shared.get(str(params.get("file") or ""))
        if found is None:
            return self._error("file_not_found")
        return {"ok": True, "file": self._public_file(found)}

    def _files_get_upload_url_external(self, params: JsonDict) -> JsonDict:
        filename, length = params.get("filename"), params.get("length")
        if not filename or not str(length or "").isdigit():
            return self._error("invalid_arguments")
        file_id = "F" + secrets.token_hex(5).upper()
        self.uploads[file_id] = {"filename": str(filename), "length": int(str(length)),
                                 "content": None, "channel": None, "title": None}
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: JsonDict) -> JsonDict:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not isinstance(files, list) or not files:
            return self._error("invalid_arguments")
        done = []
        for item in files:
            found = self.uploads.get(str(item.get("id")))
            if found is None or found["content"] is None:
                return self._error("file_not_found")
            if len(found["content"]) != found["length"]:
                return self._error("file_upload_size_mismatch")
            found["channel"] = params.get("channel_id")
            found["title"] = item.get("title")
            done.append({"id": item["id"], "name": found["filename"], "title": found["title"]})
        return {"ok": True, "files": done}

    def _reactions_add(self, params: JsonDict) -> JsonDict:
        channel, ts, name = params.get("channel"), params.get("timestamp"), params.get("name")
        if not channel or not ts:
            return self._error("no_item_specified")
        if not name:
            return self._error("invalid_name")
        key = (str(channel), str(ts), str(name))
        if key in self._reactions:
            return self._error("already_reacted")
        self._reactions.add(key)
        return {"ok": True}


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """Pytest fixture: a started ``FakeSlack`` (re-export it from a conftest to use it)."""
    with FakeSlack() as fake:
        yield fake
