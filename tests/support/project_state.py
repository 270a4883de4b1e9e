"""The console channel's project as stored, for tests that check what a command changed."""

from __future__ import annotations

from bot.app import Application
from bot.console import CHANNEL, WORKSPACE
from storage.state import AssignmentInfo, ProjectState


def state(app: Application) -> ProjectState:
    """The state of the project in the console's channel (which must exist)."""
    with app.database.transaction() as store:
        project = store.project_for_channel(WORKSPACE, CHANNEL)
        assert project is not None
        return store.load_state(project)


def assignment(app: Application, number: int) -> AssignmentInfo | None:
    """Competence ``number``'s assignment, or None when it has none yet."""
    snapshot = state(app)
    competence = next(c for c in snapshot.competences if c.number == number)
    return snapshot.assignments.get(competence.id)


def assigned(app: Application, number: int) -> AssignmentInfo:
    """Competence ``number``'s assignment, for tests where it must exist (KeyError if not)."""
    snapshot = state(app)
    competence = next(c for c in snapshot.competences if c.number == number)
    return snapshot.assignments[competence.id]
