"""Sample data for the personal-data templates (see tests/test_templates.py)."""

from __future__ import annotations

from typing import Any

from services.personal_data import Summary
from services.retention import Purged
from storage.sheet import SHEET
from storage.state import CompetenceInfo, ProjectInfo

PROJECT = ProjectInfo(7, "T1", "ENT <des> collèges")
C = [
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET
]

FULL = Summary(
    projects=["ENT <des> collèges"],
    contacts=[("ENT des collèges", "7. Hébergement"), ("ENT des écoles", "9. Administration")],
    answers=[("ENT des collèges", 1)],
    history=12, schools=2, pending=1, settings=1, other=3,
)
CODES = ["bad_word", "one_person", "not_lead", "unknown_person", "nothing_held",
         "nothing_pending", "cannot_write", "upload_failed", "closed", "not_lead_close"]

PERSONAL_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "my_data": [{"user": "U0ALICE01", "summary": FULL}, {"user": "bob", "summary": Summary()}],
    "my_data_export": [{"content": "{}", "file_name": "mes-donnees-bob.json", "rows": 3}],
    "my_data_written": [{"path": "/tmp/mes-donnees-bob.json", "rows": 3}],
    "my_data_sent": [{"rows": 0}],
    "erase_confirm": [
        {"target": "U0BOB0001", "by_lead": True, "summary": FULL, "command": "oublier"},
        {"target": "bob", "by_lead": False, "summary": Summary(history=1),
         "command": "mes-donnees effacer"},
    ],
    "erased": [{"number": 3, "by_lead": True, "target": "U0BOB0001"},
               {"number": 1, "by_lead": False, "target": None}],
    "erase_cancelled": [{}],
    "rgpd_purged": [{"bad_at": "hier"}, {"done": Purged([1, 2], 5, ["T9"]), "dry_run": True},
                    {"done": Purged(), "dry_run": False}],
    "project_closed": [{"actor": "U0ALICE01", "project": PROJECT, "months": 12}],
    "contact_removed": [
        {"actor": "bob", "person": "U0ALICE01", "removed": C[:2], "orphaned": C[1:2],
         "project": PROJECT},
        {"actor": "bob", "person": "@carl", "removed": C[:1], "orphaned": [], "project": PROJECT},
    ],
    "contact_left_notice": [
        {"lead": "U0BOB0001", "person": "U0ALICE01", "project": PROJECT, "competences": C[:2]},
        {"lead": "bob", "person": "@carl", "project": PROJECT, "competences": C[:1]},
    ],
    "personal_error": [{"code": code, "fragment": "@bob <x>"} for code in CODES],
}
