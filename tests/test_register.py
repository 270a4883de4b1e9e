"""The register (docs/rgpd.md) and the personal-data marks of the model agree.

The rule for "this column holds a person", decided here once:

* its name says so: ``user_id``, ``user``, ``actor``, ``person``, ``people``, ``referent``,
  ``lead``, ``contact(s)``, ``author``, ``owner``, ``member(s)``, ``recipient``, or ends with
  ``_by``, ``_user``, ``_user_id``, ``_person``, ``_contact(s)``, or starts with ``user_``;
* or it is free text: any ``Text`` or ``JSON`` column, or one named ``notes``, ``text``,
  ``data``, ``payload``, ``comment``, ``message``, ``old_value``, ``new_value``.

Such a column must be marked (``storage.personal.personal``) unless it is listed in
:data:`EXEMPT` with the reason it holds nobody. Every marked column must be in the register.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, String, Text
from sqlmodel import SQLModel

import storage
from storage.personal import mark_of, marked_columns

REGISTER = Path(__file__).resolve().parents[1] / "docs" / "rgpd.md"

PERSON_NAME = re.compile(
    r"^(user_id|user|actor|person|people|referent|lead|contacts?|author|owner|members?"
    r"|recipient)$|_by$|_user$|_user_id$|_person$|_contacts?$|^user_"
)
FREE_TEXT_NAME = re.compile(r"^(notes?|text|data|payload|comment|message|old_value|new_value)$")

EXEMPT: dict[str, str] = {
    "competence.label_fr": "the national sheet's catalogue, or a competence's name",
    "competence.label_en": "the national sheet's catalogue, or a competence's name",
}
"""Columns the rule catches that hold nobody, with the reason."""


def _all_tables() -> None:
    """Import every storage module, so that every table is on ``SQLModel.metadata``."""
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name != "migrations":
            importlib.import_module(f"storage.{module.name}")


def _holds_a_person(column: Column[object]) -> bool:
    return bool(
        PERSON_NAME.search(column.name)
        or FREE_TEXT_NAME.match(column.name)
        or isinstance(column.type, Text | JSON)
    )


@pytest.fixture(scope="module")
def columns() -> dict[str, Column[object]]:
    _all_tables()
    return {
        f"{table.name}.{column.name}": column
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
    }


def test_every_column_holding_a_person_is_marked(columns: dict[str, Column[object]]) -> None:
    unmarked = [
        name for name, column in columns.items()
        if _holds_a_person(column) and mark_of(column) is None and name not in EXEMPT
    ]
    assert unmarked == [], (
        f"columns that hold a person but are not marked: {unmarked}; mark them with "
        "storage.personal.personal(...) and describe them in docs/rgpd.md"
    )


def test_exemptions_are_current(columns: dict[str, Column[object]]) -> None:
    stale = [
        name for name in EXEMPT
        if name not in columns or mark_of(columns[name]) is not None
        or not _holds_a_person(columns[name])
    ]
    assert stale == []


def test_every_marked_column_is_in_the_register(columns: dict[str, Column[object]]) -> None:
    lines = REGISTER.read_text(encoding="utf-8").splitlines()
    problems = []
    for marked in marked_columns(SQLModel.metadata):
        name = f"`{marked.table}.{marked.column}`"
        found = [line for line in lines if line.startswith(f"| {name} |")]
        if not found:
            problems.append(f"{name} is not in docs/rgpd.md")
        elif f"| {marked.category.value} |" not in found[0]:
            problems.append(f"{name}: docs/rgpd.md does not say {marked.category.value!r}")
    assert problems == []


def test_the_register_lists_no_column_that_is_not_marked(
    columns: dict[str, Column[object]],
) -> None:
    text = REGISTER.read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", text, flags=re.MULTILINE)
    assert listed, "the register lists no field"
    tables = {name.partition(".")[0] for name in columns}
    unknown = [
        name for name in listed
        if name.partition(".")[0] in tables
        and (name not in columns or mark_of(columns[name]) is None)
    ]
    assert unknown == []


def test_the_rule_catches_a_new_person_column() -> None:
    """The rule itself: the names a future column would have are caught."""
    for name in ("reviewed_by", "user_id", "actor", "owner_user", "lead", "contacts",
                 "comment", "deleted_by", "user_name"):
        assert _holds_a_person(Column(name, String(200))), name
    assert _holds_a_person(Column("summary", Text()))
    assert _holds_a_person(Column("state", JSON()))
    for name in ("channel_id", "project_id", "kind", "created_at", "uai"):
        assert not _holds_a_person(Column(name, String(200))), name
