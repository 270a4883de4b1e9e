"""The schema: migrations match the models, upgrades are repeatable, the catalogue is seeded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from bot.app import Application
from storage.db import make_engine, upgrade
from storage.sheet import SHEET


def test_migrations_produce_exactly_the_models_schema(app: Application) -> None:
    with app.database.engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_upgrade_twice_is_harmless_and_seeds_the_19_competences_once(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    from storage.store import Database

    with Database(engine).transaction() as store:
        store.create_project("T1", "P", "C1", "me", "fr", "Europe/Paris")
        project = store.project_for_channel("T1", "C1")
        assert project is not None
        competences = store.competences(project.id)
    engine.dispose()
    assert [c.number for c in competences] == list(range(1, 20))
    assert [c.code for c in competences] == [item.code for item in SHEET]
    assert competences[7].families == ("technique", "fonctionnel")


def test_db_upgrade_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///fresh.db"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{tmp_path}/fresh.db")
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
    engine.dispose()
