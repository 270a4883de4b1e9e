"""The due pass: queue what is due, then send the outbox to Slack, exactly once.

One code path for the scheduler thread of ``ent-bot run`` and for ``ent-bot digests --due``
(cron, a Kubernetes CronJob). Each post carries Slack message metadata with its outbox
key; a row whose earlier attempt may have reached Slack (claimed before, never recorded)
is looked up in the channel's history before it is sent again. 429s wait for Retry-After;
5xx and time-outs back off; a channel the bot cannot post to pauses the project's
schedules (recorded and logged, never retried in a loop).
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import Application
from bot.cli_args import parse_at
from bot.slack import files
from bot.slack.pacing import Pacer
from bot.slack.texts import labels
from messages.render import SLACK_USER, Messages
from services import chart, retention
from services.digest_pass import Planned, plan_digests
from services.reminders import plan_reminders
from services.turn import Reply
from storage import outbox
from storage import schedules as schedule_store
from storage.errors import DatabaseError
from storage.store import Database, utcnow

log = logging.getLogger(__name__)

METADATA_EVENT = "ent_bot_post"
PAUSING = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "account_inactive", "invalid_auth",
})
"""Slack errors that no retry will fix: the project's schedules are paused."""
CLAIM = 50
MAX_RETRY_AFTER = 60
"""A 429 asking to wait longer than this leaves the row for a later pass."""
RATE_LIMIT_TRIES = 3
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
INTERVAL = 60.0
"""Seconds between two passes of the scheduler thread."""
TIMEOUT = 10
LOOKUP_PAGES = 5


def render_payload(
    messages: Messages, plain: bool = False
) -> Callable[[Reply], dict[str, Any]]:
    """What the outbox stores for a reply: Slack's text and blocks (and, for dry runs and
    the console, the plain text)."""

    def render(reply: Reply) -> dict[str, Any]:
        rendered = messages.slack(reply.template, reply.data, reply.language)
        payload: dict[str, Any] = {"text": rendered.text, "blocks": rendered.blocks}
        if plain:
            payload["plain"] = messages.plain(reply.template, reply.data, reply.language)
        if reply.data.get(chart.WANTED):
            texts = labels(messages, chart.TEXTS, reply.data, reply.language)
            payload[chart.WANTED] = chart.spec(reply.data["overall"], reply.data["families"],
                                               texts)
        return payload

    return render


def pass_client(application: Application) -> WebClient:
    """A Web API client that retries nothing by itself: the sender decides."""
    settings = application.settings
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url,
                     timeout=TIMEOUT, retry_handlers=[])


@dataclass(slots=True)
class Sent:
    sent: int = 0
    found: int = 0
    """Rows an earlier attempt had posted: recorded, not posted again."""
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0
    paused: list[int] = field(default_factory=list)
    charts: int = 0
    charts_failed: int = 0
    """Digest charts not uploaded (the digest itself stays sent, never posted again)."""


@dataclass(slots=True)
class PassResult:
    planned: Planned
    sent: Sent
    reminded: Planned = field(default_factory=Planned)
    """Gap reminders (direct messages) and escalations queued."""


def reachable(person: str) -> bool:
    """A person a direct message can reach: a Slack user id, not a typed name."""
    return SLACK_USER.match(person) is not None


def post_message(client: WebClient, row: outbox.Claimed) -> str:
    """Post an outbox row in its channel, its key in the message's metadata (looked up
    before any resend); the message's ts."""
    response = client.chat_postMessage(
        channel=row.channel, text=row.payload.get("text", ""),
        blocks=row.payload.get("blocks"), unfurl_links=False, unfurl_media=False,
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": row.key}},
    )
    return str(response.get("ts") or "")


class Sender:
    """Sends claimed outbox rows within Slack's posting limits (:class:`Pacer`); ``sleep``
    and the pacer are injectable so tests need not wait."""

    def __init__(
        self, database: Database, client: WebClient,
        sleep: Callable[[float], None] = time.sleep, pacer: Pacer | None = None,
    ) -> None:
        self.database = database
        self.client = client
        self.sleep = sleep
        self.pacer = pacer or Pacer(sleep=sleep)

    def send_due(self, now: Callable[[], datetime] = utcnow) -> Sent:
        result = Sent()
        while True:
            claimed = self.database.attempt(
                lambda store: outbox.claim(store.connection, now(), CLAIM)
            )
            if not claimed:
                return result
            for row in self.pacer.paced(claimed, lambda r: (r.workspace_id, r.channel)):
                self._send(row, result, now)

    def _send(self, row: outbox.Claimed, result: Sent, now: Callable[[], datetime]) -> None:
        try:
            if row.attempts > 0:
                ts = self._find(row)
                if ts is not None:
                    self._record(lambda c: outbox.mark_sent(c, row.id, ts, now()))
                    result.found += 1
                    return
            ts = self._post(row, result)
        except SlackApiError as exc:
            self._api_error(row, exc, result, now)
            return
        except (SlackClientError, OSError) as exc:
            # A time-out may have posted: the next attempt looks before sending.
            wait = BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
            reason = type(exc).__name__
            log.warning("post %s not sent (%s), retry in %s", row.id, reason, wait)
            self._record(lambda c: outbox.retry_at(c, row.id, now() + wait, reason))
            result.retried += 1
            return
        self._record(lambda c: outbox.mark_sent(c, row.id, ts, now()))
        result.sent += 1
        if row.payload.get(chart.WANTED):
            self._chart(row, result)

    def _chart(self, row: outbox.Claimed, result: Sent) -> None:
        """Upload the digest's chart after the digest: a failure is logged, never retried."""
        drawn = row.payload[chart.WANTED]
        try:
            content = chart.png(drawn)
            files.upload(self.client, row.channel, content,
                         str(drawn.get("filename") or "chart.png"))
        except files.FileError as exc:
            log.warning("chart of post %s not uploaded: %s", row.id, exc.code)
            result.charts_failed += 1
            return
        except Exception:
            log.exception("chart of post %s not drawn", row.id)
            result.charts_failed += 1
            return
        result.charts += 1

    def _post(self, row: outbox.Claimed, result: Sent) -> str:
        for attempt in range(1, RATE_LIMIT_TRIES + 1):
            try:
                return post_message(self.client, row)
            except SlackApiError as exc:
                wait = _retry_after(exc)
                if wait is None or wait > MAX_RETRY_AFTER or attempt == RATE_LIMIT_TRIES:
                    raise
                result.rate_limited += 1
                log.info("rate limited, waiting %s s (post %s)", wait, row.id)
                self.sleep(wait)
        raise AssertionError("unreachable")

    def _find(self, row: outbox.Claimed) -> str | None:
        """The ts of the message an earlier attempt posted with this row's key, if any,
        among the channel's newest :data:`LOOKUP_PAGES` pages of messages."""
        cursor: str | None = None
        channel = row.channel
        if reachable(channel):  # a direct message: its history is the DM channel's
            opened = self.client.conversations_open(users=channel)
            channel = str((opened.get("channel") or {}).get("id") or channel)
        for _page in range(LOOKUP_PAGES):
            response = self.client.conversations_history(
                channel=channel, include_all_metadata=True, limit=200, cursor=cursor,
            )
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (metadata.get("event_type") == METADATA_EVENT
                        and (metadata.get("event_payload") or {}).get("key") == row.key):
                    return str(message.get("ts") or "")
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        return None

    def _api_error(
        self, row: outbox.Claimed, exc: SlackApiError, result: Sent, now: Callable[[], datetime]
    ) -> None:
        error = str(exc.response.get("error") or "")
        status = exc.response.status_code
        wait = _retry_after(exc)
        if wait is not None:
            when = now() + timedelta(seconds=wait)
            self._record(lambda c: outbox.retry_at(c, row.id, when, "ratelimited"))
            result.retried += 1
        elif status >= 500:
            delay = BACKOFF[min(row.attempts, len(BACKOFF) - 1)]
            self._record(lambda c: outbox.retry_at(c, row.id, now() + delay, f"http_{status}"))
            result.retried += 1
        elif error in PAUSING and row.project_id is not None and row.kind != outbox.NOTICE:
            project_id = row.project_id
            log.warning("post %s refused by Slack (%s): schedules of project %s paused",
                        row.id, error, project_id)

            def pause(connection: Any) -> None:
                outbox.mark_failed(connection, row.id, error)
                schedule_store.pause(connection, row.workspace_id, project_id, error)

            self._record(pause)
            result.failed += 1
            result.paused.append(project_id)
        else:
            log.warning("post %s refused by Slack: %s", row.id, error or status)
            self._record(lambda c: outbox.mark_failed(c, row.id, error or f"http_{status}"))
            result.failed += 1

    def _record(self, change: Callable[[Any], None]) -> None:
        self.database.attempt(lambda store: change(store.connection))


def _retry_after(exc: SlackApiError) -> int | None:
    if exc.response.status_code != 429:
        return None
    headers = exc.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "1")
    if isinstance(value, list):
        value = value[0] if value else "1"
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 1


def run_pass(
    application: Application, client: WebClient, at: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep, pacer: Pacer | None = None,
) -> PassResult:
    """One pass: queue what is due at ``at`` (now by default), then send the outbox."""
    when = at or utcnow()
    render = render_payload(application.messages)
    planned = plan_digests(application.database, when, render)
    reminded = plan_reminders(application.database, when, render, reachable)
    clock: Callable[[], datetime] = (lambda: when) if at is not None else utcnow
    sent = Sender(application.database, client, sleep, pacer).send_due(clock)
    settings = application.settings
    retention.purge(application.database, when, settings.personal_retention_months,
                    settings.uninstall_grace_days)
    return PassResult(planned, sent, reminded)


def dry_run(application: Application, at: datetime | None, out: TextIO) -> Planned:
    """Print what a pass would send, changing nothing."""
    when = at or utcnow()
    planned = plan_digests(application.database, when,
                           render_payload(application.messages, plain=True), dry_run=True)
    reminded = plan_reminders(application.database, when,
                              render_payload(application.messages, plain=True), reachable,
                              dry_run=True)
    planned.messages += reminded.messages
    with application.database.transaction() as store:
        waiting = outbox.peek(store.connection, when, 1_000)
    for message in planned.messages:
        out.write(f"--- {message.key} → {message.channel}{' (late)' if message.late else ''}\n")
        out.write(str(message.payload.get("plain", "")) + "\n")
    for row in waiting:
        out.write(f"--- {row.key} → {row.channel} (queued)\n")
        out.write(str(row.payload.get("plain") or row.payload.get("text", "")) + "\n")
    return planned


class Scheduler:
    """Runs a pass every ``interval`` seconds in a daemon thread until stopped."""

    def __init__(self, application: Application, interval: float = INTERVAL) -> None:
        self.application = application
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Scheduler:
        self._thread = threading.Thread(target=self._loop, name="ent-bot-scheduler",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _loop(self) -> None:
        client = pass_client(self.application)
        while not self._stop.is_set():
            try:
                run_pass(self.application, client, sleep=self._wait)
            except DatabaseError as exc:
                log.warning("due pass stopped, database: %s", type(exc).__name__)
            except Exception:
                log.exception("due pass failed")
            self._stop.wait(self.interval)


def run_cli(application: Application, args: argparse.Namespace) -> int:
    """``ent-bot digests --due``: 0 when everything due was sent or recorded as failed."""
    try:
        at = parse_at(args.at)
    except ValueError:
        print(f"--at: expected an ISO 8601 instant, got {args.at!r}", file=sys.stderr)
        return 2
    if args.dry_run:
        planned = dry_run(application, at, sys.stdout)
        print(f"{len(planned.messages)} digest(s) due", file=sys.stderr)
        return 0
    if not application.settings.slack_bot_token:
        print("SLACK_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    try:
        result = run_pass(application, pass_client(application), at)
    except DatabaseError as exc:
        print(f"database: {type(exc).__name__}", file=sys.stderr)
        return 3
    sent = result.sent
    print(f"{result.planned.queued} queued ({result.planned.late} late), "
          f"{result.reminded.queued} reminder(s) and escalation(s), {sent.sent} sent, "
          f"{sent.found} already posted, {sent.failed} failed, {sent.retried} to retry",
          file=sys.stderr)
    return 0
