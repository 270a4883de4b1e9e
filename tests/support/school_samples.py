"""Sample data for the schools and export templates, for the template tests."""

from __future__ import annotations

from typing import Any

from services.school_import import Skipped
from services.school_people import PersonRow
from storage.schools import SchoolInfo
from storage.sheet import SHEET
from storage.state import CompetenceInfo, EntityInfo, ProjectInfo

C = [
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET
]
PROJECT = ProjectInfo(1, "T1", "ENT des collèges & co", "departement", channel_id="C1")
DANE = EntityInfo(2, "DANE <y> Rennes", "academie")
SCHOOL = SchoolInfo(1, "0350122T", "Collège <y> Anne de Bretagne", "college", "Collège",
                    "public", "Rennes", "035", "", "OUVERT", None)
CLOSING = SchoolInfo(2, "0351383N", "Ecole Sainte-Catherine", "ecole", "Ecole", "prive",
                     "Saint-Lunaire", "035", "Saint-Malo", "A FERMER", "U0ANNE001")
SKIPPED = [
    Skipped(4, "0350122A", "bad_uai", "T"),
    Skipped(5, "035012", "bad_uai", ""),
    Skipped(9, "0350778F", "duplicate", "3"),
    Skipped(10, "0350001L", "no_name"),
    Skipped(0, "0350002M", "closed"),
]
GROUPS = [{"label": "Rennes <y>", "total": 12, "covered": 3, "missing": 9},
          {"label": "Vitré", "total": 2, "covered": 2, "missing": 0}]
COVERAGE: dict[str, Any] = {
    "project": PROJECT, "total": 62, "covered": 15, "closing": 1, "percent": 24,
    "by_kind": GROUPS, "by_circonscription": GROUPS, "by_commune": GROUPS, "commune_count": 46,
    "uncovered": [SCHOOL, CLOSING], "uncovered_total": 47, "page": 1, "pages": 3,
    "local": [{"competence": C[8], "schools": 3, "entity": DANE, "providers": []},
              {"competence": C[9], "schools": 1, "entity": None,
               "providers": ["DANE <Rennes>", "Canopé"]}],
}
IMPORTED: dict[str, Any] = {
    "source": "annuaire <y>.csv", "filters": ["type:college", "statut:public"], "total": 996,
    "outside": 934, "added": 62, "updated": 1, "unchanged": 0, "skipped": SKIPPED,
    "skipped_count": 20, "closing": [{**CLOSING.directory(), "uai": CLOSING.uai}],
    "closing_count": 2,
    "encoding": "utf-8-sig",
}
SCHOOL_ERRORS = [
    {"code": code, "fragment": "annuaire.csv", "detail": ["20"], "usage": "import"}
    for code in ("empty", "no_rows", "too_big", "too_many_rows", "not_csv", "encoding",
                 "file_not_found", "unreadable", "upload_needed", "unknown_filter",
                 "empty_filter", "bad_statut", "other")
] + [
    {"code": "not_local", "fragment": "3", "detail": ["9", "10", "11"], "usage": "local"},
    {"code": "missing_columns", "fragment": "a.csv", "detail": ["Nom_etablissement"]},
    {"code": "missing_columns", "fragment": "a.csv", "detail": ["A", "B"], "usage": "x"},
    {"code": "bad_uai", "fragment": "0350122A", "expected": "T", "usage": "add"},
    {"code": "bad_uai", "fragment": "035012", "expected": "", "usage": "referent"},
    {"code": "no_such_page", "fragment": "9", "pages": 3, "usage": "page"},
    {"code": "no_such_page", "fragment": "2", "pages": 1, "usage": "page"},
] + [
    {"code": code, "fragment": "0350122T <y>", "usage": "referent"}
    for code in ("no_local", "missing_uai", "one_name", "unknown_school", "missing_target",
                 "no_match", "one_person", "missing_person", "bad_page", "unknown_action")
]

BAD_PEOPLE = [
    PersonRow(2, "0350003A", "@anne", problem="bad_uai", detail="N"),
    PersonRow(3, "035", "@anne", problem="bad_uai", detail=""),
    PersonRow(4, "0350001L", "<y>", problem="unknown_school"),
    PersonRow(5, "0350003N", "bob", problem="duplicate", detail="2"),
    PersonRow(6, "0350033W", "", problem="missing_person"),
    PersonRow(7, "0350033W", "x" * 40, problem="bad_person"),
    PersonRow(8, "0350033W", "bob", problem="unknown_competence", detail="cuisine <y>"),
]
PEOPLE: dict[str, Any] = {"source": "referents <y>.csv", "good": 12, "changes": 10, "covers": 30,
                          "bad": BAD_PEOPLE, "bad_count": 9, "applied": False}

def _handover() -> Any:
    from datetime import datetime

    from services.export import Handover
    from services.gaps import Coverage, Gap, GapKind, Severity
    from storage.schools import Coverage as Local
    from storage.schools import Group
    from storage.state import AnswerInfo, AssignmentInfo, ProjectState
    from storage.store import HistoryRow

    at = datetime(2026, 3, 2, 8, 30)
    a = AssignmentInfo(7, DANE.id, "externe", ("U0ALICE01", "@bob"), "Open | ENT", "4 h",
                       "oui", "notes <y>", "U0ALICE01", at)
    state = ProjectState(PROJECT, tuple(C), (DANE,), {7: a},
                         {1: AnswerInfo(1, "DANE <y>", {}, "U0ALICE01", at)}, {3: True})
    local = Local(62, 15, 1, (Group("Collège", 62, 15),), (Group("", 62, 15),),
                  (Group("Rennes", 12, 3),), (), {9: 3})
    return Handover(
        PROJECT, state,
        [{"competence": C[6], "a": a, "entity": DANE},
         {"competence": C[0], "a": None, "entity": None}],
        Coverage(None, 1, 19), [Coverage("technique", 1, 9)],
        [Gap(GapKind.UNASSIGNED, Severity.HIGH, C[0], owner=DANE),
         Gap(GapKind.QUESTION_UNANSWERED, Severity.MEDIUM, question=2),
         Gap(GapKind.FACTOR_PENDING, Severity.LOW, factor=1)],
        [HistoryRow(at, "U0ALICE01", "assignment", "hebergement", "entity_id", None, "DANE",
                    7)],
        local, [SCHOOL, CLOSING],
        [{"competence": C[8], "schools": 3, "entity": DANE, "providers": ["Canopé"]},
         {"competence": C[9], "schools": 0, "entity": None, "providers": []}],
        at,
    )


def _empty_handover() -> Any:
    from dataclasses import replace

    from storage.schools import Coverage as Local

    return replace(_handover(), gaps=[], history=[], schools=[],
                   coverage=Local(0, 0, 0, (), (), (), (), {}))


SCHOOL_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "export_md": [{"h": _handover()}, {"h": _empty_handover()}],
    "export_labels": [{}],
    "export_written": [{"format": "ods", "path": "passation <y>.ods"}, {"format": "md"}],
    "export_error": [{"code": c, "fragment": "x <y>"}
                     for c in ("bad_format", "cannot_write", "console_only", "other")],
    "schools_people": [
        PEOPLE,
        {**PEOPLE, "applied": True, "actor": "U0ALICE01"},
        {**PEOPLE, "applied": True, "actor": "bob", "bad": [], "bad_count": 0, "changes": 1,
         "covers": 1},
        {**PEOPLE, "applied": True, "bad": [], "bad_count": 0, "changes": 0, "covers": 0},
        {**PEOPLE, "good": 1, "bad": [], "bad_count": 0, "changes": 0, "covers": 0},
    ],
    "schools_local": [
        {"competences": C[8:11], "changed": False},
        {"competences": C[8:10], "changed": True, "actor": "U0ALICE01"},
    ],
    "cli_project": [
        {"code": "unknown_project", "fragment": "ENT <y>", "candidates": ["ENT 35", "<y>"]},
        {"code": "ambiguous_project", "fragment": "ENT", "candidates": []},
        {"code": "unknown_project", "fragment": "ENT", "candidates": []},
    ],
    "schools_error": SCHOOL_ERRORS,
    "schools_imported": [
        {**IMPORTED, "actor": "U0ALICE01"},
        {**IMPORTED, "added": 0, "updated": 0, "unchanged": 62, "skipped": [],
         "skipped_count": 0, "closing": [], "closing_count": 0, "outside": 0, "filters": []},
    ],
    "schools_added": [
        {"actor": "bob", "uais": ["0350122T"], "known": [], "name": "Collège <y>"},
        {"actor": "bob", "uais": ["0350122T", "0350001L"], "known": ["0350002M"], "name": ""},
        {"actor": "bob", "uais": [], "known": ["0350122T"], "name": ""},
    ],
    "schools_referent_set": [
        {"actor": "bob", "person": "U0ANNE001", "schools": [SCHOOL], "count": 12,
         "unchanged": 2, "filters": ["commune:Rennes"]},
        {"actor": "bob", "person": None, "schools": [SCHOOL], "count": 1, "unchanged": 0,
         "filters": []},
        {"actor": "bob", "person": "Anne <y>", "schools": [], "count": 0, "unchanged": 3,
         "filters": []},
        {"actor": "bob", "person": None, "schools": [], "count": 0, "unchanged": 1,
         "filters": []},
    ],
    "schools_coverage": [
        COVERAGE,
        {**COVERAGE, "page": 3, "by_kind": GROUPS[:1], "commune_count": 1},
        {**COVERAGE, "covered": 62, "uncovered": [], "uncovered_total": 0, "pages": 1,
         "local": [], "closing": 0},
        {**COVERAGE, "total": 0, "covered": 0},
    ],
}
