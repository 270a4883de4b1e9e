"""Sample data for the templates of Slack-only replies (home page, form, direct messages…)."""

from __future__ import annotations

from typing import Any

from services.gaps import Coverage, Gap, GapKind, Severity
from services.home import Held, ProjectHome
from storage.sheet import SHEET
from storage.state import AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo

C = [
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET
]
DSI = EntityInfo(1, "DSI du Département <y> & co", "collectivite")
PROJECT = ProjectInfo(7, "T1", "ENT des collèges <y>", "departement", channel_id="C0CHAN0001")
BARE = ProjectInfo(8, "T1", "ENT 35")
HELD = AssignmentInfo(C[6].id, DSI.id, "externe", ("U0ALICE01",), keep="a_decider",
                      service_level="4 h", notes="<y>")
PAGE = ProjectHome(
    PROJECT, Coverage(None, 3, 19), [Held(C[6], DSI, HELD)],
    [Gap(GapKind.KEEP_UNDECIDED, Severity.LOW, C[6]),
     Gap(GapKind.NO_PROVIDER, Severity.MEDIUM, C[6], owner=DSI)],
    [Gap(GapKind.UNASSIGNED, Severity.HIGH, C[0])], gap_count=30,
)
FORM = {"project": PROJECT, "competences": tuple(C), "entities": (DSI,), "competence": None,
        "a": None}

SLACK_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "assign_form": [FORM, {**FORM, "competence": C[6], "a": HELD}],
    "dm_chosen": [{"project": PROJECT}],
    "dm_no_project": [{}],
    "dm_picker": [{"projects": [PROJECT, BARE], "more": 0},
                        {"projects": [PROJECT], "more": 3}],
    "form_error": [{"field": "x", "code": code, "limit": 500} for code in (
        "missing_competence", "unknown_competence", "missing_entity", "unknown_entity",
        "both_entities", "empty_name", "too_long", "control_chars", "bad_contacts", "bad_choice",
    )],
    "slack_form_unavailable": [{}],
    "home": [
        {"user": "U0ALICE01", "projects": [], "more": False},
        {"user": "U0ALICE01", "projects": [PAGE], "more": True},
        {"user": "U0ALICE01", "projects": [ProjectHome(BARE, Coverage(None, 19, 19))],
         "more": False},
    ],
    "joined": [{}],
    "keep_set": [{"actor": "U0ALICE01", "competence": C[14]}],
    "keep_unchanged": [{"competence": C[14]}],
    "slack_listening": [{"socket": True, "port": 0}, {"socket": False, "port": 3000}],
    "slack_membership_unknown": [{"channel": "C0CHAN0001"}, {"channel": None}],
    "slack_missing_setting": [{"setting": "SLACK_BOT_TOKEN"}],
    "slack_not_member": [{"channel": "C0CHAN0001"}, {"channel": None}],
    "stale_button": [{}],
    "slack_startup_failed": [{"detail": "invalid_auth"}],
}
