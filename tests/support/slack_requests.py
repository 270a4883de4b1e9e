"""Build and send requests exactly as Slack sends them to an app's Request URL.

Shapes follow Slack's payloads as used by bolt-python's own scenario tests
(``tests/scenario_tests/test_slash_command.py``, ``test_block_actions.py``,
``test_view_submission.py``, ``test_block_suggestion.py``, ``test_events.py``):

* slash commands: ``application/x-www-form-urlencoded`` fields;
* interactivity (``block_actions``, ``view_submission``, ``block_suggestion``):
  ``application/x-www-form-urlencoded`` with one field ``payload`` holding JSON;
* Events API (``event_callback``, ``url_verification``): ``application/json``.

Every request is signed with the v0 scheme: ``v0=hex(HMAC-SHA256(secret,
"v0:{timestamp}:{raw body}"))`` in ``X-Slack-Signature`` plus
``X-Slack-Request-Timestamp``.  Like Slack, JSON is compact and escapes ``/``
as ``\\/`` — apps must verify the raw bytes, never a re-serialisation.

Default ``response_url`` values point at ``127.0.0.1:9`` (nothing listens
there), never at the internet: pass ``fake.new_response_url()`` to capture
``respond()`` calls.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "ENTERPRISE_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "UNROUTABLE_RESPONSE_URL",
    "USER_AGENT",
    "VERIFICATION_TOKEN",
    "HttpResult",
    "SlackRequest",
    "app_home_opened_event",
    "app_mention_event",
    "block_actions",
    "block_suggestion",
    "button",
    "event_callback",
    "external_select",
    "member_joined_channel_event",
    "message_container",
    "multi_static_select",
    "multi_users_select",
    "new_trigger_id",
    "option",
    "post",
    "sign",
    "signed_headers",
    "slash_command",
    "static_select",
    "url_verification",
    "users_select",
    "view_container",
    "view_submission",
]

TEAM_ID = "T0ENT0001"
TEAM_DOMAIN = "ent-projet"
ENTERPRISE_ID: str | None = None
API_APP_ID = "A0ENTBOT1"
BOT_ID = "B0ENTBOT1"
BOT_USER_ID = "U0ENTBOT1"
VERIFICATION_TOKEN = "verification-token-unused"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
UNROUTABLE_RESPONSE_URL = "http://127.0.0.1:9/hooks/commands/T0ENT0001/1/unset"

FORM = "application/x-www-form-urlencoded"
JSON_CT = "application/json"

JsonDict = dict[str, Any]


# --------------------------------------------------------------------------- signing


def sign(secret: str, body: str | bytes, timestamp: int | str | None = None) -> dict[str, str]:
    """Return the two v0 signature headers for ``body`` (timestamp defaults to now)."""
    ts = str(int(time.time())) if timestamp is None else str(timestamp)
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + ts.encode("ascii") + b":" + raw
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    secret: str,
    body: str | bytes,
    content_type: str,
    *,
    timestamp: int | str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """Full header set Slack sends: content type, user agent, signature, optional retry."""
    headers = {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "Accept": "application/json,*/*",
    }
    headers.update(sign(secret, body, timestamp))
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


# --------------------------------------------------------------------------- transport


class HttpResult(NamedTuple):
    """Status, lower-cased headers and text body of an HTTP answer."""

    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        """Decode the body as JSON."""
        return json.loads(self.body)


def post(
    url: str,
    body: str | bytes,
    headers: Mapping[str, str],
    extra_headers: Mapping[str, str] | None = None,
    *,
    timeout: float = 10.0,
) -> HttpResult:
    """POST ``body`` with ``headers``; 4xx/5xx are returned, not raised."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    all_headers = {**headers, **(extra_headers or {})}
    req = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status = int(resp.status)
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            payload: bytes = resp.read()
    except urllib.error.HTTPError as err:
        status = int(err.code)
        resp_headers = {k.lower(): v for k, v in err.headers.items()}
        payload = err.read()
    return HttpResult(status, resp_headers, payload.decode("utf-8", errors="replace"))


@dataclass(frozen=True)
class SlackRequest:
    """A request body as Slack would send it, plus its decoded payload."""

    body: str
    content_type: str
    payload: JsonDict = field(repr=False)

    def headers(
        self,
        secret: str,
        timestamp: int | str | None = None,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> dict[str, str]:
        """Signed headers for this body (see :func:`signed_headers`)."""
        return signed_headers(
            secret,
            self.body,
            self.content_type,
            timestamp=timestamp,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )

    def bolt_request(
        self,
        secret: str,
        timestamp: int | str | None = None,
        *,
        retry_num: int | None = None,
    ) -> BoltRequest:
        """This request as a signed ``BoltRequest`` for ``app.dispatch`` (no HTTP)."""
        hdrs: dict[str, str | Sequence[str]] = {}
        hdrs.update(self.headers(secret, timestamp, retry_num=retry_num))
        return BoltRequest(body=self.body, headers=hdrs)

    def send(
        self,
        url: str,
        secret: str,
        *,
        timestamp: int | str | None = None,
        retry_num: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> HttpResult:
        """Sign and POST this request to ``url``."""
        hdrs = self.headers(secret, timestamp, retry_num=retry_num)
        return post(url, self.body, hdrs, extra_headers, timeout=timeout)


def _dumps(obj: Any) -> str:
    """Compact JSON with ``/`` escaped, as Slack serialises payloads."""
    return json.dumps(obj, separators=(",", ":")).replace("/", "\\/")


def _form(fields: Mapping[str, str]) -> str:
    return urlencode(list(fields.items()))


def _interactive(payload: JsonDict) -> SlackRequest:
    return SlackRequest(_form({"payload": _dumps(payload)}), FORM, payload)


def new_trigger_id() -> str:
    """A fresh trigger id in Slack's ``digits.digits.hex`` format."""
    now_ms = int(time.time() * 1000)
    return f"{now_ms}.{secrets.randbelow(10**12):012d}.{secrets.token_hex(16)}"


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _team(team_id: str) -> JsonDict:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str, user_name: str | None) -> JsonDict:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


# --------------------------------------------------------------------------- slash commands


def slash_command(
    command: str,
    text: str = "",
    user_id: str = "U0USER0001",
    channel_id: str = "C0CHAN0001",
    team_id: str = TEAM_ID,
    *,
    trigger_id: str | None = None,
    response_url: str = UNROUTABLE_RESPONSE_URL,
    channel_name: str = "general",
    user_name: str | None = None,
    api_app_id: str = API_APP_ID,
) -> SlackRequest:
    """A slash command POST (form-encoded fields, in Slack's order)."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return SlackRequest(_form(fields), FORM, dict(fields))


# --------------------------------------------------------------------------- block actions


def option(value: str, text: str | None = None) -> JsonDict:
    """An option object as Slack echoes it back in ``selected_option(s)``."""
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def button(action_id: str, value: str, *, block_id: str = "actions", text: str = "OK") -> JsonDict:
    """A ``button`` entry of ``actions``."""
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": _action_ts(),
    }


def static_select(
    action_id: str, value: str, text: str | None = None, *, block_id: str = "actions"
) -> JsonDict:
    """A ``static_select`` entry of ``actions`` (``selected_option``)."""
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_option": option(value, text),
        "action_ts": _action_ts(),
    }


def external_select(
    action_id: str, value: str, text: str | None = None, *, block_id: str = "actions"
) -> JsonDict:
    """An ``external_select`` entry of ``actions`` (``selected_option``)."""
    return {**static_select(action_id, value, text, block_id=block_id), "type": "external_select"}


def multi_static_select(
    action_id: str, values: Sequence[str], *, block_id: str = "actions"
) -> JsonDict:
    """A ``multi_static_select`` entry of ``actions`` (``selected_options``)."""
    return {
        "type": "multi_static_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_options": [option(v) for v in values],
        "action_ts": _action_ts(),
    }


def users_select(action_id: str, user_id: str, *, block_id: str = "actions") -> JsonDict:
    """A ``users_select`` entry of ``actions`` (``selected_user``)."""
    return {
        "type": "users_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_user": user_id,
        "action_ts": _action_ts(),
    }


def multi_users_select(
    action_id: str, user_ids: Sequence[str], *, block_id: str = "actions"
) -> JsonDict:
    """A ``multi_users_select`` entry of ``actions`` (``selected_users``)."""
    return {
        "type": "multi_users_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_users": list(user_ids),
        "action_ts": _action_ts(),
    }


def message_container(channel_id: str, message_ts: str, *, is_ephemeral: bool = False) -> JsonDict:
    """``container`` for an action clicked in a message."""
    return {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": is_ephemeral,
    }


def view_container(view_id: str) -> JsonDict:
    """``container`` for an action clicked in a modal or the Home tab."""
    return {"type": "view", "view_id": view_id}


def _normalize_action(action: Mapping[str, Any]) -> JsonDict:
    out = dict(action)
    out.setdefault("block_id", "actions")
    if "type" not in out:
        if "selected_users" in out:
            out["type"] = "multi_users_select"
        elif "selected_user" in out:
            out["type"] = "users_select"
        elif "selected_options" in out:
            out["type"] = "multi_static_select"
        elif "selected_option" in out:
            out["type"] = "static_select"
        else:
            out["type"] = "button"
    out.setdefault("action_ts", _action_ts())
    return out


def block_actions(
    actions: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    *,
    user_id: str = "U0USER0001",
    team_id: str = TEAM_ID,
    channel_id: str | None = "C0CHAN0001",
    channel_name: str = "general",
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    container: Mapping[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = UNROUTABLE_RESPONSE_URL,
    user_name: str | None = None,
    api_app_id: str = API_APP_ID,
) -> SlackRequest:
    """An interactive ``block_actions`` payload (``payload=`` JSON, form-encoded).

    In a message: pass ``message`` (it must carry ``ts``); ``container`` then defaults
    to a message container.  In a modal/Home: pass ``view`` (with ``id``); channel,
    message and response_url are omitted, as Slack does.
    """
    acts = [actions] if isinstance(actions, Mapping) else list(actions)
    payload: JsonDict = {
        "type": "block_actions",
        "user": _user(user_id, team_id, user_name),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
    }
    if container is not None:
        payload["container"] = dict(container)
    elif view is not None:
        payload["container"] = view_container(str(view.get("id", "V0VIEW0001")))
    elif channel_id is not None:
        # Without a message, mirror an ephemeral message: Slack then omits ``message``.
        if message is not None:
            payload["container"] = message_container(channel_id, str(message["ts"]))
        else:
            payload["container"] = message_container(channel_id, _event_ts(), is_ephemeral=True)
    payload["trigger_id"] = trigger_id or new_trigger_id()
    payload["team"] = _team(team_id)
    payload["enterprise"] = None
    payload["is_enterprise_install"] = False
    if view is None:
        if channel_id is not None:
            payload["channel"] = {"id": channel_id, "name": channel_name}
        if message is not None:
            payload["message"] = {"type": "message", **message}
        payload["state"] = {"values": {}}
        if response_url is not None:
            payload["response_url"] = response_url
    else:
        payload["view"] = _full_view(view, team_id=team_id, api_app_id=api_app_id)
    payload["actions"] = [_normalize_action(a) for a in acts]
    return _interactive(payload)


# --------------------------------------------------------------------------- views


def _full_view(
    view: Mapping[str, Any],
    *,
    team_id: str,
    api_app_id: str,
) -> JsonDict:
    view_id = str(view.get("id", "V0VIEW0001"))
    base: JsonDict = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": "ENT", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Annuler", "emoji": True},
        "submit": {"type": "plain_text", "text": "Valider", "emoji": True},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": api_app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    base.update(view)
    return base


def view_submission(
    callback_id: str,
    state_values: Mapping[str, Mapping[str, Mapping[str, Any]]],
    private_metadata: str = "",
    user_id: str = "U0USER0001",
    team_id: str = TEAM_ID,
    *,
    view_id: str = "V0VIEW0001",
    blocks: Sequence[Mapping[str, Any]] = (),
    view_hash: str | None = None,
    response_urls: Sequence[Mapping[str, str]] = (),
    trigger_id: str | None = None,
    user_name: str | None = None,
    api_app_id: str = API_APP_ID,
    view_extra: Mapping[str, Any] | None = None,
) -> SlackRequest:
    """A ``view_submission`` payload.

    ``state_values`` is ``{block_id: {action_id: {"type": ..., <value key>: ...}}}``,
    e.g. ``{"who": {"who": {"type": "multi_users_select", "selected_users": ["U1"]}}}``.
    """
    view: JsonDict = {
        "id": view_id,
        "blocks": [dict(b) for b in blocks],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {
            "values": {k: {a: dict(v) for a, v in d.items()} for k, d in state_values.items()}
        },
    }
    if view_hash is not None:
        view["hash"] = view_hash
    view.update(view_extra or {})
    payload: JsonDict = {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id, user_name),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": _full_view(view, team_id=team_id, api_app_id=api_app_id),
        "response_urls": [dict(r) for r in response_urls],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload)


def block_suggestion(
    action_id: str,
    value: str,
    *,
    block_id: str | None = None,
    view: Mapping[str, Any] | None = None,
    user_id: str = "U0USER0001",
    team_id: str = TEAM_ID,
    user_name: str | None = None,
    api_app_id: str = API_APP_ID,
) -> SlackRequest:
    """A ``block_suggestion`` (external select typeahead) payload; ``value`` is the query."""
    full_view = _full_view(view or {}, team_id=team_id, api_app_id=api_app_id)
    payload: JsonDict = {
        "type": "block_suggestion",
        "user": _user(user_id, team_id, user_name),
        "container": view_container(str(full_view["id"])),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id or action_id,
        "value": value,
        "team": _team(team_id),
        "view": full_view,
    }
    return _interactive(payload)


# --------------------------------------------------------------------------- Events API


def event_callback(
    event: Mapping[str, Any],
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    *,
    api_app_id: str = API_APP_ID,
    event_time: int | None = None,
    authorizations: Sequence[Mapping[str, Any]] | None = None,
) -> SlackRequest:
    """An Events API ``event_callback`` envelope (JSON)."""
    now = int(time.time()) if event_time is None else event_time
    auths = (
        [dict(a) for a in authorizations]
        if authorizations is not None
        else [
            {
                "enterprise_id": ENTERPRISE_ID,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ]
    )
    payload: JsonDict = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": now,
        "authorizations": auths,
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }
    return SlackRequest(_dumps(payload), JSON_CT, payload)


def url_verification(challenge: str) -> SlackRequest:
    """The ``url_verification`` handshake (JSON)."""
    payload: JsonDict = {
        "token": VERIFICATION_TOKEN,
        "challenge": challenge,
        "type": "url_verification",
    }
    return SlackRequest(_dumps(payload), JSON_CT, payload)


def _event_ts() -> str:
    return f"{time.time():.6f}"


def app_home_opened_event(
    user_id: str,
    *,
    channel_id: str | None = None,
    tab: str = "home",
    view: Mapping[str, Any] | None = None,
) -> JsonDict:
    """An ``app_home_opened`` inner event (``view`` only once a Home was published)."""
    event: JsonDict = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id or "D" + user_id[1:],
        "tab": tab,
        "event_ts": _event_ts(),
    }
    if view is not None:
        event["view"] = {"type": "home", **view}
    return event


def member_joined_channel_event(
    user_id: str,
    channel_id: str,
    *,
    channel_type: str = "C",
    team_id: str = TEAM_ID,
    inviter: str | None = None,
) -> JsonDict:
    """A ``member_joined_channel`` inner event (``inviter`` only when invited)."""
    event: JsonDict = {
        "type": "member_joined_channel",
        "user": user_id,
        "channel": channel_id,
        "channel_type": channel_type,
        "team": team_id,
        "event_ts": _event_ts(),
    }
    if inviter is not None:
        event["inviter"] = inviter
    return event


def app_mention_event(
    user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
) -> JsonDict:
    """An ``app_mention`` inner event."""
    ts = _event_ts()
    event: JsonDict = {
        "type": "app_mention",
        "user": user_id,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel_id,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event
