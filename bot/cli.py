"""``ent-bot``: the console, the Slack app, and database upgrades."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from bot import cli_files, console
from bot.app import build
from bot.logs import install as install_log_filter
from bot.settings import Settings, SettingsError, load_settings
from messages.render import Messages
from storage.db import describe, make_engine, unreachable, upgrade


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ent-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    console_parser = sub.add_parser("console", help="local console on standard input")
    console_parser.add_argument("--user", default=None, help="who is typing (default: $USER)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("run", help="start the Slack app")
    cli_files.add_parsers(sub)
    return parser


def _settings() -> Settings | None:
    try:
        return load_settings()
    except SettingsError as exc:
        setting, _, detail = str(exc).partition(": ")
        print(
            Messages().plain("startup_error", {"setting": setting, "detail": detail}),
            file=sys.stderr,
        )
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = _settings()
    if settings is None:
        return 2
    install_log_filter(settings.slack_signing_secret)
    problem = unreachable(settings.database_url)
    if problem is not None:
        where = describe(settings.database_url)
        print(Messages().plain("database_unreachable", {"where": where, "detail": problem},
                               settings.bot_language), file=sys.stderr)
        return 3
    if args.command == "db":
        engine = make_engine(settings.database_url)
        upgrade(engine)
        engine.dispose()
        return 0
    if args.command == "run":
        from bot.slack.server import serve

        return serve(settings)
    app = build(settings)
    try:
        if args.command == "rgpd":
            from bot import rgpd

            return rgpd.run(app, args)
        if args.command in {"digests", "syntheses"}:
            from bot import scheduler

            return scheduler.run_cli(app, args)
        user = args.user or _default_user()
        if args.command in {"ecoles", "schools"}:
            return cli_files.run_schools(app, args, user)
        if args.command in {"importer", "import"}:
            return cli_files.run_matrix(app, args, user, sys.stdin)
        if args.command == "export":
            return cli_files.run_export(app, args, user)
        return console.run(app, user, sys.stdin, sys.stdout)
    except BrokenPipeError:
        # The reader went away (``ent-bot console | head``): stop quietly, like other tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        app.close()


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"


if __name__ == "__main__":
    sys.exit(main())
