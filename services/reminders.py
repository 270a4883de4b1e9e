"""Gap reminders: one direct message per person per period, grouping all that person's gaps
across the workspace's projects, and the escalation of gaps left open too long.

The contacts of an assignment get its gaps; the project lead (``/ent projet chef``, else the
project's creator) gets the unowned ones: competences with no contact, unanswered key
questions, success factors to do. A person who stopped their reminders (``/ent rappels moi
off``) gets none; the lead also gets one line per project counting its open schools with no
local resource person (never one line per school: nothing more specific than the lead is
recorded as answerable for naming them); a gap snoozed (*Reporter d'une semaine*) is left
out until then; a person who said *Ce n'est pas moi* is not reminded of that gap again.

The pass queues in the outbox, in one transaction per group of projects due at the same
slot: the messages, the slots recorded and the gaps' state (first seen, escalated). Keys are
per person and slot (``reminders:<workspace>:<person>:<slot>``), so a message is queued
once. Projects of one workspace that share their reminder slot (the common case: the same
``/ent rappels relances`` everywhere) make one message per person; projects due at other
slots make their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services import gaps as gap_analysis
from services import schedules
from services.digest_pass import BATCH, Planned, Render, due
from services.gaps import Gap
from services.turn import Reply, Turn
from storage import outbox, privacy
from storage import schedules as store
from storage.schedules import REMINDERS, GapRecord
from storage.schools import local_figures
from storage.state import ProjectInfo, ProjectState
from storage.store import Database, Store, utcnow

log = logging.getLogger(__name__)

ESCALATE_AFTER = timedelta(weeks=3)
"""A gap open this long is escalated once in the project's channel, naming the lead."""
SNOOZE = timedelta(weeks=1)
MAX_LINES = 10
"""Gaps with buttons in one message (Slack's 50 blocks); the rest are counted."""
MAX_ESCALATED = 12
ESCALATION = "escalation"
BUTTONS = ("reminder_done", "reminder_snooze", "reminder_decline")
Reachable = Callable[[str], bool]
"""Whether the bot can write to a person (a Slack user id, not a typed name)."""


def gap_key(gap: Gap) -> str:
    """A gap's stable name within its project (``no_contact:12``, ``question:3``)."""
    if gap.competence is not None:
        return f"{gap.kind.value}:{gap.competence.id}"
    if gap.question is not None:
        return f"question:{gap.question}"
    return f"factor:{gap.factor}"


def _owned(state: ProjectState, gap: Gap) -> tuple[str, ...]:
    """The contacts who can close ``gap`` (none: it falls to the lead)."""
    if gap.competence is None:
        return ()
    if gap.contacts:
        return gap.contacts
    assignment = state.assignments.get(gap.competence.id)
    return assignment.contacts if assignment else ()


@dataclass(frozen=True, slots=True)
class Line:
    """One gap in a person's reminder."""

    gap: Gap
    key: str
    weeks: int
    """Whole weeks since the reminders first saw it open."""
    as_lead: bool
    """Reminded as the project lead (nobody else owns it)."""


@dataclass(slots=True)
class Section:
    project: ProjectInfo
    lines: list[Line] = field(default_factory=list)
    more: int = 0
    schools: int = 0
    """Open schools with no local resource person (shown to the lead, as one line)."""


@dataclass(frozen=True, slots=True)
class Escalated:
    gap: Gap
    key: str
    weeks: int


def plan_reminders(
    database: Database, now: datetime, render: Render, reachable: Reachable = lambda _: True,
    dry_run: bool = False, batch: int = BATCH, escalate_after: timedelta = ESCALATE_AFTER,
) -> Planned:
    """Queue every reminder (and escalation) due at ``now``; with ``dry_run`` nothing is
    written (the messages are kept in the result)."""
    planned = Planned()
    groups: dict[tuple[str, datetime], list[int]] = {}
    after = 0
    while True:
        with database.transaction() as reader:
            items = store.scheduled(reader.connection, after, batch)
        if not items:
            break
        after = items[-1].project.id
        planned.projects += len(items)
        for item in items:
            found = due(item, REMINDERS, now)
            if found is not None:
                groups.setdefault((item.project.workspace_id, found.slot), []).append(
                    item.project.id)
    for (workspace, slot), ids in groups.items():
        plan = _Plan(workspace, slot, now, render, reachable, batch, escalate_after)
        if dry_run:
            with database.transaction() as reader:
                planned.messages += plan.build(reader, ids, lock=False)
            continue
        messages = database.attempt(
            lambda writer, p=plan, i=ids: p.queue(writer, i)  # type: ignore[misc]
        )
        planned.queued += len(messages)
        planned.late += sum(1 for m in messages if m.late)
    return planned


@dataclass(slots=True)
class _Plan:
    """One group of projects of a workspace due at the same slot."""

    workspace: str
    slot: datetime
    now: datetime
    render: Render
    reachable: Reachable
    batch: int
    escalate_after: timedelta
    sections: dict[str, list[Section]] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)
    more: dict[str, int] = field(default_factory=dict)
    """Gaps of projects not shown (the message is full), per person."""
    languages: dict[str, str] = field(default_factory=dict)
    escalations: list[outbox.Message] = field(default_factory=list)
    done: list[Any] = field(default_factory=list)
    late: bool = False

    def queue(self, writer: Store, ids: list[int]) -> list[outbox.Message]:
        messages = self.build(writer, ids, lock=True)
        outbox.enqueue(writer.connection, messages, self.now)
        store.record_slots(writer.connection, REMINDERS, self.done)
        return messages

    def build(self, store_: Store, ids: list[int], lock: bool) -> list[outbox.Message]:
        """Read the group batch by batch; the messages (and, with ``lock``, the gaps'
        state written: it goes with the messages' transaction)."""
        self.sections, self.languages, self.escalations, self.done = {}, {}, [], []
        self.shown, self.more = {}, {}
        for start in range(0, len(ids), self.batch):
            self._batch(store_, ids[start:start + self.batch], lock)
        people = list(self.sections)
        off = store.reminders_off(store_.connection, self.workspace, people)
        stamp = self.slot.isoformat(timespec="minutes")
        messages = [
            outbox.Message(
                key=f"reminders:{self.workspace}:{person}:{stamp}",
                workspace_id=self.workspace, project_id=None, kind=REMINDERS, channel=person,
                payload=self.render(Reply(
                    "reminder",
                    {"user": person, "projects": sections, "late": self.late,
                     "more": self.more.get(person, 0)},
                    language=self.languages[person],
                )),
                slot=self.slot, late=self.late,
            )
            for person, sections in self.sections.items() if person not in off
        ]
        return messages + self.escalations

    def _batch(self, store_: Store, ids: list[int], lock: bool) -> None:
        connection = store_.connection
        items = [
            (item, found) for item in store.scheduled(connection, 0, len(ids), ids=ids, lock=lock)
            if (found := due(item, REMINDERS, self.now)) is not None and found.slot == self.slot
        ]
        states = store.load_states(connection, [item.project for item, _ in items])
        records = store.gap_states(connection, [item.project.id for item, _ in items])
        figures = local_figures(connection, [item.project.id for item, _ in items])
        opened: list[tuple[ProjectInfo, str]] = []
        open_keys: set[tuple[int, str]] = set()
        escalated: list[tuple[int, str]] = []
        for item, found in items:
            self.late = self.late or found.late
            project = item.project
            lead = item.calendar.lead or item.created_by
            to_escalate: list[Escalated] = []
            total, covered = figures.get(project.id, (0, 0))
            if total > covered:  # first: one line, whatever the project's gaps
                self._add(lead, project, None, total - covered)
            for gap in gap_analysis.analyse(states[project.id]):
                key = gap_key(gap)
                open_keys.add((project.id, key))
                record = records.get((project.id, key))
                if record is None:
                    opened.append((project, key))
                    record = GapRecord(self.now, None, None, ())
                if record.snoozed_until is not None and record.snoozed_until > self.now:
                    continue
                weeks = max((self.now - record.opened_at).days // 7, 0)
                owners = _owned(states[project.id], gap)
                people = [p for p in owners if p not in record.declined_by] or (
                    [lead] if lead not in record.declined_by else [])
                for person in people:
                    self._add(person, project, Line(gap, key, weeks, person not in owners))
                if (record.escalated_at is None and gap.competence is not None
                        and self.now - record.opened_at >= self.escalate_after):
                    to_escalate.append(Escalated(gap, key, weeks))
            if to_escalate and project.channel_id:
                escalated += [(project.id, e.key) for e in to_escalate]
                self.escalations.append(self._escalation(project, lead, to_escalate))
            self.done.append((project, found.slot, None, found.rule, found.timezone))
        closed = [key for key in records if key not in open_keys]
        if lock:
            store.track_gaps(connection, opened, closed, self.now)
            store.mark_escalated(connection, escalated, self.now)

    def _add(
        self, person: str, project: ProjectInfo, line: Line | None, schools: int = 0
    ) -> None:
        """Add a gap line, or (``line`` None) the line of ``schools`` uncovered schools."""
        if not person or not self.reachable(person):
            return
        sections = self.sections.setdefault(person, [])
        self.languages.setdefault(person, project.language)
        same = bool(sections) and sections[-1].project.id == project.id
        if self.shown.get(person, 0) >= MAX_LINES:
            if same:
                sections[-1].more += 1
            else:
                self.more[person] = self.more.get(person, 0) + 1
            return
        if not same:
            sections.append(Section(project))
        if line is None:
            sections[-1].schools = schools
        else:
            sections[-1].lines.append(line)
        self.shown[person] = self.shown.get(person, 0) + 1

    def _escalation(
        self, project: ProjectInfo, lead: str, gaps: list[Escalated]
    ) -> outbox.Message:
        assert project.channel_id is not None
        reply = Reply(
            "reminder_escalation",
            {"project": project, "lead": lead, "gaps": gaps[:MAX_ESCALATED],
             "more": max(len(gaps) - MAX_ESCALATED, 0),
             "weeks": self.escalate_after.days // 7},
            language=project.language,
        )
        return outbox.Message(
            key=f"{ESCALATION}:{project.id}:{self.slot.isoformat(timespec='minutes')}",
            workspace_id=project.workspace_id, project_id=project.id, kind=ESCALATION,
            channel=project.channel_id, payload=self.render(reply), slot=self.slot,
            late=self.late,
        )


# -- the buttons of a reminder -----------------------------------------------------------

def _find(turn: Turn, key: str) -> tuple[ProjectInfo, ProjectState, Gap | None] | Reply:
    project = turn.project
    if project is None:
        return turn.error("stale_button")
    state = turn.store.load_state(project)
    gap = next((g for g in gap_analysis.analyse(state) if gap_key(g) == key), None)
    return project, state, gap


def _subject(state: ProjectState, key: str) -> dict[str, Any]:
    """What a gap key names, for a gap that is no longer open."""
    kind, _, number = key.partition(":")
    competence = next((c for c in state.competences if str(c.id) == number), None)
    return {"kind": kind, "competence": competence,
            "number": int(number) if number.isdigit() else None}


def done(turn: Turn, key: str) -> list[Reply]:
    """*C'est fait*: closed → thanks; still open → what is missing, and how to close it."""
    found = _find(turn, key)
    if isinstance(found, Reply):
        return [found]
    project, state, gap = found
    if gap is None:
        store.track_gaps(turn.store.connection, [], [(project.id, key)], utcnow())
        return [turn.reply("reminder_done", project=project, gap=None,
                           subject=_subject(state, key))]
    return [turn.reply("reminder_done", project=project, gap=gap, subject=_subject(state, key))]


def _still_open(turn: Turn, key: str) -> tuple[ProjectInfo, ProjectState, Gap] | list[Reply]:
    """The button's project and gap, or the reply when the gap is gone (closed since)."""
    found = _find(turn, key)
    if isinstance(found, Reply):
        return [found]
    project, state, gap = found
    if gap is None:
        return [turn.reply("reminder_done", project=project, gap=None,
                           subject=_subject(state, key))]
    return project, state, gap


def snooze(turn: Turn, key: str) -> list[Reply]:
    """*Reporter d'une semaine*: the gap is left out of reminders until then."""
    found = _still_open(turn, key)
    if isinstance(found, list):
        return found
    project, _state, gap = found
    now = utcnow()
    until = now + SNOOZE
    connection = turn.store.connection
    store.open_gaps(connection, project, [key], now)
    store.update_gap(connection, project.id, key, snoozed_until=until)
    return [turn.reply("reminder_snoozed", project=project, gap=gap,
                       until=schedules.local_time(until, project.timezone))]


def decline(turn: Turn, key: str) -> list[Reply]:
    """*Ce n'est pas moi*: not reminded of it again; the lead is told once, in the channel."""
    found = _still_open(turn, key)
    if isinstance(found, list):
        return found
    project, _state, gap = found
    connection = turn.store.connection
    store.open_gaps(connection, project, [key], utcnow())
    record = store.gap_states(connection, [project.id])[(project.id, key)]
    lead = privacy.project_lead(turn.store.connection, project.id)
    if turn.actor in record.declined_by:
        return [turn.reply("reminder_declined", project=project, gap=gap, lead=lead,
                           again=True)]
    store.update_gap(connection, project.id, key,
                     declined_by=[*record.declined_by, turn.actor])
    replies = [turn.reply("reminder_declined", project=project, gap=gap, lead=lead,
                          again=False)]
    if lead is not None and lead != turn.actor:
        replies.append(turn.announce("reminder_declined_notice", project=project, gap=gap,
                                     lead=lead))
    return replies


def buttons() -> dict[str, Callable[[Turn, str], list[Reply]]]:
    """The reminder's buttons by action id, for the chat adapters."""
    return dict(zip(BUTTONS, (done, snooze, decline), strict=True))
