"""``ent-bot``: the console, the Slack app, and database upgrades.

Each subcommand imports what it needs when it runs: ``ent-bot console`` shows its prompt
before the database layer is loaded.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from bot import cli_args
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import StartupError, check_database

if TYPE_CHECKING:
    from bot.app import Application

EXIT_SETTINGS = 2
EXIT_DATABASE = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ent-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    console_parser = sub.add_parser("console", help="local console on standard input")
    console_parser.add_argument("--user", default=None, help="who is typing (default: $USER)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    sub.add_parser("run", help="start the Slack app")
    cli_args.add_parsers(sub)
    return parser


def _say(template: str, data: dict[str, object], language: str = "fr") -> None:
    """One line on standard error, for the person starting the bot."""
    from messages.render import Messages

    print(Messages().plain(template, data, language), file=sys.stderr)


def _settings() -> Settings | None:
    try:
        return load_settings()
    except SettingsError as exc:
        _say("startup_error", exc.data())
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = _settings()
    if settings is None:
        return EXIT_SETTINGS
    from bot.logs import install as install_log_filter

    install_log_filter(settings.slack_signing_secret)
    try:
        return _command(args, settings)
    except StartupError as exc:
        _say(exc.template, dict(exc.data), settings.bot_language)
        return EXIT_DATABASE
    except BrokenPipeError:
        # The reader went away (``ent-bot console | head``): stop quietly, like other tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _open_app(settings: Settings) -> Application:
    from bot.app import open_app

    return open_app(settings)


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "console":
        from bot import console

        user = args.user or _default_user()
        return console.run(partial(_open_app, settings), settings, user, sys.stdin, sys.stdout)
    if args.command == "db":
        from storage.db import make_engine, upgrade

        check_database(settings)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        engine.dispose()
        return 0
    if args.command == "run":
        from bot.slack.server import serve

        check_database(settings)
        return serve(settings)
    from bot import cli_files

    app = _open_app(settings)
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
        return cli_files.run_export(app, args, user)
    finally:
        app.close()


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console"


if __name__ == "__main__":
    sys.exit(main())
