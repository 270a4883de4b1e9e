"""People who leave: out of the contacts, and the competences they held alone flagged.

Slack says so (an account deactivated, someone left the project's channel); the console
says it with ``/ent contact retirer @personne``. Each competence where they were the only
contact gets the gap “contact parti”, and the project's lead (its creator) is told once.
"""

from __future__ import annotations

from services import changes
from services.answers import extract_mentions
from services.personal_data import SYSTEM, identities
from services.text import normalize
from services.turn import Reply, Turn
from storage import privacy
from storage.state import CompetenceInfo, ProjectInfo

_REMOVE_WORDS = frozenset({"retirer", "remove", "enlever", "supprimer"})


def is_remove(rest: str) -> bool:
    words = rest.split(maxsplit=1)
    return bool(words) and normalize(words[0]) in _REMOVE_WORDS


def leave(
    turn: Turn, person: str, projects: list[ProjectInfo], actor: str = SYSTEM
) -> list[tuple[ProjectInfo, list[CompetenceInfo], list[CompetenceInfo]]]:
    """Take ``person`` out of every contact list of ``projects``, with history rows.

    Returns, per project touched: the competences they left, and those now with no contact.
    """
    ids = identities(person)
    store = turn.store
    done = []
    for listed in sorted(projects, key=lambda p: p.id):
        # Each project is changed under its own lock, like any change to it (the request
        # itself may act on another project, or on none).
        project = store.project(listed.workspace_id, listed.id, lock=True)
        if project is None:
            continue
        state = store.load_state(project)
        edits = []
        for competence in state.competences:
            current = state.assignments.get(competence.id)
            if current is None or not any(i in current.contacts for i in ids):
                continue
            kept = tuple(c for c in current.contacts if c not in ids)
            edits.append(changes.edit(competence, current, {"contacts": kept}))
        written = changes.save_assignments(turn, project, edits, state.entities, actor)
        removed = [e.competence for e in written]
        orphaned = [e.competence for e in written if not e.new.contacts]
        if orphaned:
            privacy.record_contact_left(store.connection, project.workspace_id, project.id,
                                        [c.id for c in orphaned])
        if removed:
            done.append((project, removed, orphaned))
    return done


def remove_command(turn: Turn, project: ProjectInfo, rest: str) -> list[Reply]:
    """``/ent contact retirer @personne``: the console's (and anyone's) way to say someone left."""
    people, leftover = extract_mentions(rest.split(maxsplit=1)[1] if len(rest.split()) > 1
                                        else "")
    if len(people) != 1 or leftover.strip():
        return [turn.error("personal_error", code="one_person", fragment=rest.strip()[:40])]
    person = people[0]
    done = leave(turn, person, [project], turn.actor)
    if not done:
        return [turn.error("personal_error", code="unknown_person", fragment=person)]
    _project, removed, orphaned = done[0]
    return [turn.announce("contact_removed", person=person, removed=removed,
                          orphaned=orphaned, project=project)]


def departed(turn: Turn, person: str, channel: str | None) -> list[Reply]:
    """Slack said ``person`` left: ``channel``'s project, or every project of the workspace
    (account deactivated). One notice per project with a lead, for the lead only."""
    store = turn.store
    workspace = turn.caller.workspace_id
    if channel is not None:
        found = store.project_for_channel(workspace, channel)
        projects = [found] if found is not None else []
    else:
        projects = store.projects(workspace)
    replies = []
    for project, _removed, orphaned in leave(turn, person, projects):
        leads = [name for name in privacy.project_leads(store.connection, project.id)
                 if name not in identities(person)]
        if not orphaned or not leads:
            continue
        lead = leads[0]
        replies.append(Reply("contact_left_notice",
                             {"lead": lead, "person": person, "project": project,
                              "competences": orphaned},
                             language=project.language))
    return replies
