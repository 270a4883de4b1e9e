"""The French calendar the schedules follow: weekends, public holidays (with Alsace-Moselle's
two more where the project is there) and the school holidays of the project's zone.

Every date comes from the ``holidays`` package (France, categories ``public`` and
``school``); nothing here lists a date by hand. Its school holidays follow the ministry's
arrêtés up to the school year ending in :data:`SCHOOL_DATA_LAST` (and rules before that,
from the 2017-2018 school year); beyond those years the bot keeps to public holidays only
and logs a warning once.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from holidays import country_holidays

from services.text import normalize

log = logging.getLogger(__name__)

ZONES = ("A", "B", "C")
ALSACE = "6AE"
MOSELLE = "57"
SUBDIVISIONS = (MOSELLE, ALSACE)
SCHOOL_DATA_FIRST = date(2017, 9, 1)
SCHOOL_DATA_LAST = date(2028, 8, 31)
"""The school years whose holidays the installed ``holidays`` package takes from the
ministry's arrêtés (2017-2018 to 2027-2028: the arrêté of 21 July 2026)."""
MAX_SHIFT = 120
"""Days a slot may move forward at most (a summer holiday is about 60)."""

ACADEMIES: dict[str, str] = {
    "besancon": "A", "bordeaux": "A", "clermont-ferrand": "A", "clermont": "A",
    "dijon": "A", "grenoble": "A", "limoges": "A", "lyon": "A", "poitiers": "A",
    "aix-marseille": "B", "marseille": "B", "amiens": "B", "lille": "B",
    "nancy-metz": "B", "nancy": "B", "metz": "B", "nantes": "B", "nice": "B",
    "normandie": "B", "caen": "B", "rouen": "B", "orleans-tours": "B", "orleans": "B",
    "tours": "B", "reims": "B", "rennes": "B", "strasbourg": "B",
    "creteil": "C", "montpellier": "C", "paris": "C", "toulouse": "C", "versailles": "C",
}
"""The académies of each zone of metropolitan France (the domain guide's list)."""
_ALSACE_WORDS = {"alsace", "bas-rhin", "haut-rhin", "strasbourg", "colmar", "mulhouse", "67",
                 "68"}
_MOSELLE_WORDS = {"moselle", "metz", "57"}

_TOKEN = re.compile(r"[a-z0-9-]+")
_warned = threading.Event()


@dataclass(frozen=True, slots=True)
class Place:
    """Where a project is, for its calendar."""

    zone: str | None = None
    subdivision: str | None = None
    ignore_school_holidays: bool = False


@lru_cache(maxsize=4096)
def zone_of(*texts: str | None) -> str | None:
    """The school zone of the académie a text names (``DANE de Rennes`` → ``B``)."""
    for text in texts:
        if not text:
            continue
        words = _TOKEN.findall(normalize(text))
        for size in (2, 1):
            for i in range(len(words) - size + 1):
                found = ACADEMIES.get("-".join(words[i:i + size]))
                if found:
                    return found
    return None


@lru_cache(maxsize=4096)
def subdivision_of(*texts: str | None) -> str | None:
    """Alsace (``6AE``) or Moselle (``57``) when a text names them (or their départements)."""
    for text in texts:
        if not text:
            continue
        words = set(_TOKEN.findall(normalize(text)))
        if words & _ALSACE_WORDS:
            return ALSACE
        if words & _MOSELLE_WORDS:
            return MOSELLE
    return None


@lru_cache(maxsize=64)
def _public(subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(country_holidays("FR", subdiv=subdivision, years=year))


@lru_cache(maxsize=64)
def _school(zone: str, year: int) -> frozenset[date]:
    return frozenset(
        country_holidays("FR", subdiv=f"Zone {zone}", categories=("school",), years=year)
    )


def covered(day: date) -> bool:
    """Whether the school holidays of ``day`` are known from the ministry's data."""
    return SCHOOL_DATA_FIRST <= day <= SCHOOL_DATA_LAST


def is_public_holiday(day: date, subdivision: str | None = None) -> bool:
    return day in _public(subdivision if subdivision in SUBDIVISIONS else None, day.year)


def is_school_holiday(day: date, zone: str | None) -> bool:
    if zone not in ZONES:
        return False
    if not covered(day):
        if not _warned.is_set():
            _warned.set()
            log.warning("school holidays unknown for %s: public holidays only", day.isoformat())
        return False
    return day in _school(zone, day.year)


def is_working_day(day: date, place: Place) -> bool:
    """No post on a weekend, a public holiday or (unless ignored) a school holiday."""
    if day.weekday() >= 5 or is_public_holiday(day, place.subdivision):
        return False
    return place.ignore_school_holidays or not is_school_holiday(day, place.zone)


def next_working_day(day: date, place: Place) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    for _ in range(MAX_SHIFT):
        if is_working_day(day, place):
            return day
        day += timedelta(days=1)
    return day
