"""Sample data for the matrix import templates, for the template tests."""

from __future__ import annotations

from typing import Any

from services.matrix_import import BadRow
from storage.sheet import SHEET
from storage.state import CompetenceInfo

C = [
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET
]
BAD = [
    BadRow(5, "zzz", "unknown_competence"),
    BadRow(6, "7", "bad_sourcing", "bizarre <b>"),
    BadRow(7, "6", "duplicate", "4"),
    BadRow(8, "8", "missing_entity"),
    BadRow(9, "9", "ambiguous_entity", "DANE, DSI"),
    BadRow(10, "10", "too_long", "service_level"),
    BadRow(11, "11", "bad_keep", "peut-être"),
]
DIFF = [
    {"competence": C[5], "fields": [
        {"field": "entity_id", "old": None, "new": "Open Digital <Education>"},
        {"field": "sourcing", "old": None, "new": "externe"},
        {"field": "contacts", "old": "U0BOB, @yann", "new": "@julie"},
        {"field": "keep", "old": "a_decider", "new": "oui"},
    ]},
]
_PREVIEW = {"source": "matrice <1>.csv", "diff": DIFF, "changed": 3, "unchanged": 2,
            "new_entities": [{"name": "Open Digital <Education>", "kind": "editeur"}],
            "bad": BAD, "bad_count": 12, "pending": True}
MATRIX_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "matrix_preview": [
        _PREVIEW,
        {**_PREVIEW, "bad": [], "bad_count": 0},
        {**_PREVIEW, "diff": [], "changed": 0, "new_entities": [], "pending": False},
    ],
    "matrix_applied": [
        {"actor": "U0ALICE", "source": "m.csv", "competences": C[:3], "created": ["ODE <x>"],
         "skipped": 2},
        {"actor": "U0ALICE", "source": "m.csv", "competences": C[:1], "created": [],
         "skipped": 0},
        {"source": "m.csv", "competences": [], "created": [], "skipped": 0},
    ],
    "matrix_error": [
        {"code": code, "fragment": "m.csv", "detail": ["Compétence"]}
        for code in ("empty", "no_rows", "too_big", "too_many_rows", "not_csv", "encoding",
                     "missing_columns", "file_not_found", "unreadable", "upload_needed",
                     "other")
    ],
}
