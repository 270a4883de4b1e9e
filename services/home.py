"""A person's home page: their projects, what they are a contact for, the gaps they could close."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from services import gaps as gap_analysis
from services.gaps import Coverage, Gap, GapKind
from services.turn import Reply, Turn
from storage import schedules as schedule_store
from storage.home import project_ids_of
from storage.schools import SchoolInfo, referent_schools
from storage.state import AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo

MAX_PROJECTS = 5
MAX_LOOKED_UP = 20
"""Projects looked at for the page, some of which may be hidden (private channels)."""
MAX_OPEN = 3
MAX_MINE = 8
MAX_SCHOOLS = 10
"""Schools listed per project for their resource person (the count says the rest)."""


@dataclass(frozen=True, slots=True)
class Held:
    competence: CompetenceInfo
    entity: EntityInfo | None
    a: AssignmentInfo


@dataclass(frozen=True, slots=True)
class ProjectHome:
    project: ProjectInfo
    overall: Coverage
    mine: list[Held] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    """Gaps of the competences the person is a contact for."""
    open: list[Gap] = field(default_factory=list)
    """Competences nobody is responsible for yet: anyone may take them."""
    gap_count: int = 0
    paused: str | None = None
    """Why the project's digests and reminders are paused (``command``, or the Slack
    error or event that paused them), None when they run."""
    schools: list[SchoolInfo] = field(default_factory=list)
    """The first schools the person is the local resource person of."""
    school_count: int = 0


def home(turn: Turn) -> list[Reply]:
    caller = turn.caller
    ids = project_ids_of(turn.store.connection, caller.workspace_id, caller.user_id,
                         MAX_LOOKED_UP)
    pages: list[ProjectHome] = []
    more = False
    for project_id in ids:
        project = turn.store.project(caller.workspace_id, project_id)
        if project is None or not caller.sees(project):
            continue
        if len(pages) == MAX_PROJECTS:
            more = True
            break
        pages.append(_project_home(turn, project))
    local = referent_schools(turn.store.connection, caller.workspace_id, caller.user_id,
                             [page.project.id for page in pages], MAX_SCHOOLS)
    pages = [
        replace(page, school_count=local[page.project.id][0], schools=local[page.project.id][1])
        if page.project.id in local else page
        for page in pages
    ]
    return [turn.reply("home", user=caller.user_id, projects=pages, more=more)]


def _project_home(turn: Turn, project: ProjectInfo) -> ProjectHome:
    user = turn.caller.user_id
    state = turn.store.load_state(project)
    overall, _families = gap_analysis.coverage(state)
    mine = [
        Held(c, state.entity(a.entity_id), a)
        for c in state.competences
        if (a := state.assignments.get(c.id)) is not None and user in a.contacts
    ]
    mine_ids = {held.competence.id for held in mine}
    every = gap_analysis.analyse(state)
    theirs = [g for g in every if g.competence is not None and g.competence.id in mine_ids]
    unassigned = [g for g in every if g.kind is GapKind.UNASSIGNED]
    calendar = schedule_store.calendar(turn.store.connection, project.id)
    return ProjectHome(
        project, overall, mine[:MAX_MINE], theirs[:MAX_MINE], unassigned[:MAX_OPEN], len(every),
        (calendar.paused_reason or "command") if calendar.paused else None,
    )
