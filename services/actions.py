"""The buttons under gap lists and on the home page: take a competence, keep it after deployment."""

from __future__ import annotations

from services import assignments
from services.forms import competence_by_code
from services.turn import Reply, Turn
from storage.state import CompetenceInfo, ProjectInfo
from storage.vocab import Keep


def _target(turn: Turn, code: str) -> tuple[ProjectInfo, CompetenceInfo] | Reply:
    """The project and the competence a button names, or why the button no longer works."""
    project = turn.project
    if project is None:
        return turn.error("no_project")
    competence = competence_by_code(turn, project, code)
    if competence is None:
        return turn.error("stale_button")
    return project, competence


def take(turn: Turn, code: str) -> list[Reply]:
    """“Je m'en occupe”: the caller becomes a contact of the competence."""
    target = _target(turn, code)
    if isinstance(target, Reply):
        return [target]
    project, competence = target
    return [assignments.add_contact(turn, project, competence, turn.actor)]


def keep(turn: Turn, code: str) -> list[Reply]:
    """“Marquer pérenne”: the competence must outlive the deployment."""
    target = _target(turn, code)
    if isinstance(target, Reply):
        return [target]
    project, competence = target
    if assignments.set_keep(turn, project, [competence], Keep.OUI):
        return [turn.announce("keep_set", competence=competence)]
    return [turn.reply("keep_unchanged", competence=competence)]
