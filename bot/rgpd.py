"""``ent-bot rgpd purge [--dry-run] [--at DATETIME]``: retention on demand."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.app import Application
from services import retention


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rgpd = sub.add_parser("rgpd", help="personal data: retention")
    rgpd.add_argument("action", choices=["purge"])
    rgpd.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    rgpd.add_argument("--at", default=None, help="as if it were this instant (ISO 8601)")


def _at(text: str | None) -> datetime | None:
    if text is None:
        return None
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)


def run(app: Application, args: argparse.Namespace) -> int:
    try:
        at = _at(args.at)
    except ValueError:
        print(app.messages.plain("rgpd_purged", {"bad_at": args.at},
                                 app.settings.bot_language), file=sys.stderr)
        return 2
    settings = app.settings
    done = retention.purge(app.database, at, settings.personal_retention_months,
                           settings.uninstall_grace_days, dry_run=args.dry_run)
    print(app.messages.plain("rgpd_purged", {"done": done, "dry_run": args.dry_run},
                             settings.bot_language))
    return 0
