"""A person's own data: see it, export it, erase it (or have a project's lead erase it).

``/ent mes-donnees [export|effacer [confirmer]]`` and ``/ent oublier @personne [confirmer]``.
An erasure is asked first, with what will go; it is applied in the confirming request's
transaction, all of it or nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.answers import extract_mentions, parse_yes_no
from services.changes import ASSIGNMENT, Change, record
from services.text import normalize
from services.turn import Reply, Turn
from storage import privacy
from storage.state import ProjectInfo
from storage.store import Pending

ERASE = "erase_person"
"""The pending kind: an erasure waiting for its confirmation."""
PSEUDONYM = "personne effacée n° {number}"
SYSTEM = "ent-bot"

_ACTIONS = {
    "export": "export",
    "exporter": "export",
    "json": "export",
    "effacer": "erase",
    "erase": "erase",
    "supprimer": "erase",
    "delete": "erase",
    "oublier": "erase",
}
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CONFIRM = {"confirmer", "confirm", "oui", "yes"}
_CANCEL = {"annuler", "cancel", "non", "no"}


@dataclass(frozen=True, slots=True)
class Summary:
    """What the bot holds on one person, in the words the reply uses."""

    projects: list[str] = field(default_factory=list)
    """Projects they created."""
    contacts: list[tuple[str, str]] = field(default_factory=list)
    """(project, competence) where they are a contact."""
    answers: list[tuple[str, int]] = field(default_factory=list)
    """(project, key question) they answered or are named in."""
    history: int = 0
    schools: int = 0
    pending: int = 0
    settings: int = 0
    other: int = 0

    @property
    def empty(self) -> bool:
        return not (self.projects or self.contacts or self.answers or self.history
                    or self.schools or self.pending or self.settings or self.other)


def identities(person: str) -> list[str]:
    """How the person is written in the database: a Slack id, or a console name both bare
    (who typed) and as ``@name`` (as a contact)."""
    if _SLACK_USER.match(person):
        return [person]
    name = person.lstrip("@")
    return [name, f"@{name}"] if name else [person]


def is_export_word(word: str) -> bool:
    return _ACTIONS.get(normalize(word)) == "export"


def changes(rest: str) -> bool:
    """``mes-donnees`` and its export only read; an erasure changes."""
    word = rest.split(maxsplit=1)[0] if rest.split() else ""
    return _ACTIONS.get(normalize(word)) == "erase"


def command(turn: Turn, rest: str) -> list[Reply]:
    """``/ent mes-donnees [export|effacer [confirmer|annuler]]``."""
    words = rest.split()
    action = _ACTIONS.get(normalize(words[0])) if words else "show"
    if action is None:
        return [turn.error("personal_error", code="bad_word", fragment=words[0])]
    if action == "show":
        return [show(turn)]
    if action == "export":
        return [export(turn)]
    return ask_or_apply(turn, turn.actor, words[1:], by_lead=False)


def forget(turn: Turn, project: ProjectInfo, rest: str) -> list[Reply]:
    """``/ent oublier @personne [confirmer|annuler]``: for the project's lead (its creator)."""
    people, leftover = extract_mentions(rest)
    if len(people) != 1:
        return [turn.error("personal_error", code="one_person", fragment=rest.strip()[:40])]
    target = people[0]
    store = turn.store
    leads = privacy.project_leads(store.connection, project.id)
    if not any(name in leads for name in identities(turn.actor)):
        return [turn.error("personal_error", code="not_lead", fragment=target)]
    if identities(target) != identities(turn.actor) and not privacy.find(
        store.connection, project.workspace_id, identities(target), project.id
    ):
        return [turn.error("personal_error", code="unknown_person", fragment=target)]
    by_lead = identities(target) != identities(turn.actor)
    return ask_or_apply(turn, target if by_lead else turn.actor, leftover.split(), by_lead)


def ask_or_apply(turn: Turn, target: str, words: list[str], by_lead: bool) -> list[Reply]:
    caller = turn.caller
    decision = normalize(words[0]) if words else ""
    if decision and decision not in _CONFIRM and decision not in _CANCEL:
        return [turn.error("personal_error", code="bad_word", fragment=words[0])]
    if decision:
        pending = turn.store.pending(caller.workspace_id, caller.user_id, lock=True)
        if pending is None or pending.kind != ERASE or pending.payload.get("target") != target:
            return [turn.error("personal_error", code="nothing_pending", fragment=target)]
        return decide(turn, pending, decision in _CONFIRM)
    summary = summarise(turn, target)
    if summary.empty:
        return [turn.error("personal_error", code="nothing_held", fragment=target)]
    turn.store.set_pending(
        caller.workspace_id, caller.user_id, turn.project.id if turn.project else None, ERASE,
        {"target": target, "by_lead": by_lead},
    )
    return [turn.reply("erase_confirm", target=target, by_lead=by_lead, summary=summary,
                       command="oublier" if by_lead else "mes-donnees effacer")]


def answer(turn: Turn, pending: Pending, text: str) -> list[Reply] | None:
    """A ``oui``/``non`` typed while an erasure waits; None when it is neither."""
    decision = parse_yes_no(text)
    if decision is None:
        return None
    return decide(turn, pending, decision)


def decide(turn: Turn, pending: Pending, yes: bool) -> list[Reply]:
    caller = turn.caller
    turn.store.clear_pending(caller.workspace_id, caller.user_id)
    if not yes:
        return [turn.reply("erase_cancelled")]
    target = str(pending.payload.get("target") or "")
    by_lead = bool(pending.payload.get("by_lead"))
    if not target:
        return [turn.reply("nothing_pending")]
    number = erase_person(turn, target, "lead" if by_lead else "self")
    return [turn.reply("erased", number=number, by_lead=by_lead, target=target if by_lead
                       else None)]


def erase_person(turn: Turn, target: str, reason: str) -> int:
    """Erase ``target`` from the workspace in the turn's transaction; their pseudonym number.

    Contacts lose them (each shortened list gets its history row, so that the history
    still replays to the table); everything else names the pseudonym instead.
    """
    connection = turn.store.connection
    workspace = turn.caller.workspace_id
    turn.store.lock_projects(workspace)
    number = privacy.new_pseudonym(connection, workspace, reason)
    label = PSEUDONYM.format(number=number)
    erased = privacy.erase(connection, workspace, identities(target), label)
    projects: dict[int, ProjectInfo] = {}
    for project_id, competence_id, before, after in erased.contacts:
        project = projects.get(project_id) or turn.store.project(workspace, project_id)
        if project is None:
            continue
        projects[project_id] = project
        code = next(
            (c.code for c in turn.store.competences(project_id) if c.id == competence_id), ""
        )
        record(turn, project, [
            Change(ASSIGNMENT, code, "contacts", ", ".join(before) or None,
                   ", ".join(after) or None, competence_id)
        ], SYSTEM)
    privacy.request_checkpoint(connection)
    return number


def summarise(turn: Turn, person: str) -> Summary:
    store = turn.store
    workspace = turn.caller.workspace_id
    ids = identities(person)
    found = {part.table: part.rows for part in
             privacy.find(store.connection, workspace, ids)}
    names: dict[int, str] = {}
    labels: dict[tuple[int, int], str] = {}

    def project_name(project_id: int) -> str:
        if project_id not in names:
            project = store.project(workspace, project_id)
            names[project_id] = project.name if project else str(project_id)
        return names[project_id]

    def competence_label(project_id: int, competence_id: int) -> str:
        if (project_id, competence_id) not in labels:
            for competence in store.competences(project_id):
                labels[(project_id, competence.id)] = (
                    f"{competence.number}. {competence.label(turn.language)}"
                )
        return labels.get((project_id, competence_id), str(competence_id))

    contacts = [
        (project_name(row["project_id"]), competence_label(row["project_id"],
                                                           row["competence_id"]))
        for row in found.get("assignment", [])
        if any(i in (row["contacts"] or []) for i in ids)
    ]
    known = {"project", "assignment", "assignment_contact", "keyanswer", "history", "school",
             "school_cover", "pending_action", "reminder_setting", "direct_project"}
    return Summary(
        projects=[row["name"] for row in found.get("project", [])
                  if row["created_by"] in ids],
        contacts=contacts,
        answers=[(project_name(row["project_id"]), int(row["question"]))
                 for row in found.get("keyanswer", [])],
        history=len(found.get("history", [])),
        schools=len(found.get("school", [])) + len(found.get("school_cover", [])),
        pending=len(found.get("pending_action", [])),
        settings=len(found.get("reminder_setting", [])) + len(found.get("direct_project", [])),
        other=sum(len(rows) for table, rows in found.items() if table not in known),
    )


def show(turn: Turn) -> Reply:
    """``/ent mes-donnees``: everything held on the caller, shown to them only."""
    return turn.reply("my_data", user=turn.actor, summary=summarise(turn, turn.actor))


def export(turn: Turn) -> Reply:
    """``/ent mes-donnees export``: the caller's data as JSON; other people are masked."""
    connection = turn.store.connection
    workspace = turn.caller.workspace_id
    person = turn.actor
    ids = identities(person)
    found = privacy.find(connection, workspace, ids)
    clean = privacy.redact(found, ids, privacy.people(connection, workspace))
    document: dict[str, Any] = {
        "personne": person,
        "espace_de_travail": workspace,
        "exporte_le": datetime.now(UTC).isoformat(timespec="seconds"),
        "autres_personnes": privacy.OTHER,
        "donnees": {part.table: part.rows for part in clean},
    }
    content = json.dumps(document, ensure_ascii=False, indent=2, default=str, sort_keys=True)
    return turn.reply("my_data_export", content=content, file_name=file_name(person),
                      rows=sum(len(part.rows) for part in clean))


def file_name(person: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in person)[:40]
    return f"mes-donnees-{safe or 'personne'}.json"
