"""Sample data for the schedule and digest templates (used by tests/test_templates.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.calendar import Place
from services.digest import GapLine
from services.gaps import Coverage, Gap, GapKind, Severity
from services.schedules import describe, rule_text
from storage.schedules import Calendar
from storage.sheet import FAMILIES, SHEET
from storage.state import CompetenceInfo, EntityInfo, ProjectInfo
from storage.store import HistoryRow

_C = [CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
      for s in SHEET]
_DSI = EntityInfo(1, "DSI <IT> & co", "collectivite")
_PROJECT = ProjectInfo(1, "T1", "ENT des collèges <35>", channel_id="C1")
_AT = datetime(2027, 1, 4, 9, 0)
_LINES = [
    GapLine(Gap(GapKind.UNASSIGNED, Severity.HIGH, _C[1]), ("U0ALICE01",)),
    GapLine(Gap(GapKind.NO_CONTACT, Severity.MEDIUM, _C[0], owner=_DSI), ()),
    GapLine(Gap(GapKind.KEEP_UNDECIDED, Severity.LOW, _C[3]), ("bob",)),
]
_DIGEST: dict[str, Any] = {
    "project": _PROJECT, "overall": Coverage(None, 2, 19),
    "families": [Coverage(f, 1, 5) for f in FAMILIES], "delta": 2,
    "changes": [HistoryRow(_AT, "U0ALICE01", "assignment", "hebergement", "sourcing", None,
                           "interne", 7)],
    "more_changes": 3,
    "groups": [{"severity": 3, "lines": _LINES[:1], "more": 4},
               {"severity": 2, "lines": _LINES[1:2], "more": 0},
               {"severity": 1, "lines": _LINES[2:], "more": 1}],
    "gap_count": 9, "questions": [1, 3], "factors": [2], "next_at": _AT,
    "late_from": _AT, "first_unassigned": _C[1],
    "local": {"total": 62, "covered": 45, "percent": 73, "delta": -2},
}
_EMPTY_DIGEST = {**_DIGEST, "delta": None, "changes": [], "more_changes": 0, "groups": [],
                 "gap_count": 0, "questions": [], "factors": [], "next_at": None,
                 "late_from": None, "first_unassigned": None, "local": None}
_SUMMARY: dict[str, Any] = {
    "project": _PROJECT, "calendar": Calendar("B", "6AE", "U0BOB0001", True, "is_archived"),
    "place": Place("B", "6AE"), "lead": "U0BOB0001",
    "digest": describe(rule_text("weekly", 0, 9, 0)), "digest_next": [_AT, _AT],
    "reminders": describe(rule_text("daily", 0, 8, 30)), "reminders_next": [_AT],
    "me_off": True,
}
_OFF: dict[str, Any] = {**_SUMMARY, "calendar": Calendar(), "place": Place(), "lead": None,
                        "digest": None, "digest_next": [], "reminders": describe(
                            rule_text("monthly", 0, 9, 0)), "reminders_next": [],
                        "me_off": False}
_CHANGES = ("digest", "reminders", "pause", "resume", "holidays", "chart", "zone", "lead",
            "settings")
_CODES = ("bad_action", "bad_cadence", "missing_cadence", "bad_day", "bad_time", "bad_holidays",
          "bad_on_off", "bad_zone", "bad_lead", "other")

SCHEDULE_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "digest": [_DIGEST, _EMPTY_DIGEST],
    "schedule": [_SUMMARY, _OFF],
    "schedule_set": [{**_SUMMARY, "actor": "U0ALICE01", "change": c} for c in _CHANGES]
    + [{**_OFF, "actor": "bob", "change": "digest"}],
    "schedule_me": [{"enabled": True}, {"enabled": False}],
    "schedule_form": [{"project": _PROJECT}],
    "digest_chart": [_DIGEST],
    "schedule_error": [{"code": c, "fragment": "zzz <!channel>"} for c in _CODES]
    + [{"code": "missing_cadence", "fragment": ""}],
}
