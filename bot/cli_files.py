"""What the command line's file subcommands do: ``ecoles importer``, ``importer`` and
``export`` (their arguments are in :mod:`bot.cli_args`)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot import console, console_files
from bot.app import Application
from services.answers import parse_yes_no
from services.text import normalize
from services.turn import Caller, Reply
from storage.handover import all_projects


def caller_for(app: Application, project_name: str | None, user: str) -> Caller | Reply:
    """The console's project, or the project named ``project_name`` in any workspace."""
    language, timezone = app.settings.bot_language, app.settings.timezone
    if project_name is None:
        return Caller(console.WORKSPACE, user, console.CHANNEL, language, timezone)
    with app.database.transaction() as store:
        projects = all_projects(store.connection)
    key = normalize(project_name)
    found = [p for p in projects if normalize(p[2]) == key]
    if len(found) != 1:
        code = "ambiguous_project" if found else "unknown_project"
        return Reply("cli_project", {"code": code, "fragment": project_name,
                                     "candidates": [p[2] for p in projects][:20]},
                     error=True, language=language)
    workspace, project_id, _name = found[0]
    return Caller(workspace, user, None, language, timezone, project_id=project_id)


class Bar:
    """A progress bar on a terminal: ``[#####.....] 2500/5000``."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def print_replies(app: Application, replies: list[Reply]) -> int:
    """Print the replies; exit status 1 if one is an error."""
    for reply in replies:
        stream = sys.stderr if reply.error else sys.stdout
        stream.write(app.messages.plain(reply.template, reply.data, reply.language) + "\n")
    return 1 if any(reply.error for reply in replies) else 0


def run_schools(app: Application, args: argparse.Namespace, user: str) -> int:
    caller = caller_for(app, args.project, user)
    if isinstance(caller, Reply):
        return print_replies(app, [caller])
    progress = Bar(sys.stderr) if sys.stderr.isatty() else None
    replies = console_files.import_schools(app, caller, args.file, tuple(args.filters), progress)
    return print_replies(app, replies)


def run_matrix(app: Application, args: argparse.Namespace, user: str, stdin: TextIO) -> int:
    """Show what the file changes, then apply it if confirmed (``--oui``, or ``oui`` typed)."""
    caller = caller_for(app, args.project, user)
    if isinstance(caller, Reply):
        return print_replies(app, [caller])
    replies = console_files.import_matrix(app, caller, args.file)
    status = print_replies(app, replies)
    if status or not any(r.data.get("pending") for r in replies):
        return status
    answer = True if args.yes else parse_yes_no(_read_answer(stdin)) is True
    return print_replies(app, app.assistant.confirm(caller, answer))


def _read_answer(stdin: TextIO) -> str:
    if stdin.isatty():
        sys.stdout.write("> ")
        sys.stdout.flush()
    return stdin.readline()


def run_export(app: Application, args: argparse.Namespace, user: str) -> int:
    caller = caller_for(app, args.project, user)
    if isinstance(caller, Reply):
        return print_replies(app, [caller])
    from bot.export import write_export

    return print_replies(app, write_export(app, caller, args.format, args.output))
