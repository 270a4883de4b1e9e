"""A person's home page costs the same in a workspace of one project as in one of 10,000."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bench.seed import WORKSPACE, seed
from bot.app import Application, build
from bot.settings import Settings
from services import home
from services.turn import Caller, Reply

USER = "U0ALICE01"


@contextmanager
def vm_steps(app: Application) -> Iterator[list[int]]:
    """SQLite's virtual-machine steps (in tens) while the block runs: a measure of the
    work the queries do that does not depend on the machine."""
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    def on_checkout(dbapi: Any, _record: Any, _proxy: Any) -> None:
        dbapi.set_progress_handler(count, 10)

    engine = app.database.engine
    event.listen(engine, "checkout", on_checkout)
    try:
        yield counted
    finally:
        event.remove(engine, "checkout", on_checkout)


def home_page(app: Application) -> list[Reply]:
    return app.assistant.run(Caller(WORKSPACE, USER, None), home.home, write=False)


def workspace_with(tmp_path: Path, projects: int) -> Application:
    app = build(Settings(database_url=f"sqlite:///{tmp_path}/p{projects}.db"))
    seed(app.database, projects=projects, history_per_project=0)
    alice = Caller(WORKSPACE, USER, "C0ALICE01")
    bob = Caller(WORKSPACE, "U0BOB0001", "C0ALICE01")
    app.assistant.command(alice, "/ent", "projet creer Le projet d'Alice")
    app.assistant.command(bob, "/ent", "entite ajouter Éditeur")
    replies = app.assistant.command(bob, "/ent-assign", f"7 Éditeur externe <@{USER}>")
    assert replies[0].template == "assigned"
    return app


def test_the_home_lookup_does_not_grow_with_the_workspace(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("counts SQLite's virtual-machine steps")
    costs = []
    for projects in (1, 10_000):
        app = workspace_with(tmp_path, projects)
        try:
            home_page(app)
            with vm_steps(app) as steps:
                replies = home_page(app)
            page = replies[0].data["projects"]
            assert [p.project.name for p in page] == ["Le projet d'Alice"]
            assert [held.competence.number for held in page[0].mine] == [7]
            costs.append(steps[0])
        finally:
            app.close()
    small, big = costs
    assert big <= 2 * max(small, 1), costs
