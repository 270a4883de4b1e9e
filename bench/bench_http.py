"""Signed ``/ent statut`` through the production HTTP server (``HttpServer``, waitress),
against a bare Bolt app whose listener only acknowledges, served the same way.

SQLite with 1,000 seeded projects; each server runs in its own process (what ``ent-bot
run`` does), the clients in this one, on loopback with keep-alive connections. For 1, 4
and 16 concurrent clients, the two servers take turns in blocks (shuffled order) so drift
hits both alike. Prints requests/s, median, p95 and p99 (ms) side by side.

Run: ``.venv/bin/python bench/bench_http.py [--requests N] [--projects N]``
Exit status 1 if a target is missed: at 16 clients, p99 under 100 ms and at least 40% of
the bare app's throughput.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bench.seed import WORKSPACE, seed
from bot.app import build
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.server import HttpServer
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack

SECRET = "bench-signing-secret"
USER = "U0BENCH01"
CLIENTS = (1, 4, 16)
P99_BUDGET_MS = 100.0
THROUGHPUT_SHARE = 0.40


def serve(kind: str, port: int, database_url: str, api_url: str, token: str) -> None:
    """Child process: one server until SIGTERM."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 16 clients > 8 threads
    settings = Settings(
        database_url=database_url, slack_bot_token=token,
        slack_signing_secret=SECRET, slack_api_url=api_url,
    )
    if kind == "bot":
        application = build(settings, migrate=False)
        app = create_app(application)
    else:
        app = App(client=WebClient(base_url=api_url, token=token), signing_secret=SECRET,
                  process_before_response=True, token_verification_enabled=False)

        def ack_only(ack: Ack) -> None:
            ack()

        app.command("/ent")(ack_only)
    server = HttpServer(app, host="127.0.0.1", port=port, threads=settings.http_threads)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    server.serve_forever()


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen[bytes]
    latencies: dict[int, list[float]] = field(default_factory=dict)
    busy: dict[int, float] = field(default_factory=dict)
    """Seconds of wall time spent serving each client count's requests."""


def start(kind: str, database_url: str, fake: FakeSlack) -> Server:
    port = _free_port()
    process = subprocess.Popen([
        sys.executable, __file__, "--serve", kind, "--port", str(port),
        "--database-url", database_url, "--api-url", fake.base_url, "--token", fake.token,
    ])
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return Server(kind, port, process)
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed(channel: str) -> tuple[bytes, dict[str, str]]:
    request = sr.slash_command("/ent", "statut", user_id=USER, channel_id=channel,
                               team_id=WORKSPACE)
    return request.body.encode(), request.headers(SECRET)


def block(server: Server, clients: int, requests: list[tuple[bytes, dict[str, str]]]) -> None:
    """Send ``requests`` from ``clients`` threads (one keep-alive connection each)."""
    shares = [requests[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    ready = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        ready.wait()
        for body, headers in shares[number]:
            begin = time.perf_counter()
            connection.request("POST", "/slack/events", body, headers)
            answer = connection.getresponse()
            text = answer.read()
            latencies[number].append((time.perf_counter() - begin) * 1000)
            if answer.status != 200 or (server.kind == "bot"
                                        and "qui s'occupe de quoi" not in text.decode()):
                failures.append(f"{server.kind}: {answer.status} {text[:120]!r}")
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join()
    server.busy[clients] = server.busy.get(clients, 0.0) + time.perf_counter() - begin
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, first: {failures[0]}")
    server.latencies.setdefault(clients, []).extend(v for share in latencies for v in share)


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000, help="per server and client count")
    parser.add_argument("--block", type=int, default=200, help="requests per timed block")
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", choices=["bot", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.database_url, args.api_url, args.token)
        return 0
    rng = random.Random(args.seed)
    channels = [f"C{n:06d}" for n in rng.sample(range(args.projects), args.channels)]
    with tempfile.TemporaryDirectory() as folder, FakeSlack(
        channel_members={channel: [USER, sr.BOT_USER_ID] for channel in channels}
    ) as fake:
        database_url = f"sqlite:///{folder}/bench.db"
        application = build(Settings(database_url=database_url))
        seed(application.database, args.projects)
        application.close()
        servers = [start("bot", database_url, fake), start("bare", database_url, fake)]
        try:
            for server in servers:  # warm-up: membership cache, SQLite pages
                block(server, 4, [signed(channel) for channel in channels])
                server.latencies.clear()
                server.busy.clear()
            for clients in CLIENTS:
                done = 0
                while done < args.requests:
                    size = min(args.block, args.requests - done)
                    rng.shuffle(servers)
                    for server in servers:
                        batch = [signed(channels[(done + i) % len(channels)])
                                 for i in range(size)]
                        block(server, clients, batch)
                    done += size
        finally:
            for server in servers:
                server.process.send_signal(signal.SIGTERM)
                server.process.wait(timeout=15)
    by_kind = {server.kind: server for server in servers}
    print(f"{args.projects} projects, {args.requests} signed /ent statut per row, "
          f"{os.cpu_count()} CPUs, server threads {Settings().http_threads}")
    print(f"{'server':6} {'clients':>7} {'req/s':>8} {'median':>8} {'p95':>8} {'p99':>8} (ms)")
    throughput: dict[tuple[str, int], float] = {}
    p99: dict[tuple[str, int], float] = {}
    for clients in CLIENTS:
        for kind in ("bot", "bare"):
            server = by_kind[kind]
            ordered = sorted(server.latencies[clients])
            rate = len(ordered) / server.busy[clients]
            throughput[(kind, clients)] = rate
            p99[(kind, clients)] = percentile(ordered, 0.99)
            print(f"{kind:6} {clients:7d} {rate:8.0f} {statistics.median(ordered):8.1f} "
                  f"{percentile(ordered, 0.95):8.1f} {p99[(kind, clients)]:8.1f}")
        share = throughput[("bot", clients)] / throughput[("bare", clients)]
        print(f"{'':6} {clients:7d} bot/bare throughput {share:5.0%}")
    top = CLIENTS[-1]
    share = throughput[("bot", top)] / throughput[("bare", top)]
    ok = p99[("bot", top)] < P99_BUDGET_MS and share >= THROUGHPUT_SHARE
    print(f"targets at {top} clients: p99 {p99[('bot', top)]:.1f} ms (< {P99_BUDGET_MS:.0f}), "
          f"throughput {share:.0%} of bare (>= {THROUGHPUT_SHARE:.0%}): "
          f"{'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
