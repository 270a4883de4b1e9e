"""The command line's subcommands besides the console (their arguments here, so that
``ent-bot console`` loads none of their modules): ``ecoles importer``, ``importer``,
``export``, ``digests`` and ``rgpd``."""

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


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schools = sub.add_parser("ecoles", aliases=["schools"], help="the perimeter of schools")
    schools.add_argument("action", choices=["importer", "import"])
    schools.add_argument("file", help="national school directory export (CSV)")
    schools.add_argument("filters", nargs="*", help="type:college statut:public commune:…")
    _common(schools)
    matrix = sub.add_parser("importer", aliases=["import"],
                            help="the matrix from a spreadsheet (CSV), after confirmation")
    matrix.add_argument("file", help="one row per competence: competence;entity;sourcing;…")
    matrix.add_argument("--oui", "--yes", dest="yes", action="store_true",
                        help="apply without asking")
    _common(matrix)
    handover = sub.add_parser("export", help="the project's handover document")
    handover.add_argument("--format", default="md", choices=["md", "csv", "ods"])
    handover.add_argument("--output", default=None, help="file to write (default: from the name)")
    _common(handover)
    digests = sub.add_parser("digests", aliases=["syntheses"],
                             help="send the digests and reminders that are due")
    digests.add_argument("--due", action="store_true", required=True,
                         help="run one pass: queue what is due, send the outbox")
    digests.add_argument("--at", default=None, help="as if it were this instant (ISO 8601)")
    digests.add_argument("--dry-run", action="store_true", help="print, send nothing")
    rgpd = sub.add_parser("rgpd", help="personal data: retention")
    rgpd.add_argument("action", choices=["purge"])
    rgpd.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    rgpd.add_argument("--at", default=None, help="as if it were this instant (ISO 8601)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--projet", "--project", dest="project", default=None,
                        help="the project's name (default: the console's project)")
    parser.add_argument("--user", default=None, help="who does it (default: $USER)")


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
