"""Fixtures: a real database per test (a SQLite file, or PostgreSQL when
``ENT_BOT_TEST_POSTGRES_URL`` names a server), and the app built on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from bot.app import Application, build
from bot.settings import Settings
from storage.db import make_engine, upgrade

POSTGRES_ENV = "ENT_BOT_TEST_POSTGRES_URL"
_TEMPLATE = f"ent_bot_template_{os.getpid()}"


def _admin_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """Migrate once into a template database; each test then copies it."""
    admin_url = _admin_url()
    if admin_url is None:
        yield None
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"'))
        conn.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
    engine = make_engine(_with_database(admin_url, _TEMPLATE))
    upgrade(engine)
    engine.dispose()
    yield admin_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: object, postgres_template: str | None) -> Iterator[str]:
    if postgres_template is None:
        yield f"sqlite:///{tmp_path}/ent-bot.db"
        return
    name = f"ent_bot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_template, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE}"'))
    yield _with_database(postgres_template, name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Application]:
    application = build(settings)
    yield application
    application.close()
