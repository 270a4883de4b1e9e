"""What can go wrong with the database, in words the services understand (no driver types)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
"""Serialization failure and deadlock: the transaction may simply be run again."""
TIMEOUT_SQLSTATES = frozenset({"55P03", "57014"})
"""Lock timeout and statement timeout: the database is too busy to answer in time."""


class DatabaseError(Exception):
    """The database could not serve the request; nothing was changed."""


class Busy(DatabaseError):
    """Too many changes at once, or a wait ran out: try again in a moment."""


class Unavailable(DatabaseError):
    """The database cannot be reached."""


def _sqlstate(error: BaseException) -> str | None:
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def should_retry(error: BaseException) -> bool:
    """A conflict with another transaction, worth running the whole transaction again."""
    if isinstance(error, exc.IntegrityError):
        return True
    if isinstance(error, exc.OperationalError) and _sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    return _sqlite_locked(error)


def _sqlite_locked(error: BaseException) -> bool:
    """SQLite's write lock was taken (raised by the driver itself when a transaction
    begins, wrapped by SQLAlchemy elsewhere)."""
    if not isinstance(error, exc.OperationalError | sqlite3.OperationalError):
        return False
    message = str(getattr(error, "orig", error)).lower()
    return "database is locked" in message or "database is busy" in message


def classify(error: BaseException) -> DatabaseError | None:
    """The :class:`DatabaseError` an engine error stands for, or None for a bug."""
    if isinstance(error, exc.TimeoutError):
        return Busy("no free connection")
    if _sqlite_locked(error):
        return Busy("locked")
    if isinstance(error, exc.DBAPIError):
        state = _sqlstate(error)
        if state in TIMEOUT_SQLSTATES or should_retry(error):
            return Busy(state or "busy")
        if error.connection_invalidated or isinstance(error, exc.OperationalError):
            return Unavailable(type(getattr(error, "orig", error)).__name__)
        if isinstance(error, exc.InterfaceError):
            return Unavailable(type(getattr(error, "orig", error)).__name__)
    return None
