"""When posts are due: RFC 5545 recurrence rules (python-dateutil) in the project's time zone,
moved off weekends and holidays by :mod:`services.calendar`, as instants in naive UTC.

Rules run on local wall-clock time, so a 09:00 post stays at 09:00 across daylight-saving
changes. A slot in a holiday moves to the next working day at the same time; several
slots moved to the same day make one post. Pure functions, memoised: a due pass over many
projects computes each distinct (rule, zone, calendar) once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from services.calendar import Place, next_working_day
from services.text import normalize

log = logging.getLogger(__name__)

DEFAULT_ZONE = "Europe/Paris"
EPOCH = datetime(2024, 1, 1)
"""A Monday: every rule counts from it, so "every two weeks" keeps its weeks."""
LOOK_BACK = timedelta(days=200)
"""How far back a pass looks for the latest due slot (longer than any holiday)."""
LATE_AFTER = timedelta(hours=2)
"""A post sent later than this after its slot is marked late."""

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_WORDS: dict[str, int] = {
    "lundi": 0, "lun": 0, "monday": 0, "mon": 0,
    "mardi": 1, "mar": 1, "tuesday": 1, "tue": 1,
    "mercredi": 2, "mer": 2, "wednesday": 2, "wed": 2,
    "jeudi": 3, "jeu": 3, "thursday": 3, "thu": 3,
    "vendredi": 4, "ven": 4, "friday": 4, "fri": 4,
}
CADENCES: dict[str, str] = {
    "hebdomadaire": "weekly", "hebdo": "weekly", "semaine": "weekly", "weekly": "weekly",
    "quotidienne": "daily", "quotidien": "daily", "quotidiennement": "daily",
    "jour": "daily", "daily": "daily",
    "bimensuelle": "biweekly", "quinzaine": "biweekly", "quinzomadaire": "biweekly",
    "biweekly": "biweekly", "fortnightly": "biweekly",
    "mensuelle": "monthly", "mensuel": "monthly", "mois": "monthly", "monthly": "monthly",
    "off": "off", "non": "off", "aucune": "off", "aucun": "off", "stop": "off",
    "arret": "off", "none": "off", "no": "off",
}
_FILLERS = frozenset({"le", "la", "les", "a", "at", "on", "every", "chaque", "tous", "toutes",
                      "each", "the", "de", "du"})
_HOUR = re.compile(r"^(\d{1,2})(?:(?:h|:)(\d{2})?)?$")
_AMPM = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)$")


@dataclass(frozen=True, slots=True)
class Cadence:
    """A parsed ``/ent rappels synthese …``: its rule, or None for off."""

    rule: str | None
    cadence: str
    day: int | None = None
    hour: int = 9
    minute: int = 0


@dataclass(frozen=True, slots=True)
class CadenceError:
    code: str
    """``bad_cadence``, ``bad_day``, ``bad_time`` or ``missing_cadence``."""
    fragment: str


def rule_text(cadence: str, day: int, hour: int, minute: int) -> str:
    time_part = f"BYHOUR={hour};BYMINUTE={minute};BYSECOND=0"
    if cadence == "daily":
        return f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;{time_part}"
    if cadence == "monthly":
        return f"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;{time_part}"
    interval = ";INTERVAL=2" if cadence == "biweekly" else ""
    return f"FREQ=WEEKLY{interval};BYDAY={WEEKDAYS[day]};{time_part}"


DEFAULT_DIGEST = rule_text("weekly", 0, 9, 0)
DEFAULT_REMINDERS = rule_text("weekly", 3, 10, 0)
"""What ``/ent rappels relances hebdomadaire`` means without a day or time."""


def parse_cadence(text: str, default_day: int = 0, default_hour: int = 9) -> Cadence | CadenceError:
    """``hebdomadaire lundi 9h``, ``quotidienne 8h30``, ``mensuelle``, ``off``, in French or
    English, with or without accents, words in any order after the cadence."""
    words = [w for w in normalize(text).replace(",", " ").split() if w not in _FILLERS]
    if not words:
        return CadenceError("missing_cadence", "")
    cadence: str | None = None
    day: int | None = None
    hour: int | None = None
    minute = 0
    for word in words:
        if word in CADENCES and cadence is None:
            cadence = CADENCES[word]
        elif word in DAY_WORDS and day is None:
            day = DAY_WORDS[word]
        elif word[:1].isdigit():
            parsed = parse_time(word)
            if parsed is None:
                return CadenceError("bad_time", word)
            hour, minute = parsed
        elif cadence is None:
            return CadenceError("bad_cadence", word)
        else:
            return CadenceError("bad_day", word)
    if cadence is None:
        return CadenceError("missing_cadence", text.strip())
    if cadence == "off":
        return Cadence(None, "off")
    hour = default_hour if hour is None else hour
    chosen = default_day if day is None else day
    day = None if cadence in {"daily", "monthly"} else chosen
    return Cadence(rule_text(cadence, chosen, hour, minute), cadence, day, hour, minute)


def parse_time(word: str) -> tuple[int, int] | None:
    """``9h``, ``8h30``, ``09:00``, ``9``, ``10am``; None for an impossible time (``25h``)."""
    match = _HOUR.match(word)
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
    else:
        ampm = _AMPM.match(word)
        if ampm is None:
            return None
        hour, minute = int(ampm.group(1)) % 12, int(ampm.group(2) or 0)
        hour += 12 if ampm.group(3) == "pm" else 0
    if hour > 23 or minute > 59:
        return None
    return hour, minute


@dataclass(frozen=True, slots=True)
class Described:
    """A rule in words, for the templates."""

    cadence: str
    day: int | None
    hour: int
    minute: int


def describe(rule: str | None) -> Described | None:
    if rule is None:
        return None
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    hour, minute = int(parts.get("BYHOUR", 9)), int(parts.get("BYMINUTE", 0))
    days = parts.get("BYDAY", "MO")
    if parts.get("FREQ") == "MONTHLY":
        return Described("monthly", None, hour, minute)
    if "," in days:
        return Described("daily", None, hour, minute)
    day = WEEKDAYS.index(days) if days in WEEKDAYS else 0
    return Described("biweekly" if parts.get("INTERVAL") == "2" else "weekly", day, hour, minute)


def zone_info(name: str | None) -> ZoneInfo:
    """The project's time zone; an invalid one falls back to Europe/Paris with a warning."""
    return _zone(name or DEFAULT_ZONE)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("invalid time zone %r: Europe/Paris used", name)
        return ZoneInfo(DEFAULT_ZONE)


@lru_cache(maxsize=256)
def _rule(text: str) -> rrule:
    parsed = rrulestr(text, dtstart=EPOCH, cache=True)
    assert isinstance(parsed, rrule)
    return parsed


def valid_rule(text: str) -> bool:
    try:
        _rule(text)
    except (ValueError, TypeError):
        return False
    return True


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def shifted(raw: datetime, zone: ZoneInfo, place: Place) -> datetime:
    """The instant (naive UTC) of a local slot, moved to the next working day if need be."""
    day = next_working_day(raw.date(), place)
    return _utc(datetime.combine(day, time(raw.hour, raw.minute)), zone)


def latest_due(rule: str, timezone: str | None, place: Place, now: datetime) -> datetime | None:
    """The latest slot (naive UTC, after moving off holidays) at or before ``now``."""
    return _latest_due(rule, zone_info(timezone).key, place, now)


@lru_cache(maxsize=4096)
def _latest_due(rule: str, timezone: str, place: Place, now: datetime) -> datetime | None:
    zone = zone_info(timezone)
    local_now = _local(now, zone)
    raws = _rule(rule).between(local_now - LOOK_BACK, local_now, inc=True)
    for raw in reversed(raws):
        instant = shifted(raw, zone, place)
        if instant <= now:
            return instant
    return None


def next_slots(
    rule: str, timezone: str | None, place: Place, now: datetime, count: int = 3
) -> list[datetime]:
    """The next ``count`` posts (naive UTC) after ``now``, holidays taken into account."""
    return list(_next_slots(rule, zone_info(timezone).key, place, now, count))


@lru_cache(maxsize=4096)
def _next_slots(
    rule: str, timezone: str, place: Place, now: datetime, count: int
) -> tuple[datetime, ...]:
    zone = zone_info(timezone)
    local_now = _local(now, zone)
    found: list[datetime] = []
    for raw in _rule(rule).xafter(local_now, count=count * 40):
        instant = shifted(raw, zone, place)
        if instant > now and (not found or instant > found[-1]):
            found.append(instant)
            if len(found) == count:
                break
    return tuple(found)


def local_time(instant: datetime, timezone: str | None) -> datetime:
    """A stored instant (naive UTC) as local wall-clock time in the project's zone."""
    return _local(instant, zone_info(timezone))
