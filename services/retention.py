"""Retention: closed projects (read-only, pseudonymised after a while) and uninstalled
workspaces (deleted after a grace period).

:func:`purge` is the one entry point, for ``ent-bot rgpd purge`` and for the scheduled
pass; each project and each workspace is purged in a transaction of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from dateutil.relativedelta import relativedelta

from services import changes, personal_data
from services.changes import PROJECT_CLOSE, Change
from services.turn import Reply, Turn
from storage import person_names, privacy
from storage.state import ProjectInfo
from storage.store import Database, Store, utcnow

log = logging.getLogger(__name__)

RETENTION_MONTHS = 12
GRACE_DAYS = 30


@dataclass(slots=True)
class Purged:
    projects: list[int] = field(default_factory=list)
    """Closed projects whose people were pseudonymised."""
    people: int = 0
    workspaces: list[str] = field(default_factory=list)
    """Uninstalled workspaces whose data was deleted."""
    rows: int = 0


def close(turn: Turn, project: ProjectInfo) -> Reply:
    """``/ent projet clore``: for the project's lead; read-only afterwards, export still works."""
    connection = turn.store.connection
    leads = privacy.project_leads(connection, project.id)
    if not any(name in leads for name in personal_data.identities(turn.actor)):
        return turn.error("personal_error", code="not_lead_close", fragment=project.name)
    privacy.close_project(connection, project.workspace_id, project.id)
    changes.record(turn, project, [Change(PROJECT_CLOSE, project.name, "closed", None, "true")])
    return turn.announce("project_closed", project=project, months=RETENTION_MONTHS)


def uninstalled(turn: Turn) -> list[Reply]:
    """The app left the workspace: remember when, for :func:`purge`."""
    privacy.record_uninstall(turn.store.connection, turn.caller.workspace_id, utcnow())
    return []


def purge(
    database: Database,
    at: datetime | None = None,
    retention_months: int = RETENTION_MONTHS,
    grace_days: int = GRACE_DAYS,
    dry_run: bool = False,
) -> Purged:
    """Pseudonymise the people of projects closed more than ``retention_months`` before
    ``at`` (now by default), and delete the workspaces uninstalled more than
    ``grace_days`` before it. With ``dry_run``, say what would go and change nothing."""
    now = at or utcnow()
    result = Purged()
    with database.transaction() as store:
        closed = privacy.closed_before(store.connection, now - relativedelta(
            months=retention_months))
        gone = privacy.uninstalled_before(store.connection, now - timedelta(days=grace_days))
        if dry_run:
            result.people = sum(
                len(privacy.people(store.connection, workspace, project_id))
                for workspace, project_id in closed
            )
    result.projects = [project_id for _workspace, project_id in closed]
    result.workspaces = list(gone)
    if dry_run:
        return result
    for workspace, project_id in closed:
        result.people += database.attempt(partial(_pseudonymise, workspace=workspace,
                                                  project_id=project_id, now=now))
    for workspace in gone:
        result.rows += database.attempt(partial(_delete, workspace=workspace))
        log.warning("workspace %s deleted: uninstalled more than %d days ago", workspace,
                    grace_days)
    return result


def _delete(store: Store, workspace: str) -> int:
    store.lock_projects(workspace)
    return privacy.delete_workspace(store.connection, workspace)


def _pseudonymise(store: Store, workspace: str, project_id: int, now: datetime) -> int:
    connection = store.connection
    store.lock_projects(workspace, project_id)
    people = privacy.people(connection, workspace, project_id)
    seen: set[tuple[str, ...]] = set()
    count = 0
    for person in sorted(people):
        names = tuple(personal_data.identities(person))
        if names in seen or person.startswith("personne effacée n°") or \
                person == personal_data.SYSTEM:
            continue
        seen.add(names)
        number = privacy.new_pseudonym(connection, workspace, "retention")
        privacy.erase(connection, workspace, list(names),
                      personal_data.PSEUDONYM.format(number=number), remove=False,
                      project_id=project_id)
        count += 1
    person_names.forget_unnamed(connection, workspace)
    privacy.mark_purged(connection, project_id, now)
    privacy.request_checkpoint(connection)
    return count
