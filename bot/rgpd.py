"""``ent-bot rgpd purge [--dry-run] [--at DATETIME]``: retention on demand."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.app import Application
from services import retention


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
