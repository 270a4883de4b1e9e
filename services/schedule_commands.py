"""``/ent rappels …``, ``/ent synthese``, ``/ent projet zone|chef``: a project's schedules.

Bad input gets the list of what is accepted, and nothing changes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from services import digest, schedules
from services.calendar import SUBDIVISIONS, ZONES, Place, subdivision_of, zone_of
from services.schedules import DEFAULT_DIGEST, Cadence, describe
from services.text import normalize
from services.turn import Reply, Turn
from storage import privacy
from storage import schedules as store
from storage.schedules import DIGEST, REMINDERS, Calendar
from storage.schools import local_figures
from storage.state import ProjectInfo
from storage.store import utcnow

_ACTIONS: dict[str, str] = {
    "synthese": DIGEST, "syntheses": DIGEST, "digest": DIGEST, "resume": DIGEST,
    "relances": REMINDERS, "relance": REMINDERS, "reminders": REMINDERS,
    "reminder": REMINDERS, "lacunes": REMINDERS,
    "pause": "pause", "suspendre": "pause",
    "reprise": "resume", "reprendre": "resume", "resume-schedule": "resume", "restart": "resume",
    "unpause": "resume",
    "vacances": "holidays", "holidays": "holidays", "conges": "holidays",
    "moi": "me", "me": "me",
    "graphique": "chart", "chart": "chart", "graph": "chart",
}
_HOLIDAYS = {"ignorer": True, "ignore": True, "non": True, "no": True, "off": True,
             "respecter": False, "respect": False, "oui": False, "yes": False, "on": False}
_ON_OFF = {"on": True, "oui": True, "yes": True, "actif": True, "off": False, "non": False,
           "no": False, "stop": False, "aucun": False}
_DEPARTEMENTS = {"57": "57", "moselle": "57", "67": "6AE", "68": "6AE", "alsace": "6AE",
                 "bas-rhin": "6AE", "haut-rhin": "6AE", "6ae": "6AE"}
log = logging.getLogger(__name__)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def changes(rest: str) -> bool:
    """Bare ``/ent rappels`` only shows the schedules."""
    return bool(rest.strip())


def default_rule(project: ProjectInfo, kind: str) -> str | None:
    """The rule a project follows when it set none: a weekly digest in its channel."""
    if kind == DIGEST:
        return DEFAULT_DIGEST if project.channel_id else None
    return None


def place_of(project: ProjectInfo, calendar: Calendar) -> Place:
    """The project's calendar: its zone and Alsace-Moselle, set or found from its names."""
    return Place(
        calendar.zone or zone_of(project.moa, project.name),
        calendar.subdivision or subdivision_of(project.moa, project.name),
        calendar.ignore_school_holidays,
    )


def command(turn: Turn, project: ProjectInfo, rest: str) -> list[Reply]:
    word, _, args = rest.strip().partition(" ")
    if not word:
        return [show(turn, project)]
    action = _ACTIONS.get(normalize(word))
    if action is None:
        return [_error(turn, "bad_action", word)]
    if action in (DIGEST, REMINDERS):
        return [_set_rule(turn, project, action, args)]
    if action in ("pause", "resume"):
        return [_pause(turn, project, action == "pause")]
    choice = normalize(args.strip())
    if action == "holidays":
        if choice not in _HOLIDAYS:
            return [_error(turn, "bad_holidays", args)]
        store.save_calendar(turn.store.connection, project, turn.actor,
                            ignore_school_holidays=_HOLIDAYS[choice])
        return [_changed(turn, project, "holidays")]
    if choice not in _ON_OFF:
        return [_error(turn, "bad_on_off", args)]
    if action == "chart":
        store.save_calendar(turn.store.connection, project, turn.actor, chart=_ON_OFF[choice])
        return [_changed(turn, project, "chart")]
    store.set_reminders(turn.store.connection, project.workspace_id, turn.actor,
                        _ON_OFF[choice])
    return [turn.reply("schedule_me", enabled=_ON_OFF[choice])]


def show(turn: Turn, project: ProjectInfo) -> Reply:
    return turn.reply("schedule", **_summary(turn, project))


def _summary(turn: Turn, project: ProjectInfo) -> dict[str, Any]:
    connection = turn.store.connection
    calendar = store.calendar(connection, project.id)
    stored = store.rules(connection, project.id)
    place = place_of(project, calendar)
    now = utcnow()
    data: dict[str, Any] = {"project": project, "calendar": calendar, "place": place,
                            "lead": privacy.project_lead(connection, project.id)}
    off = store.reminders_off(connection, project.workspace_id, [turn.actor])
    data["me_off"] = turn.actor in off
    for kind in (DIGEST, REMINDERS):
        rule = stored[kind].rule if kind in stored else default_rule(project, kind)
        timezone = stored[kind].timezone if kind in stored else project.timezone
        data[kind] = describe(rule)
        data[f"{kind}_next"] = [
            schedules.local_time(at, timezone)
            for at in (schedules.next_slots(rule, timezone, place, now) if rule else [])
        ]
    return data


def _set_rule(turn: Turn, project: ProjectInfo, kind: str, args: str) -> Reply:
    default_day, default_hour = (0, 9) if kind == DIGEST else (3, 10)
    parsed = schedules.parse_cadence(args, default_day, default_hour)
    if not isinstance(parsed, Cadence):
        return _error(turn, parsed.code, parsed.fragment or args)
    connection = turn.store.connection
    place = place_of(project, store.calendar(connection, project.id))
    store.save_rule(connection, project, kind, parsed.rule, project.timezone, turn.actor)
    if parsed.rule is not None:
        # Start with the next slot: a slot already past is not posted late.
        due = schedules.latest_due(parsed.rule, project.timezone, place, utcnow())
        store.record_slots(connection, kind, [(project, due, None, parsed.rule,
                                               project.timezone)] if due else [])
    return _changed(turn, project, kind)


def _pause(turn: Turn, project: ProjectInfo, paused: bool) -> Reply:
    connection = turn.store.connection
    if paused:
        store.save_calendar(connection, project, turn.actor, paused=True,
                            paused_reason="command", paused_at=utcnow())
        return _changed(turn, project, "pause")
    store.save_calendar(connection, project, turn.actor, paused=False, paused_reason=None,
                        paused_at=None)
    calendar = store.calendar(connection, project.id)
    stored = store.rules(connection, project.id)
    place = place_of(project, calendar)
    for kind in (DIGEST, REMINDERS):
        rule = stored[kind].rule if kind in stored else default_rule(project, kind)
        timezone = stored[kind].timezone if kind in stored else project.timezone
        due = schedules.latest_due(rule, timezone, place, utcnow()) if rule else None
        if due is not None:
            # What was missed during the pause is not posted late.
            store.record_slots(connection, kind, [(project, due, None, rule, timezone)])
    return _changed(turn, project, "resume")


def _changed(turn: Turn, project: ProjectInfo, change: str) -> Reply:
    return turn.announce("schedule_set", change=change, **_summary(turn, project))


def _error(turn: Turn, code: str, fragment: str) -> Reply:
    return turn.error("schedule_error", code=code, fragment=fragment.strip())


def set_zone(turn: Turn, project: ProjectInfo, args: str) -> Reply:
    """``/ent projet zone A|B|C [57|67|68]`` (or an académie's name: ``zone Rennes``)."""
    zone: str | None = None
    subdivision: str | None = None
    for typed in args.replace(",", " ").split():
        word = normalize(typed)
        if word.upper() in ZONES and zone is None:
            zone = word.upper()
        elif word in _DEPARTEMENTS:
            subdivision = _DEPARTEMENTS[word]
        elif zone_of(word) is not None and zone is None:
            zone = zone_of(word)
        else:
            return _error(turn, "bad_zone", typed)
    if zone is None:
        return _error(turn, "bad_zone", args)
    values: dict[str, Any] = {"zone": zone}
    if subdivision in SUBDIVISIONS:
        values["subdivision"] = subdivision
    store.save_calendar(turn.store.connection, project, turn.actor, **values)
    return _changed(turn, project, "zone")


def set_lead(turn: Turn, project: ProjectInfo, args: str) -> Reply:
    """``/ent projet chef @personne``: who gets the unowned gaps' reminders."""
    text = args.strip()
    found = _MENTION.match(text)
    if text in ("moi", "me"):
        lead = turn.actor
    elif found is not None:
        lead = found.group(1)
    elif text.startswith("@") and len(text) > 1 and " " not in text:
        lead = text[1:]
    else:
        return _error(turn, "bad_lead", text)
    store.save_calendar(turn.store.connection, project, turn.actor, lead=lead)
    return _changed(turn, project, "lead")


def digest_now(turn: Turn, project: ProjectInfo) -> list[Reply]:
    """``/ent synthese``: the digest as it would be posted now (not counted as a scheduled
    one: the change since the last digest stays measured from that one)."""
    connection = turn.store.connection
    state = turn.store.load_state(project)
    calendar = store.calendar(connection, project.id)
    stored = store.rules(connection, project.id)
    rule = stored[DIGEST].rule if DIGEST in stored else default_rule(project, DIGEST)
    timezone = stored[DIGEST].timezone if DIGEST in stored else project.timezone
    previous = stored[DIGEST].last_coverage if DIGEST in stored else None
    last = stored[DIGEST].last_slot if DIGEST in stored else None
    place = place_of(project, calendar)
    now = utcnow()
    upcoming = schedules.next_slots(rule, timezone, place, now, 1) if rule else []
    history = turn.store.history(project.id, limit=50)
    if last is not None:
        history = [row for row in history if row.at > last]
    reply = digest.build(
        state, history, previous, privacy.project_lead(connection, project.id),
        schedules.local_time(upcoming[0], timezone) if upcoming else None,
        local=local_figures(connection, [project.id]).get(project.id),
        previous_local=stored[DIGEST].last_local_covered if DIGEST in stored else None,
    )
    return [reply]


def pause_channel(turn: Turn, reason: str) -> list[Reply]:
    """The channel was archived or the bot removed: pause its projects' schedules."""
    channel = turn.caller.channel_id
    if channel:
        paused = store.pause_channel(turn.store.connection, turn.caller.workspace_id, channel,
                                     reason)
        if paused:
            log.warning("schedules paused (%s): projects %s", reason, paused)
    return []
