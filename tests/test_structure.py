"""How the services are built: a fixed cost per answer, one way to write history, steps
that load from what is stored, replies named for what they say."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from services.conversation import ORDER, Step
from services.turn import Caller
from tests.support.console import ROOT, say
from tests.support.db import count_statements
from tests.support.history import replay_problems
from tests.test_concurrency import project_id

ALICE = Caller(WORKSPACE, "alice", CHANNEL)


def _answer_q2(app: Application, text: str) -> list[str]:
    say(app, "/ent questions 2")
    with count_statements(app.database.engine) as statements:
        replies = app.assistant.message(ALICE, text)
    assert [r.template for r in replies] == ["noted_keep", "ask"]
    return statements


def test_answering_key_question_2_costs_the_same_few_statements_whatever_the_project(
    app: Application,
) -> None:
    say(app, "/ent projet creer ENT 35", "/ent projet moa Région Bretagne")
    small = _answer_q2(app, "1-5, 18")
    say(app, "/ent entite ajouter DSI", "/ent entite ajouter DANE")
    say(app, *[f"/ent-assign {n} DSI interne @u{n}" for n in range(1, 20)])
    big = _answer_q2(app, "6-10")
    verbs = [s.split()[0].upper() for s in big]
    assert len(big) == len(small) <= 13, big
    # The project, the pending confirmation, the conversation, the state (5 tables) …
    assert verbs[:8] == ["SELECT"] * 8, big
    # … then one write of all the keep decisions, and their history, whatever their number.
    assert sum(1 for s in big if s.upper().startswith("INSERT INTO ASSIGNMENT")) == 1
    assert replay_problems(app.database.engine, project_id(app)) == []


def test_steps_keep_the_values_stored_by_earlier_versions() -> None:
    stored_before = ["moa", "q1", "q2", "q3", "q4", "walk", "done"]
    assert [step.value for step in ORDER if step.value in stored_before] == stored_before
    assert Step("walk") is Step.WALK and Step.Q2.question == 2 and Step.WALK.question is None


def test_history_rows_are_built_in_one_place() -> None:
    """``services.changes`` writes every history row of the competence map."""
    map_modules = ("answers", "assign_args", "assignments", "commands", "competence_list",
                   "conversation", "details", "entities", "projects", "reports", "undo")
    writers = [
        name
        for name in map_modules
        if (path := ROOT / "services" / f"{name}.py").exists()
        and "add_history(" in path.read_text(encoding="utf-8")
    ]
    assert writers == []
    assert "add_history(" in (ROOT / "services" / "changes.py").read_text(encoding="utf-8")


def test_services_name_their_replies_not_the_platform() -> None:
    chosen = re.compile(r"""["']slack_[a-z_]+["']""")
    offenders = [
        f"{path.name}: {match.group()}"
        for path in sorted((ROOT / "services").glob("*.py"))
        for match in chosen.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    templates = {p.stem for p in Path(ROOT / "messages" / "templates" / "fr").glob("*.j2")}
    assert {"home", "assign_form", "form_error", "dm_picker", "stale_button"} <= templates
