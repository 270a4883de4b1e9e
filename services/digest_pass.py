"""The first half of a due pass: find the digests that are due and queue them in the outbox.

Per project and kind only the latest due slot is queued (a week of downtime gives one post,
marked late); slots before the project existed are never due. A batch of projects costs a
fixed number of statements: one read of the batch, then, for those due, one locked re-read
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL: another runner's batch is skipped, not waited
for), the states, the history, the outbox rows and the slots recorded, all in the one
transaction, so a digest is queued exactly when its slot is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services import chart, digest, schedules
from services.schedule_commands import default_rule, place_of
from services.turn import Reply
from storage import outbox, privacy
from storage import schedules as store
from storage.schedules import DIGEST, Scheduled
from storage.schools import local_figures
from storage.store import Database, Store

log = logging.getLogger(__name__)

BATCH = 200
Render = Callable[[Reply], dict[str, Any]]
"""A reply → the outbox payload (``text``, ``blocks``, ``plain``): the adapter renders."""


@dataclass(frozen=True, slots=True)
class Due:
    scheduled: Scheduled
    kind: str
    slot: datetime
    rule: str
    timezone: str
    late: bool


@dataclass(slots=True)
class Planned:
    queued: int = 0
    late: int = 0
    projects: int = 0
    messages: list[outbox.Message] = field(default_factory=list)
    """What was queued (kept only for dry runs)."""


def due(item: Scheduled, kind: str, now: datetime) -> Due | None:
    """The slot of ``kind`` due for the project at ``now``, if one is not handled yet."""
    stored = item.rules.get(kind)
    rule = stored.rule if stored is not None else default_rule(item.project, kind)
    if rule is None or not schedules.valid_rule(rule):
        return None
    timezone = stored.timezone if stored is not None else item.project.timezone
    slot = schedules.latest_due(rule, timezone, place_of(item.project, item.calendar), now)
    if slot is None or slot < item.created_at:
        return None
    if stored is not None and stored.last_slot is not None and slot <= stored.last_slot:
        return None
    return Due(item, kind, slot, rule, timezone, now - slot > schedules.LATE_AFTER)


def plan_digests(
    database: Database, now: datetime, render: Render, dry_run: bool = False,
    batch: int = BATCH,
) -> Planned:
    """Queue every digest due at ``now``; with ``dry_run`` nothing is written."""
    planned = Planned()
    after: int | None = 0
    while after is not None:
        after = plan_batch(database, now, render, planned, after, dry_run, batch)
    return planned


def plan_batch(
    database: Database, now: datetime, render: Render, planned: Planned, after: int,
    dry_run: bool = False, batch: int = BATCH,
) -> int | None:
    """One batch of the pass: the projects after the id ``after``, added to ``planned``.
    Returns the id to go on after, or None when no project is left (a bench times the
    batches one by one)."""
    with database.transaction() as reader:
        items = store.scheduled(reader.connection, after, batch)
    if not items:
        return None
    planned.projects += len(items)
    wanted = [item.project.id for item in items if due(item, DIGEST, now) is not None]
    if wanted and dry_run:
        with database.transaction() as reader:
            planned.messages += _digests(reader, wanted, now, render)[0]
    elif wanted:
        messages = database.attempt(lambda writer: _queue(writer, wanted, now, render))
        planned.queued += len(messages)
        planned.late += sum(1 for m in messages if m.late)
    return items[-1].project.id


def _queue(writer: Store, ids: list[int], now: datetime, render: Render) -> list[outbox.Message]:
    messages, done, local = _digests(writer, ids, now, render, lock=True)
    outbox.enqueue(writer.connection, messages, now)
    store.record_slots(writer.connection, DIGEST, done, local)
    return messages


def _digests(
    store_: Store, ids: list[int], now: datetime, render: Render, lock: bool = False
) -> tuple[list[outbox.Message], list[Any], dict[int, int]]:
    connection = store_.connection
    items = store.scheduled(connection, 0, len(ids), ids=ids, lock=lock)
    found = [d for item in items if (d := due(item, DIGEST, now)) is not None]
    states = store.load_states(connection, [d.scheduled.project for d in found])
    since = {
        d.scheduled.project.id: _since(d) for d in found
    }
    history = store.history_since(connection, since)
    figures = local_figures(connection, list(since))
    left = privacy.contacts_left_many(connection, list(since))
    messages: list[outbox.Message] = []
    done: list[Any] = []
    for d in found:
        project = d.scheduled.project
        state = states[project.id]
        upcoming = schedules.next_slots(
            d.rule, d.timezone, place_of(project, d.scheduled.calendar), now, 1
        )
        stored = d.scheduled.rules.get(DIGEST)
        reply = digest.build(
            state, history.get(project.id, []),
            stored.last_coverage if stored is not None else None,
            d.scheduled.calendar.lead or d.scheduled.created_by,
            schedules.local_time(upcoming[0], d.timezone) if upcoming else None,
            schedules.local_time(d.slot, d.timezone) if d.late else None,
            figures.get(project.id),
            stored.last_local_covered if stored is not None else None,
            left.get(project.id, frozenset()),
        )
        assert project.channel_id is not None
        messages.append(outbox.Message(
            key=f"digest:{project.id}:{d.slot.isoformat(timespec='minutes')}",
            workspace_id=project.workspace_id, project_id=project.id, kind=DIGEST,
            channel=project.channel_id,
            payload=render(chart.wanted(reply, d.scheduled.calendar.chart)),
            slot=d.slot, late=d.late,
        ))
        covered = reply.data["overall"].covered
        done.append((project, d.slot, covered, d.rule, d.timezone))
    return messages, done, {pid: covered for pid, (_total, covered) in figures.items()}


def _since(d: Due) -> datetime:
    stored = d.scheduled.rules.get(DIGEST)
    if stored is not None and stored.last_slot is not None:
        return stored.last_slot
    return d.scheduled.created_at
