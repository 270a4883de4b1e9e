"""A person's own data in the console: see it, export it, erase it; a lead erasing someone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from bot import personal_files
from bot.app import Application
from services.turn import Caller, Reply
from storage.models import Project
from storage.privacy import PSEUDONYM
from tests.support.db import dump, row_counts
from tests.support.history import replay_problems

WORKSPACE = "T0SCHOOL"
ALICIA = "alicia"
ROBERTA = "roberta"
CHANNEL_A = "C0PROJA"
CHANNEL_B = "C0PROJB"


def ent(app: Application, user: str, channel: str, text: str) -> list[Reply]:
    return app.assistant.command(Caller(WORKSPACE, user, channel), "/ent", text)


def said(app: Application, user: str, channel: str, text: str) -> str:
    return "\n".join(app.messages.plain(r.template, r.data, r.language)
                     for r in ent(app, user, channel, text))


def message(app: Application, user: str, channel: str, text: str) -> str:
    replies = app.assistant.message(Caller(WORKSPACE, user, channel), text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def project_ids(app: Application) -> list[int]:
    with app.database.engine.connect() as conn:
        return [int(i) for i in conn.execute(select(Project.id).order_by(Project.id)).scalars()]


def seed(app: Application) -> None:
    """Two projects; each person created one, both are contacts in both, with notes."""
    assert "créé" in said(app, ALICIA, CHANNEL_A, "projet creer ENT des collèges")
    assert "créé" in said(app, ROBERTA, CHANNEL_B, "projet creer ENT des écoles")
    for channel, author in ((CHANNEL_A, ALICIA), (CHANNEL_B, ROBERTA)):
        said(app, author, channel, "entite ajouter DSI collectivite")
        said(app, author, channel, "entite ajouter DANE academie")
        app.assistant.command(Caller(WORKSPACE, author, channel), "/ent-assign",
                              f"7 DSI interne @{ALICIA} @{ROBERTA}")
        app.assistant.command(Caller(WORKSPACE, author, channel), "/ent-assign",
                              f"9 DANE interne @{ROBERTA}")
        said(app, author, channel, f"notes 7 voir avec {ROBERTA} et {ALICIA} lundi")
        said(app, author, channel, "facteurs 1 fait")
    said(app, ROBERTA, CHANNEL_A, "contact 12 moi")
    said(app, ALICIA, CHANNEL_A, "contact 9 moi")


def everything(app: Application) -> str:
    return json.dumps(dump(app.database.engine), ensure_ascii=False)


def test_my_data_shows_what_is_held_on_the_caller_only(app: Application) -> None:
    seed(app)
    text = said(app, ROBERTA, CHANNEL_A, "mes-donnees")
    assert "Vos données" in text
    assert "ENT des écoles" in text  # the project she created
    assert "Contact de 5 compétence(s)" in text
    assert "Hébergement" in text and "documentation" in text
    assert ALICIA not in text
    assert said(app, ROBERTA, CHANNEL_A, "my-data") == text
    nobody = said(app, "zoe", CHANNEL_A, "mes-donnees")
    assert "ne détient rien" in nobody


def test_export_holds_everything_about_the_person_and_nothing_about_another(
    app: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(app)
    monkeypatch.chdir(tmp_path)
    caller = Caller(WORKSPACE, ROBERTA, CHANNEL_A)
    [reply] = personal_files.handle(app, caller, "mes-donnees export") or []
    text = app.messages.plain(reply.template, reply.data, reply.language)
    path = tmp_path / "mes-donnees-roberta.json"
    assert f"`{path.name}`" in text
    content = path.read_text(encoding="utf-8")
    assert ALICIA not in content.lower()
    document = json.loads(content)
    assert document["personne"] == ROBERTA
    data = document["donnees"]
    assert {"project", "assignment", "assignment_contact", "history", "successfactor"} <= set(data)
    assert [p["name"] for p in data["project"]] == ["ENT des écoles"]
    contacts = sorted((row["project_id"], row["competence_id"])
                      for row in data["assignment_contact"])
    assert len(contacts) == 5
    assert all(row["user_id"] in (ROBERTA, f"@{ROBERTA}") for row in data["assignment_contact"])
    assert any(f"voir avec {ROBERTA} et … lundi" == row["notes"] for row in data["assignment"])
    every_history = [row for row in data["history"]]
    assert every_history and all(
        row["actor"] in (ROBERTA, "…") for row in every_history
    )
    other = Caller(WORKSPACE, ALICIA, CHANNEL_A)
    [reply] = personal_files.handle(app, other, f"mes-donnees export {tmp_path / 'a.json'}") or []
    assert ROBERTA not in (tmp_path / "a.json").read_text(encoding="utf-8")


def _sqlite_bytes(app: Application) -> bytes:
    path = Path(str(make_url(str(app.database.engine.url)).database))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_erasure_after_confirmation_leaves_no_trace_and_a_true_history(
    app: Application,
) -> None:
    seed(app)
    before = row_counts(app.database.engine)
    asked = said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer")
    assert "Ce qui va disparaître" in asked
    assert "contacts de 5 compétence(s)" in asked
    assert row_counts(app.database.engine)["pending_action"] == before["pending_action"] + 1
    assert ROBERTA in everything(app)
    done = said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer confirmer")
    assert "personne effacée n° 1" in done
    assert ROBERTA not in everything(app).lower()
    for project_id in project_ids(app):
        assert replay_problems(app.database.engine, project_id) == []
    history = said(app, ALICIA, CHANNEL_A, "historique")
    assert "personne effacée n° 1" in history
    status = said(app, ALICIA, CHANNEL_A, "statut")
    assert ALICIA in status and ROBERTA not in status
    with app.database.engine.connect() as conn:
        rows = conn.execute(select(PSEUDONYM)).mappings().all()
    assert [(r["number"], r["reason"]) for r in rows] == [(1, "self")]
    assert ROBERTA not in json.dumps([dict(r) for r in rows], default=str)
    assert "ne détient rien" in said(app, ROBERTA, CHANNEL_A, "mes-donnees")
    if app.database.engine.dialect.name == "sqlite":
        assert ROBERTA.encode() not in _sqlite_bytes(app)
        assert ALICIA.encode() in _sqlite_bytes(app)


def test_erasure_confirmed_by_answering_yes(app: Application) -> None:
    seed(app)
    said(app, ROBERTA, CHANNEL_B, "mes-donnees effacer")
    assert "personne effacée n° 1" in message(app, ROBERTA, CHANNEL_B, "oui")
    assert ROBERTA not in everything(app).lower()


def test_erasure_cancelled_changes_nothing(app: Application) -> None:
    seed(app)
    state = dump(app.database.engine)
    said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer")
    assert "rien n'est effacé" in said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer annuler")
    assert dump(app.database.engine) == state


def test_erasure_interrupted_by_a_crash_changes_nothing(app: Application) -> None:
    seed(app)
    said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer")
    state = dump(app.database.engine)
    engine = app.database.engine

    def crash(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE HISTORY"):
            raise RuntimeError("power cut")

    event.listen(engine, "before_cursor_execute", crash)
    try:
        answer = said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer confirmer")
    finally:
        event.remove(engine, "before_cursor_execute", crash)
    assert "personne effacée" not in answer
    assert dump(app.database.engine) == state


def test_a_lead_erases_someone_who_asked(app: Application) -> None:
    seed(app)
    asked = said(app, ALICIA, CHANNEL_A, f"oublier @{ROBERTA}")
    assert f"Effacer @{ROBERTA}" in asked or f"Effacer {ROBERTA}" in asked
    done = said(app, ALICIA, CHANNEL_A, f"oublier @{ROBERTA} confirmer")
    assert "personne effacée n° 1" in done
    assert ROBERTA not in everything(app).lower()
    for project_id in project_ids(app):
        assert replay_problems(app.database.engine, project_id) == []


@pytest.mark.parametrize(
    ("user", "text", "code"),
    [
        (ROBERTA, f"oublier @{ALICIA}", "Seul le responsable du projet"),
        (ALICIA, "oublier @personne", "ne connaît pas"),
        (ALICIA, "oublier", "Nommez une personne"),
        (ALICIA, f"oublier @{ROBERTA} confirmer", "Aucun effacement n'attend"),
        (ROBERTA, "mes-donnees effacer confirmer", "Aucun effacement n'attend"),
        (ROBERTA, "mes-donnees exporter-tout", "Je n'ai pas compris"),
        ("zoe", "mes-donnees effacer", "rien à effacer"),
    ],
)
def test_refusals_change_nothing(app: Application, user: str, text: str, code: str) -> None:
    seed(app)
    state = dump(app.database.engine)
    replies = ent(app, user, CHANNEL_A, text)
    assert replies[0].error
    assert code in app.messages.plain(replies[0].template, replies[0].data)
    assert dump(app.database.engine) == state


def test_erasure_removes_a_school_resource_person(app: Application) -> None:
    seed(app)
    assert "0350001L" in said(app, ALICIA, CHANNEL_A, "ecoles ajouter 0350001L Collège test")
    said(app, ALICIA, CHANNEL_A, f"ecoles referent 0350001L @{ROBERTA}")
    assert "*1/1* écoles ont une personne ressource" in said(app, ALICIA, CHANNEL_A, "ecoles")
    assert "Écoles dont vous êtes la personne ressource" in said(
        app, ROBERTA, CHANNEL_A, "mes-donnees")
    said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer")
    said(app, ROBERTA, CHANNEL_A, "mes-donnees effacer confirmer")
    assert ROBERTA not in everything(app).lower()
    assert "*0/1* écoles ont une personne ressource" in said(app, ALICIA, CHANNEL_A, "ecoles")


def test_reminder_settings_are_shown_then_deleted_and_a_designated_lead_may_erase(
    app: Application,
) -> None:
    seed(app)
    said(app, ROBERTA, CHANNEL_A, "rappels moi off")
    assert "Réglages personnels" in said(app, ROBERTA, CHANNEL_A, "mes-donnees")
    assert row_counts(app.database.engine)["reminder_setting"] == 1
    said(app, ALICIA, CHANNEL_A, "projet chef @carla")
    asked = said(app, "carla", CHANNEL_A, f"oublier @{ROBERTA}")
    assert "Ce qui va disparaître" in asked
    said(app, "carla", CHANNEL_A, f"oublier @{ROBERTA} confirmer")
    assert row_counts(app.database.engine)["reminder_setting"] == 0
    assert ROBERTA not in everything(app).lower()
