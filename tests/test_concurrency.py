"""Changes at the same time, from several threads and several processes on one database:
none is lost, and the history always replays to the table (SQLite and PostgreSQL)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.turn import Caller, Reply
from storage.models import Entity, HistoryEntry, Project
from storage.store import utcnow
from tests.support.console import ROOT, say
from tests.support.history import replay_problems

T = TypeVar("T")
ENTITIES = ("DSI du Département", "DANE Rennes", "Open Digital Education", "Rectorat", "OVH")
SOURCINGS = ("interne", "externe", "mixte", "")
PEOPLE = ("@alice", "@bob", "@chloe", "@david", "")


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0)`` … ``work(count - 1)`` in threads released together."""
    barrier = threading.Barrier(count)
    results: list[T | None] = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)
    return [r for r in results if r is not None]


def caller(user: str, sent_at: object = None) -> Caller:
    return Caller(WORKSPACE, user, CHANNEL, sent_at=sent_at)  # type: ignore[arg-type]


def project_id(app: Application) -> int:
    with app.database.engine.connect() as conn:
        found = conn.execute(select(Project.id).where(Project.channel_id == CHANNEL)).scalar()
    assert found is not None
    return int(found)


def history_count(app: Application, action: str) -> int:
    with app.database.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(HistoryEntry)
            .where(HistoryEntry.action == action)
        ).scalar_one())


def random_lines(seed: int, count: int) -> list[str]:
    """Conflicting changes: few competences, every field, in a repeatable order."""
    chosen = random.Random(seed)
    lines = []
    for _ in range(count):
        number = chosen.randint(1, 6)
        kind = chosen.random()
        if kind < 0.6:
            parts = [f'/ent-assign {number} "{chosen.choice(ENTITIES)}"',
                     chosen.choice(SOURCINGS), chosen.choice(PEOPLE)]
            lines.append(" ".join(p for p in parts if p))
        elif kind < 0.75:
            lines.append(f"/ent perenne {number} {chosen.choice(['oui', 'non', 'a-decider'])}")
        elif kind < 0.85:
            lines.append(f"/ent contact {number} {chosen.choice(PEOPLE[:-1])}")
        elif kind < 0.95:
            lines.append(f"/ent prestataire {number} Prestataire {chosen.randint(1, 3)}")
        else:
            lines.append(f"/ent desassigner {number}")
    return lines


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "/ent projet creer ENT des collèges d'Ille-et-Vilaine")
    for name in ENTITIES:
        say(app, f'/ent entite ajouter "{name}"')
    return app


def failed(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.template in ("internal_error", "database_unavailable")]


def test_threads_and_processes_never_lose_a_change(project: Application) -> None:
    """Two console processes and four threads change the same six competences at once."""
    url = project.settings.database_url
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "console", "--user", f"process{n}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=ROOT,
            env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
        )
        for n in range(2)
    ]

    def in_thread(index: int) -> list[Reply]:
        replies: list[Reply] = []
        for line in random_lines(100 + index, 30):
            command, _, text = line.partition(" ")
            replies += project.assistant.command(caller(f"thread{index}"), command, text)
        return replies

    feeds = [
        threading.Thread(
            target=process.communicate,
            kwargs={"input": "\n".join(random_lines(n, 40)) + "\n", "timeout": 120},
        )
        for n, process in enumerate(processes)
    ]
    for feed in feeds:
        feed.start()
    replies = [r for batch in at_once(4, in_thread) for r in batch]
    for feed in feeds:
        feed.join(timeout=150)
    for process in processes:
        assert process.wait(timeout=30) == 0
    assert not failed(replies), failed(replies)
    busy = [r for r in replies if r.template == "database_busy"]
    assert len(busy) <= 2, "changes should wait for each other, not be refused"
    assert len(replies) >= 4 * 30
    assert replay_problems(project.database.engine, project_id(project)) == []
    assert history_count(project, "assignment") > 50


def test_first_assignments_at_once_make_one_row_and_one_story(project: Application) -> None:
    """Eight people give competence 7 its first owner at the same time."""

    def assign(index: int) -> list[Reply]:
        entity = ENTITIES[index % len(ENTITIES)]
        return project.assistant.command(caller(f"user{index}"), "/ent-assign", f'7 "{entity}"')

    replies = [r for batch in at_once(8, assign) for r in batch]
    assert not failed(replies)
    assert {r.template for r in replies} <= {"assigned", "assign_unchanged"}
    assert sum(1 for r in replies if r.template == "assigned") >= 1
    assert replay_problems(project.database.engine, project_id(project)) == []
    with project.database.engine.connect() as conn:
        firsts = conn.execute(
            select(func.count()).select_from(HistoryEntry).where(
                HistoryEntry.field == "entity_id", HistoryEntry.old_value.is_(None)
            )
        ).scalar_one()
    assert firsts == 1


def test_two_answers_to_one_question_record_one(project: Application) -> None:
    """Both typed the maîtrise d'ouvrage while the question was shown: one is recorded, the
    other hears who answered, and the conversation asks question 1 once."""
    say(project, "/ent questions")
    typed = utcnow() + timedelta(milliseconds=1)
    with project.database.engine.connect() as conn:
        assert conn.execute(select(Project.moa)).scalar() is None

    answers = ("Département d'Ille-et-Vilaine", "Région Bretagne")

    def answer(index: int) -> list[Reply]:
        return project.assistant.message(caller(f"user{index}", typed), answers[index])

    first, second = at_once(2, answer)
    replies = first + second
    templates = [r.template for r in replies]
    assert templates.count("noted") == 1, templates
    assert templates.count("already_answered") == 1, templates
    told = next(r for r in replies if r.template == "already_answered")
    noted = next(r for r in replies if r.template == "noted")
    assert told.data["by"] != told.data["text"]
    with project.database.engine.connect() as conn:
        moa = conn.execute(select(Project.moa)).scalar()
    assert moa == noted.data["value"]
    assert told.data["text"] != moa
    assert history_count(project, "project.moa") == 1


def test_two_projects_created_at_once_in_one_channel(app: Application) -> None:
    def create(index: int) -> list[Reply]:
        return app.assistant.command(caller(f"user{index}"), "/ent", f"projet creer Projet {index}")

    replies = [r for batch in at_once(4, create) for r in batch]
    templates = sorted(r.template for r in replies)
    assert templates == ["project_created", "project_exists", "project_exists", "project_exists"]
    with app.database.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Project)).scalar_one() == 1


def test_one_confirmation_answered_twice_creates_once(project: Application) -> None:
    say(project, "/ent-assign 4 Orange Business externe")
    replies = [
        r for batch in at_once(2, lambda _i: project.assistant.confirm(caller("alice"), True))
        for r in batch
    ]
    templates = sorted(r.template for r in replies)
    assert templates.count("entities_created") == 1, templates
    assert "nothing_pending" in templates
    with project.database.engine.connect() as conn:
        names = conn.execute(select(Entity.name).where(Entity.name == "Orange Business")).all()
    assert len(names) == 1
    assert replay_problems(project.database.engine, project_id(project)) == []
