"""Direct messages: which project they act on, chosen by the person."""

from __future__ import annotations

from services.turn import Caller, Reply, Turn
from storage import requests
from storage.state import ProjectInfo

MAX_CHOICES = 20


def choices(caller: Caller, projects: list[ProjectInfo]) -> list[Reply]:
    """Ask which of ``projects`` (those the person may see, by name): no transaction, so
    that whoever checked their visibility with Slack did it outside one."""
    if not projects:
        return [Reply("dm_no_project", language=caller.language)]
    return [Reply("dm_picker", {"projects": projects[:MAX_CHOICES],
                                "more": max(len(projects) - MAX_CHOICES, 0)},
                  language=caller.language)]


def choose(turn: Turn, project_id: int) -> list[Reply]:
    caller = turn.caller
    project = turn.store.project(caller.workspace_id, project_id)
    if project is None or not caller.sees(project):
        return [turn.error("stale_button")]
    requests.choose_direct_project(turn.store.connection, caller.workspace_id, caller.user_id,
                                   project.id)
    return [Reply("dm_chosen", {"project": project}, language=project.language)]
