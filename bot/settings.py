"""Settings read from the environment and from a ``.env`` file."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting could not be read; the message is one line, for the person starting the bot."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///ent-bot.db")
    bot_language: Literal["fr", "en"] = "fr"
    timezone: str = "Europe/Paris"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = Field(default=3000, ge=1, le=65535)
    http_threads: int = Field(default=8, ge=1, le=64)
    http_max_body: int = Field(default=1_048_576, ge=16_384, le=16_777_216)
    http_timeout: int = Field(default=10, ge=1, le=300)
    """Seconds a client may stay silent mid-request (or idle between requests) before its
    connection is closed."""
    personal_retention_months: int = Field(default=12, ge=1, le=120)
    """Months after a project is closed before its people are pseudonymised."""
    uninstall_grace_days: int = Field(default=30, ge=0, le=365)
    """Days after the app is uninstalled from a workspace before its data is deleted."""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return value


def load_settings(env_file: str | None = ".env") -> Settings:
    """Read the settings, turning any error into a one-line :class:`SettingsError`."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        raise SettingsError(f"{name}: {first['msg']}") from None
