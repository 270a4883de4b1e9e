"""Commands that read a local file, for the console and the command line only.

Slack users never name a path on the bot's server: these commands are only recognised here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot import personal_files
from bot.app import Application
from services import commands, matrix_import, school_import
from services.turn import Caller, Reply, Turn

if TYPE_CHECKING:
    from services.schools import Progress

ENT = "/ent"


def read_file(path: str) -> bytes | str:
    """The file's bytes (at most one byte over the import limit), or an error code."""
    file = Path(path).expanduser()
    if not file.is_file():
        return "file_not_found"
    try:
        with file.open("rb") as handle:
            return handle.read(school_import.MAX_BYTES + 1)
    except OSError:
        return "unreadable"


def import_schools(
    app: Application,
    caller: Caller,
    path: str,
    filters: tuple[str, ...],
    progress: Progress | None = None,
) -> list[Reply]:
    from services import schools

    data = read_file(path)
    name = Path(path).name or path

    def action(turn: Turn) -> list[Reply]:
        if isinstance(data, str):
            return [turn.error("schools_error", code=data, fragment=path, usage="import")]
        return schools.import_file(turn, data, name, filters, progress)

    return app.assistant.run(caller, action)


def import_people(
    app: Application, caller: Caller, path: str, words: tuple[str, ...]
) -> list[Reply]:
    from services import school_people

    data = read_file(path)
    name = Path(path).name or path

    def action(turn: Turn) -> list[Reply]:
        if isinstance(data, str):
            return [turn.error("schools_error", code=data, fragment=path, usage="people")]
        return school_people.people_file(turn, data, name, words)

    return app.assistant.run(caller, action)


def import_matrix(app: Application, caller: Caller, path: str) -> list[Reply]:
    """Check a matrix file and show what it would change (``oui`` applies it)."""
    data = read_file(path) if path else "upload_needed"
    name = Path(path).name or path

    def action(turn: Turn) -> list[Reply]:
        if isinstance(data, str):
            return [turn.error("matrix_error", code=data, fragment=path)]
        return matrix_import.check_file(turn, data, name)

    return app.assistant.run(caller, action)


def handle(app: Application, caller: Caller, command: str, text: str) -> list[Reply] | None:
    """Replies for a console line that needs a local file, or None for any other line."""
    if command.strip().lower() != ENT:
        return None
    personal = personal_files.handle(app, caller, text)
    if personal is not None:
        return personal
    sub, rest = commands.subcommand(text)
    if sub == "export":
        from bot.export import write_export
        from services import export as export_service

        fmt, output = export_service.format_and_output(rest.split())
        return write_export(app, caller, fmt, output)
    if sub == "import":
        return import_matrix(app, caller, rest.strip('"'))
    if sub == "schools" and rest:
        from services import schools

        request = schools.file_request(rest)
        if request is not None and request.people:
            return import_people(app, caller, request.path, request.filters)
        if request is not None:
            return import_schools(app, caller, request.path, request.filters)
    return None
