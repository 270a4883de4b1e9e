"""The local console: the same commands and conversation as Slack, on standard input.

The console shows its prompt before it opens the database: the application (database,
services, templates) is built at the first typed line, and on a terminal it is built in
the background as soon as the prompt is shown, so that typing hides its loading time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.app import Application
    from bot.console_render import Terminal
    from bot.settings import Settings
    from messages.render import Messages
    from services.turn import Reply

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


class Opening:
    """The application, built once: at the first line, or in the background on a terminal.

    ``open_app`` raises :class:`bot.app.StartupError` when the database cannot be used.
    """

    def __init__(self, open_app: Callable[[], Application]) -> None:
        self._open_app = open_app
        self._app: Application | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Build the application in the background, while the user reads the prompt."""
        self._thread = threading.Thread(target=self._build, name="console-open", daemon=True)
        self._thread.start()

    def get(self) -> Application:
        if self._thread is not None:
            self._thread.join()
        else:
            self._build()
        if self._error is not None:
            raise self._error
        assert self._app is not None
        return self._app

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._app is not None:
            self._app.close()

    def _build(self) -> None:
        with self._lock:
            if self._app is not None or self._error is not None:
                return
            try:
                self._app = self._open_app()
            except BaseException as error:  # re-raised in the main thread by get()
                self._error = error


def run(
    open_app: Callable[[], Application],
    settings: Settings,
    user: str,
    stdin: TextIO,
    stdout: TextIO,
) -> int:
    """Read lines until the end of the input; 0 then. Raises :class:`bot.app.StartupError`
    (at the first line) when the database cannot be used."""
    interactive = stdin.isatty()
    read = _line_reader(stdin, stdout, interactive)
    opening = Opening(open_app)
    try:
        if interactive:
            from messages.render import Messages
            from services.turn import Reply

            intro = Reply("console_intro", language=settings.bot_language)
            _print(_terminal(Messages(settings.timezone), stdout), [intro])
            opening.start()
        _session(opening, settings, user, read, stdout)
    finally:
        opening.close()
    return 0


def _session(
    opening: Opening,
    settings: Settings,
    user: str,
    read: Callable[[], str | None],
    stdout: TextIO,
) -> None:
    line = _next_line(read)
    if line is None:
        return
    from dataclasses import replace

    from bot import console_files
    from services.turn import Caller

    app = opening.get()
    caller = Caller(
        workspace_id=WORKSPACE,
        user_id=user,
        channel_id=CHANNEL,
        language=settings.bot_language,
        timezone=settings.timezone,
    )
    terminal = _terminal(app.messages, stdout)
    while line is not None:
        parsed = parse_line(line.lstrip())
        if parsed is None:
            sent = datetime.now(UTC).replace(tzinfo=None)
            replies = app.assistant.message(replace(caller, sent_at=sent), line)
        else:
            handled = console_files.handle(app, caller, *parsed)
            replies = handled if handled is not None else app.assistant.command(caller, *parsed)
        _print(terminal, replies)
        line = _next_line(read)


def _next_line(read: Callable[[], str | None]) -> str | None:
    """The next line that is not blank, without its end of line; None at the end."""
    while True:
        line = read()
        if line is None:
            return None
        line = line.rstrip("\r\n")
        if line.strip():
            return line


def _terminal(messages: Messages, stdout: TextIO) -> Terminal:
    from bot.console_render import Terminal

    return Terminal(messages, stdout, color=_is_terminal(stdout))


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


def _print(terminal: Terminal, replies: list[Reply]) -> None:
    for reply in replies:
        try:
            terminal.show(reply)
        except OSError:
            raise  # the reader went away: cli.main stops quietly
        except Exception:
            log.exception("could not render %s (code %s)", reply.template,
                          reply.data.get("code"))
            from services.turn import Reply

            terminal.show(Reply("internal_error", language=reply.language))
    terminal.flush()
