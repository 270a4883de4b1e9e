"""Sample data for the gap-reminder templates (used by tests/test_templates.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.gaps import Gap, GapKind, Severity
from services.reminders import Escalated, Line, Section
from storage.sheet import SHEET
from storage.state import CompetenceInfo, EntityInfo, ProjectInfo

_C = [CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
      for s in SHEET]
_DSI = EntityInfo(1, "DSI <IT> & co", "collectivite")
_PROJECT = ProjectInfo(1, "T1", "ENT des collèges <35>", channel_id="C1")
_BARE = ProjectInfo(2, "T1", "ENT 22")
_GAPS = [
    Gap(GapKind.UNASSIGNED, Severity.HIGH, _C[1]),
    Gap(GapKind.NO_CONTACT, Severity.MEDIUM, _C[0], owner=_DSI),
    Gap(GapKind.NO_SOURCING, Severity.LOW, _C[2], owner=_DSI),
    Gap(GapKind.NO_PROVIDER, Severity.MEDIUM, _C[4], owner=_DSI),
    Gap(GapKind.NO_SERVICE_LEVEL, Severity.MEDIUM, _C[4], owner=_DSI),
    Gap(GapKind.KEEP_UNDECIDED, Severity.LOW, _C[3]),
    Gap(GapKind.QUESTION_UNANSWERED, Severity.MEDIUM, question=3),
    Gap(GapKind.FACTOR_PENDING, Severity.LOW, factor=2),
]
_LINES = [Line(g, f"{g.kind.value}:{n}", n % 4, n % 2 == 0) for n, g in enumerate(_GAPS)]
_REMINDER: dict[str, Any] = {
    "user": "U0ALICE01", "late": True, "more": 42,
    "projects": [Section(_PROJECT, _LINES[:6], 3), Section(_BARE, _LINES[6:], 0, 12)],
}
_DONE = {"project": _PROJECT, "gap": None}

REMINDER_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "reminder": [_REMINDER, {"user": "b<y>b", "late": False, "more": 0,
                             "projects": [Section(_BARE, _LINES[:1]),
                                          Section(_PROJECT, [], 0, 1)]}],
    "reminder_escalation": [
        {"project": _PROJECT, "lead": "U0BOB0001", "weeks": 3, "more": 2,
         "gaps": [Escalated(g, "k", 3 + n) for n, g in enumerate(_GAPS[:6])]},
        {"project": _BARE, "lead": "alice", "weeks": 1, "more": 0,
         "gaps": [Escalated(_GAPS[0], "k", 1)]},
    ],
    "reminder_done": [
        {**_DONE, "subject": {"kind": "no_contact", "competence": _C[0], "number": 1}},
        {**_DONE, "subject": {"kind": "question", "competence": None, "number": 3}},
        {**_DONE, "subject": {"kind": "factor", "competence": None, "number": 2}},
    ] + [{"project": _PROJECT, "gap": g, "subject": {}} for g in _GAPS],
    "reminder_snoozed": [{"project": _PROJECT, "gap": _GAPS[1],
                          "until": datetime(2027, 1, 14, 10, 0)}],
    "reminder_declined": [
        {"project": _PROJECT, "gap": _GAPS[2], "lead": "U0BOB0001", "again": False},
        {"project": _PROJECT, "gap": _GAPS[2], "lead": None, "again": False},
        {"project": _PROJECT, "gap": _GAPS[2], "lead": "bob", "again": True},
    ],
    "reminder_declined_notice": [
        {"project": _PROJECT, "gap": _GAPS[3], "lead": "U0BOB0001", "actor": "U0ALICE01"},
    ],
}
