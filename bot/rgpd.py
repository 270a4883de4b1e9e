"""``ent-bot rgpd purge [--dry-run] [--at DATETIME]``: retention on demand."""

from __future__ import annotations

import argparse
import sys

from bot.app import Application
from bot.cli_args import parse_at
from services import retention


def run(app: Application, args: argparse.Namespace) -> int:
    try:
        at = parse_at(args.at)
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
