"""The bot in HTTP mode on a loopback port, against a FakeSlack Web API.

    with running_bot(app) as bot:
        answer = bot.command("/ent", "statut")
        bot.fake.calls("chat.postMessage")

Requests are signed like Slack's; :meth:`SlackBot.send` returns once the HTTP answer
came back *and* the work Bolt started after the acknowledgement (lazy listeners) is
done, so tests count Web API calls without waiting on clocks.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from slack_bolt import App

from bot.app import Application
from bot.slack.app import create_app
from bot.slack.server import HttpServer
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack

SECRET = "test-signing-secret"
CHANNEL = "C0CHAN0001"
ALICE = "U0ALICE01"
BOB = "U0BOB0001"
EVE = "U0EVE0001"
"""Eve is not a member of CHANNEL."""

P = ParamSpec("P")
T = TypeVar("T")


class TrackingExecutor(ThreadPoolExecutor):
    """A thread pool that can tell when everything submitted to it has finished."""

    def __init__(self, workers: int = 4) -> None:
        super().__init__(workers, thread_name_prefix="test-lazy")
        self._idle = threading.Condition()
        self._pending = 0

    def submit(  # type: ignore[override]
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> Future[T]:
        with self._idle:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    @property
    def pending(self) -> int:
        """Tasks submitted and not finished yet."""
        with self._idle:
            return self._pending

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError(f"{self._pending} lazy task(s) still running")


@dataclass
class SlackBot:
    fake: FakeSlack
    application: Application
    app: App
    server: HttpServer
    executor: TrackingExecutor

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/slack/events"

    def send(
        self, request: sr.SlackRequest, *, secret: str = SECRET, timestamp: int | None = None,
        retry_num: int | None = None,
    ) -> sr.HttpResult:
        """POST ``request`` signed with ``secret``; wait for the work after the answer."""
        headers = request.headers(secret, timestamp, retry_num=retry_num)
        result = sr.post(self.url, request.body, headers)
        self.executor.wait_idle()
        return result

    def command(
        self, command: str, text: str, *, user: str = ALICE, channel: str = CHANNEL,
        response_url: str | None = None,
    ) -> sr.HttpResult:
        return self.send(sr.slash_command(
            command, text, user_id=user, channel_id=channel,
            response_url=response_url or self.fake.new_response_url(),
        ))

    def status(self, channel: str = CHANNEL, user: str = ALICE) -> str:
        """What ``/ent statut`` shows (all its text)."""
        answer = self.command("/ent", "statut", channel=channel, user=user)
        assert answer.status == 200, answer
        return text_of(answer.json())


def text_of(message: Any) -> str:
    """Every text of a message, ack body or view (fallback, blocks, buttons…), one per line."""
    if isinstance(message, Mapping):
        return "\n".join(
            value if key == "text" and isinstance(value, str) else text_of(value)
            for key, value in message.items() if isinstance(value, str | Mapping | list)
            and (key == "text" or not isinstance(value, str))
        )
    if isinstance(message, list):
        return "\n".join(text_of(item) for item in message)
    return ""


def posted(fake: FakeSlack, method: str = "chat.postMessage") -> list[dict[str, Any]]:
    """The parameters of every call of ``method``."""
    return [call.params for call in fake.calls(method)]


@contextmanager
def running_bot(
    app: Application,
    *,
    members: Sequence[str] = (ALICE, BOB, sr.BOT_USER_ID),
    users: Mapping[str, Mapping[str, Any]] | None = None,
) -> Iterator[SlackBot]:
    """The bot on 127.0.0.1:<free port>, on the test's database, against a fresh FakeSlack."""
    with FakeSlack(
        users=users or {ALICE: {"name": "alice"}, BOB: {"name": "bob"}, EVE: {"name": "eve"}},
        channel_members={CHANNEL: list(members)},
    ) as fake:
        settings = dataclasses.replace(app.settings, **{
            "slack_bot_token": fake.token, "slack_signing_secret": SECRET,
            "slack_api_url": fake.base_url,
        })
        application = dataclasses.replace(app, settings=settings)
        executor = TrackingExecutor()
        bolt = create_app(application, executor)
        server = HttpServer(bolt, host="127.0.0.1", port=0).start()
        try:
            yield SlackBot(fake, application, bolt, server, executor)
        finally:
            server.stop()
            executor.shutdown(wait=True)
        assert fake.internal_errors == []
