"""Seed a database with many full projects, for benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.store import Database

WORKSPACE = "TBENCH"
SOURCINGS = ("interne", "externe", "mixte")


def seed(database: Database, projects: int = 1000, history_per_project: int = 60) -> None:
    """``projects`` projects, each with 6 entities, all 19 competences assigned,
    answers, factors and ``history_per_project`` history rows."""
    tables = SQLModel.metadata.tables
    now = datetime.now(UTC).replace(tzinfo=None)
    with database.engine.begin() as conn:
        catalogue = [
            row[0]
            for row in conn.execute(
                select(tables["competence"].c.id).where(tables["competence"].c.project_id.is_(None))
            )
        ]
        conn.execute(insert(tables["workspace"]).values(id=WORKSPACE, created_at=now))
        conn.execute(
            insert(tables["project"]),
            [
                {
                    "workspace_id": WORKSPACE,
                    "name": f"Projet {n}",
                    "channel_id": f"C{n:06d}",
                    "created_by": "seed",
                    "created_at": now,
                    "language": "fr",
                    "timezone": "Europe/Paris",
                    "moa": f"Département {n}",
                }
                for n in range(projects)
            ],
        )
        project_ids = [
            row[0]
            for row in conn.execute(
                select(tables["project"].c.id)
                .where(tables["project"].c.workspace_id == WORKSPACE)
                .order_by(tables["project"].c.id)
            )
        ]
        conn.execute(
            insert(tables["entity"]),
            [
                {
                    "workspace_id": WORKSPACE,
                    "project_id": pid,
                    "name": f"Entité {k}",
                    "name_key": f"entite {k}",
                    "kind": "collectivite",
                    "created_by": "seed",
                    "created_at": now,
                }
                for pid in project_ids
                for k in range(6)
            ],
        )
        entities: dict[int, list[int]] = {}
        for pid, eid in conn.execute(select(tables["entity"].c.project_id, tables["entity"].c.id)):
            entities.setdefault(pid, []).append(eid)
        rows: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for pid in project_ids:
            for index, cid in enumerate(catalogue):
                rows.append(
                    {
                        "workspace_id": WORKSPACE,
                        "project_id": pid,
                        "competence_id": cid,
                        "entity_id": entities[pid][index % 6],
                        "sourcing": SOURCINGS[index % 3],
                        "contacts": [f"U{index:04d}"],
                        "keep": "oui",
                        "updated_by": "seed",
                        "updated_at": now,
                        "service_level": "99 %" if index % 3 else None,
                    }
                )
            for h in range(history_per_project):
                history.append(
                    {
                        "workspace_id": WORKSPACE,
                        "project_id": pid,
                        "competence_id": catalogue[h % len(catalogue)],
                        "at": now - timedelta(minutes=h),
                        "actor": "seed",
                        "action": "assignment",
                        "subject": "x",
                        "field": "sourcing",
                        "old_value": "interne",
                        "new_value": "externe",
                    }
                )
        conn.execute(insert(tables["assignment"]), rows)
        conn.execute(
            insert(tables["assignment_contact"]),
            [
                {"workspace_id": WORKSPACE, "project_id": row["project_id"],
                 "competence_id": row["competence_id"], "user_id": user}
                for row in rows
                for user in row["contacts"]
            ],
        )
        if history:
            conn.execute(insert(tables["history"]), history)
        conn.execute(
            insert(tables["keyanswer"]),
            [
                {
                    "workspace_id": WORKSPACE,
                    "project_id": pid,
                    "question": q,
                    "text": "x",
                    "data": {},
                    "answered_by": "seed",
                    "answered_at": now,
                }
                for pid in project_ids
                for q in (1, 2, 3)
            ],
        )
        conn.execute(
            insert(tables["successfactor"]),
            [
                {
                    "workspace_id": WORKSPACE,
                    "project_id": pid,
                    "factor": f,
                    "done": f != 3,
                    "updated_by": "seed",
                    "updated_at": now,
                }
                for pid in project_ids
                for f in (1, 2, 3)
            ],
        )
