"""The schedule modal: what it shows, and its submission applied through the very commands
``/ent rappels …`` runs (same parsing, same checks, same records).

A field that is wrong comes back under that field, and nothing changes (one transaction:
any error rolls the whole form back). Only what differs from the current settings is
applied, so an untouched form records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services import schedule_commands, schedules
from services.schedules import Cadence, describe
from services.turn import Reply, Turn
from storage import schedules as store
from storage.schedules import DIGEST, REMINDERS
from storage.state import ProjectInfo

FORM = "schedule_form"
CADENCE_CHOICES = ("weekly", "biweekly", "daily", "monthly", "off")
DAY_CHOICES = ("monday", "tuesday", "wednesday", "thursday", "friday")
OPTIONS = ("paused", "ignore_school_holidays", "chart")
_COMMAND_WORD = {DIGEST: "synthese", REMINDERS: "relances"}
_DEFAULTS = {DIGEST: (0, 9), REMINDERS: (3, 10)}


@dataclass(frozen=True, slots=True)
class Timing:
    """One kind's fields as submitted: a cadence (see :data:`CADENCE_CHOICES`), a day (see
    :data:`DAY_CHOICES`) and a typed time, each possibly missing."""

    cadence: str | None = None
    day: str | None = None
    time: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduleForm:
    digest: Timing = Timing()
    reminders: Timing = Timing()
    options: frozenset[str] = frozenset()
    """The ticked boxes among :data:`OPTIONS`."""


def field(kind: str, name: str) -> str:
    """The modal's block id of one kind's field (``digest_time``, ``reminders_day``…)."""
    return f"{kind}_{name}"


def form(turn: Turn) -> list[Reply]:
    """The modal's content for the caller's project, prefilled with its settings."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    return [turn.reply(FORM, **_current(turn, project))]


def _current(turn: Turn, project: ProjectInfo) -> dict[str, Any]:
    connection = turn.store.connection
    calendar = store.calendar(connection, project.id)
    stored = store.rules(connection, project.id)
    data: dict[str, Any] = {"project": project, "calendar": calendar}
    for kind in (DIGEST, REMINDERS):
        rule = stored[kind].rule if kind in stored else schedule_commands.default_rule(
            project, kind)
        data[f"{kind}_rule"] = rule
        data[kind] = describe(rule)
    return data


def submit(turn: Turn, submitted: ScheduleForm) -> list[Reply]:
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    current = _current(turn, project)
    commands: list[str] = []
    errors: list[Reply] = []
    for kind, timing in ((DIGEST, submitted.digest), (REMINDERS, submitted.reminders)):
        checked = _timing(turn, kind, timing)
        if isinstance(checked, Reply):
            errors.append(checked)
        elif checked[0].rule != current[f"{kind}_rule"]:
            commands.append(f"{_COMMAND_WORD[kind]} {checked[1]}")
    if errors:
        return errors
    calendar = current["calendar"]
    paused = "paused" in submitted.options
    if paused != calendar.paused:
        commands.append("pause" if paused else "reprise")
    ignore = "ignore_school_holidays" in submitted.options
    if ignore != calendar.ignore_school_holidays:
        commands.append("vacances ignorer" if ignore else "vacances respecter")
    chart = "chart" in submitted.options
    if chart != calendar.chart:
        commands.append("graphique oui" if chart else "graphique non")
    for text in commands:
        replies = schedule_commands.command(turn, project, text)
        failed = [reply for reply in replies if reply.error]
        if failed:
            return failed
    shown = schedule_commands.show(turn, project)
    if not commands:
        return [shown]
    return [turn.announce("schedule_set", **{**shown.data, "change": "settings"})]


def _timing(turn: Turn, kind: str, timing: Timing) -> tuple[Cadence, str] | Reply:
    """The kind's fields checked as ``/ent rappels`` checks them: (parsed, command text)."""
    cadence = timing.cadence or ""
    if cadence not in CADENCE_CHOICES:
        code = "bad_cadence" if cadence else "missing_cadence"
        return _error(turn, kind, "cadence", code, cadence)
    if cadence == "off":
        return Cadence(None, "off"), "off"
    words = [cadence]
    if timing.day:
        if timing.day not in DAY_CHOICES:
            return _error(turn, kind, "day", "bad_day", timing.day)
        words.append(timing.day)
    typed = (timing.time or "").strip().replace(" ", "")
    if typed:
        if schedules.parse_time(typed.lower()) is None:
            return _error(turn, kind, "time", "bad_time", typed)
        words.append(typed.lower())
    text = " ".join(words)
    parsed = schedules.parse_cadence(text, *_DEFAULTS[kind])
    if not isinstance(parsed, Cadence):
        name = {"bad_time": "time", "bad_day": "day"}.get(parsed.code, "cadence")
        return _error(turn, kind, name, parsed.code, parsed.fragment)
    return parsed, text


def _error(turn: Turn, kind: str, name: str, code: str, fragment: str) -> Reply:
    return turn.error("schedule_error", code=code, fragment=fragment, field=field(kind, name))


def initial_day(described: schedules.Described | None, kind: str) -> str:
    """The day the modal preselects (the kind's default day when the rule has none)."""
    day = described.day if described is not None and described.day is not None else (
        _DEFAULTS[kind][0])
    return DAY_CHOICES[day] if day < len(DAY_CHOICES) else DAY_CHOICES[0]


def initial_time(described: schedules.Described | None, kind: str) -> str:
    if described is None:
        return f"{_DEFAULTS[kind][1]}h00"
    return f"{described.hour}h{described.minute:02d}"

