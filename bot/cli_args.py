"""The arguments of the command line's subcommands besides the console: ``ecoles
importer``, ``importer``, ``export``, ``digests`` and ``rgpd``. Only ``argparse`` here,
so that ``ent-bot console`` loads none of their modules."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime


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


def parse_at(text: str | None) -> datetime | None:
    """``--at``: an ISO 8601 instant (with its offset; without, UTC) → naive UTC."""
    if text is None:
        return None
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)
