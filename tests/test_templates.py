"""Every reply template exists in every language and renders, plain and for Slack.

``SAMPLES`` gives each template one or more sets of representative data, built from
the real read models; a template with no entry fails, so a new template needs both
its translations and a line here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from messages.render import LANGUAGES, TEMPLATES, Messages
from services.gaps import Coverage, Gap, GapKind, Severity
from services.proposal import Line
from storage.sheet import FAMILIES, SHEET
from storage.state import AnswerInfo, AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo
from storage.store import HistoryRow
from tests.support.matrix_samples import MATRIX_SAMPLES
from tests.support.personal_samples import PERSONAL_SAMPLES
from tests.support.reminder_samples import REMINDER_SAMPLES
from tests.support.schedule_samples import SCHEDULE_SAMPLES
from tests.support.school_samples import SCHOOL_SAMPLES
from tests.support.slack_file_samples import SLACK_FILE_SAMPLES
from tests.support.slack_samples import SLACK_SAMPLES

C = [
    CompetenceInfo(s.number, s.number, s.code, s.label_fr, s.label_en, s.families, s.aliases)
    for s in SHEET
]
DSI = EntityInfo(1, "DSI du Département <IT> & co", "collectivite")
DANE = EntityInfo(2, "DANE Rennes", "academie")
COLLEGE = EntityInfo(3, "Collège Anne de Bretagne", "ecole", "0350122T")
PROJECT = ProjectInfo(1, "T1", "ENT des collèges d'Ille-et-Vilaine", "departement",
                      "Département d'Ille-et-Vilaine", channel_id="C1")
BARE = ProjectInfo(2, "T1", "ENT 35")
AT = datetime(2026, 3, 2, 8, 30)
FULL = AssignmentInfo(1, DSI.id, "interne", ("U0ALICE", "bob"), keep="oui")
BLANK = AssignmentInfo(5, DSI.id)
OVERALL = Coverage(None, 2, 19)
FAMILY = [Coverage(f, 1, 5) for f in FAMILIES]
ANSWER = AnswerInfo(2, "1, 4, 7", {}, "U0ALICE", AT)
GAPS = [
    Gap(GapKind.UNASSIGNED, Severity.HIGH, C[1], owner=DANE),
    Gap(GapKind.UNASSIGNED, Severity.HIGH, C[2]),
    Gap(GapKind.NO_CONTACT, Severity.MEDIUM, C[0], owner=DSI),
    Gap(GapKind.NO_PROVIDER, Severity.MEDIUM, C[4], owner=DSI),
    Gap(GapKind.NO_SERVICE_LEVEL, Severity.MEDIUM, C[4], owner=DSI),
    Gap(GapKind.QUESTION_UNANSWERED, Severity.MEDIUM, question=3),
    Gap(GapKind.NO_SOURCING, Severity.LOW, C[0], owner=DSI),
    Gap(GapKind.KEEP_UNDECIDED, Severity.LOW, C[3]),
    Gap(GapKind.FACTOR_PENDING, Severity.LOW, factor=1),
    Gap(GapKind.CONTACT_LEFT, Severity.HIGH, C[5], owner=DSI),
]
HISTORY = [
    HistoryRow(AT, "U0ALICE", "assignment", "hebergement", field, None, "x", 7)
    for field in ("entity_id", "sourcing", "contacts", "provider", "service_level", "keep",
                  "notes", "other")
] + [
    HistoryRow(AT, "bob", "answer", "question:2", "text", "1", "1, 4", None),
    HistoryRow(AT, "bob", "factor", "facteur:2", "done", "false", "true", None),
    HistoryRow(AT, "bob", "entity.add", "DANE Rennes", "kind", None, "academie", None),
    HistoryRow(AT, "bob", "entity.rename", "DANE", "name", "DANE Rennes", "DANE", None),
    HistoryRow(AT, "bob", "project.moa", "ENT 35", "moa", None, "Région", None),
    HistoryRow(AT, "bob", "project.create", "ENT 35", "name", None, "ENT 35", None),
    HistoryRow(AT, "bob", "other.action", "x", "y", None, None, None),
]
ROWS = [
    {"competence": C[0], "a": FULL, "entity": DSI},
    {"competence": C[1], "a": None, "entity": None},
    {"competence": C[2], "a": AssignmentInfo(3, keep="oui"), "entity": None},
    {"competence": C[4], "a": BLANK, "entity": DSI},
]
STATUS = {"project": PROJECT, "rows": ROWS, "overall": OVERALL, "families": FAMILY,
          "gap_count": 3, "pilot": DANE, "answered": [1, 2], "factors": {1: True, 2: False}}
ERRORS: list[dict[str, Any]] = [
    {"code": code} for code in ("empty", "empty_name", "missing_competence", "something_else")
] + [
    {"code": "missing_entity", "fragment": "7", "candidates": (C[6],)},
    {"code": "too_long", "fragment": "x" * 40, "limit": 200},
    {"code": "control_chars", "fragment": "a\tb"},
    {"code": "unbalanced_quote", "fragment": '"héb <x>'},
    {"code": "unknown_competence", "fragment": "hebergment", "candidates": (C[6], C[7])},
    {"code": "unknown_competence", "fragment": "zzz", "candidates": ()},
    {"code": "out_of_range", "fragment": "20", "candidates": ()},
    {"code": "competence_out_of_range", "fragment": "1-40"},
    {"code": "ambiguous_competence", "fragment": "equipements", "candidates": tuple(C[:3])},
    {"code": "ambiguous_entity", "fragment": "DSI", "candidates": ["DSI 35", "DSI 56"]},
    {"code": "unknown_entity", "fragment": "DAN", "candidates": ["DANE Rennes"]},
    {"code": "unknown_entity", "fragment": "DAN", "candidates": []},
    {"code": "entity_exists", "fragment": "DANE Rennes"},
    {"code": "rename_args", "fragment": "a b c"},
    {"code": "bad_uai", "fragment": "0350122A", "expected": "T"},
    {"code": "bad_uai", "fragment": "0350122", "expected": None},
    {"code": "unknown_command", "fragment": "stauts", "suggestion": "statut"},
    {"code": "unknown_command", "fragment": "zzz", "suggestion": None},
    {"code": "bad_factor", "fragment": "9"},
    {"code": "bad_question", "fragment": "7"},
    {"code": "yes_no", "fragment": "peut-être"},
    {"code": "reversed_range", "fragment": "9-7"},
    {"code": "invalid_range", "fragment": "0-3"},
    {"code": "conflicting_options", "fragment": "interne"},
    {"code": "unknown_item", "fragment": "zzz"},
    {"code": "empty_list", "fragment": ""},
    {"code": "missing_value", "fragment": ""},
    {"code": "missing_value", "fragment": "provider"},
    {"code": "too_long", "fragment": "x" * 40, "limit": 3000, "usage": "notes"},
    {"code": "competence_first", "fragment": "@bob 7", "candidates": (C[6],)},
    {"code": "competence_first", "fragment": "@bob 7"},
    {"code": "bad_contacts", "fragment": "bob"},
    {"code": "bad_keep", "fragment": "peut-être"},
    {"code": "competence_exists", "fragment": "Hébergement"},
    {"code": "bad_territory", "fragment": "canton"},
    {"code": "bad_language", "fragment": "de"},
]
USAGES = ["help", "assign", "unassign", "history", "entity", "entity_add", "entity_rename",
          "factors", "project", "project_create", "project_rename", "project_moa", "questions",
          "answer_project_name", "answer_moa", "answer_q1", "answer_q2", "answer_q3",
          "answer_owner", "answer_yes_no", "contact", "provider", "service_level", "notes",
          "keep", "competence_add", "project_territory", "project_language", "unknown_key"]

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "ask": [{"step": "moa", "number": None, "current": None, "project": BARE}]
    + [{"step": f"q{n}", "number": n, "current": current, "project": PROJECT}
       for n in (1, 2, 3, 4) for current in (None, ANSWER)],
    "ask_owner": [{"competence": C[14], "index": 3, "total": 17, "proposed": None, "same": None},
                  {"competence": C[18], "index": 17, "total": 17, "proposed": "Région <x>",
                   "same": "DSI interne @bob"}],
    "propose": [
        {"lines": [Line((1, 2, 3), "DSI <x>", "interne"),
                   Line((6, 7, 8), "Open ENT", "externe", ("U0ALICE", "@bob"), "Open SAS",
                        "99,9 %", "oui")],
         "competences": C},
        {"lines": [], "competences": C},
    ],
    "assign_unchanged": [{"competence": C[0], "entity": DSI, "a": FULL}],
    "assign_usage": [{}],
    "assigned": [
        {"actor": "U0ALICE", "competence": C[0], "entity": DSI, "a": FULL,
         "changed": ["entity_id"], "previous": DANE},
        {"actor": "bob", "competence": C[4], "entity": DSI, "a": BLANK,
         "changed": ["sourcing"], "previous": None},
    ],
    "cancelled": [{}, {"matrix": True}],
    "detail_set": [
        {"actor": "U0ALICE", "competences": cs, "field": field, "value": value}
        for cs in ([C[6]], C[5:8])
        for field, value in (("provider", "Open <ENT> SAS"), ("service_level", "99,5 %"),
                             ("notes", "marché 2027"), ("keep", "oui"))
    ],
    "project_set": [
        {"actor": "bob", "project": PROJECT, "field": "territory_kind"},
        {"actor": "bob", "project": PROJECT, "field": "language"},
    ],
    "detail_unchanged": [{"competences": cs, "field": "notes", "value": "x"}
                         for cs in ([C[6]], C[5:8])],
    "contacts_added": [{"actor": "bob", "competences": cs, "people": ["U0ALICE", "@carole"]}
                       for cs in ([C[6]], C[5:8])],
    "competence_added": [
        {"actor": "bob", "competence": CompetenceInfo(20, 20, "identites", "Identités",
                                                      "Identités", ("technique",), custom=True)}
    ],
    "confirm_create": [
        {"names": ["Mairie de Rennes"], "suggestions": {"Mairie de Rennes": ["DANE Rennes"]},
         "kinds": {"Mairie de Rennes": "collectivite"}},
        {"names": ["X <y>"], "suggestions": {"X <y>": []}, "kinds": {"X <y>": "autre"}},
        {"names": ["A", "B"], "suggestions": {"A": [], "B": []},
         "kinds": {"A": "autre", "B": "ecole"}},
    ],
    "console_intro": [{}],
    "contact_added": [{"actor": "bob", "competence": C[3], "user": "U0ALICE"}],
    "contact_unchanged": [
        {"competences": [C[3]], "people": ["U0ALICE"], "you": True},
        {"competences": [C[3]], "people": ["U0BOB"], "you": False},
        {"competences": C[3:5], "people": ["U0BOB", "@carl"], "you": False},
    ],
    "assigned_many": [
        {"actor": "bob", "competences": C[5:8], "unchanged": [C[16]], "entity": DSI,
         "a": FULL, "previous": {6: "DANE Rennes"}},
        {"actor": "bob", "competences": C[5:8], "unchanged": [], "entity": DSI,
         "a": BLANK, "previous": {}},
    ],
    "assign_unchanged_many": [{"competences": C[5:8], "entity": DSI, "a": FULL}],
    "unassign_unchanged_many": [{"competences": C[5:8]}],
    "conversation_done": [{"overall": OVERALL, "gap_count": n} for n in (0, 1, 5)],
    "coverage": [
        {"overall": Coverage(None, 19, 19), "families": FAMILY, "missing": []},
        {"overall": OVERALL, "families": FAMILY, "missing": C[2:5]},
    ],
    "entities": [
        {"project": PROJECT, "entities": (), "held": {}},
        {"project": PROJECT, "entities": (DSI, DANE, COLLEGE), "held": {1: C[:2], 3: C[9:10]}},
    ],
    "entities_created": [{"names": ["DANE Rennes"]}, {"names": ["A", "B <c>"]}],
    "entity_added": [{"actor": "bob", "entity": e} for e in (DSI, COLLEGE)],
    "entity_renamed": [{"actor": "bob", "old": "DANE", "new": "DANE Rennes"}],
    "entity_unchanged": [{"entity": DANE}],
    "error": ERRORS + [{"code": "empty", "usage": usage} for usage in USAGES],
    "factors": [{"project": PROJECT, "factors": {}}, {"project": PROJECT, "factors": {2: True}}],
    "factors_changed": [{"actor": "bob", "numbers": [1, 3], "done": done, "already": already,
                         "factors": {1: done, 3: done, 2: True}}
                        for done in (True, False) for already in ([], [2])],
    "gaps": [
        {"project": PROJECT, "gaps": [], "overall": Coverage(None, 19, 19), "families": FAMILY,
         "page": 1, "per_page": 10},
        {"project": PROJECT, "gaps": GAPS, "overall": OVERALL, "families": FAMILY, "page": 1,
         "per_page": 10},
        {"project": PROJECT, "gaps": GAPS * 2, "overall": OVERALL, "families": FAMILY, "page": 1,
         "per_page": 10},
        {"project": PROJECT, "gaps": GAPS * 3, "overall": OVERALL, "families": FAMILY, "page": 2,
         "per_page": 10},
        {"project": PROJECT, "gaps": GAPS * 3, "overall": OVERALL, "families": FAMILY, "page": 1,
         "per_page": None},
        {"project": PROJECT, "gaps": GAPS + GAPS[:4], "overall": OVERALL, "families": FAMILY,
         "page": 1, "per_page": 10},
    ],
    "help": [{"project": None}, {"project": PROJECT}],
    "history": [
        {"project": PROJECT, "competence": None, "rows": []},
        {"project": PROJECT, "competence": None, "rows": HISTORY},
        {"project": PROJECT, "competence": C[6], "rows": HISTORY[:2]},
    ],
    "internal_error": [{}],
    "database_busy": [{}],
    "database_unavailable": [{}],
    "database_unreachable": [{"where": "127.0.0.1:5432", "detail": "timeout"}],
    "already_answered": [{"by": "U0ALICE01", "text": "DANE"}, {"by": None, "text": "x"}],
    "moa_set": [{"actor": "bob", "project": PROJECT}, {"actor": "bob", "project": BARE}],
    "no_conversation": [{}],
    "no_project": [{}],
    "noted": [{"step": step, "value": "DANE Rennes"} for step in ("moa", "q1", "q3")],
    "noted_keep": [
        {"kept": C[:2], "others": C[2:]},
        {"kept": [], "others": C[:1]},
        {"kept": C, "others": []},
    ],
    "nothing_pending": [{}],
    "schools_people_pending": [
        {"code": code, **other} for code in ("waiting", "replaced", "not_checked")
        for other in ({"other": "erase", "target": "U0BOB0001", "by_lead": True},
                      {"other": "erase", "target": "U0ALICE01", "by_lead": False},
                      {"other": "entities", "names": ["DSI <y>", *"ABCDEF"]},
                      {"other": "matrix", "source": "matrice <y>.csv"},
                      {"other": "project_name"},
                      {"other": "people_elsewhere", "source": "referents <y>.csv"},
                      {"other": "unknown"})
    ],
    "paused": [{}],
    "project_created": [{"actor": "U0ALICE", "project": PROJECT}],
    "project_exists": [{"project": PROJECT}],
    "project_renamed": [{"actor": "bob", "project": BARE, "old": "ENT"}],
    "resume": [{}],
    "startup_error": [
        {"setting": "PORT", "value": "99999", "expected": "integer", "low": 1, "high": 65535},
        {"setting": "BOT_LANGUAGE", "value": "de", "expected": "language"},
        {"setting": "TIMEZONE", "value": "Mars/Base", "expected": "timezone"},
        {"setting": "DATABASE_URL", "value": "mysql", "expected": "database_url"},
    ],
    "status": [
        STATUS,
        {**STATUS, "project": BARE, "gap_count": 0, "pilot": None, "answered": [],
         "factors": {}},
    ],
    "unassign_unchanged": [{"competence": C[6]}],
    "unassigned": [
        {"actor": "bob", "rows": [{"competence": C[6], "previous": p, "a": a}]}
        for p, a in ((DSI, FULL), (None, BLANK))
    ],
    "welcome": [{}],
    "undone": [
        {"actor": "bob", "competences": C[5:8], "factors": [1], "fields": ["moa"]},
        {"actor": "bob", "competences": [C[6]], "factors": [], "fields": []},
        {"actor": "bob", "competences": [], "factors": [], "fields": ["territory_kind", "name"]},
    ],
    "undo_nothing": [{}],
    "terminal_status": [STATUS, {**STATUS, "gap_count": 0, "pilot": None}],
    "terminal_gaps": [
        {"project": PROJECT, "gaps": [], "overall": Coverage(None, 19, 19), "families": FAMILY,
         "page": 1, "per_page": 10},
        {"project": PROJECT, "gaps": GAPS * 2, "overall": OVERALL, "families": FAMILY,
         "page": 1, "per_page": 10},
        {"project": PROJECT, "gaps": GAPS * 2, "overall": OVERALL, "families": FAMILY,
         "page": 1, "per_page": None},
    ],
    "undo_refused": [{"action": a, "subject": "x"}
                     for a in ("changed_since", "entity_gone", "answer")],
}
SAMPLES.update(SLACK_SAMPLES)
SAMPLES.update(SCHOOL_SAMPLES)
SAMPLES.update(MATRIX_SAMPLES)
SAMPLES.update(SCHEDULE_SAMPLES)
SAMPLES.update(PERSONAL_SAMPLES)
SAMPLES.update(REMINDER_SAMPLES)
SAMPLES.update(SLACK_FILE_SAMPLES)


def names(language: str) -> set[str]:
    return {path.stem for path in (TEMPLATES / language).glob("*.j2")}


def test_every_language_has_the_same_templates() -> None:
    reference = names("fr")
    for language in LANGUAGES:
        found = names(language)
        assert found == reference, (
            f"{language}/ lacks {sorted(reference - found)}, has extra {sorted(found - reference)}"
        )


@pytest.fixture(scope="module")
def messages() -> Messages:
    return Messages()


def _buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [
        (e["action_id"], e["value"], e.get("style"))
        for block in blocks if block["type"] == "actions" for e in block["elements"]
    ]


@pytest.mark.parametrize(
    "template", sorted(set().union(*map(names, LANGUAGES)) - {"_lib", "_schedule", "_reminder"})
)
def test_template_renders_alike_in_every_language(messages: Messages, template: str) -> None:
    if template not in SAMPLES:
        pytest.fail(f"no sample data for {template!r}: add it to SAMPLES in {__name__}")
    for data in SAMPLES[template]:
        shapes = set()
        for language in LANGUAGES:
            plain = messages.plain(template, data, language)
            rendered = messages.slack(template, data, language)
            assert plain.strip() and rendered.text and rendered.blocks, (language, data)
            assert "<y>" not in str(rendered.blocks), "Slack values must be escaped"
            shapes.add((
                tuple(block["type"] for block in rendered.blocks),
                tuple(_buttons(rendered.blocks)),
            ))
        assert len(shapes) == 1, f"{template}: blocks or buttons differ between languages"
