"""Settings read from the environment and from a ``.env`` file.

A frozen dataclass checked by hand rather than a pydantic model: the console reads its
settings before its first prompt, and pydantic's import alone cost it a third of a second.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")


class Expected(Enum):
    """What a setting should look like, for the one-line start-up error."""

    INTEGER = "integer"
    LANGUAGE = "language"
    TIMEZONE = "timezone"
    DATABASE_URL = "database_url"


class SettingsError(Exception):
    """A setting could not be read: which one, its value and what was expected."""

    def __init__(self, setting: str, value: str, expected: Expected,
                 bounds: tuple[int, int] | None = None) -> None:
        super().__init__(f"{setting}: {expected.value}")
        self.setting = setting
        self.value = value[:60]
        self.expected = expected
        self.bounds = bounds

    def data(self) -> dict[str, object]:
        """The values of the ``startup_error`` message."""
        low, high = self.bounds or (None, None)
        return {"setting": self.setting, "value": self.value,
                "expected": self.expected.value, "low": low, "high": high}


BOUNDS: dict[str, tuple[int, int]] = {
    "port": (1, 65535),
    "http_threads": (1, 64),
    "http_max_body": (16_384, 16_777_216),
    "http_timeout": (1, 300),
    "personal_retention_months": (1, 120),
    "uninstall_grace_days": (0, 365),
}
"""The integer settings and the range each must fall in."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = "sqlite:///ent-bot.db"
    bot_language: Language = "fr"
    timezone: str = "Europe/Paris"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    http_threads: int = 8
    http_max_body: int = 1_048_576
    http_timeout: int = 10
    """Seconds a client may stay silent mid-request (or idle between requests) before its
    connection is closed."""
    personal_retention_months: int = 12
    """Months after a project is closed before its people are pseudonymised."""
    uninstall_grace_days: int = 30
    """Days after the app is uninstalled from a workspace before its data is deleted."""

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("sqlite", "postgresql")):
            scheme = self.database_url.partition(":")[0]  # never the password
            raise SettingsError("DATABASE_URL", scheme, Expected.DATABASE_URL)
        if self.bot_language not in LANGUAGES:
            raise SettingsError("BOT_LANGUAGE", self.bot_language, Expected.LANGUAGE)
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError("TIMEZONE", self.timezone, Expected.TIMEZONE) from None
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise SettingsError(name.upper(), str(value), Expected.INTEGER, (low, high))


def load_settings(env_file: str | None = ".env",
                  environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from the environment, then ``env_file``, then the defaults.

    Names are matched without regard to case; an empty value counts as unset.
    Raises :class:`SettingsError` for the first value that cannot be used.
    """
    raw = _from_file(env_file)
    raw.update({key.lower(): value for key, value in (environ or os.environ).items()})
    values: dict[str, Any] = {}
    for field in fields(Settings):
        text = (raw.get(field.name) or "").strip()
        if not text:
            continue
        if field.name in BOUNDS:
            try:
                values[field.name] = int(text)
            except ValueError:
                raise SettingsError(field.name.upper(), text, Expected.INTEGER,
                                    BOUNDS[field.name]) from None
        elif field.name == "bot_language":
            values[field.name] = cast(Language, text.lower())
        else:
            values[field.name] = text
    return Settings(**values)


def _from_file(env_file: str | None) -> dict[str, str]:
    if env_file is None or not os.path.isfile(env_file):
        return {}
    from dotenv import dotenv_values

    return {key.lower(): value for key, value in dotenv_values(env_file).items()
            if value is not None}
