"""The local console: the same commands and conversation as Slack, on standard input."""

from __future__ import annotations

from typing import TextIO

from bot.app import Application
from services.turn import Caller, Reply

WORKSPACE = "local"
CHANNEL = "console"


def parse_line(line: str) -> tuple[str, str] | None:
    """Split ``/ent statut`` into (``/ent``, ``statut``); None for a plain message."""
    if not line.startswith("/"):
        return None
    command, _, text = line.partition(" ")
    return command, text


def run(app: Application, user: str, stdin: TextIO, stdout: TextIO) -> int:
    caller = Caller(
        workspace_id=WORKSPACE,
        user_id=user,
        channel_id=CHANNEL,
        language=app.settings.bot_language,
        timezone=app.settings.timezone,
    )
    interactive = stdin.isatty()
    if interactive:
        _print(app, stdout, [Reply("console_intro", language=caller.language)])
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        parsed = parse_line(line.lstrip())
        if parsed is None:
            replies = app.assistant.message(caller, line)
        else:
            replies = app.assistant.command(caller, *parsed)
        _print(app, stdout, replies)


def _print(app: Application, stdout: TextIO, replies: list[Reply]) -> None:
    for reply in replies:
        stdout.write(app.messages.plain(reply.template, reply.data, reply.language) + "\n\n")
    stdout.flush()
