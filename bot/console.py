"""The local console: the same commands and conversation as Slack, on standard input."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TextIO

from bot import console_files
from bot.app import Application
from services.turn import Caller, Reply

log = logging.getLogger(__name__)

WORKSPACE = "local"
CHANNEL = "console"


def parse_line(line: str) -> tuple[str, str] | None:
    """Split ``/ent statut`` into (``/ent``, ``statut``); None for a plain message.

    The command ends at the first whitespace, a tab as well as a space, like in Slack.
    """
    if not line.startswith("/"):
        return None
    parts = line.split(maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


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
            sent = datetime.now(UTC).replace(tzinfo=None)
            replies = app.assistant.message(replace(caller, sent_at=sent), line)
        else:
            handled = console_files.handle(app, caller, *parsed)
            replies = handled if handled is not None else app.assistant.command(caller, *parsed)
        _print(app, stdout, replies)


def _print(app: Application, stdout: TextIO, replies: list[Reply]) -> None:
    for reply in replies:
        stdout.write(_text(app, reply) + "\n\n")
    stdout.flush()


def _text(app: Application, reply: Reply) -> str:
    """The reply as text; a reply that can't be rendered says so and the console goes on."""
    try:
        return app.messages.plain(reply.template, reply.data, reply.language)
    except Exception:
        log.exception("could not render %s (code %s)", reply.template, reply.data.get("code"))
        return app.messages.plain("internal_error", {}, reply.language)
