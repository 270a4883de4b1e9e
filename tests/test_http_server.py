"""The HTTP mode through the production server: ``ent-bot run`` in a child process on a
loopback port, against FakeSlack, on the test's database (SQLite or PostgreSQL).

Unsigned, malformed and oversized requests are refused before anything parses their body,
without a traceback and without the server's memory growing with the body; half-sent
requests are dropped without holding a thread; a burst of signed commands is all answered.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import Application
from bot.slack.app import create_app
from bot.slack.http_guard import Limits
from bot.slack.server import HttpServer
from bot.slack.wsgi import create_wsgi_app
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import ALICE, CHANNEL, text_of

SECRET = "http-test-signing-secret"
STARTUP = 30.0
"""Seconds ``ent-bot run`` may take to answer /healthz (imports, schema check, auth.test)."""


@dataclass
class Served:
    """``ent-bot run`` in a child process."""

    process: subprocess.Popen[bytes]
    port: int
    stderr_path: Path
    fake: FakeSlack

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def command(self, text: str, *, secret: str = SECRET) -> sr.HttpResult:
        request = sr.slash_command("/ent", text, user_id=ALICE, channel_id=CHANNEL,
                                   response_url=self.fake.new_response_url())
        return request.send(self.url, secret)

    def peak_rss_kb(self) -> int:
        """The server process's resident-memory high-water mark (Linux ``VmHWM``)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        [line] = [line for line in status.splitlines() if line.startswith("VmHWM:")]
        return int(line.split()[1])

    def stderr(self) -> str:
        return self.stderr_path.read_text("utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Application, tmp_path: Path, **env: str) -> Iterator[Served]:
    """``ent-bot run`` (HTTP mode) on the test's database; stopped with SIGTERM at the end."""
    with FakeSlack(users={ALICE: {"name": "alice"}},
                   channel_members={CHANNEL: [ALICE, sr.BOT_USER_ID]}) as fake:
        port = _free_port()
        environment = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "HTTP_", "DATABASE_", "PORT", "BOT_"))
        }
        environment.update({
            "DATABASE_URL": app.settings.database_url, "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.base_url,
            "PORT": str(port), **env,
        })
        stderr_path = tmp_path / "server.err"
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=environment,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            )
        server = Served(process, port, stderr_path, fake)
        try:
            _wait_healthy(server)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=15)
        assert code == 0, server.stderr()
        assert "Traceback" not in server.stderr(), server.stderr()
        assert fake.internal_errors == []


def _wait_healthy(server: Served) -> None:
    deadline = time.monotonic() + STARTUP
    while True:
        assert server.process.poll() is None, server.stderr()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz",
                                        timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def _raw(port: int, head: bytes, body: bytes = b"", *, timeout: float = 10.0) -> int | None:
    """Send bytes as they are; the answer's status, or None if the server just closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head + body)
        return _status(connection)


def _status(connection: socket.socket) -> int | None:
    answer = b""
    try:
        while b"\r\n" not in answer:
            part = connection.recv(4096)
            if not part:
                break
            answer += part
    except ConnectionResetError:
        pass
    if not answer:
        return None
    return int(answer.split(b" ", 2)[1])


def _head(length: int | str | None, headers: dict[str, str]) -> bytes:
    lines = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


FORGED = {"X-Slack-Request-Timestamp": str(int(time.time())),
          "X-Slack-Signature": "v0=" + "0" * 64}


def _battery() -> list[tuple[str, bytes, bytes]]:
    """(case, request head, body): nothing here is signed with the right secret."""
    json_ct = {"Content-Type": "application/json"}
    form_ct = {"Content-Type": "application/x-www-form-urlencoded"}
    cases: list[tuple[str, bytes, bytes]] = []
    bodies = {
        "invalid JSON": (b'{"type": "event_callback", ', json_ct),
        "payload=notjson": (b"payload=notjson", form_ct),
        "invalid UTF-8": (b"payload=\xff\xfe\xc3(\x80", form_ct),
        "empty": (b"", form_ct),
    }
    for name, (body, content_type) in bodies.items():
        cases.append((f"{name}, unsigned", _head(len(body), content_type), body))
        cases.append((f"{name}, forged", _head(len(body), {**content_type, **FORGED}), body))
        wrong = sr.sign("not-the-secret", body)
        cases.append((f"{name}, wrong secret", _head(len(body), {**content_type, **wrong}), body))
    good = sr.sign(SECRET, b"payload=notjson")
    cases += [
        ("Content-Length abc", _head("abc", {**form_ct, **good}), b"payload=notjson"),
        ("Content-Length missing", _head(None, {**form_ct, **good}), b""),
        ("timestamp abc", _head(15, {**form_ct, "X-Slack-Request-Timestamp": "abc",
                                     "X-Slack-Signature": good["X-Slack-Signature"]}),
         b"payload=notjson"),
        ("signature of another body", _head(7, {**form_ct, **good}), b"text=hi"),
        ("stale signature", _head(15, {**form_ct, **sr.sign(SECRET, b"payload=notjson",
                                                                int(time.time()) - 600)}),
         b"payload=notjson"),
    ]
    return cases


def _send_large(port: int, size: int, headers: dict[str, str]) -> int | None:
    """Announce ``size`` bytes and keep sending until the server answers or closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(_head(size, {"Content-Type": "application/json", **headers}))
        chunk = b"x" * 65_536
        sent = 0
        try:
            while sent < size:
                connection.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        return _status(connection)


def test_unsigned_malformed_and_oversized_requests_are_refused_without_a_trace(
    app: Application, tmp_path: Path,
) -> None:
    with served(app, tmp_path) as server:
        assert server.command("projet creer ENT 35").status == 200
        baseline = server.peak_rss_kb()

        answers = {name: _raw(server.port, head, body) for name, head, body in _battery()}
        huge = 50 * 1024 * 1024
        answers["50 MB, unsigned"] = _send_large(server.port, huge, {})
        answers["50 MB, forged"] = _send_large(server.port, huge, FORGED)

        refused = {name: status for name, status in answers.items()
                   if status in (400, 401, 413)}
        assert refused == answers
        assert answers["50 MB, forged"] == 413
        assert all(status == 401 for name, status in answers.items()
                   if ("unsigned" in name or "forged" in name) and "50 MB" not in name)
        assert server.peak_rss_kb() - baseline < 10 * 1024
        status = server.command("statut")
        assert status.status == 200 and "ENT 35" in text_of(status.json())
    assert "Traceback" not in server.stderr() and "ERROR" not in server.stderr()


def test_half_sent_requests_are_dropped_and_hold_no_thread(
    app: Application, tmp_path: Path,
) -> None:
    body = sr.slash_command("/ent", "statut", user_id=ALICE, channel_id=CHANNEL).body.encode()
    with served(app, tmp_path, HTTP_TIMEOUT="1", HTTP_THREADS="2") as server:
        stalled = [socket.create_connection(("127.0.0.1", server.port), timeout=15)
                   for _ in range(6)]
        try:
            for number, connection in enumerate(stalled):
                head = _head(len(body), sr.sign(SECRET, body))
                connection.sendall(head[: len(head) // 2] if number % 2 else head + body[:10])

            answer = server.command("aide")
            assert answer.status == 200

            assert [_status(connection) for connection in stalled] == [None] * len(stalled)
        finally:
            for connection in stalled:
                connection.close()


def test_a_burst_of_signed_commands_is_all_answered(app: Application, tmp_path: Path) -> None:
    with served(app, tmp_path) as server:
        assert server.command("projet creer ENT 35").status == 200

        def status(_: int) -> tuple[int, str]:
            answer = server.command("statut")
            return answer.status, text_of(answer.json()) if answer.status == 200 else answer.body

        with ThreadPoolExecutor(20) as clients:
            answers = list(clients.map(status, range(200)))

    assert [code for code, _ in answers] == [200] * 200
    assert all("ENT 35" in text and "qui s'occupe de quoi" in text for _, text in answers)


def test_a_body_over_the_limit_is_refused_even_when_signed(app: Application) -> None:
    with FakeSlack(channel_members={CHANNEL: [ALICE, sr.BOT_USER_ID]}) as fake:
        settings = dataclasses.replace(app.settings, **{
            "slack_bot_token": fake.token, "slack_signing_secret": SECRET,
            "slack_api_url": fake.base_url,
        })
        bolt = create_app(dataclasses.replace(app, settings=settings))
        server = HttpServer(bolt, host="127.0.0.1", port=0,
                            bounds=Limits(max_body=16_384, timeout=2)).start()
        try:
            url = f"http://127.0.0.1:{server.port}/slack/events"
            fits = sr.slash_command("/ent", "aide " + "x" * 15_000, user_id=ALICE,
                                    channel_id=CHANNEL)
            over = sr.slash_command("/ent", "aide " + "x" * 17_000, user_id=ALICE,
                                    channel_id=CHANNEL)
            assert fits.send(url, SECRET).status == 200
            assert over.send(url, SECRET).status == 413
        finally:
            server.stop()


def test_the_wsgi_factory_builds_the_bot_from_the_settings(
    app: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with FakeSlack(channel_members={CHANNEL: [ALICE, sr.BOT_USER_ID]}) as fake:
        for name, value in {
            "DATABASE_URL": app.settings.database_url, "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.base_url,
        }.items():
            monkeypatch.setenv(name, value)
        wsgi = create_wsgi_app()
        request = sr.slash_command("/ent", "aide", user_id=ALICE, channel_id=CHANNEL,
                                   response_url=fake.new_response_url())
        headers = request.headers(SECRET)
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": headers["Content-Type"], "CONTENT_LENGTH": str(len(request.body)),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
            "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
            "wsgi.input": io.BytesIO(request.body.encode()),
        }
        statuses: list[str] = []

        def start_response(status: str, _headers: list[tuple[str, str]],
                           _exc: object = None) -> Callable[[bytes], object]:
            statuses.append(status)
            return lambda _data: None

        body = b"".join(wsgi(environ, start_response))

    assert statuses == ["200 OK"]
    assert "qui s'occupe de quoi" in text_of(json.loads(body))


def test_the_wsgi_factory_names_a_missing_setting_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)

    with pytest.raises(SystemExit) as stopped:
        create_wsgi_app()

    assert stopped.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "SLACK_SIGNING_SECRET" in line
    assert not (tmp_path / "db.sqlite").exists()
