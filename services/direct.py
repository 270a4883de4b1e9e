"""Direct messages: which project they act on, chosen by the person."""

from __future__ import annotations

from services.turn import Reply, Turn
from storage import requests

MAX_CHOICES = 20


def picker(turn: Turn) -> list[Reply]:
    """Ask which project; the workspace's projects by name."""
    projects = [p for p in turn.store.projects(turn.caller.workspace_id) if turn.caller.sees(p)]
    if not projects:
        return [turn.reply("dm_no_project")]
    return [
        turn.reply(
            "dm_picker", projects=projects[:MAX_CHOICES],
            more=max(len(projects) - MAX_CHOICES, 0),
        )
    ]


def choose(turn: Turn, project_id: int) -> list[Reply]:
    caller = turn.caller
    project = turn.store.project(caller.workspace_id, project_id)
    if project is None or not caller.sees(project):
        return [turn.error("stale_button")]
    requests.choose_direct_project(turn.store.connection, caller.workspace_id, caller.user_id,
                                   project.id)
    return [Reply("dm_chosen", {"project": project}, language=project.language)]
