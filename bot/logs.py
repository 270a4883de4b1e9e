"""Logs carry ids, never personal data: the filter ``ent-bot`` puts on its log handlers.

The project's own log lines name workspaces, channels, projects and competences by id
and people by pseudonym (:func:`services.log_ids.user_ref`). Libraries are less careful:
at DEBUG, slack_sdk prints every request and response body and Bolt every answer it
sends (names, typed text, notes), and SQLAlchemy's INFO echo prints statements. So the
filter drops the libraries' lines below WARNING, and replaces any Slack user id left in
a line or a traceback by its pseudonym.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from services.log_ids import scrub_user_ids, set_key

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = tuple(str(ROOT / name) + os.sep for name in ("bot", "services", "storage", "messages"))
"""Where the project's own code lives; lines logged from elsewhere are the libraries'."""


def is_ours(record: logging.LogRecord) -> bool:
    """Whether the line was logged by the project's code (whatever the logger's name:
    Bolt logs through the app's logger)."""
    return record.pathname.startswith(PACKAGES)


class PersonalDataFilter(logging.Filter):
    """Drops the libraries' debug and info lines; pseudonymises Slack user ids in the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and not is_ours(record):
            return False
        message = record.getMessage()
        scrubbed = scrub_user_ids(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_user_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_user_ids(record.stack_info)
        return True


def install(
    secret: str | None = None, handlers: Iterable[logging.Handler] | None = None
) -> None:
    """Key the pseudonyms with ``secret`` and filter ``handlers`` (default: the root
    logger's, or the last-resort handler that prints warnings when it has none), once each."""
    set_key(secret)
    if handlers is None:
        handlers = logging.getLogger().handlers or [
            handler for handler in (logging.lastResort,) if handler is not None
        ]
    for handler in handlers:
        if not any(isinstance(known, PersonalDataFilter) for known in handler.filters):
            handler.addFilter(PersonalDataFilter())
