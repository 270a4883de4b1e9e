"""The local console: the same commands and conversation as Slack, on standard input."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TextIO

from bot import console_files
from bot.app import Application
from bot.console_render import Terminal
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
    terminal = Terminal(app.messages, stdout, color=_is_terminal(stdout))
    read = _line_reader(stdin, stdout, interactive)
    if interactive:
        _print(app, terminal, [Reply("console_intro", language=caller.language)])
    while True:
        line = read()
        if line is None:
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
        _print(app, terminal, replies)


def _is_terminal(stdout: TextIO) -> bool:
    """Colours and styles only on a terminal, and never when ``NO_COLOR`` is set."""
    return stdout.isatty() and not os.environ.get("NO_COLOR")


def _line_reader(stdin: TextIO, stdout: TextIO, interactive: bool) -> Callable[[], str | None]:
    """The next typed line, or None at the end. Interactive, with line editing and
    history (readline) when the console reads the process's own terminal."""
    if interactive and stdin is sys.stdin and stdout is sys.stdout:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (input() edits lines once it is loaded)

        def prompt() -> str | None:
            try:
                return input("> ")
            except (EOFError, KeyboardInterrupt):
                stdout.write("\n")
                return None

        return prompt

    def plain() -> str | None:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        return stdin.readline() or None

    return plain


def _print(app: Application, terminal: Terminal, replies: list[Reply]) -> None:
    for reply in replies:
        try:
            terminal.show(reply)
        except OSError:
            raise  # the reader went away: cli.main stops quietly
        except Exception:
            log.exception("could not render %s (code %s)", reply.template,
                          reply.data.get("code"))
            terminal.show(Reply("internal_error", language=reply.language))
    terminal.flush()
