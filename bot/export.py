"""Writing the handover document to a file, for the console and the command line."""

from __future__ import annotations

from pathlib import Path

from bot.app import Application
from services import export
from services.turn import Caller, Reply, Turn


def labels(app: Application, language: str) -> dict[str, str]:
    """The ``key: text`` lines of the labels template, in ``language``."""
    found: dict[str, str] = {}
    for line in app.messages.plain("export_labels", {}, language).splitlines():
        key, sep, text = line.partition(": ")
        if sep and key and " " not in key:
            found[key.strip()] = text.strip()
    return found


def content(app: Application, handover: export.Handover, fmt: str, language: str) -> bytes:
    """The document's bytes in ``fmt`` (``md``, ``csv`` or ``ods``)."""
    if fmt == "md":
        text = app.messages.plain("export_md", {"h": handover}, language)
        return (text + "\n").encode("utf-8")
    sheets = export.sheets(handover, labels(app, language))
    return export.to_csv(sheets) if fmt == "csv" else export.to_ods(sheets)


def write_export(
    app: Application, caller: Caller, format_word: str, output: str | None
) -> list[Reply]:
    """Build the project's handover document and write it to ``output`` (or a default name)."""
    fmt = export.parse_format(format_word)

    def prepare(turn: Turn) -> list[Reply]:
        if fmt is None:
            return [turn.error("export_error", code="bad_format", fragment=format_word)]
        return export.prepare(turn, fmt)

    replies = app.assistant.run(caller, prepare, write=False)
    if fmt is None or not replies or replies[0].error:
        return replies
    reply = replies[0]
    handover: export.Handover = reply.data["handover"]
    data = content(app, handover, fmt, reply.language)
    path = Path(output).expanduser() if output else Path(export.file_name(handover.project, fmt))
    try:
        path.write_bytes(data)
    except OSError:
        return [Reply("export_error", {"code": "cannot_write", "fragment": str(path)},
                      error=True, language=reply.language)]
    return [Reply("export_written", {"format": fmt, "path": str(path)}, language=reply.language)]
